"""Invitations, membership requests, log entries and delete rules (``brainstem.md`` 1.5, 4.1.8, 4.2.7, 4.8)."""

from __future__ import annotations

from tests.brainstem.conftest import Lab, World, uniq


def test_project_invitation_accept_reject_cancel(lab: Lab) -> None:
    ada, ben, meg = lab.api("ada"), lab.api("ben"), lab.api("meg")
    project = ada.create("stem/project", {"name": uniq("Invite")})
    invitation = ada.create(
        "stem/projectmembershipinvitation",
        {"invitee": lab.account_ids["ben"], "project": project["id"], "can_change": True},
    )
    assert invitation["inviter"] == lab.account_ids["ada"] and invitation["manage_project"] is False
    # visible to the invitee (through the 2.0.0 spelling too), not to others
    mine = ben.items("stem/project_membership_invitation")
    assert [i["id"] for i in mine] == [invitation["id"]]
    assert meg.get(f"private/stem/projectmembershipinvitation/{invitation['id']}/").status_code == 404
    # only the invitee accepts; the action URL works without a trailing slash and with GET
    assert ada.get(f"private/stem/projectmembershipinvitation/{invitation['id']}/accept").status_code == 403
    accepted = ben.get(f"private/stem/project_membership_invitation/{invitation['id']}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["project_membership_invitation"]["id"] == invitation["id"]
    users = ben.get(f"private/stem/project/{project['id']}/").json()["project"]["users"]
    assert users["ben@stem.example"] == {"can_change": True, "is_manager": False, "is_owner": False}
    assert ben.get(f"private/stem/projectmembershipinvitation/{invitation['id']}/").status_code == 404

    rejected = ada.create(
        "stem/projectmembershipinvitation", {"invitee": lab.account_ids["meg"], "project": project["id"]}
    )
    assert meg.post(f"private/stem/projectmembershipinvitation/{rejected['id']}/reject/").status_code == 200
    assert meg.get(f"private/stem/project/{project['id']}/").status_code == 404
    cancelled = ada.create(
        "stem/projectmembershipinvitation", {"invitee": lab.account_ids["meg"], "project": project["id"]}
    )
    assert meg.patch(f"private/stem/projectmembershipinvitation/{cancelled['id']}/cancel").status_code == 403
    assert ada.patch(f"private/stem/projectmembershipinvitation/{cancelled['id']}/cancel").status_code == 200
    # a contributor cannot invite; nobody can invite to an invisible project
    denied = ben.post(
        "private/stem/projectmembershipinvitation/", {"invitee": lab.account_ids["meg"], "project": project["id"]}
    )
    assert denied.status_code == 403


def test_group_membership_invitations_requests_and_leaving(lab: Lab) -> None:
    ada, ben, cy = lab.api("ada"), lab.api("ben"), lab.api("cy")
    group = ada.create("users/group", {"name": uniq("Core facility")})
    url = f"private/users/group/{group['id']}/"
    # adding a user through PATCH creates an invitation; the member list is unchanged
    patched = ada.patch(url, {"users": {"ben@stem.example": {"is_manager": True}}})
    assert patched.json()["group"]["users"] == {"ada@stem.example": {"is_manager": True, "is_owner": True}}
    invitation = ben.items("users/group_membership_invitation", {"filter{authgroup}": group["id"]})[0]
    assert invitation["user_account_invitation"] == lab.account_ids["ben"] and invitation["new_manager"] is True
    assert ben.get(f"private/users/group_membership_invitation/{invitation['id']}/accept").status_code == 200
    members = ada.get(url).json()["group"]["users"]
    assert members["ben@stem.example"] == {"is_manager": True, "is_owner": False}

    # join → request → a manager accepts
    joined = cy.get(f"private/users/group/{group['id']}/join")
    assert joined.status_code == 200
    assert cy.get(f"private/users/group/{group['id']}/join").status_code == 400  # already pending
    request = ben.items("users/groupmembershiprequest", {"filter{authgroup.id}": group["id"]})[0]
    assert request["user_account_request"] == lab.account_ids["cy"]
    assert cy.post(f"private/users/groupmembershiprequest/{request['id']}/accept").status_code == 403
    assert ben.post(f"private/users/groupmembershiprequest/{request['id']}/accept").status_code == 200
    assert ada.get(url).json()["group"]["users"]["cy@stem.example"] == {"is_manager": False, "is_owner": False}
    # managers may not rename; members leave; the last owner may not
    assert ben.patch(url, {"name": "renamed"}).status_code == 403
    assert cy.post(f"private/users/group/{group['id']}/leave").status_code == 200
    assert "cy@stem.example" not in ada.get(url).json()["group"]["users"]
    last = ada.get(f"private/users/group/{group['id']}/leave")
    assert last.status_code == 400 and "last owner" in last.json()["non_field_errors"][0]
    removed = ada.patch(url, {"users": {"ben@stem.example": {"remove": True}}})
    assert list(removed.json()["group"]["users"]) == ["ada@stem.example"]


def test_log_entries(lab: Lab, world: World) -> None:
    ada, meg = lab.api("ada"), lab.api("meg")
    log = ada.create(
        "modules/subjectlog", {"type": "Weighing", "subject": world.subject["id"], "description": "daily weight"}
    )
    assert log["user"] == lab.account_ids["ada"] and log["entries"] == []
    url = f"private/modules/subjectlog/{log['id']}"
    first = {
        "date_time": "2025-11-04T08:00:00Z",
        "notes": "after training",
        "details": {"weight": {"value": 27.4, "unit": "g"}},
    }
    added = ada.patch(f"{url}/add_entry", first)
    assert added.status_code == 200
    assert added.json()["subject_log"]["entries"] == [first]
    second = {"date_time": "2025-11-05T08:00:00+00:00", "details": {"weight": {"value": 27.9, "unit": "g"}}}
    entries = ada.post(f"{url}/add_entry/", second).json()["subject_log"]["entries"]
    assert [e["date_time"] for e in entries] == ["2025-11-05T08:00:00Z", "2025-11-04T08:00:00Z"]
    assert ada.patch(f"{url}/add_entry", first).status_code == 400  # duplicate date_time
    bad = ada.patch(f"{url}/add_entry", {"date_time": "2025-11-06T08:00:00Z", "details": {"weight": 27}})
    assert bad.status_code == 400 and bad.json()["details"] == [
        '/weight: expected an object {"value": <number>, "unit": <string>}'
    ]
    changed = ada.patch(f"{url}/change_entry", {"date_time": "2025-11-04T08:00:00Z", "notes": "corrected"})
    assert changed.json()["subject_log"]["entries"][1]["notes"] == "corrected"
    assert changed.json()["subject_log"]["entries"][1]["details"] == first["details"]
    assert meg.patch(f"{url}/change_entry", {"date_time": "2025-11-04T08:00:00Z", "notes": "x"}).status_code == 403
    removed = ada.patch(f"{url}/remove_entry", {"date_time": "2025-11-05T08:00:00Z"})
    assert [e["date_time"] for e in removed.json()["subject_log"]["entries"]] == ["2025-11-04T08:00:00Z"]
    assert ada.patch(f"{url}/remove_entry", {"date_time": "2025-11-05T08:00:00Z"}).status_code == 400
    # the type is fixed after creation
    assert ada.patch(f"{url}/", {"type": "Wellness"}).status_code == 400

    housing = ada.create("modules/subjectlog", {"type": "Housing", "subject": world.subject["id"]})
    interval = {"start_date_time": "2025-10-01T00:00:00Z", "end_date_time": "2025-10-31T00:00:00Z", "details": {}}
    stored = ada.patch(f"private/modules/subjectlog/{housing['id']}/add_entry", interval).json()["subject_log"]
    assert stored["entries"][0]["start_date_time"] == "2025-10-01T00:00:00Z"
    missing_end = ada.patch(
        f"private/modules/subjectlog/{housing['id']}/add_entry", {"start_date_time": "2025-11-01T00:00:00Z"}
    )
    assert missing_end.status_code == 400 and "end_date_time" in missing_end.json()

    procedure_log = ada.create(
        "modules/procedurelog", {"type": "LinearDisplacement", "procedure": world.procedure["id"]}
    )
    moved = ada.patch(
        f"private/modules/procedurelog/{procedure_log['id']}/add_entry",
        {"date_time": "2025-11-04T09:00:00Z", "details": {"displacement": {"value": 62.5, "unit": "µm"}}},
    )
    assert moved.json()["procedure_log"]["entries"][0]["details"]["displacement"]["value"] == 62.5


def test_epochs_and_delete_rules(lab: Lab) -> None:
    ada = lab.api("ada")
    project = ada.create("stem/project", {"name": uniq("Deletes")})
    session = ada.create("stem/session", {"name": uniq("del-s"), "projects": [project["id"]]})
    acquisition = ada.create("modules/dataacquisition", {"type": "Audio", "session": session["id"]})
    epoch = ada.create(
        "stem/epoch",
        {
            "session": session["id"],
            "name": "Baseline",
            "start": "0:00:00",
            "end": "0:05:00",
            "dataacquisition": [acquisition["id"]],
        },
    )
    listed = ada.items("stem/session", [("filter{id}", session["id"]), ("include[]", "epochs.*")])
    assert listed[0]["epochs"][0]["name"] == "Baseline"
    blocked = ada.delete(f"private/modules/dataacquisition/{acquisition['id']}/")
    assert blocked.status_code == 400 and "epochs" in blocked.json()["non_field_errors"][0]
    other = ada.create("stem/session", {"name": uniq("del-o"), "projects": [project["id"]]})
    wrong = ada.patch(f"private/stem/epoch/{epoch['id']}/", {"session": other["id"]})
    assert wrong.status_code == 400 and "dataacquisition" in wrong.json()
    # a project still holding the only link of its sessions cannot go ...
    blocked = ada.delete(f"private/stem/project/{project['id']}/")
    assert blocked.status_code == 400 and "sessions" in blocked.json()["non_field_errors"][0]
    # ... deleting the session takes its epoch and acquisition along, then the project can go
    assert ada.delete(f"private/stem/session/{session['id']}/").status_code == 204
    assert ada.get(f"private/stem/epoch/{epoch['id']}/").status_code == 404
    assert ada.get(f"private/modules/dataacquisition/{acquisition['id']}/").status_code == 404
    second = ada.create("stem/project", {"name": uniq("Deletes 2")})
    ada.patch(f"private/stem/session/{other['id']}/", {"projects": [project["id"], second["id"]]})
    collection = ada.create("stem/collection", {"name": "all", "project": project["id"], "sessions": [other["id"]]})
    assert ada.delete(f"private/stem/project/{project['id']}/").status_code == 204
    assert ada.get(f"private/stem/collection/{collection['id']}/").status_code == 404
    assert ada.get(f"private/stem/session/{other['id']}/").json()["session"]["projects"] == [second["id"]]
