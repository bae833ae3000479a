"""Run a list of cases against a Braincube client library and print the results as JSON.

Usage (in the virtualenv of the official client)::

    python client_runner.py braincube_connector < spec.json > results.json

``spec`` is ``{"cases": [{"id": ..., "op": ..., "args": {...}}, ...], "cwd": optional directory}``.
Cases run in order, in one process, so library state (the client singleton, parameters such as
``page_size`` or ``parse_date``) carries over from one case to the next, exactly as in a user's
script. Every case yields ``{"ok": value, "warnings": [...]}`` or
``{"error": {"type", "mro", "status", "message"}, "warnings": [...]}``.

The script uses only the public API that the official ``braincube_connector`` documents (``client``,
``braincube``, ``parameters`` and the entity methods), in 2.8.0, 2.5.1 and 2.1.0. Where 2.1.0 lacks a call:
``connect`` with a ``config_dict`` writes it to a one-line JSON file and passes that (2.1.0 reads files only,
first line); an entity's ``name`` comes from its metadata under the class's ``name_key`` and its ``uuid`` is
``None`` (2.1.0 has no ``get_name``/``get_uuid``); ``braincube_name`` is ``None``; ``request_ws`` is called
without ``response_as_json`` unless a case asks for the raw response. The test suite also imports it
in-process and passes ``braindock.clients.braincube`` instead, so both clients run the very same
calls. Results are plain JSON: datetimes become ISO strings, NaN/NaT become ``None``, and each
data column also reports the Python type names of its cells so int/float/str/None stay visible.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import inspect
import json
import math
import os
import sys
import types
import warnings
from collections.abc import Callable
from typing import Any


def load_api(package: str) -> types.SimpleNamespace:
    """``client``, ``braincube`` and ``parameters`` modules of ``package``."""
    return types.SimpleNamespace(
        package=package,
        client=importlib.import_module(f"{package}.client"),
        braincube=importlib.import_module(f"{package}.braincube"),
        parameters=importlib.import_module(f"{package}.parameters"),
    )


# -- conversion to plain JSON ------------------------------------------------------------------


def plain(value: Any) -> Any:
    """``value`` as JSON-safe data (NaN/NaT -> None, datetimes -> ISO strings, numpy -> Python)."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dt.datetime | dt.date):
        if value != value:  # NaT
            return None
        return value.isoformat()
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def cell_type(value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, dt.datetime) and value != value:
        return "NaT"
    return type(value).__name__


def columns(result: Any) -> dict[str, Any]:
    """A ``get_data`` result (dict of lists or DataFrame) as keys, values and cell types."""
    if isinstance(result, dict):
        keys = list(result)
        cells = [list(result[key]) for key in keys]
        out: dict[str, Any] = {"kind": "dict"}
    else:  # pandas.DataFrame
        keys = list(result.columns)
        cells = [result[key].tolist() for key in keys]
        out = {
            "kind": type(result).__name__,
            "dtypes": [str(result[key].dtype) for key in keys],
            "index": [plain(item) for item in result.index.tolist()],
        }
    out["keys"] = [plain(key) for key in keys]
    out["key_types"] = [type(key).__name__ for key in keys]
    out["values"] = [plain(column) for column in cells]
    out["types"] = [sorted({cell_type(cell) for cell in column}) for column in cells]
    return out


def entity(obj: Any, uuid: bool = True) -> dict[str, Any]:
    legacy = not hasattr(obj, "get_name")  # braincube_connector 2.1.0
    out = {
        "class": type(obj).__name__,
        "bcid": obj.get_bcid(),
        "name": obj.get_metadata()[type(obj).name_key] if legacy else obj.get_name(),
        "metadata": plain(obj.get_metadata()),
    }
    if uuid:
        out["uuid"] = None if legacy else obj.get_uuid()
    return out


def variable(var: Any) -> dict[str, Any]:
    out = entity(var, uuid=False)
    out["type"] = var.get_type()
    out["long_id"] = var.get_long_id()
    return out


def describe_error(exc: BaseException) -> dict[str, Any]:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status is None:
        status = getattr(exc, "status", None)
    return {
        "type": type(exc).__name__,
        "mro": [f"{cls.__module__}.{cls.__qualname__}" for cls in type(exc).__mro__],
        "status": status,
        "message": str(exc)[:500],
    }


# -- operations ---------------------------------------------------------------------------------


def _mb(lib: types.SimpleNamespace, bc: str, mb: Any) -> Any:
    return lib.braincube.get_braincube(bc).get_memory_base(mb)


def op_connect(lib, config_dict=None, config_file=None):
    kwargs = {}
    if config_dict is not None:
        kwargs["config_dict"] = config_dict
    if config_file is not None:
        kwargs["config_file"] = config_file
    if config_dict is not None and "config_dict" not in inspect.signature(lib.client.get_instance).parameters:
        path = os.path.abspath("connect-config.json")  # 2.1.0: configuration from a file only, first line
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(config_dict) + "\n")
        kwargs = {"config_file": path}
    instance = lib.client.get_instance(**kwargs)
    return {"braincubes": sorted(instance.get_braincube_infos())}


def op_set_parameter(lib, params):
    lib.parameters.set_parameter(params)
    return None


def op_reset_parameter(lib):
    lib.parameters.reset_parameter()
    return None


def op_braincube_list(lib):
    return [entity(bc) for bc in lib.braincube.get_braincube_list()]


