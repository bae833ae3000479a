"""``Insight_User_Handler``: the insight endpoints (``neurospeed.md`` 3.8).

Accepts a user or a customer auth handler. With a user token ``user_id`` stays ``None`` (the token's user);
with a customer token pass the user's id (``Customer_Account_Manager.get_user_id(username)``). Wire names are
kept exactly (``insight_path``/``insight_id``, ``boundry``/``time_type``, ``local_timezone``). braindock answers
with aggregates of the user's minute series of cognitive-analysis values (heart rate, HRV, Baevsky stress index,
EEG engagement and relaxation, EDA tonic level and responses), as ``{"user_id", "insight", ...}``; each shape is
documented in the README (NeuroSpeed insights). The default insight id of the macros,
``output$neurobrave_stress2``, is the stress index.
"""

from __future__ import annotations

from typing import Any

from braindock.clients.neurospeed.api_http_handlers._common import HttpHandlerBase

__all__ = ["Insight_User_Handler"]

BASE = "/users/settings/insights"


class Insight_User_Handler(HttpHandlerBase):  # noqa: N801 - official name
    """The insight endpoints (3.8) with a user or customer token.

    Every method sends to ``{BASE}`` = ``/api/users/settings/insights`` (+ path) and returns the server's JSON
    answer. ``user_id``: ``None`` with a user token (the token's user),
    the user's id with a customer token. Dates are ``YYYY-MM-DD`` strings, ``timezone`` an IANA name or
    ``±HH:MM`` (sent as ``local_timezone``).

    Raises:
        ValidationError: a bad field (the message names it). PermissionDenied: no insight access, or a user of
            another customer. NotFound: unknown user.
    """

    def _post(self, path: str, **body: Any) -> Any:
        """``POST {BASE}/{path}`` with the JSON ``body``."""
        return self._http.POST_request(f"{BASE}/{path}", body)

    def get_user_insights(self, user_id: Any = None) -> Any:
        """``GET {BASE}`` (3.8; arguments, errors: see the class)."""
        return self._http.GET_request(BASE, {"user_id": user_id})

    def get_user_alltime_insights(
        self, start_date: str, end_date: str, insight_type: str, boundry: str, user_id: Any = None
    ) -> Any:
        """``POST {BASE}/alltime`` (3.8; arguments, errors: see the class)."""
        return self._post(
            "alltime",
            user_id=user_id,
            start_date=start_date,
            end_date=end_date,
            insight_path=insight_type,
            boundry=boundry,
        )

    def get_user_insights_stats(self, daily_date: str, insight_type: str, boundry: str, user_id: Any = None) -> Any:
        """``POST {BASE}/daily_stats`` (3.8; arguments, errors: see the class)."""
        return self._post(
            "daily_stats", user_id=user_id, daily_date=daily_date, insight_id=insight_type, time_type=boundry
        )

    def get_user_all_insights_stats(self, daily_date: str, insight_type: str, boundry: str, user_id: Any = None) -> Any:
        """``POST {BASE}/all_daily_stats`` (3.8; arguments, errors: see the class)."""
        return self._post(
            "all_daily_stats", user_id=user_id, daily_date=daily_date, insight_id=insight_type, time_type=boundry
        )

    def get_user_stress_baseline(self, insight_type: str, user_id: Any = None) -> Any:
        """``POST {BASE}/stress_baseline`` (3.8; arguments, errors: see the class)."""
        return self._post("stress_baseline", user_id=user_id, insight_id=insight_type)

    def _daily(self, path: str, daily_date: str, timezone: str | None, user_id: Any) -> Any:
        return self._post(path, user_id=user_id, daily_date=daily_date, local_timezone=timezone)

    def get_user_daily_stress(self, daily_date: str, timezone: str | None = None, user_id: Any = None) -> Any:
        """``POST {BASE}/daily_stress`` (3.8; arguments, errors: see the class)."""
        return self._daily("daily_stress", daily_date, timezone, user_id)

    def get_user_battery(self, daily_date: str, timezone: str | None = None, user_id: Any = None) -> Any:
        """``POST {BASE}/battery`` (3.8; arguments, errors: see the class)."""
        return self._daily("battery", daily_date, timezone, user_id)

    def get_user_hourly_insights(self, daily_date: str, timezone: str | None = None, user_id: Any = None) -> Any:
        """``POST {BASE}/hourly_insights`` (3.8; arguments, errors: see the class)."""
        return self._daily("hourly_insights", daily_date, timezone, user_id)

    def get_user_history_hourly_insights(self, timezone: str | None = None, user_id: Any = None) -> Any:
        """``POST {BASE}/history_hourly_insights`` (3.8; arguments, errors: see the class)."""
        return self._post("history_hourly_insights", user_id=user_id, local_timezone=timezone)

    def get_weekly_stress_average(self, daily_date: str, timezone: str | None = None, user_id: Any = None) -> Any:
        """``POST {BASE}/weekly_stress_average`` (3.8; arguments, errors: see the class)."""
        return self._daily("weekly_stress_average", daily_date, timezone, user_id)

    def get_weekly_stress_change(self, daily_date: str, timezone: str | None = None, user_id: Any = None) -> Any:
        """``POST {BASE}/weekly_stress_change`` (3.8; arguments, errors: see the class)."""
        return self._daily("weekly_stress_change", daily_date, timezone, user_id)

    def get_weekly_stress_index(self, daily_date: str, timezone: str | None = None, user_id: Any = None) -> Any:
        """``POST {BASE}/weekly_stress_index`` (3.8; arguments, errors: see the class)."""
        return self._daily("weekly_stress_index", daily_date, timezone, user_id)

    def get_weekly_stressful_time(self, daily_date: str, timezone: str | None = None, user_id: Any = None) -> Any:
        """``POST {BASE}/weekly_stressful_time`` (3.8; arguments, errors: see the class)."""
        return self._daily("weekly_stressful_time", daily_date, timezone, user_id)

    def get_weekly_quiet_time(self, daily_date: str, timezone: str | None = None, user_id: Any = None) -> Any:
        """``POST {BASE}/weekly_quiet_time`` (3.8; arguments, errors: see the class)."""
        return self._daily("weekly_quiet_time", daily_date, timezone, user_id)

    def get_weekly_best_sleep(self, daily_date: str, user_id: Any = None) -> Any:
        """``POST {BASE}/weekly_best_sleep`` (3.8; arguments, errors: see the class)."""
        return self._post("weekly_best_sleep", user_id=user_id, daily_date=daily_date)

    def get_weekly_worst_sleep(self, daily_date: str, user_id: Any = None) -> Any:
        """``POST {BASE}/weekly_worst_sleep`` (3.8; arguments, errors: see the class)."""
        return self._post("weekly_worst_sleep", user_id=user_id, daily_date=daily_date)

    def get_first_day_of_the_week(self, user_id: Any = None) -> Any:
        """``GET {BASE}/weekly_first_day_of_week`` (3.8; arguments, errors: see the class)."""
        return self._http.GET_request(f"{BASE}/weekly_first_day_of_week", {"user_id": user_id})

    def set_first_day_of_the_week(self, first_day_of_week: Any, user_id: Any = None) -> Any:
        """``POST {BASE}/weekly_first_day_of_week`` (3.8; arguments, errors: see the class)."""
        return self._post("weekly_first_day_of_week", user_id=user_id, first_day_of_week=first_day_of_week)

    def get_calendar_stress_graph(self, todays_date: str, user_id: Any = None) -> Any:
        """``POST {BASE}/calendar/calendar_stress_graph`` (3.8; arguments, errors: see the class)."""
        return self._post("calendar/calendar_stress_graph", user_id=user_id, todays_date=todays_date)

    def get_dates_of_last_6_month_without_stress(self, todays_date: str, user_id: Any = None) -> Any:
        """``POST {BASE}/calendar/dates_of_last_6_month_without_stress`` (3.8; arguments, errors: see the class)."""
        return self._post("calendar/dates_of_last_6_month_without_stress", user_id=user_id, todays_date=todays_date)

    def get_dates_of_last_6_month_with_stress(self, todays_date: str, user_id: Any = None) -> Any:
        """``POST {BASE}/calendar/dates_of_last_6_month_with_stress`` (3.8; arguments, errors: see the class)."""
        return self._post("calendar/dates_of_last_6_month_with_stress", user_id=user_id, todays_date=todays_date)

    def calculate_daily_stress_for_6_month(self, todays_date: str, user_id: Any = None) -> Any:
        """``POST {BASE}/calendar/calculate_daily_stress_for_6_month`` (3.8; arguments, errors: see the class)."""
        return self._post("calendar/calculate_daily_stress_for_6_month", user_id=user_id, todays_date=todays_date)
