"""Portals and the permission model against a live server (``brainstem.md`` 1.2, 2.5, 5)."""

from __future__ import annotations

from typing import Any

import pytest

from braindock.config import Settings
from braindock.server.identity.accounts import create_account
from braindock.server.identity.tokens import issue_token
from braindock.server.storage.database import open_database
from tests.brainstem.conftest import Api, Lab, World, uniq

LEVELS = {
    "ada": {"can_change": True, "is_manager": True, "is_owner": True},
    "max": {"can_change": True, "is_manager": True, "is_owner": False},
    "cy": {"can_change": True, "is_manager": False, "is_owner": False},
    "meg": {"can_change": False, "is_manager": False, "is_owner": False},
}


def world_records(world: World) -> dict[str, dict[str, Any]]:
    return {
        "stem/project": world.project,
        "stem/subject": world.subject,
        "stem/session": world.session,
        "stem/collection": world.collection,
        "modules/behavior": world.behavior,
        "modules/procedure": world.procedure,
        "personal_attributes/setup": world.setup,
        "personal_attributes/behavioralassay": world.assay,
        "personal_attributes/inventory": world.inventory,
    }


def test_members_and_levels_are_reported(lab: Lab, world: World) -> None:
    project = lab.api("meg").get(f"private/stem/project/{world.project['id']}/").json()["project"]
    assert project["users"] == {f"{role}@stem.example": flags for role, flags in LEVELS.items()}


@pytest.mark.parametrize("role", ["ada", "max", "cy", "meg"])
def test_members_read_the_project_tree(lab: Lab, world: World, role: str) -> None:
    api = lab.api(role)
    for path in ("stem/project", "stem/subject", "stem/session", "modules/behavior", "modules/procedure"):
        record = world_records(world)[path]
        assert api.get(f"private/{path}/{record['id']}/").status_code == 200, (role, path)
        assert record["id"] in [r["id"] for r in api.items(path)], (role, path)


def test_second_account_is_denied_everything_private(lab: Lab, world: World) -> None:
    ben = lab.api("ben")
    for path, record in world_records(world).items():
        url = f"private/{path}/{record['id']}/"
        assert record["id"] not in [r["id"] for r in ben.items(path)], path
        assert ben.get(url).status_code == 404, path
        assert ben.patch(url, {"name": "taken over"}).status_code == 404, path
        assert ben.put(url, {"name": "taken over"}).status_code == 404, path
        assert ben.delete(url).status_code == 404, path
    # filters and includes do not leak either
    assert ben.items("stem/session", {"filter{projects.id}": world.project["id"]}) == []
    assert ben.items("stem/session", {"filter{name}": world.session["name"]}) == []
    # linking to invisible records is refused like unknown ids (400), never 500
    smuggled = ben.post("private/stem/session/", {"name": uniq("ben"), "projects": [world.project["id"]]})
    assert smuggled.status_code == 400
    assert smuggled.json() == {"projects": [f'Invalid pk "{world.project["id"]}" - object does not exist.']}
    intruding = ben.post(
        "private/modules/behavior/",
        {
            "session": world.session["id"],
            "subjects": [world.subject["id"]],
            "setup": world.setup["id"],
            "behavioralassay": world.assay["id"],
        },
    )
    assert intruding.status_code == 400 and set(intruding.json()) == {"session", "subjects", "setup", "behavioralassay"}
    # and nothing of it shows up on the public portal either
    anonymous = lab.anonymous()
    for path, record in world_records(world).items():
        assert anonymous.get(f"public/{path}/{record['id']}/").status_code == 404, path


def test_project_detail_changes_need_owner(lab: Lab, world: World) -> None:
    url = f"private/stem/project/{world.project['id']}/"
    for role in ("max", "cy", "meg"):
        response = lab.api(role).patch(url, {"description": "mine now"})
        assert response.status_code == 403, role
        assert "owner" in response.json()["detail"]
        assert lab.api(role).patch(url, {"is_public": True}).status_code == 403
        assert lab.api(role).delete(url).status_code == 403
    assert lab.api("ada").patch(url, {"description": "shared project"}).status_code == 200


