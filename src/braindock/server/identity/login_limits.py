"""Failed-login limits for every password login of the three protocols, as one ASGI middleware.

The middleware watches the ``POST`` requests of the password login endpoints (:data:`LOGIN_PATHS`), reads
the account the body names (JSON or form), lets the request through, and counts it as a failure when the
answer is ``400``, ``401`` or ``403``. A successful login clears the account's failures. A handler that knows
the real outcome reports it with :func:`report_login` (the Braincube login page does: its consent and *Not
you?* forms answer ``200`` but check no password, so they must neither clear nor count); then the answer's
status is not looked at.

Before a login runs, the client is refused with ``429 Too Many Requests`` and a ``Retry-After`` header (whole
seconds until the oldest failure leaves the window) when, inside the sliding window:

* the named account has :attr:`LoginLimits.per_account` failures (guessing one account's password, from
  anywhere), or
* the client IP has :attr:`LoginLimits.per_ip` failures (one client trying many accounts).

Accounts are keyed by what the protocols log in with: an e-mail (Braincube/BrainSTEM accounts and NeuroSpeed
customers share the identity, so their failures add up) or a NeuroSpeed ``account_id`` + ``username``.
The body's password is never kept or logged. The counters live in memory: they are per server process and
start empty after a restart. Braincube's password login is the OAuth2 login page of its SSO
(``braincube/oauth2.py``); its exchange takes tokens, not passwords.

The brainstem/ and neurospeed/ routers are not changed: the limits apply from the outside, by path.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Password login endpoints (with and without the trailing slash BrainSTEM accepts) → how their body names
#: the account. NeuroSpeed: ``neurospeed.md`` 2.2/2.3; BrainSTEM: ``brainstem.md`` 2.2-2.4.
LOGIN_PATHS: dict[str, str] = {
    "/api/auth/login": "email",  # NeuroSpeed customer
    "/api/users/login": "neurospeed_user",  # NeuroSpeed user: account_id + username
    "/api/token": "email",  # BrainSTEM client 0.2.0 (username = e-mail)
    "/api/auth/token": "email",  # BrainSTEM 2025 documentation form
    "/account/authorize": "email",  # BrainSTEM device-login approval page (HTML form)
    "/sso-server/vendors/braincube/authorize.jsp": "email",  # Braincube SSO OAuth2 login page (HTML form)
    # Braincube SSO OAuth2 client authentication (client_secret): per IP only, failures reported by the handler.
    "/sso-server/ws/oauth2/token": "oauth2_client",
    "/sso-server/ws/oauth2/revoke": "oauth2_client",
}
#: Answers that count as a failed attempt.
FAILURE_STATUSES = frozenset({400, 401, 403})
#: Bodies larger than this are refused with ``413`` before the login runs (logins are tiny).
MAX_PARSED_BODY = 64 * 1024
#: Scope key of the dict a handler writes the login outcome into (:func:`report_login`).
OUTCOME_KEY = "braindock.login_outcome"


def report_login(scope: Scope, succeeded: bool | None) -> None:
    """Tell :class:`LoginLimitMiddleware` what a login request really was.

    Args:
        scope: the request's ASGI scope (``request.scope``).
        succeeded: ``True`` a correct password (clears the account's failures), ``False`` a wrong one (counts a
            failure), ``None`` no password was checked (neither).
    """
    outcome = scope.get(OUTCOME_KEY)
    if isinstance(outcome, dict):
        outcome["succeeded"] = succeeded


@dataclass(frozen=True)
class LoginLimits:
    """Failed-login allowances inside a sliding window.

    Attributes:
        per_account: failures of one account before its logins answer 429.
        per_ip: failures from one client IP before its logins answer 429.
        window_s: length of the sliding window in seconds.
    """

    per_account: int = 10
    per_ip: int = 100
    window_s: float = 900.0


class FailureLog:
    """Timestamps of recent failures per key, pruned to a sliding window; thread-safe, bounded in size.

    Args:
        window_s: window length in seconds.
        clock: monotonic clock in seconds (injectable for tests of the class itself).
        max_keys: when exceeded, the keys whose newest failure is oldest are forgotten first.
    """

    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self._window = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, key: str, limit: int) -> int | None:
        """Seconds to wait (≥ 1) when ``key`` has ``limit`` failures in the window, else ``None``."""
        now = self._clock()
        with self._lock:
            times = self._recent(key, now)
            if times is None or len(times) < limit:
                return None
            # The wait ends when enough failures have left the window to allow one more attempt.
            blocking = times[len(times) - limit]
            return max(1, math.ceil(blocking + self._window - now))

    def add(self, key: str) -> None:
        """Record one failure of ``key`` now."""
        now = self._clock()
        with self._lock:
            times = self._recent(key, now)
            if times is None:
                if len(self._failures) >= self._max_keys:
                    self._forget_oldest()
                times = self._failures[key] = deque()
            times.append(now)

    def clear(self, key: str) -> None:
        """Forget every failure of ``key``."""
        with self._lock:
            self._failures.pop(key, None)

    def _forget_oldest(self) -> None:
        by_age = sorted(self._failures, key=lambda k: self._failures[k][-1] if self._failures[k] else 0.0)
        for key in by_age[: max(1, len(by_age) // 10)]:
            del self._failures[key]


def account_key(kind: str, body: bytes, content_type: str) -> str | None:
    """The account a login body names, normalised (``email:<lower-case>`` or ``nsuser:<id>/<name>``)."""
    if kind == "oauth2_client":
        return None  # a client_id is public: only the IP's failures count (no lock-out of an application)
    fields = _fields(body, content_type)
    if kind == "neurospeed_user":
        tenant, username = fields.get("account_id"), fields.get("username")
        if isinstance(tenant, str | int) and isinstance(username, str) and username:
            return f"nsuser:{str(tenant).strip()}/{username.strip().lower()}"
        return None
    email = fields.get("email") or fields.get("username")
    return f"email:{email.strip().lower()}" if isinstance(email, str) and email.strip() else None


def _fields(body: bytes, content_type: str) -> dict[str, Any]:
    if not body.strip() or len(body) > MAX_PARSED_BODY:
        return {}
    if "application/x-www-form-urlencoded" in content_type:
        parsed = parse_qs(body.decode("utf-8", "replace"))
        return {key: values[0] for key, values in parsed.items() if values}
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class LoginLimitMiddleware:
    """ASGI middleware applying :class:`LoginLimits` to the :data:`LOGIN_PATHS` (see the module docstring)."""

    def __init__(self, app: ASGIApp, limits: LoginLimits | None = None) -> None:
        self.app = app
        self.limits = limits or LoginLimits()
        self.accounts = FailureLog(self.limits.window_s)
        self.ips = FailureLog(self.limits.window_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass non-login traffic through; for a login ``POST``, refuse or run it and count the outcome.

        Answers ``429`` with ``Retry-After`` (whole seconds) when the client IP or the named account is over its
        limit; otherwise a 400/401/403 answer counts one failure, a 2xx clears the account's failures.
        """
        kind = LOGIN_PATHS.get(scope.get("path", "").rstrip("/")) if scope["type"] == "http" else None
        if kind is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        body, replay = await _buffer(receive, MAX_PARSED_BODY)
        if body is None:
            await _json_answer(
                send,
                413,
                {"error": "payload_too_large", "message": f"request body: larger than {MAX_PARSED_BODY} bytes"},
            )
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope.get("headers", [])}
        account = account_key(kind, body, headers.get("content-type", ""))
        client = scope.get("client")
        ip_key = f"ip:{client[0] if client else 'unknown'}"

        waits = [self.ips.retry_after(ip_key, self.limits.per_ip)]
        if account is not None:
            waits.append(self.accounts.retry_after(account, self.limits.per_account))
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            await _too_many(send, wait)
            return

        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        outcome: dict[str, bool | None] = {}
        await self.app({**scope, OUTCOME_KEY: outcome}, replay, watch)
        if "succeeded" in outcome:
            failed = outcome["succeeded"] is False
            succeeded = outcome["succeeded"] is True
        else:
            failed = bool(status) and status[0] in FAILURE_STATUSES
            succeeded = bool(status) and 200 <= status[0] < 300
        if failed:
            self.ips.add(ip_key)
            if account is not None:
                self.accounts.add(account)
        elif succeeded and account is not None:
            self.accounts.clear(account)


async def _buffer(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """Read the whole request body and return it with a ``receive`` that replays it to the app.

    The body is ``None`` when it grows past ``limit`` bytes (reading stops there).
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            # The client went away; hand the app the disconnect.
            async def gone(final: Message = message) -> Message:
                return final

            return b"", gone
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return None, receive
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _too_many(send: Send, retry_after: int) -> None:
    body = {
        "error": "too_many_requests",
        "message": f"too many failed logins; retry after {retry_after} seconds",
        "retry_after": retry_after,
    }
    await _json_answer(send, 429, body, [(b"retry-after", str(retry_after).encode())])


async def _json_answer(send: Send, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
