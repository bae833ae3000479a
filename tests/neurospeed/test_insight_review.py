"""Regression tests of the insight-engine review: bounded queue, sane timestamps, per-user flush, sleep staging
guards, date limits and access flags (real server over HTTP/Socket.IO where it is about behaviour)."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from braindock.server.neurospeed import insight_functions as fn
from braindock.server.neurospeed.insights_engine import InsightEngine
from braindock.server.storage.database import Database
from braindock.server.storage.models import Account
from braindock.server.storage.neurospeed_models import NsCustomer, NsInsightMinute, NsUser
from tests.neurospeed.conftest import (
    Customer,
    barrier,
    create_recorder,
    get_recorder,
    new_customer,
    open_hia,
    open_user_room,
    put_status,
)


def ppg_packet(stream_id: str, rows: np.ndarray, channels: int = 1, fs: float = 100.0) -> SimpleNamespace:
    sensor = SimpleNamespace(kind="ppg", sampling_frequency=fs, stream_id=stream_id, channel_count=channels)
    return SimpleNamespace(sensor=sensor, rows=rows.tolist())


def block(t0: float, n: int, fs: float = 100.0) -> np.ndarray:
    t = t0 + np.arange(n) / fs
    return np.column_stack([np.sin(2 * np.pi * 1.2 * t), t])


# -- 1. bounded work -----------------------------------------------------------------------------------------


def test_one_queued_window_per_stream_and_a_global_cap() -> None:
    engine = InsightEngine(lambda: None, max_queued=3)
    gate = threading.Event()
    engine._pool.submit(gate.wait)  # the worker is busy: every due window waits
    try:
        for packet_number in range(40):  # 20 s of signal per packet, timestamps jumping a day each time
            for stream in range(6):
                engine.output("sid", 1, ppg_packet(f"S{stream}", block(1.7e9 + 86_400 * packet_number, 2_000)))
            stats = engine.stats()
            assert stats["queued"] <= 3
            assert all(w.queued in (True, False) for w in engine.windows.values())
        stats = engine.stats()
        assert stats["queued"] == 3 and stats["streams"] == 6
        assert stats["skipped_global"] > 0  # streams 3-5 never got a slot
        assert stats["skipped_stream"] == 3 * 39  # the queued streams were never queued twice
    finally:
        gate.set()
        asyncio.run(engine.stop())
    assert engine.stats()["queued"] == 0 and engine.computed == 3


def test_jumping_client_timestamps_do_not_trigger_computations() -> None:
    engine = InsightEngine(lambda: None)
    gate = threading.Event()
    engine._pool.submit(gate.wait)
    try:
        for number in range(2_000):  # one row per packet, each 5 s later than the previous one
            engine.output("sid", 1, ppg_packet("P", block(1.7e9 + 5.0 * number, 1)))
        # 2 000 rows = 20 s at 100 Hz: the rows received decide, not the 10 000 s the timestamps claim
        # due once the ring holds 15 s (1 500 rows) and again 5 s (500 rows) later: two, of which one is queued
        assert engine.stats()["queued"] == 1
        assert engine.windows[("sid", "P")].skipped == 1
    finally:
        gate.set()
        asyncio.run(engine.stop())


def test_snapshots_are_float32_and_the_ring_is_not_copied_on_the_packet_path() -> None:
    engine = InsightEngine(lambda: None)
    gate = threading.Event()
    engine._pool.submit(gate.wait)
    try:
        engine.output("sid", 1, ppg_packet("P", block(1.7e9, 2_000)))
        window = engine.windows[("sid", "P")]
        assert window.queued and window.buffer.dtype == np.float32
        data, stamps = window.snapshot()
        assert data.dtype == np.float32 and stamps.dtype == np.float64 and len(data) == 2_000
    finally:
        gate.set()
        asyncio.run(engine.stop())


def test_a_too_wide_stream_is_counted_and_forget_after_stop_is_harmless() -> None:
    engine = InsightEngine(lambda: None)
    sensor = SimpleNamespace(kind="eeg", sampling_frequency=10_000.0, stream_id="WIDE", channel_count=512)
    answer = engine.output("sid", 1, SimpleNamespace(sensor=sensor, rows=[[0.0] * 512 + [1.7e9]] * 10))
    assert engine.stats()["unanalysable_streams"] == 1
    assert set(answer["cognitive_analysis"]) == {"eeg_engagement", "eeg_relaxation"}
    asyncio.run(engine.stop())
    engine.forget("sid")  # after stop: no RuntimeError
    asyncio.run(engine.stop())  # idempotent
    assert engine.windows == {}


# -- 2. timestamps and the per-user flush --------------------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'insights.sqlite'}")
    db.migrate()
    with db.session() as session:
        account = Account(email=f"{uuid.uuid4().hex}@example.com", password_hash="x")
        session.add(account)
        session.flush()
        customer = NsCustomer(owner_id=account.id, account_id=uuid.uuid4().hex)
        session.add(customer)
        session.flush()
        for user_id in (1, 2):
            session.add(NsUser(id=user_id, customer_id=customer.id, username=f"u{user_id}", password_hash="x"))
    return db


def test_minutes_flush_per_user_skipping_deleted_users_and_bad_timestamps(database: Database) -> None:
    engine = InsightEngine(lambda: database)
    engine.check_dialect()
    # user 1 ok; user 2 sends millisecond timestamps; user 3 does not exist (deleted meanwhile)
    engine._minutes[(3, 28_000_000, "heart_rate")] = [1, 60.0, 60.0, 60.0]
    engine._minutes[(1, 2**40, "heart_rate")] = [1, 61.0, 61.0, 61.0]  # beyond 32 bits: BigInteger
    engine.output("a", 1, ppg_packet("P", block(1.7e9, 2_000)))
    engine.output("b", 2, ppg_packet("P", block(1.7e12, 2_000)))
    asyncio.run(engine.stop())
    assert engine.computed == 2 and engine.bad_timestamps == 1 and engine.flush_failures == 0
    with database.session() as session:
        rows = session.query(NsInsightMinute).all()
    assert {r.user_id for r in rows} == {1}
    minutes = {r.minute for r in rows}
    assert 2**40 in minutes and int((1.7e9 + 1999 / 100) // 60) in minutes


def test_an_unsupported_database_is_refused_at_start_up() -> None:
    fake = SimpleNamespace(engine=SimpleNamespace(dialect=SimpleNamespace(name="mssql")))
    engine = InsightEngine(lambda: fake)  # type: ignore[arg-type, return-value]
    with pytest.raises(RuntimeError, match="SQLite and PostgreSQL, not 'mssql'"):
        engine.warm_up()
    asyncio.run(engine.stop())


# -- 4. RMSSD from the cleaned intervals ---------------------------------------------------------------------


def test_rmssd_uses_only_adjacent_valid_intervals() -> None:
    fs = 100.0
    rr = np.array([0.80, 0.82, 0.79, 0.85, 0.81, 0.10, 0.83, 0.80, 2.50, 0.78, 0.84])  # two artefacts
    peaks = np.concatenate([[0], np.cumsum(np.round(rr * fs))]).astype(int)
    intervals = np.diff(peaks) / fs
    ok = (intervals >= 0.3) & (intervals <= 2.0)
    diffs = [intervals[i + 1] - intervals[i] for i in range(len(intervals) - 1) if ok[i] and ok[i + 1]]
    expected = 1000.0 * float(np.sqrt(np.mean(np.square(diffs))))
    assert fn.rmssd_ms(peaks, fs) == pytest.approx(expected)
    assert fn.rmssd_ms(peaks[:4], fs) is None  # too few intervals


# -- 3, 6, 7, 9 over HTTP and Socket.IO ----------------------------------------------------------------------


def post(customer: Customer, token: str | None, name: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    with customer.http(token) as api:
        response = api.post(f"/users/settings/insights/{name}", json=body)
    assert response.status_code == status, response.text
    return response.json()


def eeg_sensor(stream_id: str) -> dict[str, Any]:
    return {
        stream_id: {
            "device_type": "EEG",
            "channel_count": 1,
            "channel_map": ["C4"],
            "sampling_frequency": 100.0,
            "stream_id": stream_id,
            "stream_state": "enabled",
        }
    }


def pipeline(stream_id: str, rows: list[list[float]], device_type: str = "EEG") -> dict[str, Any]:
    return {
        "stream_id": stream_id,
        "device_type": device_type,
        "hia_id": "x",
        "data": json.dumps({"sample": rows}),
        "experiment": {"packet_labels": ["none"], "onetime_labels": ["none"]},
    }


def test_sleep_staging_of_equal_timestamps_answers_a_reason(acme: Customer) -> None:
    frank = acme.create_user()
    recorder = create_recorder(acme, frank, "equal-stamps")
    t0 = datetime(2025, 4, 7, 1, 0, tzinfo=UTC).timestamp()
    hia = open_hia(frank, eeg_sensor("EEG_SAME"), hia_id="SAME1")
    try:
        for _ in range(5):
            hia.client.emit("pipeline", pipeline("EEG_SAME", [[float(i), t0] for i in range(100)]))
        barrier(hia)
    finally:
        hia.close()
    assert put_status(acme, recorder["id"], "stopped").status_code == 200
    assert get_recorder(acme, recorder["id"])["status"] == "stopped"
    for name in ("weekly_best_sleep", "weekly_worst_sleep", "weekly_best_sleep"):  # the third from the cache
        answer = post(acme, frank.access, name, {"user_id": None, "daily_date": "2025-04-08"})
        assert answer["sleep"] is None and "no sampling frequency" in answer["reason"], answer


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("daily_stress", {"daily_date": "9999-12-31", "local_timezone": None}, "daily_date"),
        ("weekly_stress_change", {"daily_date": "0001-01-01", "local_timezone": None}, "daily_date"),
        ("calendar/calendar_stress_graph", {"todays_date": "0001-03-01"}, "todays_date"),
        (
            "alltime",
            {"start_date": "1960-01-01", "end_date": "9999-12-31", "insight_path": "heart_rate", "boundry": "day"},
            "start_date",
        ),
    ],
)
def test_dates_outside_the_range_are_a_400_naming_the_field(
    acme: Customer, name: str, body: dict[str, Any], field: str
) -> None:
    gina = acme.create_user()
    answer = post(acme, gina.access, name, {"user_id": None, **body}, 400)
    assert field in answer["message"] and "between 1970-01-01 and 9998-12-31" in answer["message"]
    edge = post(
        acme, gina.access, "weekly_stress_change", {"user_id": None, "daily_date": "1970-01-01", "local_timezone": None}
    )
    assert edge["week_start"] == "1969-12-29"


def test_access_flags_turn_off_live_values_and_sleep_reading(server) -> None:  # type: ignore[no-untyped-def]
    for insights in ("on", "off"):
        customer = new_customer(server)
        server.cli("neurospeed", "access", customer.email, "--insights", insights, "--recordings", "off")
        hank = customer.create_user()
        room = open_user_room(hank)
        sensors = {
            "PPG_FLAG": {
                "device_type": "PPG",
                "channel_count": 1,
                "channel_map": ["PPG"],
                "sampling_frequency": 100.0,
                "stream_id": "PPG_FLAG",
                "stream_state": "enabled",
            }
        }
        hia = open_hia(hank, sensors, hia_id="FLAG" + insights)
        try:
            t0 = 1.7e9
            hia.client.emit("pipeline", pipeline("PPG_FLAG", [[0.5, t0 + i / 100] for i in range(100)], "PPG"))
            barrier(hia)
            output = room.wait_count("data", 1)[0]["output"]
            if insights == "on":
                assert set(output["cognitive_analysis"]) == {"heart_rate", "hrv_rmssd", "stress_index"}
            else:
                assert output.get("cognitive_analysis", {}) == {} and "heart" not in output
        finally:
            hia.close()
            room.close()
        if insights == "on":
            answer = post(customer, hank.access, "weekly_best_sleep", {"user_id": None, "daily_date": "2025-04-08"})
            assert answer["sleep"] is None and "recordings access is off" in answer["reason"]


# -- 7. time zones -------------------------------------------------------------------------------------------


def test_an_iana_zone_gives_the_real_local_day_on_dst_days(acme: Customer) -> None:
    from braindock.server.neurospeed import insights_store as store

    ivy = acme.create_user()
    start, stop = store.day_span("Europe/Paris", datetime(2026, 3, 29).date())
    assert start * 60 == datetime(2026, 3, 28, 23, 0, tzinfo=UTC).timestamp() and stop - start == 23 * 60
    assert store.local_hour_of_day(int(datetime(2026, 3, 29, 0, 30, tzinfo=UTC).timestamp() // 60), "Europe/Paris") == 1
    assert store.local_hour_of_day(int(datetime(2026, 3, 29, 1, 30, tzinfo=UTC).timestamp() // 60), "Europe/Paris") == 3
    for day, hours in (("2026-03-29", 23), ("2026-10-25", 25), ("2026-03-30", 24)):
        body = {"user_id": None, "daily_date": day, "local_timezone": "Europe/Paris"}
        battery = post(acme, ivy.access, "battery", body)
        assert len(battery["hours"]) == hours, (day, battery["hours"])


def test_months_back_clamps_and_refuses_year_zero() -> None:
    from datetime import date

    from braindock.server.neurospeed import insights_store as store

    assert store.months_back(date(2025, 8, 31), 6) == date(2025, 2, 28)
    assert store.months_back(date(2024, 8, 31), 6) == date(2024, 2, 29)
    with pytest.raises(ValueError, match="before year 1"):
        store.months_back(date(1, 3, 1), 6)


def test_every_insight_endpoint_documents_its_shape_in_openapi(server) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from braindock.server.neurospeed.routes_insights import POST_FIELDS

    spec = httpx.get(server.url + "/openapi.json", timeout=60).json()
    for name in POST_FIELDS:
        description = spec["paths"][f"/api/users/settings/insights/{name}"]["post"]["description"]
        assert "Returns" in description or "As ``" in description, name
        assert "see the README" not in description and "403" in description


def test_zone_grouping_puts_each_row_at_its_own_local_hour(database: Database) -> None:
    from braindock.server.neurospeed import insights_store as store

    moments = [datetime(2026, 3, 28, 23, 30, tzinfo=UTC), datetime(2026, 3, 29, 0, 30, tzinfo=UTC)]
    moments.append(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))  # after the 01:00 UTC change to CEST
    with database.session() as session:
        for moment in moments:
            minute = int(moment.timestamp() // 60)
            session.add(
                NsInsightMinute(
                    user_id=1,
                    minute=minute,
                    function="stress_index",
                    count=1,
                    total=100.0,
                    minimum=100.0,
                    maximum=100.0,
                )
            )
    with database.session() as session:
        hours = store.zone_grouped(session, 1, None, None, "hour_of_day", "Europe/Paris")
        days = store.zone_grouped(session, 1, None, None, "day", "Europe/Paris")
        fixed = store.grouped(session, 1, None, None, "hour_of_day", 60)
    assert [g.key for g in hours] == [0, 1, 3]  # 00:30 CET, 01:30 CET, 03:30 CEST
    assert [g.key for g in fixed] == [0, 1, 2]  # one offset for all: the last one an hour off
    assert [(g.key, g.minutes) for g in days] == [(store.day_number(datetime(2026, 3, 29).date()), 3)]
