"""Create, read, change and delete across the BrainSTEM apps against a live server (``brainstem.md`` 3, 4)."""

from __future__ import annotations

from tests.brainstem.conftest import Lab, World, uniq


def test_project_lifecycle_and_envelopes(lab: Lab) -> None:
    ada = lab.api("ada")
    name = uniq("Grid cells")
    created = ada.post(
        "private/stem/project/",
        {"name": name, "description": "<p>entorhinal</p>", "tags": ["pilot", "mec"], "extra_fields": {"room": "B2"}},
    )
    assert created.status_code == 201
    project = created.json()["project"]
    assert len(project["id"]) == 36 and project["id"] == project["id"].lower()
    assert project["name"] == name
    assert project["tags"] == ["pilot", "mec"]
    assert project["extra_fields"] == {"room": "B2"}
    assert project["is_public"] is False
    assert project["sessions"] == [] and project["subjects"] == []
    assert project["links"] == {
        "cohorts": "cohorts/",
        "collections": "collections/",
        "sessions": "sessions/",
        "subjects": "subjects/",
    }
    # the creator is the sole member and owner; users/groups in a POST are ignored (4.0)
    assert project["users"] == {"ada@stem.example": {"can_change": True, "is_manager": True, "is_owner": True}}
    assert project["groups"] == {}

    listed = ada.get("private/stem/project/", {"filter{name}": name}).json()
    assert list(listed)[:4] == ["count", "next", "previous", "projects"]
    assert listed["count"] == 1 and listed["projects"][0]["id"] == project["id"]

    detail = ada.get(f"private/stem/project/{project['id']}/")
    assert detail.status_code == 200 and detail.json() == {"project": project}

    # unknown and read-only keys are ignored, PATCH changes only what is sent (3.1)
    patched = ada.patch(
        f"private/stem/project/{project['id']}/",
        {"description": "updated", "sessions": ["x"], "links": {}, "no_such_field": 1},
    )
    assert patched.status_code == 200
    assert patched.json()["project"]["description"] == "updated"
    assert patched.json()["project"]["tags"] == ["pilot", "mec"]
    assert ada.patch(f"private/stem/project/{project['id']}/", {}).status_code == 200

    deleted = ada.delete(f"private/stem/project/{project['id']}/")
    assert deleted.status_code == 204 and deleted.content == b""
    assert ada.get(f"private/stem/project/{project['id']}/").status_code == 404


def test_put_replaces_required_fields(lab: Lab) -> None:
    ada = lab.api("ada")
    project = ada.create("stem/project", {"name": uniq("Put")})
    missing = ada.put(f"private/stem/project/{project['id']}/", {"description": "no name"})
    assert missing.status_code == 400
    assert missing.json() == {"name": ["This field is required."]}
    new_name = uniq("Put renamed")
    done = ada.put(f"private/stem/project/{project['id']}/", {"name": new_name, "description": "full"})
    assert done.status_code == 200 and done.json()["project"]["name"] == new_name


