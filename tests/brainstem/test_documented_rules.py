"""Rules of the BrainSTEM documentation beyond plain CRUD, against a live server: sharing personal attributes after
creation, the public rules of records linked from public projects, per-type consumable ``details``, documented
length limits and the documentation's ``sort[]=-created_date`` (``brainstem.md`` 3.2.3, 4.4, 5.4, 5.6, App. B)."""

from __future__ import annotations

from tests.brainstem.conftest import Lab, uniq


def test_personal_attribute_sharing_changes_after_creation(lab: Lab) -> None:
    ada, ben, cy = lab.api("ada"), lab.api("ben"), lab.api("cy")
    setup = ada.create(
        "personal_attributes/setup", {"name": uniq("Shared rig"), "setup_type": lab.catalogue["setuptype"]}
    )
    path = f"private/personal_attributes/setup/{setup['id']}/"
    assert setup["users"] == {"ada@stem.example": {"can_change": True, "is_manager": True, "is_owner": True}}
    assert setup["groups"] == {}
    assert ben.get(path).status_code == 404

    shared = ada.patch(path, {"users": {"ben@stem.example": {}}})
    assert shared.status_code == 200, shared.text
    assert shared.json()["setup"]["users"]["ben@stem.example"] == {
        "can_change": False,
        "is_manager": False,
        "is_owner": False,
    }
    assert ben.get(path).json()["setup"]["name"] == setup["name"]
    assert ben.patch(path, {"name": "taken over"}).status_code == 403
    assert ben.patch(path, {"users": {"cy@stem.example": {}}}).status_code == 403  # members do not manage

    assert ada.patch(path, {"users": {"ben@stem.example": {"is_manager": True}}}).status_code == 200
    # a manager shares it further, but may neither edit its fields nor appoint owners
    assert ben.patch(path, {"users": {"cy@stem.example": {"can_change": True}}}).status_code == 200
    assert cy.get(path).status_code == 200
    assert ben.patch(path, {"name": "renamed by manager"}).status_code == 403
    assert ben.patch(path, {"users": {"cy@stem.example": {"is_owner": True}}}).status_code == 403
    # the last owner stays
    last = ada.patch(path, {"users": {"ada@stem.example": {"remove": True}}})
    assert last.status_code == 400 and list(last.json()) == ["users"]

    removed = ada.patch(path, {"users": {"cy@stem.example": {"remove": True}}})
    assert removed.status_code == 200 and "cy@stem.example" not in removed.json()["setup"]["users"]
    assert cy.get(path).status_code == 404
    assert ada.get(path).json()["setup"]["name"] == setup["name"]

    # POST ignores the dictionaries (the creator is the only member, as for projects)
    other = ada.create(
        "personal_attributes/inventory", {"name": uniq("Freezer"), "users": {"ben@stem.example": {"is_owner": True}}}
    )
    assert list(other["users"]) == ["ada@stem.example"]
    assert ben.get(f"private/personal_attributes/inventory/{other['id']}/").status_code == 404


