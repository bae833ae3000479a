"""``BrainstemClient``: the BrainSTEM REST API from Python (``brainstem.md`` 1-3 and 8).

Drop-in for both official clients — only the import changes::

    from braindock.clients.brainstem import BrainstemClient

    client = BrainstemClient(token="...", url="http://127.0.0.1:8000/")
    projects = client.load_model("project", portal="public").json()["projects"]      # 0.2.0 names
    sessions = client.load("session", filters={"name.icontains": "day"}, sort=["-name"]).json()
    everything = client.load("session", load_all=True)                               # dict, 2.0.0
    client.load_session(name="day", include=[]).to_dataframe()                        # pandas

Token resolution (first that applies): ``token=``; ``email=``/``password=`` (password login through
``POST api/token/``, 2.2; the password is prompted for when only ``email`` is given on a terminal);
``$BRAINSTEM_API_TOKEN`` / ``$BRAINSTEM_TOKEN``; the cache file ``~/.config/brainstem/token`` (2.6,
same file as client 2.0.0); the device flow (2.3) when running interactively (stdin is a terminal,
or ``interactive=True``). Otherwise :class:`~.errors.AuthenticationError` is raised at once instead of
blocking (7.1 item 17). Tokens obtained by logging in are written to the cache (``cache_token``).

Server: ``url=``, else ``$BRAINSTEM_URL``, else ``https://www.brainstem.org/``; requests go to
``<url>api/<portal>/<app>/<model>/[<id>/][<action>/]``.

HTTP errors — default behaviour matches client 2.0.0: ``load``/``save``/``delete`` return the response
whatever its status (scripts check ``.status_code`` or ``.json()``, as the seed documentation does),
and ``load_all=True`` raises (401 → :class:`~.errors.UnauthorizedError`, which is an
``AuthenticationError`` like 2.0.0's; other statuses → the matching typed error). Pass
``raise_for_status=True`` to the constructor to get the typed errors from every call, or call
``response.raise_for_status()`` on one response. Transport problems raise
:class:`~.errors.BrainstemTimeoutError` / :class:`~.errors.BrainstemConnectionError`.

Transport: one pooled :class:`httpx.Client`; ``timeout`` seconds (default 30) for connect/read/write/
pool; 502/503/504 answers to idempotent requests (GET, PUT, DELETE, HEAD, OPTIONS — like 2.0.0's urllib3
retry) and connection failures of any request are retried ``retries`` times (default 3) with
exponential backoff ``backoff_factor * 2**n`` seconds (``Retry-After`` honoured, capped at 30 s); read
timeouts are retried for idempotent requests only.
"""

from __future__ import annotations

import getpass
import inspect
import os
import sys
import time
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from braindock import __version__
from braindock.clients.brainstem import auth
from braindock.clients.brainstem.errors import (
    AuthenticationError,
    BrainstemConnectionError,
    BrainstemTimeoutError,
    UnauthorizedError,
    error_for_response,
)
from braindock.clients.brainstem.models import ModelInfo, resolve_model, resolve_portal
from braindock.clients.brainstem.response import BrainstemRecords, BrainstemResponse

__all__ = ["BrainstemClient"]

URL_ENV = "BRAINSTEM_URL"
RETRY_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 30.0
MAX_PAGE = 100
USER_AGENT = f"braindock-brainstem/{__version__} httpx/{httpx.__version__}"


