"""Every BrainSTEM model, declared once (``brainstem.md`` 4: fields, 1.3: apps and envelope keys,
1.4: alias paths, 5: permission policies).

Routing, storage, validation, queries, permissions and serialisation are generic code reading these
declarations. Field kinds are in :mod:`.fields`; named cross-field rules (``checks=``) are in
:mod:`.schema`; JSON-structure validators in :mod:`.validators`; type-specific schemas in
:mod:`.details_schemas`.

Decisions where the reference is silent (see also ``brainstem.md`` 6.2):

* ``epoch`` is also routable at ``stem/epoch/`` (otherwise epochs could not be created at all).
* The approval resources (4.6) share one table; their payload fields can be read but not filtered.
* ``sessiondatastorage`` (4.1.10) is ``{"id", "session", "datastorage", "order"}``, one record per row of the
  session ``datastorage`` link table (private portal only): creating, deleting and changing ``order`` of these
  records adds, removes and reorders a session's data storages; a POST without ``order`` appends.
* Catalogue ``comments`` are kept with the approval request, never output on the record.
* Personal attributes carry the ``users``/``groups`` permission dictionaries of projects (4.0; 5.4 allows it), so
  their sharing can be changed after creation: managers add and remove members, owners appoint managers and
  owners. Like on projects they are ignored on POST (``authgroups`` is the creation-time form) and left out on
  the public portal.
* File fields (``File``) are uploaded as multipart form data and served back by :mod:`.routes` (see :mod:`.files`).
"""

from __future__ import annotations

from dataclasses import dataclass

from braindock.server.brainstem import details_schemas as ds
from braindock.server.brainstem import validators as v
from braindock.server.brainstem.fields import (
    Access,
    AuthGroups,
    Boolean,
    Computed,
    Creator,
    Date,
    DateTime,
    Details,
    Entries,
    File,
    ForeignKey,
    GroupUsers,
    Integer,
    Json,
    ManyToMany,
    Members,
    Model,
    Payload,
    Reverse,
    SchemaVersion,
    Tags,
    Text,
    Timestamp,
    named,
)

ATLASES = ("AIA", "AIA_dM", "AIA_HB", "AIA_dHB", "AIA_P", "AIA_S", "BM4", "PF2001", "PW1997", "S2004")
COUNTRY = r"^[A-Z]{2}$"
CONSUMABLE_TYPES = (
    "ChemicalReagent",
    "ImmunoReagent",
    "PharmacologicalAgent",
    "PhysiologicalSolution",
    "TracerDye",
    "VirusConstruct",
    "ConsumableDevice",
    "OpticalComponent",
    "OpticFiberDesign",
    "SiliconProbeDesign",
    "SingleWireElectrode",
    "WireElectrode",
    "SurgicalDisposable",
    "ImplantMaterial",
)
LICENSE_TYPES = (
    "animal_research_authorization",
    "human_research_authorization",
    "biosafety_gmo_authorization",
    "wildlife_fieldwork_permit",
    "controlled_substance_license",
    "chemical_use_authorization",
    "import_export_permit",
)
#: ``protocol.attachment``: "up to 15 MB" (``brainstem.md`` 4.3.5), read as MiB.
PROTOCOL_ATTACHMENT_MAX_BYTES = 15 * 1024 * 1024
LICENSE_STATUSES = ("draft", "pending", "active", "suspended", "expired", "revoked")
SUBJECT_STATUSES = ("planned", "active", "inactive", "transferred", "deceased", "unknown")
INTERVAL_SUBJECT_LOGS = ("Housing", "FoodDeprivation", "WaterDeprivation", "Habituation", "Handling", "TrainingSession")


def _catalogue_extras() -> dict:
    return {
        "rrid": Text(100, nullable=True, prefix="RRID:"),
        "rrid_url": Computed("rrid_url"),
        "external_identifiers": Json(v.external_identifiers, empty=None),
    }


def _approval_access() -> Access:
    return Access("catalogue", approval=True)