def test_personal_attributes_of_public_projects_stay_private_until_published(lab: Lab) -> None:
    ada, anonymous = lab.api("ada"), lab.anonymous()
    cat = lab.catalogue
    project = ada.create("stem/project", {"name": uniq("Open data")})
    assert ada.patch(f"private/stem/project/{project['id']}/", {"is_public": True}).status_code == 200
    session = ada.create("stem/session", {"name": uniq("open-day"), "projects": [project["id"]]})
    subject = ada.create(
        "stem/subject", {"name": uniq("open-mouse"), "projects": [project["id"]], "sex": "M", "strain": cat["strain"]}
    )
    setup = ada.create("personal_attributes/setup", {"name": uniq("Private arena"), "setup_type": cat["setuptype"]})
    assay = ada.create(
        "personal_attributes/behavioralassay",
        {"name": uniq("OF"), "setup_type": cat["setuptype"], "behavioral_paradigm": cat["paradigm"]},
    )
    behavior = ada.create(
        "modules/behavior",
        {"session": session["id"], "subjects": [subject["id"]], "setup": setup["id"], "behavioralassay": assay["id"]},
    )
    public = anonymous.get(
        f"public/modules/behavior/{behavior['id']}/", {"include[]": ["setup.*", "behavioralassay.*"]}
    )
    assert public.status_code == 200
    record = public.json()["behavior"]
    assert record["setup"] == setup["id"] and record["behavioralassay"] == assay["id"]  # ids, not expanded
    assert anonymous.get(f"public/personal_attributes/setup/{setup['id']}/").status_code == 404
    assert anonymous.get(f"public/personal_attributes/behavioralassay/{assay['id']}/").status_code == 404

    # the owner publishes the setup: now it is readable and expanded, without its member dictionaries
    assert ada.patch(f"private/personal_attributes/setup/{setup['id']}/", {"is_public": True}).status_code == 200
    expanded = anonymous.get(f"public/modules/behavior/{behavior['id']}/", {"include[]": "setup.*"}).json()["behavior"]
    assert expanded["setup"]["id"] == setup["id"] and expanded["setup"]["name"] == setup["name"]
    assert "users" not in expanded["setup"] and "groups" not in expanded["setup"]
    published = anonymous.get(f"public/personal_attributes/setup/{setup['id']}/").json()["setup"]
    assert published["is_public"] is True and "users" not in published
    # only owners publish: a contributor-less member gets 403
    assert (
        ada.patch(
            f"private/personal_attributes/behavioralassay/{assay['id']}/", {"users": {"meg@stem.example": {}}}
        ).status_code
        == 200
    )
    denied = lab.api("meg").patch(f"private/personal_attributes/behavioralassay/{assay['id']}/", {"is_public": True})
    assert denied.status_code == 403
    assert anonymous.get(f"public/personal_attributes/behavioralassay/{assay['id']}/").status_code == 404


def test_consumable_details_are_checked_per_type(lab: Lab) -> None:
    root = lab.api("root")
    supplier = lab.catalogue["supplier"]
    documented = {
        "VirusConstruct": {"virus_type": "AAV", "notes": "Transsynaptic Tracers: WGA-Cre (AAV2, 5 & 8)"},
        "SiliconProbeDesign": {
            "product_id": "A16x1-2mm-100-177",
            "shanksLength": 2,
            "nChannels": 16,
            "nShanks": 16,
            "shanksSpacing": 100,
            "siteArea": 177,
            "layout": "linear",
            "uniformLayout": True,
            "customDesign": False,
        },
        "OpticFiberDesign": {
            "productId": "42",
            "tipDescription": "",
            "coreDiameter": 0,
            "outerDiameter": 100,
            "aperture": 0.2,
        },
        "ChemicalReagent": {"chemicalType": "Fixative", "compoundName": "PFA"},
    }
    for kind, details in documented.items():
        created = root.create(
            "resources/consumable", {"name": uniq(kind), "supplier": supplier, "type": kind, "details": details}
        )
        assert created["type"] == kind and created["details"] == details
    wrong = {
        "SiliconProbeDesign": {"nChannels": "sixteen"},
        "VirusConstruct": {"serotype": "AAV9"},
        "ChemicalReagent": {"compoundName": "PFA"},
        "SurgicalDisposable": {"disposableType": "Spoon"},
    }
    for kind, details in wrong.items():
        refused = root.post(
            "private/resources/consumable/",
            {"name": uniq(kind), "supplier": supplier, "type": kind, "details": details},
        )
        assert refused.status_code == 400, (kind, refused.text)
        assert list(refused.json()) == ["details"], refused.text
    # a non-administrator's submission is checked the same way before it becomes an approval request
    pending = lab.api("ben").post(
        "private/resources/consumable/",
        {"name": uniq("probe"), "supplier": supplier, "type": "SiliconProbeDesign", "details": {"nShanks": -1}},
    )
    assert pending.status_code == 400 and "details" in pending.json()


def test_documented_description_limits(lab: Lab) -> None:
    root = lab.api("root")
    supplier = lab.catalogue["supplier"]
    for path, extra in (
        ("resources/consumable", {"type": "VirusConstruct"}),
        ("resources/hardwaredevice", {}),
    ):
        too_long = root.post(
            f"private/{path}/", {"name": uniq("dev"), "supplier": supplier, "description": "d" * 501, **extra}
        )
        assert too_long.status_code == 400
        assert too_long.json() == {"description": ["Ensure this field has no more than 500 characters."]}
        fits = root.post(
            f"private/{path}/", {"name": uniq("dev"), "supplier": supplier, "description": "d" * 500, **extra}
        )
        assert fits.status_code == 201, fits.text