def op_braincube(lib, name):
    bc = lib.braincube.get_braincube(name)
    braincube_name = bc.get_braincube_name() if hasattr(bc, "get_braincube_name") else None  # 2.5+
    return {**entity(bc), "braincube_name": braincube_name}


def op_memory_base_list(lib, bc, **kwargs):
    return [entity(mb) for mb in lib.braincube.get_braincube(bc).get_memory_base_list(**kwargs)]


def op_memory_base(lib, bc, mb):
    base = _mb(lib, bc, mb)
    return {**entity(base), "order_variable": base.get_order_variable_long_id()}


def op_variable_list(lib, bc, mb, **kwargs):
    return [variable(var) for var in _mb(lib, bc, mb).get_variable_list(**kwargs)]


def op_variable(lib, bc, mb, bcid):
    return variable(_mb(lib, bc, mb).get_variable(bcid=bcid))


def _datagroup(group: Any) -> dict[str, Any]:
    return {
        **entity(group),
        "variable_ids": plain(group.get_variable_ids()),
        "variable_list": [variable(var) for var in group.get_variable_list()],
    }


def op_datagroup(lib, bc, mb, bcid):
    return _datagroup(_mb(lib, bc, mb).get_datagroup(bcid=bcid))


def op_datagroup_list(lib, bc, mb, **kwargs):
    return [_datagroup(group) for group in _mb(lib, bc, mb).get_datagroup_list(**kwargs)]


def op_datagroup_data(lib, bc, mb, bcid, filters=None):
    return columns(_mb(lib, bc, mb).get_datagroup(bcid=bcid).get_data(filters=filters))


def _event(event: Any) -> dict[str, Any]:
    return {**entity(event), "conditions": plain(event.get_conditions())}


def op_event(lib, bc, mb, bcid):
    return _event(_mb(lib, bc, mb).get_event(bcid=bcid))


def op_event_list(lib, bc, mb, **kwargs):
    return [_event(event) for event in _mb(lib, bc, mb).get_event_list(**kwargs)]


def _job(job: Any) -> dict[str, Any]:
    events = job.get_events()
    return {
        **entity(job),
        "conditions": plain(job.get_conditions()),
        "conditions_combine": plain(job.get_conditions(combine=True)),
        "conditions_events": plain(job.get_conditions(include_events=True)),
        "conditions_combine_events": plain(job.get_conditions(combine=True, include_events=True)),
        "variable_ids": plain(job.get_variable_ids()),
        "events": {kind: [entity(event) for event in events[kind]] for kind in sorted(events)},
        "categories": plain(job.get_categories()),
    }


def op_job(lib, bc, mb, bcid):
    return _job(_mb(lib, bc, mb).get_job(bcid=bcid))


def op_job_list(lib, bc, mb, full=False, **kwargs):
    jobs = _mb(lib, bc, mb).get_job_list(**kwargs)
    return [_job(job) if full else entity(job) for job in jobs]


def op_job_data(lib, bc, mb, bcid, filters=None):
    return columns(_mb(lib, bc, mb).get_job(bcid=bcid).get_data(filters=filters))


def op_job_rule(lib, bc, mb, job, bcid):
    return entity(_mb(lib, bc, mb).get_job(bcid=job).get_rule(bcid=bcid))


def op_job_rule_list(lib, bc, mb, job, **kwargs):
    return [entity(rule) for rule in _mb(lib, bc, mb).get_job(bcid=job).get_rule_list(**kwargs)]


def op_rule(lib, bc, mb, bcid):
    return entity(_mb(lib, bc, mb).get_rule(bcid=bcid))


def op_rule_list(lib, bc, mb, **kwargs):
    return [entity(rule) for rule in _mb(lib, bc, mb).get_rule_list(**kwargs)]


def op_get_data(lib, bc, mb, var_ids, as_dataframe=False, **kwargs):
    """``mb.get_data(var_ids, **kwargs)``; ``as_dataframe`` applies ``pandas.DataFrame(result)`` (docs)."""
    result = _mb(lib, bc, mb).get_data(var_ids, **kwargs)
    if as_dataframe:
        import pandas as pd

        result = pd.DataFrame(result)
    return columns(result)


def op_request_ws(lib, path, response_as_json=True, **kwargs):
    if not response_as_json:  # 2.5+
        kwargs["response_as_json"] = False
    result = lib.client.request_ws(path, **kwargs)
    if response_as_json:
        return plain(result)
    return {"status_code": result.status_code, "json": plain(result.json())}


OPS: dict[str, Callable[..., Any]] = {
    name[3:]: function for name, function in globals().items() if name.startswith("op_") and callable(function)
}


def run_session(lib: types.SimpleNamespace, spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``spec["cases"]`` in order (in ``spec["cwd"]`` if given); return ``{case id: result}``."""
    results: dict[str, Any] = {}
    previous = os.getcwd()
    if spec.get("cwd"):
        os.chdir(spec["cwd"])
    try:
        for case in spec["cases"]:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    outcome: dict[str, Any] = {"ok": OPS[case["op"]](lib, **case.get("args", {}))}
                except Exception as exc:  # noqa: BLE001 - every failure is a result to compare
                    outcome = {"error": describe_error(exc)}
            outcome["warnings"] = [str(item.message) for item in caught]
            results[case["id"]] = outcome
    finally:
        os.chdir(previous)
    return results


def main() -> None:
    lib = load_api(sys.argv[1] if len(sys.argv) > 1 else "braincube_connector")
    spec = json.load(sys.stdin)
    real_stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        results = run_session(lib, spec)
    json.dump(results, real_stdout, allow_nan=False)


if __name__ == "__main__":
    main()
