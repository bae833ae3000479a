"""Property tests of the Braincube filter language (``braincube.md`` 5.1; decisions in the README "Filters").

Hypothesis builds random nested filters (EQUALS with a value or a list, BETWEEN, LESS, LESS_EQUALS, GREAT,
GREAT_EQUALS, NOT, AND, OR; operator names in random letter case; bounds as numbers, numeric strings,
``YYYYMMDD_HHMMSS`` or epoch milliseconds) together with the pandas expression that means the same on the
same data. The server's answer to ``braindata/…/LF`` must equal pandas' rows, in order, for every filter:

* ``BETWEEN`` is inclusive, ``LESS``/``GREAT`` strict;
* a missing value fails every comparison, and ``NOT`` selects it (pandas ``~(df.x > 1)``);
* DISCRETE values compare as text.

Random garbage in filter position must answer 400/404, never 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Plant
from tests.server.test_braincube_braindata import decode_json, expected, lf

Mask = Callable[[pd.DataFrame], pd.Series]
Case = tuple[Callable[[Plant], Any], Mask]
FIRST = datetime(2024, 1, 1)
PROFILE = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def _case(name: str) -> st.SearchStrategy[str]:
    """An operator name in random letter case (names are case-insensitive)."""
    return st.sampled_from([name, name.lower(), name.capitalize()])


def _number(low: float, high: float, decimals: int) -> st.SearchStrategy[float]:
    # One decimal more than the data has, ending in 5, so a bound never ties with a stored float.
    return st.integers(int(low * 10**decimals), int(high * 10**decimals)).map(
        lambda i: (i * 10 + 5) / 10 ** (decimals + 1)
    )


@st.composite
def numeric_leaf(draw: st.DrawFn) -> Case:
    column, low, high, decimals = draw(
        st.sampled_from([("temperature", 40, 110, 3), ("pressure", 0.4, 4.1, 4), ("speed", 75, 205, 0)])
    )
    # integers: exact bounds exercise inclusiveness
    value = st.integers(low, high) if column == "speed" else _number(low, high, decimals)
    op = draw(st.sampled_from(["EQUALS", "BETWEEN", "LESS", "LESS_EQUALS", "GREAT", "GREAT_EQUALS"]))
    if op == "EQUALS" and column != "speed":
        op = "LESS"
    as_text = draw(st.booleans())
    wire = (lambda v: str(v)) if as_text else (lambda v: v)
    name = draw(_case(op))
    if op == "BETWEEN":
        a, b = sorted([draw(value), draw(value)])
        return (
            lambda p: {name: [p.long_id(column), wire(a), wire(b)]},
            lambda f: f[column].between(a, b),
        )
    if op == "EQUALS":
        if draw(st.booleans()):
            values = draw(st.lists(value, min_size=1, max_size=4))
            return (lambda p: {name: [p.long_id(column), values]}, lambda f: f[column].isin(values))
        v = draw(value)
        return (lambda p: {name: [p.long_id(column), wire(v)]}, lambda f: f[column] == v)
    v = draw(value)
    compare = {
        "LESS": lambda s: s < v,
        "LESS_EQUALS": lambda s: s <= v,
        "GREAT": lambda s: s > v,
        "GREAT_EQUALS": lambda s: s >= v,
    }[op]
    return (lambda p: {name: [p.long_id(column), wire(v)]}, lambda f: compare(f[column]))


@st.composite
def discrete_leaf(draw: st.DrawFn) -> Case:
    column = draw(st.sampled_from(["recipe", "shift"]))
    levels = ["R1", "R2", "R3", "R4"] if column == "recipe" else ["1", "2", "3", "4"]
    name = draw(_case("EQUALS"))
    if draw(st.booleans()):
        values = draw(st.lists(st.sampled_from(levels), min_size=1, max_size=3))
        return (lambda p: {name: [p.long_id(column), values]}, lambda f: f[column].isin(values))
    value = draw(st.sampled_from(levels))
    # codes may be sent as numbers: 2 and 2.0 both mean "2"
    wire: Any = value if column == "recipe" else draw(st.sampled_from([value, int(value), float(value)]))
    return (lambda p: {name: [p.long_id(column), wire]}, lambda f: f[column] == value)


@st.composite
def datetime_leaf(draw: st.DrawFn) -> Case:
    minutes = st.integers(-30, 2100)
    seconds = st.integers(0, 59)
    moments = [FIRST + timedelta(minutes=draw(minutes), seconds=draw(seconds)) for _ in range(2)]
    style = draw(st.sampled_from(["braincube", "epoch_ms", "iso"]))

    def wire(moment: datetime) -> Any:
        if style == "braincube":
            return moment.strftime("%Y%m%d_%H%M%S")
        if style == "epoch_ms":
            return int(moment.replace(tzinfo=UTC).timestamp() * 1000)
        return moment.isoformat()

    op = draw(st.sampled_from(["BETWEEN", "LESS", "LESS_EQUALS", "GREAT", "GREAT_EQUALS"]))
    name = draw(_case(op))
    a, b = sorted(pd.Timestamp(m) for m in moments)
    if op == "BETWEEN":
        return (
            lambda p: {name: [p.long_id("timestamp"), wire(a.to_pydatetime()), wire(b.to_pydatetime())]},
            lambda f: f["timestamp"].between(a, b),
        )
    compare = {
        "LESS": lambda s: s < a,
        "LESS_EQUALS": lambda s: s <= a,
        "GREAT": lambda s: s > a,
        "GREAT_EQUALS": lambda s: s >= a,
    }[op]
    return (lambda p: {name: [p.long_id("timestamp"), wire(a.to_pydatetime())]}, lambda f: compare(f["timestamp"]))


def _combine(children: st.SearchStrategy[Case]) -> st.SearchStrategy[Case]:
    @st.composite
    def node(draw: st.DrawFn) -> Case:
        op = draw(st.sampled_from(["AND", "OR", "NOT"]))
        name = draw(_case(op))
        if op == "NOT":
            make, mask = draw(children)
            return (lambda p: {name: [make(p)]}, lambda f: ~mask(f).astype(bool))
        parts = draw(st.lists(children, min_size=2, max_size=4))

        def combined(f: pd.DataFrame) -> pd.Series:
            masks = [m(f).astype(bool) for _, m in parts]
            out = masks[0]
            for m in masks[1:]:
                out = (out & m) if op == "AND" else (out | m)
            return out

        return (lambda p: {name: [make(p) for make, _ in parts]}, combined)

    return node()


FILTERS = st.recursive(st.one_of(numeric_leaf(), discrete_leaf(), datetime_leaf()), _combine, max_leaves=12)


@PROFILE
@given(case=FILTERS)
def test_filters_select_the_rows_pandas_selects(plant: Plant, case: Case) -> None:
    make, mask = case
    tree = make(plant)
    got = decode_json(plant, lf(plant, tree))
    want = expected(plant, lambda f: mask(f).to_numpy(dtype=bool))
    pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=json.dumps(tree))


def test_empty_not_is_no_constraint(plant: Plant) -> None:
    got = decode_json(plant, lf(plant, {"AND": [{"NOT": []}, {"GREAT": [plant.long_id("speed"), 150]}]}))
    want = expected(plant, lambda f: (f.speed > 150).to_numpy())
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=15,
)


@st.composite
def garbage_filter(draw: st.DrawFn) -> Callable[[Plant], Any]:
    """Almost-filters: right operator names with wrong operands, wrong names, wrong types."""
    op = draw(st.sampled_from(["EQUALS", "BETWEEN", "LESS", "GREAT_EQUALS", "NOT", "AND", "OR", "XOR", ""]))
    variable = draw(st.sampled_from(["temperature", "recipe", "timestamp", None]))
    operands = draw(st.lists(JSON_VALUES, max_size=4))
    with_var = draw(st.booleans())

    def make(p: Plant) -> Any:
        ref = p.long_id(variable) if variable else "mb999/d1"
        return {op: [ref, *operands] if with_var else operands}

    return make


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(make=garbage_filter())
def test_malformed_filters_are_4xx_naming_the_place(plant: Plant, make: Callable[[Plant], Any]) -> None:
    response = lf(plant, make(plant))
    assert response.status_code < 500, response.text
    if response.status_code in (400, 404):
        body = response.json()
        assert body["error"] in ("bad_request", "not_found") and body["message"]
    else:
        assert response.status_code == 200  # it happened to be a valid filter
        assert np.isfinite(len(response.json()["datadefs"]))