MODELS: list[Model] = [
    # ------------------------------------------------------------------ stem (4.1)
    Model(
        "project",
        "stem",
        "projects",
        "project",
        named(
            name=Text(200, required=True, unique=True),
            description=Text(),
            sessions=Reverse("session", "projects"),
            subjects=Reverse("subject", "projects"),
            collections=Reverse("collection", "project"),
            cohorts=Reverse("cohort", "project"),
            publications=ManyToMany("publication"),
            extra_fields=Json(v.extra_fields),
            is_public=Boolean(index=True),
            tags=Tags(),
            links=Computed("links", ("cohorts", "collections", "sessions", "subjects")),
            users=Members("user"),
            groups=Members("group"),
        ),
        Access("project"),
    ),
    Model(
        "subject",
        "stem",
        "subjects",
        "subject",
        named(
            name=Text(100, required=True, unique=True),
            description=Text(),
            projects=ManyToMany("project", required=True, min_items=1),
            licenses=ManyToMany("license", ref="change"),
            strain=ForeignKey("strain", required=True),
            sex=Text(1, required=True, choices=("M", "F", "U")),
            genetic_line=Text(100),
            genotype=Text(200),
            subject_identifier=Text(100),
            supplier=ForeignKey("supplier", on_delete="set_null"),
            breeding=ForeignKey("breeding", on_delete="set_null", db_constraint=False),
            birth_date=Date(),
            death_date=Date(),
            status=Text(16, choices=SUBJECT_STATUSES, default="active", blank=False),
            extra_fields=Json(v.extra_fields),
            procedures=Reverse("procedure", "subject"),
            subjectlogs=Reverse("subjectlog", "subject"),
            name_used_in_storage=Text(200, nullable=True),
            tags=Tags(),
            links=Computed("links", ("procedures", "subjectlogs")),
        ),
        Access("via_projects", "projects"),
    ),
    Model(
        "session",
        "stem",
        "sessions",
        "session",
        named(
            name=Text(100, required=True, unique=True),
            description=Text(),
            projects=ManyToMany("project", required=True, min_items=1),
            date_time=DateTime(),
            epochs=Reverse("epoch", "session"),
            datastorage=ManyToMany("datastorage", ordered=True, ref="change"),
            extra_fields=Json(v.extra_fields),
            download_links=Json(v.download_links, empty=list),
            dataacquisition=Reverse("dataacquisition", "session"),
            behaviors=Reverse("behavior", "session"),
            manipulations=Reverse("manipulation", "session"),
            name_used_in_storage=Text(200, nullable=True, read_only=True),
            tags=Tags(),
            links=Computed("links", ("behaviors", "dataacquisition", "manipulations", "epochs")),
        ),
        Access("via_projects", "projects"),
    ),
    Model(
        "epoch",
        "stem",
        "epochs",
        "epoch",
        named(
            session=ForeignKey("session", required=True, on_delete="cascade"),
            name=Text(100, required=True),
            start=Text(32, pattern=r"^\d+:\d{2}:\d{2}(\.\d+)?$"),
            end=Text(32, pattern=r"^\d+:\d{2}:\d{2}(\.\d+)?$"),
            behaviors=ManyToMany("behavior", on_delete="protect"),
            dataacquisition=ManyToMany("dataacquisition", on_delete="protect"),
            manipulations=ManyToMany("manipulation", on_delete="protect"),
        ),
        Access("via_parent", "session"),
        checks=("same_session",),
    ),
    Model(
        "sessiondatastorage",
        "stem",
        "session_data_storages",
        "session_data_storage",
        named(
            session=ForeignKey("session", required=True, on_delete="cascade", db_column="source_id"),
            datastorage=ForeignKey(
                "datastorage", required=True, on_delete="cascade", ref="change", db_column="target_id"
            ),
            order=Integer(minimum=0, nullable=False, db_column="position"),
        ),
        Access("via_parent", "session"),
        table="bs_session__datastorage",
        unique_together=(("session", "datastorage"),),
        default_sort=("session", "order", "created_at"),
        public=False,
        link_of=("session", "datastorage"),
    ),
    Model(
        "collection",
        "stem",
        "collections",
        "collection",
        named(
            name=Text(100, required=True),
            description=Text(),
            project=ForeignKey("project", required=True, on_delete="cascade"),
            sessions=ManyToMany("session"),
            tags=Tags(),
        ),
        Access("via_project", "project"),
        unique_together=(("project", "name"),),
        checks=("members_in_project",),
    ),
    Model(
        "cohort",
        "stem",
        "cohorts",
        "cohort",
        named(
            name=Text(100, required=True),
            description=Text(),
            project=ForeignKey("project", required=True, on_delete="cascade"),
            subjects=ManyToMany("subject"),
            tags=Tags(),
        ),
        Access("via_project", "project"),
        unique_together=(("project", "name"),),
        checks=("members_in_project",),
    ),
    Model(
        "breeding",
        "stem",
        "breedings",
        "breeding",
        named(
            name=Text(100, required=True),
            project=ForeignKey("project", required=True, on_delete="cascade"),
            mother=ForeignKey("subject", required=True),
            father=ForeignKey("subject", required=True),
            description=Text(),
            tags=Tags(),
            birth_date=Date(),
            start_date=Date(),
            end_date=Date(),
            weaning_date=Date(),
            litter_size=Integer(minimum=1),
            expected_genotype=Text(100),
        ),
        Access("via_project", "project"),
        unique_together=(("project", "name"),),
        checks=("breeding_parents",),
    ),
    Model(
        "projectmembershipinvitation",
        "stem",
        "project_membership_invitations",
        "project_membership_invitation",
        named(
            invitee=ForeignKey("user", required=True, on_delete="cascade"),
            project=ForeignKey("project", required=True, on_delete="cascade"),
            can_change=Boolean(),
            manage_project=Boolean(),
            own_project=Boolean(),
            inviter=Creator(),
        ),
        Access("project_invitation"),
        actions=("accept", "reject", "cancel"),
        public=False,
    ),
    Model(
        "projectgroupmembershipinvitation",
        "stem",
        "project_group_membership_invitations",
        "project_group_membership_invitation",
        named(
            invitee=ForeignKey("group", required=True, on_delete="cascade"),
            project=ForeignKey("project", required=True, on_delete="cascade"),
            can_change=Boolean(),
            manage_project=Boolean(),
            own_project=Boolean(),
            inviter=Creator(),
        ),
        Access("project_group_invitation"),
        actions=("accept", "reject", "cancel"),
        public=False,
    ),
    # ------------------------------------------------------------------ modules (4.2)
    Model(
        "procedure",
        "modules",
        "procedures",
        "procedure",
        named(
            type=Text(64, required=True, choices=tuple(ds.PROCEDURE)),
            notes=Text(500),
            subject=ForeignKey("subject", required=True, on_delete="cascade"),
            protocol=ForeignKey("protocol"),
            date_time=DateTime(),
            consumablestock=ForeignKey("consumablestock", on_delete="set_null"),
            equipment=ManyToMany("equipment"),
            brain_region=ForeignKey("brainregion"),
            licenses=ManyToMany("license", ref="change"),
            details=Details("type", ds.PROCEDURE, "type_schema_version"),
            type_schema_version=SchemaVersion(),
            coordinates_system=Text(64, required=True, choices=tuple(ds.COORDINATES)),
            coordinates_details=Details("coordinates_system", ds.COORDINATES, "coordinates_schema_version"),
            coordinates_schema_version=SchemaVersion(),
            created_at=Timestamp(),
            updated_at=Timestamp(),
        ),
        Access("via_parent", "subject"),
        checks=("protocol_fits",),
    ),
    Model(
        "behavior",
        "modules",
        "behaviors",
        "behavior",
        named(
            session=ForeignKey("session", required=True, on_delete="cascade"),
            subjects=ManyToMany("subject", required=True, min_items=1),
            setup=ForeignKey("setup", required=True),
            behavioralassay=ForeignKey("behavioralassay", required=True),
            notes=Text(500),
            order=Integer(minimum=0),
        ),
        Access("via_parent", "session"),
        default_sort=("order", "created_at"),
    ),
    Model(
        "dataacquisition",
        "modules",
        "data_acquisitions",
        "data_acquisition",
        named(
            type=Text(64, required=True, choices=tuple(ds.DATA_ACQUISITION)),
            notes=Text(500),
            session=ForeignKey("session", required=True, on_delete="cascade"),
            procedures=ManyToMany("procedure"),
            equipment=ManyToMany("equipment"),
            details=Details("type", ds.DATA_ACQUISITION, "type_schema_version"),
            type_schema_version=SchemaVersion(),
            image=File("image"),
            order=Integer(minimum=0),
        ),
        Access("via_parent", "session"),
        default_sort=("order", "created_at"),
    ),
    Model(
        "manipulation",
        "modules",
        "manipulations",
        "manipulation",
        named(
            type=Text(64, required=True, choices=tuple(ds.MANIPULATION)),
            notes=Text(500),
            procedures=ManyToMany("procedure", required=True, min_items=1),
            session=ForeignKey("session", required=True, on_delete="cascade"),
            equipment=ManyToMany("equipment"),
            details=Details("type", ds.MANIPULATION, "type_schema_version", rows=True),
            type_schema_version=SchemaVersion(),
            order=Integer(minimum=0),
        ),
        Access("via_parent", "session"),
        default_sort=("order", "created_at"),
    ),
    Model(
        "equipment",
        "modules",
        "equipment",
        "equipment",
        named(
            name=Text(100),
            type=Text(64, required=True, choices=tuple(ds.EQUIPMENT)),
            notes=Text(500),
            setup=ForeignKey("setup", required=True, on_delete="cascade"),
            date_time=DateTime(),
            consumable=ForeignKey("consumable"),
            hardwaredevice=ForeignKey("hardwaredevice"),
            details=Details("type", ds.EQUIPMENT, "type_schema_version"),
            type_schema_version=SchemaVersion(),
            coordinates_system=Text(64, required=True, choices=tuple(ds.COORDINATES)),
            coordinates_details=Details("coordinates_system", ds.COORDINATES, "coordinates_schema_version"),
            coordinates_schema_version=SchemaVersion(),
        ),
        Access("via_parent", "setup"),
    ),
    Model(
        "consumablestock",
        "modules",
        "consumable stocks",
        "consumable stock",
        named(
            type=Text(64, required=True, choices=tuple(ds.CONSUMABLE_STOCK)),
            status=Text(16, choices=("AVAILABLE", "RESERVED", "DEPLETED"), default="AVAILABLE", blank=False),
            notes=Text(500),
            inventory=ForeignKey("inventory", required=True, on_delete="cascade"),
            acquisition_date=Date(),
            expiration_date=Date(),
            storage_location=Text(100, nullable=True),
            storage_conditions=Text(100, nullable=True),
            intended_use=Text(100, nullable=True),
            cost=Text(100, nullable=True),
            consumable=ForeignKey("consumable"),
            details=Details("type", ds.CONSUMABLE_STOCK, "type_schema_version"),
            type_schema_version=SchemaVersion(),
        ),
        Access("via_parent", "inventory"),
    ),
    Model(
        "procedurelog",
        "modules",
        "procedure_logs",
        "procedure_log",
        named(
            type=Text(32, required=True, choices=tuple(ds.PROCEDURE_LOG)),
            description=Text(500, nullable=True),
            procedure=ForeignKey("procedure", required=True, on_delete="cascade"),
            entries=Entries(),
        ),
        Access("via_parent", "procedure"),
        actions=("add_entry", "change_entry", "remove_entry"),
        checks=("type_fixed",),
    ),
    Model(
        "subjectlog",
        "modules",
        "subject_logs",
        "subject_log",
        named(
            type=Text(32, required=True, choices=tuple(ds.SUBJECT_LOG)),
            description=Text(500, nullable=True),
            subject=ForeignKey("subject", required=True, on_delete="cascade"),
            protocol=ForeignKey("protocol"),
            user=Creator(),
            entries=Entries(),
        ),
        Access("via_parent", "subject"),
        actions=("add_entry", "change_entry", "remove_entry"),
        checks=("type_fixed", "protocol_fits"),
    ),
    # ------------------------------------------------------------------ personal_attributes (4.3)
    Model(
        "behavioralassay",
        "personal_attributes",
        "behavioralassays",
        "behavioralassay",
        named(
            name=Text(50, required=True),
            description=Text(500),
            setup_type=ForeignKey("setuptype", required=True),
            behavioral_paradigm=ForeignKey("behavioralparadigm", required=True),
            licenses=ManyToMany("license", ref="change"),
            is_public=Boolean(index=True),
            authgroups=AuthGroups(),
            users=Members("user"),
            groups=Members("group"),
        ),
        Access("personal"),
    ),
    Model(
        "datastorage",
        "personal_attributes",
        "datastorages",
        "datastorage",
        named(
            name=Text(100, required=True, unique=True),
            location=Text(100),
            description=Text(500),
            is_public=Boolean(index=True),
            data_organization=Json(v.data_organization, empty=list),
            data_protocols=Json(v.data_protocols, empty=list),
            authgroups=AuthGroups(),
            users=Members("user"),
            groups=Members("group"),
        ),
        Access("personal"),
    ),
    Model(
        "inventory",
        "personal_attributes",
        "inventories",
        "inventory",
        named(
            name=Text(50, required=True),
            location=Text(100),
            description=Text(500),
            is_public=Boolean(index=True),
            authgroups=AuthGroups(),
            users=Members("user"),
            groups=Members("group"),
        ),
        Access("personal"),
    ),
    Model(
        "license",
        "personal_attributes",
        "licenses",
        "license",
        named(
            name=Text(255, required=True),
            type=Text(64, required=True, choices=LICENSE_TYPES),
            status=Text(16, choices=LICENSE_STATUSES, default="draft", blank=False),
            description=Text(),
            country=Text(2, nullable=True, pattern=COUNTRY, upper=True),
            regulatory_authority=ForeignKey("regulatoryauthority"),
            license_number=Text(128),
            license_document=File("license"),
            valid_from=Date(),
            valid_until=Date(),
            license_holders=ManyToMany("user"),
            behavioralassays=Reverse("behavioralassay", "licenses"),
            subjects=Reverse("subject", "licenses"),
            procedures=Reverse("procedure", "licenses"),
            is_public=Boolean(index=True),
            authgroups=AuthGroups(),
            users=Members("user"),
            groups=Members("group"),
        ),
        Access("personal"),
        checks=("license_dates",),
    ),
    Model(
        "protocol",
        "personal_attributes",
        "protocols",
        "protocol",
        named(
            name=Text(255, required=True),
            protocol_type=Text(32, required=True, choices=("procedure", "subject_log")),
            subtypes=Json(v.string_list, empty=list),
            subtype_display=Computed("subtype_display"),
            description=Text(),
            url=Text(200, url=True),
            licenses=ManyToMany("license", ref="change"),
            attachment=File("document", max_bytes=PROTOCOL_ATTACHMENT_MAX_BYTES),
            authgroups=AuthGroups(),
            users=Members("user"),
            groups=Members("group"),
            is_public=Boolean(index=True),
            procedures=Reverse("procedure", "protocol"),
            subjectlogs=Reverse("subjectlog", "protocol"),
        ),
        Access("personal"),
        checks=("protocol_subtypes",),
    ),
    Model(
        "setup",
        "personal_attributes",
        "setups",
        "setup",
        named(
            name=Text(50, required=True),
            location=Text(100),
            description=Text(500),
            setup_type=ForeignKey("setuptype", required=True),
            specifications=Json(v.array_or_object, empty=list),
            is_public=Boolean(index=True),
            image=File("image", public=False),
            authgroups=AuthGroups(),
            users=Members("user"),
            groups=Members("group"),
        ),
        Access("personal"),
    ),
    # ------------------------------------------------------------------ resources (4.4)
    Model(
        "consumable",
        "resources",
        "consumables",
        "consumable",
        named(
            name=Text(100, required=True, unique=True),
            description=Text(500, db_length=2000),  # documented 500; the column stays 2000 wide (0002)
            supplier=ForeignKey("supplier", required=True),
            type=Text(64, required=True, choices=CONSUMABLE_TYPES),
            details=Details("type", ds.CONSUMABLE),
            **_catalogue_extras(),
            comments=Text(write_only=True),
        ),
        _approval_access(),
    ),
    Model(
        "hardwaredevice",
        "resources",
        "hardwaredevices",
        "hardwaredevice",
        named(
            name=Text(100, required=True, unique=True),
            description=Text(500, db_length=2000),  # documented 500; the column stays 2000 wide (0002)
            supplier=ForeignKey("supplier", required=True),
            **_catalogue_extras(),
            comments=Text(write_only=True),
        ),
        _approval_access(),
    ),
    Model(
        "supplier",
        "resources",
        "suppliers",
        "supplier",
        named(
            name=Text(100, required=True, unique=True),
            description=Text(2000),
            website=Text(200, url=True),
            comments=Text(write_only=True),
        ),
        _approval_access(),
    ),
    # ------------------------------------------------------------------ taxonomies (4.5)
    Model(
        "behavioralcategory",
        "taxonomies",
        "behavioral_categories",
        "behavioral_category",
        named(
            name=Text(100, required=True, unique=True),
            description=Text(2000),
            parent=ForeignKey("behavioralcategory"),
            comments=Text(write_only=True),
        ),
        _approval_access(),
        checks=("two_level_category",),
    ),
    Model(
        "behavioralparadigm",
        "taxonomies",
        "behavioral_paradigms",
        "behavioral_paradigm",
        named(
            name=Text(200, required=True, unique=True),
            description=Text(3000),
            category=ForeignKey("behavioralcategory"),
            species=ManyToMany("species"),
            original_publication=Text(500),
            reference_url=Text(200, url=True),
            rrid=Text(100, nullable=True, prefix="RRID:"),
            external_identifiers=Json(v.external_identifiers, empty=None),
            comments=Text(write_only=True),
        ),
        _approval_access(),
    ),
    Model(
        "brainregion",
        "taxonomies",
        "brain_regions",
        "brain_region",
        named(
            name=Text(200, required=True),
            description=Text(2000),
            acronym=Text(15, required=True),
            atlas=Text(7, required=True, choices=ATLASES),
            region_id=Integer(minimum=0),
            parent_acronym=Text(15, nullable=True),
            graph_order=Integer(minimum=0),
        ),
        Access("catalogue", admin_only=True),
        unique_together=(("atlas", "acronym"), ("atlas", "name")),
    ),
    Model(
        "regulatoryauthority",
        "taxonomies",
        "regulatoryauthorities",
        "regulatoryauthority",
        named(
            name=Text(255, required=True, unique=True),
            abbreviation=Text(32),
            country=Text(2, nullable=True, pattern=COUNTRY, upper=True),
            authority_type=Text(64, choices=("national", "institutional", "regional", "international")),
            website=Text(200, url=True),
            description=Text(),
            is_active=Boolean(default=True),
            comments=Text(write_only=True),
        ),
        _approval_access(),
    ),
    Model(
        "setuptype",
        "taxonomies",
        "setup_types",
        "setup_type",
        named(
            name=Text(200, required=True, unique=True),
            description=Text(2000),
            category=Text(1, required=True, choices=("I", "E", "A", "H", "V", "F", "U")),
            comments=Text(write_only=True),
        ),
        _approval_access(),
    ),
    Model(
        "species",
        "taxonomies",
        "species",
        "species",
        named(
            name=Text(100, required=True, unique=True),
            description=Text(2000),
            **_catalogue_extras(),
            comments=Text(write_only=True),
        ),
        _approval_access(),
    ),
    Model(
        "strain",
        "taxonomies",
        "strains",
        "strain",
        named(
            name=Text(100, required=True, unique=True),
            description=Text(2000),
            species=ForeignKey("species", required=True),
            **_catalogue_extras(),
            comments=Text(write_only=True),
        ),
        _approval_access(),
    ),
    # ------------------------------------------------------------------ dissemination (4.7)
    Model(
        "journal",
        "dissemination",
        "journals",
        "journal",
        named(
            name=Text(500, required=True, unique=True),
            description=Text(2000),
            website=Text(200, url=True),
            comments=Text(write_only=True),
        ),
        _approval_access(),
    ),
    Model(
        "publication",
        "dissemination",
        "publications",
        "publication",
        named(
            title=Text(200, required=True),
            authors=Text(500, required=True),
            journal=ForeignKey("journal", required=True),
            abstract=Text(required=True),
            doi=Text(200),
            publication_url=Text(300),
            pdf_url=Text(300),
            publication_date=Date(required=True, nullable=False),
            volume=Text(100),
        ),
        Access("publication"),
        default_sort=("title",),
    ),
    # ------------------------------------------------------------------ users (4.8)
    Model(
        "user",
        "users",
        "users",
        "user",
        named(
            email=Text(320, read_only=True),
            first_name=Text(150),
            last_name=Text(150),
            groups_own_json=Computed("groups_own"),
            website=Text(200, url=True),
            google_scholar=Text(200),
            orcid_id=Text(100),
            atlas_preference=Text(7, choices=ATLASES, default="AIA", blank=False),
            active_projects=ManyToMany("project"),
        ),
        Access("user"),
        id_kind="int",
        table="accounts",
        default_sort=("id",),
        creatable=False,
    ),
    Model(
        "group",
        "users",
        "groups",
        "group",
        named(name=Text(150, required=True, unique=True), users=GroupUsers()),
        Access("group"),
        id_kind="int",
        table="bs_group",
        actions=("join", "leave"),
    ),
    Model(
        "groupmembershipinvitation",
        "users",
        "group_membership_invitations",
        "group_membership_invitation",
        named(
            user_account_invitation=ForeignKey("user", required=True, on_delete="cascade"),
            authgroup=ForeignKey("group", required=True, on_delete="cascade"),
            new_manager=Boolean(),
            new_owner=Boolean(),
            inviter=Creator(),
        ),
        Access("group_invitation"),
        actions=("accept", "reject", "cancel"),
        public=False,
    ),
    Model(
        "groupmembershiprequest",
        "users",
        "group_membership_requests",
        "group_membership_request",
        named(
            user_account_request=Creator(on_delete="cascade"),
            authgroup=ForeignKey("group", required=True, on_delete="cascade"),
        ),
        Access("group_request"),
        actions=("accept", "reject", "cancel"),
        public=False,
    ),
    Model(
        "laboratory",
        "users",
        "laboratories",
        "laboratory",
        named(
            group=ForeignKey("group", required=True, unique=True, on_delete="cascade"),
            principal_investigators=ManyToMany("user", required=True, min_items=1),
            description=Text(500),
            website=Text(200, url=True),
            department=Text(100),
            institution=Text(100, required=True),
            city=Text(100),
            country=Text(100),
        ),
        Access("laboratory"),
        default_sort=("institution",),
    ),
]