def test_subject_session_and_modules(lab: Lab) -> None:
    ada = lab.api("ada")
    cat = lab.catalogue
    project = ada.create("stem/project", {"name": uniq("Modules")})
    subject = ada.create(
        "stem/subject",
        {
            "name": uniq("m"),
            "projects": [project["id"]],
            "strain": cat["strain"],
            "sex": "M",
            "birth_date": "2025-01-02",
            "supplier": cat["supplier"],
        },
    )
    assert subject["status"] == "active" and subject["birth_date"] == "2025-01-02"
    assert subject["supplier"] == cat["supplier"] and subject["breeding"] is None
    session = ada.create(
        "stem/session",
        {
            "name": uniq("s"),
            "projects": [project["id"]],
            "date_time": "2025-11-03T10:30:00+01:00",
            "download_links": [{"repository": "DANDI", "url": "https://dandiarchive.org/x"}],
        },
    )
    assert session["date_time"] == "2025-11-03T09:30:00Z"
    procedure = ada.create(
        "modules/procedure",
        {
            "type": "Anesthesia",
            "subject": subject["id"],
            "coordinates_system": "Stereotaxic_BregmaAbsolute",
            "coordinates_details": {"apCoordinate": {"value": -2.1, "unit": "mm"}},
            "details": {"anestheticAgent": "Isoflurane", "route": "Inhalation"},
            "brain_region": cat["region"],
        },
    )
    assert procedure["type_schema_version"] == "1.1.0"
    assert procedure["coordinates_schema_version"] == "1.1.0"
    assert procedure["details"] == {"anestheticAgent": "Isoflurane", "route": "Inhalation"}
    assert procedure["created_at"].endswith("Z")
    acquisition = ada.create(
        "modules/dataacquisition",
        {
            "type": "ExtracellularEphys",
            "session": session["id"],
            "procedures": [procedure["id"]],
            "details": {"nChannels": 64, "sr": {"value": 30000, "unit": "Hz"}},
        },
    )
    assert acquisition["procedures"] == [procedure["id"]]
    manipulation = ada.create(
        "modules/manipulation",
        {
            "type": "OptogeneticStimulation",
            "session": session["id"],
            "procedures": [procedure["id"]],
            "details": [{"power": {"value": 5, "unit": "mW"}, "repetitions": 10}],
        },
    )
    assert manipulation["details"][0]["repetitions"] == 10
    reread = ada.get(f"private/stem/session/{session['id']}/").json()["session"]
    assert reread["dataacquisition"] == [acquisition["id"]]
    assert reread["manipulations"] == [manipulation["id"]]
    assert ada.get(f"private/stem/subject/{subject['id']}/").json()["subject"]["procedures"] == [procedure["id"]]

    # deleting the session takes its modules with it (declared cascade)
    assert ada.delete(f"private/stem/session/{session['id']}/").status_code == 204
    assert ada.get(f"private/modules/dataacquisition/{acquisition['id']}/").status_code == 404
    assert ada.get(f"private/modules/manipulation/{manipulation['id']}/").status_code == 404
    assert ada.get(f"private/modules/procedure/{procedure['id']}/").status_code == 200


def test_collection_cohort_breeding_rules(lab: Lab) -> None:
    ada = lab.api("ada")
    cat = lab.catalogue
    project = ada.create("stem/project", {"name": uniq("Colony")})
    other = ada.create("stem/project", {"name": uniq("Other")})
    mother = ada.create(
        "stem/subject", {"name": uniq("dam"), "projects": [project["id"]], "strain": cat["strain"], "sex": "F"}
    )
    father = ada.create(
        "stem/subject", {"name": uniq("sire"), "projects": [project["id"]], "strain": cat["strain"], "sex": "M"}
    )
    stranger = ada.create(
        "stem/subject", {"name": uniq("x"), "projects": [other["id"]], "strain": cat["strain"], "sex": "M"}
    )
    cohort = ada.create("stem/cohort", {"name": "Cage 4", "project": project["id"], "subjects": [mother["id"]]})
    assert cohort["subjects"] == [mother["id"]]
    outside = ada.post(
        "private/stem/cohort/", {"name": "Cage 5", "project": project["id"], "subjects": [stranger["id"]]}
    )
    assert outside.status_code == 400 and "subjects" in outside.json()
    duplicate = ada.post("private/stem/cohort/", {"name": "Cage 4", "project": project["id"]})
    assert duplicate.status_code == 400 and "non_field_errors" in duplicate.json()

    breeding = ada.create(
        "stem/breeding",
        {"name": "B1", "project": project["id"], "mother": mother["id"], "father": father["id"], "litter_size": 6},
    )
    assert breeding["litter_size"] == 6 and breeding["weaning_date"] is None
    swapped = ada.post(
        "private/stem/breeding/",
        {"name": "B2", "project": project["id"], "mother": father["id"], "father": mother["id"]},
    )
    assert swapped.status_code == 400
    assert swapped.json() == {
        "mother": ["The mother must be a subject of sex F."],
        "father": ["The father must be a subject of sex M."],
    }
    # a parent used by a breeding cannot be deleted (protect)
    blocked = ada.delete(f"private/stem/subject/{mother['id']}/")
    assert blocked.status_code == 400 and "breedings" in blocked.json()["non_field_errors"][0]


