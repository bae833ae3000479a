"""``requests``-shaped answers for the SDK errors (the official clients' error contract).

The official clients let scripts catch HTTP errors as :class:`requests.HTTPError` and read
``err.response.status_code`` (braincube-connector 2.8.0 calls ``raise_for_status()`` on every answer,
``braincube.md`` 2.4; brainstem-python-api-tools 2.0.0 does so in ``load(load_all=True)`` and both BrainSTEM
clients hand back the ``requests.Response`` itself, ``brainstem.md`` 3.3.3; neurospeed 2.3.5 catches
``requests.HTTPError`` internally and reads ``e.response.status_code`` / ``e.response.text``,
``neurospeed.md`` 2.6, 9.1). The braindock SDKs speak httpx, so their HTTP error classes also derive from
:class:`requests.HTTPError` and carry in ``.response`` a genuine :class:`requests.Response` built here from the
httpx answer (status, reason, headers, body, URL and the request's method and URL, without its headers, so no
token travels with an exception).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import requests
from requests.structures import CaseInsensitiveDict

__all__ = ["HTTPError", "request_of", "requests_response", "response_from_httpx"]

#: The class every SDK HTTP error also derives from.
HTTPError = requests.exceptions.HTTPError


def request_of(response: Any) -> Any:
    """``response.request``, or ``None`` when the response has none (httpx raises ``RuntimeError`` there)."""
    try:
        return getattr(response, "request", None)
    except RuntimeError:
        return None


def _prepared(method: str, url: str) -> requests.PreparedRequest:
    prepared = requests.PreparedRequest()
    prepared.method = method.upper() or None
    prepared.url = url or None
    prepared.headers = CaseInsensitiveDict()
    return prepared


def requests_response(
    status: int,
    content: bytes | str | Any = b"",
    *,
    headers: Any = None,
    url: str = "",
    method: str = "",
    reason: str | None = None,
    encoding: str | None = None,
) -> requests.Response:
    """A :class:`requests.Response` with ``status`` and body ``content``.

    Args:
        status: HTTP status code.
        content: body bytes; a ``str`` is UTF-8 encoded, any other value (dict, list) is written as JSON.
        headers: response headers (mapping or ``(name, value)`` pairs; repeated names are joined with ``", "``).
        url: the request URL (also ``response.request.url``).
        method: the request method (``response.request.method``).
        reason: reason phrase (default: the standard one for ``status``).
        encoding: text encoding (default UTF-8 for a text or JSON body).

    Returns:
        A response whose ``status_code``, ``reason``, ``headers``, ``text``, ``content``, ``json()``, ``url``,
        ``ok`` and ``raise_for_status()`` behave as ``requests`` defines them.
    """
    response = requests.Response()
    response.status_code = int(status)
    if content is None:
        body = b""
    elif isinstance(content, bytes):
        body = content
    elif isinstance(content, str):
        body = content.encode()
    else:
        body = json.dumps(content).encode()
    response._content = body
    response._content_consumed = True
    pairs = headers.multi_items() if isinstance(headers, httpx.Headers) else (dict(headers or {}).items())
    merged: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for name, value in pairs:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    if "content-type" not in merged and body and not isinstance(content, (bytes, str)):
        merged["Content-Type"] = "application/json"
    response.headers = merged
    response.url = url
    response.reason = reason if reason is not None else httpx.codes.get_reason_phrase(int(status))
    response.encoding = encoding or ("utf-8" if body and not isinstance(content, bytes) else None)
    response.request = _prepared(method, url)
    return response


def response_from_httpx(response: httpx.Response, *, strip_query: bool = False) -> requests.Response:
    """The :class:`requests.Response` equivalent of an httpx ``response`` whose body was read (else it is empty).

    ``strip_query`` drops the query string from the URL (e.g. a self-authorising download link's signature).
    """
    try:
        content = response.content
    except httpx.ResponseNotRead:
        content = b""
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a response built without a request
        request = None
    return requests_response(
        response.status_code,
        content,
        headers=response.headers,
        url=(str(request.url.copy_with(query=None)) if strip_query else str(request.url))
        if request is not None
        else "",
        method=request.method if request is not None else "",
        reason=response.reason_phrase,
        encoding=response.encoding,
    )
