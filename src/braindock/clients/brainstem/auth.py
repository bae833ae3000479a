"""Tokens of the BrainSTEM SDK: cache file, environment, password login, device flow (``brainstem.md`` 2).

* Cache (2.6): the same file as client 2.0.0, ``~/.config/brainstem/token``, plain text holding only
  the token (whitespace stripped on read), one file for every server. It is created with mode 0600
  from the start (written to a 0600 temporary file, then renamed — 7.1 item 2). ``$BRAINSTEM_TOKEN_FILE``
  overrides the path.
* Environment: ``$BRAINSTEM_API_TOKEN`` (2.0.0 CLI), then ``$BRAINSTEM_TOKEN`` (docs, MATLAB).
* :func:`password_login`: ``POST <base>api/token/`` ``{"username": email, "password"}`` → 200
  ``{"token": ...}`` (2.2); anything else raises :class:`~.errors.LoginError` with the server message.
* :func:`device_login`: ``POST <base>api/auth/device/`` then polls ``api/auth/device/token/`` (2.3),
  always printing the verification URL and code (7.1 item 3), honouring ``expires_in`` and
  ``slow_down`` and reading error bodies of 4xx polls (7.1 item 4).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from braindock.clients.brainstem.errors import (
    AuthenticationError,
    BrainstemConnectionError,
    BrainstemTimeoutError,
    LoginError,
)

__all__ = [
    "TOKEN_ENV_VARS",
    "cached_token",
    "clear_cached_token",
    "device_login",
    "env_token",
    "password_login",
    "save_cached_token",
    "token_cache_path",
]

TOKEN_ENV_VARS = ("BRAINSTEM_API_TOKEN", "BRAINSTEM_TOKEN")
TOKEN_FILE_ENV = "BRAINSTEM_TOKEN_FILE"
AUTH_TIMEOUT = 10.0
CLIENT_NAME = "braindock-python"


def token_cache_path() -> Path:
    """``$BRAINSTEM_TOKEN_FILE`` or ``~/.config/brainstem/token`` (client 2.0.0's location)."""
    override = os.environ.get(TOKEN_FILE_ENV)
    return Path(override).expanduser() if override else Path.home() / ".config" / "brainstem" / "token"


def env_token() -> str | None:
    """The first non-empty of ``$BRAINSTEM_API_TOKEN``, ``$BRAINSTEM_TOKEN``."""
    for name in TOKEN_ENV_VARS:
        value = (os.environ.get(name) or "").strip()
        if value:
            return value
    return None


def cached_token(path: Path | None = None) -> str | None:
    """The cached token, or ``None`` when the file is missing, unreadable or empty."""
    path = path or token_cache_path()
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def save_cached_token(token: str, path: Path | None = None) -> Path:
    """Write ``token`` to the cache atomically with mode 0600 (directory created 0700 if absent)."""
    path = path or token_cache_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".token-", dir=path.parent)  # mkstemp creates the file 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(token)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return path


def clear_cached_token(path: Path | None = None) -> bool:
    """Delete the cache file (local only, like ``brainstem logout``); ``True`` if there was one."""
    path = path or token_cache_path()
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _post(http: httpx.Client, url: str, body: dict[str, Any], timeout: float) -> httpx.Response:
    try:
        return http.post(url, json=body, headers={"Accept": "application/json"}, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise BrainstemTimeoutError(f"POST {url} timed out: {exc}") from exc
    except httpx.TransportError as exc:
        raise BrainstemConnectionError(f"POST {url} failed: {exc}") from exc


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300]
    if isinstance(body, dict):
        if isinstance(body.get("detail"), str):
            return body["detail"]
        return "; ".join(f"{k}: {v}" for k, v in body.items())
    return str(body)


def password_login(http: httpx.Client, api_base: str, email: str, password: str, timeout: float = AUTH_TIMEOUT) -> str:
    """E-mail + password → a new personal access token through ``POST api/token/`` (2.2).

    Args:
        http: the client's pooled httpx client (no ``Authorization`` header is sent).
        api_base: ``<base>api/``.

    Raises:
        LoginError: any answer other than 200 with a ``token`` (message from the server's ``detail``).
        BrainstemTimeoutError, BrainstemConnectionError: no answer.
    """
    response = _post(http, api_base + "token/", {"username": email, "password": password}, timeout)
    if response.status_code != 200:
        raise LoginError(f"Login refused (HTTP {response.status_code}): {_message(response)}")
    try:
        token = response.json().get("token") or response.json().get("access")
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token.strip():
        raise LoginError("The token endpoint answered 200 without a token.")
    return token.strip()


def device_login(
    http: httpx.Client,
    api_base: str,
    *,
    headless: bool = False,
    max_wait: float = 900,
    poll_interval: float | None = None,
    prompt: Callable[[dict[str, Any]], None] | None = None,
    timeout: float = AUTH_TIMEOUT,
    client_name: str = CLIENT_NAME,
) -> str:
    """Run the device-authorisation flow (2.3) and return the issued token.

    Args:
        headless: do not try to open a browser (the URL and code are printed in any case).
        max_wait: give up after this many seconds (also bounded by the server's ``expires_in``).
        poll_interval: seconds between polls; default the server's ``interval`` (5).
        prompt: called with the step-1 body (``device_code``, ``user_code``, ``verification_uri``,
            ``verification_uri_complete``, ``interval``, ``expires_in``) instead of printing/opening.

    Raises:
        AuthenticationError: denied (``access_denied``), expired, already used, unknown code, or
            ``max_wait`` elapsed; also when step 1 fails.
    """
    start = _post(http, api_base + "auth/device/", {"client_name": client_name}, timeout)
    if start.status_code >= 400:
        raise AuthenticationError(f"Could not start the device login (HTTP {start.status_code}): {_message(start)}")
    try:
        data = start.json()
        device_code = data["device_code"]
    except (ValueError, KeyError, TypeError) as exc:
        raise AuthenticationError("The device-login endpoint answered without a device_code.") from exc
    interval = float(poll_interval if poll_interval is not None else data.get("interval") or 5)
    expires_in = data.get("expires_in")
    wait = min(float(max_wait), float(expires_in)) if isinstance(expires_in, (int, float)) else float(max_wait)

    if prompt is not None:
        prompt(data)
    else:
        complete = data.get("verification_uri_complete") or data.get("verification_uri")
        print(f"To log in to BrainSTEM, open {complete}", file=sys.stderr)
        if data.get("verification_uri") and data.get("user_code"):
            print(f"  or open {data['verification_uri']} and enter the code {data['user_code']}", file=sys.stderr)
        if not headless and complete:
            with contextlib.suppress(Exception):
                webbrowser.open(complete)
        print("Waiting for approval...", file=sys.stderr)

    deadline = time.monotonic() + wait
    while True:
        if time.monotonic() + interval > deadline:
            raise AuthenticationError(f"Device authorization timed out after {wait:.0f} seconds.")
        time.sleep(interval)
        poll = _post(http, api_base + "auth/device/token/", {"device_code": device_code}, timeout)
        try:
            result = poll.json()
        except ValueError:
            result = {}
        if not isinstance(result, dict):
            result = {}
        status = result.get("status")
        error = result.get("error")
        if status == "success" and isinstance(result.get("token"), str):
            return result["token"].strip()
        if status == "authorization_pending" or error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += 5
            continue
        if poll.status_code >= 400 and not error:
            raise AuthenticationError(f"Device login poll failed (HTTP {poll.status_code}): {_message(poll)}")
        raise AuthenticationError(f"Authorization failed: {error or status or 'unexpected answer'}")
