"""Bad input answers 4xx with useful bodies, never 500 (``brainstem.md`` 2.5, 3.1, 3.2, 3.3.3)."""

from __future__ import annotations

import httpx
import pytest

from tests.brainstem.conftest import Api, Lab, World, uniq


def test_401_without_valid_credentials(lab: Lab) -> None:
    anonymous = lab.anonymous()
    missing = anonymous.get("private/stem/project/")
    assert missing.status_code == 401
    assert missing.json() == {"detail": "Authentication credentials were not provided."}
    assert missing.headers["www-authenticate"].startswith("Bearer")
    for token in ("garbage", lab.revoked_token, lab.tokens["ada"][:-3] + "xyz"):
        response = Api(lab.url, token).get("private/stem/session/")
        assert response.status_code == 401, token
        assert response.json() == {"detail": "Invalid token."}
    assert anonymous.get("super/stem/project/").status_code == 401
    assert anonymous.post("private/stem/project/", {"name": "x"}).status_code == 401


def test_403_for_a_token_without_the_brainstem_scope(lab: Lab) -> None:
    response = Api(lab.url, lab.scopeless_token).get("private/stem/project/")
    assert response.status_code == 403 and "BRAINSTEM" in response.json()["detail"]


def test_token_scheme_is_accepted_too(lab: Lab) -> None:
    response = Api(lab.url, lab.tokens["ada"], scheme="Token").get("private/stem/project/")
    assert response.status_code == 200


def test_404_for_unknown_paths_and_ids(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    for path in (
        "private/stem/nosuchmodel/",
        "private/nosuchapp/project/",
        "nosuchportal/stem/project/",
        "private/stem/project/not-a-uuid/",
        "private/stem/project/00000000-0000-0000-0000-000000000000/",
        "private/users/user/999999/",
        "private/users/user/abc/",
        f"private/stem/project/{world.project['id']}/accept",
        f"private/stem/project/{world.project['id']}/x/y/",
    ):
        response = ada.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}, path


