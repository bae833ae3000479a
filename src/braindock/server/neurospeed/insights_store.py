"""Aggregates of the per-user minute series ``ns_insight_minutes`` for the insight endpoints (``neurospeed.md`` 3.8).

Minutes are whole UTC minutes since the epoch; a local time is ``minute + offset`` (offset in minutes, from
``local_timezone``) for a fixed offset; for an IANA zone name the day bounds come from ``zoneinfo``
(:func:`day_span`) and per-row local days / hours from :func:`zone_grouped`.
Grouping runs in SQL (``GROUP BY`` integer buckets of the shifted minute: hour, day,
week, hour of the day); months are rolled up from day groups. Every group gives
``{"minutes", "samples", "mean", "min", "max"}`` (minutes with a value, computed windows, and the mean of every
computed value, their minimum and maximum) plus, for ``stress_index``, ``stress_minutes``: minutes whose mean
is above :data:`~.insight_functions.STRESS_THRESHOLD`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Integer, case, func, literal, select
from sqlalchemy.orm import Session

from braindock.server.neurospeed.errors import NsBadRequest
from braindock.server.neurospeed.insight_functions import STRESS_THRESHOLD
from braindock.server.storage.neurospeed_models import NsInsightMinute, NsInsightSettings

_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})")
DAY = 1440
WEEK_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EPOCH = date(1970, 1, 1)


def timezone_offset(value: Any, on: date | None = None, field: str = "local_timezone") -> int:
    """Minutes east of UTC of ``local_timezone``: ``null``/``""``/``Z``/``UTC`` → 0, ``+0200``, ``+02:00``,
    ``-0530``, ``UTC+01:00``, or an IANA name (``Europe/Paris``, its offset at noon of ``on``).

    Raises:
        NsBadRequest: anything else, or an offset beyond ±14:00 (400 naming the field).
    """
    if value in (None, "", "Z", "z", "UTC", "utc", "GMT"):
        return 0
    if not isinstance(value, str):
        raise NsBadRequest(f"{field} must be a string like +0200 or null")
    match = _OFFSET.fullmatch(value.strip())
    if match:
        sign, hours, minutes = match.groups()
        total = int(hours) * 60 + int(minutes)
        if int(minutes) >= 60 or total > 14 * 60:
            raise NsBadRequest(f"{field} out of range: {value!r}")
        return total if sign == "+" else -total
    try:
        zone = ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise NsBadRequest(f"{field} must be an offset like +0200 or a time-zone name, not {value!r}") from None
    moment = datetime.combine(on or datetime.now(UTC).date(), datetime.min.time()).replace(hour=12, tzinfo=zone)
    offset = moment.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def zone_of(value: Any) -> ZoneInfo | None:
    """The IANA zone named by ``local_timezone`` (``Europe/Paris``), or ``None`` for a fixed offset / UTC (the
    value is assumed validated by :func:`timezone_offset`)."""
    if not isinstance(value, str) or value in ("", "Z", "z", "UTC", "utc", "GMT") or _OFFSET.fullmatch(value.strip()):
        return None
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def day_span(value: Any, day: date) -> tuple[int, int]:
    """``[start, stop)`` epoch minutes of the local calendar ``day`` in ``local_timezone`` ``value``: local
    midnight to the next local midnight, through ``zoneinfo`` for an IANA name (a DST day lasts 23 or 25 hours),
    a fixed offset otherwise.

    Raises:
        NsBadRequest: a bad ``local_timezone`` (:func:`timezone_offset`).
    """
    zone = zone_of(value)
    if zone is None:
        offset = timezone_offset(value, day)
        return day_minute(day, offset), day_minute(day + timedelta(days=1), offset)
    start = datetime.combine(day, datetime.min.time()).replace(tzinfo=zone)
    stop = datetime.combine(day + timedelta(days=1), datetime.min.time()).replace(tzinfo=zone)
    return int(start.timestamp() // 60), int(stop.timestamp() // 60)


def local_hour_of_day(minute: int, value: Any) -> int:
    """Local hour of the day (0-23) of epoch ``minute`` in ``local_timezone`` ``value`` (per instant, DST-aware)."""
    zone = zone_of(value)
    if zone is None:
        return ((minute + timezone_offset(value)) // 60) % 24
    return datetime.fromtimestamp(minute * 60, zone).hour


def offset_text(offset: int) -> str:
    """``+0200`` for 120."""
    sign = "+" if offset >= 0 else "-"
    return f"{sign}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


def day_minute(day: date, offset: int = 0) -> int:
    """UTC epoch minute of local midnight starting ``day``."""
    return day_number(day) * DAY - offset


def local_iso(minute: int, offset: int) -> str:
    """ISO-8601 local time of an epoch minute, with the offset (``2025-02-03T10:00:00+02:00``)."""
    return datetime.fromtimestamp(minute * 60, timezone(timedelta(minutes=offset))).isoformat()


def first_day_of_week(session: Session, user_id: int) -> int:
    """The user's first day of the week, 0 = Monday … 6 = Sunday (default Monday, ISO 8601)."""
    row = session.get(NsInsightSettings, user_id)
    return row.first_day_of_week if row is not None else 0


