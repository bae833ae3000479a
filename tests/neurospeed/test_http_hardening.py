"""Hardening of the NeuroSpeed HTTP routes (security findings F3 and F4).

* F3: every non-public route checks the access token before it reads the body, so an anonymous caller gets the
  401 ``{"message": "Unauthorized"}`` of ``neurospeed.md`` 2.6 whatever it sends (never a 400/413 that reveals the
  input rules). The public routes (logins, refresh, the signed export link of 5.3) stay token-free.
* F4: an id from a request that no record can have (beyond 64 bits, zero, negative) answers 404 and a
  non-integer id 400, never a 500 from the SQLite driver.
"""

from __future__ import annotations

import re

import httpx
import pytest

from braindock.config import Settings
from braindock.server.app import create_app
from braindock.server.neurospeed.errors import NsBadRequest, NsNotFound
from braindock.server.neurospeed.http import INT64_MAX, parse_id
from tests.conftest import RunningServer
from tests.neurospeed.conftest import Customer, User

#: Routes that need no access token: logins and refresh (2.5, 2.6) and the signed download link (5.3).
PUBLIC = {
    ("POST", "/api/auth/login"),
    ("POST", "/api/users/login"),
    ("POST", "/api/auth/refresh_token"),
    ("GET", "/api/gateway/exporter/file/{exporter_id}/{file_name}"),
}
HUGE = 2**70


def neurospeed_routes() -> list[tuple[str, str]]:
    """``(method, path template)`` of every NeuroSpeed HTTP route of the app (tags ``neurospeed: ...``)."""
    document = create_app(Settings.load()).openapi()
    return sorted(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if any(str(tag).startswith("neurospeed") for tag in operation.get("tags", []))
    )


ROUTES = neurospeed_routes()
PROTECTED = [key for key in ROUTES if key not in PUBLIC]


def test_route_inventory_is_complete() -> None:
    """The public set names real routes, and the protected set covers every protocol area (3.2-3.8)."""
    assert set(ROUTES) >= PUBLIC
    areas = {re.sub(r"^/api/(gateway/)?([a-z_]+).*", r"\2", path) for _, path in PROTECTED}
    assert {"users", "customers", "recorder", "exporter", "ssr", "connections"} <= areas
    assert len(PROTECTED) >= 40


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_anonymous_callers_get_401_before_any_validation(server: RunningServer, method: str, path: str) -> None:
    url = re.sub(r"\{[^}]+\}", "1", path)
    bodies = {"empty": b"{}", "wrong types": b'{"pager": "x", "user_id": "abc", "stream_state": 7}'}
    bodies["oversized"] = b'{"payload": "' + b"x" * 70_000 + b'"}'
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for token in (None, "not-a-jwt"):
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            for name, body in bodies.items():
                answer = client.request(method, url, params={"id": "x"}, content=body, headers=headers)
                assert answer.status_code == 401, (name, token, answer.status_code, answer.text[:200])
                assert answer.json()["message"] == "Unauthorized", (name, token, answer.text[:200])


def test_valid_tokens_still_reach_validation_and_role_checks(acme: Customer, acme_user: User) -> None:
    """The dependency only screens out missing/invalid tokens: a customer still gets the 400 naming the field,
    and a user token on a customer-only route still gets 403."""
    with acme.http() as api:
        answer = api.post("/gateway/ssr/stream_state", json={})
        assert answer.status_code == 400 and "stream_id" in answer.json()["message"]
    with acme.http(acme_user.access) as api:
        assert api.post("/gateway/recorder", json={"username": acme_user.username}).status_code == 403
        assert api.get("/customers/customers_access/get_insight_access").json() == {"access": True}


def test_signed_download_link_needs_no_token(server: RunningServer) -> None:
    """Without Authorization the download route answers on the link's merits (forged → 403), not 401."""
    answer = httpx.get(
        f"{server.url}/api/gateway/exporter/file/1/export.csv", params={"expires": "1", "signature": "00"}
    )
    assert answer.status_code == 403, answer.text


