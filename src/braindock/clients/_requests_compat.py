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

:class:`CleanHTTPError` is the one base the three SDKs' HTTP error classes share: its
:meth:`~CleanHTTPError._attach_answer` stores in ``.response`` / ``.request`` a *clean copy* of the answer —
the request's method and URL without the query string, no request headers (no ``Authorization``) and no
request body; the response's status, reason, body and headers except ``Set-Cookie``. Pickling, ``str()`` and
``repr()`` of the error therefore never carry the caller's token or session cookie.

Because :class:`requests.HTTPError` derives from :class:`requests.RequestException`, which derives from
:class:`OSError` (``IOError``), every SDK HTTP error is also an :class:`OSError`: an ``except OSError`` block
catches API error answers too, exactly as it does for ``requests`` itself.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import requests
from requests.structures import CaseInsensitiveDict

__all__ = ["CleanHTTPError", "HTTPError", "clean_response", "request_of", "requests_response", "response_from_httpx"]

#: The class every SDK HTTP error also derives from.
HTTPError = requests.exceptions.HTTPError


#: Response headers never copied into an error's answer (a session cookie is a credential).
_DROPPED_HEADERS = frozenset({"set-cookie", "set-cookie2"})


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
        if name.lower() in _DROPPED_HEADERS:
            continue
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    if "content-type" not in merged and body and not isinstance(content, (bytes, str)):
        merged["Content-Type"] = "application/json"
    response.headers = merged
    response.url = url
    response.reason = reason if reason is not None else httpx.codes.get_reason_phrase(int(status))
    response.encoding = encoding or ("utf-8" if body and not isinstance(content, bytes) else None)
    response.request = _prepared(method, url)
    return response


def response_from_httpx(response: httpx.Response, *, strip_query: bool = True) -> requests.Response:
    """The :class:`requests.Response` equivalent of an httpx ``response`` whose body was read (else it is empty).

    The copy has no request headers nor body and no ``Set-Cookie`` header. ``strip_query`` (default) drops the
    query string from the URL (e.g. a self-authorising download link's signature).
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


def _strip_query(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0]


def clean_response(
    response: Any, *, status: int, body: Any = None, url: str = "", method: str = ""
) -> requests.Response:
    """A token-free :class:`requests.Response` copy of an error answer.

    Args:
        response: an :class:`httpx.Response`, a :class:`requests.Response`, an object wrapping an httpx answer in
            ``httpx_response`` (the BrainSTEM SDK's ``BrainstemResponse``), or ``None``.
        status, body, url, method: used to build the answer when ``response`` is ``None``.

    Returns:
        A :class:`requests.Response` whose ``request`` has only the method and the URL without query string (no
        headers, no body) and whose headers leave out ``Set-Cookie``.
    """
    inner = getattr(response, "httpx_response", None)
    if isinstance(inner, httpx.Response):
        response = inner
    if isinstance(response, httpx.Response):
        return response_from_httpx(response, strip_query=True)
    if isinstance(response, requests.Response):
        request = response.request
        return requests_response(
            response.status_code,
            response.content if response._content is not False else b"",  # type: ignore[attr-defined]
            headers=response.headers,
            url=_strip_query(str(response.url or (request.url if request is not None else "") or "")),
            method=str(getattr(request, "method", "") or ""),
            reason=response.reason,
            encoding=response.encoding,
        )
    return requests_response(status, body, url=_strip_query(url), method=method)


def _rebuild_error(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    error = cls.__new__(cls)
    error.args = args
    return error


class CleanHTTPError(requests.HTTPError):
    """Base of every braindock SDK HTTP error: a :class:`requests.HTTPError` holding a clean answer copy.

    ``response`` is a :class:`requests.Response` built by :func:`clean_response` and ``request`` is
    ``response.request`` (method and URL without query string only). Also an :class:`OSError`, as every
    :class:`requests.RequestException` is.
    """

    def _attach_answer(
        self, *args: Any, response: Any = None, status: int, body: Any = None, url: str = "", method: str = ""
    ) -> None:
        """Initialise the ``requests.HTTPError`` part with ``args`` and store the clean answer copy."""
        requests.HTTPError.__init__(self, *args)
        self.response = clean_response(response, status=status, body=body, url=url, method=method)
        self.request = self.response.request

    def __reduce__(self) -> Any:
        # pickle without calling __init__ again (the subclasses' signatures differ from ``args``)
        return (_rebuild_error, (type(self), self.args), self.__dict__)
