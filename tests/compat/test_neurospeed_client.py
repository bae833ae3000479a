"""The unmodified official ``neurospeed==2.3.5`` client against a live braindock server (``neurospeed.md``).

One run of ``scripts/neurospeed_runner.py`` (in ``.compat-venvs/neurospeed-2.3.5``) drives a whole session:
logins and refreshes, every room handler, an HIA streaming with ``send_data`` and ``send_data_direct``, labels,
``macros.start_recording`` → ``stop_recording`` → ``download_data``, and the attempts of another user and
another customer to listen to and export the recording. The tests below assert its JSON results and check the
same facts through braindock's HTTP API directly.
"""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.compat.conftest import run_neurospeed_runner
from tests.conftest import RunningServer
from tests.neurospeed.conftest import USER_PASSWORD, Customer, User, new_customer

PASSWORD = "customer-password"
CHANNELS = {"EEG_COMPAT": ("Fp1", "Fp2"), "user_data_COMPAT": ("speed", "rpm")}


class Session:
    """The runner's results with the accounts it used."""

    def __init__(self, results: dict[str, Any], acme: Customer, globex: Customer, alice: User, bob: User) -> None:
        self.results = results
        self.acme, self.globex, self.alice, self.bob = acme, globex, alice, bob

    def step(self, name: str) -> dict[str, Any]:
        entry = self.results["steps"][name]
        assert entry["exception"] is None, f"{name}: {entry['exception']}\n{entry.get('traceback')}"
        return entry

    def value(self, name: str) -> Any:
        return self.step(name)["value"]

    def room(self, name: str) -> list[Any]:
        return self.results["rooms"][name]

    def sent(self, phase: str) -> list[dict[str, Any]]:
        return [sample for sample in self.results["sent"] if sample["phase"] == phase]

    @property
    def recorder_id(self) -> int:
        return int(self.results["recorder_id"])

    def csv_rows(self) -> tuple[list[str], list[dict[str, str]]]:
        text = self.value("download_data")["csv"]
        reader = csv.DictReader(io.StringIO(text))
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def session(neurospeed_python: Path, server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Session:
    acme, globex = new_customer(server), new_customer(server)
    alice = acme.create_user(f"alice-{uuid.uuid4().hex[:8]}")
    bob = acme.create_user(f"bob-{uuid.uuid4().hex[:8]}")
    workdir = tmp_path_factory.mktemp("neurospeed-official")
    spec = {
        "api": server.url,
        "customer": {"email": acme.email, "password": PASSWORD},
        "other_customer": {"email": globex.email, "password": PASSWORD},
        "user": {"account_id": acme.account_id, "username": alice.username, "password": USER_PASSWORD},
        "other_user": {"account_id": acme.account_id, "username": bob.username, "password": USER_PASSWORD},
        "save_folder": str(workdir / "downloads"),
        "wait_s": 60,
    }
    results = run_neurospeed_runner(neurospeed_python, spec, workdir)
    assert results["version"] == "2.3.5" and results["socketio"] == "5.3.0"
    return Session(results, acme, globex, alice, bob)


def test_customer_and_user_login_and_refresh(session: Session) -> None:
    for who in ("customer", "other_customer", "user", "other_user"):
        assert session.value(f"{who}_login") is True
    assert session.value("customer_wrong_password") is False
    assert session.value("user_wrong_password") is False
    for who in ("customer", "user"):
        refreshed = session.value(f"{who}_refresh")  # the new access token may equal the old within one second
        assert refreshed["refresh_rotated"] is True and refreshed["has_tokens"] is True
    assert session.value("customer_details")["email"] == session.acme.email
    assert session.value("user_raw_data_access") is True
    # a stale access token gets 401 "Unauthorized": the client refreshes, retries once, and succeeds (2.6)
    stale = session.step("customer_stale_token_refreshes")
    assert stale["value"]["token_replaced"] is True and stale["value"]["result"] == []  # no HIA connected yet
    assert stale["http_errors"] == []


def test_rooms_connect_and_strangers_are_refused(session: Session) -> None:
    for name in ("user_room", "as_customer", "customer_room", "other_user_room", "other_customer_room"):
        assert session.value(f"connect_{name}") is True, name
    # another customer asking for alice's room by username is refused at the handshake
    assert session.value("connect_other_customer_as_customer") is False


def test_hia_presence_events_reach_the_user_and_customer_rooms(session: Session) -> None:
    assert session.value("hia_connect") is True
    assert session.value("presence_connect") is True and session.value("presence_disconnect") is True
    for name in ("user_room.events", "as_customer.events"):
        events = session.room(name)
        assert [(e["type"], e["hia_id"], e["username"]) for e in events] == [
            ("connect", "COMPAT1", session.alice.username),
            ("disconnect", "COMPAT1", session.alice.username),
        ]
        assert set(events[0]["sensors"]) == set(CHANNELS)
        assert events[0]["sensors"]["EEG_COMPAT"]["channel_map"] == ["Fp1", "Fp2"]
    (connected,) = session.room("customer_room.connect")
    (disconnected,) = session.room("customer_room.disconnect")
    assert connected["hia_id"] == disconnected["hia_id"] == "COMPAT1"


def test_room_data_carries_every_sample_with_server_side_device_types(session: Session) -> None:
    assert session.room("hia.pipeline_error") == []  # the server accepted every packet the client built
    for name in ("user_room.data", "as_customer.data"):
        events = session.room(name)
        received = {row[0]: (event, row) for event in events for row in event["data"]["sample"]}
        assert set(received) == {s["values"][0] for s in session.results["sent"]}, name
        for sample in session.results["sent"]:
            event, row = received[sample["values"][0]]
            assert row[:2] == sample["values"] and event["stream_id"] == sample["stream_id"]
            assert event["hia_id"] == "COMPAT1" and event["username"] == session.alice.username
            # send_data labels every queued packet with the first sensor's type; the server uses sensor_info
            assert event["device_type"] == ("EEG" if sample["stream_id"] == "EEG_COMPAT" else "user_data")
            assert event["sensor_info"]["channel_map"] == list(CHANNELS[sample["stream_id"]])
            if sample["timestamp"] is not None:
                assert row[2] == sample["timestamp"]
        eeg = [event for event in events if event["stream_id"] == "EEG_COMPAT"]
        assert all(set(e["output"]["brainwave_power"]) >= {"alpha", "beta", "delta"} for e in eeg)


def test_other_users_and_customers_receive_nothing(session: Session) -> None:
    for name in (
        "other_user_room.data",
        "other_user_room.events",
        "other_customer_room.connect",
        "other_customer_room.disconnect",
        "other_customer_as_customer.data",
        "other_customer_as_customer.events",
    ):
        assert session.room(name) == [], name


def test_recording_macros_export_exactly_the_samples_sent_while_recording(session: Session) -> None:
    assert session.results["recorder_id"] == str(session.recorder_id)  # the macro returns a string (4.5)
    for name in ("data_before_arrived", "data_phase_one_arrived", "data_phase_two_arrived", "data_after_arrived"):
        assert session.value(name) is True, name
    assert "recorder status: stopped" in session.step("stop_recording")["printed"]
    recorder = session.value("get_recorder")
    assert recorder["status"] == "stopped" and recorder["username"] == session.alice.username
    assert sorted(recorder["stream_ids"]) == sorted(CHANNELS)
    assert {"phase-one", "phase-two"} <= set(recorder["experiment_labels"])
    assert [item["id"] for item in session.value("list_recorders")["pager"]["items"]] == [session.recorder_id]

    download = session.value("download_data")
    assert Path(download["path"]).name.startswith("_compat-session") and download["path"].endswith(".csv")
    header, rows = session.csv_rows()
    assert header[:4] == ["timestamp", "packets_counter", "stream_id", "device_type"]
    channel_columns = [name for name in header if ":" in name]  # streams in order of first appearance
    assert sorted(channel_columns) == sorted(f"{s}:{c}" for s, channels in CHANNELS.items() for c in channels)
    during = session.sent("during")
    assert len(rows) == len(during) == 17
    by_marker: dict[float, dict[str, str]] = {}
    for row in rows:
        stream = row["stream_id"]
        first, second = CHANNELS[stream]
        by_marker[float(row[f"{stream}:{first}"])] = row
        other = next(s for s in CHANNELS if s != stream)
        assert all(row[f"{other}:{channel}"] == "" for channel in CHANNELS[other])
    assert set(by_marker) == {sample["values"][0] for sample in during}
    for sample in during:
        row = by_marker[sample["values"][0]]
        stream = sample["stream_id"]
        assert float(row[f"{stream}:{CHANNELS[stream][1]}"]) == sample["values"][1]
        assert row["device_type"] == ("EEG" if stream == "EEG_COMPAT" else "user_data")
        assert row["hia_id"] == "COMPAT1"
        assert row["packet_labels"] == row["onetime_labels"] == sample["label"]
        if sample["timestamp"] is not None:
            assert float(row["timestamp"]) == sample["timestamp"]
    client_time = [by_marker[s["values"][0]]["timestamp"] for s in during if s["how"] == "send_data_direct/client_time"]
    assert len(client_time) == 2 and len(set(client_time)) == 1  # one time.time() for the whole packet (7.6)
    stamps = [float(row["timestamp"]) for row in rows]
    assert stamps == sorted(stamps)
    counters = {int(row["packets_counter"]) for row in rows}
    assert min(counters) == 1 and recorder["packets_count"] == max(counters) == len(counters)


def test_the_same_export_through_braindocks_http_api(session: Session) -> None:
    headers = {"Authorization": f"Bearer {session.acme.access}"}
    with httpx.Client(base_url=session.acme.server.url + "/api", headers=headers, timeout=60) as api:
        recorder = api.get(f"/gateway/recorder/{session.recorder_id}").json()
        assert recorder == {**session.value("get_recorder"), "updated_at": recorder["updated_at"]}
        listed = api.post(
            "/gateway/exporter/list",
            json={"pager": {"page_number": 1, "page_size": 5}, "filters": {"username": session.alice.username}},
        ).json()["pager"]["items"]
        assert [item["id"] for item in listed] == [session.results["exporter_id"]]
        assert listed[0]["status"] == "exported" and listed[0]["rows_count"] == 17
        url = api.get("/gateway/exporter/url", params={"exporter_id": listed[0]["id"]}).json()["url"]
    download = httpx.get(url, timeout=60)  # self-authorising, like the macro's bare requests.get (5.3)
    assert download.status_code == 200 and download.text == session.value("download_data")["csv"]


def test_other_user_and_other_customer_cannot_read_or_export(session: Session) -> None:
    # another customer: the recording and its exporter do not exist for it (404), and nothing is listed
    for operation in ("get_recorder", "stop_recorder", "create_exporter", "get_exporter", "get_exported_url"):
        entry = session.step(f"other_customer_{operation}")
        assert entry["value"] is None and [e["status"] for e in entry["http_errors"]] == [404], operation
    assert session.value("other_customer_list_exporters")["pager"]["items"] == []
    download = session.results["steps"]["other_customer_download_data"]
    assert download["exception"] is not None and download["exception"].startswith("TypeError")  # None["id"] (9.4)
    assert [e["status"] for e in download["http_errors"]] == [404]
    # a user token (another user of the same customer, or alice herself) is denied the customer's recorder API
    for who in ("other_user", "user"):
        for operation in ("get_recorder", "stop_recorder", "create_exporter", "get_exporter", "get_exported_url"):
            entry = session.step(f"{who}_{operation}")
            assert entry["value"] is None and [e["status"] for e in entry["http_errors"]] == [403], (who, operation)
        assert session.step(f"{who}_list_exporters")["http_errors"][0]["status"] == 403
    # checked directly: the recorder is untouched and only acme has an exporter for it
    assert session.value("get_recorder")["status"] == "stopped"
    with session.globex.http() as api:
        assert api.get(f"/gateway/recorder/{session.recorder_id}").status_code == 404
        response = api.post(
            "/gateway/exporter",
            json={"recorder_id": session.recorder_id, "exporter_config": {"custom_name": "x"}, "unlimited": True},
        )
        assert response.status_code == 404
    with session.acme.http(session.bob.access) as api:
        assert api.get(f"/gateway/recorder/{session.recorder_id}").status_code == 403
    with session.acme.http() as api:
        listed = api.post("/gateway/exporter/list", json={"pager": {"page_number": 1, "page_size": 50}}).json()
        assert [item["recorder_id"] for item in listed["pager"]["items"]] == [session.recorder_id]