def test_405_for_methods_a_path_does_not_take(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    assert ada.delete("private/stem/project/").status_code == 405
    assert ada.post(f"private/stem/project/{world.project['id']}/").status_code == 405
    assert ada.post("private/taxonomies/strainapproval/", {}).status_code == 405


def test_400_lists_every_field_problem(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    response = ada.post(
        "private/stem/subject/",
        {
            "name": "x" * 101,
            "projects": world.project["id"],
            "strain": "not-an-id",
            "sex": "X",
            "birth_date": "yesterday",
            "extra_fields": {"1bad": 1, "nested": {"a": 1}},
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "name": ["Ensure this field has no more than 100 characters."],
        "projects": ['Expected a list of items but got type "str".'],
        "strain": ['Invalid pk "not-an-id" - object does not exist.'],
        "sex": ['"X" is not a valid choice.'],
        "birth_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
        "extra_fields": [
            "'1bad': keys must start with a letter and hold only letters, digits and underscores.",
            "'nested': values must be strings or numbers.",
        ],
    }
    required = ada.post("private/stem/session/", {})
    assert required.json() == {"name": ["This field is required."], "projects": ["This field is required."]}
    empty = ada.post("private/stem/session/", {"name": uniq("empty"), "projects": []})
    assert empty.json() == {"projects": ["This list may not be empty."]}
    duplicate = ada.post("private/stem/session/", {"name": world.session["name"], "projects": [world.project["id"]]})
    assert duplicate.json() == {"name": ["session with this name already exists."]}
    not_an_object = ada.post("private/stem/project/", ["a", "list"])
    assert not_an_object.json() == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_400_for_type_specific_details(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    response = ada.post(
        "private/modules/procedure/",
        {
            "type": "Anesthesia",
            "subject": world.subject["id"],
            "coordinates_system": "Stereotaxic_BregmaAbsolute",
            "details": {"route": "Sniffing", "duration": {"value": "ten", "unit": "weeks"}, "extra": 1},
            "coordinates_details": {"apCoordinate": 2.0},
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["details"] == [
        "/anestheticAgent: required",
        "/route: must be one of Inhalation, Intraperitoneal (IP), Intravenous (IV), Subcutaneous (SC), "
        "Intramuscular (IM), Oral, Other",
        "/duration/value: expected a number",
        "/duration/unit: must be one of h, min, s, ms, µs",
        "/extra: unknown key",
    ]
    assert body["coordinates_details"] == ['/apCoordinate: expected an object {"value": <number>, "unit": <string>}']
    changed = ada.patch(
        f"private/modules/procedure/{world.procedure['id']}/", {"type": "BrainSlice", "details": {"orientation": "up"}}
    )
    assert changed.status_code == 400
    assert changed.json()["details"] == [
        "/thickness: required",
        "/orientation: must be one of coronal, sagittal, horizontal",
    ]


def test_400_for_bad_query_parameters(lab: Lab) -> None:
    ada = lab.api("ada")
    for params, word in [
        ({"filter{nosuch}": "x"}, "Invalid filter field"),
        ({"filter{name.nosuchop}": "x"}, "Invalid filter field"),
        ({"filter{date_time.gt}": "not a date"}, "Invalid filter value"),
        ({"filter{projects.is_public}": "maybe"}, "Invalid filter value"),
        ({"filter{projects.id}": "not-a-uuid"}, "Invalid filter value"),
        ({"filter{extra_fields}": "x"}, "Invalid filter field"),
        ({"filter{name.gt}": "a", "filter{name}": ""}, None),
        ({"sort[]": "nosuch"}, "Invalid sort field"),
        ({"sort[]": "-extra_fields"}, "Invalid sort field"),
        ({"include[]": "name.*"}, "Invalid include"),
        ({"include[]": "nosuch.*"}, "Invalid include"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"offset": "-5"}, "offset"),
    ]:
        response = ada.get("private/stem/session/", params)
        if word is None:
            assert response.status_code == 200, params
            continue
        assert response.status_code == 400, params
        assert word in response.json()["detail"], params


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2"])
def test_400_for_malformed_json(lab: Lab, body: bytes) -> None:
    response = httpx.post(
        f"{lab.url}/api/private/stem/project/",
        content=body,
        headers={"Authorization": f"Bearer {lab.tokens['ada']}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]


def test_nothing_answers_500_for_odd_values(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    odd_values = [None, True, 12, 1.5, "", [], {}, [None], {"id": None}, "x" * 5000]
    for field in ("name", "projects", "date_time", "extra_fields", "tags", "download_links", "datastorage"):
        for value in odd_values:
            response = ada.patch(f"private/stem/session/{world.session['id']}/", {field: value})
            assert response.status_code in (200, 400), (field, value, response.text)
    for field in ("users", "groups", "is_public", "publications"):
        for value in odd_values:
            response = ada.patch(f"private/stem/project/{world.project['id']}/", {field: value})
            assert response.status_code in (200, 400), (field, value, response.text)
    ada.patch(f"private/stem/project/{world.project['id']}/", {"is_public": False})


def test_out_of_range_values_are_400_not_500(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    huge = "9" * 30
    assert ada.get(f"private/users/user/{huge}/").status_code == 404
    for params in (
        {"filter{id}": huge},
        {"offset": huge},
        {"filter{date_time.gt}": "0001-01-01T00:00:00+01:00"},
        {"filter{id.in}": ",".join(["00000000-0000-0000-0000-000000000000"] * 1001)},
    ):
        response = ada.get("private/stem/session/" if "date" in str(params) else "private/users/user/", params)
        assert response.status_code == 400, params
    cohort_body = {"name": uniq("huge"), "project": world.project["id"], "subjects": [world.subject["id"]] * 1001}
    assert ada.post("private/stem/cohort/", cohort_body).status_code == 400
    ancient = ada.patch(f"private/stem/session/{world.session['id']}/", {"date_time": "0001-01-01T00:00:00+05:00"})
    assert ancient.status_code == 400 and "date_time" in ancient.json()
    for raw in (b'{"name": NaN}', b'{"name": 1e999}', b"[" * 100_000 + b"]" * 100_000):
        response = httpx.post(
            f"{lab.url}/api/private/stem/project/",
            content=raw,
            headers={"Authorization": f"Bearer {lab.tokens['ada']}", "Content-Type": "application/json"},
        )
        assert response.status_code == 400, raw[:20]
