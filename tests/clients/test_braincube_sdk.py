"""The braindock Braincube SDK (``braindock.clients.braincube``).

Three layers:

* pure functions: filter building and folding (braincube.md 5), dates, configuration, the
  JSON and Arrow decoders (4.3, 4.4);
* the client against an in-process fake Braincube served through ``httpx.MockTransport``:
  authentication headers, retries, typed errors, pagination guards, exact request bodies;
* integration against the real braindock server of ``tests/conftest.py`` (``plant``), comparing
  every answer with pandas' own evaluation of the source data, for both wire formats.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa
import pytest

from braindock.clients.braincube import braincube, client, errors, instances, parameters, tools
from braindock.clients.braincube.client import Client
from braindock.clients.braincube.data import conditions, data
from braindock.clients.braincube.memory_base.memory_base import MemoryBase
from braindock.clients.braincube.memory_base.nested_resources.variable import VariableDescription

ARROW = "application/vnd.apache.arrow.stream"


@pytest.fixture(autouse=True)
def _clean_globals() -> Iterator[None]:
    """Every test starts without singleton client and with default parameters."""
    saved = instances.get_instance(client.INSTANCE_KEY)
    instances.add_instance(client.INSTANCE_KEY, None)
    parameters.reset_parameter()
    yield
    parameters.reset_parameter()
    instances.add_instance(client.INSTANCE_KEY, saved)


def same_values(left: list[Any], right: list[Any]) -> bool:
    """List equality where nan equals nan and types must match (int vs float matters)."""
    if len(left) != len(right):
        return False
    for a, b in zip(left, right, strict=True):
        if type(a) is not type(b):
            return False
        if isinstance(a, float) and math.isnan(a):
            if not math.isnan(b):
                return False
        elif a != b:
            return False
    return True


def assert_columns(actual: dict[Any, list[Any]], expected: dict[Any, list[Any]]) -> None:
    assert list(actual) == list(expected)
    for key in expected:
        assert same_values(actual[key], expected[key]), (key, actual[key][:5], expected[key][:5])


# =============================================================================================
# Pure parts
# =============================================================================================


class _Var:
    def __init__(self, long_id: str, kind: str) -> None:
        self._long_id, self._kind = long_id, kind

    def get_long_id(self) -> str:
        return self._long_id

    def get_type(self) -> str:
        return self._kind


def test_combine_filters_folds_on_the_left() -> None:
    a, b, c, d = ({"EQUALS": [f"mb1/d{i}", i]} for i in range(4))
    assert conditions.combine_filters(None) == []
    assert conditions.combine_filters([]) == []
    assert conditions.combine_filters([a]) == [a]
    assert conditions.combine_filters([a, b]) == [{"AND": [a, b]}]
    assert conditions.combine_filters([a, b, c, d]) == [{"AND": [{"AND": [{"AND": [a, b]}, c]}, d]}]
    assert conditions.combine_filters([a, b, c], operator="OR") == [{"OR": [{"OR": [a, b]}, c]}]


def test_deep_fold_has_no_recursion_limit_and_serialises() -> None:
    many = [{"EQUALS": ["mb1/d7", [f"M{i}"]]} for i in range(3000)]
    (tree,) = conditions.combine_filters(many, operator="OR")
    depth, node = 0, tree
    while "OR" in node:
        node, depth = node["OR"][0], depth + 1
    assert depth == 2999 and node == many[0]
    text = conditions.dumps_filter_tree(tree)
    assert text.startswith('{"OR":[{"OR":[') and text.endswith('{"EQUALS":["mb1/d7",["M2999"]]}]}')
    assert text.count('"EQUALS"') == 3000
    shallow = {"AND": [{"BETWEEN": ["mb1/d2", 1.5, 3]}, {"NOT": [{"EQUALS": ["mb1/d3", ["é", None]]}]}]}
    assert conditions.dumps_filter_tree(shallow) == json.dumps(shallow, separators=(",", ":"))


def test_discrete_condition_becomes_or_of_single_equals() -> None:
    recipe = _Var("mb42/d2000023", "DISCRETE")
    cond = {"variable": {"bcId": 2000023}, "positive": True, "modalities": ["R1", "R2", "R3"]}
    assert conditions.build_condition_filter(recipe, cond) == {
        "OR": [
            {"OR": [{"EQUALS": ["mb42/d2000023", ["R1"]]}, {"EQUALS": ["mb42/d2000023", ["R2"]]}]},
            {"EQUALS": ["mb42/d2000023", ["R3"]]},
        ]
    }
    assert conditions.build_condition_filter(recipe, {**cond, "modalities": ["R1"]}) == {
        "EQUALS": ["mb42/d2000023", ["R1"]]
    }
    # no modality: no filter at all, even when negative
    assert conditions.build_condition_filter(recipe, {"positive": False, "modalities": []}) is None
    assert conditions.build_condition_filter(recipe, {"positive": False}) is None


def test_range_conditions_use_between_great_less_and_not() -> None:
    temp = _Var("mb42/d2000017", "NUMERIC")
    build = conditions.build_condition_filter
    assert build(temp, {"positive": True, "minimum": 150, "maximum": 230}) == {"BETWEEN": ["mb42/d2000017", 150, 230]}
    assert build(temp, {"positive": True, "minimum": 150}) == {"GREAT": ["mb42/d2000017", 150]}
    assert build(temp, {"positive": True, "maximum": 2.5, "minimum": None}) == {"LESS": ["mb42/d2000017", 2.5]}
    assert build(temp, {"positive": True, "minimum": 0}) == {"GREAT": ["mb42/d2000017", 0]}
    assert build(temp, {"positive": True}) is None
    assert build(temp, {"positive": False, "maximum": 2}) == {"NOT": [{"LESS": ["mb42/d2000017", 2]}]}
    # a missing "positive" counts as positive (the official client raises KeyError)
    assert build(temp, {"minimum": 1}) == {"GREAT": ["mb42/d2000017", 1]}


def test_datetime_bounds_become_utc_strings() -> None:
    stamp = _Var("mb42/d2000001", "DATETIME")
    cond = {"positive": True, "minimum": 1704067200000, "maximum": 1706745599999}
    assert conditions.build_condition_filter(stamp, cond) == {
        "BETWEEN": ["mb42/d2000001", "20240101_000000", "20240131_235959"]
    }
    # epoch 0 means "no bound", exactly like the official client
    assert conditions.build_condition_filter(stamp, {"positive": True, "minimum": 0, "maximum": 1704067200000}) == {
        "LESS": ["mb42/d2000001", "20240101_000000"]
    }
    assert tools.to_datetime_str(1704110645123) == "20240101_120405"
    assert tools.to_datetime_str(None) is None and tools.to_datetime_str(0) is None


def test_datetime_string_parsing() -> None:
    assert tools.parse_datetime_str("20240103_061500") == dt.datetime(2024, 1, 3, 6, 15)
    for bad in ("null", None, "2024-01-03T06:15:00", "20241303_061500", "", 20240103):
        assert tools.parse_datetime_str(bad) is None


def test_build_url_follows_the_joining_rules() -> None:
    assert tools.build_url("http://h:1/", "/sso-server/ws/user/me/") == "http://h:1/sso-server/ws/user/me"
    assert tools.build_url("http://h:9/gw/v1/?x=1#f", "braincube/a/braincube/mb/all/summary?offset=0&size=2") == (
        "http://h:9/gw/v1/braincube/a/braincube/mb/all/summary?offset=0&size=2"
    )
    assert tools.build_url("https://{braincube-name}.data.example.net/v2", "braindata/mb4/simple", "plant-a") == (
        "https://plant-a.data.example.net/v2/braindata/mb4/simple"
    )


def test_base_urls_from_domain_or_explicit_keys() -> None:
    assert tools.get_sso_base_url({"domain": "bc.example.net"}) == "https://bc.example.net"
    assert tools.get_braincube_base_url({"domain": "bc.example.net"}) == "https://api.bc.example.net"
    assert tools.get_braincube_base_url({"domain": "http://bc.local:81"}) == "http://api.bc.local:81"
    explicit = {"sso_base_url": "http://127.0.0.1:9000/", "braincube_base_url": "http://127.0.0.1:9001/gw/v1/"}
    assert tools.get_sso_base_url(explicit) == "http://127.0.0.1:9000"
    assert tools.get_braincube_base_url(explicit) == "http://127.0.0.1:9001/gw/v1"
    with pytest.raises(errors.ConfigurationError, match="domain"):
        tools.get_braincube_base_url({"sso_base_url": "http://x"})


def test_config_lookup_order_and_whole_file_reading(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home.json"
    monkeypatch.setattr("braindock.clients.braincube.constants.DEFAULT_HOME_CONFIG", str(home))
    with pytest.raises(FileNotFoundError):
        tools.check_config()
    home.write_text('{"api_key": "from-home", "domain": "h"}')
    assert tools.check_config()["api_key"] == "from-home"
    (tmp_path / "config.json").write_text('{"api_key": "from-cwd", "domain": "c"}')
    assert tools.check_config()["api_key"] == "from-cwd"
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps({"api_key": "pretty", "domain": "p"}, indent=4))
    assert tools.check_config(config_file=pretty) == {"api_key": "pretty", "domain": "p"}
    first_line = tmp_path / "legacy.json"
    first_line.write_text('{"api_key": "legacy", "domain": "l"}\nnotes the official client ignored\n')
    assert tools.check_config(config_file=first_line)["api_key"] == "legacy"
    assert tools.check_config(config_dict={"api_key": "dict"}, config_file=pretty) == {"api_key": "dict"}
    # an explicit file that does not exist is an error, not a silent fallback to ./config.json
    with pytest.raises(errors.ConfigNotFoundError, match="missing.json") as caught:
        tools.check_config(config_file=tmp_path / "missing.json")
    assert isinstance(caught.value, FileNotFoundError)
    (tmp_path / "broken.json").write_text("{nope")
    with pytest.raises(errors.ConfigurationError, match="broken.json"):
        tools.check_config(config_file=tmp_path / "broken.json")


def test_parameters_defaults_validation_and_reset() -> None:
    assert parameters.get_parameter("page_size") == 150
    assert parameters.get_parameter("parse_date") is False
    assert parameters.get_parameter("VariableDescription_name_key") == "standard"
    assert parameters.get_parameter("BaseEntity_name_key") == "name"
    assert parameters.get_parameter("BaseEntity_bcid_key") == "bcId"
    assert parameters.get_parameter("wire_format") == "auto"
    assert parameters.get_parameter("no-such-key") is None
    parameters.set_parameter({"page_size": 10, "custom": 1})
    assert parameters.get_parameter("page_size") == 10 and parameters.get_parameter("custom") == 1
    with pytest.raises(ValueError, match="wire_format"):
        parameters.set_parameter({"wire_format": "xml"})
    with pytest.raises(ValueError, match="page_size"):
        parameters.set_parameter({"page_size": 0})
    parameters.reset_parameter()
    assert parameters.get_parameter("page_size") == 150


# -- decoding ---------------------------------------------------------------------------------

JSON_ANSWER = {
    "datadefs": [
        {"id": "mb42/d2000001", "type": "DATETIME", "data": ["20240103_061500", "20240103_063000", "null"]},
        {"id": "mb42/d2000017", "type": "NUMERIC", "data": ["182.5", "190", "NaN"]},
        {"id": "mb42/d2000031", "type": "NUMERIC", "data": ["3", "-4", "12"]},
        {"id": "mb42/d2000023", "type": "DISCRETE", "data": ["R1", "null", "R2"]},
    ]
}


def arrow_answer(batches: int = 2) -> bytes:
    """The Arrow twin of ``JSON_ANSWER``, as braindock streams it (several record batches)."""
    fields = [
        pa.field("mb42/d2000001", pa.timestamp("us"), metadata={"type": "DATETIME"}),
        pa.field("mb42/d2000017", pa.float64(), metadata={"type": "NUMERIC"}),
        pa.field("mb42/d2000031", pa.int64(), metadata={"type": "NUMERIC"}),
        pa.field("mb42/d2000023", pa.string(), metadata={"type": "DISCRETE"}),
    ]
    schema = pa.schema(fields)
    rows = [
        (dt.datetime(2024, 1, 3, 6, 15), 182.5, 3, "R1"),
        (dt.datetime(2024, 1, 3, 6, 30), 190.0, -4, None),
        (None, None, 12, "R2"),
    ]
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, schema) as writer:
        step = math.ceil(len(rows) / batches)
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            arrays = [pa.array([row[i] for row in chunk], type=f.type) for i, f in enumerate(fields)]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
    return sink.getvalue()


def read_arrow(raw: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(raw)).read_all()


def test_json_decoding_follows_the_official_rules() -> None:
    columns = data.decode_json_columns(JSON_ANSWER)
    assert_columns(
        columns,
        {
            2000001: ["20240103_061500", "20240103_063000", "null"],
            2000017: [182.5, 190.0, math.nan],
            2000031: [3, -4, 12],
            2000023: ["R1", "null", "R2"],
        },
    )
    parsed = data.decode_json_columns(JSON_ANSWER, parse_date=True)
    assert parsed[2000001] == [dt.datetime(2024, 1, 3, 6, 15), dt.datetime(2024, 1, 3, 6, 30), None]


def test_json_decoding_edge_cases() -> None:
    with pytest.warns(UserWarning, match="mb1/d5"):
        columns = data.decode_json_columns(
            {
                "datadefs": [
                    {"id": "mb1/d5", "type": "NUMERIC"},
                    {"id": "mb1/d6", "type": "NUMERIC", "data": [1.5, 2, None]},
                    {"id": "mb1/d7", "type": "NUMERIC", "data": ["1e3", "2"]},
                    {"id": "mb1/d8", "type": "NUMERICAL", "data": ["1"]},
                ]
            }
        )
    # JSON numbers are not truncated, null is nan, scientific notation forces floats,
    # unknown types pass through untouched
    assert_columns(columns, {6: [1.5, 2.0, math.nan], 7: [1000.0, 2.0], 8: ["1"]})
    with pytest.raises(errors.ResponseDecodeError, match="mb1/x"):
        data.decode_json_columns({"datadefs": [{"id": "mb1/x", "type": "NUMERIC", "data": []}]})


@pytest.mark.parametrize("parse_date", [False, True])
def test_arrow_decoding_equals_json_decoding(parse_date: bool) -> None:
    table = read_arrow(arrow_answer(batches=3))
    assert table.column(0).num_chunks == 3
    from_json = data.decode_json_columns(JSON_ANSWER, parse_date=parse_date)
    from_arrow = data.decode_arrow_columns(table, parse_date=parse_date)
    assert_columns(from_arrow, from_json)
    frame = data.arrow_to_frame(table, parse_date=parse_date)
    pd.testing.assert_frame_equal(frame, data.columns_to_frame(from_json))


def test_arrow_int_column_with_nulls_turns_float_like_nan_in_json() -> None:
    schema = pa.schema([pa.field("mb3/d9", pa.int64(), metadata={"type": "NUMERIC"})])
    table = pa.table([pa.array([1, None, 3], pa.int64())], schema=schema)
    assert_columns(data.decode_arrow_columns(table), {9: [1.0, math.nan, 3.0]})
    json_twin = data.decode_json_columns({"datadefs": [{"id": "mb3/d9", "type": "NUMERIC", "data": ["1", "NaN", "3"]}]})
    pd.testing.assert_frame_equal(data.arrow_to_frame(table), data.columns_to_frame(json_twin))
    empty = table.slice(0, 0)
    assert data.decode_arrow_columns(empty) == {9: []}
    pd.testing.assert_frame_equal(data.arrow_to_frame(empty), pd.DataFrame({9: []}))


def test_unequal_columns_cannot_make_a_frame() -> None:
    with pytest.raises(errors.ResponseDecodeError, match="unequal"):
        data.columns_to_frame({1: [1, 2], 2: [1]})


def test_error_for_status_builds_typed_errors() -> None:
    body = {"error": "bad_request", "message": "unknown operator 'FOO'", "path": "context.filter"}
    err = errors.error_for_status(400, body, method="POST", url="http://h/x")
    assert isinstance(err, errors.BadRequestError) and err.status == 400 and err.code == "bad_request"
    assert "unknown operator 'FOO'" in str(err) and "context.filter" in str(err) and "POST http://h/x" in str(err)
    expected = {
        401: errors.AuthenticationError,
        403: errors.PermissionDeniedError,
        404: errors.NotFoundError,
        409: errors.ConflictError,
        500: errors.ServerError,
        418: errors.ApiError,
    }
    for status, cls in expected.items():
        assert type(errors.error_for_status(status, "plain text")) is cls
    assert errors.error_for_status(502, "<html>bad gateway</html>").message == "<html>bad gateway</html>"


# =============================================================================================
# Client against a fake Braincube (httpx.MockTransport)
# =============================================================================================

FAKE_MB = 42
FAKE_VARIABLES = {
    2000001: {"standard": "Reference date", "tag": "REF", "local": "Date", "type": "DATETIME"},
    2000017: {"standard": "Oven temperature", "tag": "OVN_T", "local": "Temp four", "type": "NUMERIC"},
    2000023: {"standard": "Recipe", "tag": "RCP", "local": "Recette", "type": "DISCRETE"},
    2000031: {"standard": "Speed", "tag": "SPD", "local": "Vitesse", "type": "NUMERIC"},
}
FAKE_EVENTS = {
    7: {
        "bcId": 7,
        "name": "Recipes R1/R2, January 2024",
        "uuid": "EV_0d6a",
        "conditions": [
            {"variable": {"bcId": 2000023}, "positive": True, "modalities": ["R1", "R2"]},
            {"variable": {"bcId": 2000001}, "positive": True, "minimum": 1704067200000, "maximum": 1706745599000},
        ],
    },
    8: {"bcId": 8, "name": "Fast", "conditions": [{"variable": {"bcId": 2000031}, "positive": True, "minimum": 10}]},
    9: {"bcId": 9, "name": "Nothing usable", "conditions": [{"variable": {"bcId": 2000023}, "positive": False}]},
}
FAKE_JOB = {
    "bcId": 310,
    "name": "Scrap study",
    "uuid": "JOB_77aa",
    "conditions": [{"variable": {"bcId": 2000017}, "positive": True, "minimum": 150, "maximum": 230}],
    "modelEntries": [
        {"conditions": [{"variable": {"bcId": 2000031}, "positive": True, "maximum": 2}]},
        {"conditions": [{"variable": {"bcId": 2000031}, "positive": True, "minimum": 5}, {"note": "no variable"}]},
    ],
    "dataGroups": [{"bcId": 12}],
    "events": {"positiveEvents": [{"bcId": 7}], "negativeEvents": [{"bcId": 8}, {"bcId": 9}]},
}
FAKE_GROUP = {"bcId": 12, "name": "Oven block", "variables": [{"bcId": 2000017}, {"bcId": 2000001}]}
FAKE_RULES = [{"bcId": 5001, "name": "Keep oven below 230"}, {"bcId": 5002, "name": "Speed alarm"}]
FAKE_MEMORY_BASES = [{"bcId": 40 + i, "name": f"Line {i}", "uuid": f"MB_{i:04d}-uuid-with-dash"} for i in range(1, 6)]


class FakeBraincube:
    """A tiny Braincube service (braincube.md 2-4) for ``httpx.MockTransport``.

    Records every request; LF answers the columns of ``JSON_ANSWER`` that were asked for, as
    Arrow when the request accepts it and ``arrow`` is true.
    """

    def __init__(
        self,
        *,
        arrow: bool = True,
        ignore_offset: bool = False,
        cap: int | None = None,
        script: list[Any] | None = None,
        session_token: str = "sess-1",
    ) -> None:
        self.arrow = arrow
        self.ignore_offset = ignore_offset
        self.cap = cap
        self.script = list(script or [])  # answers/exceptions served before normal routing
        self.session_token = session_token
        self.requests: list[httpx.Request] = []
        self.sessions_issued = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, Exception):
                raise step
            if step is not None:
                return step
        return self.route(request)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.raw_path.decode()}" for r in self.requests]

    def authorised(self, request: httpx.Request) -> bool:
        return request.headers.get("X-api-key") == "pat-1" or request.headers.get("IPLSSOTOKEN") == self.session_token

    def page(self, request: httpx.Request, items: list[dict]) -> httpx.Response:
        offset = 0 if self.ignore_offset else int(request.url.params["offset"])
        size = int(request.url.params["size"])
        if self.cap:
            size = min(size, self.cap)
        return httpx.Response(200, json={"items": items[offset : offset + size], "total": len(items)})

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/sso-server/ws/oauth2/session":
            if request.headers.get("Authorization") != "Bearer oauth-1":
                return httpx.Response(401, json={"error": "unauthorized", "message": "bad bearer"})
            self.sessions_issued += 1
            return httpx.Response(200, json={"token": self.session_token})
        if not self.authorised(request):
            return httpx.Response(401, json={"error": "unauthorized", "message": "missing or invalid credentials"})
        if path == "/sso-server/ws/user/me":
            return httpx.Response(
                200,
                json={
                    "accessList": [
                        {"product": {"name": "plant-a", "productId": "uuid-a"}},
                        {"name": "Pilot lab", "product": {"name": "pilot", "productId": "uuid-p"}},
                    ]
                },
            )
        match = re.fullmatch(r"/(?:v2/)?(?:braincube/(?P<bc>(?!mb/)[^/]+)/)?(?P<rest>.*)", path)
        assert match is not None
        rest = match.group("rest")
        if rest == "braincube/mb/all/summary":
            return self.page(request, FAKE_MEMORY_BASES)
        mb = f"braincube/mb/{FAKE_MB}"
        routes: dict[str, Callable[[], httpx.Response]] = {
            "echo": lambda: httpx.Response(200, json={"ok": True}),
            f"{mb}/extended": lambda: httpx.Response(200, json={"bcId": FAKE_MB, "name": "Line 3", "uuid": "MB_abc"}),
            f"{mb}/variables/summary": lambda: self.page(
                request, [{"bcId": k, **v} for k, v in sorted(FAKE_VARIABLES.items())]
            ),
            f"{mb}/dataGroups/summary": lambda: self.page(request, [FAKE_GROUP]),
            f"{mb}/dataGroups/12/extended": lambda: httpx.Response(200, json=FAKE_GROUP),
            f"{mb}/events/all/extended": lambda: self.page(request, list(FAKE_EVENTS.values())),
            f"{mb}/jobs/all/summary": lambda: self.page(request, [FAKE_JOB]),
            f"{mb}/jobs/310/extended": lambda: httpx.Response(200, json=FAKE_JOB),
            f"{mb}/rules/all/selector": lambda: self.page(request, FAKE_RULES),
            f"{mb}/jobs/310/rules/all/summary": lambda: self.page(request, FAKE_RULES[:1]),
            f"{mb}/rules/5001/summary": lambda: httpx.Response(200, json=FAKE_RULES[0]),
            f"braindata/mb{FAKE_MB}/simple": lambda: httpx.Response(
                200, json={"name": "Line 3", "reference": f"mb{FAKE_MB}/d2000001"}
            ),
        }
        if rest in routes:
            return routes[rest]()
        var = re.fullmatch(rf"{mb}/variables/(\d+)/extended", rest)
        if var and int(var.group(1)) in FAKE_VARIABLES:
            return httpx.Response(200, json={"bcId": int(var.group(1)), **FAKE_VARIABLES[int(var.group(1))]})
        event = re.fullmatch(rf"{mb}/events/(\d+)/extended", rest)
        if event and int(event.group(1)) in FAKE_EVENTS:
            return httpx.Response(200, json=FAKE_EVENTS[int(event.group(1))])
        if rest == f"braindata/mb{FAKE_MB}/LF" and request.method == "POST":
            return self.lf(request)
        return httpx.Response(404, json={"error": "not_found", "message": f"nothing at {path}"})

    def lf(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        wanted = body["definitions"]
        known = {c["id"]: c for c in JSON_ANSWER["datadefs"]}
        for long_id in wanted:
            if long_id not in known:
                return httpx.Response(404, json={"error": "not_found", "message": f"variable {long_id} does not exist"})
        if self.arrow and ARROW in request.headers.get("Accept", ""):
            table = read_arrow(arrow_answer())
            table = table.select([table.schema.get_field_index(long_id) for long_id in wanted])
            sink = io.BytesIO()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            return httpx.Response(200, content=sink.getvalue(), headers={"Content-Type": ARROW})
        return httpx.Response(200, json={"datadefs": [known[long_id] for long_id in wanted]})


FAKE_CONFIG = {"api_key": "pat-1", "sso_base_url": "http://sso.test", "braincube_base_url": "http://api.test/"}


def fake_client(fake: FakeBraincube, config: dict | None = None, **options: Any) -> Client:
    options.setdefault("backoff", 0)
    return Client(config_dict=config or FAKE_CONFIG, transport=httpx.MockTransport(fake), **options)


def test_pat_client_sends_only_the_api_key_to_user_me() -> None:
    fake = FakeBraincube()
    with fake_client(fake) as c:
        assert str(c) == "Client(domain=http://sso.test)"
        assert list(c.get_braincube_infos()) == ["plant-a", "pilot"]
        me = fake.requests[0]
        assert str(me.url) == "http://sso.test/sso-server/ws/user/me"
        assert me.headers["X-api-key"] == "pat-1" and "IPLSSOTOKEN" not in me.headers
        bc = c.get_braincube("plant-a")
        bc.get_memory_base(FAKE_MB)
        api_call = fake.requests[-1]
        assert str(api_call.url) == f"http://api.test/braincube/plant-a/braincube/mb/{FAKE_MB}/extended"
        assert api_call.headers["Accept"] == "application/json"
        assert api_call.headers["Content-Type"] == "application/json"


def test_oauth2_exchange_then_session_header_and_reauthentication() -> None:
    fake = FakeBraincube()
    config = {"oauth2_token": "oauth-1", "sso_base_url": "http://sso.test", "braincube_base_url": "http://api.test"}
    with fake_client(fake, config) as c:
        exchange, me = fake.requests[:2]
        assert exchange.method == "GET" and str(exchange.url).endswith("/sso-server/ws/oauth2/session")
        assert exchange.headers["Authorization"] == "Bearer oauth-1" and "X-api-key" not in exchange.headers
        assert me.headers["IPLSSOTOKEN"] == "sess-1" and "Authorization" not in me.headers
        # the session expires: the next call re-exchanges the bearer once and succeeds
        fake.session_token = "sess-2"
        mb = c.get_braincube("plant-a").get_memory_base(FAKE_MB)
        assert mb.get_name() == "Line 3" and fake.sessions_issued == 2
        assert fake.requests[-1].headers["IPLSSOTOKEN"] == "sess-2"
    with pytest.raises(errors.AuthenticationError, match="bad bearer"):
        fake_client(FakeBraincube(), {**config, "oauth2_token": "wrong"})


def test_missing_credentials_fail_before_any_request() -> None:
    fake = FakeBraincube()
    with pytest.raises(errors.MissingCredentialsError, match="api_key") as caught:
        fake_client(fake, {"sso_base_url": "http://sso.test", "braincube_base_url": "http://api.test"})
    assert isinstance(caught.value, KeyError) and fake.requests == []


def test_retries_on_503_and_connection_errors_then_gives_up() -> None:
    fake = FakeBraincube(script=[httpx.Response(503, json={"message": "busy"}), httpx.ConnectError("refused"), None])
    with fake_client(fake, retries=2) as c:
        assert "plant-a" in c.get_braincube_infos()
    assert len(fake.requests) == 3
    down = FakeBraincube(script=[httpx.ConnectError("refused")] * 5)
    with pytest.raises(errors.TransportError, match="gave up after 2 retries"):
        fake_client(down, retries=2)
    assert len(down.requests) == 3
    busy = FakeBraincube(script=[httpx.Response(504, text="gateway timeout")] * 5)
    with pytest.raises(errors.ServerError, match="gateway timeout") as caught:
        fake_client(busy, retries=1)
    assert caught.value.status == 504 and len(busy.requests) == 2


def test_no_status_retry_for_a_user_post_but_typed_errors_everywhere() -> None:
    fake = FakeBraincube()
    with fake_client(fake, retries=3) as c:
        fake.script = [httpx.Response(502, text="upstream down")]
        with pytest.raises(errors.ServerError):
            c.request_ws("braincube/plant-a/anything", body_data="{}", rtype="post")
        assert fake.requests[-1].method == "POST" and len(fake.requests) == 2
        with pytest.raises(errors.NotFoundError, match="nothing at /braincube/plant-a/nope") as caught:
            c.request_ws("braincube/plant-a/nope")
        assert caught.value.status == 404 and caught.value.body["error"] == "not_found"
        with pytest.raises(ValueError, match="rtype"):
            c.request_ws("x", rtype="FETCH")
        fake.script = [httpx.Response(200, text="<html>login</html>")]
        with pytest.raises(errors.ResponseDecodeError, match="login"):
            c.request_ws("braincube/plant-a/html")


def test_request_ws_merges_headers_and_sends_dicts_as_json() -> None:
    fake = FakeBraincube()
    with fake_client(fake) as c:
        info = c.request_ws(f"braincube/plant-a/braindata/mb{FAKE_MB}/simple", headers={"X-Trace": "t1"})
        assert info["reference"] == f"mb{FAKE_MB}/d2000001"
        sent = fake.requests[-1]
        assert sent.headers["X-Trace"] == "t1" and sent.headers["X-api-key"] == "pat-1"
        # a caller-supplied auth header replaces ours instead of being sent next to it
        with pytest.raises(errors.AuthenticationError):
            c.request_ws("braincube/plant-a/braincube/mb/all/summary?offset=0&size=1", headers={"x-API-key": "bad"})
        assert fake.requests[-1].headers.get_list("X-api-key") == ["bad"]
        c.request_ws("braincube/plant-a/echo", body_data={"a": [1, 2]}, rtype="PUT", response_as_json=False)
        assert json.loads(fake.requests[-1].content) == {"a": [1, 2]}
        raw = c.request_ws("sso-server/ws/user/me", api=False, response_as_json=False)
        assert isinstance(raw, httpx.Response) and raw.status_code == 200 and "accessList" in raw.json()


def test_placeholder_mode_puts_the_name_in_the_host() -> None:
    fake = FakeBraincube()
    config = {**FAKE_CONFIG, "braincube_base_url": "http://{braincube-name}.api.test/v2"}
    with fake_client(fake, config) as c:
        assert c.has_placeholder_in_braincube_url()
        bc = c.get_braincube("plant-a")
        mb = bc.get_memory_base(FAKE_MB)
        assert str(fake.requests[-1].url) == f"http://plant-a.api.test/v2/braincube/mb/{FAKE_MB}/extended"
        assert mb.get_braincube_path() == ""
        mb.get_data([2000017])
        assert [str(r.url) for r in fake.requests[-2:]] == [
            f"http://plant-a.api.test/v2/braindata/mb{FAKE_MB}/simple",
            f"http://plant-a.api.test/v2/braindata/mb{FAKE_MB}/LF",
        ]
        with pytest.raises(errors.ConfigurationError, match="braincube_name"):
            c.request_ws(f"braindata/mb{FAKE_MB}/simple")
        assert c.request_ws(f"braindata/mb{FAKE_MB}/simple", braincube_name="plant-a")["name"] == "Line 3"


def test_braincube_entities_and_names() -> None:
    fake = FakeBraincube()
    with fake_client(fake) as c:
        plant_a, pilot = c.get_braincube_list()
        assert plant_a.get_name() == "plant-a"  # no top-level name: falls back to product.name
        assert pilot.get_name() == "Pilot lab" and pilot.get_bcid() == "pilot" and pilot.get_uuid() == "uuid-p"
        assert plant_a.get_braincube_path() == "braincube/plant-a"
        with pytest.raises(KeyError, match="nope"):
            c.get_braincube("nope")
        with pytest.raises(errors.NotFoundError):
            braincube.get_braincube("nope", client=c)
        mb = plant_a.get_memory_base(FAKE_MB)
        assert mb.get_uuid() == "abc" and mb.get_client() is c and mb.get_braincube_path() == "braincube/plant-a/"
        assert str(mb) == "MemoryBase(name=Line 3)" and repr(mb).startswith("<MemoryBase(name=Line 3, id=42) at 0x")
        var = mb.get_variable(2000017)
        assert (var.get_name(), var.get_type(), var.get_long_id()) == ("Oven temperature", "NUMERIC", "mb42/d2000017")
        with pytest.warns(UserWarning):
            assert var.get_uuid() == "mb42/d2000017"
        parameters.set_parameter({"VariableDescription_name_key": "tag"})
        assert var.get_name() == "OVN_T"
        assert [v.get_name() for v in mb.get_variable_list()] == ["REF", "OVN_T", "RCP", "SPD"]
        with pytest.raises(errors.NotFoundError, match="variables/999"):
            mb.get_variable(999)


def test_paging_one_page_all_pages_and_broken_servers() -> None:
    fake = FakeBraincube()
    with fake_client(fake) as c:
        bc = c.get_braincube("plant-a")
        start = len(fake.requests)
        listed = bc.get_memory_base_list(page_size=2)
        assert [m.get_bcid() for m in listed] == [41, 42, 43, 44, 45]
        assert [r.url.query.decode() for r in fake.requests[start:]] == [
            "offset=0&size=2",
            "offset=2&size=2",
            "offset=4&size=2",
            "offset=5&size=2",
        ]
        assert [m.get_bcid() for m in bc.get_memory_base_list(page=1, page_size=2)] == [43, 44]
        assert bc.get_memory_base_list(page=9, page_size=2) == []
        parameters.set_parameter({"page_size": 4})
        bc.get_memory_base_list(page=0)
        assert fake.requests[-1].url.params["size"] == "4"
        with pytest.raises(ValueError, match="page_size"):
            bc.get_memory_base_list(page_size=0)
    ignoring = FakeBraincube(ignore_offset=True)
    with fake_client(ignoring) as c, pytest.warns(UserWarning, match="offset"):
        assert [m.get_bcid() for m in c.get_braincube("plant-a").get_memory_base_list(page_size=2)] == [41, 42]
    capped = FakeBraincube(cap=2)
    with fake_client(capped) as c:
        assert len(c.get_braincube("plant-a").get_memory_base_list(page_size=3)) == 5


def test_job_filters_and_request_body_match_the_protocol_example() -> None:
    fake = FakeBraincube(arrow=False)
    with fake_client(fake) as c:
        mb = c.get_braincube("plant-a").get_memory_base(FAKE_MB)
        job = mb.get_job(310)
        assert job.get_uuid() == "77aa"
        assert job.get_variable_ids() == [2000001, 2000017, 2000031]
        assert job.get_categories() == FAKE_JOB["modelEntries"]
        events = job.get_events()
        assert [e.get_bcid() for e in events["positiveEvents"]] == [7]
        assert [e.get_bcid() for e in events["negativeEvents"]] == [8, 9]
        expected = {
            "AND": [
                {
                    "AND": [
                        {
                            "AND": [
                                {"BETWEEN": ["mb42/d2000017", 150, 230]},
                                {"NOT": [{"GREAT": ["mb42/d2000031", 10]}]},
                            ]
                        },
                        {"OR": [{"EQUALS": ["mb42/d2000023", ["R1"]]}, {"EQUALS": ["mb42/d2000023", ["R2"]]}]},
                    ]
                },
                {"BETWEEN": ["mb42/d2000001", "20240101_000000", "20240131_235959"]},
            ]
        }
        assert job.get_conditions(combine=True, include_events=True) == [expected]
        assert job.get_conditions() == [{"BETWEEN": ["mb42/d2000017", 150, 230]}]
        before = len(fake.requests)
        result = job.get_data(filters=[{"LESS": ["mb42/d2000031", 99]}])
        lf = fake.requests[-1]
        body = json.loads(lf.content)
        assert body == {
            "order": "mb42/d2000001",
            "definitions": ["mb42/d2000001", "mb42/d2000017", "mb42/d2000031"],
            "context": {"dataSource": "mb42", "filter": {"AND": [{"LESS": ["mb42/d2000031", 99]}, expected]}},
        }
        # each variable is fetched once per call (events 7/8/9 and the job share variables)
        variable_calls = [p for p in fake.paths()[before:] if "/variables/" in p]
        assert len(variable_calls) == len(set(variable_calls)) == 4
        assert list(result) == [2000001, 2000017, 2000031]
        assert result[2000031] == [3, -4, 12]
        # rules reached from the job work (the official client raises TypeError here)
        (rule,) = job.get_rule_list()
        assert rule.get_name() == "Keep oven below 230" and rule.get_memory_base() is mb
        assert job.get_rule(5001).get_bcid() == 5001
        assert [r.get_bcid() for r in mb.get_rule_list()] == [5001, 5002]
        group = mb.get_datagroup_list()[0]
        assert group.get_variable_ids() == [2000017, 2000001]
        assert [v.get_name() for v in group.get_variable_list()] == ["Oven temperature", "Reference date"]
        assert list(group.get_data()) == [2000017, 2000001]
        assert [e.get_name() for e in mb.get_event_list()][0] == "Recipes R1/R2, January 2024"
        assert mb.get_event(9).get_conditions() == []


@pytest.mark.parametrize("wire", ["auto", "arrow", "json"])
def test_wire_formats_give_identical_results(wire: str) -> None:
    fake = FakeBraincube()
    ids = [2000001, 2000017, 2000031, 2000023]
    with fake_client(fake) as c:
        mb = c.get_braincube("plant-a").get_memory_base(FAKE_MB)
        parameters.set_parameter({"wire_format": wire})
        columns = mb.get_data(ids)
        accept = fake.requests[-1].headers["Accept"]
        assert (ARROW in accept) is (wire != "json")
        assert_columns(columns, data.decode_json_columns(JSON_ANSWER))
        frame = mb.get_data([str(i) for i in ids], dataframe=True)
        pd.testing.assert_frame_equal(frame, data.columns_to_frame(data.decode_json_columns(JSON_ANSWER)))
        named = mb.get_data(ids, label_type="name", dataframe=True)
        assert list(named.columns) == ["Reference date", "Oven temperature", "Speed", "Recipe"]
        parameters.set_parameter({"parse_date": True})
        assert mb.get_data([2000001])[2000001] == [dt.datetime(2024, 1, 3, 6, 15), dt.datetime(2024, 1, 3, 6, 30), None]


def test_forced_arrow_against_a_json_only_server_is_an_error() -> None:
    fake = FakeBraincube(arrow=False)
    with fake_client(fake) as c:
        mb = c.get_braincube("plant-a").get_memory_base(FAKE_MB)
        assert_columns(mb.get_data([2000031]), {2000031: [3, -4, 12]})  # auto falls back to JSON
        parameters.set_parameter({"wire_format": "arrow"})
        with pytest.raises(errors.WireFormatError, match="application/json"):
            mb.get_data([2000031])


def test_progress_bar_on_request(capsys) -> None:
    fake = FakeBraincube()
    with fake_client(fake) as c:
        mb = c.get_braincube("plant-a").get_memory_base(FAKE_MB)
        mb.get_data([2000031])
        assert "braindata" not in capsys.readouterr().err
        parameters.set_parameter({"progress": True})
        mb.get_data([2000031])
        mb.get_variable_list(page_size=2)
        err = capsys.readouterr().err
        assert "braindata" in err and "variables" in err


def test_explicit_clients_do_not_touch_the_singleton() -> None:
    first, second = fake_client(FakeBraincube()), fake_client(FakeBraincube())
    assert instances.get_instance(client.INSTANCE_KEY) is None
    a = first.get_braincube("plant-a").get_memory_base(FAKE_MB)
    b = second.get_braincube("plant-a").get_memory_base(FAKE_MB)
    assert a.get_client() is first and b.get_client() is second
    assert a.get_variable(2000017).get_client() is first
    client.set_instance(first)
    assert client.get_instance(config_dict={"ignored": True}) is first
    assert braincube.get_braincube("plant-a").get_client() is first
    with pytest.raises(client.AlreadyExistsError):
        client.set_instance(second)
    client.set_instance(second, replace=True)
    assert client.get_instance() is second
    first.close()
    second.close()


# =============================================================================================
# Integration with the braindock server (tests/conftest.py)
# =============================================================================================

COLUMNS = ["timestamp", "temperature", "pressure", "speed", "recipe", "shift"]


def expected_columns(plant, mask=None, columns=COLUMNS, parse_date=False, label="bcid") -> dict[Any, list[Any]]:
    """What get_data must return, computed by pandas from the source frame."""
    source = plant.sorted_frame()
    if mask is not None:
        source = source[mask(source)]
    out: dict[Any, list[Any]] = {}
    for column in columns:
        series = source[column]
        if column == "timestamp":
            if parse_date:
                values = [None if pd.isna(v) else v.to_pydatetime() for v in series]
            else:
                values = ["null" if pd.isna(v) else v.strftime("%Y%m%d_%H%M%S") for v in series]
        elif column in ("temperature", "pressure"):
            values = [float(v) for v in series]
        elif column == "speed":
            values = [int(v) for v in series]
        else:
            values = ["null" if pd.isna(v) else str(v) for v in series]
        out[plant.vars[column] if label == "bcid" else column] = values
    return out


def sdk(plant, token: str | None = None, **options: Any) -> Client:
    config = dict(plant.config)
    if token is not None:
        config["api_key"] = token
    return Client(config_dict=config, **options)


@pytest.fixture()
def live_mb(plant) -> Iterator[MemoryBase]:
    with sdk(plant) as c:
        yield c.get_braincube(plant.braincube).get_memory_base(plant.mb)


def test_drop_in_singleton_usage(plant) -> None:
    client.get_instance(config_dict=plant.config)
    (bc,) = braincube.get_braincube_list()
    assert bc.get_name() == "plant-a" and bc.get_bcid() == "plant-a" and bc.get_uuid()
    mb = braincube.get_braincube("plant-a").get_memory_base(plant.mb)
    assert mb.get_bcid() == plant.mb and mb.get_name() == "Line 1"
    info = client.request_ws(f"braincube/plant-a/braindata/mb{plant.mb}/simple")
    assert info["reference"] == plant.long_id("timestamp") == mb.get_order_variable_long_id()
    ids = [plant.vars["speed"], plant.vars["recipe"]]
    assert_columns(mb.get_data(ids), expected_columns(plant, columns=["speed", "recipe"]))


def test_lists_with_small_pages(plant, live_mb: MemoryBase) -> None:
    variables = live_mb.get_variable_list(page_size=2)
    assert {v.get_name(): v.get_bcid() for v in variables} == plant.vars
    assert [v.get_bcid() for v in live_mb.get_variable_list(page=1, page_size=2)] == [
        plant.vars["pressure"],
        plant.vars["speed"],
    ]
    types = {v.get_name(): v.get_type() for v in variables}
    assert types == {
        "timestamp": "DATETIME",
        "temperature": "NUMERIC",
        "pressure": "NUMERIC",
        "speed": "NUMERIC",
        "recipe": "DISCRETE",
        "shift": "DISCRETE",
    }
    bc = live_mb.get_client().get_braincube("plant-a")
    assert plant.mb in [m.get_bcid() for m in bc.get_memory_base_list(page_size=1)]
    assert {e.get_bcid() for e in live_mb.get_event_list(page_size=1)} >= {plant.event_pos, plant.event_neg}
    assert plant.job in [j.get_bcid() for j in live_mb.get_job_list(page_size=1)]
    assert plant.datagroup in [g.get_bcid() for g in live_mb.get_datagroup_list(page_size=1)]
    assert plant.rule in [r.get_bcid() for r in live_mb.get_rule_list(page_size=1)]
    assert live_mb.get_rule(plant.rule).get_metadata()["description"] == "alarm"


OPERATOR_CASES: list[tuple[str, Callable[[Any], list[dict]], Callable[[pd.DataFrame], pd.Series]]] = [
    ("equals-number", lambda p: [{"EQUALS": [p.long_id("speed"), 150]}], lambda f: f.speed == 150),
    ("equals-text", lambda p: [{"EQUALS": [p.long_id("recipe"), "R2"]}], lambda f: f.recipe == "R2"),
    (
        "equals-list",
        lambda p: [{"EQUALS": [p.long_id("recipe"), ["R1", "R3"]]}],
        lambda f: f.recipe.isin(["R1", "R3"]),
    ),
    (
        "between",
        lambda p: [{"BETWEEN": [p.long_id("pressure"), 1.0, 2.0]}],
        lambda f: (f.pressure >= 1.0) & (f.pressure <= 2.0),
    ),
    ("great", lambda p: [{"GREAT": [p.long_id("temperature"), 80]}], lambda f: f.temperature > 80),
    ("great-equals", lambda p: [{"GREAT_EQUALS": [p.long_id("speed"), 190]}], lambda f: f.speed >= 190),
    ("less", lambda p: [{"LESS": [p.long_id("temperature"), 60.5]}], lambda f: f.temperature < 60.5),
    ("less-equals", lambda p: [{"LESS_EQUALS": [p.long_id("speed"), 85]}], lambda f: f.speed <= 85),
    ("not", lambda p: [{"NOT": [{"GREAT": [p.long_id("temperature"), 70]}]}], lambda f: ~(f.temperature > 70)),
    (
        "datetime-between",
        lambda p: [{"BETWEEN": [p.long_id("timestamp"), "20240101_010000", "20240101_013000"]}],
        lambda f: (f.timestamp >= "2024-01-01 01:00") & (f.timestamp <= "2024-01-01 01:30"),
    ),
    (
        "list-is-and-folded",
        lambda p: [
            {"EQUALS": [p.long_id("shift"), "2"]},
            {"GREAT": [p.long_id("pressure"), 2.0]},
            {"LESS": [p.long_id("speed"), 120]},
        ],
        lambda f: (f["shift"] == "2") & (f.pressure > 2.0) & (f.speed < 120),
    ),
    (
        "nested-and-or-not",
        lambda p: [
            {
                "OR": [
                    {"AND": [{"EQUALS": [p.long_id("recipe"), ["R1"]]}, {"GREAT": [p.long_id("speed"), 180]}]},
                    {"NOT": [{"BETWEEN": [p.long_id("temperature"), 50, 95]}]},
                ]
            }
        ],
        lambda f: ((f.recipe == "R1") & (f.speed > 180)) | ~((f.temperature >= 50) & (f.temperature <= 95)),
    ),
]


@pytest.mark.parametrize("wire", ["json", "arrow"])
@pytest.mark.parametrize(("name", "make_filters", "mask"), OPERATOR_CASES, ids=[c[0] for c in OPERATOR_CASES])
def test_get_data_operators_match_pandas(plant, live_mb: MemoryBase, wire, name, make_filters, mask) -> None:
    parameters.set_parameter({"wire_format": wire})
    ids = [plant.vars[c] for c in COLUMNS]
    expected = expected_columns(plant, mask)
    assert len(next(iter(expected.values()))) > 0, "the case must select rows"
    assert_columns(live_mb.get_data(ids, filters=make_filters(plant)), expected)


def test_no_filter_returns_everything_in_order_with_int_and_float_columns(plant, live_mb: MemoryBase) -> None:
    ids = [plant.vars[c] for c in COLUMNS]
    columns = live_mb.get_data(ids)
    assert_columns(columns, expected_columns(plant))
    assert {type(v) for v in columns[plant.vars["speed"]]} == {int}
    assert {type(v) for v in columns[plant.vars["temperature"]]} == {float}
    assert columns[plant.vars["timestamp"]][-5:] == ["null"] * 5  # missing order values sort last
    reordered = live_mb.get_data([plant.vars["shift"], str(plant.vars["speed"])])
    assert list(reordered) == [plant.vars["shift"], plant.vars["speed"]]


@pytest.mark.parametrize("parse_date", [False, True])
def test_dataframes_from_both_wire_formats_are_equal_and_match_pandas(plant, live_mb, parse_date) -> None:
    parameters.set_parameter({"parse_date": parse_date})
    ids = [plant.vars[c] for c in COLUMNS]
    filters = [{"NOT": [{"EQUALS": [plant.long_id("recipe"), ["R3"]]}]}]
    frames = {}
    for wire in ("json", "arrow"):
        parameters.set_parameter({"wire_format": wire})
        frames[wire] = live_mb.get_data(ids, filters=filters, dataframe=True)
    pd.testing.assert_frame_equal(frames["json"], frames["arrow"])
    expected = pd.DataFrame(expected_columns(plant, lambda f: ~(f.recipe == "R3"), parse_date=parse_date))
    pd.testing.assert_frame_equal(frames["arrow"], expected)
    assert frames["arrow"][plant.vars["speed"]].dtype == "int64"
    for wire in ("json", "arrow"):
        parameters.set_parameter({"wire_format": wire})
        named = live_mb.get_data(ids, filters=filters, label_type="name", dataframe=True)
        expected_named = pd.DataFrame(
            expected_columns(plant, lambda f: ~(f.recipe == "R3"), parse_date=parse_date, label="name")
        )
        pd.testing.assert_frame_equal(named, expected_named)


def test_label_type_name_and_parse_date(plant, live_mb: MemoryBase) -> None:
    ids = [plant.vars[c] for c in COLUMNS]
    named = live_mb.get_data(ids, label_type="name")
    assert_columns(named, expected_columns(plant, label="name"))
    parameters.set_parameter({"parse_date": True})
    for wire in ("json", "arrow"):
        parameters.set_parameter({"wire_format": wire})
        stamps = live_mb.get_data([plant.vars["timestamp"]])[plant.vars["timestamp"]]
        expected = expected_columns(plant, columns=["timestamp"], parse_date=True)[plant.vars["timestamp"]]
        assert stamps == expected and stamps[0] == dt.datetime(2024, 1, 1) and stamps[-1] is None


def test_event_and_job_conditions_and_job_data(plant, live_mb: MemoryBase) -> None:
    L = plant.long_id
    positive = live_mb.get_event(plant.event_pos).get_conditions()
    recipes = {"OR": [{"EQUALS": [L("recipe"), ["R1"]]}, {"EQUALS": [L("recipe"), ["R2"]]}]}
    window = {"BETWEEN": [L("timestamp"), "20240101_060000", "20240101_200000"]}
    assert positive == [recipes, window]
    assert live_mb.get_event(plant.event_neg).get_conditions() == [{"GREAT": [L("temperature"), 80]}]
    job = live_mb.get_job(plant.job)
    own = {"BETWEEN": [L("pressure"), 1.0, 3.0]}
    hot = {"NOT": [{"GREAT": [L("temperature"), 80]}]}
    assert job.get_conditions() == [own]
    assert job.get_conditions(include_events=True) == [own, hot, recipes, window]
    assert job.get_conditions(combine=True, include_events=True) == [
        {"AND": [{"AND": [{"AND": [own, hot]}, recipes]}, window]}
    ]
    assert job.get_variable_ids() == sorted([plant.vars["temperature"], plant.vars["pressure"], plant.vars["speed"]])
    assert [r.get_bcid() for r in job.get_rule_list()] == [plant.rule]

    def in_job(f: pd.DataFrame) -> pd.Series:
        return (
            (f.pressure >= 1.0)
            & (f.pressure <= 3.0)
            & ~(f.temperature > 80)
            & f.recipe.isin(["R1", "R2"])
            & (f.timestamp >= "2024-01-01 06:00")
            & (f.timestamp <= "2024-01-01 20:00")
        )

    for wire in ("json", "arrow"):
        parameters.set_parameter({"wire_format": wire})
        result = job.get_data()
        expected = expected_columns(plant, in_job, columns=["temperature", "pressure", "speed"])
        assert_columns(result, expected)
        assert len(result[plant.vars["speed"]]) > 10
        extra = job.get_data(filters=[{"LESS": [L("speed"), 120]}])
        assert_columns(
            extra,
            expected_columns(
                plant, lambda f: in_job(f) & (f.speed < 120), columns=["temperature", "pressure", "speed"]
            ),
        )
    group = live_mb.get_datagroup(plant.datagroup)
    assert group.get_variable_ids() == [plant.vars["temperature"], plant.vars["pressure"]]
    assert_columns(
        group.get_data([{"GREAT": [L("pressure"), 3.5]}]),
        expected_columns(plant, lambda f: f.pressure > 3.5, columns=["temperature", "pressure"]),
    )


def test_request_ws_against_the_server(plant) -> None:
    with sdk(plant) as c:
        me = c.request_ws("sso-server/ws/user/me", api=False)
        assert [e["product"]["name"] for e in me["accessList"]] == ["plant-a"]
        response = c.request_ws(f"/braincube/plant-a/braincube/mb/{plant.mb}/extended/", response_as_json=False)
        assert response.status_code == 200 and response.json()["bcId"] == plant.mb
        body = {
            "order": plant.long_id("timestamp"),
            "definitions": [plant.long_id("speed")],
            "context": {"dataSource": f"mb{plant.mb}", "filter": {"LESS": [plant.long_id("speed"), 82]}},
        }
        answer = c.request_ws(f"braincube/plant-a/braindata/mb{plant.mb}/LF", body_data=json.dumps(body), rtype="POST")
        expected = expected_columns(plant, lambda f: f.speed < 82, columns=["speed"])[plant.vars["speed"]]
        assert [int(v) for v in answer["datadefs"][0]["data"]] == expected


def test_oauth2_configuration_against_the_server(plant) -> None:
    config = {"oauth2_token": plant.token, "sso_base_url": plant.url, "braincube_base_url": plant.url}
    with Client(config_dict=config) as c:
        assert list(c.get_braincube_infos()) == ["plant-a"]
        mb = c.get_braincube("plant-a").get_memory_base(plant.mb)
        assert_columns(mb.get_data([plant.vars["shift"]]), expected_columns(plant, columns=["shift"]))


def test_config_file_pretty_printed(plant, tmp_path) -> None:
    path = tmp_path / "braincube.json"
    path.write_text(json.dumps(plant.config, indent=2))
    with Client(config_file=str(path)) as c:
        assert c.get_braincube("plant-a").get_memory_base(plant.mb).get_bcid() == plant.mb


def test_typed_errors_from_the_server(plant, live_mb: MemoryBase) -> None:
    with pytest.raises(errors.AuthenticationError) as caught:
        sdk(plant, token="bd_p0_not-a-token")
    assert caught.value.status == 401 and caught.value.message

    with sdk(plant, token=plant.other_token) as bob:
        assert "plant-a" not in bob.get_braincube_infos()
        with pytest.raises(KeyError, match="plant-a"):
            bob.get_braincube("plant-a")
        with pytest.raises(errors.PermissionDeniedError) as denied:
            bob.request_ws(f"braincube/plant-a/braincube/mb/{plant.mb}/extended")
        assert denied.value.status == 403 and "plant-a" in denied.value.message
        with pytest.raises(errors.PermissionDeniedError):
            bob.request_ws(f"braincube/plant-a/braindata/mb{plant.mb}/simple")

    with pytest.raises(errors.NotFoundError, match="999") as missing:
        live_mb.get_variable(999)
    assert missing.value.status == 404
    with pytest.raises(errors.NotFoundError, match="d999"):
        live_mb.get_data([999])
    with pytest.raises(errors.NotFoundError):
        live_mb.get_client().get_braincube("plant-a").get_memory_base(987654)
    for wire in ("json", "arrow"):
        parameters.set_parameter({"wire_format": wire})
        with pytest.raises(errors.BadRequestError, match="FOO") as bad:
            live_mb.get_data([plant.vars["speed"]], filters=[{"FOO": [plant.long_id("speed"), 1]}])
        assert bad.value.status == 400 and bad.value.body["error"]
        with pytest.raises(errors.BadRequestError, match="BETWEEN"):
            live_mb.get_data([plant.vars["speed"]], filters=[{"BETWEEN": [plant.long_id("speed"), 1]}])


def test_revoked_token_raises_authentication_error(plant) -> None:
    token = plant.server.cli("token", "create", "alice@example.com")
    with sdk(plant, token=token) as c:
        mb = c.get_braincube("plant-a").get_memory_base(plant.mb)
        plant.server.cli("token", "revoke", token)
        with pytest.raises(errors.AuthenticationError) as caught:
            mb.get_variable(plant.vars["speed"])
        assert caught.value.status == 401


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_server_raises_transport_error() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    config = {"api_key": "x", "sso_base_url": url, "braincube_base_url": url}
    with pytest.raises(errors.TransportError, match="127.0.0.1") as caught:
        Client(config_dict=config, timeout=0.5, retries=0)
    assert caught.value.url.endswith("/sso-server/ws/user/me")
    with pytest.raises(errors.TransportError, match="gave up after 1 retries"):
        Client(config_dict=config, timeout=0.5, retries=1, backoff=0)


def test_silent_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection but never answers
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        config = {"api_key": "x", "sso_base_url": url, "braincube_base_url": url}
        with pytest.raises(errors.TransportError, match="ReadTimeout"):
            Client(config_dict=config, timeout=0.3, retries=0)


def test_name_keys_walk_the_class_hierarchy() -> None:
    assert VariableDescription.get_parameter_key("name") == "standard"
    parameters.set_parameter({"MbChild_name_key": "local"})
    assert VariableDescription.get_parameter_key("name") == "standard"
    parameters.set_parameter({"VariableDescription_name_key": ""})
    assert VariableDescription.get_parameter_key("name") == "local"