def test_sort_by_created_date_as_documented(lab: Lab) -> None:
    ada = lab.api("ada")
    project = ada.create("stem/project", {"name": uniq("Sorted")})
    created = [ada.create("stem/session", {"name": f"{uniq('z')}-{n}", "projects": [project["id"]]}) for n in range(3)]
    params = {"filter{projects.id}": project["id"]}
    newest_first = ada.items("stem/session", {**params, "sort[]": "-created_date"})
    assert [s["id"] for s in newest_first] == [s["id"] for s in reversed(created)]
    oldest_first = ada.items("stem/session", {**params, "sort[]": "created_date"})
    assert [s["id"] for s in oldest_first] == [s["id"] for s in created]
    assert ada.get("private/stem/session/", {"sort[]": "-no_such_field"}).status_code == 400


def test_sharing_needs_manage_rights_and_members_are_shown_to_members_only(lab: Lab) -> None:
    ada, ben, meg = lab.api("ada"), lab.api("ben"), lab.api("meg")
    setup = ada.create(
        "personal_attributes/setup", {"name": uniq("Open rig"), "setup_type": lab.catalogue["setuptype"]}
    )
    path = f"private/personal_attributes/setup/{setup['id']}/"
    assert ada.patch(path, {"is_public": True, "users": {"meg@stem.example": {}}}).status_code == 200
    before = ada.get(path).json()["setup"]
    # ben reads it (public) but is no member: an empty sharing dictionary is still a sharing change
    assert ben.get(path).status_code == 200
    for body in ({"users": {}}, {"groups": {}}):
        refused = ben.patch(path, body)
        assert refused.status_code == 403, refused.text
    assert meg.patch(path, {"users": {}}).status_code == 403  # a plain member does not manage either
    assert ada.get(path).json()["setup"] == before  # nothing changed, no timestamp bumped
    # who it is shared with: members see the dictionary, a reader of the public record does not
    assert set(ada.get(path).json()["setup"]["users"]) == {"ada@stem.example", "meg@stem.example"}
    assert set(meg.get(path).json()["setup"]["users"]) == {"ada@stem.example", "meg@stem.example"}
    seen_by_ben = ben.get(path).json()["setup"]
    assert seen_by_ben["users"] == {} and seen_by_ben["name"] == setup["name"]


def test_stored_long_descriptions_survive_being_sent_back(lab: Lab) -> None:
    import sqlalchemy as sa

    from braindock.config import Settings
    from braindock.server.storage import brainstem_models as db
    from braindock.server.storage.database import open_database

    root = lab.api("root")
    supplier = lab.catalogue["supplier"]
    legacy = "l" * 800  # stored before the documented 500-character limit was enforced (column 2000 wide)
    for model, path, extra in (
        ("consumable", "resources/consumable", {"type": "VirusConstruct"}),
        ("hardwaredevice", "resources/hardwaredevice", {}),
    ):
        record = root.create(path, {"name": uniq("old"), "supplier": supplier, "description": "short", **extra})
        database = open_database(Settings.load(lab.server.data_dir).database_url)
        try:
            with database.session() as session:
                table = db.TABLES[model]
                session.execute(sa.update(table).where(table.c.id == record["id"]).values(description=legacy))
                session.commit()
        finally:
            database.dispose()
        url = f"private/{path}/{record['id']}/"
        loaded = root.get(url).json()
        (single,) = loaded.values()
        assert single["description"] == legacy
        back = root.patch(url, {"description": single["description"], "name": single["name"] + "-2"})
        assert back.status_code == 200, back.text
        (changed,) = back.json().values()
        assert changed["description"] == legacy and changed["name"] == single["name"] + "-2"
        longer = root.patch(url, {"description": legacy + "x"})  # a changed description obeys the limit
        assert longer.status_code == 400 and list(longer.json()) == ["description"]
