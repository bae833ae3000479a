"""NeuroSpeed insights ``/api/users/settings/insights...`` (``neurospeed.md`` 3.8, 3.9 rows 27-48, D26).

Customer or user token (C/U). With a user token ``user_id`` is ``null``/absent and the token's user is meant
(another id → 404); with a customer token ``user_id`` (int or numeric string) must name one of its users
(else 404, D5). A customer whose ``insights`` access flag is off gets 403 (:mod:`.access`). Inputs are
validated (400 naming the field): dates ``YYYY-MM-DD``, ``boundry``/``time_type`` ∈ ``hour|day|week|month``,
insight ids known to the engine (``output$neurobrave_stress2`` = ``stress_index``), ``local_timezone`` an
offset like ``+0200`` or ``null`` (UTC).

The answers are aggregates of the user's minute series written by the insight engine (:mod:`.insights_engine`,
:mod:`.insights_store`); each POST endpoint's shape is in its docstring (:data:`DOCS`, also the OpenAPI
description) and with an example in the README (NeuroSpeed insights). Each
answer has ``user_id`` and ``insight`` (the endpoint's name). A *stress minute* is a minute whose mean
``stress_index`` (Baevsky) is above 150, a *rest minute* one at or below it.
"""

from __future__ import annotations

import re
import statistics
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from braindock.server.neurospeed import access, accounts, sleep
from braindock.server.neurospeed import insights_store as store
from braindock.server.neurospeed.errors import NsBadRequest, NsNotFound
from braindock.server.neurospeed.http import authenticate, read_body, require_token
from braindock.server.neurospeed.insight_functions import FUNCTION_NAMES, STRESS_THRESHOLD, resolve
from braindock.server.storage.neurospeed_models import NsInsightSettings, NsRecorder, NsUser

router = APIRouter(
    prefix="/api/users/settings/insights",
    tags=["neurospeed: insights"],
    dependencies=[Depends(require_token), access.needs("insights")],
)

BOUNDARIES = ("hour", "day", "week", "month")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_FIELDS = ("start_date", "end_date", "daily_date", "todays_date")
#: Accepted dates (inclusive): the minute series starts at the epoch; the upper end leaves room for the
#: "next day/week/month" arithmetic of the endpoints.
DATE_RANGE = (date(1970, 1, 1), date(9998, 12, 31))

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
            ``YYYY-MM-DD`` or outside :data:`DATE_RANGE`, or a ``boundry`` outside :data:`BOUNDARIES` (400).
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
                day = date.fromisoformat(value)
            except ValueError:
                raise NsBadRequest(f"{name} must be a date YYYY-MM-DD, not {value!r}") from None
            if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
                raise NsBadRequest(
                    f"{name} must be between {DATE_RANGE[0].isoformat()} and {DATE_RANGE[1].isoformat()}, not {value!r}"
                )
        if name in ("boundry", "time_type") and value not in BOUNDARIES:
            raise NsBadRequest(f"{name} must be one of {', '.join(BOUNDARIES)}, not {value!r}")


def _target(request: Request, session: Any, user_id: Any) -> int:
    """Id of the user the insight request is about (module docstring), after the ``insights`` flag check.

    Raises:
        NsUnauthorized (401), NsForbidden: insights access off (403), NsBadRequest (400), NsNotFound (404).
    """
    principal = authenticate(request, session, customer_only=False)  # insights flag: the router's dependency
    if principal.user is not None:
        if user_id not in (None, "") and str(user_id) != str(principal.user.id):
            raise NsNotFound(f"user {user_id} not found")
        return principal.user.id
    if user_id in (None, ""):
        raise NsBadRequest("user_id is required with a customer token")
    return accounts.get_user_by_id(session, principal.customer, user_id).id


def check_insight_ids(body: dict[str, Any], fields: tuple[str, ...]) -> None:
    """Validate ``insight_path`` / ``insight_id`` (after the user is known, so that a bad ``user_id`` is
    reported first).

    Raises:
        NsBadRequest: an id that names no function of the engine (400 naming the field and listing them).
    """
    for name in ("insight_path", "insight_id"):
        if name in fields:
            try:
                resolve(body.get(name))
            except ValueError as exc:
                raise NsBadRequest(f"{name}: {exc}") from None


