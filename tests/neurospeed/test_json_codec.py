"""The fast JSON path keeps what python-socketio's standard-library encoder sent (``json_codec``; review findings).

Pure functions: no server needed. The end-to-end NaN case is in ``test_sockets.py``.
"""

from __future__ import annotations

import json
import math

import pytest

from braindock.server.neurospeed import json_codec
from braindock.server.neurospeed.rooms import _finite


def test_long_integers_stay_exact_and_flag_the_standard_library() -> None:
    big = 123456789012345678901234567890
    value, flagged = json_codec.loads_flagged(f'{{"sample": [[{big}, 1.5, 1738575541.25]]}}')
    assert value["sample"][0][0] == big and isinstance(value["sample"][0][0], int) and flagged
    assert json_codec.dumps(json_codec.StandardJson(v=big)) == f'{{"v":{big}}}'
    assert json_codec.dumps({"v": big}) == f'{{"v":{big}}}'  # orjson refuses it: the fallback writes it
    assert json_codec.loads_flagged("[1738575541.0214844, 12, -3]") == ([1738575541.0214844, 12, -3], False)
    with pytest.raises(ValueError, match="at most 100 digits"):
        json_codec.loads("[" + "9" * 101 + "]")


def test_nan_and_infinity_are_written_as_the_standard_library_writes_them() -> None:
    value, flagged = json_codec.loads_flagged("[NaN, Infinity, -Infinity, 1.0]")
    assert flagged and math.isnan(value[0]) and value[1:] == [math.inf, -math.inf, 1.0]
    event = ["data", json_codec.StandardJson(sample=value)]
    assert json_codec.dumps(event) == '["data",{"sample":[NaN,Infinity,-Infinity,1.0]}]'
    assert json_codec.dumps_line(json_codec.StandardJson(r=value)) == b'{"r":[NaN,Infinity,-Infinity,1.0]}\n'
    assert json_codec.dumps(["data", {"sample": value}]) == '["data",{"sample":[null,null,null,1.0]}]'  # unmarked
    assert not _finite({"alpha": [1.0, math.nan]}) and _finite({"alpha": [1.0, 2.0]}) and _finite(None)


def test_a_lone_surrogate_is_escaped_never_sent_raw() -> None:
    value, flagged = json_codec.loads_flagged('{"sample": [["\\ud800", 1738575541.0]]}')
    assert flagged and value["sample"][0][0] == "\ud800"
    text = json_codec.dumps(["data", value])  # unmarked: orjson refuses the surrogate, the fallback escapes it
    assert "\\ud800" in text and text.encode("utf-8")  # valid UTF-8 for the WebSocket
    assert json_codec.dumps_line(value).decode("ascii").endswith("\n")
    assert json.loads(text)[1] == value


def test_non_ascii_text_round_trips_on_the_fast_path() -> None:
    record = {"labels": ["Ruhe", "Entspannung ÄÖÜ", "放松"], "x": 0.00001}
    line = json_codec.dumps_line(record)
    assert json.loads(line) == record and line.endswith(b"\n")
