"""Braindata E14/E15: every filter operator against pandas on the same data, both wire formats, errors."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tests.conftest import Plant

ARROW = "application/vnd.apache.arrow.stream"
COLUMNS = ["timestamp", "temperature", "pressure", "speed", "recipe", "shift"]


def lf(plant: Plant, filter_: Any = None, columns: list[str] = COLUMNS, accept: str | None = None):
    body: dict[str, Any] = {
        "order": plant.long_id("timestamp"),
        "definitions": [plant.long_id(c) for c in columns],
        "context": {"dataSource": f"mb{plant.mb}"},
    }
    if filter_ is not None:
        body["context"]["filter"] = filter_
    headers = {"Accept": accept} if accept else {}
    with plant.api() as api:
        return api.post(f"/braincube/plant-a/braindata/mb{plant.mb}/LF", content=json.dumps(body), headers=headers)


def decode_json(plant: Plant, response) -> pd.DataFrame:
    """Turn a JSON datadefs body into typed columns named like the source."""
    assert response.status_code == 200, response.text
    names = {plant.long_id(c): c for c in plant.vars}
    frame = {}
    for column in response.json()["datadefs"]:
        values = column["data"]
        if column["type"] == "NUMERIC":
            frame[names[column["id"]]] = pd.Series([float(v) for v in values], dtype="float64")
        elif column["type"] == "DATETIME":
            frame[names[column["id"]]] = pd.to_datetime(
                pd.Series([None if v == "null" else v for v in values], dtype="object"), format="%Y%m%d_%H%M%S"
            )
        else:
            frame[names[column["id"]]] = pd.Series([None if v == "null" else v for v in values], dtype="object")
    return pd.DataFrame(frame)


def expected(plant: Plant, mask) -> pd.DataFrame:
    source = plant.sorted_frame()
    chosen = source[mask(source)].reset_index(drop=True)
    out = chosen[COLUMNS].copy()
    for column in ("temperature", "pressure", "speed"):
        out[column] = out[column].astype("float64")
    out["recipe"] = out["recipe"].astype("object").where(out["recipe"].notna(), None)
    return out


def check(plant: Plant, filter_: Any, mask) -> int:
    got = decode_json(plant, lf(plant, filter_))
    want = expected(plant, mask)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    return len(want)


def L(plant: Plant, column: str) -> str:  # noqa: N802 - reads like the protocol's long id
    return plant.long_id(column)


def test_simple_describes_the_order_variable(plant: Plant) -> None:
    with plant.api() as api:
        body = api.get(f"/braincube/plant-a/braindata/mb{plant.mb}/simple").json()
    assert body["reference"] == L(plant, "timestamp")
    assert body["name"] == "Line 1"


def test_no_filter_returns_every_row_in_order(plant: Plant) -> None:
    assert check(plant, None, lambda f: np.ones(len(f), bool)) == len(plant.frame)
    raw = lf(plant, None, ["timestamp", "speed"]).json()["datadefs"]
    assert raw[0]["data"][-1] == "null"  # missing timestamps sort last
    assert all(value.isdigit() for value in raw[1]["data"])  # integer variable: integer strings


@pytest.mark.parametrize(
    ("name", "make_filter", "mask"),
    [
        ("EQUALS numeric", lambda p: {"EQUALS": [L(p, "speed"), 120]}, lambda f: f.speed == 120),
        ("EQUALS discrete", lambda p: {"EQUALS": [L(p, "recipe"), "R2"]}, lambda f: f.recipe == "R2"),
        (
            "EQUALS list",
            lambda p: {"EQUALS": [L(p, "recipe"), ["R1", "R3"]]},
            lambda f: f.recipe.isin(["R1", "R3"]),
        ),
        ("EQUALS coded integer", lambda p: {"EQUALS": [L(p, "shift"), 2.0]}, lambda f: f["shift"] == "2"),
        (
            "BETWEEN inclusive",
            lambda p: {"BETWEEN": [L(p, "pressure"), 1.5, 2.5]},
            lambda f: f.pressure.between(1.5, 2.5),
        ),
        ("LESS", lambda p: {"LESS": [L(p, "temperature"), 75]}, lambda f: f.temperature < 75),
        ("LESS_EQUALS", lambda p: {"LESS_EQUALS": [L(p, "speed"), 100]}, lambda f: f.speed <= 100),
        ("GREAT", lambda p: {"GREAT": [L(p, "temperature"), 75]}, lambda f: f.temperature > 75),
        ("GREAT_EQUALS", lambda p: {"GREAT_EQUALS": [L(p, "speed"), 190]}, lambda f: f.speed >= 190),
        (
            "BETWEEN datetime",
            lambda p: {"BETWEEN": [L(p, "timestamp"), "20240101_060000", "20240101_200000"]},
            lambda f: f.timestamp.between(pd.Timestamp("2024-01-01 06:00"), pd.Timestamp("2024-01-01 20:00")),
        ),
        (
            "GREAT datetime in epoch ms",
            lambda p: {"GREAT": [L(p, "timestamp"), 1704132000000]},
            lambda f: f.timestamp > pd.Timestamp("2024-01-01 18:00"),
        ),
        (
            "NOT selects missing values",
            lambda p: {"NOT": [{"GREAT": [L(p, "temperature"), 80]}]},
            lambda f: ~(f.temperature > 80),
        ),
        ("Not in mixed case", lambda p: {"Not": [{"EQUALS": [L(p, "recipe"), ["R1"]]}]}, lambda f: f.recipe != "R1"),
        ("empty NOT", lambda p: {"NOT": []}, lambda f: np.ones(len(f), bool)),
        (
            "AND",
            lambda p: {"AND": [{"GREAT": [L(p, "speed"), 150]}, {"EQUALS": [L(p, "recipe"), ["R3"]]}]},
            lambda f: (f.speed > 150) & (f.recipe == "R3"),
        ),
        (
            "OR",
            lambda p: {"OR": [{"LESS": [L(p, "pressure"), 1]}, {"GREAT": [L(p, "pressure"), 3.5]}]},
            lambda f: (f.pressure < 1) | (f.pressure > 3.5),
        ),
        (
            "nested AND/OR/NOT",
            lambda p: {
                "OR": [
                    {
                        "AND": [
                            {"NOT": [{"OR": [{"EQUALS": [L(p, "shift"), "1"]}, {"LESS": [L(p, "speed"), 100]}]}]},
                            {"BETWEEN": [L(p, "temperature"), 70, 90]},
                        ]
                    },
                    {"AND": [{"EQUALS": [L(p, "recipe"), ["R2"]]}, {"NOT": [{"GREAT_EQUALS": [L(p, "pressure"), 1]}]}]},
                ]
            },
            lambda f: (
                (~((f["shift"] == "1") | (f.speed < 100)) & f.temperature.between(70, 90))
                | ((f.recipe == "R2") & ~(f.pressure >= 1))
            ),
        ),
        (
            "AND with more than two operands",
            lambda p: {
                "and": [{"GREAT": [L(p, "speed"), 90]}, {"LESS": [L(p, "speed"), 180]}, {"EQUALS": [L(p, "shift"), 3]}]
            },
            lambda f: (f.speed > 90) & (f.speed < 180) & (f["shift"] == "3"),
        ),
    ],
)
def test_operator_matches_pandas(plant: Plant, name: str, make_filter, mask) -> None:
    rows = check(plant, make_filter(plant), mask)
    assert 0 < rows <= len(plant.frame), name


def test_deep_left_fold_like_the_official_client(plant: Plant) -> None:
    # 499 AND levels = about 1,000 JSON levels, the depth the reference asks servers to accept (5.2);
    # built as text because Python's own json encoder cannot nest that deep
    speed = L(plant, "speed")
    tree = json.dumps({"GREAT": [speed, 0]})
    for i in range(499):
        tree = '{"AND": [' + tree + ", " + json.dumps({"LESS": [speed, 1000 + i]}) + "]}"
    body = '{"definitions": ["' + speed + '"], "context": {"filter": ' + tree + "}}"
    with plant.api() as api:
        response = api.post(f"/braincube/plant-a/braindata/mb{plant.mb}/LF", content=body)
    assert response.status_code == 200, response.text
    assert len(response.json()["datadefs"][0]["data"]) == len(plant.frame)


def test_arrow_and_json_carry_the_same_data(plant: Plant) -> None:
    filter_ = {"OR": [{"EQUALS": [L(plant, "recipe"), ["R1"]]}, {"GREAT": [L(plant, "temperature"), 85]}]}
    response = lf(plant, filter_, accept=ARROW)
    assert response.headers["content-type"] == ARROW
    table = pa.ipc.open_stream(response.content).read_all()
    assert table.column_names == [L(plant, c) for c in COLUMNS]
    assert [f.metadata[b"type"] for f in table.schema] == [
        b"DATETIME",
        b"NUMERIC",
        b"NUMERIC",
        b"NUMERIC",
        b"DISCRETE",
        b"DISCRETE",
    ]
    assert table.schema.field(L(plant, "speed")).type == pa.int64()
    got = table.to_pandas()
    got.columns = COLUMNS
    want = decode_json(plant, lf(plant, filter_))
    for column in ("temperature", "pressure", "speed"):
        np.testing.assert_allclose(got[column].astype(float), want[column], equal_nan=True)
    assert [None if pd.isna(v) else v for v in got["recipe"]] == want["recipe"].tolist()
    assert (got["timestamp"].isna() == want["timestamp"].isna()).all()
    assert (got["timestamp"].dropna().values == want["timestamp"].dropna().values).all()


def test_definitions_are_returned_once_in_request_order(plant: Plant) -> None:
    body = lf(plant, None, ["speed", "recipe", "speed"]).json()
    assert [d["id"] for d in body["datadefs"]] == [L(plant, "speed"), L(plant, "recipe")]
    assert lf(plant, None, []).json() == {"datadefs": []}
    empty = lf(plant, {"GREAT": [L(plant, "speed"), 10_000]}, ["speed"]).json()
    assert empty == {"datadefs": [{"id": L(plant, "speed"), "type": "NUMERIC", "data": []}]}


@pytest.mark.parametrize(
    ("make_filter", "status", "words"),
    [
        (lambda p: {"FOO": [L(p, "speed"), 1]}, 400, ["FOO", "context.filter"]),
        (lambda p: {"BETWEEN": [L(p, "speed"), 1]}, 400, ["BETWEEN", "context.filter.BETWEEN"]),
        (lambda p: {"LESS": [L(p, "speed"), "fast"]}, 400, ["LESS", "NUMERIC", "fast"]),
        (lambda p: {"GREAT": [L(p, "timestamp"), "yesterday"]}, 400, ["GREAT", "yesterday"]),
        (lambda p: {"AND": [{"LESS": [L(p, "speed"), 1]}, {"EQUALS": "x"}]}, 400, ["EQUALS", "AND[1]"]),
        (lambda p: {"EQUALS": [L(p, "recipe"), []]}, 400, ["EQUALS"]),
        (lambda p: {"NOT": [{"LESS": [L(p, "speed"), 1]}, {"LESS": [L(p, "speed"), 2]}]}, 400, ["NOT"]),
        (lambda p: {"LESS": [L(p, "speed"), None]}, 400, ["LESS", "null"]),
        (lambda p: {"LESS": [f"mb{p.mb}/d1999999", 1]}, 404, ["1999999"]),
        (lambda p: {"LESS": [f"mb{p.mb + 1000}/d2000001", 1]}, 400, ["memory base"]),
        (lambda p: ["not", "an", "object"], 400, ["exactly one operator"]),
        (lambda p: {"LESS": [L(p, "speed"), 1], "GREAT": [L(p, "speed"), 1]}, 400, ["exactly one operator"]),
    ],
)
def test_malformed_filters_get_clear_4xx(plant: Plant, make_filter, status: int, words: list[str]) -> None:
    response = lf(plant, make_filter(plant))
    assert response.status_code == status, response.text
    message = response.json()["message"]
    for word in words:
        assert word in message


def test_malformed_bodies_get_400_never_500(plant: Plant) -> None:
    path = f"/braincube/plant-a/braindata/mb{plant.mb}/LF"
    too_deep = '{"NOT":[' * 20000 + "{}" + "]}" * 20000
    bodies = [
        b"not json",
        b"[1, 2]",
        json.dumps({"definitions": "mb1/d2000001"}).encode(),
        json.dumps({"definitions": [42.5]}).encode(),
        json.dumps({"definitions": [], "context": {"dataSource": "mb999999"}}).encode(),
        ('{"definitions": [], "context": {"filter": ' + too_deep + "}}").encode(),
    ]
    with plant.api() as api:
        for body in bodies:
            response = api.post(path, content=body)
            assert response.status_code in (400, 404), (body[:60], response.text)
            assert response.json()["message"]
        assert api.post("/braincube/plant-a/braindata/xyz/LF", content=b"{}").status_code == 404
        assert api.get(f"/braincube/plant-a/braindata/mb{plant.mb}/simple").status_code == 200
