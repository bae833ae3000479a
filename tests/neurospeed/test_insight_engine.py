"""The insight engine (``output.cognitive_analysis``) and every insight endpoint on real streamed data.

Real PPG (heartpy's ``data3.csv``) and real EEG (PhysioNet EEGMMIDB S001R02) are streamed over ``/hia`` with
sample timestamps on a fixed date (2025-02-03, late evening UTC, so that ``+0200`` moves them to the next local
day); the values that reach the user room are checked against heartpy and the formulas on the same window, then
the endpoints' aggregates against what was streamed. Packets are paced (a short pause every few) so that the
engine's worker never has to skip a window; nothing asserts on timing.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from scipy.signal import welch

from braindock.server.neurospeed import insight_functions as fn
from tests.neurospeed.conftest import (
    Customer,
    User,
    barrier,
    create_recorder,
    get_recorder,
    new_customer,
    open_hia,
    open_user_room,
    put_status,
)

heartpy = pytest.importorskip("heartpy", reason="the PPG recording ships in heartpy (the 'demo' extra)")
demo = pytest.importorskip("braindock.demo_neurospeed")
try:
    PPG = demo.load_ppg(180.0)
    EEG = demo.load_eeg(30.0)
except demo.MissingDemoData as exc:  # pragma: no cover - the demo extra is installed by make
    pytest.skip(str(exc), allow_module_level=True)

PPG_T0 = datetime(2025, 2, 3, 22, 30, tzinfo=UTC).timestamp()
EEG_T0 = datetime(2025, 2, 3, 22, 40, tzinfo=UTC).timestamp()
WAIT_S = 120.0


def sensor(signal: Any, stream_id: str) -> dict[str, Any]:
    return {stream_id: demo.sensor_info(signal, stream_id, "test")}


def stream(user: User, signal: Any, stream_id: str, t0: float, packet_s: float = 1.0) -> tuple[list[Any], np.ndarray]:
    """Stream ``signal`` with sample timestamps from ``t0``; returns the user room's events and the timestamps."""
    room = open_user_room(user)
    hia = open_hia(user, sensor(signal, stream_id), hia_id="INS" + uuid.uuid4().hex[:6])
    fs = signal.sampling_frequency
    stamps = t0 + np.arange(len(signal.samples)) / fs
    try:
        for number, (first, end) in enumerate(signal.packet_bounds(packet_s)):
            rows = [[*map(float, signal.samples[i]), float(stamps[i])] for i in range(first, end)]
            hia.client.emit(
                "pipeline",
                {
                    "stream_id": stream_id,
                    "device_type": signal.device_type,
                    "hia_id": "x",
                    "data": json.dumps({"sample": rows}),
                    "experiment": {"packet_labels": ["none"], "onetime_labels": ["none"]},
                },
            )
            if number % 5 == 4:  # pace: the worker computes one window per 5 s of signal
                barrier(hia)
                time.sleep(0.05)
            if end / fs > fn.MIN_WINDOW_S[signal.device_type.lower()] and not any(
                e["output"].get("cognitive_analysis_window") for e in room.of("data")
            ):
                # until the first window is back (imports warming up), one packet at a time: nothing is skipped
                barrier(hia)
                time.sleep(0.2)
        barrier(hia)
        count = len(signal.packet_bounds(packet_s))
        room.wait_for(
            lambda: len([e for e in room.of("data") if e["stream_id"] == stream_id]) >= count, "every data event"
        )
        return [e for e in room.of("data") if e["stream_id"] == stream_id], stamps
    finally:
        hia.close()
        room.close()