def test_membership_changes_need_manager_and_owner(lab: Lab) -> None:
    ada = lab.api("ada")
    project = ada.create("stem/project", {"name": uniq("Membership")})
    url = f"private/stem/project/{project['id']}/"
    ada.patch(url, {"users": {"max@stem.example": {"is_manager": True}, "cy@stem.example": {"can_change": True}}})
    # a contributor may not touch members
    assert lab.api("cy").patch(url, {"users": {"meg@stem.example": {}}}).status_code == 403
    # a manager adds members and contributors ...
    added = lab.api("max").patch(url, {"users": {"meg@stem.example": {"can_change": True}}})
    assert added.status_code == 200
    assert added.json()["project"]["users"]["meg@stem.example"] == LEVELS["cy"]
    # ... but cannot appoint managers or owners, nor demote the owner
    assert lab.api("max").patch(url, {"users": {"meg@stem.example": {"is_manager": True}}}).status_code == 403
    assert lab.api("max").patch(url, {"users": {"ada@stem.example": {"remove": True}}}).status_code == 403
    # removal and flags normalised upward
    done = ada.patch(
        url,
        {"users": {"meg@stem.example": {"remove": True}, "cy@stem.example": {"is_owner": True, "can_change": False}}},
    )
    users = done.json()["project"]["users"]
    assert "meg@stem.example" not in users and users["cy@stem.example"] == LEVELS["ada"]
    # the last owner stays
    ada.patch(url, {"users": {"cy@stem.example": {"remove": True}}})
    last = ada.patch(url, {"users": {"ada@stem.example": {"can_change": True}}})
    assert last.status_code == 400 and last.json() == {"users": ["A project needs at least one owner."]}
    unknown = ada.patch(url, {"users": {"nobody@stem.example": {}}})
    assert unknown.status_code == 400 and unknown.json() == {"users": ["Unknown user: nobody@stem.example."]}


def test_group_levels_apply_to_their_members(lab: Lab) -> None:
    ada, ben = lab.api("ada"), lab.api("ben")
    group = ben.create("users/group", {"name": uniq("Ephys team")})
    project = ada.create("stem/project", {"name": uniq("Group shared")})
    assert ben.get(f"private/stem/project/{project['id']}/").status_code == 404
    shared = ada.patch(f"private/stem/project/{project['id']}/", {"groups": {group["name"]: {"can_change": True}}})
    assert shared.json()["project"]["groups"] == {group["name"]: LEVELS["cy"]}
    assert ben.get(f"private/stem/project/{project['id']}/").status_code == 200
    session = ben.create("stem/session", {"name": uniq("via group"), "projects": [project["id"]]})
    assert session["projects"] == [project["id"]]
    ada.patch(f"private/stem/project/{project['id']}/", {"groups": {group["name"]: {"remove": True}}})
    assert ben.get(f"private/stem/session/{session['id']}/").status_code == 404


@pytest.mark.parametrize(("role", "status"), [("ada", 201), ("max", 201), ("cy", 201), ("meg", 403), ("ben", 400)])
def test_writing_under_a_project_needs_contributor(lab: Lab, world: World, role: str, status: int) -> None:
    api = lab.api(role)
    response = api.post("private/stem/session/", {"name": uniq(f"by-{role}"), "projects": [world.project["id"]]})
    assert response.status_code == status, response.text
    patch = api.patch(f"private/stem/subject/{world.subject['id']}/", {"genotype": f"edited by {role}"})
    assert patch.status_code == {"ada": 200, "max": 200, "cy": 200, "meg": 403, "ben": 404}[role]
    procedure = api.post(
        "private/modules/procedure/",
        {"type": "Craniotomy", "subject": world.subject["id"], "coordinates_system": "CCF_XYZ_Absolute"},
    )
    assert procedure.status_code == status, procedure.text
    if status == 201:
        assert api.delete(f"private/modules/procedure/{procedure.json()['procedure']['id']}/").status_code == 204
    else:
        assert api.delete(f"private/modules/procedure/{world.procedure['id']}/").status_code in (403, 404)


