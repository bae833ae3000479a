"""Model names, apps, URL segments and envelope keys of the BrainSTEM API (``brainstem.md`` 1.3, 1.4).

Every name the official clients accept resolves here: the 41 names of client 2.0.0 (underscored
invitation/request spellings included) plus the documented spellings that 2.0.0 refuses
(``projectmembershipinvitation``, ``groupmembershiprequest``, every ``…approval``). Requests are sent
to the *documented* URL segment (``stem/projectmembershipinvitation/``), which every compatible
server serves (1.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

__all__ = ["MODELS", "PORTALS", "ModelInfo", "ModelType", "PortalType", "resolve_model", "resolve_portal"]


@dataclass(frozen=True)
class ModelInfo:
    """Where a model lives and how its envelopes are keyed.

    Attributes:
        name: the name callers use (``"project_membership_invitation"``).
        app: URL app segment (``"stem"``).
        segment: URL model segment actually requested (``"projectmembershipinvitation"``).
        plural: list-envelope key (``"project_membership_invitations"``).
        single: detail-envelope key (``"project_membership_invitation"``).
    """

    name: str
    app: str
    segment: str
    plural: str
    single: str


def _m(name: str, app: str, plural: str, single: str | None = None, segment: str | None = None) -> ModelInfo:
    return ModelInfo(name, app, segment or name, plural, single or name)


_TABLE = [
    # stem
    _m("project", "stem", "projects"),
    _m("subject", "stem", "subjects"),
    _m("session", "stem", "sessions"),
    _m("collection", "stem", "collections"),
    _m("cohort", "stem", "cohorts"),
    _m("breeding", "stem", "breedings"),
    _m(
        "project_membership_invitation",
        "stem",
        "project_membership_invitations",
        segment="projectmembershipinvitation",
    ),
    _m(
        "project_group_membership_invitation",
        "stem",
        "project_group_membership_invitations",
        segment="projectgroupmembershipinvitation",
    ),
    _m(
        "projectmembershipinvitation",
        "stem",
        "project_membership_invitations",
        "project_membership_invitation",
    ),
    _m(
        "projectgroupmembershipinvitation",
        "stem",
        "project_group_membership_invitations",
        "project_group_membership_invitation",
    ),
    # modules
    _m("procedure", "modules", "procedures"),
    _m("behavior", "modules", "behaviors"),
    _m("dataacquisition", "modules", "data_acquisitions", "data_acquisition"),
    _m("manipulation", "modules", "manipulations"),
    _m("equipment", "modules", "equipment"),
    _m("consumablestock", "modules", "consumable stocks", "consumable stock"),
    _m("procedurelog", "modules", "procedure_logs", "procedure_log"),
    _m("subjectlog", "modules", "subject_logs", "subject_log"),
    # personal_attributes
    _m("behavioralassay", "personal_attributes", "behavioralassays"),
    _m("datastorage", "personal_attributes", "datastorages"),
    _m("inventory", "personal_attributes", "inventories"),
    _m("license", "personal_attributes", "licenses"),
    _m("protocol", "personal_attributes", "protocols"),
    _m("setup", "personal_attributes", "setups"),
    # resources
    _m("consumable", "resources", "consumables"),
    _m("hardwaredevice", "resources", "hardwaredevices"),
    _m("supplier", "resources", "suppliers"),
    _m("consumableapproval", "resources", "consumable_approvals", "consumable_approval"),
    _m("hardwaredeviceapproval", "resources", "hardwaredevice_approvals", "hardwaredevice_approval"),
    _m("supplierapproval", "resources", "supplier_approvals", "supplier_approval"),
    # taxonomies
    _m("behavioralcategory", "taxonomies", "behavioral_categories", "behavioral_category"),
    _m("behavioralparadigm", "taxonomies", "behavioral_paradigms", "behavioral_paradigm"),
    _m("brainregion", "taxonomies", "brain_regions", "brain_region"),
    _m("regulatoryauthority", "taxonomies", "regulatoryauthorities"),
    _m("setuptype", "taxonomies", "setup_types", "setup_type"),
    _m("species", "taxonomies", "species"),
    _m("strain", "taxonomies", "strains"),
    _m("behavioralcategoryapproval", "taxonomies", "behavioral_category_approvals", "behavioral_category_approval"),
    _m("behavioralparadigmapproval", "taxonomies", "behavioral_paradigm_approvals", "behavioral_paradigm_approval"),
    _m("regulatoryauthorityapproval", "taxonomies", "regulatoryauthority_approvals", "regulatoryauthority_approval"),
    _m("setuptypeapproval", "taxonomies", "setup_type_approvals", "setup_type_approval"),
    _m("speciesapproval", "taxonomies", "species_approvals", "species_approval"),
    _m("strainapproval", "taxonomies", "strain_approvals", "strain_approval"),
    # dissemination
    _m("journal", "dissemination", "journals"),
    _m("journalapproval", "dissemination", "journal_approvals", "journal_approval"),
    _m("publication", "dissemination", "publications"),
    # users
    _m("group", "users", "groups"),
    _m("group_membership_invitation", "users", "group_membership_invitations", segment="groupmembershipinvitation"),
    _m("group_membership_request", "users", "group_membership_requests", segment="groupmembershiprequest"),
    _m("groupmembershipinvitation", "users", "group_membership_invitations", "group_membership_invitation"),
    _m("groupmembershiprequest", "users", "group_membership_requests", "group_membership_request"),
    _m("laboratory", "users", "laboratories"),
    _m("user", "users", "users"),
]

#: name → :class:`ModelInfo` for every accepted model name.
MODELS: dict[str, ModelInfo] = {info.name: info for info in _TABLE}

#: Every accepted model name as an enum member whose name equals its value (like 2.0.0's ``ModelType``,
#: with the documented spellings added). ``ModelType.session == "session"``.
ModelType = StrEnum("ModelType", {name: name for name in MODELS})  # type: ignore[misc]
ModelType.__doc__ = "Model names accepted by :class:`~braindock.clients.brainstem.BrainstemClient` (1.3)."


class PortalType(StrEnum):
    """The three portals of 1.2: ``private`` (token), ``public`` (anonymous, read-only), ``super`` (staff)."""

    public = "public"
    private = "private"
    super = "super"


PORTALS = frozenset(p.value for p in PortalType)


def resolve_portal(portal: str | Enum) -> str:
    """``"public"`` / :class:`PortalType` member → portal string; anything else → ``ValueError``."""
    value = str(portal.value if isinstance(portal, Enum) else portal)
    if value not in PORTALS:
        raise ValueError(f"Unknown portal '{value}'. Valid portals are: {', '.join(sorted(PORTALS))}")
    return value


def resolve_model(model: str | Enum, app: str | None = None) -> ModelInfo:
    """A model name or :class:`ModelType` member → :class:`ModelInfo`.

    ``app`` is an escape hatch for models missing from the table (7.1 item 11): with it any
    ``model`` is accepted and sent verbatim to ``<app>/<model>/``. Without it an unknown name raises
    ``ValueError`` listing the valid names (as client 2.0.0 does).
    """
    name = str(model.value if isinstance(model, Enum) else model)
    info = MODELS.get(name)
    if app is not None:
        if info is not None and info.app == app:
            return info
        return ModelInfo(name, app, name, info.plural if info else f"{name}s", info.single if info else name)
    if info is None:
        raise ValueError(f"Unknown model '{name}'. Valid models are: {', '.join(sorted(MODELS))}")
    return info