#: Models whose writes by non-administrators become approval requests (4.6).
APPROVAL_TARGETS = [m for m in MODELS if m.access.approval]


def _approval_model(target: Model) -> Model:
    """The ``<model>approval`` resource of ``target`` (4.6): submitted payload + review metadata."""
    model = Model(
        f"{target.name}approval",
        target.app,
        f"{target.single}_approvals",
        f"{target.single}_approval",
        named(
            payload=Payload(),
            instance_id=Text(36, nullable=True, read_only=True),
            action=Text(8, read_only=True, choices=("Add", "Change")),
            reviewer=ForeignKey("user", read_only=True, on_delete="set_null"),
            status=Text(10, read_only=True, choices=("Pending", "Accepted", "Rejected")),
            comments=Text(read_only=True),
        ),
        Access("approval"),
        table="bs_approval",
        discriminator=target.name,
        default_sort=("created_at",),
        actions=("accept", "reject"),
        public=False,
        creatable=False,
        approval_of=target,
    )
    target.approval = model
    return model


APPROVALS = [_approval_model(target) for target in APPROVAL_TARGETS]
ALL: dict[str, Model] = {m.name: m for m in [*MODELS, *APPROVALS]}

for _model in ALL.values():
    for _field in _model.fields:
        if _field.relation:
            _field.target_model = ALL[_field.target]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Route:
    """What ``/api/<portal>/<app>/<segment>/`` serves: a model and its envelope keys there."""

    model: Model
    plural: str
    single: str