def test_personal_attributes_have_their_own_permissions(lab: Lab, world: World) -> None:
    cy, ada = lab.api("cy"), lab.api("ada")
    # a project member does not see the owner's setups
    assert cy.get(f"private/personal_attributes/setup/{world.setup['id']}/").status_code == 404
    group = ada.create("users/group", {"name": uniq("Rig users")})
    ada.patch(f"private/users/group/{group['id']}/", {"users": {"cy@stem.example": {}}})
    invitation = cy.items("users/groupmembershipinvitation", {"filter{authgroup}": group["id"]})[0]
    assert cy.get(f"private/users/groupmembershipinvitation/{invitation['id']}/accept").status_code == 200
    setup = ada.create(
        "personal_attributes/setup",
        {"name": "Shared rig", "setup_type": lab.catalogue["setuptype"], "authgroups": [group["id"]]},
    )
    assert "authgroups" not in setup
    assert cy.get(f"private/personal_attributes/setup/{setup['id']}/").status_code == 200
    # contributors add children (equipment) but only owners edit the setup itself
    equipment = cy.post(
        "private/modules/equipment/",
        {"name": "Laser", "type": "Laser", "setup": setup["id"], "coordinates_system": "External_XYZ_Absolute"},
    )
    assert equipment.status_code == 201
    assert cy.patch(f"private/personal_attributes/setup/{setup['id']}/", {"location": "x"}).status_code == 403
    assert ada.patch(f"private/personal_attributes/setup/{setup['id']}/", {"location": "x"}).status_code == 200
    not_mine = cy.post(
        "private/personal_attributes/inventory/", {"name": "Cy's shelf", "authgroups": [group["id"] + 100000]}
    )
    assert not_mine.status_code == 400 and "authgroups" in not_mine.json()


def test_public_portal_shows_only_published_data(lab: Lab) -> None:
    ada, ben, anonymous = lab.api("ada"), lab.api("ben"), lab.anonymous()
    cat = lab.catalogue
    project = ada.create("stem/project", {"name": uniq("Open data")})
    subject = ada.create(
        "stem/subject", {"name": uniq("pub-m"), "projects": [project["id"]], "strain": cat["strain"], "sex": "U"}
    )
    session = ada.create("stem/session", {"name": uniq("pub-s"), "projects": [project["id"]]})
    setup = ada.create("personal_attributes/setup", {"name": "Private rig", "setup_type": cat["setuptype"]})
    assay = ada.create(
        "personal_attributes/behavioralassay",
        {
            "name": "Public assay",
            "setup_type": cat["setuptype"],
            "behavioral_paradigm": cat["paradigm"],
            "is_public": True,
        },
    )
    behavior = ada.create(
        "modules/behavior",
        {"session": session["id"], "subjects": [subject["id"]], "setup": setup["id"], "behavioralassay": assay["id"]},
    )
    assert anonymous.get(f"public/stem/project/{project['id']}/").status_code == 404
    assert ada.patch(f"private/stem/project/{project['id']}/", {"is_public": True}).status_code == 200

    public = anonymous.get("public/stem/project/", {"filter{id}": project["id"]}).json()
    assert public["count"] == 1
    shown = public["projects"][0]
    assert shown["name"] == project["name"] and "users" not in shown and "groups" not in shown
    for path, record in [("stem/session", session), ("stem/subject", subject), ("modules/behavior", behavior)]:
        assert anonymous.get(f"public/{path}/{record['id']}/").status_code == 200, path
    # the private setup stays private: not listed, 404, and an include leaves its id alone
    assert anonymous.get(f"public/personal_attributes/setup/{setup['id']}/").status_code == 404
    embedded = anonymous.get(
        "public/modules/behavior/",
        [("filter{id}", behavior["id"]), ("include[]", "setup.*"), ("include[]", "behavioralassay.*")],
    ).json()["behaviors"][0]
    assert embedded["setup"] == setup["id"] and embedded["behavioralassay"]["name"] == "Public assay"
    # credentials are ignored on the public portal, even invalid ones (2.0.0 always sends its token)
    garbage = lab.api("ada").client
    garbage.headers["Authorization"] = "Bearer not-a-token"
    assert garbage.get("public/stem/session/", params={"filter{id}": session["id"]}).json()["count"] == 1
    # read-only for everyone, owners included
    assert ada.post("public/stem/project/", {"name": uniq("nope")}).status_code == 405
    assert ada.patch(f"public/stem/project/{project['id']}/", {"name": "x"}).status_code == 405
    assert ada.delete(f"public/stem/session/{session['id']}/").status_code == 405
    # emails are not published
    users = anonymous.get("public/users/user/", {"filter{id}": lab.account_ids["ada"]}).json()["users"]
    assert users[0]["id"] == lab.account_ids["ada"] and "email" not in users[0]
    assert anonymous.get("public/users/user/", {"filter{email}": "ada@stem.example"}).status_code == 400
    # another account reads the public record in detail, but its private list stays its own
    assert ben.get(f"private/stem/project/{project['id']}/").status_code == 200
    assert project["id"] not in [p["id"] for p in ben.items("stem/project")]
    denied = ben.patch(f"private/stem/project/{project['id']}/", {"description": "vandal"})
    assert denied.status_code == 403
    # invitations, requests and approvals never appear publicly
    for path in ("stem/projectmembershipinvitation", "users/groupmembershiprequest", "taxonomies/strainapproval"):
        assert anonymous.get(f"public/{path}/").status_code == 404, path


