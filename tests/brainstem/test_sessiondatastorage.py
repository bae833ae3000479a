"""``stem/sessiondatastorage`` (``brainstem.md`` 4.1.10) and the brain-region atlas fields (4.5.3)."""

from __future__ import annotations

from tests.brainstem.conftest import Lab, World, uniq


def _storage(lab: Lab, who: str = "ada") -> dict:
    return lab.api(who).create("personal_attributes/datastorage", {"name": uniq("Storage")})


def test_links_are_records_that_add_reorder_and_remove(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    session = ada.create("stem/session", {"name": uniq("sds"), "projects": [world.project["id"]]})
    first, second, third = (_storage(lab) for _ in range(3))

    # two links written through the session, one appended through the new endpoint
    assert ada.patch(f"private/stem/session/{session['id']}/", {"datastorage": [first["id"], second["id"]]}).is_success
    added = ada.create("stem/sessiondatastorage", {"session": session["id"], "datastorage": third["id"]})
    assert added["order"] == 2 and added["session"] == session["id"] and added["datastorage"] == third["id"]
    assert set(added) == {"id", "session", "datastorage", "order"}

    links = ada.items("stem/sessiondatastorage", {"filter{session.id}": session["id"]})
    assert [(link["datastorage"], link["order"]) for link in links] == [
        (first["id"], 0),
        (second["id"], 1),
        (third["id"], 2),
    ]
    by_storage = {link["datastorage"]: link for link in links}

    # reorder: the third goes first
    moved = ada.patch(f"private/stem/sessiondatastorage/{added['id']}/", {"order": 0})
    assert moved.status_code == 200, moved.text
    first_link = by_storage[first["id"]]["id"]
    assert ada.patch(f"private/stem/sessiondatastorage/{first_link}/", {"order": 5}).status_code == 200
    stored = ada.get(f"private/stem/session/{session['id']}/").json()["session"]["datastorage"]
    assert stored == [third["id"], second["id"], first["id"]]

    # a PATCH of the session keeps the ids of the links that stay
    assert ada.patch(f"private/stem/session/{session['id']}/", {"datastorage": [second["id"], third["id"]]}).is_success
    after = {
        link["datastorage"]: link for link in ada.items("stem/sessiondatastorage", {"filter{session}": session["id"]})
    }
    assert set(after) == {second["id"], third["id"]}
    assert after[third["id"]]["id"] == added["id"] and after[third["id"]]["order"] == 1

    # remove through the endpoint
    assert ada.delete(f"private/stem/sessiondatastorage/{added['id']}/").status_code == 204
    assert ada.get(f"private/stem/session/{session['id']}/").json()["session"]["datastorage"] == [second["id"]]


def test_validation_permissions_and_portals(lab: Lab, world: World) -> None:
    ada, meg, ben = lab.api("ada"), lab.api("meg"), lab.api("ben")
    session = ada.create("stem/session", {"name": uniq("sds"), "projects": [world.project["id"]]})
    storage = _storage(lab)
    link = ada.create("stem/sessiondatastorage", {"session": session["id"], "datastorage": storage["id"], "order": 3})
    assert link["order"] == 3

    again = ada.post("private/stem/sessiondatastorage/", {"session": session["id"], "datastorage": storage["id"]})
    assert again.status_code == 400 and "non_field_errors" in again.json()
    missing = ada.post("private/stem/sessiondatastorage/", {"session": session["id"]})
    assert missing.status_code == 400 and missing.json() == {"datastorage": ["This field is required."]}
    negative = ada.patch(f"private/stem/sessiondatastorage/{link['id']}/", {"order": -1})
    assert negative.status_code == 400 and "order" in negative.json()
    null = ada.patch(f"private/stem/sessiondatastorage/{link['id']}/", {"order": None})
    assert null.status_code == 400 and "order" in null.json()

    # meg is a plain member of the project: she sees the link but may not change it
    assert meg.get(f"private/stem/sessiondatastorage/{link['id']}/").status_code == 200
    assert meg.patch(f"private/stem/sessiondatastorage/{link['id']}/", {"order": 1}).status_code == 403
    # ben is not in the project: the link does not exist for him, and he cannot link his storage to the session
    assert ben.get(f"private/stem/sessiondatastorage/{link['id']}/").status_code == 404
    assert link["id"] not in [item["id"] for item in ben.items("stem/sessiondatastorage")]
    his = _storage(lab, "ben")
    foreign = ben.post("private/stem/sessiondatastorage/", {"session": session["id"], "datastorage": his["id"]})
    assert foreign.status_code == 400 and "session" in foreign.json()
    # ada may not link a storage she cannot change
    theirs = ada.post("private/stem/sessiondatastorage/", {"session": session["id"], "datastorage": his["id"]})
    assert theirs.status_code == 400 and "datastorage" in theirs.json()

    # private only (1.2)
    assert lab.anonymous().get("public/stem/sessiondatastorage/").status_code == 404

    # deleting the session removes its links
    assert ada.delete(f"private/stem/session/{session['id']}/").status_code == 204
    assert ada.get(f"private/stem/sessiondatastorage/{link['id']}/").status_code == 404


def test_brain_regions_carry_the_atlas_hierarchy(lab: Lab) -> None:
    root, ada = lab.api("root"), lab.api("ada")
    parent = root.create(
        "taxonomies/brainregion",
        {"name": uniq("Hippocampal formation"), "acronym": uniq("HPF")[-12:], "atlas": "PF2001", "region_id": 1089},
    )
    assert parent["parent_acronym"] is None and parent["graph_order"] is None and parent["region_id"] == 1089
    child = root.create(
        "taxonomies/brainregion",
        {
            "name": uniq("Ammon's horn"),
            "acronym": uniq("CA")[-12:],
            "atlas": "PF2001",
            "region_id": 375,
            "parent_acronym": parent["acronym"],
            "graph_order": 455,
        },
    )
    assert child["parent_acronym"] == parent["acronym"] and child["graph_order"] == 455
    children = ada.items("taxonomies/brainregion", {"filter{parent_acronym}": parent["acronym"]}, portal="public")
    assert [region["id"] for region in children] == [child["id"]]
    bad = root.post("private/taxonomies/brainregion/", {"name": "x", "acronym": "x", "atlas": "AIA", "graph_order": -1})
    assert bad.status_code == 400 and "graph_order" in bad.json()
    long = root.post(
        "private/taxonomies/brainregion/", {"name": "y", "acronym": "y", "atlas": "AIA", "parent_acronym": "P" * 16}
    )
    assert long.status_code == 400 and "parent_acronym" in long.json()
    assert ada.patch(f"private/taxonomies/brainregion/{child['id']}/", {"graph_order": 1}).status_code == 403