def post(customer: Customer, token: str | None, name: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    with customer.http(token) as api:
        response = api.post(f"/users/settings/insights/{name}", json=body)
    assert response.status_code == status, response.text
    return response.json()


def wait_minutes(customer: Customer, user: User, function: str, minutes: int) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while True:
        with customer.http(user.access) as api:
            answer = api.get("/users/settings/insights").json()
        if answer["functions"].get(function, {}).get("minutes", 0) >= minutes or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


@pytest.fixture(scope="module")
def streamed(acme: Customer) -> dict[str, Any]:
    """alice streams 180 s of PPG and 30 s of EEG; the stored minutes are waited for."""
    alice = acme.create_user()
    ppg_events, ppg_stamps = stream(alice, PPG, "PPG_INSIGHT", PPG_T0)
    eeg_events, eeg_stamps = stream(alice, EEG, "EEG_INSIGHT", EEG_T0, packet_s=0.5)
    wait_minutes(acme, alice, "heart_rate", 3)
    summary = wait_minutes(acme, alice, "eeg_engagement", 1)
    return {
        "alice": alice,
        "ppg": (ppg_events, ppg_stamps),
        "eeg": (eeg_events, eeg_stamps),
        "summary": summary,
    }


# -- the functions, on the demo data -------------------------------------------------------------------------


def test_heart_rate_matches_heartpy_on_every_minute_of_the_ppg() -> None:
    fs = PPG.sampling_frequency
    for start in (0, 60, 120):
        window = PPG.samples[int(start * fs) : int((start + 60) * fs)]
        ours = fn.heart_rate(window, fs)
        _, theirs = heartpy.process(window[:, 0], fs)
        assert ours is not None and abs(ours - theirs["bpm"]) <= 5.0, (start, ours, theirs["bpm"])
        values = fn.compute("ppg", window, fs)
        assert values["heart_rate"] == pytest.approx(ours)
        assert values["hrv_rmssd"] is not None and 5 < values["hrv_rmssd"] < 300
        assert values["stress_index"] == pytest.approx(
            fn.baevsky_stress_index(fn.rr_intervals(fn.ppg_beats(window, fs), fs))
        )


def _band(freqs: np.ndarray, psd: np.ndarray, lo: float, hi: float) -> float:
    mask = (freqs >= lo) & (freqs < hi)
    return float(np.trapezoid(psd[mask], freqs[mask]))


def engagement_formula(samples: np.ndarray, fs: float) -> tuple[float, float]:
    """β/(α+θ) and α/β by hand: Welch (2-s Hann segments) averaged over channels, trapezoid band integrals."""
    freqs, psd = welch(samples, fs=fs, nperseg=int(2 * fs), axis=0)
    psd = psd.mean(axis=1)
    theta, alpha, beta = _band(freqs, psd, 4, 8), _band(freqs, psd, 8, 13), _band(freqs, psd, 13, 30)
    return beta / (alpha + theta), alpha / beta


def test_eeg_engagement_and_relaxation_equal_the_formulas() -> None:
    engagement, relaxation = engagement_formula(EEG.samples, EEG.sampling_frequency)
    assert fn.eeg_engagement(EEG.samples, EEG.sampling_frequency) == pytest.approx(engagement, rel=1e-9)
    assert fn.eeg_relaxation(EEG.samples, EEG.sampling_frequency) == pytest.approx(relaxation, rel=1e-9)
    # eyes closed: alpha dominates beta
    assert relaxation > 1.0


def test_baevsky_index_by_hand() -> None:
    rr = np.array([0.80, 0.82, 0.81, 0.79, 0.90, 0.84, 0.81])
    # mode bin [0.80, 0.85) holds 5 of 7 → AMo = 71.43 %, Mo = 0.825 s, MxDMn = 0.11 s
    assert fn.baevsky_stress_index(rr) == pytest.approx((100 * 5 / 7) / (2 * 0.825 * 0.11))
    assert fn.baevsky_stress_index(rr[:3]) is None
    assert fn.baevsky_stress_index(np.full(8, 0.8)) is None


def test_eda_functions_on_simulated_skin_conductance() -> None:
    import neurokit2 as nk

    signal = nk.eda_simulate(duration=60, sampling_rate=50, scr_number=6, drift=0.0, random_state=3)
    values = fn.compute("gsr", signal[:, None], 50.0)
    assert 3.0 <= values["eda_phasic_peaks_per_minute"] <= 9.0
    assert values["eda_tonic"] == pytest.approx(float(np.mean(signal)), rel=0.5)
    flat = fn.compute("eda", np.full((3000, 1), 2.5), 50.0)
    assert flat == {"eda_tonic": 2.5, "eda_phasic_peaks_per_minute": 0.0}
    assert fn.compute("eda", np.zeros((10, 1)), 50.0) == {"eda_tonic": None, "eda_phasic_peaks_per_minute": None}


def test_insight_ids_resolve() -> None:
    assert fn.resolve("output$neurobrave_stress2") == "stress_index"
    assert fn.resolve("output$cognitive_analysis$heart_rate") == "heart_rate"
    assert fn.resolve("eeg_engagement") == "eeg_engagement"
    with pytest.raises(ValueError, match="unknown insight"):
        fn.resolve("output$nothing")


# -- live values ---------------------------------------------------------------------------------------------


def test_live_ppg_values_match_heartpy_on_the_same_window(streamed: dict[str, Any]) -> None:
    events, stamps = streamed["ppg"]
    computed = [e for e in events if e["output"]["cognitive_analysis_window"] is not None]
    assert computed, "no computed window reached the room"
    last = computed[-1]["output"]
    window = last["cognitive_analysis_window"]
    picked = (stamps >= window["start"] - 1e-6) & (stamps <= window["end"] + 1e-6)
    assert int(picked.sum()) == window["samples"]
    samples = PPG.samples[picked]
    _, measures = heartpy.process(samples[:, 0], PPG.sampling_frequency)
    live = last["cognitive_analysis"]
    assert abs(live["heart_rate"] - measures["bpm"]) <= 5.0
    assert set(live) == {"heart_rate", "hrv_rmssd", "stress_index"}
    assert last["heart"] == live  # the PPG stream's own processed block
    expected = fn.compute("ppg", samples.astype(np.float32).astype(float), PPG.sampling_frequency)
    assert live["heart_rate"] == pytest.approx(expected["heart_rate"], rel=1e-6)
    assert live["stress_index"] == pytest.approx(expected["stress_index"], rel=1e-6)
    assert "brainwave_power" not in last


def test_live_eeg_engagement_equals_the_formula_on_the_same_window(streamed: dict[str, Any]) -> None:
    events, stamps = streamed["eeg"]
    last = [e for e in events if e["output"]["cognitive_analysis_window"] is not None][-1]["output"]
    window = last["cognitive_analysis_window"]
    picked = (stamps >= window["start"] - 1e-6) & (stamps <= window["end"] + 1e-6)
    samples = EEG.samples[picked].astype(np.float32).astype(float)
    engagement, relaxation = engagement_formula(samples, EEG.sampling_frequency)
    assert last["cognitive_analysis"]["eeg_engagement"] == pytest.approx(engagement, rel=1e-6)
    assert last["cognitive_analysis"]["eeg_relaxation"] == pytest.approx(relaxation, rel=1e-6)
    assert set(last["brainwave_power"]) >= {"alpha", "beta", "theta"}


# -- stored minutes and the endpoints ------------------------------------------------------------------------


def test_summary_counts_the_streamed_minutes(streamed: dict[str, Any]) -> None:
    functions = streamed["summary"]["functions"]
    # 180 s of PPG from 22:30:00 → windows end in 22:30, 22:31, 22:32; 30 s of EEG from 22:40 → 22:40
    assert functions["heart_rate"]["minutes"] == 3
    assert functions["heart_rate"]["first_minute"] == "2025-02-03T22:30:00+00:00"
    assert functions["heart_rate"]["last_minute"] == "2025-02-03T22:32:00+00:00"
    assert functions["eeg_engagement"]["minutes"] == 1
    _, theirs = heartpy.process(PPG.samples[:, 0], PPG.sampling_frequency)
    assert abs(functions["heart_rate"]["mean"] - theirs["bpm"]) <= 5.0
    for stats in functions.values():
        assert all(np.isfinite(stats[k]) for k in ("mean", "min", "max"))
        assert stats["min"] <= stats["mean"] <= stats["max"]


@pytest.mark.parametrize("boundry", ["hour", "day", "week", "month"])
def test_alltime_buckets(acme: Customer, streamed: dict[str, Any], boundry: str) -> None:
    alice = streamed["alice"]
    body = {
        "user_id": alice.id,
        "start_date": "2025-01-01",
        "end_date": "2025-02-28",
        "insight_path": "output$neurobrave_stress2",
        "boundry": boundry,
    }
    answer = post(acme, None, "alltime", body)
    assert answer["function"] == "stress_index" and answer["boundry"] == boundry
    (bucket,) = answer["data"]
    start = {"hour": "2025-02-03T22:00:00+00:00", "day": "2025-02-03", "week": "2025-02-03", "month": "2025-02-01"}
    assert bucket["start"] == start[boundry]
    assert bucket["minutes"] == 3 and bucket["stress_minutes"] + bucket["rest_minutes"] == 3
    summary = streamed["summary"]["functions"]["stress_index"]
    assert bucket["mean"] == pytest.approx(summary["mean"]) and bucket["samples"] == summary["samples"]
    body["end_date"] = "2025-02-02"
    assert post(acme, None, "alltime", body)["data"] == []


def test_daily_stats_and_timezones(acme: Customer, streamed: dict[str, Any]) -> None:
    alice = streamed["alice"]
    stats = post(
        acme,
        alice.access,
        "daily_stats",
        {"user_id": None, "daily_date": "2025-02-03", "insight_id": "heart_rate", "time_type": "hour"},
    )
    assert stats["stats"]["minutes"] == 3 and [b["start"] for b in stats["data"]] == ["2025-02-03T22:00:00+00:00"]
    every = post(
        acme,
        alice.access,
        "all_daily_stats",
        {"user_id": None, "daily_date": "2025-02-05", "insight_id": "heart_rate", "time_type": "week"},
    )
    assert every["start_date"] == "2025-02-03" and every["end_date"] == "2025-02-09"
    assert every["functions"]["eeg_engagement"]["stats"]["minutes"] == 1
    assert every["functions"]["eda_tonic"]["stats"]["minutes"] == 0

    def daily(day: str, tz: str | None) -> dict[str, Any]:
        return post(acme, None, "daily_stress", {"user_id": alice.id, "daily_date": day, "local_timezone": tz})

    assert daily("2025-02-03", None)["measured_minutes"] == 3
    assert daily("2025-02-04", None)["measured_minutes"] == 0
    local = daily("2025-02-04", "+0200")  # 22:30 UTC is 00:30 the next day at +02:00
    assert local["measured_minutes"] == 3 and local["timezone"] == "+0200"
    assert [h["hour"] for h in local["hours"]] == [0]
    assert daily("2025-02-03", "-05:00")["measured_minutes"] == 3
    hourly = post(
        acme, None, "hourly_insights", {"user_id": alice.id, "daily_date": "2025-02-04", "local_timezone": "+0200"}
    )
    assert hourly["data"][0]["hour"] == 0 and hourly["data"][0]["start"] == "2025-02-04T00:00:00+02:00"
    assert hourly["data"][0]["functions"]["heart_rate"]["minutes"] == 3
    history = post(acme, None, "history_hourly_insights", {"user_id": alice.id, "local_timezone": "+0200"})
    assert [h["hour"] for h in history["data"]] == [0]
    assert history["data"][0]["functions"]["eeg_engagement"]["minutes"] == 1


def test_stress_baseline_battery_and_weekly(acme: Customer, streamed: dict[str, Any]) -> None:
    alice = streamed["alice"]
    base = post(acme, None, "stress_baseline", {"user_id": alice.id, "insight_id": "output$neurobrave_stress2"})
    assert base["minutes"] == 3 and base["p25"] <= base["baseline"] <= base["p75"]
    battery = post(acme, None, "battery", {"user_id": alice.id, "daily_date": "2025-02-03", "local_timezone": None})
    stress, rest = battery["stress_minutes"], battery["rest_minutes"]
    assert stress + rest == 3
    # the documented model: 1350 unmeasured minutes until 22:30 (-0.02 each), the 3 measured ones (-0.5 per
    # stress minute, +0.25 per rest minute), then 87 unmeasured ones; never clamped on this path
    expected = 100.0 - 0.02 * 1350 - 0.5 * stress + 0.25 * rest - 0.02 * (1440 - 1353)
    assert battery["battery"] == pytest.approx(expected, abs=0.05)
    assert len(battery["hours"]) == 24
    body = {"user_id": alice.id, "daily_date": "2025-02-06", "local_timezone": None}
    average = post(acme, None, "weekly_stress_average", body)
    assert average["week_start"] == "2025-02-03" and average["measured_minutes"] == 3
    assert average["average"] == pytest.approx(streamed["summary"]["functions"]["stress_index"]["mean"])
    change = post(acme, None, "weekly_stress_change", body)
    assert change["previous_average"] is None and change["change"] is None
    later = post(acme, None, "weekly_stress_change", {**body, "daily_date": "2025-02-12"})
    assert later["previous_average"] == pytest.approx(average["average"]) and later["average"] is None
    index = post(acme, None, "weekly_stress_index", body)
    assert index["stress_index"] == pytest.approx(100 * index["stress_minutes"] / 3)
    stressful = post(acme, None, "weekly_stressful_time", body)
    quiet = post(acme, None, "weekly_quiet_time", body)
    assert stressful["hour"] == quiet["hour"] == 22 and stressful["start"] == "22:00"
    local = post(acme, None, "weekly_quiet_time", {**body, "local_timezone": "+0200"})
    assert local["hour"] == 0


def test_calendar(acme: Customer, streamed: dict[str, Any]) -> None:
    alice = streamed["alice"]
    body = {"user_id": alice.id, "todays_date": "2025-03-31"}
    graph = post(acme, None, "calendar/calendar_stress_graph", body)
    assert graph["start_date"] == "2024-09-30" and [d["date"] for d in graph["days"]] == ["2025-02-03"]
    with_stress = post(acme, None, "calendar/dates_of_last_6_month_with_stress", body)["dates"]
    without = post(acme, None, "calendar/dates_of_last_6_month_without_stress", body)["dates"]
    assert with_stress == [] and without == ["2025-02-03"]  # fewer than 5 stress minutes in 3 minutes
    six = post(acme, None, "calendar/calculate_daily_stress_for_6_month", body)
    day = graph["days"][0]
    assert six["days"][0]["stress_percent"] == pytest.approx(100 * day["stress_minutes"] / day["minutes"])
    assert post(acme, None, "calendar/calendar_stress_graph", {**body, "todays_date": "2026-01-01"})["days"] == []


def test_sleep_without_long_eeg_answers_a_reason(acme: Customer, streamed: dict[str, Any]) -> None:
    answer = post(acme, None, "weekly_best_sleep", {"user_id": streamed["alice"].id, "daily_date": "2025-02-03"})
    assert answer["sleep"] is None and "5 min" in answer["reason"]
    answer = post(acme, None, "weekly_worst_sleep", {"user_id": streamed["alice"].id, "daily_date": "2025-02-03"})
    assert answer["sleep"] is None and answer["recordings_staged"] == 0


def test_first_day_of_week_is_stored_and_moves_weeks(acme: Customer) -> None:
    bob = acme.create_user()
    with acme.http(bob.access) as api:
        path = "/users/settings/insights/weekly_first_day_of_week"
        assert api.get(path).json()["first_day_of_week"] == "monday"
        answer = api.post(path, json={"user_id": None, "first_day_of_week": "sunday"}).json()
        assert answer["first_day_of_week"] == "sunday" and answer["first_day_of_week_index"] == 6
        assert api.get(path).json()["first_day_of_week"] == "sunday"
        response = api.post(path, json={"user_id": None, "first_day_of_week": 9})
        assert response.status_code == 400 and "first_day_of_week" in response.json()["message"]
    week = post(
        acme, bob.access, "weekly_stress_index", {"user_id": None, "daily_date": "2025-02-05", "local_timezone": None}
    )
    assert week["week_start"] == "2025-02-02" and week["first_day_of_week"] == "sunday"
    with acme.http() as api:
        api.post(path, json={"user_id": bob.id, "first_day_of_week": 2})
        assert api.get(path, params={"user_id": bob.id}).json()["first_day_of_week"] == "wednesday"


def test_bad_input_and_tenant_isolation(acme: Customer, globex: Customer, streamed: dict[str, Any]) -> None:
    alice = streamed["alice"]
    body = {"user_id": alice.id, "daily_date": "2025-02-03", "local_timezone": "+25:00"}
    assert "local_timezone" in post(acme, None, "daily_stress", body, 400)["message"]
    body["local_timezone"] = "Mars/Olympus"
    assert "local_timezone" in post(acme, None, "daily_stress", body, 400)["message"]
    bad = {"user_id": alice.id, "insight_id": "output$nothing"}
    assert "insight_id" in post(acme, None, "stress_baseline", bad, 400)["message"]
    stats = {"user_id": alice.id, "daily_date": "2025-02-03", "insight_id": "heart_rate", "time_type": "year"}
    assert "time_type" in post(acme, None, "daily_stats", stats, 400)["message"]
    # another customer never sees alice's minutes
    assert "not found" in post(globex, None, "daily_stress", {**body, "local_timezone": None}, 404)["message"]
    with globex.http() as api:
        assert api.get("/users/settings/insights", params={"user_id": alice.id}).status_code == 404
    carol = globex.create_user()
    with globex.http(carol.access) as api:
        assert api.get("/users/settings/insights").json()["functions"] == {}


def test_access_flags_from_the_cli(server) -> None:  # type: ignore[no-untyped-def]
    initech = new_customer(server)
    dave = initech.create_user()
    flags = json.loads(server.cli("neurospeed", "access", initech.email))
    assert flags == {"insights": True, "recordings": True, "raw_data": True}
    changed = server.cli("neurospeed", "access", initech.email, "--insights", "off", "--recordings", "off")
    assert json.loads(changed) == {"insights": False, "recordings": False, "raw_data": True}
    for token in (initech.access, dave.access):
        with initech.http(token) as api:
            assert api.get("/customers/customers_access/get_insight_access").json() == {"access": False}
            assert api.get("/customers/customers_access/get_recordings_access").json() == {"access": False}
            assert api.get("/customers/customers_access/get_raw_data_access").json() == {"access": True}
    body = {"user_id": None, "daily_date": "2025-02-03", "local_timezone": None}
    assert "insights access is off" in post(initech, dave.access, "daily_stress", body, 403)["message"]
    with initech.http() as api:
        assert api.get("/users/settings/insights", params={"user_id": dave.id}).status_code == 403
        response = api.post("/gateway/recorder", json={"username": dave.username, "unlimited": "true"})
        assert response.status_code == 403 and "recordings access is off" in response.json()["message"]
        assert api.post("/gateway/recorder/list", json={"pager": {}, "filters": {}}).status_code == 403
    server.cli("neurospeed", "access", initech.email, "--raw-data", "off", "--insights", "on")
    room = open_user_room(dave)
    assert room.refused is not None and "raw data access is off" in room.refused["message"]
    post(initech, dave.access, "daily_stress", body)
    bad = server.cli_result("neurospeed", "access", initech.email, "--insights", "maybe")
    assert bad.returncode != 0 and "--insights must be on or off" in bad.stderr


def test_sleep_staging_with_yasa_on_a_recorded_eeg(acme: Customer) -> None:
    """A 6-minute single-channel EEG recording (synthetic: brown noise plus a 10 Hz alpha rhythm) is staged by
    YASA; a 2-minute one in the same week is listed as too short."""
    pytest.importorskip("yasa")
    erin = acme.create_user()
    fs = 100.0
    rng = np.random.default_rng(7)
    for minutes, t0 in ((6, datetime(2025, 3, 3, 1, 0, tzinfo=UTC)), (2, datetime(2025, 3, 4, 1, 0, tzinfo=UTC))):
        recorder = create_recorder(acme, erin, f"night-{minutes}")
        n = int(minutes * 60 * fs)
        noise = np.cumsum(rng.standard_normal(n)) * 0.5
        signal = (
            noise - np.convolve(noise, np.ones(200) / 200, "same") + 20 * np.sin(2 * np.pi * 10 * np.arange(n) / fs)
        )
        stamps = t0.timestamp() + np.arange(n) / fs
        sensors = {
            "EEG_NIGHT": {
                "device_type": "EEG",
                "channel_count": 1,
                "channel_map": ["C4"],
                "sampling_frequency": fs,
                "stream_id": "EEG_NIGHT",
                "stream_state": "enabled",
            }
        }
        hia = open_hia(erin, sensors, hia_id=f"NIGHT{minutes}")
        try:
            for first in range(0, n, 1000):
                rows = [[float(signal[i]), float(stamps[i])] for i in range(first, min(n, first + 1000))]
                hia.client.emit(
                    "pipeline",
                    {
                        "stream_id": "EEG_NIGHT",
                        "device_type": "EEG",
                        "hia_id": "x",
                        "data": json.dumps({"sample": rows}),
                        "experiment": {"packet_labels": ["none"], "onetime_labels": ["none"]},
                    },
                )
                barrier(hia)
        finally:
            hia.close()
        assert put_status(acme, recorder["id"], "stopped").status_code == 200
        assert get_recorder(acme, recorder["id"])["status"] == "stopped"
    best = post(acme, erin.access, "weekly_best_sleep", {"user_id": None, "daily_date": "2025-03-05"})
    staged = best["sleep"]
    assert best["recordings_staged"] == 1 and best["reason"] is None, best["reason"]
    assert staged["epochs"] == 12 and staged["channel"] == "C4" and staged["minutes"] == pytest.approx(6.0, abs=0.01)
    assert sum(staged["stages"].values()) == pytest.approx(6.0)
    assert staged["total_sleep_minutes"] == pytest.approx(6.0 - staged["stages"]["W"])
    assert 0.0 <= staged["sleep_efficiency"] <= 100.0
    worst = post(acme, erin.access, "weekly_worst_sleep", {"user_id": None, "daily_date": "2025-03-05"})
    assert worst["sleep"] == staged  # the only stageable recording of the week
    elsewhere = post(acme, erin.access, "weekly_best_sleep", {"user_id": None, "daily_date": "2025-03-12"})
    assert elsewhere["sleep"] is None and "no recording in this week" in elsewhere["reason"]


def test_window_ring_keeps_the_newest_samples_in_order_and_is_bounded() -> None:
    from types import SimpleNamespace

    from braindock.server.neurospeed.insights_engine import MAX_WINDOW_VALUES, InsightEngine, StreamWindow

    window = StreamWindow(1, "ppg", 10.0, 1, capacity=25)
    for start in range(0, 60, 7):  # packets of 7 rows wrap around the 25-row ring
        rows = np.arange(start, start + 7, dtype=float)[:, None]
        window.append(rows, rows[:, 0] / 10.0)
    data, stamps = window.snapshot()
    assert data[:, 0].tolist() == list(range(38, 63)) and stamps.tolist() == [v / 10 for v in range(38, 63)]
    engine = InsightEngine(lambda: None)
    try:
        sensor = SimpleNamespace(kind="eeg", sampling_frequency=10_000.0, stream_id="EEG_BIG", channel_count=64)
        engine.output("sid", 1, SimpleNamespace(sensor=sensor, rows=[[0.0] * 64 + [1.0]]))
        big = engine.windows[("sid", "EEG_BIG")]
        assert big.capacity * big.channels <= MAX_WINDOW_VALUES  # 30 s × 10 kHz × 64 ch would be 19.2 M values
        engine.forget("sid")
        assert engine.windows == {}
    finally:
        engine._pool.shutdown(wait=True)