def _scalar(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return str(value)


def _interactive() -> bool:
    try:
        return bool(sys.stdin and sys.stdin.isatty())
    except (AttributeError, ValueError):
        return False


class BrainstemClient:
    """Client of a BrainSTEM(-compatible) server.

    Args:
        token: personal access token (sent as ``Authorization: Bearer <token>``, 2.1).
        headless: device flow only — print the URL and code without trying to open a browser.
        url: base URL of the server (``http://127.0.0.1:8000/``); default ``$BRAINSTEM_URL`` or
            ``https://www.brainstem.org/``.
        email, password: log in through the password → token endpoint (2.2).
        timeout: seconds (or an :class:`httpx.Timeout`) for every data request; default 30.
        retries: retries on 502/503/504 and connection failures; default 3 (0 disables).
        backoff_factor: first retry waits this many seconds, then doubling (capped at 8 s).
        raise_for_status: raise the typed errors for every HTTP error answer instead of returning it.
        interactive: allow the device flow / password prompt; default: stdin is a terminal.
        cache_token: write tokens obtained by logging in to the cache file.
        token_file: cache file path; default ``$BRAINSTEM_TOKEN_FILE`` or ``~/.config/brainstem/token``.
        verify: TLS verification (``httpx`` ``verify``).

    Raises:
        AuthenticationError: no token could be found or obtained (``LoginError`` for a refused password).
    """

    BASE_URL = "https://www.brainstem.org/"
    DEFAULT_TIMEOUT: float = 30

    def __init__(
        self,
        token: str | None = None,
        headless: bool = False,
        url: str | None = None,
        *,
        email: str | None = None,
        password: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        retries: int = 3,
        backoff_factor: float = 0.5,
        raise_for_status: bool = False,
        interactive: bool | None = None,
        cache_token: bool = True,
        token_file: str | os.PathLike[str] | None = None,
        verify: Any = True,
    ) -> None:
        base = url or os.environ.get(URL_ENV) or self.BASE_URL
        self.base_url = base.rstrip("/") + "/"
        self._address = self.base_url + "api/"
        self.timeout = timeout if timeout is not None else self.DEFAULT_TIMEOUT
        self.retries = max(0, int(retries))
        self.backoff_factor = max(0.0, float(backoff_factor))
        self.raise_for_status = raise_for_status
        self.headless = headless
        self.interactive = _interactive() if interactive is None else interactive
        self.cache_token = cache_token
        self.token_file = Path(token_file).expanduser() if token_file else None
        self._http = httpx.Client(
            timeout=self.timeout,
            verify=verify,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )
        try:
            self._token = self._resolve_token(token, email, password)
        except BaseException:
            self._http.close()
            raise

    # ------------------------------------------------------------------------------------------
    # Tokens (2.1-2.6)
    # ------------------------------------------------------------------------------------------

    def _resolve_token(self, token: str | None, email: str | None, password: str | None) -> str:
        if token:
            return token.strip()
        if email or password:
            return self.login(email=email, password=password)
        found = auth.env_token() or auth.cached_token(self._cache_path())
        if found:
            return found
        if self.interactive:
            return self.login()
        raise AuthenticationError(
            "No BrainSTEM token: pass token=..., set $BRAINSTEM_API_TOKEN, log in with email=/password=, "
            f"or run interactively to use the device login (cache file: {self._cache_path()})."
        )

    def _cache_path(self) -> Path:
        return self.token_file or auth.token_cache_path()

    @property
    def token(self) -> str:
        """The token sent with every request."""
        return self._token

    def login(
        self,
        email: str | None = None,
        password: str | None = None,
        *,
        headless: bool | None = None,
        max_wait: float = 900,
        poll_interval: float | None = None,
        prompt: Any = None,
    ) -> str:
        """Obtain a fresh token, use it from now on, cache it (if ``cache_token``) and return it.

        With ``email`` (and ``password``, prompted for on a terminal when missing) the password →
        token endpoint is used (2.2, raises :class:`~.errors.LoginError`); otherwise the device flow
        (2.3, raises :class:`~.errors.AuthenticationError`; ``prompt`` receives the step-1 body
        instead of printing it, ``poll_interval`` overrides the server's interval).
        """
        if email or password:
            if not email:
                raise AuthenticationError("A password login needs the account e-mail.")
            if password is None:
                if not self.interactive:
                    raise AuthenticationError("No password given and not running interactively.")
                password = getpass.getpass(f"BrainSTEM password for {email}: ")
            token = auth.password_login(self._http, self._address, email, password)
        else:
            token = auth.device_login(
                self._http,
                self._address,
                headless=self.headless if headless is None else headless,
                max_wait=max_wait,
                poll_interval=poll_interval,
                prompt=prompt,
            )
        self._token = token
        if self.cache_token:
            auth.save_cached_token(token, self._cache_path())
        return token

    def logout(self) -> bool:
        """Forget the cached token file (local only, as ``brainstem logout``); ``True`` if one existed."""
        return auth.clear_cached_token(self._cache_path())

    # ------------------------------------------------------------------------------------------
    # Transport
    # ------------------------------------------------------------------------------------------

    def _sleep_before_retry(self, attempt: int, response: httpx.Response | None = None) -> None:
        delay = min(self.backoff_factor * (2**attempt), MAX_BACKOFF)
        if response is not None:
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.strip().isdigit():
                delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER))
        if delay > 0:
            time.sleep(delay)

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: list[tuple[str, str]] | None = None,
        json: Any = None,
        model_key: str | None = None,
    ) -> BrainstemResponse:
        headers = {"Authorization": f"Bearer {self._token}"}
        if json is not None:
            headers["Content-Type"] = "application/json"
        idempotent = method in IDEMPOTENT
        attempt = 0
        while True:
            try:
                raw = self._http.request(method, url, params=params, json=json, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt < self.retries:
                    self._sleep_before_retry(attempt)
                    attempt += 1
                    continue
                if isinstance(exc, httpx.TimeoutException):
                    raise BrainstemTimeoutError(f"{method} {url}: connecting timed out") from exc
                raise BrainstemConnectionError(f"{method} {url}: {exc}") from exc
            except httpx.TimeoutException as exc:
                if idempotent and attempt < self.retries:
                    self._sleep_before_retry(attempt)
                    attempt += 1
                    continue
                raise BrainstemTimeoutError(f"{method} {url}: no answer within the timeout ({exc})") from exc
            except httpx.TransportError as exc:
                if idempotent and attempt < self.retries:
                    self._sleep_before_retry(attempt)
                    attempt += 1
                    continue
                raise BrainstemConnectionError(f"{method} {url}: {exc}") from exc
            if raw.status_code in RETRY_STATUSES and idempotent and attempt < self.retries:
                self._sleep_before_retry(attempt, raw)
                attempt += 1
                continue
            response = BrainstemResponse(raw, model_key)
            if self.raise_for_status:
                response.raise_for_status()
            return response

    def _url(self, info: ModelInfo, portal: str, id: Any = None, options: str | None = None) -> str:
        url = f"{self._address}{portal}/{info.app}/{info.segment}/"
        if id is not None and id != "":
            url += f"{_scalar(id)}/"
        if options:
            url += options.strip("/") + "/"
        return url

    @staticmethod
    def _params(
        filters: Mapping[str, Any] | None,
        sort: Iterable[str] | str | None,
        include: Iterable[str] | str | None,
        limit: int | None,
        offset: int | None,
    ) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = []
        for key, value in (filters or {}).items():
            name = f"filter{{{key}}}"
            if isinstance(value, (list, tuple, set, frozenset)):
                params.extend((name, _scalar(item)) for item in value)
            else:
                params.append((name, _scalar(value)))
        for field in [sort] if isinstance(sort, str) else sort or []:
            params.append(("sort[]", str(field)))
        for relation in [include] if isinstance(include, str) else include or []:
            relation = str(relation)
            params.append(("include[]", relation if relation.endswith("*") else f"{relation}.*"))
        if limit is not None:
            params.append(("limit", str(int(limit))))
        if offset is not None:
            params.append(("offset", str(int(offset))))
        return params

    # ------------------------------------------------------------------------------------------
    # Core API (8.3)
    # ------------------------------------------------------------------------------------------

    def load(
        self,
        model: Any,
        portal: Any = "private",
        id: Any = None,
        options: str | None = None,
        filters: Mapping[str, Any] | None = None,
        sort: Iterable[str] | str | None = None,
        include: Iterable[str] | str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        load_all: bool = False,
        *,
        app: str | None = None,
    ) -> BrainstemResponse | BrainstemRecords:
        """List or fetch records (3.1, 3.2): ``GET <portal>/<app>/<model>/[<id>/][<options>/]``.

        Args:
            model: name or :class:`ModelType` (``"session"``); unknown names → ``ValueError`` unless ``app``.
            portal: ``"private"`` (default), ``"public"`` or ``"super"`` (or :class:`PortalType`).
            id: a record id → detail request; only ``include`` is sent with it.
            options: action segment after the id (``"accept"``); needs ``id``.
            filters: ``{"name.icontains": "rat", "projects.id": uid}`` → ``filter{k}=v`` (AND); list values
                are repeated (for ``.in``), booleans sent as ``true``/``false``.
            sort: field names, ``-`` prefix for descending → ``sort[]``.
            include: relations to embed → ``include[]=<rel>.*`` (nested paths ``"behaviors.setup"`` allowed;
                entries already ending in ``*`` pass verbatim).
            limit, offset: paging (server default 20, max 100).
            load_all: fetch every page and return one :class:`BrainstemRecords` dict
                ``{"count": N, "<plural>": [...all records...], ...}``.
            app: escape hatch: send ``model`` verbatim under this app.

        Returns:
            :class:`BrainstemResponse` — list body ``{"count", "next", "previous", "<plural>": [...]}`` or
            detail body ``{"<single>": {...}}``; with ``load_all`` a :class:`BrainstemRecords`.

        Raises:
            ValueError: unknown model/portal, ``options`` without ``id``, ``load_all`` with ``id``.
            BrainstemHTTPError subclasses: with ``load_all`` (always) or ``raise_for_status=True``.
        """
        info = resolve_model(model, app)
        portal = resolve_portal(portal)
        id = None if id == "" else id
        if options and id is None:
            raise ValueError("'options' needs an 'id' (actions apply to one record).")
        if load_all and id is not None:
            raise ValueError("load_all=True cannot be used together with id.")
        url = self._url(info, portal, id, options)
        if id is not None:
            return self._send("GET", url, params=self._params(None, None, include, None, None), model_key=info.plural)
        if not load_all:
            params = self._params(filters, sort, include, limit, offset)
            return self._send("GET", url, params=params, model_key=info.plural)
        return self._load_all(info, url, filters, sort, include, limit, offset)

    def _load_all(
        self,
        info: ModelInfo,
        url: str,
        filters: Mapping[str, Any] | None,
        sort: Any,
        include: Any,
        limit: int | None,
        offset: int | None,
    ) -> BrainstemRecords:
        page_size = max(1, min(int(limit or MAX_PAGE), MAX_PAGE))
        position = int(offset or 0)
        merged: dict[str, Any] | None = None
        key = info.plural
        total: int | None = None
        while True:
            params = self._params(filters, sort, include, page_size, position)
            response = self._send("GET", url, params=params, model_key=key)
            if response.status_code == 401:
                error = error_for_response(response.httpx_response, response)
                raise UnauthorizedError(
                    401,
                    {"detail": f"{error.detail} The API token is invalid or expired; log in again."},
                    method=error.method,
                    url=error.url,
                    response=response,
                )
            response.raise_for_status()
            data = response.json()
            if merged is None:
                if not isinstance(data, dict):
                    raise ValueError("load_all=True needs a list response.")
                if not isinstance(data.get(key), list):
                    key = next((k for k, v in data.items() if isinstance(v, list)), None)  # type: ignore[assignment]
                    if key is None:
                        raise ValueError("load_all=True needs a list response; the answer holds no list.")
                merged = {k: v for k, v in data.items() if k != key}
                merged[key] = []
            rows = data.get(key) or []
            merged[key].extend(rows)
            if isinstance(data.get("count"), int):
                total = data["count"]
            position += len(rows)
            if not rows or len(rows) < page_size:
                break
            if total is not None and position >= total:
                break
        assert merged is not None
        merged["count"] = total if total is not None else len(merged[key])
        if "next" in merged:
            merged["next"] = None
        if "previous" in merged:
            merged["previous"] = None
        return BrainstemRecords(merged, key)

    def save(
        self,
        model: Any,
        portal: Any = "private",
        id: Any = None,
        data: Mapping[str, Any] | None = None,
        options: str | None = None,
        *,
        app: str | None = None,
    ) -> BrainstemResponse:
        """Create (``POST``, no ``id`` → 201 ``{"<single>": {...}}``) or change (``PATCH <id>/`` → 200).

        ``data`` is sent as JSON (``{}`` when ``None``); unknown and read-only keys are ignored by the
        server (3.1). With ``options`` (and ``id``) the action URL ``<id>/<options>/`` is patched
        (approval accept/reject, log ``add_entry``...). Approval-backed catalogue models answer
        ``{"<model>_approval": {...}}`` for non-administrators (3.3.2). Errors: see :meth:`load`.
        """
        info = resolve_model(model, app)
        portal = resolve_portal(portal)
        body = dict(data) if data is not None else {}
        if id is not None:
            return self._send("PATCH", self._url(info, portal, id, options), json=body, model_key=info.plural)
        if options:
            raise ValueError("'options' needs an 'id' (actions apply to one record).")
        return self._send("POST", self._url(info, portal), json=body, model_key=info.plural)

    def delete(
        self, model: Any, portal: Any = "private", id: Any = None, *, app: str | None = None
    ) -> BrainstemResponse:
        """Delete one record: ``DELETE <id>/`` → 204 with an empty body. ``id`` is required (``ValueError``)."""
        if id is None:
            raise ValueError("'id' is required to delete a record.")
        info = resolve_model(model, app)
        portal = resolve_portal(portal)
        return self._send("DELETE", self._url(info, portal, id), model_key=info.plural)

    # 0.2.0 names (8.6) -----------------------------------------------------------------------

    def load_model(
        self,
        model: Any,
        portal: Any = "private",
        id: Any = None,
        options: str | None = None,
        filters: Mapping[str, Any] | None = None,
        sort: Iterable[str] | str | None = None,
        include: Iterable[str] | str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        load_all: bool = False,
        *,
        app: str | None = None,
    ) -> BrainstemResponse | BrainstemRecords:
        """Client 0.2.0 name of :meth:`load` (same arguments, plus paging)."""
        return self.load(model, portal, id, options, filters, sort, include, limit, offset, load_all, app=app)

    def save_model(
        self,
        model: Any,
        portal: Any = "private",
        id: Any = None,
        data: Mapping[str, Any] | None = None,
        options: str | None = None,
        *,
        app: str | None = None,
    ) -> BrainstemResponse:
        """Client 0.2.0 name of :meth:`save`."""
        return self.save(model, portal, id, data, options, app=app)

    def delete_model(
        self, model: Any, portal: Any = "private", id: Any = None, *, app: str | None = None
    ) -> BrainstemResponse:
        """Client 0.2.0 name of :meth:`delete`."""
        return self.delete(model, portal, id, app=app)

    # ------------------------------------------------------------------------------------------
    # Lifetime
    # ------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def __enter__(self) -> BrainstemClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<BrainstemClient {self.base_url}>"

    # ------------------------------------------------------------------------------------------
    # Convenience loaders (8.4)
    # ------------------------------------------------------------------------------------------

    def _convenience_load(
        self,
        model: str,
        default_include: list[str],
        filter_map: dict[str, str],
        arguments: dict[str, Any],
    ) -> BrainstemResponse | BrainstemRecords:
        filters = dict(arguments.pop("filters") or {})
        for keyword, path in filter_map.items():
            value = arguments.pop(keyword, None)
            if value is not None:
                filters[path] = value
        include = arguments.pop("include")
        return self.load(
            model,
            portal=arguments["portal"],
            id=arguments["id"],
            filters=filters or None,
            sort=arguments["sort"],
            include=default_include if include is None else include,
            limit=arguments["limit"],
            offset=arguments["offset"],
            load_all=arguments["load_all"],
        )


_NAME_TAGS = {"name": "name.icontains", "tags": "tags"}

#: method → (model, default include, named filter → query path). Same keywords as client 2.0.0; the
#: ``name`` keyword of publication/laboratory maps to fields that exist (7.1 item 14).
_LOADERS: dict[str, tuple[str, list[str], dict[str, str]]] = {
    "load_project": (
        "project",
        ["sessions", "subjects", "collections", "cohorts"],
        {"name": "name.icontains", "sessions": "sessions.id", "subjects": "subjects.id", "tags": "tags"},
    ),
    "load_subject": (
        "subject",
        ["procedures", "subjectlogs"],
        {"name": "name.icontains", "projects": "projects.id", "strain": "strain.id", "sex": "sex", "tags": "tags"},
    ),
    "load_session": (
        "session",
        ["dataacquisition", "behaviors", "manipulations", "epochs"],
        {"name": "name.icontains", "projects": "projects.id", "datastorage": "datastorage.id", "tags": "tags"},
    ),
    "load_collection": ("collection", ["sessions"], _NAME_TAGS),
    "load_cohort": ("cohort", ["subjects"], _NAME_TAGS),
    "load_behavior": ("behavior", [], {"session": "session.id", "tags": "tags"}),
    "load_dataacquisition": ("dataacquisition", [], {"session": "session.id", "tags": "tags"}),
    "load_manipulation": ("manipulation", [], {"session": "session.id", "tags": "tags"}),
    "load_procedure": ("procedure", [], {"subject": "subject.id", "tags": "tags"}),
    "load_procedurelog": ("procedurelog", [], {"procedure": "procedure.id", "tags": "tags"}),
    "load_subjectlog": ("subjectlog", [], {"subject": "subject.id", "tags": "tags"}),
    "load_equipment": ("equipment", [], {"name": "name.icontains", "setup": "setup.id", "tags": "tags"}),
    "load_consumablestock": ("consumablestock", [], {"tags": "tags"}),
    "load_behavioralassay": ("behavioralassay", [], _NAME_TAGS),
    "load_datastorage": ("datastorage", [], _NAME_TAGS),
    "load_setup": ("setup", [], _NAME_TAGS),
    "load_hardwaredevice": ("hardwaredevice", [], _NAME_TAGS),
    "load_brainregion": ("brainregion", [], _NAME_TAGS),
    "load_species": ("species", [], _NAME_TAGS),
    "load_strain": ("strain", [], {"name": "name.icontains", "species": "species.id", "tags": "tags"}),
    "load_publication": ("publication", [], {"name": "title.icontains", "tags": "tags"}),
    "load_laboratory": ("laboratory", [], {"name": "institution.icontains", "tags": "tags"}),
}


def _make_loader(method: str, model: str, default_include: list[str], filter_map: dict[str, str]) -> Any:
    p = inspect.Parameter
    parameters = [
        p("self", p.POSITIONAL_OR_KEYWORD),
        p("portal", p.POSITIONAL_OR_KEYWORD, default="private"),
        p("id", p.POSITIONAL_OR_KEYWORD, default=None),
        *(p(keyword, p.POSITIONAL_OR_KEYWORD, default=None) for keyword in filter_map),
        *(p(name, p.POSITIONAL_OR_KEYWORD, default=None) for name in ("filters", "sort", "include", "limit", "offset")),
        p("load_all", p.POSITIONAL_OR_KEYWORD, default=False),
    ]
    signature = inspect.Signature(parameters)

    def loader(self: BrainstemClient, *args: Any, **kwargs: Any) -> BrainstemResponse | BrainstemRecords:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        arguments.pop("self")
        return self._convenience_load(model, default_include, filter_map, arguments)

    named = ", ".join(f"``{k}`` → ``filter{{{v}}}``" for k, v in filter_map.items())
    embeds = ", ".join(default_include) or "nothing"
    loader.__name__ = loader.__qualname__ = method
    loader.__signature__ = signature  # type: ignore[attr-defined]
    loader.__doc__ = (
        f"Load {model} record(s) — :meth:`BrainstemClient.load` with named filters (8.4).\n\n"
        f"Named filters (merged into ``filters``, overriding the same key): {named}.\n"
        f"``include=None`` embeds {embeds} by default; ``include=[]`` embeds nothing.\n"
        f"Returns a :class:`BrainstemResponse` (list key ``{resolve_model(model).plural}``), or a\n"
        f":class:`BrainstemRecords` with ``load_all=True``."
    )
    return loader


for _method, (_model, _include, _map) in _LOADERS.items():
    setattr(BrainstemClient, _method, _make_loader(_method, _model, _include, _map))