ROUTES: dict[tuple[str, str], Route] = {(m.app, m.name): Route(m, m.plural, m.single) for m in ALL.values()}


def _alias(app: str, segment: str, canonical: str, plural: str | None = None, single: str | None = None) -> None:
    model = ALL[canonical]
    ROUTES[(app, segment)] = Route(model, plural or model.plural, single or model.single)


# 1.4: spellings of the 2.0.0 client, the 0.2.0 ``attributes`` app and legacy paths.
for _app, _segment, _canonical in [
    ("stem", "project_membership_invitation", "projectmembershipinvitation"),
    ("stem", "project_group_membership_invitation", "projectgroupmembershipinvitation"),
    ("users", "group_membership_invitation", "groupmembershipinvitation"),
    ("users", "group_membership_request", "groupmembershiprequest"),
    ("attributes", "journal", "journal"),
    ("attributes", "journalapproval", "journalapproval"),
    ("attributes", "publication", "publication"),
    ("attributes", "laboratory", "laboratory"),
    ("users", "projectmembershipinvitation", "projectmembershipinvitation"),
    ("users", "projectgroupmembershipinvitation", "projectgroupmembershipinvitation"),
    ("users", "project_membership_invitation", "projectmembershipinvitation"),
    ("users", "project_group_membership_invitation", "projectgroupmembershipinvitation"),
    ("auth", "group", "group"),
    ("stem", "dataset", "session"),
    ("modules", "action", "procedure"),
    ("modules", "experimentdata", "dataacquisition"),
    ("modules", "installation", "equipment"),
    ("modules", "actionlog", "procedurelog"),
    ("personal_attributes", "datarepository", "datastorage"),
    ("personal_attributes", "experimentalsetup", "setup"),
    ("personal_attributes", "physicalenvironment", "setup"),
    ("taxonomies", "environmenttype", "setuptype"),
    ("resources", "hardware_device", "hardwaredevice"),
    ("taxonomies", "brain_region", "brainregion"),
]:
    _alias(_app, _segment, _canonical)
# The lab-specific "behavioral paradigm" of 0.2.0 is today's behavioral assay (1.4 decision: old keys).
_alias("personal_attributes", "behavioralparadigm", "behavioralassay", "behavioralparadigms", "behavioralparadigm")


def resolve(app: str, segment: str) -> Route | None:
    """The route for an ``<app>/<model>`` pair of a URL, or ``None`` (404)."""
    return ROUTES.get((app, segment))


def _referencing_index() -> dict[str, list[tuple[Model, object]]]:
    found: dict[str, list[tuple[Model, object]]] = {}
    for model in ALL.values():
        for item in model.fields:
            if item.relation and not isinstance(item, Reverse):
                found.setdefault(item.target, []).append((model, item))  # type: ignore[attr-defined]
    return found


#: Model name -> the (model, relation field) pairs storing links to it, built once from the registry.
REFERENCING = _referencing_index()


def referencing(target: Model) -> list[tuple[Model, object]]:
    """Every (model, relation field) that stores links to ``target`` (for deletes), in registry order."""
    return REFERENCING.get(target.name, [])