def week_start(day: date, first: int) -> date:
    """The first day of the week containing ``day`` (``first``: 0 = Monday … 6 = Sunday)."""
    return day - timedelta(days=(day.weekday() - first) % 7)


def months_back(day: date, months: int) -> date:
    """``day`` minus ``months`` calendar months (clamped to the month's last day).

    Raises:
        ValueError: the result would be before 0001-01-01 (the endpoints accept dates from 1970 only).
    """
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    if year < 1:
        raise ValueError(f"{months} months before {day.isoformat()} is before year 1")
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def zone_grouped(
    session: Session,
    user_id: int,
    start: int | None,
    end: int | None,
    bucket: str,
    value: Any,
    functions: list[str] | None = None,
) -> list[Group]:
    """:func:`grouped` by local ``day`` (key = local days since the epoch) or ``hour_of_day`` in the IANA zone
    ``value``, per row: the minutes are grouped per UTC hour in SQL, then each hour is put at its own local day /
    hour with ``zoneinfo`` (DST-aware). Falls back to :func:`grouped` with the fixed offset for a non-IANA value."""
    zone = zone_of(value)
    if zone is None:
        return grouped(session, user_id, start, end, bucket, timezone_offset(value), functions)
    merged: dict[tuple[int, str], Group] = {}
    for group in grouped(session, user_id, start, end, "hour", 0, functions):
        local = datetime.fromtimestamp(group.key * 3600, zone)
        key = local.hour if bucket == "hour_of_day" else day_number(local.date())
        current = merged.get((key, group.function))
        if current is None:
            group.key = key
            merged[(key, group.function)] = group
        else:
            current.merge(group)
    return sorted(merged.values(), key=lambda g: (g.key, g.function))


@dataclass
class Group:
    """One aggregated group of minute rows."""

    key: int
    function: str
    minutes: int
    samples: int
    total: float
    minimum: float
    maximum: float
    stress_minutes: int

    def stats(self) -> dict[str, Any]:
        """``{"minutes", "samples", "mean", "min", "max"}`` (+ ``stress_minutes`` for ``stress_index``)."""
        result: dict[str, Any] = {
            "minutes": self.minutes,
            "samples": self.samples,
            "mean": self.total / self.samples if self.samples else None,
            "min": self.minimum,
            "max": self.maximum,
        }
        if self.function == "stress_index":
            result["stress_minutes"] = self.stress_minutes
            result["rest_minutes"] = self.minutes - self.stress_minutes
        return result

    def merge(self, other: Group) -> None:
        """Add ``other``'s rows (a month from its days)."""
        self.minutes += other.minutes
        self.samples += other.samples
        self.total += other.total
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)
        self.stress_minutes += other.stress_minutes


