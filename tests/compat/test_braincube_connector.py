"""The unmodified official client ``braincube-connector`` 2.1.0, 2.5.1 and 2.8.0 against a live braindock server.

Every call goes through the official package, installed from PyPI into its own virtualenv and run
in a subprocess (``conftest.py``, ``scripts/client_runner.py``). One subprocess runs a whole
*session* (a list of cases in one process), so the suite stays fast. Each answer is checked
against pandas' own evaluation of the imported data (``plant.sorted_frame()``), and every
session is replayed in-process with braindock's SDK (``braindock.clients.braincube``), whose
answers must be identical.

Covered: every example of the 2.1.0 and 2.5.1 user documentation (config dict and file,
``./config.json``, OAuth2 token, braincube / memory base / variable / data group / event / job /
rule accessors, pagination, ``get_data`` with every filter operator, ``label_type``,
``dataframe``, ``parse_date``, ``VariableDescription_name_key``, ``request_ws``) and the error
contract (401 at ``get_instance``, 403 for foreign braincubes, 404 for unknown ids, 400 for
malformed filters).

Versions: the suite runs once per version of :data:`CONNECTOR_VERSIONS` (the module-scoped ``version``
fixture; seed 000 documents 2.1.0, seed 001 documents 2.5.1). 2.5.1 and 2.8.0 use the explicit base URLs of the
plant's plain-HTTP server. 2.1.0 can only call ``https://{domain}/`` and ``https://api.{domain}/`` and only reads
a configuration *file* with an ``oauth2_token``: it runs against ``tls_plant`` (the same plant on braindock's
HTTPS server with ``BRAINDOCK_BRAINCUBE_DOMAIN=mybraincube.com``), with ``mybraincube.com`` and
``api.mybraincube.com`` resolved to that server inside the client's process only and braindock's CA in
``REQUESTS_CA_BUNDLE`` (``conftest.default_address_env``; see ``test_default_addresses_tls.py``), and its PAT as
the ``oauth2_token``. Where 2.1.0 lacks an API (``api_key``, ``request_ws(response_as_json=...)``,
``label_type``, ``dataframe``, ``VariableDescription_name_key``, ``get_name``/``get_uuid``, the
``{braincube-name}`` placeholder), those checks are skipped for it with the reason; the SDK replay runs
with 2.8.0 only (the SDK mirrors the latest API).
"""

from __future__ import annotations

import functools
import json
import math
import operator
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.compat.conftest import (
    BRAINCUBE_DOMAIN,
    CONNECTOR_VERSIONS,
    Lab,
    OfficialClient,
    SdkClient,
    default_address_env,
    ensure_connector_venv,
)
from tests.conftest import Plant

pytestmark = pytest.mark.compat

#: Before 2.2 (seed 000, 2.1.0): configuration file with ``domain`` + ``oauth2_token`` only; no ``get_name``,
#: ``get_uuid``, ``label_type``, ``dataframe``, raw ``request_ws`` answers, name-key parameter or placeholder.
LEGACY = "2.1.0"
LATEST = "2.8.0"


