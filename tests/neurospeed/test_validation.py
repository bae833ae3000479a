"""sensors_info and pipeline packet validation rules (``neurospeed.md`` 6.6, 7.2, 7.4), without a server."""

from __future__ import annotations

import json

import pytest

from braindock.server.neurospeed.validation import ValidationError, parse_packet, parse_sensors_info


def info(**streams: dict) -> str:
    return json.dumps(streams)


EEG = {"device_type": "EEG", "channel_count": 2, "channel_map": ["a", "b"], "sampling_frequency": 128}
USER = {"device_type": "user_data", "channel_count": 2, "channel_map": ["speed", "rpm", "timestamp"]}


def test_valid_sensors_info_keeps_the_hia_spelling_and_defaults_stream_state() -> None:
    sensors = parse_sensors_info(info(EEG_1=EEG, user_data_1=USER, GSR_1={**EEG, "device_type": "gsr"}))
    assert sensors["EEG_1"].device_type == "EEG" and sensors["EEG_1"].info["stream_state"] == "enabled"
    assert sensors["user_data_1"].sampling_frequency is None
    assert sensors["GSR_1"].kind == "gsr"


def test_trailing_timestamp_names_are_not_counted() -> None:
    sensors = parse_sensors_info(info(S={**EEG, "channel_map": ["a", "b", "timestamp", "TIMESTAMP"]}))
    assert sensors["S"].channel_count == 2
    assert parse_sensors_info(info(S={**EEG, "channel_count": 2.0}))["S"].channel_count == 2


@pytest.mark.parametrize(
    ("header", "needle"),
    [
        (None, "missing"),
        ("not json", "JSON"),
        ("{}", "at least one"),
        ("[1]", "at least one"),
        (info(S={**EEG, "channel_map": ["a", "b", "c"]}), "channel_map has 3 names, channel_count is 2"),
        (info(S={**EEG, "channel_count": 0}), "positive integer"),
        (info(S={**EEG, "channel_count": 1.5}), "positive integer"),
        (info(S={**EEG, "device_type": "ECG"}), "unknown device_type"),
        (info(S={k: v for k, v in EEG.items() if k != "sampling_frequency"}), "sampling_frequency is required"),
        (info(S={**EEG, "sampling_frequency": -1}), "sampling_frequency"),
        (info(S={**EEG, "stream_state": "paused"}), "stream_state"),
        (info(S={k: v for k, v in EEG.items() if k != "channel_map"}), "no channel_map"),
        (info(S="EEG"), "not an object"),
        (info(S={**EEG, "channel_count": float("inf")}), "positive integer"),
        (info(S={**EEG, "channel_count": float("nan")}), "positive integer"),
        (info(S={**EEG, "sampling_frequency": 1e9}), "up to 100000"),
        (info(S={**EEG, "channel_map": ["a", "b\r"]}), "control character"),
        (info(**{"S" * 129: EEG}), "longer than 128"),
        ("[" * 50_000, "nested too deeply"),
    ],
)
def test_invalid_sensors_info_is_refused_with_a_precise_message(header: str | None, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        parse_sensors_info(header)


SENSORS = parse_sensors_info(info(EEG_1=EEG, user_data_1=USER))


def pipeline(stream_id: str, rows: object) -> dict:
    return {"stream_id": stream_id, "data": json.dumps({"sample": rows}), "device_type": "EEG", "hia_id": "x"}


def test_rows_with_and_without_timestamps() -> None:
    stamped = parse_packet(pipeline("EEG_1", [[1.0, 2.0, 100.5]]), SENSORS)
    assert stamped.rows == [[1.0, 2.0, 100.5]] and not stamped.stamped_by_server
    assert stamped.experiment == {"packet_labels": ["none"], "onetime_labels": ["none"]}
    bare = parse_packet(pipeline("EEG_1", [[1, 2], [3, 4]]), SENSORS, now=1000.0)
    assert bare.stamped_by_server and bare.rows == [[1, 2, 1000.0 - 1 / 128], [3, 4, 1000.0]]
    text = parse_packet(pipeline("user_data_1", [["fast", None, 5.0]]), SENSORS)
    assert text.rows == [["fast", None, 5.0]]


def test_nan_tokens_are_accepted() -> None:
    raw = {"stream_id": "EEG_1", "data": '{"sample": [[NaN, Infinity, 1.0]]}'}
    assert len(parse_packet(raw, SENSORS).rows) == 1


def test_labels_are_sanitised() -> None:
    raw = {**pipeline("EEG_1", [[1, 2, 3]]), "experiment": {"packet_labels": ["a,b\nc"], "onetime_labels": 5}}
    assert parse_packet(raw, SENSORS).experiment == {"packet_labels": ["a b c"], "onetime_labels": ["5"]}


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ("text", "must be an object"),
        (pipeline("EEG_9", [[1, 2, 3]]), "unknown stream_id"),
        ({"stream_id": "EEG_1", "data": {"sample": [[1, 2, 3]]}}, "JSON string"),
        ({"stream_id": "EEG_1", "data": "{not json"}, "not valid JSON"),
        ({"stream_id": "EEG_1", "data": '{"rows": []}'}, "at least one row"),
        (pipeline("EEG_1", []), "at least one row"),
        (pipeline("EEG_1", [[1, 2, 3, 4]]), "row 0 has 4 values"),
        (pipeline("EEG_1", [[1]]), "row 0 has 1 values"),
        (pipeline("EEG_1", [[1, 2, 3], [1, 2]]), "row 1 does not have 3 values"),
        (pipeline("EEG_1", [[1, "x", 3]]), "non-numeric"),
        (pipeline("EEG_1", [[1, True, 3]]), "non-numeric"),
        (pipeline("EEG_1", [[1, 2, "now"]]), "timestamp"),
        (pipeline("user_data_1", [[{"a": 1}, 2, 3]]), "unsupported value"),
        (pipeline("EEG_1", [5.0]), "row 0 is not a list"),
        ({"stream_id": "EEG_1", "data": '{"sample": [[1, 2, NaN]]}'}, "not a finite number"),
        ({"stream_id": "EEG_1", "data": '{"sample": [[1, 2, -Infinity]]}'}, "not a finite number"),
        ({"stream_id": "EEG_1", "data": "[" * 100_000}, "nested too deeply"),
        ({**pipeline("EEG_1", [[1, 2, 3]]), "experiment": {"packet_labels": ["x"] * 33}}, "33 labels, limit 32"),
        (pipeline("EEG_1", [[1, "x" * 10_000, 3]]), r"non-numeric value 'xxx.*\.\.\.$"),
    ],
)
def test_bad_packets_are_rejected(payload: object, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        parse_packet(payload, SENSORS)


def test_oversized_data_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    from braindock.server.neurospeed import validation

    monkeypatch.setattr(validation, "MAX_PACKET_CHARS", 100)
    with pytest.raises(ValidationError, match="limit 100"):
        parse_packet(pipeline("EEG_1", [[1.0, 2.0, 3.0]] * 20), SENSORS)
