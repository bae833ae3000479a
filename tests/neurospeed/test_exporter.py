"""Exporter end to end (``neurospeed.md`` 3.7, 5): record over a real ``/hia`` socket, export in the background,
download through the signed link without credentials, parse the CSV with pandas."""

from __future__ import annotations

import hashlib
import hmac
import io
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pandas as pd
import pytest

from tests.neurospeed.conftest import (
    Customer,
    User,
    barrier,
    connected_hia,
    create_recorder,
    eeg_sensor,
    put_status,
    rows,
    run_export,
    send,
)

WAIT_S = 120.0
CONFIG = {
    "custom_name": "session-A",
    "start_timestamp_mode": "start",
    "end_timestamp_mode": "end",
    "stream_ids": [],
    "is_all_streams": True,
    "is_all_columns": True,
    "selected_columns": [],
}


def record(customer: Customer, user: User, closing, streams: dict[str, Any], packets: list) -> int:  # type: ignore[no-untyped-def]
    """Record ``packets`` = ``[(stream_id, rows, label), ...]`` from one HIA; returns the stopped recorder's id."""
    hia = connected_hia(user, streams, closing)
    rid = create_recorder(customer, user)["id"]
    for stream_id, block, label in packets:
        send(hia, stream_id, block, label)
    barrier(hia)
    assert put_status(customer, rid, "stopped").json()["packets_count"] == len(packets)
    return rid