def grouped(
    session: Session,
    user_id: int,
    start: int | None,
    end: int | None,
    bucket: str,
    offset: int = 0,
    functions: list[str] | None = None,
    first_day: int = 0,
) -> list[Group]:
    """Aggregates of the user's minutes in ``[start, end)`` (epoch minutes; ``None``: open) per bucket and function.

    ``bucket``: ``hour`` / ``day`` (key = local hours / days since the epoch), ``week`` (key = local day of the
    week's first day), ``hour_of_day`` (0-23, local), ``all`` (key 0). Computed with one SQL ``GROUP BY``.
    """
    m = NsInsightMinute
    local = m.minute + literal(offset, Integer)
    if bucket == "hour":
        key = local // 60
    elif bucket == "day":
        key = local // DAY
    elif bucket == "week":
        key = (local // DAY + literal(10 - first_day, Integer)) // 7
    elif bucket == "hour_of_day":
        key = (local // 60) % 24
    elif bucket == "all":
        key = literal(0, Integer)
    else:
        raise ValueError(f"unknown bucket {bucket}")
    stressed = case((m.total > STRESS_THRESHOLD * m.count, 1), else_=0)
    query = (
        select(
            key.label("k"),
            m.function,
            func.count(),
            func.sum(m.count),
            func.sum(m.total),
            func.min(m.minimum),
            func.max(m.maximum),
            func.sum(stressed),
        )
        .where(m.user_id == user_id)
        .group_by(key, m.function)
        .order_by(key, m.function)
    )
    if start is not None:
        query = query.where(m.minute >= start)
    if end is not None:
        query = query.where(m.minute < end)
    if functions is not None:
        query = query.where(m.function.in_(functions))
    groups = [
        Group(int(k), str(f), int(n), int(c or 0), float(t or 0.0), float(lo), float(hi), int(s or 0))
        for k, f, n, c, t, lo, hi, s in session.execute(query)
    ]
    if bucket == "week":  # key → local day number of the week's first day
        for group in groups:
            group.key = 7 * group.key - 10 + first_day
    return groups


def month_groups(day_groups: list[Group]) -> list[tuple[date, Group]]:
    """Roll day groups (key = local day number) up into calendar months: ``[(first day of month, group)]``."""
    months: dict[tuple[date, str], Group] = {}
    for group in day_groups:
        day = EPOCH + timedelta(days=group.key)
        first = day.replace(day=1)
        current = months.get((first, group.function))
        if current is None:
            months[(first, group.function)] = Group(
                day_number(first),
                group.function,
                group.minutes,
                group.samples,
                group.total,
                group.minimum,
                group.maximum,
                group.stress_minutes,
            )
        else:
            current.merge(group)
    return sorted(((first, g) for (first, _), g in months.items()), key=lambda item: (item[0], item[1].function))


def minute_means(session: Session, user_id: int, function: str, start: int | None, end: int | None) -> list[float]:
    """Mean value of each stored minute of ``function`` in ``[start, end)``, oldest first."""
    m = NsInsightMinute
    query = select(m.total / m.count).where(m.user_id == user_id, m.function == function, m.count > 0)
    if start is not None:
        query = query.where(m.minute >= start)
    if end is not None:
        query = query.where(m.minute < end)
    return [float(v) for (v,) in session.execute(query.order_by(m.minute))]


def stress_by_minute(session: Session, user_id: int, start: int, end: int) -> dict[int, bool]:
    """``{minute: stressed}`` of the ``stress_index`` minutes in ``[start, end)``."""
    m = NsInsightMinute
    query = select(m.minute, m.total > STRESS_THRESHOLD * m.count).where(
        m.user_id == user_id, m.function == "stress_index", m.minute >= start, m.minute < end, m.count > 0
    )
    return {int(minute): bool(stressed) for minute, stressed in session.execute(query)}
