"""The OpenAPI document at ``/openapi.json`` and ``/docs``: FastAPI's, corrected to tell the truth.

Many routes read their body themselves (NeuroSpeed and BrainSTEM accept JSON *and* forms, 2.5-2.7 of
``neurospeed.md``; ``braindata/LF`` streams), so FastAPI cannot see their inputs, and it documents a ``422`` that
braindock never sends (:func:`braindock.server.errors.install_error_handlers` answers validation errors with
400). :func:`document` fixes both: the request bodies and query parameters the handlers read
(:data:`REQUEST_DOCS`), and the error answers each route really gives. The schemathesis suite
(``tests/security/test_fuzz_openapi.py``) holds the server to this document.
"""

from __future__ import annotations

import re
from typing import Any

from braindock.server.identity.login_limits import LOGIN_PATHS

#: ``{"error", "message"}`` bodies of :class:`ApiError` (Braincube, shared identity, NeuroSpeed add
#: ``statusCode``; a NeuroSpeed stale token is exactly ``{"message": "Unauthorized"}``).
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    "required": ["message"],
}
#: BrainSTEM errors follow Django REST framework: ``{"detail": ...}`` or ``{"<field>": ["<message>", ...]}``.
BRAINSTEM_ERROR_SCHEMA: dict[str, Any] = {"title": "BrainstemError", "type": "object"}
_DESCRIPTIONS = {
    400: "Bad request: the message names the field, filter or parameter",
    401: "Missing, invalid, expired or revoked credentials",
    403: "The credentials do not reach this resource (scope, tenant, role, signed link)",
    404: "No such resource, or not visible to the caller",
    405: "Method not allowed here (e.g. writes on the BrainSTEM public portal)",
    409: "Conflict with the resource's state",
    413: "Payload too large",
    429: "Too many failed logins: wait Retry-After seconds",
    501: "Not supported by this server",
}