def test_personal_attributes_and_children(lab: Lab) -> None:
    ada = lab.api("ada")
    cat = lab.catalogue
    storage = ada.create(
        "personal_attributes/datastorage",
        {
            "name": uniq("NAS"),
            "data_organization": ["Projects", {"elements": "Sessions"}],
            "data_protocols": [{"protocol": "SMB/CIFS", "path": "//nas/data", "is_public": False}],
        },
    )
    assert storage["data_organization"] == [{"elements": "Projects"}, {"elements": "Sessions"}]
    inventory = ada.create("personal_attributes/inventory", {"name": "Fridge", "location": "Room 12"})
    stock = ada.create(
        "modules/consumablestock",
        {"type": "VirusSolution", "inventory": inventory["id"], "details": {"titer": {"value": 1e12, "unit": "vg/mL"}}},
        key="consumable stock",
    )
    assert stock["status"] == "AVAILABLE" and stock["type_schema_version"] == "1.1.1"
    stocks = ada.get("private/modules/consumablestock/", {"filter{inventory.id}": inventory["id"]}).json()
    assert [s["id"] for s in stocks["consumable stocks"]] == [stock["id"]]
    setup = ada.create(
        "personal_attributes/setup",
        {"name": "Rig 1", "setup_type": cat["setuptype"], "specifications": {"arena_cm": 40}},
    )
    equipment = ada.create(
        "modules/equipment",
        {"name": "Camera", "type": "Camera", "setup": setup["id"], "coordinates_system": "External_XYZ_Absolute"},
    )
    assert equipment["details"] == {} and equipment["setup"] == setup["id"]
    license_ = ada.create(
        "personal_attributes/license",
        {
            "name": "Animal licence",
            "type": "animal_research_authorization",
            "status": "active",
            "valid_from": "2025-01-01",
            "valid_until": "2029-12-31",
            "country": "nl",
            "license_holders": [lab.account_ids["ada"]],
        },
    )
    assert license_["country"] == "NL" and license_["license_holders"] == [lab.account_ids["ada"]]
    protocol = ada.create(
        "personal_attributes/protocol",
        {"name": "Headpost v2", "protocol_type": "procedure", "subtypes": ["Headpost", "VirusInjection"]},
    )
    assert protocol["subtype_display"] == ["Headpost", "Virus injection"]
    bad = ada.post(
        "private/personal_attributes/protocol/",
        {"name": "Wrong", "protocol_type": "subject_log", "subtypes": ["Headpost"]},
    )
    assert bad.status_code == 400 and bad.json() == {"subtypes": ['"Headpost" is not a subject_log type.']}


def test_catalogue_approval_flow(lab: Lab) -> None:
    ada, root = lab.api("ada"), lab.api("root")
    name = uniq("129S1")
    submitted = ada.post(
        "private/taxonomies/strain/", {"name": name, "species": lab.catalogue["species"], "comments": "please"}
    )
    assert submitted.status_code == 201
    approval = submitted.json()["strain_approval"]
    assert approval["status"] == "Pending" and approval["action"] == "Add" and approval["instance_id"] is None
    assert approval["name"] == name and approval["comments"] == "please"
    assert ada.items("taxonomies/strain", {"filter{name}": name}) == []
    # the submitter sees the request; another user does not
    assert [a["id"] for a in ada.items("taxonomies/strainapproval")] == [approval["id"]]
    assert lab.api("ben").get(f"private/taxonomies/strainapproval/{approval['id']}/").status_code == 404
    # only administrators review
    assert ada.patch(f"private/taxonomies/strainapproval/{approval['id']}/accept").status_code == 403
    accepted = root.patch(f"private/taxonomies/strainapproval/{approval['id']}/accept")
    assert accepted.status_code == 200
    review = accepted.json()["strain_approval"]
    assert review["status"] == "Accepted" and review["reviewer"] == lab.account_ids["root"]
    strain = ada.items("taxonomies/strain", {"filter{name}": name})
    assert len(strain) == 1 and review["instance_id"] == strain[0]["id"]
    again = root.patch(f"private/taxonomies/strainapproval/{approval['id']}/reject")
    assert again.status_code == 400

    # a change by a non-administrator is a pending "Change"; the record stays as it is until accepted
    change = ada.patch(f"private/taxonomies/strain/{strain[0]['id']}/", {"description": "inbred"})
    assert change.status_code == 200
    pending = change.json()["strain_approval"]
    assert pending["action"] == "Change" and pending["instance_id"] == strain[0]["id"]
    assert ada.get(f"private/taxonomies/strain/{strain[0]['id']}/").json()["strain"]["description"] == ""
    assert (
        root.patch(f"private/taxonomies/strainapproval/{pending['id']}/reject").json()["strain_approval"]["status"]
        == "Rejected"
    )
    # administrators write directly; only they delete
    assert ada.delete(f"private/taxonomies/strain/{strain[0]['id']}/").status_code == 403
    direct = root.patch(f"private/taxonomies/strain/{strain[0]['id']}/", {"description": "direct"})
    assert direct.json() == {"strain": {**strain[0], "description": "direct"}}
    assert root.delete(f"private/taxonomies/strain/{strain[0]['id']}/").status_code == 204
    # brain regions have no approval flow: non-administrators get 403
    region = ada.post("private/taxonomies/brainregion/", {"name": "CA1", "acronym": "CA1", "atlas": "AIA"})
    assert region.status_code == 403