@pytest.fixture(scope="module", params=CONNECTOR_VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    """The ``braincube-connector`` version this run of the module uses."""
    return request.param


@pytest.fixture(scope="module")
def plant(plant: Plant, version: str, request: pytest.FixtureRequest) -> Plant:
    """The session's plant, or for 2.1.0 (``https://{domain}`` only) the same plant on the TLS server."""
    return request.getfixturevalue("tls_plant") if version == LEGACY else plant


@pytest.fixture(scope="module")
def lab(lab: Lab, version: str, request: pytest.FixtureRequest) -> Lab:
    """The session's lab, or for 2.1.0 the lab on the TLS server."""
    return request.getfixturevalue("tls_lab") if version == LEGACY else lab


@pytest.fixture(scope="module")
def official(version: str, plant: Plant, tmp_path_factory: pytest.TempPathFactory) -> OfficialClient:
    """The official client of ``version`` (2.1.0: with the default-address environment of the TLS server)."""
    env = default_address_env(plant.server) if version == LEGACY else None
    return OfficialClient(ensure_connector_venv(version), tmp_path_factory.mktemp(f"official-{version}"), env, version)


def skip_unless(version: str, minimum: str, what: str, since: str | None = None) -> None:
    """Skip the test when ``version`` is older than ``minimum``, which has ``what`` (``since``: where it came from,
    default "since <minimum>"; ``braincube.md`` appendix C)."""
    if tuple(map(int, version.split("."))) < tuple(map(int, minimum.split("."))):
        pytest.skip(f"braincube-connector {version} has no {what} ({since or f'since {minimum}'})")


def sdk_only_latest(version: str) -> None:
    if version != LATEST:
        pytest.skip(f"the SDK mirrors the latest API: its answers are compared with {LATEST} only")


def key_of(plant: Plant, var_id: int) -> int | str:
    """A ``get_data`` column key: 2.1.0 keys columns by the id's text, 2.5+ by the integer."""
    return str(var_id) if plant.config.get("domain") else var_id


def assert_uuid(item: dict[str, Any]) -> None:
    """``get_uuid()`` is the uuid's part after ``_`` (2.5+); 2.1.0 has no ``get_uuid`` (the runner says ``None``)."""
    if item["uuid"] is None:
        assert item["class"] != "Braincube" and "uuid" in item["metadata"], item
        return
    assert item["uuid"] == item["metadata"]["uuid"].split("_")[1]
    uuid.UUID(item["uuid"])


BC = "plant-a"
TS = pd.Timestamp
UNKNOWN_ID = 1_999_999


def case(case_id: str, op: str, **args: Any) -> dict[str, Any]:
    return {"id": case_id, "op": op, "args": args}


def ok(results: dict[str, Any], case_id: str) -> Any:
    outcome = results[case_id]
    assert "ok" in outcome, f"{case_id}: {outcome}"
    return outcome["ok"]


def error(results: dict[str, Any], case_id: str) -> dict[str, Any]:
    outcome = results[case_id]
    assert "error" in outcome, f"{case_id}: expected an error, got {str(outcome)[:300]}"
    return outcome["error"]


def assert_http_error(results: dict[str, Any], case_id: str, status: int) -> None:
    """The official client raised ``requests.HTTPError`` carrying ``status``."""
    failure = error(results, case_id)
    assert "requests.exceptions.HTTPError" in failure["mro"], (case_id, failure)
    assert failure["status"] == status, (case_id, failure)


def config_for(plant: Plant, **extra: Any) -> dict[str, Any]:
    """The client configuration for ``plant`` with ``extra`` keys.

    On the TLS plant (2.1.0) it is ``{"domain": "mybraincube.com", ...}``: 2.1.0 has no base URLs (a ``domain`` in
    ``extra`` is dropped, the TLS server only answers the real one) and no ``api_key``, which becomes the
    ``oauth2_token`` (braindock accepts a PAT as the OAuth2 bearer).
    """
    if plant.config.get("domain"):
        config = {key: value for key, value in extra.items() if key not in ("domain", "api_key")}
        if "api_key" in extra:
            config["oauth2_token"] = extra["api_key"]
        return {"domain": BRAINCUBE_DOMAIN, **config}
    return {"sso_base_url": plant.url, "braincube_base_url": plant.url, **extra}


# =============================================================================================
# Expected values from pandas
# =============================================================================================


def expected_column(values: pd.Series, column: str, parse_date: bool) -> list[Any]:
    """A source column as the official client returns it (after the runner's JSON conversion)."""
    if column == "timestamp":
        if parse_date:
            return [None if pd.isna(v) else v.isoformat() for v in values]
        return ["null" if pd.isna(v) else v.strftime("%Y%m%d_%H%M%S") for v in values]
    if column in ("temperature", "pressure"):
        return [None if pd.isna(v) else float(v) for v in values]
    if column == "speed":
        return [int(v) for v in values]
    if column == "recipe":
        return ["null" if pd.isna(v) else str(v) for v in values]
    if column == "shift":
        return [str(v) for v in values]
    raise KeyError(column)


def expected_types(values: pd.Series, column: str, parse_date: bool) -> list[str]:
    """Python type names of the cells (the runner reports NaN as ``nan``)."""
    if values.empty:
        return []
    missing = bool(values.isna().any())
    if column == "timestamp":
        return sorted({"datetime"} | ({"NoneType"} if missing else set())) if parse_date else ["str"]
    if column in ("temperature", "pressure"):
        return sorted({"float"} | ({"nan"} if missing else set()))
    if column == "speed":
        return ["int"]
    return ["str"]


def same_cells(actual: list[Any], expected: list[Any]) -> bool:
    if len(actual) != len(expected):
        return False
    for got, want in zip(actual, expected, strict=True):
        if isinstance(want, float) and not isinstance(got, bool) and isinstance(got, int | float):
            if not math.isclose(got, want, rel_tol=1e-12, abs_tol=0.0):
                return False
        elif got != want or type(got) is not type(want):
            return False
    return True


def assert_columns(
    data: dict[str, Any],
    plant: Plant,
    columns: list[str],
    mask: Callable[[pd.DataFrame], pd.Series] | None = None,
    parse_date: bool = False,
    keys: list[Any] | None = None,
) -> None:
    """``data`` (a runner ``columns()`` result) holds exactly pandas' selection, column by column."""
    frame = plant.sorted_frame()
    if mask is not None:
        frame = frame[mask(frame).fillna(False).astype(bool)].reset_index(drop=True)
    assert data["keys"] == (keys if keys is not None else [key_of(plant, plant.vars[c]) for c in columns])
    for column, values, types in zip(columns, data["values"], data["types"], strict=True):
        want = expected_column(frame[column], column, parse_date)
        assert len(values) == len(want), (column, len(values), len(want))
        assert same_cells(values, want), (column, values[:8], want[:8])
        want_types = expected_types(frame[column], column, parse_date)
        if data["kind"] == "DataFrame":  # pandas stores parsed dates as Timestamp / NaT
            want_types = sorted({"datetime": "Timestamp", "NoneType": "NaT"}.get(t, t) for t in want_types)
        assert types == want_types, (column, types)


# =============================================================================================
# get_data cases: filters built by the test, selection computed by pandas
# =============================================================================================

ALL = ("timestamp", "temperature", "pressure", "speed", "recipe", "shift")
LongId = Callable[[str], str]


@dataclass(frozen=True)
class DataCase:
    columns: tuple[str, ...]
    filters: Callable[[LongId, pd.DataFrame], list[Any] | None]
    mask: Callable[[pd.DataFrame], pd.Series] | None
    ids_as_strings: bool = False


def _fold_300(L: LongId, f: pd.DataFrame) -> list[Any]:
    return [{"GREAT": [L("pressure"), round(0.5 + i * 0.002, 4)]} for i in range(150)] + [
        {"LESS": [L("speed"), 300 - i]} for i in range(150)
    ]


def _fold_300_mask(f: pd.DataFrame) -> pd.Series:
    masks = [f.pressure > round(0.5 + i * 0.002, 4) for i in range(150)] + [f.speed < 300 - i for i in range(150)]
    return functools.reduce(operator.and_, masks)


def _quantile(f: pd.DataFrame, column: str, q: float) -> float:
    """An existing value of ``column`` (so that inclusive/strict bounds matter)."""
    values = f[column].dropna().sort_values().reset_index(drop=True)
    return float(values[int(q * (len(values) - 1))])


def _nested(L: LongId, f: pd.DataFrame) -> list[Any]:
    return [
        {
            "OR": [
                {
                    "AND": [
                        {"NOT": [{"EQUALS": [L("recipe"), ["R3"]]}]},
                        {
                            "OR": [
                                {"GREAT": [L("temperature"), 85]},
                                {
                                    "AND": [
                                        {"LESS_EQUALS": [L("pressure"), 1.0]},
                                        {"NOT": [{"EQUALS": [L("shift"), "2"]}]},
                                    ]
                                },
                            ]
                        },
                    ]
                },
                {
                    "NOT": [
                        {
                            "OR": [
                                {"LESS": [L("speed"), 195]},
                                {"BETWEEN": [L("timestamp"), "20240101_000000", "20240102_000000"]},
                            ]
                        }
                    ]
                },
            ]
        }
    ]


def _nested_mask(f: pd.DataFrame) -> pd.Series:
    left = ~f.recipe.isin(["R3"]) & ((f.temperature > 85) | ((f.pressure <= 1.0) & ~(f["shift"] == "2")))
    right = ~((f.speed < 195) | f.timestamp.between(TS("2024-01-01 00:00:00"), TS("2024-01-02 00:00:00")))
    return left | right


DATA_CASES: dict[str, DataCase] = {
    "no_filter": DataCase(ALL, lambda L, f: None, None, ids_as_strings=True),
    "empty_filter_list": DataCase(("speed", "recipe"), lambda L, f: [], None),
    "equals_int": DataCase(
        ("speed", "temperature"), lambda L, f: [{"EQUALS": [L("speed"), 120]}], lambda f: f.speed == 120
    ),
    "equals_float_literal_on_ints": DataCase(
        ("speed",), lambda L, f: [{"EQUALS": [L("speed"), 150.0]}], lambda f: f.speed == 150
    ),
    "equals_double_value": DataCase(
        ("temperature", "speed"),
        lambda L, f: [{"EQUALS": [L("temperature"), _quantile(f, "temperature", 0.5)]}],
        lambda f: f.temperature == _quantile(f, "temperature", 0.5),
    ),
    "equals_discrete_scalar": DataCase(
        ("recipe", "speed"), lambda L, f: [{"EQUALS": [L("recipe"), "R2"]}], lambda f: f.recipe == "R2"
    ),
    "equals_discrete_digits": DataCase(
        ("shift", "speed"), lambda L, f: [{"EQUALS": [L("shift"), "3"]}], lambda f: f["shift"] == "3"
    ),
    "equals_modality_list": DataCase(
        ("recipe", "temperature"),
        lambda L, f: [{"EQUALS": [L("recipe"), ["R1", "R3"]]}],
        lambda f: f.recipe.isin(["R1", "R3"]),
    ),
    "equals_one_modality_list": DataCase(
        ("shift",), lambda L, f: [{"EQUALS": [L("shift"), ["2"]]}], lambda f: f["shift"] == "2"
    ),
    "between_existing_values": DataCase(
        ("pressure", "speed"),
        lambda L, f: [{"BETWEEN": [L("pressure"), _quantile(f, "pressure", 0.2), _quantile(f, "pressure", 0.4)]}],
        lambda f: (f.pressure >= _quantile(f, "pressure", 0.2)) & (f.pressure <= _quantile(f, "pressure", 0.4)),
    ),
    "between_ints": DataCase(
        ("speed",), lambda L, f: [{"BETWEEN": [L("speed"), 100, 120]}], lambda f: f.speed.between(100, 120)
    ),
    "less": DataCase(("speed", "shift"), lambda L, f: [{"LESS": [L("speed"), 100]}], lambda f: f.speed < 100),
    "less_equals": DataCase(("speed",), lambda L, f: [{"LESS_EQUALS": [L("speed"), 100]}], lambda f: f.speed <= 100),
    "great": DataCase(("speed",), lambda L, f: [{"GREAT": [L("speed"), 150]}], lambda f: f.speed > 150),
    "great_equals": DataCase(("speed",), lambda L, f: [{"GREAT_EQUALS": [L("speed"), 150]}], lambda f: f.speed >= 150),
    "great_with_missing_values": DataCase(
        ("temperature", "timestamp"),
        lambda L, f: [{"GREAT": [L("temperature"), 80]}],
        lambda f: f.temperature > 80,
    ),
    "not_upper_case": DataCase(
        ("temperature", "recipe"),
        lambda L, f: [{"NOT": [{"GREAT": [L("temperature"), 80]}]}],
        lambda f: ~(f.temperature > 80),
    ),
    "not_docs_spelling": DataCase(
        ("recipe", "speed"),
        lambda L, f: [{"Not": [{"EQUALS": [L("recipe"), ["R1"]]}]}],
        lambda f: ~f.recipe.isin(["R1"]),
    ),
    "and": DataCase(
        ("temperature", "shift"),
        lambda L, f: [{"AND": [{"GREAT": [L("temperature"), 70]}, {"EQUALS": [L("shift"), "1"]}]}],
        lambda f: (f.temperature > 70) & (f["shift"] == "1"),
    ),
    "or": DataCase(
        ("speed", "recipe"),
        lambda L, f: [{"OR": [{"LESS": [L("speed"), 90]}, {"EQUALS": [L("recipe"), ["R3"]]}]}],
        lambda f: (f.speed < 90) | f.recipe.isin(["R3"]),
    ),
    "nested_and_or_not": DataCase(ALL, _nested, _nested_mask),
    "several_filters_folded": DataCase(
        ("pressure", "temperature", "recipe"),
        lambda L, f: [
            {"BETWEEN": [L("pressure"), 0, 10]},
            {"BETWEEN": [L("temperature"), 70, 80]},
            {"NOT": [{"EQUALS": [L("recipe"), "R2"]}]},
        ],
        lambda f: f.pressure.between(0, 10) & f.temperature.between(70, 80) & ~(f.recipe == "R2"),
    ),
    "datetime_between": DataCase(
        ("timestamp", "speed"),
        lambda L, f: [{"BETWEEN": [L("timestamp"), "20240101_060000", "20240101_200000"]}],
        lambda f: f.timestamp.between(TS("2024-01-01 06:00:00"), TS("2024-01-01 20:00:00")),
    ),
    "datetime_great_equals": DataCase(
        ("timestamp",),
        lambda L, f: [{"GREAT_EQUALS": [L("timestamp"), "20240102_090000"]}],
        lambda f: f.timestamp >= TS("2024-01-02 09:00:00"),
    ),
    "datetime_not_less": DataCase(
        ("timestamp", "recipe"),
        lambda L, f: [{"NOT": [{"LESS": [L("timestamp"), "20240102_080000"]}]}],
        lambda f: ~(f.timestamp < TS("2024-01-02 08:00:00")),
    ),
    "no_match": DataCase(
        ("speed", "timestamp"), lambda L, f: [{"GREAT": [L("speed"), 10_000]}], lambda f: f.speed > 10_000
    ),
    "fold_of_300_filters": DataCase(("pressure", "speed"), _fold_300, _fold_300_mask),
}


def data_case(
    plant: Plant, case_id: str, spec: DataCase, prefix: str = "data:", strings: bool = False, **options: Any
) -> dict[str, Any]:
    frame = plant.sorted_frame()
    var_ids: list[Any] = [plant.vars[c] for c in spec.columns]
    if spec.ids_as_strings or strings:
        var_ids = [str(v) for v in var_ids]
    filters = spec.filters(plant.long_id, frame)
    args: dict[str, Any] = {"bc": BC, "mb": plant.mb, "var_ids": var_ids, **options}
    if filters is not None:
        args["filters"] = filters
    return case(prefix + case_id, "get_data", **args)


def job_mask(f: pd.DataFrame) -> pd.Series:
    """The plant's job: its own condition, NOT its negative event, and its positive event."""
    return (
        f.pressure.between(1.0, 3.0)
        & ~(f.temperature > 80)
        & f.recipe.isin(["R1", "R2"])
        & f.timestamp.between(TS("2024-01-01 06:00:00"), TS("2024-01-01 20:00:00"))
    )


# =============================================================================================
# Sessions: the lab (pagination, name key) and the main one (PAT config dict, everything else)
# =============================================================================================


def lab_cases(plant: Plant, lab: Lab) -> list[dict[str, Any]]:
    """Memory-base pagination and the variable name key, on the lab's five small memory bases."""
    lab_mb = {"bc": lab.name, "mb": lab.tagged_mb}
    return [
        case("connect", "connect", config_dict=config_for(plant, api_key=lab.token)),
        case("braincube_lab", "braincube", name=lab.name),
        # Memory bases: all pages, explicit pages, page_size as argument and as library parameter.
        case("lab_mbs", "memory_base_list", bc=lab.name),
        case("lab_mbs_size2", "memory_base_list", bc=lab.name, page_size=2),
        case("lab_mbs_page0", "memory_base_list", bc=lab.name, page=0, page_size=2),
        case("lab_mbs_page2", "memory_base_list", bc=lab.name, page=2, page_size=2),
        case("lab_mbs_page3", "memory_base_list", bc=lab.name, page=3, page_size=2),
        case("set_page_size", "set_parameter", params={"page_size": 2}),
        case("lab_mbs_param", "memory_base_list", bc=lab.name),
        case("lab_mbs_param_page0", "memory_base_list", bc=lab.name, page=0),
        case("reset_page_size", "reset_parameter"),
        # Variable name key (2.5.1 docs): tags of the lab memory base.
        case("lab_variables_standard", "variable_list", **lab_mb),
        case("lab_data_standard", "get_data", **lab_mb, var_ids=[2_000_001, 2_000_002, 2_000_003], label_type="name"),
        case("name_key_tag", "set_parameter", params={"VariableDescription_name_key": "tag"}),
        case("lab_variables_tag", "variable_list", **lab_mb),
        case("lab_data_tag", "get_data", **lab_mb, var_ids=[2_000_001, 2_000_002, 2_000_003], label_type="name"),
        case("name_key_reset", "reset_parameter"),
        case("lab_variables_reset", "variable_list", **lab_mb),
    ]


def main_cases(plant: Plant) -> list[dict[str, Any]]:
    mb = {"bc": BC, "mb": plant.mb}
    v = plant.vars
    cases = [
        # The documented dict form, with a domain that the explicit base URLs override.
        case(
            "connect",
            "connect",
            config_dict=config_for(plant, api_key=plant.token, domain="mybraincube.example.invalid"),
        ),
        case("user_me", "request_ws", path="sso-server/ws/user/me", api=False),
        case("braincube_list", "braincube_list"),
        case("braincube", "braincube", name=BC),
        case("plant_mbs", "memory_base_list", bc=BC),
        case("plant_mbs_page0", "memory_base_list", bc=BC, page=0),
        case("set_page_size", "set_parameter", params={"page_size": 2}),
        case("plant_mbs_param", "memory_base_list", bc=BC),
        case("variables_param", "variable_list", **mb),
        case("variables_param_page0", "variable_list", **mb, page=0),
        case("variables_param_page1", "variable_list", **mb, page=1),
        case("variables_param_page3", "variable_list", **mb, page=3),
        case("datagroups_param", "datagroup_list", **mb),
        case("events_param", "event_list", **mb),
        case("jobs_param", "job_list", **mb),
        case("rules_param", "rule_list", **mb),
        case("default_page_size", "set_parameter", params={"page_size": 150}),
        case("variables", "variable_list", **mb),
        case("variables_page0", "variable_list", **mb, page=0),
        case("memory_base", "memory_base", **mb),
        case("memory_base_by_string", "memory_base", bc=BC, mb=str(plant.mb)),
        *[case(f"variable:{column}", "variable", **mb, bcid=str(v[column])) for column in ALL],
        case("variable_int_id", "variable", **mb, bcid=v["speed"]),
        # Data groups, events, jobs, rules.
        case("datagroup", "datagroup", **mb, bcid=str(plant.datagroup)),
        case("datagroups", "datagroup_list", **mb),
        case("event_pos", "event", **mb, bcid=str(plant.event_pos)),
        case("event_neg", "event", **mb, bcid=plant.event_neg),
        case("events", "event_list", **mb),
        case("job", "job", **mb, bcid=str(plant.job)),
        case("jobs_page0", "job_list", **mb, page=0),
        case("jobs_full", "job_list", **mb, full=True),
        case("jobs", "job_list", **mb),
        case("rule", "rule", **mb, bcid=str(plant.rule)),
        case("rules", "rule_list", **mb),
        case("job_rule", "job_rule", **mb, job=plant.job, bcid=str(plant.rule)),
        case("job_rule_list", "job_rule_list", **mb, job=plant.job),
        case(
            "job_rules_ws",
            "request_ws",
            path=f"braincube/{BC}/braincube/mb/{plant.mb}/jobs/{plant.job}/rules/all/summary?offset=0&size=150",
        ),
        # get_data with every operator (parse_date off, the default).
        *[data_case(plant, name, spec) for name, spec in DATA_CASES.items()],
        # get_data options.
        data_case(plant, "label_name", DATA_CASES["no_filter"], prefix="", label_type="name"),
        data_case(plant, "label_bcid", DATA_CASES["great"], prefix="", label_type="bcid"),
        data_case(plant, "dataframe", DATA_CASES["nested_and_or_not"], prefix="", dataframe=True),
        # mb.get_data(["2000001", "2000034"], filters=my_filters, label_type="name", dataframe=True)
        data_case(
            plant, "dataframe_named", DATA_CASES["or"], prefix="", strings=True, label_type="name", dataframe=True
        ),
        data_case(plant, "docs_dataframe", DATA_CASES["no_filter"], prefix="", as_dataframe=True),
        case("datagroup_data", "datagroup_data", **mb, bcid=plant.datagroup),
        case(
            "datagroup_data_filtered",
            "datagroup_data",
            **mb,
            bcid=str(plant.datagroup),
            filters=[
                {"BETWEEN": [plant.long_id("pressure"), 0, 2]},
                {"BETWEEN": [plant.long_id("temperature"), -1, 75]},
            ],
        ),
        case("job_data", "job_data", **mb, bcid=plant.job),
        case("job_data_filtered", "job_data", **mb, bcid=plant.job, filters=[{"GREAT": [plant.long_id("speed"), 150]}]),
        # parse_date on, then explicitly off again.
        case("parse_date_on", "set_parameter", params={"parse_date": True}),
        data_case(plant, "parse_date:all", DATA_CASES["no_filter"], prefix=""),
        data_case(plant, "parse_date:between", DATA_CASES["datetime_between"], prefix=""),
        data_case(plant, "parse_date:not_less", DATA_CASES["datetime_not_less"], prefix=""),
        data_case(plant, "parse_date:dataframe", DATA_CASES["datetime_not_less"], prefix="", dataframe=True),
        case("parse_date_off", "set_parameter", params={"parse_date": False}),
        data_case(plant, "parse_date_off:all", DATA_CASES["datetime_not_less"], prefix=""),
        # request_ws, as in the docs.
        case("simple", "request_ws", path=f"braincube/{BC}/braindata/mb{plant.mb}/simple"),
        case("simple_raw", "request_ws", path=f"braincube/{BC}/braindata/mb{plant.mb}/simple", response_as_json=False),
        # Errors.
        case("unknown_variable", "variable", **mb, bcid=str(UNKNOWN_ID)),
        case("unknown_variable_data", "get_data", **mb, var_ids=[UNKNOWN_ID]),
        case(
            "unknown_variable_filter",
            "get_data",
            **mb,
            var_ids=[v["speed"]],
            filters=[{"LESS": [f"mb{plant.mb}/d{UNKNOWN_ID}", 1]}],
        ),
        case("unknown_memory_base", "memory_base", bc=BC, mb=424242),
        case("unknown_datagroup", "datagroup", **mb, bcid=UNKNOWN_ID),
        case("unknown_event", "event", **mb, bcid=UNKNOWN_ID),
        case("unknown_job", "job", **mb, bcid=UNKNOWN_ID),
        case("unknown_rule", "rule", **mb, bcid=UNKNOWN_ID),
        case("unknown_braincube", "braincube", name="no-such-cube"),
        *[
            case(f"malformed:{name}", "get_data", **mb, var_ids=[v["speed"]], filters=[bad])
            for name, bad in {
                "unknown_operator": {"FOO": [plant.long_id("speed"), 1]},
                "missing_operand": {"BETWEEN": [plant.long_id("speed"), 1]},
                "text_for_numeric": {"LESS": [plant.long_id("speed"), "fast"]},
                "bad_datetime": {"GREAT": [plant.long_id("timestamp"), "yesterday"]},
                "not_an_operand_list": {"AND": [{"LESS": [plant.long_id("speed"), 1]}, {"EQUALS": "x"}]},
                "two_operators": {"LESS": [plant.long_id("speed"), 1], "GREAT": [plant.long_id("speed"), 1]},
                "not_an_object": ["not", "a", "filter"],
                "docs_set_notation_as_list": ["BETWEEN", [plant.long_id("speed"), 0, 10]],
            }.items()
        ],
    ]
    return cases


@pytest.fixture(scope="module")
def main_session(plant: Plant) -> list[dict[str, Any]]:
    return main_cases(plant)


@pytest.fixture(scope="module")
def official_main(official: OfficialClient, main_session: list[dict[str, Any]]) -> dict[str, Any]:
    return official.run(main_session)


# =============================================================================================
# Authentication and configuration
# =============================================================================================


def test_config_dict_with_pat(official_main: dict[str, Any], plant: Plant) -> None:
    braincubes = ok(official_main, "connect")["braincubes"]
    assert BC in braincubes and "plant-b" not in braincubes and "compat-lab" not in braincubes
    user_me = ok(official_main, "user_me")
    assert sorted(item["product"]["name"] for item in user_me["accessList"]) == braincubes


def test_config_file_one_line_json(official: OfficialClient, plant: Plant, tmp_path: Path) -> None:
    path = tmp_path / "myfile.json"
    path.write_text(json.dumps(config_for(plant, api_key=plant.token)) + "\n")
    results = official.run(
        [
            case("connect", "connect", config_file=str(path)),
            case("list", "braincube_list"),
            data_case(plant, "great", DATA_CASES["great"], prefix=""),
        ]
    )
    assert "plant-a" in ok(results, "connect")["braincubes"]
    assert BC in [bc["name"] for bc in ok(results, "list")]
    assert_columns(ok(results, "great"), plant, ["speed"], DATA_CASES["great"].mask)


def test_config_json_in_working_directory(official: OfficialClient, plant: Plant, tmp_path: Path) -> None:
    """No ``get_instance`` at all: the package builds its client from ``./config.json``."""
    (tmp_path / "config.json").write_text(json.dumps(config_for(plant, api_key=plant.token)))
    results = official.run(
        [
            case("list", "braincube_list"),
            case("simple", "request_ws", path=f"braincube/{BC}/braindata/mb{plant.mb}/simple"),
            data_case(plant, "less", DATA_CASES["less"], prefix=""),
        ],
        cwd=tmp_path,
    )
    assert BC in [bc["name"] for bc in ok(results, "list")]
    assert ok(results, "simple")["reference"] == plant.long_id("timestamp")
    assert_columns(ok(results, "less"), plant, ["speed", "shift"], DATA_CASES["less"].mask)


def test_config_json_in_home_directory(official: OfficialClient, plant: Plant, tmp_path: Path) -> None:
    """``~/.braincube/config.json`` is used when there is no ``./config.json``; the latter wins otherwise."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    (home / ".braincube").mkdir(parents=True)
    cwd.mkdir()
    (home / ".braincube" / "config.json").write_text(json.dumps(config_for(plant, api_key=plant.token)))
    cases = [case("list", "braincube_list"), data_case(plant, "equals", DATA_CASES["equals_int"], prefix="")]
    results = official.run(cases, cwd=cwd, home=home)
    assert BC in [bc["name"] for bc in ok(results, "list")]
    assert_columns(ok(results, "equals"), plant, ["speed", "temperature"], DATA_CASES["equals_int"].mask)

    # Priority: ./config.json (valid) before ~/.braincube/config.json (now invalid).
    (home / ".braincube" / "config.json").write_text(json.dumps(config_for(plant, api_key="bd_wrong")))
    (cwd / "config.json").write_text(json.dumps(config_for(plant, api_key=plant.token)))
    assert BC in [bc["name"] for bc in ok(official.run(cases[:1], cwd=cwd, home=home), "list")]
    (cwd / "config.json").unlink()
    assert_http_error(official.run(cases[:1], cwd=cwd, home=home), "list", 401)


def oauth2_cases(plant: Plant) -> list[dict[str, Any]]:
    # The documented OAuth2 configuration; the explicit base URLs override ``domain``.
    config = config_for(
        plant,
        client_id="app id",
        client_secret="app key",
        domain="mybraincube.example.invalid",
        verify=True,
        oauth2_token=plant.token,
    )
    return [
        case("connect", "connect", config_dict=config),
        case("list", "braincube_list"),
        case("memory_base", "memory_base", bc=BC, mb=plant.mb),
        data_case(plant, "nested", DATA_CASES["nested_and_or_not"], prefix=""),
        case("job_data", "job_data", bc=BC, mb=plant.mb, bcid=plant.job),
    ]


def test_oauth2_token_instead_of_pat(official: OfficialClient, plant: Plant) -> None:
    results = official.run(oauth2_cases(plant))
    assert BC in ok(results, "connect")["braincubes"]
    assert ok(results, "memory_base")["bcid"] == plant.mb
    assert_columns(ok(results, "nested"), plant, list(ALL), _nested_mask)
    job = ok(results, "job_data")
    assert sorted(job["keys"]) == sorted(key_of(plant, plant.vars[c]) for c in ("speed", "temperature", "pressure"))


def bad_credentials_cases(plant: Plant) -> list[dict[str, Any]]:
    return [
        case("bad_pat", "connect", config_dict=config_for(plant, api_key="bd_not_a_real_token")),
        case("bad_oauth2", "connect", config_dict=config_for(plant, oauth2_token="not-a-real-token")),
        # Nothing was registered, so a later get_instance can still succeed in the same process.
        case("good_pat", "connect", config_dict=config_for(plant, api_key=plant.token)),
        case("list", "braincube_list"),
    ]


def test_bad_credentials_fail_at_get_instance_with_401(official: OfficialClient, plant: Plant) -> None:
    results = official.run(bad_credentials_cases(plant))
    assert_http_error(results, "bad_pat", 401)
    assert_http_error(results, "bad_oauth2", 401)
    assert BC in ok(results, "good_pat")["braincubes"]
    assert BC in [bc["name"] for bc in ok(results, "list")]


def foreign_cases(plant: Plant) -> list[dict[str, Any]]:
    paths = {
        "simple": f"braincube/{BC}/braindata/mb{plant.mb}/simple",
        "mb": f"braincube/{BC}/braincube/mb/{plant.mb}/extended",
        "mbs": f"braincube/{BC}/braincube/mb/all/summary?offset=0&size=150",
        "variables": f"braincube/{BC}/braincube/mb/{plant.mb}/variables/summary?offset=0&size=150",
        "job": f"braincube/{BC}/braincube/mb/{plant.mb}/jobs/{plant.job}/extended",
    }
    body = json.dumps(
        {
            "order": plant.long_id("timestamp"),
            "definitions": [plant.long_id("speed")],
            "context": {"dataSource": f"mb{plant.mb}"},
        }
    )
    return [
        case("connect", "connect", config_dict=config_for(plant, api_key=plant.other_token)),
        case("list", "braincube_list"),
        case("plant_b", "braincube", name="plant-b"),
        case("plant_a", "braincube", name=BC),
        *[case(f"ws:{name}", "request_ws", path=path) for name, path in paths.items()],
        case(
            "ws:lf",
            "request_ws",
            path=f"braincube/{BC}/braindata/mb{plant.mb}/LF",
            rtype="POST",
            body_data=body,
        ),
    ]


def test_foreign_braincube_is_hidden_and_forbidden(official: OfficialClient, plant: Plant) -> None:
    results = official.run(foreign_cases(plant))
    braincubes = ok(results, "connect")["braincubes"]
    assert "plant-b" in braincubes and BC not in braincubes and "compat-lab" not in braincubes
    assert sorted(bc["name"] for bc in ok(results, "list")) == braincubes
    plant_b = ok(results, "plant_b")
    assert plant_b["name"] == "plant-b"
    assert plant_b["bcid"] == (plant_b["metadata"]["product"]["productId"] if official.version == LEGACY else "plant-b")
    assert error(results, "plant_a")["type"] == "KeyError"  # client side: not in bob's access list
    for name in ("simple", "mb", "mbs", "variables", "job", "lf"):
        assert_http_error(results, f"ws:{name}", 403)


def placeholder_cases(plant: Plant) -> list[dict[str, Any]]:
    config = {"sso_base_url": plant.url, "braincube_base_url": plant.url + "/braincube/{braincube-name}/"}
    return [
        case("connect", "connect", config_dict={**config, "api_key": plant.token}),
        case("memory_base", "memory_base", bc=BC, mb=plant.mb),
        case("variables", "variable_list", bc=BC, mb=plant.mb, page_size=4),
        data_case(plant, "or", DATA_CASES["or"], prefix=""),
        case("job_data", "job_data", bc=BC, mb=plant.mb, bcid=plant.job),
    ]


def test_braincube_name_placeholder_in_the_base_path(official: OfficialClient, plant: Plant) -> None:
    skip_unless(official.version, "2.5.0", "braincube_base_url and its {braincube-name} placeholder")
    results = official.run(placeholder_cases(plant))
    assert ok(results, "memory_base")["order_variable"] == plant.long_id("timestamp")
    assert [item["bcid"] for item in ok(results, "variables")] == sorted(plant.vars.values())
    assert_columns(ok(results, "or"), plant, ["speed", "recipe"], DATA_CASES["or"].mask)
    job = ok(results, "job_data")
    assert len(job["values"][0]) == int(job_mask(plant.sorted_frame()).sum())


# =============================================================================================
# Braincubes, memory bases, variables
# =============================================================================================


def test_braincube_list_and_accessors(official_main: dict[str, Any], version: str) -> None:
    user_me = ok(official_main, "user_me")
    product_ids = {item["product"]["name"]: item["product"]["productId"] for item in user_me["accessList"]}
    listed = ok(official_main, "braincube_list")
    assert [bc["name"] for bc in listed] == [item["product"]["name"] for item in user_me["accessList"]]
    for bc in [ok(official_main, "braincube"), *listed]:
        assert bc["class"] == "Braincube"
        assert bc["name"] == bc["metadata"]["product"]["name"]
        uuid.UUID(product_ids[bc["name"]])
        if version == LEGACY:  # 2.1.0: get_bcid() is the productId, there is no get_uuid()
            assert (bc["bcid"], bc["uuid"]) == (product_ids[bc["name"]], None)
        else:  # 2.5+: get_bcid() is the name, get_uuid() the productId
            assert (bc["bcid"], bc["uuid"]) == (bc["name"], product_ids[bc["name"]])
    plant_a = ok(official_main, "braincube")
    assert plant_a["name"] == BC
    assert plant_a["braincube_name"] == (None if version == LEGACY else BC)  # get_braincube_name() since 2.5
    assert error(official_main, "unknown_braincube")["type"] == "KeyError"


@pytest.fixture(scope="module")
def lab_session(plant: Plant, lab: Lab) -> list[dict[str, Any]]:
    return lab_cases(plant, lab)


@pytest.fixture(scope="module")
def official_lab(official: OfficialClient, lab_session: list[dict[str, Any]]) -> dict[str, Any]:
    return official.run(lab_session)


def test_memory_base_pagination(official_lab: dict[str, Any], lab: Lab, version: str) -> None:
    assert ok(official_lab, "connect") == {"braincubes": [lab.name]}
    bc = ok(official_lab, "braincube_lab")
    assert bc["name"] == lab.name
    if version == LEGACY:  # get_bcid() is the productId; no get_uuid(), no get_braincube_name()
        assert (bc["uuid"], bc["braincube_name"]) == (None, None)
        uuid.UUID(bc["bcid"])
    else:
        assert bc["bcid"] == bc["braincube_name"] == lab.name
        uuid.UUID(bc["uuid"])

    def ids(case_id: str) -> list[int]:
        return [mb["bcid"] for mb in ok(official_lab, case_id)]

    assert ids("lab_mbs") == lab.memory_bases
    assert [mb["name"] for mb in ok(official_lab, "lab_mbs")] == [f"Lab {n}" for n in range(1, 6)]
    assert ids("lab_mbs_size2") == lab.memory_bases
    assert ids("lab_mbs_page0") == lab.memory_bases[:2]
    assert ids("lab_mbs_page2") == lab.memory_bases[4:]
    assert ids("lab_mbs_page3") == []
    assert ids("lab_mbs_param") == lab.memory_bases
    assert ids("lab_mbs_param_page0") == lab.memory_bases[:2]
    for mb in ok(official_lab, "lab_mbs"):
        assert mb["class"] == "MemoryBase"
        assert_uuid(mb)


def test_memory_base_accessors(official_main: dict[str, Any], plant: Plant) -> None:
    plant_mbs = ok(official_main, "plant_mbs")
    assert [mb["bcid"] for mb in plant_mbs] == sorted(mb["bcid"] for mb in plant_mbs)
    assert ok(official_main, "plant_mbs_param") == plant_mbs
    assert ok(official_main, "plant_mbs_page0") == plant_mbs[:150]
    line = ok(official_main, "memory_base")
    assert (line["bcid"], line["name"], line["class"]) == (plant.mb, "Line 1", "MemoryBase")
    listed = {mb["bcid"]: mb for mb in plant_mbs}[plant.mb]
    assert (line["name"], line["uuid"]) == (listed["name"], listed["uuid"])
    assert_uuid(line)
    assert line["order_variable"] == plant.long_id("timestamp")
    by_string = ok(official_main, "memory_base_by_string")
    assert (by_string["bcid"], by_string["uuid"]) == (plant.mb, line["uuid"])


VARIABLE_TYPES = {
    "timestamp": "DATETIME",
    "temperature": "NUMERIC",
    "pressure": "NUMERIC",
    "speed": "NUMERIC",
    "recipe": "DISCRETE",
    "shift": "DISCRETE",
}


def test_variable_list_and_get_variable(official_main: dict[str, Any], plant: Plant) -> None:
    expected = [{"bcid": plant.vars[c], "name": c, "type": VARIABLE_TYPES[c], "long_id": plant.long_id(c)} for c in ALL]

    def short(case_id: str) -> list[dict[str, Any]]:
        return [{k: var[k] for k in ("bcid", "name", "type", "long_id")} for var in ok(official_main, case_id)]

    assert short("variables_param") == expected  # page_size 2: three pages plus the empty one
    assert short("variables") == expected
    assert short("variables_page0") == expected
    assert short("variables_param_page0") == expected[:2]
    assert short("variables_param_page1") == expected[2:4]
    assert short("variables_param_page3") == []
    for item in ok(official_main, "variables"):
        assert item["class"] == "VariableDescription"
        assert {"standard", "tag", "local"} <= item["metadata"].keys()
    for column in ALL:
        one = ok(official_main, f"variable:{column}")
        assert {k: one[k] for k in ("bcid", "name", "type", "long_id")} == expected[ALL.index(column)]
    assert ok(official_main, "variable_int_id")["type"] == "NUMERIC"


def test_variable_name_key_parameter(official_lab: dict[str, Any], version: str) -> None:
    skip_unless(version, "2.5.1", "VariableDescription_name_key parameter", "documented by seed 001 for 2.5.1")
    assert [v["name"] for v in ok(official_lab, "lab_variables_standard")] == ["timestamp", "temperature", "batch"]
    assert [v["name"] for v in ok(official_lab, "lab_variables_tag")] == ["TS", "TT_101", "BATCH_ID"]
    assert [v["name"] for v in ok(official_lab, "lab_variables_reset")] == ["timestamp", "temperature", "batch"]
    assert [v["metadata"]["tag"] for v in ok(official_lab, "lab_variables_standard")] == ["TS", "TT_101", "BATCH_ID"]
    standard = ok(official_lab, "lab_data_standard")
    tagged = ok(official_lab, "lab_data_tag")
    assert standard["keys"] == ["timestamp", "temperature", "batch"]
    assert tagged["keys"] == ["TS", "TT_101", "BATCH_ID"]
    expected = [["20240301_080000", "20240301_080500", "20240301_081000"], [20.5, 21.25, None], ["A", "B", "A"]]
    assert standard["values"] == tagged["values"] == expected
    assert tagged["types"][1] == ["float", "nan"]


# =============================================================================================
# Data groups, events, jobs, rules
# =============================================================================================


def test_datagroup(official_main: dict[str, Any], plant: Plant) -> None:
    group = ok(official_main, "datagroup")
    assert (group["bcid"], group["name"], group["class"]) == (plant.datagroup, "Process block", "DataGroup")
    assert group["variable_ids"] == [plant.vars["temperature"], plant.vars["pressure"]]
    assert [(v["name"], v["type"]) for v in group["variable_list"]] == [
        ("temperature", "NUMERIC"),
        ("pressure", "NUMERIC"),
    ]
    assert_uuid(group)
    listed = {item["bcid"]: item for item in ok(official_main, "datagroups")}
    assert listed[plant.datagroup]["variable_ids"] == group["variable_ids"]
    assert ok(official_main, "datagroups_param") == ok(official_main, "datagroups")
    assert_columns(ok(official_main, "datagroup_data"), plant, ["temperature", "pressure"])
    assert_columns(
        ok(official_main, "datagroup_data_filtered"),
        plant,
        ["temperature", "pressure"],
        lambda f: f.pressure.between(0, 2) & f.temperature.between(-1, 75),
    )


def event_filters(plant: Plant) -> tuple[list[Any], list[Any]]:
    recipe, ts, temp = plant.long_id("recipe"), plant.long_id("timestamp"), plant.long_id("temperature")
    positive = [
        {"OR": [{"EQUALS": [recipe, ["R1"]]}, {"EQUALS": [recipe, ["R2"]]}]},
        {"BETWEEN": [ts, "20240101_060000", "20240101_200000"]},
    ]
    negative = [{"GREAT": [temp, 80]}]
    return positive, negative


def test_event_conditions(official_main: dict[str, Any], plant: Plant) -> None:
    positive, negative = event_filters(plant)
    pos, neg = ok(official_main, "event_pos"), ok(official_main, "event_neg")
    assert (pos["bcid"], pos["name"], pos["class"]) == (plant.event_pos, "Recipes R1/R2, day shift window", "Event")
    assert (neg["bcid"], neg["name"]) == (plant.event_neg, "Overheating")
    assert pos["conditions"] == positive
    assert neg["conditions"] == negative
    assert_uuid(pos)
    listed = {item["bcid"]: item for item in ok(official_main, "events")}
    assert listed[plant.event_pos]["conditions"] == positive
    assert listed[plant.event_neg]["conditions"] == negative
    assert ok(official_main, "events_param") == ok(official_main, "events")


def test_job_description(official_main: dict[str, Any], plant: Plant) -> None:
    positive, negative = event_filters(plant)
    own = {"BETWEEN": [plant.long_id("pressure"), 1.0, 3.0]}
    not_negative = {"NOT": negative}
    job = ok(official_main, "job")
    assert (job["bcid"], job["name"], job["class"]) == (plant.job, "Pressure study", "JobDescription")
    assert_uuid(job)
    assert job["conditions"] == [own]
    assert job["conditions_combine"] == [own]
    assert job["conditions_events"] == [own, not_negative, *positive]
    assert job["conditions_combine_events"] == [
        {"AND": [{"AND": [{"AND": [own, not_negative]}, positive[0]]}, positive[1]]}
    ]
    assert sorted(job["variable_ids"]) == sorted(plant.vars[c] for c in ("temperature", "pressure", "speed"))
    assert {kind: [e["bcid"] for e in events] for kind, events in job["events"].items()} == {
        "negativeEvents": [plant.event_neg],
        "positiveEvents": [plant.event_pos],
    }
    categories = job["categories"]
    assert [c["name"] for c in categories] == ["good", "bad"]
    assert [[cond["variable"]["bcId"] for cond in c["conditions"]] for c in categories] == [[plant.vars["speed"]]] * 2
    assert categories[0]["conditions"][0]["maximum"] == 150
    assert categories[1]["conditions"][0]["minimum"] == 150
    listed = {item["bcid"]: item for item in ok(official_main, "jobs")}
    assert listed[plant.job]["name"] == "Pressure study"
    assert ok(official_main, "jobs_page0") == ok(official_main, "jobs")
    assert ok(official_main, "jobs_param") == ok(official_main, "jobs")
    full = {item["bcid"]: item for item in ok(official_main, "jobs_full")}
    assert full[plant.job] == job  # list items carry the whole structure


def test_job_data(official_main: dict[str, Any], plant: Plant) -> None:
    columns = ["speed", "temperature", "pressure"]
    for case_id, mask in (
        ("job_data", job_mask),
        ("job_data_filtered", lambda f: job_mask(f) & (f.speed > 150)),
    ):
        data = ok(official_main, case_id)
        order = sorted(columns, key=lambda c: data["keys"].index(key_of(plant, plant.vars[c])))  # client's set order
        assert sorted(data["keys"]) == sorted(key_of(plant, plant.vars[c]) for c in columns)
        assert_columns(data, plant, order, mask)
        assert len(data["values"][0]) > 0


def test_rules(official_main: dict[str, Any], plant: Plant, version: str) -> None:
    rule = ok(official_main, "rule")
    assert (rule["bcid"], rule["name"], rule["class"]) == (plant.rule, "Keep temperature below 90", "RuleDescription")
    assert_uuid(rule)
    assert rule["metadata"]["bcId"] == plant.rule
    assert plant.rule in [item["bcid"] for item in ok(official_main, "rules")]
    assert ok(official_main, "rules_param") == ok(official_main, "rules")
    assert ok(official_main, "job_rule") == rule
    # E13 answers the job's rules; since 2.2 the official client's JobDescription.get_rule_list() crashes on
    # any non-empty page with TypeError (client defect, braincube.md 10.9); 2.1.0 still lists them.
    assert [item["bcId"] for item in ok(official_main, "job_rules_ws")["items"]] == [plant.rule]
    if version == LEGACY:
        assert ok(official_main, "job_rule_list") == [rule]
    else:
        assert error(official_main, "job_rule_list")["type"] == "TypeError"


# =============================================================================================
# get_data
# =============================================================================================


@pytest.mark.parametrize("case_id", list(DATA_CASES))
def test_get_data_matches_pandas(official_main: dict[str, Any], plant: Plant, case_id: str) -> None:
    spec = DATA_CASES[case_id]
    data = ok(official_main, "data:" + case_id)
    assert data["kind"] == "dict"
    assert data["key_types"] == [type(key_of(plant, 0)).__name__] * len(spec.columns)
    assert_columns(data, plant, list(spec.columns), spec.mask)
    assert official_main["data:" + case_id]["warnings"] == []


def test_get_data_selects_something_for_every_case(plant: Plant) -> None:
    """Guards the fixtures: every case except ``no_match`` selects some rows but not all of them."""
    frame = plant.sorted_frame()
    for case_id, spec in DATA_CASES.items():
        if spec.mask is None:
            continue
        selected = int(spec.mask(frame).fillna(False).astype(bool).sum())
        assert (selected == 0) == (case_id == "no_match"), case_id
        assert selected < len(frame), case_id


def test_get_data_docs_dataframe(official_main: dict[str, Any], plant: Plant) -> None:
    """``df = pd.DataFrame(data)`` of both seeds, on ``mb.get_data(["2000001", ...])``."""
    docs = ok(official_main, "docs_dataframe")
    assert docs["kind"] == "DataFrame"
    assert_columns(docs, plant, list(ALL))
    assert docs["index"] == list(range(len(plant.frame)))


def test_get_data_label_type_and_dataframe(official_main: dict[str, Any], plant: Plant, version: str) -> None:
    skip_unless(version, "2.5.1", "get_data(label_type=..., dataframe=...)", "documented by seed 001 for 2.5.1")
    named = ok(official_main, "label_name")
    assert named["kind"] == "dict" and named["key_types"] == ["str"] * 6
    assert_columns(named, plant, list(ALL), keys=list(ALL))
    by_id = ok(official_main, "label_bcid")
    assert_columns(by_id, plant, ["speed"], DATA_CASES["great"].mask)

    frame = ok(official_main, "dataframe")
    assert frame["kind"] == "DataFrame"
    assert_columns(frame, plant, list(ALL), _nested_mask)
    assert frame["index"] == list(range(len(frame["values"][0])))
    dtypes = dict(zip(frame["keys"], frame["dtypes"], strict=True))
    assert dtypes[plant.vars["speed"]] == "int64"
    assert dtypes[plant.vars["temperature"]] == "float64"
    assert dtypes[plant.vars["pressure"]] == "float64"
    assert dtypes[plant.vars["recipe"]] == "object"

    named_frame = ok(official_main, "dataframe_named")
    assert named_frame["kind"] == "DataFrame"
    assert_columns(named_frame, plant, ["speed", "recipe"], DATA_CASES["or"].mask, keys=["speed", "recipe"])


def test_get_data_parse_date(official_main: dict[str, Any], plant: Plant, version: str) -> None:
    between = DATA_CASES["datetime_between"]
    assert_columns(ok(official_main, "parse_date:between"), plant, list(between.columns), between.mask, True)
    not_less = DATA_CASES["datetime_not_less"]
    assert_columns(ok(official_main, "parse_date_off:all"), plant, list(not_less.columns), not_less.mask)
    if version == LEGACY:
        # 2.1.0 parses each cell with datetime.strptime, so a missing date (sent as "null", braincube.md 4.4)
        # raises in the client; selections without missing dates parse (above). Fixed in 2.2 (pandas, NaT).
        for case_id in ("parse_date:all", "parse_date:not_less"):
            failure = error(official_main, case_id)
            assert failure["type"] == "ValueError" and "'null'" in failure["message"], failure
        return
    assert_columns(ok(official_main, "parse_date:all"), plant, list(ALL), parse_date=True)
    assert_columns(ok(official_main, "parse_date:not_less"), plant, list(not_less.columns), not_less.mask, True)
    frame = ok(official_main, "parse_date:dataframe")
    assert frame["kind"] == "DataFrame"
    assert_columns(frame, plant, list(not_less.columns), not_less.mask, parse_date=True)
    assert frame["values"][0][-1] is None  # missing timestamps sort last and stay missing


def test_request_ws(official_main: dict[str, Any], plant: Plant, version: str) -> None:
    simple = ok(official_main, "simple")
    assert simple["reference"] == plant.long_id("timestamp")
    skip_unless(version, "2.2.0", "request_ws(response_as_json=False)")
    raw = ok(official_main, "simple_raw")
    assert raw == {"status_code": 200, "json": simple}


def test_error_statuses(official_main: dict[str, Any]) -> None:
    for case_id in (
        "unknown_variable",
        "unknown_variable_data",
        "unknown_variable_filter",
        "unknown_memory_base",
        "unknown_datagroup",
        "unknown_event",
        "unknown_job",
        "unknown_rule",
    ):
        assert_http_error(official_main, case_id, 404)
    malformed = [case_id for case_id in official_main if case_id.startswith("malformed:")]
    assert len(malformed) == 8
    for case_id in malformed:
        assert_http_error(official_main, case_id, 400)


# =============================================================================================
# braindock's SDK gives the same answers as the official client
# =============================================================================================


def normalise_dtype(dtype: str) -> str:
    if dtype in ("str", "string", "object"):
        return "object"
    return "datetime64" if dtype.startswith("datetime64[") else dtype


def normalise(case_id: str, outcome: dict[str, Any]) -> Any:
    """What must be equal between the two clients (error classes differ by design; statuses may not)."""
    value = outcome["ok"]
    if isinstance(value, dict) and "dtypes" in value:
        # The official client's venv has pandas 2 (object, datetime64[ns]); braindock may run
        # pandas 3 (str, datetime64[us]). Same values, different dtype spelling.
        value = {**value, "dtypes": [normalise_dtype(dtype) for dtype in value["dtypes"]]}
    if isinstance(value, dict) and "variable_ids" in value and "conditions_events" in value:
        value = {**value, "variable_ids": sorted(value["variable_ids"])}
    if isinstance(value, list):
        value = [
            {**item, "variable_ids": sorted(item["variable_ids"])}
            if isinstance(item, dict) and "conditions_events" in item
            else item
            for item in value
        ]
    if case_id.startswith("job_data") and isinstance(value, dict) and "keys" in value:
        order = sorted(range(len(value["keys"])), key=lambda i: value["keys"][i])
        value = {
            name: [value[name][i] for i in order]
            if name in ("keys", "key_types", "values", "types", "dtypes")
            else value[name]
            for name in value
        }
    return value


def assert_same_as_official(
    official: dict[str, Any], sdk: dict[str, Any], differ: dict[str, str] | None = None
) -> None:
    differ = differ or {}
    assert list(sdk) == list(official)
    mismatches = []
    for case_id in official:
        if case_id in differ:
            continue
        want, got = official[case_id], sdk[case_id]
        if "error" in want:
            # Error classes differ by design (typed SDK errors); HTTP statuses must not.
            status = want["error"]["status"]
            if "error" not in got or (status is not None and got["error"]["status"] != status):
                mismatches.append(f"{case_id}:\n  official={want['error']}\n  sdk     ={str(got)[:400]}")
            continue
        if "error" in got:
            mismatches.append(f"{case_id}:\n  official=ok\n  sdk     ={got['error']}")
            continue
        want, got = normalise(case_id, want), normalise(case_id, got)
        if want != got:
            mismatches.append(f"{case_id}:\n  official={str(want)[:400]}\n  sdk     ={str(got)[:400]}")
    assert not mismatches, f"{len(mismatches)} SDK answers differ from the official client:\n" + "\n".join(mismatches)


# The official client's JobDescription.get_rule_list() raises TypeError on any rule (braincube.md 10.9).
SDK_FIXES = {"job_rule_list": "official client defect 10.9"}


@pytest.mark.parametrize("wire_format", ["auto", "json"])
def test_sdk_main_session(
    official_main: dict[str, Any],
    sdk: SdkClient,
    main_session: list[dict[str, Any]],
    plant: Plant,
    wire_format: str,
    version: str,
) -> None:
    """The SDK's Arrow transport (``auto``) and its JSON transport both match the official client."""
    sdk_only_latest(version)
    first = case("wire_format", "set_parameter", params={"wire_format": wire_format})
    results = sdk.run([first, *main_session])
    assert results.pop("wire_format") == {"ok": None, "warnings": []}
    assert_same_as_official(official_main, results, SDK_FIXES)
    assert [rule["bcid"] for rule in ok(results, "job_rule_list")] == [plant.rule]


def test_sdk_lab_session(
    official_lab: dict[str, Any], sdk: SdkClient, lab_session: list[dict[str, Any]], version: str
) -> None:
    sdk_only_latest(version)
    assert_same_as_official(official_lab, sdk.run(lab_session))


@pytest.mark.parametrize(
    "make_cases",
    [oauth2_cases, bad_credentials_cases, foreign_cases, placeholder_cases],
    ids=["oauth2", "bad_credentials", "foreign", "placeholder"],
)
def test_sdk_other_sessions(official: OfficialClient, sdk: SdkClient, plant: Plant, make_cases) -> None:
    sdk_only_latest(official.version)
    cases = make_cases(plant)
    assert_same_as_official(official.run(cases), sdk.run(cases))


def test_sdk_config_files(official: OfficialClient, sdk: SdkClient, plant: Plant, tmp_path: Path) -> None:
    sdk_only_latest(official.version)
    path = tmp_path / "myfile.json"
    path.write_text(json.dumps(config_for(plant, api_key=plant.token)) + "\n")
    by_path = [case("connect", "connect", config_file=str(path)), case("list", "braincube_list")]
    assert_same_as_official(official.run(by_path), sdk.run(by_path))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "config.json").write_text(json.dumps(config_for(plant, api_key=plant.token)))
    implicit = [case("list", "braincube_list"), data_case(plant, "less", DATA_CASES["less"], prefix="")]
    assert_same_as_official(official.run(implicit, cwd=cwd), sdk.run(implicit, cwd=cwd))
    home, empty = tmp_path / "home", tmp_path / "empty"
    (home / ".braincube").mkdir(parents=True)
    empty.mkdir()
    (home / ".braincube" / "config.json").write_text(json.dumps(config_for(plant, api_key=plant.token)))
    from_home = official.run(implicit, cwd=empty, home=home)
    assert "ok" in from_home["list"]
    assert_same_as_official(from_home, sdk.run(implicit, cwd=empty, home=home))
