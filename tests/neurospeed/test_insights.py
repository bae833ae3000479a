"""Insights endpoints ``/users/settings/insights...`` (``neurospeed.md`` 3.8, D26): auth, tenancy, validation."""

from __future__ import annotations

import pytest

from braindock.server.neurospeed.routes_insights import POST_FIELDS
from tests.neurospeed.conftest import Customer

VALUES = {
    "start_date": "2025-02-01",
    "end_date": "2025-02-03",
    "daily_date": "2025-02-03",
    "todays_date": "2025-02-03",
    "insight_path": "output$neurobrave_stress2",
    "insight_id": "output$neurobrave_stress2",
    "boundry": "day",
    "time_type": "day",
    "local_timezone": "+0200",
}


@pytest.mark.parametrize("name", sorted(POST_FIELDS))
def test_every_post_insight_answers_for_user_and_customer(acme: Customer, name: str) -> None:
    """A user without streamed data: the same real (empty-aggregate) answer with either token; values on
    streamed data are checked in test_insight_engine.py."""
    alice = acme.create_user()
    body = {field: VALUES[field] for field in POST_FIELDS[name]}
    with acme.http(alice.access) as api:
        response = api.post(f"/users/settings/insights/{name}", json={"user_id": None, **body})
    assert response.status_code == 200, response.text
    as_user = response.json()
    assert as_user["user_id"] == alice.id and as_user["insight"] == name
    assert "data" not in as_user or as_user["data"] == []
    with acme.http() as api:
        response = api.post(f"/users/settings/insights/{name}", json={"user_id": alice.id, **body})
    assert response.json() == as_user or name == "battery"  # battery's level depends on the current time


def test_get_insights_and_first_day_of_week(acme: Customer) -> None:
    alice = acme.create_user()
    with acme.http(alice.access) as api:
        answer = api.get("/users/settings/insights").json()
        assert answer == {"user_id": alice.id, "insight": "insights", "functions": {}}
    with acme.http() as api:
        response = api.get("/users/settings/insights/weekly_first_day_of_week", params={"user_id": str(alice.id)})
        assert response.json()["first_day_of_week"] == "monday" and response.json()["stored"] is False
        response = api.post(
            "/users/settings/insights/weekly_first_day_of_week", json={"user_id": alice.id, "first_day_of_week": 1}
        )
        assert response.status_code == 200 and response.json()["first_day_of_week"] == "tuesday"


def test_insight_errors(acme: Customer, globex: Customer) -> None:
    alice, bob = acme.create_user(), acme.create_user()
    path = "/users/settings/insights/daily_stress"
    cases = [
        (globex.access, {"user_id": alice.id, "daily_date": "2025-02-03"}, 404, f"user {alice.id} not found"),
        (bob.access, {"user_id": alice.id, "daily_date": "2025-02-03"}, 404, "not found"),
        (acme.access, {"daily_date": "2025-02-03"}, 400, "user_id is required"),
        (acme.access, {"user_id": "abc", "daily_date": "2025-02-03"}, 400, "id must be an integer"),
        (acme.access, {"user_id": alice.id, "daily_date": "03/02/2025"}, 400, "daily_date must be a date YYYY-MM-DD"),
        (acme.access, {"user_id": alice.id, "daily_date": "2025-02-30"}, 400, "daily_date must be a date"),
        (acme.access, {"user_id": alice.id}, 400, "daily_date is required"),
        ("garbage", {"user_id": None, "daily_date": "2025-02-03"}, 401, "Unauthorized"),
    ]
    for token, body, status, needle in cases:
        with acme.http(token) as api:
            response = api.post(path, json=body)
        assert response.status_code == status, (body, response.text)
        assert needle in response.json()["message"], (body, response.text)
    with acme.http() as api:
        body = {
            "user_id": alice.id,
            "start_date": "2025-02-01",
            "end_date": "2025-02-03",
            "insight_path": "output$neurobrave_stress2",
        }
        response = api.post("/users/settings/insights/alltime", json={**body, "boundry": "year"})
    assert response.status_code == 400 and "boundry must be one of hour, day, week, month" in response.json()["message"]
