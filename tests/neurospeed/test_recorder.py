"""Recorder over HTTP and real ``/hia`` sockets (``neurospeed.md`` 3.6, 4): state machine, one active recorder
per user, what a recording captures, soft delete, customer isolation, durability across a SIGKILL."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import start_server
from tests.neurospeed.conftest import (
    Customer,
    User,
    barrier,
    connected_hia,
    create_recorder,
    eeg_sensor,
    get_recorder,
    new_customer,
    packet,
    put_status,
    read_packets,
    rows,
    send,
)


def test_state_machine(acme: Customer) -> None:
    user = acme.create_user()
    recorder = create_recorder(acme, user)
    rid = recorder["id"]
    assert recorder["status"] == "recording" and recorder["request_status"] == "recording"
    assert recorder["is_active"] is True and recorder["packets_count"] == 0 and recorder["username"] == user.username
    for key in (
        "recorder_name",
        "recorder_size",
        "columns",
        "experiment_labels",
        "stream_ids",
        "minimum_timestamp",
        "maximum_timestamp",
        "created_at",
        "updated_at",
    ):
        assert key in recorder
    assert get_recorder(acme, rid)["status"] == "recording"
    # recording + pending: no-op
    response = put_status(acme, rid, "pending")
    assert response.status_code == 200 and response.json()["status"] == "recording"
    assert response.json()["request_status"] == "pending"
    # forcing recording or an unknown value: 400 with a message
    for bad in ("recording", "bogus", ""):
        response = put_status(acme, rid, bad)
        assert response.status_code == 400, response.text
        assert "paused, pending or stopped" in response.json()["message"]
    response = put_status(acme, rid, "paused")
    assert response.status_code == 200 and response.json()["status"] == "paused"
    assert put_status(acme, rid, "paused").json()["status"] == "paused"
    assert put_status(acme, rid, "recording").status_code == 400
    # paused + pending → pending → recording (automatic)
    response = put_status(acme, rid, "pending")
    assert response.status_code == 200 and response.json()["status"] == "recording"
    response = put_status(acme, rid, "stopped")
    assert response.status_code == 200 and response.json()["status"] == "stopped"
    # synchronous: the next GET already reports stopped
    stopped = get_recorder(acme, rid)
    assert stopped["status"] == "stopped" and stopped["is_active"] is False
    # stopped: stopped is an idempotent no-op, paused/pending are conflicts
    assert put_status(acme, rid, "stopped").status_code == 200
    for value in ("paused", "pending"):
        response = put_status(acme, rid, value)
        assert response.status_code == 409 and "stopped" in response.json()["message"]
    assert put_status(acme, rid, "recording").status_code == 400
    with acme.http() as api:
        assert api.put("/gateway/recorder", data={"status": "stopped"}).status_code == 400  # no id
        assert api.put("/gateway/recorder", params={"id": "abc"}, data={"status": "stopped"}).status_code == 400
        assert api.put("/gateway/recorder", params={"id": "99999999"}, data={"status": "stopped"}).status_code == 404


def test_one_active_recorder_per_user(acme: Customer) -> None:
    user = acme.create_user()
    other = acme.create_user()
    first = create_recorder(acme, user)
    with acme.http() as api:
        response = api.post(
            "/gateway/recorder", json={"username": user.username, "recorder_name": None, "unlimited": "true"}
        )
        assert response.status_code == 409
        assert f"User {user.username} already has an active recorder" in response.json()["message"]
        # a paused recorder still blocks
        put_status(acme, first["id"], "paused")
        assert api.post("/gateway/recorder", json={"username": user.username}).status_code == 409
        # other users are independent
        create_recorder(acme, other)
        assert api.post("/gateway/recorder", json={"username": "no-such-user"}).status_code == 404
    put_status(acme, first["id"], "stopped")
    second = create_recorder(acme, user, name=None)
    assert second["id"] != first["id"] and second["recorder_name"] is None
    with acme.http() as api:
        body = {"pager": {"page_number": 1, "page_size": 50}, "filters": {"username": user.username}}
        items = api.post("/gateway/recorder/list", json=body).json()["pager"]["items"]
    assert [(item["id"], item["status"]) for item in items] == [(second["id"], "recording"), (first["id"], "stopped")]
    put_status(acme, second["id"], "stopped")


def test_recording_keeps_exactly_the_packets_sent_while_recording(acme: Customer, closing) -> None:
    user = acme.create_user()
    sensors = eeg_sensor("EEG_REC", channels=2)
    hia = connected_hia(user, sensors, closing)
    t0 = 1738575541.0
    send(hia, "EEG_REC", rows(t0, 100), "before")
    barrier(hia)
    recorder = create_recorder(acme, user)
    rid = recorder["id"]
    send(hia, "EEG_REC", rows(t0 + 1, 200), "phase one")
    send(hia, "EEG_REC", rows(t0 + 2, 300), "phase one")
    barrier(hia)
    assert get_recorder(acme, rid)["packets_count"] == 2
    put_status(acme, rid, "paused")
    send(hia, "EEG_REC", rows(t0 + 3, 400), "paused")
    barrier(hia)
    put_status(acme, rid, "pending")
    # a rejected packet (wrong width) never reaches the recording
    hia.client.emit("pipeline", packet("EEG_REC", [[1.0, 2.0, 3.0, 4.0, 5.0]]))
    send(hia, "EEG_REC", rows(t0 + 4, 500), "phase two")
    barrier(hia)
    stopped = put_status(acme, rid, "stopped").json()
    send(hia, "EEG_REC", rows(t0 + 5, 600), "after")
    barrier(hia)

    assert stopped["status"] == "stopped" and stopped["packets_count"] == 3
    final = get_recorder(acme, rid)
    assert final["packets_count"] == 3
    assert final["stream_ids"] == ["EEG_REC"]
    assert final["experiment_labels"] == ["phase one", "phase two"]
    assert final["columns"] == [
        "timestamp",
        "packets_counter",
        "stream_id",
        "device_type",
        "hia_id",
        "ch0",
        "ch1",
        "packet_labels",
        "onetime_labels",
    ]
    assert final["minimum_timestamp"] == pytest.approx(t0 + 1)
    assert final["maximum_timestamp"] == pytest.approx(t0 + 4 + 2 / 128)
    assert final["recorder_size"] > 0
    stored = read_packets(acme.server, rid)
    assert [p["n"] for p in stored] == [1, 2, 3]
    assert [p["r"] for p in stored] == [rows(t0 + 1, 200), rows(t0 + 2, 300), rows(t0 + 4, 500)]
    assert [p["pl"] for p in stored] == [["phase one"], ["phase one"], ["phase two"]]
    assert [p["ol"] for p in stored] == [["phase one"], ["phase one"], ["phase two"]]
    assert {(p["s"], p["d"], p["h"]) for p in stored} == {("EEG_REC", "EEG", "LAB3PC")}


def test_recording_takes_every_hia_and_stream_of_the_user(acme: Customer, closing) -> None:
    user = acme.create_user()
    bystander = acme.create_user()
    gsr = {"GSR_1": {"device_type": "GSR", "channel_count": 1, "channel_map": ["gsr"], "sampling_frequency": 4}}
    first = connected_hia(user, {**eeg_sensor("EEG_X"), **gsr}, closing, hia_id="HIA-1")
    second = connected_hia(user, eeg_sensor("EEG_Y"), closing, hia_id="HIA-2")
    stranger = connected_hia(bystander, eeg_sensor("EEG_X"), closing, hia_id="HIA-9")
    recorder = create_recorder(acme, user)
    send(first, "EEG_X", rows(10.0, 1), "a")
    send(first, "GSR_1", [[0.5, 10.5]], "a")
    send(second, "EEG_Y", rows(11.0, 7), "b")
    send(stranger, "EEG_X", rows(12.0, 9), "z")
    for hia in (first, second, stranger):
        barrier(hia)
    final = put_status(acme, recorder["id"], "stopped").json()
    assert final["packets_count"] == 3
    assert sorted(final["stream_ids"]) == ["EEG_X", "EEG_Y", "GSR_1"]
    assert sorted(final["hia_ids"]) == ["HIA-1", "HIA-2"]
    assert set(final["experiment_labels"]) == {"a", "b"}
    assert {f"{s}:{c}" for s, c in [("EEG_X", "ch0"), ("GSR_1", "gsr"), ("EEG_Y", "ch1")]} <= set(final["columns"])
    stored = read_packets(acme.server, recorder["id"])
    assert sorted(p["n"] for p in stored) == [1, 2, 3]
    assert {p["s"]: p["d"] for p in stored} == {"EEG_X": "EEG", "GSR_1": "GSR", "EEG_Y": "EEG"}


def test_delete_is_soft_and_customers_are_isolated(acme: Customer, globex: Customer, closing) -> None:
    user = acme.create_user()
    hia = connected_hia(user, eeg_sensor("EEG_D"), closing)
    recorder = create_recorder(acme, user)
    rid = recorder["id"]
    send(hia, "EEG_D", rows(20.0, 1), "x")
    barrier(hia)
    with globex.http() as api:
        assert api.get(f"/gateway/recorder/{rid}").status_code == 404
        assert api.put("/gateway/recorder", params={"id": rid}, data={"status": "stopped"}).status_code == 404
        assert api.delete("/gateway/recorder", params={"recorder_id": rid}).status_code == 404
        assert api.post("/gateway/recorder", json={"username": user.username}).status_code == 404
        items = api.post("/gateway/recorder/list", json={"pager": {"page_number": 1, "page_size": 50}}).json()
        assert rid not in [item["id"] for item in items["pager"]["items"]]
    with httpx.Client(base_url=acme.server.url + "/api", headers={"Authorization": f"Bearer {user.access}"}) as api:
        assert api.get(f"/gateway/recorder/{rid}").status_code == 403  # user token on a customer endpoint
    assert get_recorder(acme, rid)["status"] == "recording"
    with acme.http() as api:
        response = api.delete("/gateway/recorder", params={"recorder_id": str(rid)})
        assert response.status_code == 200 and response.json() is True
        body = {"pager": {"page_number": 1, "page_size": 50}, "filters": {"username": user.username}}
        assert api.post("/gateway/recorder/list", json=body).json()["pager"]["items"] == []
    deleted = get_recorder(acme, rid)
    assert deleted["status"] == "stopped" and deleted["deleted"] is True and deleted["is_active"] is False
    assert not (Path(acme.server.data_dir) / "recordings" / str(rid)).exists()
    # the user's slot is free again
    put_status(acme, create_recorder(acme, user)["id"], "stopped")


def test_recording_survives_sigkill(tmp_path: Path, closing) -> None:
    server = start_server(tmp_path / "data")
    try:
        customer = new_customer(server)
        user = customer.create_user()
        hia = connected_hia(user, eeg_sensor("EEG_K"), closing)
        recorder = create_recorder(customer, user)
        rid = recorder["id"]
        sent = [rows(30.0 + i, 10 * i) for i in range(5)]
        for block in sent:
            send(hia, "EEG_K", block, "kept")
        barrier(hia)
        time.sleep(2.0)  # > 1 s: the background sync has fsync'd the packets (not a timed assertion)
        server.process.kill()
        server.process.wait(timeout=30)
        hia.close()
    finally:
        server.stop()
    restarted = start_server(tmp_path / "data")
    try:
        customer = Customer(restarted, customer.email, customer.access, customer.refresh, customer.account_id)
        user = User(customer, user.id, user.username, user.access, user.refresh)
        resumed = get_recorder(customer, rid)
        assert resumed["status"] == "recording"  # decision: recorders resume after a restart
        assert resumed["packets_count"] == 5
        assert [p["r"] for p in read_packets(restarted, rid)] == sent
        # the resumed recorder keeps recording once the HIA reconnects
        hia = connected_hia(user, eeg_sensor("EEG_K"), closing)
        send(hia, "EEG_K", rows(40.0, 99), "later")
        barrier(hia)
        final = put_status(customer, rid, "stopped").json()
        assert final["packets_count"] == 6 and final["experiment_labels"] == ["kept", "later"]
        assert [p["n"] for p in read_packets(restarted, rid)] == [1, 2, 3, 4, 5, 6]
    finally:
        restarted.stop()


def test_graceful_shutdown_keeps_everything(tmp_path: Path, closing) -> None:
    """A normal stop (SIGTERM) fsyncs open recordings at once: no wait needed before stopping."""
    server = start_server(tmp_path / "data")
    try:
        customer = new_customer(server)
        user = customer.create_user()
        hia = connected_hia(user, eeg_sensor("EEG_G"), closing)
        rid = create_recorder(customer, user)["id"]
        put_status(customer, rid, "paused")
        send(hia, "EEG_G", rows(50.0, 1), "not kept")
        barrier(hia)
        put_status(customer, rid, "pending")
        sent = [rows(60.0 + i, 10 * i) for i in range(3)]
        for block in sent:
            send(hia, "EEG_G", block, "kept")
        barrier(hia)
        hia.close()
    finally:
        server.stop()
    assert "Application shutdown complete" in server.log()
    restarted = start_server(tmp_path / "data")
    try:
        customer = Customer(restarted, customer.email, customer.access, customer.refresh, customer.account_id)
        resumed = get_recorder(customer, rid)
        assert resumed["status"] == "recording" and resumed["packets_count"] == 3
        assert resumed["experiment_labels"] == ["kept"]
        assert [p["r"] for p in read_packets(restarted, rid)] == sent
    finally:
        restarted.stop()


def test_store_repairs_a_torn_tail(tmp_path: Path) -> None:
    """A crash mid-write leaves half a line: start-up cuts it and recomputes the stats from what is complete."""
    from braindock.server.neurospeed.recording_store import PacketFile, encode, read_records, repair, scan

    store = PacketFile(tmp_path / "7")
    first = {"n": 1, "t": 1.0, "s": "EEG_A", "d": "EEG", "h": "H", "r": [[1.0, float("nan"), 5.5]], "pl": ["a"],
             "ol": ["a"], "c": ["x", "y"]}  # fmt: skip
    second = {**first, "n": 2, "r": [[2.0, 3.0, 6.5]], "pl": ["b"], "ol": ["b"]}
    store.append(encode(first))
    store.append(encode(second))
    store.append(encode({**first, "n": 3})[:25])  # torn
    store.close()
    assert [r["n"] for r in read_records(store.path)] == [1, 2]
    repair(store.path)
    assert store.path.read_bytes().endswith(b"\n")
    stats = scan(store.path)
    assert stats.packets_count == 2 and stats.labels == ["a", "b"] and stats.hia_ids == ["H"]
    assert stats.sensors == {"EEG_A": {"device_type": "EEG", "channels": ["x", "y"]}}
    assert (stats.minimum, stats.maximum) == (5.5, 6.5)
    assert stats.size == store.path.stat().st_size
