"""NeuroSpeed insights ``/api/users/settings/insights...`` (``neurospeed.md`` 3.8, 3.9 rows 27-48, D26).

Customer or user token (C/U). With a user token ``user_id`` is ``null``/absent and the token's user is meant
(another id → 404); with a customer token ``user_id`` (int or numeric string) must name one of its users
(else 404, D5). Inputs are validated (400 naming the field): dates ``YYYY-MM-DD``, ``boundry`` ∈
``hour|day|week|month``, the listed fields present; ``local_timezone`` may be ``null``.

braindock has no insight (cognitive) engine, so every answer is the "no data" shape of D26::

    {"user_id": <int>, "insight": "<endpoint name>", "data": []}

``GET .../weekly_first_day_of_week`` answers ``{"user_id", "first_day_of_week": null}``; its POST (a stored
setting) answers 501 because no insight settings are stored.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from braindock.server.neurospeed import accounts
from braindock.server.neurospeed.errors import NsBadRequest, NsError, NsNotFound
from braindock.server.neurospeed.http import authenticate, read_body, require_token

router = APIRouter(
    prefix="/api/users/settings/insights", tags=["neurospeed: insights"], dependencies=[Depends(require_token)]
)

BOUNDARIES = ("hour", "day", "week", "month")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_FIELDS = ("start_date", "end_date", "daily_date", "todays_date")

#: POST endpoint (path after ``/insights``) → body fields besides ``user_id`` (3.8 table).
POST_FIELDS: dict[str, tuple[str, ...]] = {
    "alltime": ("start_date", "end_date", "insight_path", "boundry"),
    "daily_stats": ("daily_date", "insight_id", "time_type"),
    "all_daily_stats": ("daily_date", "insight_id", "time_type"),
    "stress_baseline": ("insight_id",),
    "daily_stress": ("daily_date", "local_timezone"),
    "battery": ("daily_date", "local_timezone"),
    "hourly_insights": ("daily_date", "local_timezone"),
    "history_hourly_insights": ("local_timezone",),
    "weekly_stress_average": ("daily_date", "local_timezone"),
    "weekly_stress_change": ("daily_date", "local_timezone"),
    "weekly_stress_index": ("daily_date", "local_timezone"),
    "weekly_best_sleep": ("daily_date",),
    "weekly_worst_sleep": ("daily_date",),
    "weekly_stressful_time": ("daily_date", "local_timezone"),
    "weekly_quiet_time": ("daily_date", "local_timezone"),
    "calendar/calendar_stress_graph": ("todays_date",),
    "calendar/dates_of_last_6_month_without_stress": ("todays_date",),
    "calendar/dates_of_last_6_month_with_stress": ("todays_date",),
    "calendar/calculate_daily_stress_for_6_month": ("todays_date",),
}


def check_fields(body: dict[str, Any], fields: tuple[str, ...]) -> None:
    """Validate the 3.8 fields of one request.

    Raises:
        NsBadRequest: a missing field (only ``local_timezone`` may be ``null``), a date that is not
            ``YYYY-MM-DD``, or a ``boundry`` outside :data:`BOUNDARIES` (400).
    """
    for name in fields:
        value = body.get(name)
        if name == "local_timezone":
            if value is not None and not isinstance(value, str):
                raise NsBadRequest("local_timezone must be a string or null")
            continue
        if value is None or value == "":
            raise NsBadRequest(f"{name} is required")
        if name in _DATE_FIELDS:
            try:
                if not isinstance(value, str) or not _DATE.fullmatch(value):
                    raise ValueError
                date.fromisoformat(value)
            except ValueError:
                raise NsBadRequest(f"{name} must be a date YYYY-MM-DD, not {value!r}") from None
        if name == "boundry" and value not in BOUNDARIES:
            raise NsBadRequest(f"boundry must be one of {', '.join(BOUNDARIES)}, not {value!r}")


async def target_user(request: Request, user_id: Any) -> int:
    """Id of the user the insight request is about (see module docstring).

    Raises:
        NsUnauthorized, NsBadRequest, NsNotFound.
    """

    def run() -> int:
        with request.app.state.services.database.session() as session:
            principal = authenticate(request, session, customer_only=False)
            if principal.user is not None:
                if user_id not in (None, "") and str(user_id) != str(principal.user.id):
                    raise NsNotFound(f"user {user_id} not found")
                return principal.user.id
            if user_id in (None, ""):
                raise NsBadRequest("user_id is required with a customer token")
            return accounts.get_user_by_id(session, principal.customer, user_id).id

    return await run_in_threadpool(run)


def _post_route(name: str, fields: tuple[str, ...]) -> None:
    async def handler(request: Request) -> dict[str, Any]:
        body = await read_body(request)
        check_fields(body, fields)
        user_id = await target_user(request, body.get("user_id"))
        return {"user_id": user_id, "insight": name, "data": []}

    router.add_api_route(f"/{name}", handler, methods=["POST"], summary=f"Insight {name} (no insight engine: empty)")


@router.get("", summary="Insights of a user (no insight engine: empty)")
async def insights(request: Request, user_id: str | None = None) -> dict[str, Any]:
    """``GET /api/users/settings/insights[?user_id=]`` (``neurospeed.md`` 3.8, D26): always the empty answer.

    Returns:
        200 ``{"user_id": <int>, "insight": "insights", "data": []}``.

    Raises:
        NsUnauthorized (401); NsBadRequest: ``user_id`` missing or not an integer with a customer token (400);
        NsNotFound: ``user_id`` not the token's user / not a user of the customer (404).
    """
    return {"user_id": await target_user(request, user_id), "insight": "insights", "data": []}


@router.get("/weekly_first_day_of_week", summary="First day of the week of a user's weekly insights (not stored)")
async def first_day_of_week(request: Request, user_id: str | None = None) -> dict[str, Any]:
    """``GET /api/users/settings/insights/weekly_first_day_of_week[?user_id=]`` (``neurospeed.md`` 3.8).

    Returns:
        200 ``{"user_id": <int>, "first_day_of_week": null}`` (no setting is stored).

    Raises:
        NsUnauthorized (401), NsBadRequest (400), NsNotFound (404): as for :func:`target_user`.
    """
    return {"user_id": await target_user(request, user_id), "first_day_of_week": None}


@router.post("/weekly_first_day_of_week", summary="Set the first day of the week (not supported: 501)")
async def set_first_day_of_week(request: Request) -> dict[str, Any]:
    """``POST /api/users/settings/insights/weekly_first_day_of_week`` (``neurospeed.md`` 3.8): not supported.

    Raises:
        NsBadRequest: ``first_day_of_week`` missing (400). NsUnauthorized/NsNotFound: as for :func:`target_user`.
        NsError: 501 after validation, because this server stores no insight settings.
    """
    body = await read_body(request)
    check_fields(body, ("first_day_of_week",))
    await target_user(request, body.get("user_id"))
    raise NsError(501, "first_day_of_week is not stored: this server has no insight settings")


for _name, _fields in POST_FIELDS.items():
    _post_route(_name, _fields)