def test_super_portal_is_for_administrators(lab: Lab, world: World) -> None:
    forbidden = lab.api("ada").get("super/stem/project/")
    assert forbidden.status_code == 403
    root = lab.api("root")
    assert root.get(f"super/personal_attributes/setup/{world.setup['id']}/").status_code == 200
    ids = [p["id"] for p in root.items("stem/project", {"filter{id}": world.project["id"]}, portal="super")]
    assert ids == [world.project["id"]]
    # the administrator is an ordinary user on the private portal
    assert root.get(f"private/stem/project/{world.project['id']}/").status_code == 404
    changed = root.patch(f"super/stem/session/{world.session['id']}/", {"description": "checked by staff"})
    assert changed.status_code == 200 and changed.json()["session"]["description"] == "checked by staff"


def _fresh_account(lab: Lab, label: str) -> tuple[int, str, Api]:
    """An account of its own (no project, no group) with a BRAINSTEM token."""
    email = f"{uniq(label)}@directory.example"
    database = open_database(Settings.load(lab.server.data_dir).database_url)
    try:
        with database.session() as session:
            account = create_account(session, email, "directory-password")
            token = issue_token(session, account, ["BRAINSTEM"])[1]
            return account.id, email, Api(lab.url, token)
    finally:
        database.dispose()


def test_user_directory_shows_only_acquaintances(lab: Lab) -> None:
    """Finding F1: the accounts are shared by every protocol, so the private user list must not be a directory
    of every braindock tenant; it holds the caller and the members of the caller's projects and groups."""
    x_id, x_email, x = _fresh_account(lab, "x")
    y_id, y_email, y = _fresh_account(lab, "y")
    assert [u["id"] for u in x.items("users/user")] == [x_id]
    assert x.get(f"private/users/user/{y_id}/").status_code == 404
    assert x.get("private/users/user/", {"filter{email}": y_email}).json()["count"] == 0
    assert x.patch(f"private/users/user/{y_id}/", {"first_name": "Eve"}).status_code == 404
    # a user can still be named by id without being visible: y invites x to a project
    project = y.create("stem/project", {"name": uniq("Directory project")})
    invitation = y.post("private/stem/projectmembershipinvitation/", {"invitee": x_id, "project": project["id"]})
    assert invitation.status_code == 201, invitation.text
    # once they share the project, each sees the other (with e-mail)
    assert y.patch(f"private/stem/project/{project['id']}/", {"users": {x_email: {}}}).status_code == 200
    assert sorted(u["id"] for u in x.items("users/user")) == sorted([x_id, y_id])
    assert x.get(f"private/users/user/{y_id}/").json()["user"]["email"] == y_email
    # z joins y's group: group members see each other, and the project the group is granted
    z_id, z_email, z = _fresh_account(lab, "z")
    group = y.create("users/group", {"name": uniq("Directory group")})
    assert y.patch(f"private/users/group/{group['id']}/", {"users": {z_email: {}}}).status_code == 200
    assert [u["id"] for u in z.items("users/user")] == [z_id]
    invitation = z.items("users/groupmembershipinvitation")[0]
    assert z.post(f"private/users/groupmembershipinvitation/{invitation['id']}/accept", {}).status_code == 200
    assert sorted(u["id"] for u in z.items("users/user")) == sorted([y_id, z_id])
    assert z_id not in [u["id"] for u in x.items("users/user")]
    assert y.patch(f"private/stem/project/{project['id']}/", {"groups": {group["name"]: {}}}).status_code == 200
    assert sorted(u["id"] for u in z.items("users/user")) == sorted([x_id, y_id, z_id])
    assert z_id in [u["id"] for u in x.items("users/user")]
    # administrators see everyone on the super portal
    root_ids = [u["id"] for u in lab.api("root").items("users/user", {"limit": 100, "sort[]": "-id"}, portal="super")]
    assert {x_id, y_id, z_id} <= set(root_ids)