@pytest.fixture(scope="module")
def acme_user(acme: Customer) -> User:
    return acme.create_user()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), ("42", 42), (" 7 ", 7), (str(INT64_MAX), INT64_MAX), (INT64_MAX, INT64_MAX)],
)
def test_parse_id_accepts_ids_in_range(value: object, expected: int) -> None:
    assert parse_id(value, "recorder_id") == expected


@pytest.mark.parametrize("value", ["abc", "1.5", "", None, True, 1.5, [1], "9" * 5000])
def test_parse_id_refuses_non_integers_with_400(value: object) -> None:
    with pytest.raises(NsBadRequest) as raised:
        parse_id(value, "recorder_id")
    assert raised.value.status == 400 and "recorder_id must be an integer" in raised.value.message


@pytest.mark.parametrize("value", [0, -1, INT64_MAX + 1, HUGE, str(HUGE), f"-{HUGE}"])
def test_parse_id_answers_404_outside_the_64_bit_range(value: object) -> None:
    with pytest.raises(NsNotFound) as raised:
        parse_id(value, "recorder_id")
    assert raised.value.status == 404


@pytest.mark.parametrize("bad", [HUGE, str(HUGE), INT64_MAX + 1, 0, -5])
def test_out_of_range_ids_answer_404_everywhere(acme: Customer, acme_user: User, bad: object) -> None:
    with acme.http() as api:
        answers = {
            "insights user_id": api.get("/users/settings/insights", params={"user_id": str(bad)}),
            "first day user_id": api.get("/users/settings/insights/weekly_first_day_of_week", params={"user_id": bad}),
            "insight POST user_id": api.post(
                "/users/settings/insights/stress_baseline", json={"user_id": bad, "insight_id": "1"}
            ),
            "user PUT id": api.put("/users", params={"id": str(bad)}, data={"username": "whoever"}),
            "user DELETE id": api.delete("/users", params={"id": str(bad)}),
            "recorder path id": api.get(f"/gateway/recorder/{bad}"),
            "recorder PUT id": api.put("/gateway/recorder", params={"id": str(bad)}, data={"status": "paused"}),
            "recorder DELETE id": api.delete("/gateway/recorder", params={"recorder_id": str(bad)}),
            "exporter recorder_id": api.post("/gateway/exporter", json={"recorder_id": bad, "exporter_config": {}}),
            "exporter path id": api.get(f"/gateway/exporter/{bad}"),
            "exporter url id": api.get("/gateway/exporter/url", params={"exporter_id": str(bad)}),
            "exporter DELETE id": api.delete("/gateway/exporter", params={"exporter_id": str(bad)}),
        }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == dict.fromkeys(answers, 404), {
        n: a.text[:160] for n, a in answers.items() if a.status_code != 404
    }
    with acme.http(acme_user.access) as api:  # a user token naming another (impossible) user: 404 too
        assert api.get("/users/settings/insights", params={"user_id": str(bad)}).status_code == 404


def test_non_integer_ids_answer_400_naming_the_field(acme: Customer) -> None:
    with acme.http() as api:
        answers = {
            "id": api.delete("/users", params={"id": "1e3"}),
            "id ": api.get("/gateway/recorder/abc"),
            "exporter_id": api.get("/gateway/exporter/url", params={"exporter_id": "12abc"}),
            "id  ": api.post("/users/settings/insights/stress_baseline", json={"user_id": 1.5, "insight_id": "1"}),
        }
    for field, answer in answers.items():
        assert answer.status_code == 400, (field, answer.text)
        assert answer.json()["message"].startswith(f"{field.strip()} must be an integer"), answer.text


@pytest.mark.parametrize(
    "pager", [{"page_number": HUGE}, {"page_number": 10**20, "page_size": 100}, {"page_number": 0}]
)
def test_out_of_range_page_numbers_answer_400(acme: Customer, pager: dict[str, int]) -> None:
    with acme.http() as api:
        for path in ("/users/list", "/gateway/connections", "/gateway/recorder/list", "/gateway/exporter/list"):
            answer = api.post(path, json={"pager": pager})
            assert answer.status_code == 400, (path, answer.text)
            assert "pager.page_number" in answer.json()["message"]
        infinite = api.post("/users/list", content=b'{"pager": {"page_number": 1e400}}')
        assert infinite.status_code == 400, infinite.text
