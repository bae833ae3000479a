"""The unmodified official ``neurospeed==2.3.5`` client's insight API against live insights (``neurospeed.md`` 3.8).

``scripts/neurospeed_insights_runner.py`` (in ``.compat-venvs/neurospeed-2.3.5``) streams real PPG (heartpy's
``data3.csv``, 180 s) and real EEG (EEGMMIDB S001R02, 30 s, 8 channels) with ``HIA_Client.send_data_direct``,
then calls every insight macro of ``neurospeed.macros.macros`` (user auth and customer auth + username) and
every ``Insight_User_Handler`` method. The tests check the answers against heartpy and the formulas on the same
signal, and that the macros are refused (``None``) once the customer's insights flag is off.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.signal import welch

from tests.compat.conftest import SCRIPTS, run_neurospeed_runner
from tests.conftest import RunningServer
from tests.neurospeed.conftest import PASSWORD, new_customer

heartpy = pytest.importorskip("heartpy", reason="the PPG recording ships in heartpy (the 'demo' extra)")
demo = pytest.importorskip("braindock.demo_neurospeed")
try:
    PPG = demo.load_ppg(180.0)
    EEG = demo.load_eeg(30.0)
except demo.MissingDemoData as exc:  # pragma: no cover
    pytest.skip(str(exc), allow_module_level=True)

RUNNER = SCRIPTS / "neurospeed_insights_runner.py"
PPG_T0 = datetime(2025, 2, 3, 22, 30, tzinfo=UTC).timestamp()
EEG_T0 = datetime(2025, 2, 3, 22, 40, tzinfo=UTC).timestamp()
EEG_CHANNELS = ("Fz", "Cz", "Pz", "Oz", "C3", "C4", "P3", "P4")
MACROS = {
    "get_user_insights",
    "get_user_alltime_insights",
    "get_user_insights_stats",
    "get_user_all_insights_stats",
    "get_user_stress_baseline",
    "get_user_daily_stress",
    "get_user_battery",
    "get_user_hourly_insights",
    "get_user_history_hourly_insights",
    "get_weekly_stress_average",
    "get_weekly_stress_change",
    "get_weekly_stress_index",
    "get_weekly_best_sleep",
    "get_weekly_worst_sleep",
    "get_weekly_stressful_time",
    "get_weekly_quiet_time",
    "get_first_day_of_the_week",
    "set_first_day_of_the_week",
    "get_calendar_stress_graph",
    "get_dates_of_last_6_month_without_stress",
    "get_dates_of_last_6_month_with_stress",
    "calculate_daily_stress_for_6_month",
}


def signal_spec(signal: Any, stream_id: str, t0: float, packet_s: float, columns: list[int]) -> dict[str, Any]:
    fs = signal.sampling_frequency
    samples = signal.samples[:, columns]
    info = demo.sensor_info(signal, stream_id, "compat")
    info.update(channel_count=len(columns), channel_map=[signal.channels[i] for i in columns])
    return {
        "stream_id": stream_id,
        "sensor_info": info,
        "samples": samples.tolist(),
        "timestamps": (t0 + np.arange(len(samples)) / fs).tolist(),
        "packet_rows": int(round(packet_s * fs)),
        "min_window_s": {"PPG": 15.0, "EEG": 4.0}[signal.device_type],
    }


def run_runner(python: Path, spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run ``scripts/neurospeed_insights_runner.py`` (:func:`run_neurospeed_runner`); its own errors must be none."""
    results = run_neurospeed_runner(python, spec, workdir, RUNNER)
    assert results["errors"] == [], results["errors"]
    return results


