"""Run a list of calls with an official ``brainstem_api_tools`` client and write the results as JSON.

Usage (in the virtualenv of ``brainstem-python-api-tools`` 0.2.0 or 2.0.0)::

    python brainstem_runner.py SPEC.json RESULTS.json

``SPEC`` is ``{"base": "http://127.0.0.1:PORT/", "cases": [...]}``; the results file maps each case id
to ``{"ok": value}`` or ``{"error": {"type", "message"}}``. Results go to a file because the client
prints to stdout (0.2.0 prints the token after a password login, 2.0.0 prints the device code).

Cases (run in order, in one process, like a user's script):

* ``{"id", "op": "login", "as": NAME, "kwargs": {...}}`` constructs ``BrainstemClient(**kwargs)``
  and keeps it under ``NAME``; ``ok`` is the token the client holds. For 0.2.0, ``kwargs`` may
  hold ``username``/``password`` instead of ``token``: they are answered to the client's own
  prompts (``input``/``getpass`` of its module are replaced at run time). ``"token_env": VAR``
  passes ``os.environ[VAR]`` as ``token`` (the documented ``.env`` recipe).
* ``{"id", "op": "call", "client": NAME, "method": M, "args": [...], "kwargs": {...}}`` calls a
  public method of the client; a ``requests.Response`` becomes ``{"status", "method", "url",
  "json", "text"}``, anything else is returned as is.
* ``{"id", "op": "password_login", "client": NAME, "username", "password"}`` (0.2.0) calls the
  client's own login routine again (``ok`` is the new token, ``LoginError`` becomes an error).
* ``{"id", "op": "with", "kwargs": {...}, "method": M, "args", "call_kwargs"}`` (2.0.0) constructs a client in a
  ``with`` block (``__enter__``/``__exit__``) and calls ``M`` inside it; ``ok`` is ``{"entered_self": bool,
  "result": <the call's result>}``.

* ``{"id", "op": "upload", "method": "patch", "url", "token", "files": {FIELD: [NAME, BASE64, TYPE]}, "data"}``
  sends the documented multipart upload with ``requests`` itself (``requests.patch(url, headers=..., files=...)``,
  ``brainstem_support`` ``docs/api/personal_attributes/protocol.md``), as neither client can send files.
* ``{"id", "op": "fetch", "url", "token"}`` downloads a file URL with ``requests.get``; ``ok`` is ``{"status",
  "content_type", "sha256", "size"}``.

An argument (in ``args``, ``kwargs`` or ``call_kwargs``) written ``{"$enum": "ModelType.session"}`` is that member
of the client module's enumeration (``ModelType``, ``PortalType``).

Pointing 0.2.0 at braindock: its base URL is assigned in ``__init__`` (``self._address =
'https://www.brainstem.org/api/'``), before the password login uses it. The runner installs a
property named ``_address`` on the class at run time, whose getter returns braindock's
``<base>api/`` and whose setter ignores the hard-coded value, so the unmodified ``__init__`` and
every method talk to braindock. 2.0.0 takes ``url=`` and needs nothing of the sort.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.metadata
import json
import os
import sys
import traceback
from typing import Any


def describe_response(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - any non-JSON body (204, HTML error page, fabricated Response)
        body = None
    request = getattr(response, "request", None)
    return {
        "status": response.status_code,
        "method": getattr(request, "method", None),
        "url": getattr(response, "url", None),
        "json": body,
        "text": (response.text or "")[:2000] if response.content is not None else "",
    }


def plain(value: Any) -> Any:
    if type(value).__name__ == "Response" and hasattr(value, "status_code"):
        return describe_response(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def point_020_at(module: Any, base: str) -> None:
    address = base.rstrip("/") + "/api/"
    module.BrainstemClient._address = property(lambda self: address, lambda self, value: None)


def resolve(module: Any, value: Any) -> Any:
    """``{"$enum": "ModelType.session"}`` → the module's enum member; lists and dicts recursively."""
    if isinstance(value, dict):
        if set(value) == {"$enum"}:
            enum_name, member = value["$enum"].split(".", 1)
            return getattr(getattr(module, enum_name), member)
        return {key: resolve(module, item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(module, item) for item in value]
    return value


def login(module: Any, version: str, kwargs: dict[str, Any]) -> Any:
    kwargs = dict(kwargs)
    token_env = kwargs.pop("token_env", None)
    if token_env:
        kwargs["token"] = os.environ.get(token_env)
    if version.startswith("0."):
        username = kwargs.pop("username", None)
        password = kwargs.pop("password", None)
        if username is not None:
            module.input = lambda prompt="": username
            module.getpass = lambda prompt="": password
    return module.BrainstemClient(**kwargs)


def run(spec: dict[str, Any]) -> dict[str, Any]:
    module = importlib.import_module("brainstem_api_tools.brainstem_api_client")
    version = importlib.metadata.version("brainstem-python-api-tools")
    if version.startswith("0."):
        point_020_at(module, spec["base"])
    clients: dict[str, Any] = {}
    results: dict[str, Any] = {"_version": {"ok": version}}
    for case in spec["cases"]:
        try:
            op = case["op"]
            if op == "login":
                client = login(module, version, case.get("kwargs", {}))
                clients[case.get("as", "main")] = client
                value: Any = {"token": client._token, "address": client._address}
            elif op == "password_login":
                client = clients[case.get("client", "main")]
                value = client._BrainstemClient__set_token_authentication(
                    url=client._address + "token/", username=case["username"], password=case["password"]
                )
            elif op == "call":
                client = clients[case.get("client", "main")]
                args = resolve(module, case.get("args", []))
                value = getattr(client, case["method"])(*args, **resolve(module, case.get("kwargs", {})))
            elif op == "with":
                made = login(module, version, case.get("kwargs", {}))
                with made as entered:
                    args = resolve(module, case.get("args", []))
                    result = getattr(entered, case["method"])(*args, **resolve(module, case.get("call_kwargs", {})))
                    value = {"entered_self": entered is made, "result": plain(result)}
            elif op == "upload":
                import requests

                files = {
                    field: (name, base64.b64decode(content), kind)
                    for field, (name, content, kind) in case["files"].items()
                }
                headers = {"Authorization": f"Bearer {case['token']}"}
                value = plain(
                    requests.request(case["method"], case["url"], headers=headers, files=files, data=case.get("data"))
                )
            elif op == "fetch":
                import requests

                fetched = requests.get(case["url"], headers={"Authorization": f"Bearer {case['token']}"}, timeout=60)
                value = {
                    "status": fetched.status_code,
                    "content_type": fetched.headers.get("content-type"),
                    "sha256": hashlib.sha256(fetched.content).hexdigest(),
                    "size": len(fetched.content),
                }
            else:
                raise ValueError(f"unknown op {op!r}")
            results[case["id"]] = {"ok": plain(value)}
        except Exception as exc:  # noqa: BLE001 - every client failure is a result to compare
            results[case["id"]] = {
                "error": {"type": type(exc).__name__, "message": str(exc), "trace": traceback.format_exc()[-1500:]}
            }
    return results


def main() -> None:
    spec_path, results_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    results = run(spec)
    with open(results_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    main()