async def target_user(request: Request, user_id: Any) -> int:
    """:func:`_target` in a worker thread with its own session."""

    def run() -> int:
        with request.app.state.services.database.session() as session:
            return _target(request, session, user_id)

    return await run_in_threadpool(run)


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _stress_day(groups: list[store.Group]) -> dict[str, Any]:
    stress = [g for g in groups if g.function == "stress_index"]
    measured = sum(g.minutes for g in stress)
    stressed = sum(g.stress_minutes for g in stress)
    samples = sum(g.samples for g in stress)
    return {
        "measured_minutes": measured,
        "stress_minutes": stressed,
        "rest_minutes": measured - stressed,
        "stress_percent": 100.0 * stressed / measured if measured else None,
        "mean": sum(g.total for g in stress) / samples if samples else None,
        "max": max((g.maximum for g in stress), default=None),
    }


# -- one function per endpoint: (session, user_id, body) -> answer -------------------------------------------


def _alltime(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    function = resolve(body["insight_path"])
    first, last = _day(body["start_date"]), _day(body["end_date"])
    if last < first:
        raise NsBadRequest("end_date must not be before start_date")
    boundry = body["boundry"]
    return {
        "function": function,
        "boundry": boundry,
        "start_date": body["start_date"],
        "end_date": body["end_date"],
        "timezone": "+0000",
        "data": _buckets(session, user_id, function, first, last + timedelta(days=1), boundry, 0),
    }


def _buckets(
    session: Any, user_id: int, function: str, first: date, end: date, boundry: str, offset: int
) -> list[dict[str, Any]]:
    """Stats per ``boundry`` bucket of ``function`` from local ``first`` 00:00 to local ``end`` 00:00."""
    start, stop = store.day_minute(first, offset), store.day_minute(end, offset)
    first_day = store.first_day_of_week(session, user_id)
    if boundry == "month":
        days = store.grouped(session, user_id, start, stop, "day", offset, [function])
        return [{"start": day.isoformat(), **group.stats()} for day, group in store.month_groups(days)]
    groups = store.grouped(session, user_id, start, stop, boundry, offset, [function], first_day)
    data = []
    for group in groups:
        if boundry == "hour":
            when = store.local_iso(group.key * 60 - offset, offset)
        else:
            when = (store.EPOCH + timedelta(days=group.key)).isoformat()
        data.append({"start": when, **group.stats()})
    return data


def _period(session: Any, user_id: int, day: date, boundry: str) -> tuple[date, date]:
    """The day, week (user's first day) or month containing ``day``; ``hour`` → the day."""
    if boundry == "week":
        begin = store.week_start(day, store.first_day_of_week(session, user_id))
        return begin, begin + timedelta(days=7)
    if boundry == "month":
        begin = day.replace(day=1)
        return begin, (begin + timedelta(days=32)).replace(day=1)
    return day, day + timedelta(days=1)


def _stats_of(session: Any, user_id: int, function: str, body: dict[str, Any]) -> dict[str, Any]:
    boundry = body["time_type"]
    begin, end = _period(session, user_id, _day(body["daily_date"]), boundry)
    total = store.grouped(session, user_id, store.day_minute(begin), store.day_minute(end), "all", 0, [function])
    return {
        "stats": total[0].stats() if total else {"minutes": 0, "samples": 0, "mean": None, "min": None, "max": None},
        "data": _buckets(session, user_id, function, begin, end, boundry, 0),
    }


def _period_fields(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    begin, end = _period(session, user_id, _day(body["daily_date"]), body["time_type"])
    return {
        "time_type": body["time_type"],
        "date": body["daily_date"],
        "start_date": begin.isoformat(),
        "end_date": (end - timedelta(days=1)).isoformat(),
        "timezone": "+0000",
    }


def _daily_stats(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    function = resolve(body["insight_id"])
    return {
        "function": function,
        **_period_fields(session, user_id, body),
        **_stats_of(session, user_id, function, body),
    }


def _all_daily_stats(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        **_period_fields(session, user_id, body),
        "functions": {name: _stats_of(session, user_id, name, body) for name in FUNCTION_NAMES},
    }


def _stress_baseline(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    function = resolve(body["insight_id"])
    values = store.minute_means(session, user_id, function, None, None)
    quartiles = statistics.quantiles(values, n=4) if len(values) >= 2 else [None, None, None]
    return {
        "function": function,
        "minutes": len(values),
        "baseline": statistics.median(values) if values else None,
        "mean": statistics.fmean(values) if values else None,
        "sd": statistics.stdev(values) if len(values) >= 2 else None,
        "p25": quartiles[0],
        "p75": quartiles[2],
    }


def _local_day(body: dict[str, Any]) -> tuple[date, int]:
    day = _day(body["daily_date"])
    return day, store.timezone_offset(body.get("local_timezone"), day)


def _day_bounds(body: dict[str, Any]) -> tuple[date, int, int, int]:
    """``(day, offset at its start, start, stop)``: the local day of ``daily_date`` in ``local_timezone`` as epoch
    minutes ``[start, stop)`` (DST-aware for an IANA name: :func:`~.insights_store.day_span`)."""
    day = _day(body["daily_date"])
    start, stop = store.day_span(body.get("local_timezone"), day)
    return day, store.day_number(day) * store.DAY - start, start, stop


def _daily_stress(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """``daily_stress``: ``stress_index`` minutes of the local day ``[start, stop)`` of :func:`_day_bounds`,
    grouped per hour; shape in :data:`DOCS`."""
    day, offset, start, stop = _day_bounds(body)
    hours = store.grouped(session, user_id, start, stop, "hour", offset, ["stress_index"])
    return {
        "date": day.isoformat(),
        "timezone": store.offset_text(offset),
        "function": "stress_index",
        "threshold": STRESS_THRESHOLD,
        **_stress_day(hours),
        "hours": [{"hour": (g.key * 60 - offset - start) // 60, **g.stats()} for g in hours],
    }


#: Battery model (README, NeuroSpeed insights): level in percent, full at local midnight.
BATTERY_START = 100.0
BATTERY_STRESS_DRAIN = 0.5
BATTERY_REST_CHARGE = 0.25
BATTERY_IDLE_DRAIN = 0.02


def _battery(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Energy model: starts at 100 % at local midnight; every stress minute drains 0.5 %, every rest minute
    charges 0.25 %, every unmeasured minute drains 0.02 %; clamped to [0, 100]; minutes after the request's
    current time are not counted."""
    import time

    day, offset, start, stop = _day_bounds(body)
    now = int(time.time() // 60)
    minutes = store.stress_by_minute(session, user_id, start, stop)
    level, lowest = BATTERY_START, BATTERY_START
    series = []
    for minute in range(start, min(stop, now + 1)):
        stressed = minutes.get(minute)
        if stressed is None:
            level -= BATTERY_IDLE_DRAIN
        elif stressed:
            level -= BATTERY_STRESS_DRAIN
        else:
            level += BATTERY_REST_CHARGE
        level = min(100.0, max(0.0, level))
        lowest = min(lowest, level)
        if (minute - start) % 60 == 59:
            series.append({"hour": (minute - start) // 60, "level": round(level, 3)})
    stressed_count = sum(1 for v in minutes.values() if v)
    return {
        "date": day.isoformat(),
        "timezone": store.offset_text(offset),
        "battery": round(level, 3),
        "lowest": round(lowest, 3),
        "stress_minutes": stressed_count,
        "rest_minutes": len(minutes) - stressed_count,
        "model": {
            "start": BATTERY_START,
            "stress_minute": -BATTERY_STRESS_DRAIN,
            "rest_minute": BATTERY_REST_CHARGE,
            "unmeasured_minute": -BATTERY_IDLE_DRAIN,
        },
        "hours": series,
    }


def _functions_by(groups: list[store.Group]) -> dict[int, dict[str, Any]]:
    result: dict[int, dict[str, Any]] = {}
    for group in groups:
        result.setdefault(group.key, {})[group.function] = group.stats()
    return result


def _hourly(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    day, offset, start, stop = _day_bounds(body)
    by_hour = _functions_by(store.grouped(session, user_id, start, stop, "hour", offset))
    return {
        "date": day.isoformat(),
        "timezone": store.offset_text(offset),
        "data": [
            {
                "hour": (key * 60 - offset - start) // 60,
                "start": store.local_iso(key * 60 - offset, offset),
                "functions": f,
            }
            for key, f in sorted(by_hour.items())
        ],
    }


def _history_hourly(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    value = body.get("local_timezone")
    offset = store.timezone_offset(value)  # today's (UTC) offset, only reported
    by_hour = _functions_by(store.zone_grouped(session, user_id, None, None, "hour_of_day", value))
    return {
        "timezone": store.offset_text(offset),
        "data": [{"hour": key, "functions": f} for key, f in sorted(by_hour.items())],
    }


def _week(session: Any, user_id: int, body: dict[str, Any], back: int = 0) -> dict[str, Any]:
    """The week containing ``daily_date`` (``back`` weeks earlier): ``{"begin": date, "start", "stop" (epoch
    minutes from local midnight to local midnight, DST-aware for an IANA name), "offset" (at noon of
    ``daily_date``, reported), "first", "zone"}``."""
    day, offset = _local_day(body)
    first = store.first_day_of_week(session, user_id)
    begin = store.week_start(day, first) - timedelta(days=7 * back)
    value = body.get("local_timezone")
    start = store.day_span(value, begin)[0]
    stop = store.day_span(value, begin + timedelta(days=7))[0]
    return {"begin": begin, "start": start, "stop": stop, "offset": offset, "first": first, "zone": value}


def _week_fields(week: dict[str, Any]) -> dict[str, Any]:
    return {
        "week_start": week["begin"].isoformat(),
        "week_end": (week["begin"] + timedelta(days=6)).isoformat(),
        "first_day_of_week": store.WEEK_DAYS[week["first"]],
        "timezone": store.offset_text(week["offset"]),
    }


def _week_days(session: Any, user_id: int, week: dict[str, Any]) -> list[store.Group]:
    if store.zone_of(week["zone"]) is not None:
        return store.zone_grouped(session, user_id, week["start"], week["stop"], "day", week["zone"], ["stress_index"])
    return store.grouped(session, user_id, week["start"], week["stop"], "day", week["offset"], ["stress_index"])


def _weekly_average(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """``weekly_stress_average``: per-day ``stress_index`` groups of :func:`_week` and their mean."""
    week = _week(session, user_id, body)
    days = _week_days(session, user_id, week)
    summary = _stress_day(days)
    return {
        **_week_fields(week),
        "function": "stress_index",
        "average": summary["mean"],
        "measured_minutes": summary["measured_minutes"],
        "stress_minutes": summary["stress_minutes"],
        "days": [{"date": (store.EPOCH + timedelta(days=g.key)).isoformat(), **g.stats()} for g in days],
    }


def _weekly_change(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """``weekly_stress_change``: mean ``stress_index`` of this week minus the previous one (absolute, percent)."""
    this, previous = _week(session, user_id, body), _week(session, user_id, body, back=1)
    now = _stress_day(_week_days(session, user_id, this))["mean"]
    before = _stress_day(_week_days(session, user_id, previous))["mean"]
    change = now - before if now is not None and before is not None else None
    return {
        **_week_fields(this),
        "function": "stress_index",
        "average": now,
        "previous_week_start": previous["begin"].isoformat(),
        "previous_average": before,
        "change": change,
        "change_percent": 100.0 * change / before if change is not None and before else None,
    }


def _weekly_index(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """``weekly_stress_index``: share of the week's measured minutes above the stress threshold (percent)."""
    week = _week(session, user_id, body)
    summary = _stress_day(_week_days(session, user_id, week))
    return {
        **_week_fields(week),
        "stress_index": summary["stress_percent"],
        "stress_minutes": summary["stress_minutes"],
        "measured_minutes": summary["measured_minutes"],
        "threshold": STRESS_THRESHOLD,
    }


def _weekly_time(quiet: bool):  # type: ignore[no-untyped-def]
    """``weekly_quiet_time`` (``quiet``) / ``weekly_stressful_time``: the local hour of the day with the lowest /
    highest mean ``stress_index`` of the week (ties: the earlier hour for quiet, the later for stressful)."""

    def answer(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
        week = _week(session, user_id, body)
        if store.zone_of(week["zone"]) is not None:
            hours = store.zone_grouped(
                session, user_id, week["start"], week["stop"], "hour_of_day", week["zone"], ["stress_index"]
            )
        else:
            hours = store.grouped(
                session, user_id, week["start"], week["stop"], "hour_of_day", week["offset"], ["stress_index"]
            )
        pick = None
        if hours:
            pick = (min if quiet else max)(hours, key=lambda g: (g.total / g.samples, g.key))
        return {
            **_week_fields(week),
            "function": "stress_index",
            "hour": pick.key if pick else None,
            "start": f"{pick.key:02d}:00" if pick else None,
            "end": f"{(pick.key + 1) % 24:02d}:00" if pick else None,
            "mean": pick.total / pick.samples if pick else None,
            "hours": [{"hour": g.key, **g.stats()} for g in hours],
        }

    return answer


def _weekly_sleep(best: bool):  # type: ignore[no-untyped-def]
    """``weekly_best_sleep`` (``best``) / ``weekly_worst_sleep``: stage every not-deleted recording of the user
    that started in the week (:func:`.sleep.analyse`, cached, one at a time) and pick the highest / lowest sleep
    efficiency; with the customer's ``recordings`` flag off no recording is read (``sleep: null`` and a reason)."""

    def answer(session: Any, user_id: int, body: dict[str, Any], data_dir: Any = None) -> dict[str, Any]:
        week = _week(session, user_id, {"daily_date": body["daily_date"]})  # UTC weeks
        begin, end = week["start"] * 60, week["stop"] * 60
        rows = session.query(NsRecorder).filter(
            NsRecorder.user_id == user_id,
            NsRecorder.deleted_at.is_(None),
            NsRecorder.minimum_timestamp.is_not(None),
            NsRecorder.minimum_timestamp >= begin,
            NsRecorder.minimum_timestamp < end,
        )
        results, reasons = [], []
        owner = session.get(NsUser, user_id)
        if owner is not None and not access.flags(session, owner.customer_id)["recordings"]:
            # recordings access off: the recordings are not read (200, no result, the reason says why)
            return {
                **_week_fields(week),
                "sleep": None,
                "recordings_staged": 0,
                "reason": "recordings access is off for this customer: no recording is read for sleep staging",
            }
        for row in rows.order_by(NsRecorder.id):
            result, reason = sleep.analyse(data_dir, row.id, row.minimum_timestamp)
            if result is not None:
                results.append(result)
            else:
                reasons.append(f"recorder {row.id}: {reason}")
        pick = (max if best else min)(results, key=lambda r: r["sleep_efficiency"]) if results else None
        reason = None
        if pick is None:
            reason = "; ".join(reasons) if reasons else "no recording in this week"
            reason = f"no EEG recording of at least {sleep.MIN_MINUTES:g} min to stage ({reason})"
        return {
            **_week_fields(week),
            "sleep": pick,
            "recordings_staged": len(results),
            "reason": reason,
        }

    return answer


def _six_months(session: Any, user_id: int, body: dict[str, Any]) -> tuple[date, date, list[store.Group]]:
    today = _day(body["todays_date"])
    first = store.months_back(today, 6)
    groups = store.grouped(
        session,
        user_id,
        store.day_minute(first),
        store.day_minute(today + timedelta(days=1)),
        "day",
        0,
        ["stress_index"],
    )
    return first, today, groups


def _calendar(kind: str):  # type: ignore[no-untyped-def]
    """The calendar endpoints over the six months up to ``todays_date`` (UTC days of ``stress_index``):
    ``graph`` (daily stats), ``with`` / ``without`` (days with at least / fewer than :data:`STRESS_DAY_MINUTES`
    stress minutes), ``six`` (daily stress percent and mean, and the average percent)."""

    def answer(session: Any, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
        first, today, groups = _six_months(session, user_id, body)
        base = {"start_date": first.isoformat(), "end_date": today.isoformat(), "timezone": "+0000"}
        day = lambda g: (store.EPOCH + timedelta(days=g.key)).isoformat()  # noqa: E731
        if kind == "graph":
            return {**base, "threshold": STRESS_THRESHOLD, "days": [{"date": day(g), **g.stats()} for g in groups]}
        if kind == "with":
            return {**base, "dates": [day(g) for g in groups if g.stress_minutes >= STRESS_DAY_MINUTES]}
        if kind == "without":
            return {**base, "dates": [day(g) for g in groups if g.stress_minutes < STRESS_DAY_MINUTES]}
        days = [
            {"date": day(g), "stress_percent": 100.0 * g.stress_minutes / g.minutes, "mean": g.total / g.samples}
            for g in groups
        ]
        average = statistics.fmean(d["stress_percent"] for d in days) if days else None
        return {**base, "days": days, "average_stress_percent": average}

    return answer


#: A calendar day *with stress* has at least this many stress minutes; a measured day with fewer is *without*.
STRESS_DAY_MINUTES = 5

ANSWERS = {
    "alltime": _alltime,
    "daily_stats": _daily_stats,
    "all_daily_stats": _all_daily_stats,
    "stress_baseline": _stress_baseline,
    "daily_stress": _daily_stress,
    "battery": _battery,
    "hourly_insights": _hourly,
    "history_hourly_insights": _history_hourly,
    "weekly_stress_average": _weekly_average,
    "weekly_stress_change": _weekly_change,
    "weekly_stress_index": _weekly_index,
    "weekly_best_sleep": _weekly_sleep(best=True),
    "weekly_worst_sleep": _weekly_sleep(best=False),
    "weekly_stressful_time": _weekly_time(quiet=False),
    "weekly_quiet_time": _weekly_time(quiet=True),
    "calendar/calendar_stress_graph": _calendar("graph"),
    "calendar/dates_of_last_6_month_without_stress": _calendar("without"),
    "calendar/dates_of_last_6_month_with_stress": _calendar("with"),
    "calendar/calculate_daily_stress_for_6_month": _calendar("six"),
}


_COMMON_ERRORS = """

Raises:
    NsUnauthorized: no or bad token (401). NsForbidden: the customer's ``insights`` flag is off (403).
    NsBadRequest: a missing field, a date not ``YYYY-MM-DD`` or outside 1970-01-01..9998-12-31, a bad
        ``boundry``/``time_type``/``local_timezone``/insight id (400 naming the field).
    NsNotFound: ``user_id`` is not the token's user / not a user of the customer (404)."""

#: Docstring (and OpenAPI description) of each POST endpoint; every answer also has ``user_id`` and ``insight``.
DOCS: dict[str, str] = {
    "alltime": """Stats of one function per ``boundry`` bucket from ``start_date`` to ``end_date`` (UTC, inclusive).

Body: ``{user_id, start_date, end_date, insight_path, boundry: hour|day|week|month}``.
Returns: ``{"function", "boundry", "start_date", "end_date", "timezone": "+0000", "data": [{"start", "minutes",
"samples", "mean", "min", "max"}]}``; ``start`` is an ISO time (hour) or date; units those of the function.
400 also when ``end_date`` is before ``start_date``.""",
    "daily_stats": """Stats of one function over the day/week/month containing ``daily_date`` (UTC), and per bucket.

Body: ``{user_id, daily_date, insight_id, time_type: hour|day|week|month}`` (week: the user's first day).
Returns: ``{"function", "time_type", "date", "start_date", "end_date", "timezone", "stats": {"minutes",
"samples", "mean", "min", "max"}, "data": [{"start", ...stats}]}``.""",
    "all_daily_stats": """:func:`daily_stats` of every function of the engine at once.

Body: ``{user_id, daily_date, insight_id, time_type}`` (``insight_id`` validated, not used).
Returns: ``{"time_type", "date", "start_date", "end_date", "timezone", "functions": {name: {"stats", "data"}}}``.""",
    "stress_baseline": """The user's baseline of one function over all stored minutes (minute means).

Body: ``{user_id, insight_id}``. Returns: ``{"function", "minutes", "baseline" (median), "mean", "sd", "p25",
"p75"}`` (``null`` without data; units those of the function, 1/s² for ``stress_index``).""",
    "daily_stress": """Stress of one local day: stress/rest minutes of ``stress_index`` (Baevsky, threshold 150).

Body: ``{user_id, daily_date, local_timezone}`` (``+0200`` or an IANA name: local midnight to midnight, a DST day
has 23 or 25 hours). Returns: ``{"date", "timezone", "function", "threshold", "measured_minutes",
"stress_minutes", "rest_minutes", "stress_percent", "mean", "max", "hours": [{"hour" (hours since local
midnight), ...stats}]}``.""",
    "battery": """Energy "battery" of one local day (model in :func:`_battery`): percent, 100 at local midnight.

Body: ``{user_id, daily_date, local_timezone}``. Returns: ``{"date", "timezone", "battery", "lowest",
"stress_minutes", "rest_minutes", "model", "hours": [{"hour", "level"}]}`` (one entry per elapsed local hour;
minutes after now are not counted).""",
    "hourly_insights": """Every function's stats per hour of one local day.

Body: ``{user_id, daily_date, local_timezone}``. Returns: ``{"date", "timezone", "data": [{"hour", "start" (ISO
local), "functions": {name: stats}}]}``.""",
    "history_hourly_insights": """Every function's stats per local hour of the day (0-23) over the whole history.

Body: ``{user_id, local_timezone}``; an IANA name puts each stored hour at its own local hour (DST-aware), an
offset shifts all. Returns: ``{"timezone" (today's UTC-date offset), "data": [{"hour", "functions"}]}``.""",
    "weekly_stress_average": """Mean ``stress_index`` of the week containing ``daily_date`` (user's first day).

Body: ``{user_id, daily_date, local_timezone}``. Returns: ``{"week_start", "week_end", "first_day_of_week",
"timezone", "function", "average" (1/s²), "measured_minutes", "stress_minutes", "days": [{"date", ...stats}]}``.""",
    "weekly_stress_change": """Change of the mean ``stress_index`` from the previous week to this one.

Body: ``{user_id, daily_date, local_timezone}``. Returns: week fields, ``"average"``, ``"previous_week_start"``,
``"previous_average"``, ``"change"`` (1/s²) and ``"change_percent"`` (``null`` without both weeks).""",
    "weekly_stress_index": """Percent of the week's measured minutes that are stress minutes.

Body: ``{user_id, daily_date, local_timezone}``. Returns: week fields, ``"stress_index"`` (percent or ``null``),
``"stress_minutes"``, ``"measured_minutes"``, ``"threshold"``.""",
    "weekly_best_sleep": """The recording of the week with the highest YASA sleep efficiency (:mod:`.sleep`).

Body: ``{user_id, daily_date}``. Returns: week fields, ``"sleep"`` (``{"recorder_id", "start", "minutes",
"channel", "epochs", "stages" (minutes), "total_sleep_minutes", "sleep_efficiency" (percent)}`` or ``null``),
``"recordings_staged"``, ``"reason"`` (why nothing was staged: too short, no EEG, unusable timestamps, YASA
missing, or the customer's ``recordings`` flag off: then no recording is read). Staging is cached per
recording and runs one at a time.""",
    "weekly_worst_sleep": """As ``weekly_best_sleep``, the recording with the lowest sleep efficiency.""",
    "weekly_stressful_time": """The local hour of the day with the highest mean ``stress_index`` in the week.

Body: ``{user_id, daily_date, local_timezone}``. Returns: week fields, ``"function"``, ``"hour"`` (0-23),
``"start"``/``"end"`` (``HH:00``), ``"mean"`` (1/s²), ``"hours": [{"hour", ...stats}]`` (``null`` without data).""",
    "weekly_quiet_time": """As ``weekly_stressful_time``, the hour with the lowest mean ``stress_index``.""",
    "calendar/calendar_stress_graph": """Daily ``stress_index`` stats of the six months up to ``todays_date`` (UTC).

Body: ``{user_id, todays_date}``. Returns: ``{"start_date", "end_date", "timezone", "threshold", "days":
[{"date", ...stats with stress_minutes}]}``.""",
    "calendar/dates_of_last_6_month_without_stress": """Measured days of the last six months with fewer than
5 stress minutes.

Body: ``{user_id, todays_date}``. Returns: ``{"start_date", "end_date", "timezone", "dates": ["YYYY-MM-DD"]}``.""",
    "calendar/dates_of_last_6_month_with_stress": """Days of the last six months with at least 5 stress minutes.

Body: ``{user_id, todays_date}``. Returns: ``{"start_date", "end_date", "timezone", "dates": ["YYYY-MM-DD"]}``.""",
    "calendar/calculate_daily_stress_for_6_month": """Stress percent and mean ``stress_index`` of each measured
day of the last six months, and their average.

Body: ``{user_id, todays_date}``. Returns: ``{"start_date", "end_date", "timezone", "days": [{"date",
"stress_percent", "mean"}], "average_stress_percent"}``.""",
}


def _post_route(name: str, fields: tuple[str, ...]) -> None:
    answer = ANSWERS[name]

    async def handler(request: Request) -> dict[str, Any]:
        body = await read_body(request)
        check_fields(body, fields)
        if "local_timezone" in fields:
            store.timezone_offset(body.get("local_timezone"))
        data_dir = request.app.state.services.settings.data_dir

        def run() -> dict[str, Any]:
            with request.app.state.services.database.session() as session:
                user_id = _target(request, session, body.get("user_id"))
                check_insight_ids(body, fields)
                if name.startswith("weekly_") and name.endswith("_sleep"):
                    result = answer(session, user_id, body, data_dir)
                else:
                    result = answer(session, user_id, body)
                return {"user_id": user_id, "insight": name, **result}

        return await run_in_threadpool(run)

    handler.__doc__ = (
        f"``POST /api/users/settings/insights/{name}`` (``neurospeed.md`` 3.8). {DOCS[name]}{_COMMON_ERRORS}"
    )
    handler.__name__ = "insight_" + name.replace("/", "_")
    router.add_api_route(
        f"/{name}",
        handler,
        methods=["POST"],
        summary=f"Insight {name}",
        description=handler.__doc__,
    )


@router.get("", summary="Summary of every insight function of a user")
async def insights(request: Request, user_id: str | None = None) -> dict[str, Any]:
    """``GET /api/users/settings/insights[?user_id=]`` (``neurospeed.md`` 3.8): every function's all-time stats.

    Returns:
        200 ``{"user_id", "insight": "insights", "functions": {name: {"minutes", "samples", "mean", "min", "max",
        "first_minute", "last_minute"}}}`` (minutes as ISO UTC; functions without data are absent).

    Raises:
        NsUnauthorized (401); NsForbidden: insights access off (403); NsBadRequest: ``user_id`` missing or not an
        integer with a customer token (400); NsNotFound: not the token's user / not a user of the customer (404).
    """
    from sqlalchemy import func, select

    from braindock.server.storage.neurospeed_models import NsInsightMinute as M

    def run() -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            target = _target(request, session, user_id)
            groups = {g.function: g.stats() for g in store.grouped(session, target, None, None, "all")}
            span = session.execute(
                select(M.function, func.min(M.minute), func.max(M.minute))
                .where(M.user_id == target)
                .group_by(M.function)
            )
            for function, lo, hi in span:
                groups[function]["first_minute"] = store.local_iso(int(lo), 0)
                groups[function]["last_minute"] = store.local_iso(int(hi), 0)
            return {"user_id": target, "insight": "insights", "functions": groups}

    return await run_in_threadpool(run)


def _day_answer(user_id: int, first: int, stored: bool) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "insight": "weekly_first_day_of_week",
        "first_day_of_week": store.WEEK_DAYS[first],
        "first_day_of_week_index": first,
        "stored": stored,
    }


@router.get("/weekly_first_day_of_week", summary="First day of the week of a user's weekly insights")
async def first_day_of_week(request: Request, user_id: str | None = None) -> dict[str, Any]:
    """``GET /api/users/settings/insights/weekly_first_day_of_week[?user_id=]`` (``neurospeed.md`` 3.8).

    Returns:
        200 ``{"user_id", "insight", "first_day_of_week": "monday", "first_day_of_week_index": 0, "stored": bool}``
        (index 0 = Monday … 6 = Sunday; Monday until one is set).

    Raises:
        as :func:`insights`.
    """

    def run() -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            target = _target(request, session, user_id)
            return _day_answer(
                target, store.first_day_of_week(session, target), session.get(NsInsightSettings, target) is not None
            )

    return await run_in_threadpool(run)


def parse_first_day(value: Any) -> int:
    """0-6 (0 = Monday) from an integer 0-6, a numeric string, or a day name (``"sunday"``, ``"Sun"``).

    Raises:
        NsBadRequest: anything else (400 naming ``first_day_of_week``).
    """
    if isinstance(value, bool):
        value = None
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit() and 0 <= int(text) <= 6:
            return int(text)
        for index, name in enumerate(store.WEEK_DAYS):
            if len(text) >= 3 and name.startswith(text):
                return index
    raise NsBadRequest(f"first_day_of_week must be 0-6 (0 = Monday) or a day name, not {value!r}")


@router.post("/weekly_first_day_of_week", summary="Set the first day of the week of a user's weekly insights")
async def set_first_day_of_week(request: Request) -> dict[str, Any]:
    """``POST /api/users/settings/insights/weekly_first_day_of_week`` ``{user_id, first_day_of_week}`` (3.8).

    Stores the user's first day of the week (used by every weekly insight and ``boundry: week``).

    Returns:
        200, the :func:`first_day_of_week` answer with the new value.

    Raises:
        NsBadRequest: ``first_day_of_week`` missing or not a day (400); others as :func:`insights`.
    """
    body = await read_body(request)
    check_fields(body, ("first_day_of_week",))
    first = parse_first_day(body.get("first_day_of_week"))

    def run() -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            target = _target(request, session, body.get("user_id"))
            row = session.get(NsInsightSettings, target)
            if row is None:
                session.add(NsInsightSettings(user_id=target, first_day_of_week=first))
            else:
                row.first_day_of_week = first
            return _day_answer(target, first, True)

    return await run_in_threadpool(run)


for _name, _fields in POST_FIELDS.items():
    _post_route(_name, _fields)