@pytest.fixture(scope="module")
def session(server: RunningServer, neurospeed_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    acme = new_customer(server)
    alice = acme.create_user(f"ins{uuid.uuid4().hex[:8]}")
    eeg_columns = [EEG.channels.index(name) for name in EEG_CHANNELS]
    spec = {
        "api": server.url,
        "customer": {"email": acme.email, "password": PASSWORD},
        "user": {"account_id": acme.account_id, "username": alice.username, "password": "user-password-1"},
        "signals": [
            signal_spec(PPG, "PPG_OFFICIAL", PPG_T0, 1.0, [0]),
            signal_spec(EEG, "EEG_OFFICIAL", EEG_T0, 0.5, eeg_columns),
        ],
        "wait_minutes": {"heart_rate": 3, "eeg_engagement": 1},
    }
    results = run_runner(neurospeed_python, spec, tmp_path_factory.mktemp("ns-insights"))
    return {"results": results, "acme": acme, "alice": alice, "spec": spec, "eeg_columns": eeg_columns}


def answer(session: dict[str, Any], name: str, role: str = "user") -> Any:
    value = session["results"]["macros"][name][role]
    assert isinstance(value, dict) and "exception" not in value, (name, role, value)
    return value


def test_every_insight_macro_answers_the_same_for_user_and_customer(session: dict[str, Any]) -> None:
    assert set(session["results"]["macros"]) == MACROS
    for name in MACROS - {"get_user_battery", "set_first_day_of_the_week", "get_first_day_of_the_week"}:
        assert answer(session, name, "user") == answer(session, name, "customer"), name
        assert answer(session, name)["user_id"] == session["alice"].id


def test_live_values_from_the_official_room_match_heartpy_and_the_formula(session: dict[str, Any]) -> None:
    room = session["results"]["room"]
    ppg = room["PPG_OFFICIAL"]["last_output"]
    window = ppg["cognitive_analysis_window"]
    stamps = np.asarray(session["spec"]["signals"][0]["timestamps"])
    picked = (stamps >= window["start"] - 1e-6) & (stamps <= window["end"] + 1e-6)
    _, measures = heartpy.process(PPG.samples[picked, 0], PPG.sampling_frequency)
    assert abs(ppg["cognitive_analysis"]["heart_rate"] - measures["bpm"]) <= 5.0
    eeg = room["EEG_OFFICIAL"]["last_output"]
    window = eeg["cognitive_analysis_window"]
    stamps = np.asarray(session["spec"]["signals"][1]["timestamps"])
    picked = (stamps >= window["start"] - 1e-6) & (stamps <= window["end"] + 1e-6)
    data = EEG.samples[picked][:, session["eeg_columns"]].astype(np.float32).astype(float)
    freqs, psd = welch(data, fs=EEG.sampling_frequency, nperseg=int(2 * EEG.sampling_frequency), axis=0)
    psd = psd.mean(axis=1)

    def band(lo: float, hi: float) -> float:
        mask = (freqs >= lo) & (freqs < hi)
        return float(np.trapezoid(psd[mask], freqs[mask]))

    engagement = band(13, 30) / (band(8, 13) + band(4, 8))
    assert eeg["cognitive_analysis"]["eeg_engagement"] == pytest.approx(engagement, rel=1e-6)


def test_aggregates_are_consistent_with_what_was_streamed(session: dict[str, Any]) -> None:
    functions = answer(session, "get_user_insights")["functions"]
    assert functions["heart_rate"]["minutes"] == 3 and functions["eeg_engagement"]["minutes"] == 1
    _, measures = heartpy.process(PPG.samples[:, 0], PPG.sampling_frequency)
    assert abs(functions["heart_rate"]["mean"] - measures["bpm"]) <= 5.0
    for stats in functions.values():
        assert all(np.isfinite(stats[key]) for key in ("mean", "min", "max"))
    alltime = answer(session, "get_user_alltime_insights")  # the macro's defaults: neurobrave_stress2, hour
    assert alltime["function"] == "stress_index" and alltime["boundry"] == "hour"
    assert [b["start"] for b in alltime["data"]] == ["2025-02-03T22:00:00+00:00"] and alltime["data"][0]["minutes"] == 3
    assert answer(session, "get_user_insights_stats")["stats"]["minutes"] == 3
    every = answer(session, "get_user_all_insights_stats")["functions"]
    assert every["heart_rate"]["stats"]["minutes"] == 3 and every["eeg_relaxation"]["stats"]["minutes"] == 1
    assert answer(session, "get_user_stress_baseline")["minutes"] == 3
    daily = answer(session, "get_user_daily_stress")  # 2025-02-04 at +0200
    assert daily["measured_minutes"] == 3 and daily["stress_minutes"] + daily["rest_minutes"] == 3
    battery = answer(session, "get_user_battery")
    assert battery["stress_minutes"] + battery["rest_minutes"] == 3 and 0 <= battery["battery"] <= 100
    assert answer(session, "get_user_hourly_insights")["data"][0]["hour"] == 22
    assert [h["hour"] for h in answer(session, "get_user_history_hourly_insights")["data"]] == [0]
    average = answer(session, "get_weekly_stress_average")
    assert average["week_start"] == "2025-02-03" and np.isfinite(average["average"])
    change = answer(session, "get_weekly_stress_change")  # the week after: this week empty, previous measured
    assert change["previous_average"] == pytest.approx(average["average"])
    assert answer(session, "get_weekly_stress_index")["measured_minutes"] == 3
    assert answer(session, "get_weekly_stressful_time")["hour"] == 22
    assert answer(session, "get_weekly_quiet_time")["hour"] == 0
    for name in ("get_weekly_best_sleep", "get_weekly_worst_sleep"):
        assert answer(session, name)["sleep"] is None and "5 min" in answer(session, name)["reason"]
    assert answer(session, "get_first_day_of_the_week")["first_day_of_week"] == "monday"
    graph = answer(session, "get_calendar_stress_graph")
    assert [d["date"] for d in graph["days"]] == ["2025-02-03"]
    assert answer(session, "get_dates_of_last_6_month_without_stress")["dates"] == ["2025-02-03"]
    assert answer(session, "get_dates_of_last_6_month_with_stress")["dates"] == []
    assert len(answer(session, "calculate_daily_stress_for_6_month")["days"]) == 1


def test_every_insight_handler_method(session: dict[str, Any]) -> None:
    handler = session["results"]["handler"]
    assert set(handler) == MACROS
    for name, value in handler.items():
        assert isinstance(value, dict) and value.get("user_id") == session["alice"].id, (name, value)
    assert handler["get_user_alltime_insights"]["data"][0]["start"] == "2025-02-01"  # month
    assert handler["get_user_insights_stats"]["start_date"] == "2025-02-03"  # week of Monday 3 February
    assert handler["get_user_battery"]["date"] == "2025-02-04" and handler["get_user_battery"]["timezone"] == "+0200"
    assert handler["get_first_day_of_the_week"]["first_day_of_week"] == "sunday"  # set to 6 just before


def test_macros_are_refused_when_insights_are_off(
    session: dict[str, Any], server: RunningServer, neurospeed_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    acme = session["acme"]
    server.cli("neurospeed", "access", acme.email, "--insights", "off")
    try:
        spec = {**session["spec"], "stream": False, "handler": False}
        results = run_runner(neurospeed_python, spec, tmp_path_factory.mktemp("ns-insights-off"))
    finally:
        server.cli("neurospeed", "access", acme.email, "--insights", "on")
    for name, entry in results["macros"].items():
        assert entry == {"user": None, "customer": None}, name
    assert "Customer isn't authorized to access insights" in results["stdout"]