def test_catalogue_record_in_use_cannot_be_deleted(lab: Lab, world: World) -> None:
    response = lab.api("root").delete(f"private/taxonomies/strain/{lab.catalogue['strain']}/")
    assert response.status_code == 400
    assert "subjects" in response.json()["non_field_errors"][0]


def test_publication_user_group_laboratory(lab: Lab, world: World) -> None:
    ada, ben = lab.api("ada"), lab.api("ben")
    publication = ada.create(
        "dissemination/publication",
        {
            "title": uniq("Place cells revisited"),
            "authors": "Ada L.",
            "journal": lab.catalogue["journal"],
            "abstract": "We revisit.",
            "publication_date": "2025-05-01",
        },
    )
    assert publication["publication_date"] == "2025-05-01"
    assert ben.patch(f"private/dissemination/publication/{publication['id']}/", {"doi": "x"}).status_code == 403
    project = ada.create("stem/project", {"name": uniq("Published")})
    linked = ada.patch(f"private/stem/project/{project['id']}/", {"publications": [publication["id"]]})
    assert linked.json()["project"]["publications"] == [publication["id"]]

    me = lab.account_ids["ada"]
    profile = ada.patch(f"private/users/user/{me}/", {"first_name": "Ada", "website": "ada.example", "email": "x@y"})
    assert profile.status_code == 200
    user = profile.json()["user"]
    assert user["id"] == me and user["first_name"] == "Ada" and user["website"] == "http://ada.example"
    assert user["email"] == "ada@stem.example"
    # meg shares ada's project, so she sees ada's profile but may not change it
    assert lab.api("meg").patch(f"private/users/user/{me}/", {"first_name": "Eve"}).status_code == 403
    assert ada.post("private/users/user/", {"email": "new@x.org"}).status_code == 405

    group = ada.create("users/group", {"name": uniq("Imaging core"), "users": {"ben@stem.example": {}}})
    assert isinstance(group["id"], int)
    assert group["users"] == {"ada@stem.example": {"is_manager": True, "is_owner": True}}
    owned = ada.get(f"private/users/user/{me}/").json()["user"]["groups_own_json"]
    assert {"id": group["id"], "name": group["name"]} in owned
    assert group["id"] not in [
        g["id"]
        for g in lab.api("ben").get(f"private/users/user/{lab.account_ids['ben']}/").json()["user"]["groups_own_json"]
    ]
    lab_record = ada.create(
        "users/laboratory",
        {"group": group["id"], "principal_investigators": [me], "institution": "Stem Institute", "city": "Leiden"},
    )
    assert lab_record["group"] == group["id"] and lab_record["principal_investigators"] == [me]
    taken = ben.post(
        "private/users/laboratory/", {"group": group["id"], "principal_investigators": [me], "institution": "X"}
    )
    assert taken.status_code == 400 and taken.json() == {"group": ["laboratory with this group already exists."]}
    other = ben.create("users/group", {"name": uniq("Ben lab")})
    foreign = ada.post(
        "private/users/laboratory/", {"group": other["id"], "principal_investigators": [me], "institution": "X"}
    )
    assert foreign.status_code == 403
    # the 0.2.0 "attributes" app and the MATLAB "auth" app serve the same records
    assert lab.api("ada").get(f"private/attributes/laboratory/{lab_record['id']}/").json() == {"laboratory": lab_record}
    assert ada.get(f"private/auth/group/{group['id']}/").json()["group"]["name"] == group["name"]
    assert ada.delete(f"private/users/group/{group['id']}/").status_code == 204
    assert ada.get(f"private/users/laboratory/{lab_record['id']}/").status_code == 404


def test_alias_paths(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    assay = ada.get(f"private/personal_attributes/behavioralparadigm/{world.assay['id']}/")
    assert assay.status_code == 200 and assay.json() == {"behavioralparadigm": world.assay}
    legacy_list = ada.get("private/personal_attributes/behavioralparadigm/").json()
    assert world.assay["id"] in [a["id"] for a in legacy_list["behavioralparadigms"]]
    for path in (
        "private/stem/project_membership_invitation/",
        "private/stem/projectmembershipinvitation",
        "private/users/group_membership_request/",
        "private/attributes/journal/",
        "private/stem/dataset/",
    ):
        assert ada.get(path).status_code == 200, path
    assert "journals" in ada.get("private/attributes/journal/?format=json").json()