def export(customer: Customer, recorder_id: int | str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create an exporter and poll until it is ``exported``."""
    return run_export(customer, recorder_id, config or CONFIG)


def download(customer: Customer, exporter_id: int) -> tuple[str, httpx.Response]:
    with customer.http() as api:
        response = api.get("/gateway/exporter/url", params={"exporter_id": str(exporter_id)})
    assert response.status_code == 200, response.text
    url = response.json()["url"]
    assert url.startswith("http://") or url.startswith("https://")
    return url, httpx.get(url, timeout=60)  # no Authorization, like the macro


def frame(response: httpx.Response) -> pd.DataFrame:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert not response.content.startswith(b"\xef\xbb\xbf")
    return pd.read_csv(io.StringIO(response.text), dtype={"stream_id": str, "hia_id": str})


def test_export_end_to_end(acme: Customer, closing) -> None:
    user = acme.create_user()
    t0 = 1738575541.021484
    packets = [("EEG_E", rows(t0, 10), "phase one"), ("EEG_E", rows(t0 + 1, 20), "phase, two")]
    rid = record(acme, user, closing, eeg_sensor("EEG_E"), packets)
    exporter = export(acme, str(rid))
    assert exporter["exporter_name"] == "session-A"
    assert exporter["recorder"]["id"] == rid and exporter["export_config"]["custom_name"] == "session-A"
    assert exporter["file_size"] > 0
    url, response = download(acme, exporter["id"])
    assert urlsplit(url).path.endswith(".csv")
    header = response.text.splitlines()[0]
    assert header == "timestamp,packets_counter,stream_id,device_type,hia_id,ch0,ch1,packet_labels,onetime_labels"
    data = frame(response)
    expected = pd.DataFrame(
        [
            [row[-1], n, "EEG_E", "EEG", "LAB3PC", row[0], row[1], label, label]
            for n, (_, block, label) in enumerate(packets, start=1)
            for row in block
        ],
        columns=header.split(","),
    ).replace({"phase, two": "phase  two"})  # the hub replaces commas in labels (7.7)
    pd.testing.assert_frame_equal(data, expected, check_exact=False, atol=1e-6)
    # timestamps are written with 6 decimals
    assert response.text.splitlines()[1].startswith("1738575541.021484,1,EEG_E,EEG,LAB3PC,10,-2.5,")
    with acme.http() as api:
        body = {"pager": {"page_number": 1, "page_size": 5}, "filters": {"username": user.username}}
        items = api.post("/gateway/exporter/list", json=body).json()["pager"]["items"]
        assert [item["id"] for item in items] == [exporter["id"]]


def test_export_options(acme: Customer, closing) -> None:
    user = acme.create_user()
    gsr = {"GSR_1": {"device_type": "GSR", "channel_count": 1, "channel_map": ["gsr"], "sampling_frequency": 4}}
    packets = [
        ("EEG_M", rows(100.0, 1, 2), "a"),
        ("GSR_1", [[0.5, 100.25]], "a"),
        ("EEG_M", rows(200.0, 5, 2), "b"),
        ("GSR_1", [[0.75, 200.5]], "b"),
    ]
    rid = record(acme, user, closing, {**eeg_sensor("EEG_M"), **gsr}, packets)
    # all streams: prefixed channel columns, other streams' cells empty, ordered by timestamp
    data = frame(download(acme, export(acme, rid)["id"])[1])
    assert list(data.columns) == [
        "timestamp",
        "packets_counter",
        "stream_id",
        "device_type",
        "hia_id",
        "EEG_M:ch0",
        "EEG_M:ch1",
        "GSR_1:gsr",
        "packet_labels",
        "onetime_labels",
    ]
    assert list(data["packets_counter"]) == [1, 1, 2, 3, 3, 4]
    assert list(data["stream_id"]) == ["EEG_M", "EEG_M", "GSR_1", "EEG_M", "EEG_M", "GSR_1"]
    assert list(data["device_type"]) == ["EEG", "EEG", "GSR", "EEG", "EEG", "GSR"]
    assert data["GSR_1:gsr"].isna().tolist() == [True, True, False, True, True, False]
    # one stream, selected columns (identity columns always kept), a time window
    config = {
        **CONFIG,
        "custom_name": "gsr only",
        "stream_ids": ["GSR_1"],
        "is_all_streams": False,
        "is_all_columns": False,
        "selected_columns": ["gsr"],
        "start_timestamp_mode": "custom_value",
        "custom_start_timestamp": "150",
        "end_timestamp_mode": "interval_minutes",
        "custom_timestamp_interval": 1,
    }
    data = frame(download(acme, export(acme, rid, config)["id"])[1])
    assert list(data.columns) == ["timestamp", "packets_counter", "stream_id", "device_type", "gsr"]
    assert data.values.tolist() == [[200.5, 4, "GSR_1", "GSR", 0.75]]
    config = {**CONFIG, "end_timestamp_mode": "custom_value", "custom_end_timestamp": 100.01}
    data = frame(download(acme, export(acme, rid, config)["id"])[1])
    assert data["timestamp"].tolist() == [100.0, 100.0078125]
    with acme.http() as api:
        bad = [
            {**CONFIG, "custom_name": None},
            {**CONFIG, "start_timestamp_mode": "custom_value", "custom_start_timestamp": 1738575541000},
            {**CONFIG, "stream_ids": ["NOPE"], "is_all_streams": False},
            {**CONFIG, "selected_columns": ["nope"], "is_all_columns": False},
            {**CONFIG, "end_timestamp_mode": "whenever"},
        ]
        for config in bad:
            response = api.post("/gateway/exporter", json={"recorder_id": rid, "exporter_config": config})
            assert response.status_code == 400, (config, response.text)


def test_links_and_isolation(acme: Customer, globex: Customer, closing) -> None:
    user = acme.create_user()
    rid = record(acme, user, closing, eeg_sensor("EEG_L"), [("EEG_L", rows(5.0, 1), "x")])
    exporter = export(acme, rid)
    url, response = download(acme, exporter["id"])
    assert response.status_code == 200
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    tampered = {**query, "signature": ("0" if query["signature"][0] != "0" else "1") + query["signature"][1:]}
    assert httpx.get(base, params=tampered).status_code == 403
    assert httpx.get(base, params={**query, "expires": str(int(query["expires"]) + 60)}).status_code == 403
    assert httpx.get(base).status_code == 403
    # an expired link signed with the right key is refused
    key = bytes.fromhex((Path(acme.server.data_dir) / "neurospeed-jwt.key").read_text().strip())
    link_key = hmac.new(key, b"braindock neurospeed exporter download links", hashlib.sha256).digest()
    expired = int(time.time()) - 1
    signature = hmac.new(link_key, f"{exporter['id']}:{expired}".encode(), hashlib.sha256).hexdigest()
    response = httpx.get(base, params={"expires": str(expired), "signature": signature})
    assert response.status_code == 403 and "expired" in response.json()["message"]
    # another customer sees nothing and cannot export
    with globex.http() as api:
        assert api.get(f"/gateway/exporter/{exporter['id']}").status_code == 404
        assert api.get("/gateway/exporter/url", params={"exporter_id": exporter["id"]}).status_code == 404
        assert api.delete("/gateway/exporter", params={"exporter_id": exporter["id"]}).status_code == 404
        assert api.post("/gateway/exporter", json={"recorder_id": rid, "exporter_config": CONFIG}).status_code == 404
        listed = api.post("/gateway/exporter/list", json={"pager": {"page_number": 1, "page_size": 100}}).json()
        assert exporter["id"] not in [item["id"] for item in listed["pager"]["items"]]
    with acme.http() as api:
        response = api.delete("/gateway/exporter", params={"exporter_id": str(exporter["id"])})
        assert response.status_code == 200 and response.json() is True
        assert api.get(f"/gateway/exporter/{exporter['id']}").status_code == 404
    assert httpx.get(url).status_code == 404


def test_recorder_without_packets_and_running_recorder(acme: Customer, closing) -> None:
    user = acme.create_user()
    empty = create_recorder(acme, user)["id"]
    with acme.http() as api:
        response = api.post("/gateway/exporter", json={"recorder_id": empty, "exporter_config": CONFIG})
        assert response.status_code == 409 and "no recorded packets" in response.json()["message"]
        assert api.post("/gateway/exporter", json={"recorder_id": "x", "exporter_config": CONFIG}).status_code == 400
    put_status(acme, empty, "stopped")
    # a recorder still recording exports what it captured so far
    hia = connected_hia(user, eeg_sensor("EEG_R"), closing)
    rid = create_recorder(acme, user)["id"]
    send(hia, "EEG_R", rows(1.0, 1), "live")
    barrier(hia)
    data = frame(download(acme, export(acme, rid)["id"])[1])
    assert data["ch0"].tolist() == [1.0, 2.0, 3.0]
    put_status(acme, rid, "stopped")


@pytest.mark.parametrize("deleted_first", [True])
def test_deleting_a_recorder_deletes_its_exporters(acme: Customer, closing, deleted_first: bool) -> None:
    user = acme.create_user()
    rid = record(acme, user, closing, eeg_sensor("EEG_Z"), [("EEG_Z", rows(1.0, 1), "x")])
    exporter = export(acme, rid)
    with acme.http() as api:
        assert api.delete("/gateway/recorder", params={"recorder_id": rid}).json() is True
        assert api.get(f"/gateway/exporter/{exporter['id']}").status_code == 404
        response = api.post("/gateway/exporter", json={"recorder_id": rid, "exporter_config": CONFIG})
        assert response.status_code == 404


def test_write_csv_cells(tmp_path: Path) -> None:
    """Cells: NaN/None empty, text values and names without commas, several labels joined with ``|``."""
    from braindock.server.neurospeed.exporter import validate_config, write_csv
    from braindock.server.storage.neurospeed_models import NsRecorder

    recorder = NsRecorder(
        id=1,
        sensors={"KB": {"device_type": "keyboard", "channels": ["key,code", "note"]}},
        stream_ids=["KB"],
        minimum_timestamp=1.0,
        maximum_timestamp=2.0,
    )
    config = validate_config(dict(CONFIG), recorder)
    records = [
        {"n": 2, "s": "KB", "d": "keyboard", "h": "H", "r": [["b", None, 2.0]], "pl": ["x", "y"], "ol": ["y"]},
        {"n": 1, "s": "KB", "d": "keyboard", "h": "H", "r": [[float("nan"), "a,b", 1.0]], "pl": [], "ol": ["z"]},
    ]
    target = tmp_path / "out.csv"
    assert write_csv(recorder, config, records, target) == 2
    assert target.read_text().splitlines() == [
        "timestamp,packets_counter,stream_id,device_type,hia_id,key;code,note,packet_labels,onetime_labels",
        "1.000000,1,KB,keyboard,H,,a;b,none,z",
        "2.000000,2,KB,keyboard,H,b,,x|y,y",
    ]


def _records() -> list[dict[str, Any]]:
    """Packet records of two streams as the recorder stores them: ints and floats, missing values, text with
    commas, several labels, a timestamp tie across packets, rows out of timestamp order."""
    return [
        {"n": 1, "s": "EEG_A", "d": "EEG", "h": "H,1", "r": [[10, -2.5, 100.0], [1.25, 3, 100.5]], "pl": ["a,b"]},
        {"n": 2, "s": "KB", "d": "keyboard", "h": "H2", "r": [["x,y", None, 100.5], [True, 7.5, 99.0]], "pl": []},
        {
            "n": 3,
            "s": "EEG_A",
            "d": "EEG",
            "h": "H,1",
            "r": [[float("nan"), float("inf"), 101.0078125], [0.1, -0.0, 100.25]],
            "pl": ["p", "q"],
            "ol": ["o"],
        },
        {"n": 4, "s": "EEG_A", "d": "EEG", "h": "H,1", "r": [[123456.789, 5, 1738575541.021484]], "pl": [""]},
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"stream_ids": ["EEG_A"], "is_all_streams": False},
        {
            "stream_ids": ["KB"],
            "is_all_streams": False,
            "selected_columns": ["note", "hia_id"],
            "is_all_columns": False,
        },
        {"selected_columns": ["EEG_A:ch1", "onetime_labels"], "is_all_columns": False},
        {
            "start_timestamp_mode": "custom_value",
            "custom_start_timestamp": 100.25,
            "end_timestamp_mode": "custom_value",
            "custom_end_timestamp": 101,
        },
        {"end_timestamp_mode": "interval_minutes", "custom_timestamp_interval": 0.01},
    ],
)
def test_duckdb_writer_matches_python_writer(tmp_path: Path, overrides: dict[str, Any]) -> None:
    """The DuckDB fast path writes byte for byte the file of the row-by-row writer (same rows, order, cells)."""
    from braindock.server.neurospeed.exporter import validate_config, write_csv, write_csv_duckdb
    from braindock.server.neurospeed.recording_store import encode
    from braindock.server.storage.neurospeed_models import NsRecorder

    recorder = NsRecorder(
        id=1,
        status="stopped",
        sensors={
            "EEG_A": {"device_type": "EEG", "channels": ["ch0", "ch1"]},
            "KB": {"device_type": "keyboard", "channels": ["key,code", "note"]},
        },
        stream_ids=["EEG_A", "KB"],
        minimum_timestamp=99.0,
        maximum_timestamp=1738575541.021484,
    )
    config = validate_config({**CONFIG, **overrides}, recorder)
    source = tmp_path / "packets.jsonl"
    source.write_bytes(b"".join(encode(record) for record in _records()))
    python, fast = tmp_path / "python.csv", tmp_path / "duckdb.csv"
    count = write_csv(recorder, config, _records(), python)
    assert write_csv_duckdb(recorder, config, source, fast) == count
    assert fast.read_text() == python.read_text()
    assert count > 0