def _statuses(path: str, method: str, tags: list[str]) -> list[int]:
    """The error statuses a route can answer (401/403 only where credentials are checked)."""
    if path in ("/healthz",):
        return []
    statuses = [400, 404]
    # The password logins limited by :mod:`braindock.server.identity.login_limits`, which may answer 429.
    login = method == "post" and path.rstrip("/") in LOGIN_PATHS
    public = path.startswith("/api/auth/device") or path == "/account/authorize/" or login
    if path == "/api/auth/refresh_token":
        statuses.append(401)
    elif not public:
        statuses += [401, 403]
    if login:
        statuses += [401, 413, 429]  # 413: a body over login_limits.MAX_PARSED_BODY
    if any(tag.startswith("brainstem") for tag in tags) and not public:
        statuses.append(405)
    if method in ("post", "put", "delete", "patch") or "exporter" in path or "recorder" in path:
        statuses.append(409)
    if path == "/api/gateway/ssr/downlink":
        statuses.append(413)
    if path.startswith("/api/users/settings/insights/weekly_first_day_of_week") and method == "post":
        statuses.append(501)
    return sorted(set(statuses))


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite an OpenAPI document in place so it tells the truth about errors.

    * FastAPI's ``422`` (never sent: :func:`install_error_handlers` answers validation errors with 400) is
      replaced by the statuses the route really answers, each with its body schema;
    * operation ids are made unique (one catch-all route serves several methods);
    * the inputs of :data:`REQUEST_DOCS` are declared.

    Returns the same ``schema``.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    components["BrainstemError"] = BRAINSTEM_ERROR_SCHEMA
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    _declare_inputs(schema)
    counts: dict[str, int] = {}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            counts[operation.get("operationId", "")] = counts.get(operation.get("operationId", ""), 0) + 1
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            tags = operation.get("tags", [])
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            brainstem = any(tag.startswith("brainstem") for tag in tags)
            ref = "#/components/schemas/" + ("BrainstemError" if brainstem else "Error")
            for status in _statuses(path, method, tags):
                if str(status) in responses:
                    continue
                body: dict[str, Any] = {"description": _DESCRIPTIONS[status]}
                if brainstem and path == "/account/authorize/":
                    body["content"] = {"text/html": {"schema": {"type": "string"}}}
                else:
                    body["content"] = {"application/json": {"schema": {"$ref": ref}}}
                if status == 429:
                    body["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
                responses[str(status)] = body
            operation_id = operation.get("operationId")
            if operation_id and counts[operation_id] > 1:
                # FastAPI gave every method of a multi-method route one id ending in an arbitrary method.
                operation["operationId"] = re.sub(r"_(get|put|post|patch|delete)$", "", operation_id) + f"_{method}"
    return schema


_S = {"type": "string"}
_PAGER = {
    "type": "object",
    "properties": {
        "pager": {
            "type": "object",
            "properties": {"page_number": {"type": "integer"}, "page_size": {"type": "integer"}},
        },
        "filters": {"type": "object"},
    },
}


def _json(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _form(properties: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": properties}}}}


def _query(*names: str, required: bool = True) -> list[dict[str, Any]]:
    return [{"name": name, "in": "query", "required": required, "schema": _S} for name in names]


_INSIGHT_FIELDS = ("start_date", "end_date", "daily_date", "todays_date", "insight_path", "boundry", "insight_id")
#: (method, path) → ``{"requestBody": …, "parameters": […]}`` read by handlers that parse the request themselves.
REQUEST_DOCS: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/auth/login"): {"requestBody": _json({"email": _S, "password": _S}, ("email", "password"))},
    ("post", "/api/users/login"): {
        "requestBody": _json({"account_id": _S, "username": _S, "password": _S}, ("account_id", "username", "password"))
    },
    ("post", "/api/auth/refresh_token"): {"requestBody": _json({"refreshToken": _S}, ("refreshToken",))},
    ("post", "/api/users/list"): {"requestBody": {"content": {"application/json": {"schema": _PAGER}}}},
    ("post", "/api/gateway/connections"): {"requestBody": {"content": {"application/json": {"schema": _PAGER}}}},
    ("post", "/api/gateway/recorder/list"): {"requestBody": {"content": {"application/json": {"schema": _PAGER}}}},
    ("post", "/api/gateway/exporter/list"): {"requestBody": {"content": {"application/json": {"schema": _PAGER}}}},
    ("post", "/api/users"): {"requestBody": _json({"username": _S, "password": _S}, ("username", "password"))},
    ("put", "/api/users"): {"parameters": _query("id"), "requestBody": _form({"username": _S, "password": _S})},
    ("delete", "/api/users"): {"parameters": _query("id")},
    ("post", "/api/gateway/recorder"): {
        "requestBody": _json({"username": _S, "recorder_name": _S, "unlimited": _S}, ("username",))
    },
    ("put", "/api/gateway/recorder"): {
        "parameters": _query("id"),
        "requestBody": _form({"status": {"type": "string", "enum": ["pending", "paused", "stopped", "recording"]}}),
    },
    ("delete", "/api/gateway/recorder"): {"parameters": _query("recorder_id")},
    ("get", "/api/gateway/exporter/url"): {"parameters": _query("exporter_id")},
    ("delete", "/api/gateway/exporter"): {"parameters": _query("exporter_id")},
    ("post", "/api/gateway/exporter"): {
        "requestBody": _json(
            {"recorder_id": {"type": "integer"}, "exporter_config": {"type": "object"}}, ("recorder_id",)
        )
    },
    ("get", "/api/gateway/exporter/file/{exporter_id}/{file_name}"): {
        "parameters": _query("expires", "signature", required=False)
    },
    ("post", "/api/gateway/ssr/stream_state"): {
        "requestBody": _json(
            {
                "username": _S,
                "hia_id": _S,
                "stream_id": _S,
                "stream_state": {"type": "string", "enum": ["enabled", "disabled"]},
            },
            ("username", "hia_id", "stream_id", "stream_state"),
        )
    },
    ("post", "/api/gateway/ssr/downlink"): {
        "requestBody": _json({"username": _S, "hia_id": _S, "payload": {}}, ("username", "hia_id", "payload"))
    },
    ("post", "/api/token/"): {"requestBody": _json({"username": _S, "password": _S}, ("username", "password"))},
    ("post", "/api/auth/token/"): {"requestBody": _json({"email": _S, "password": _S}, ("email", "password"))},
    ("post", "/api/auth/device/"): {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}},
    ("post", "/api/auth/device/token/"): {"requestBody": _json({"device_code": _S}, ("device_code",))},
    ("post", "/braincube/{bc}/braindata/{source}/LF"): {
        "requestBody": _json(
            {
                "order": _S,
                "definitions": {"type": "array", "items": _S},
                "context": {
                    "type": "object",
                    "properties": {"dataSource": _S, "filter": {"type": "object"}},
                },
            }
        )
    },
}


def _declare_inputs(schema: dict[str, Any]) -> None:
    paths = schema.get("paths", {})
    for (method, path), docs in REQUEST_DOCS.items():
        operation = paths.get(path, {}).get(method)
        if operation is None:
            continue  # the route is gone; nothing to document
        if "requestBody" in docs and "requestBody" not in operation:
            operation["requestBody"] = docs["requestBody"]
        known = {(p["name"], p["in"]) for p in operation.get("parameters", [])}
        extra = [p for p in docs.get("parameters", []) if (p["name"], p["in"]) not in known]
        if extra:
            operation["parameters"] = [*operation.get("parameters", []), *extra]
    insights = "/api/users/settings/insights/"
    for path, operations in paths.items():
        post = operations.get("post")
        if path.startswith(insights) and post is not None and "requestBody" not in post:
            fields = {name: _S for name in _INSIGHT_FIELDS}
            post["requestBody"] = _json({"user_id": {"type": "integer"}, "local_timezone": _S, **fields})
    download = paths.get("/api/gateway/exporter/file/{exporter_id}/{file_name}", {}).get("get")
    if download is not None:
        download["responses"]["200"]["content"] = {"text/csv": {"schema": {"type": "string"}}}
    lf = paths.get("/braincube/{bc}/braindata/{source}/LF", {}).get("post")
    if lf is not None:
        lf["responses"]["200"]["content"] = {
            "application/json": {"schema": {"type": "object"}},
            "application/vnd.apache.arrow.stream": {"schema": {"type": "string", "format": "binary"}},
        }
