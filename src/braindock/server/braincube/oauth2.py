"""Braincube SSO OAuth2 endpoints: the login and consent pages, the token and revocation endpoints.

Paths are those of the Braincube SSO that braincube-token-getter 0.0.2 uses (``shared/reference/braincube.md``
2.1): the browser is sent to the authorization endpoint, the application POSTs the code to the token endpoint
and puts the ``access_token`` into the connector's ``config.json`` as ``oauth2_token``.

* ``GET|POST /sso-server/vendors/braincube/authorize.jsp``: RFC 6749 4.1.1 authorization endpoint. Shows a
  login form (e-mail + password of a braindock account; failed attempts count in the login limiter), then a
  consent page; *Allow* answers ``302`` to the ``redirect_uri`` with ``code`` (last, after ``state``: the
  token getter takes everything after ``code=``), *Deny* with ``error=access_denied``. Both forms carry a CSRF
  token (double-submit cookie ``BD_CSRF``); the login sets an HttpOnly SSO cookie ``BD_SSO`` (a 12-hour
  braindock token of its own kind ``sso``, accepted by this page only) so a second authorization skips
  the login; the consent page's *Not you?* button (``action=switch``) revokes that session and shows
  the login form again. A request naming no registered application or a redirect URI it did not
  register is answered with JSON ``400 {"error", "error_description"}`` and never redirected (RFC 6749 4.1.2.1).
* ``POST /sso-server/ws/oauth2/token``: RFC 6749 4.1.3 / 6 token endpoint (``authorization_code`` with optional
  PKCE ``code_verifier``, ``refresh_token``); clients authenticate by ``client_secret_post`` or
  ``client_secret_basic``. Answers ``{"access_token", "token_type": "Bearer", "expires_in", "refresh_token",
  "scope"}``; errors are RFC 6749 5.2 JSON (``invalid_client`` 401, ``invalid_grant`` 400, ...).
* ``POST /sso-server/ws/oauth2/revoke``: RFC 7009 revocation of an access or refresh token (always ``200 {}``
  for an authenticated client).

Protocol logic is Authlib's (``braindock.server.identity.oauth2.server``).
"""

from __future__ import annotations

import base64
import hmac
import html
import json
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from authlib.oauth2.rfc6749 import OAuth2Error
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from braindock.server.identity.accounts import authenticate
from braindock.server.identity.login_limits import report_login
from braindock.server.identity.oauth2.applications import SCOPE_DESCRIPTIONS
from braindock.server.identity.oauth2.server import SsoAuthorizationServer, StarletteOAuth2Request
from braindock.server.identity.tokens import SESSION_LIFETIME, issue_token, revoke_token
from braindock.server.storage.models import Account

router = APIRouter(prefix="/sso-server", tags=["braincube: SSO OAuth2"])

AUTHORIZE_PATH = "/vendors/braincube/authorize.jsp"
SSO_COOKIE = "BD_SSO"
CSRF_COOKIE = "BD_CSRF"
MAX_FORM_BYTES = 64 * 1024
# -- what the OpenAPI document says (``openapi_docs.document`` adds the shared error answers) ----------------

_STRING = {"type": "string"}
#: RFC 6749 5.2 / 4.1.2.1 error body.
OAUTH2_ERROR = {
    "title": "OAuth2Error",
    "type": "object",
    "properties": {"error": _STRING, "error_description": _STRING},
    "required": ["error"],
}
_HTML = {"text/html": {"schema": _STRING}}
_OAUTH2_JSON = {"application/json": {"schema": OAUTH2_ERROR}}
_REDIRECT = {"description": "Back to the redirect URI with code (and state) or error", "content": {}}
_AUTHORIZE_QUERY = [
    {"name": name, "in": "query", "required": name in ("client_id", "response_type"), "schema": _STRING}
    for name in (
        "client_id",
        "response_type",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    )
]


def _form_body(*names: str) -> dict[str, Any]:
    properties = {name: _STRING for name in names}
    return {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": properties}}}}


_TOKEN_FORM = ("grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope")
_TOKEN_ANSWER = {
    "type": "object",
    "properties": {
        "access_token": _STRING,
        "token_type": _STRING,
        "expires_in": {"type": "integer"},
        "refresh_token": _STRING,
        "scope": _STRING,
    },
    "required": ["access_token", "token_type"],
}

_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


# -- request plumbing --------------------------------------------------------------------------------------


async def _form(request: Request) -> list[tuple[str, str]] | None:
    """The ``application/x-www-form-urlencoded`` body as pairs (empty for other bodies); ``None`` when the
    body is larger than :data:`MAX_FORM_BYTES` (reading stops there, the rest is never buffered)."""
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return []
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
    return parse_qsl(b"".join(chunks).decode("utf-8", "replace"), keep_blank_values=True)


_TOO_LARGE = f"request body: larger than {MAX_FORM_BYTES} bytes"


def _oauth2_error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps({"error": error, "error_description": description})
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _is_unprintable(error: ValueError) -> bool:
    """Whether ``error`` is Authlib refusing an error description outside printable ASCII (``OAuth2Error``)."""
    return "forbidden characters" in str(error)


def _oauth2_request(request: Request, form: list[tuple[str, str]], payload_from: str) -> StarletteOAuth2Request:
    query = parse_qsl(request.url.query, keep_blank_values=True)
    return StarletteOAuth2Request(request.method, str(request.url), request.headers, query, form, payload_from)


def _to_response(result: tuple[int, Any, list[tuple[str, str]]]) -> Response:
    """Authlib's ``(status, body, headers)`` as a Starlette response (JSON for a dict body)."""
    status, body, headers = result
    content = json.dumps(body) if isinstance(body, dict) else (body or "")
    return Response(content, status_code=status, headers=dict(headers))


def _error_response(error: OAuth2Error) -> Response:
    """An Authlib error: a redirect when Authlib validated a redirect URI for it, else RFC 6749 JSON."""
    return _to_response(error())


def _unprintable() -> Response:
    """Authlib refuses to echo a parameter with characters outside printable ASCII in an error description
    (RFC 6749 5.2 restricts ``error_description`` to those) and raises ``ValueError``: answer the RFC error."""
    body = {"error": "invalid_request", "error_description": "A parameter has characters outside printable ASCII."}
    return Response(json.dumps(body), status_code=400, media_type="application/json")


def _code_last(result: tuple[int, Any, list[tuple[str, str]]]) -> tuple[int, Any, list[tuple[str, str]]]:
    """Move ``code`` to the end of a redirect's query: braincube-token-getter 0.0.2 reads the code as
    ``request.url.split("code=")[1]`` (``braincube.md`` 2.1)."""
    status, body, headers = result
    moved = []
    for name, value in headers:
        if name.lower() == "location":
            parts = urlsplit(value)
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            pairs = [p for p in pairs if p[0] != "code"] + [p for p in pairs if p[0] == "code"]
            value = urlunsplit(parts._replace(query=urlencode(pairs)))
        moved.append((name, value))
    return status, body, moved


# -- pages -------------------------------------------------------------------------------------------------

_STYLE = (
    "body{font-family:sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}"
    "label{display:block;margin:.8rem 0 .2rem}input[type=email],input[type=password]{width:100%;padding:.4rem}"
    "button{margin:1rem .5rem 0 0;padding:.5rem 1.2rem}.error{color:#b00020}li{margin:.3rem 0}"
)


def _page(title: str, body: str, status: int = 200, csrf: str | None = None, secure: bool = False) -> HTMLResponse:
    document = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    response = HTMLResponse(document, status_code=status, headers=_PAGE_HEADERS)
    if csrf is not None:
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/sso-server" + AUTHORIZE_PATH,
        )
    return response


def _form_action(request: Request) -> str:
    return html.escape(request.url.path + ("?" + request.url.query if request.url.query else ""))


def _login_page(request: Request, application: str, csrf: str, message: str = "", status: int = 200) -> HTMLResponse:
    error = f'<p class="error">{html.escape(message)}</p>' if message else ""
    body = (
        f"<p>Sign in to braindock to continue to <strong>{html.escape(application)}</strong>.</p>{error}"
        f'<form method="post" action="{_form_action(request)}">'
        f'<input type="hidden" name="csrf_token" value="{html.escape(csrf)}">'
        '<input type="hidden" name="action" value="login">'
        '<label for="email">E-mail</label><input id="email" type="email" name="email" required autofocus>'
        '<label for="password">Password</label>'
        '<input id="password" type="password" name="password" required autocomplete="current-password">'
        '<button type="submit">Sign in</button></form>'
    )
    return _page("Sign in", body, status, csrf, request.url.scheme == "https")


def _consent_page(request: Request, application: str, email: str, scope: str, csrf: str) -> HTMLResponse:
    items = "".join(
        f"<li><code>{html.escape(name)}</code>: {html.escape(SCOPE_DESCRIPTIONS.get(name, name))}</li>"
        for name in scope.split()
    )
    body = (
        f"<p>Signed in as <strong>{html.escape(email)}</strong>.</p>"
        f"<p><strong>{html.escape(application)}</strong> asks to:</p><ul>{items}</ul>"
        f'<form method="post" action="{_form_action(request)}">'
        f'<input type="hidden" name="csrf_token" value="{html.escape(csrf)}">'
        '<input type="hidden" name="action" value="consent">'
        '<button type="submit" name="decision" value="allow">Allow</button>'
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
        f'<form method="post" action="{_form_action(request)}">'
        f'<input type="hidden" name="csrf_token" value="{html.escape(csrf)}">'
        '<button type="submit" name="action" value="switch">Not you? Sign in with another account</button></form>'
    )
    return _page("Authorize application", body, 200, csrf, request.url.scheme == "https")


# -- the authorization endpoint ----------------------------------------------------------------------------


def _csrf_token(request: Request) -> str:
    """The browser's ``BD_CSRF`` value when it is one this page made (32 URL-safe characters), else a new one:
    a page opened in a second tab does not invalidate the form of the first."""
    current = request.cookies.get(CSRF_COOKIE, "")
    if len(current) == 32 and all(c.isascii() and (c.isalnum() or c in "-_") for c in current):
        return current
    return secrets.token_urlsafe(24)


def _sso_account(request: Request, session: Any) -> Account | None:
    """The account of a valid ``BD_SSO`` cookie, or ``None``.

    Only a token of kind ``"sso"`` counts, and only this page issues those (after a password login): a
    session token that ``/ws/oauth2/session`` handed out for an application's OAuth2 token is refused, or
    the application could sign in as the user and approve itself a wider scope.
    """
    value = request.cookies.get(SSO_COOKIE)
    if not value:
        return None
    # Only the login page's own tokens (kind "sso"): a session token from the OAuth2 exchange is not a login.
    caller = request.app.state.services.verifier.verify(session, value, ("sso",))
    return session.get(Account, caller.account_id) if caller is not None else None


def _authorize(request: Request, form: list[tuple[str, str]]) -> Response:
    """The authorization endpoint's work for GET and POST (runs in a worker thread: argon2 password check, database)."""
    services = request.app.state.services
    fields = dict(form)
    csrf = _csrf_token(request)
    with services.database.session() as session:
        server = SsoAuthorizationServer(session, services.settings)
        try:
            oauth2_request = _oauth2_request(request, form, "query")
            grant = server.get_consent_grant(oauth2_request)
        except OAuth2Error as error:
            return _error_response(error)
        except ValueError as error:
            if not _is_unprintable(error):
                raise
            return _unprintable()
        application = grant.request.client.row.name
        scope = grant.request.scope or ""
        account = _sso_account(request, session)

        if request.method == "GET":
            if account is None:
                return _login_page(request, application, csrf)
            return _consent_page(request, application, account.email, scope, csrf)

        expected = request.cookies.get(CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(expected, fields.get("csrf_token", "")):
            return _page(
                "Session expired",
                '<p class="error">csrf_token: missing or does not match; reload the page and try again.</p>',
                400,
            )
        action = fields.get("action")
        if action == "login":
            account = authenticate(session, fields.get("email", ""), fields.get("password", ""))
            report_login(request.scope, account is not None)
            if account is None:
                return _login_page(request, application, csrf, "Wrong e-mail or password.", 401)
            _, sso_token = issue_token(session, account, ["SSO_READ"], kind="sso", lifetime=SESSION_LIFETIME)
            page = _consent_page(request, application, account.email, scope, csrf)
            page.set_cookie(
                SSO_COOKIE,
                sso_token,
                max_age=int(SESSION_LIFETIME.total_seconds()),
                httponly=True,
                samesite="lax",
                secure=request.url.scheme == "https",
                path="/sso-server",
            )
            return page
        report_login(request.scope, None)  # not a password check: neither a failure nor a success
        if action == "switch":
            value = request.cookies.get(SSO_COOKIE, "")
            if account is not None and value.startswith("bd_l"):
                revoke_token(session, value[4:].partition("_")[0])
            page = _login_page(request, application, csrf)
            page.delete_cookie(SSO_COOKIE, path="/sso-server")
            return page
        if action != "consent" or fields.get("decision") not in ("allow", "deny"):
            return _page("Bad request", '<p class="error">action/decision: not a login or consent form.</p>', 400)
        if account is None:
            return _login_page(request, application, csrf, "Sign in first.", 401)
        grant_user = account if fields["decision"] == "allow" else None
        try:
            result = server.create_authorization_response(oauth2_request, grant_user, grant)
        except ValueError as error:
            if not _is_unprintable(error):
                raise
            return _unprintable()
        return _to_response(_code_last(result))


@router.get(
    AUTHORIZE_PATH,
    summary="OAuth2 authorization endpoint: login and consent page",
    response_class=HTMLResponse,
    responses={
        200: {"description": "Login form or consent page", "content": _HTML},
        302: _REDIRECT,
        400: {"description": "Unknown client, unregistered redirect URI, malformed request", "content": _OAUTH2_JSON},
    },
    openapi_extra={"parameters": _AUTHORIZE_QUERY},
)
async def authorize_page(request: Request) -> Response:
    """``GET /sso-server/vendors/braincube/authorize.jsp?client_id&response_type=code[&redirect_uri][&scope]
    [&state][&code_challenge&code_challenge_method]`` (RFC 6749 4.1.1, RFC 7636 4.3): the login form, or the
    consent page when the ``BD_SSO`` cookie names a signed-in account.

    Returns:
        ``200`` HTML; ``302`` to the redirect URI with ``error`` for a redirectable error (e.g.
        ``invalid_scope``); JSON ``400 {"error", "error_description"}`` for an unknown client or redirect URI.
    """
    return await run_in_threadpool(_authorize, request, [])


@router.post(
    AUTHORIZE_PATH,
    summary="OAuth2 authorization endpoint: login and consent forms",
    response_class=HTMLResponse,
    responses={
        200: {"description": "Consent page after a login", "content": _HTML},
        302: _REDIRECT,
        400: {"description": "Bad OAuth2 request or CSRF token", "content": {**_OAUTH2_JSON, **_HTML}},
        401: {"description": "Wrong e-mail or password: the login form again", "content": _HTML},
    },
    openapi_extra={
        "parameters": _AUTHORIZE_QUERY,
        "requestBody": _form_body("csrf_token", "action", "email", "password", "decision"),
    },
)
async def authorize_submit(request: Request) -> Response:
    """``POST`` of the login form (``action=login``, ``email``, ``password``, ``csrf_token``), the consent
    form (``action=consent``, ``decision=allow|deny``, ``csrf_token``) or *Not you?* (``action=switch``,
    ``csrf_token``), with the authorization request's query.

    Returns:
        login: ``200`` consent page and the ``BD_SSO`` cookie, or ``401`` login page (counted by the login
        limiter); consent: ``302`` to the redirect URI with ``code`` (and ``state``) or
        ``error=access_denied``; switch: ``200`` login form, the SSO session revoked; ``400`` for a missing or
        wrong CSRF token.
    """
    form = await _form(request)
    if form is None:
        return _page("Request too large", f'<p class="error">{html.escape(_TOO_LARGE)}</p>', 413)
    return await run_in_threadpool(_authorize, request, form)


# -- token and revocation endpoints ------------------------------------------------------------------------


def _basic_is_readable(request: Request) -> bool:
    """``False`` for HTTP Basic credentials that are not base64 of UTF-8 ``client_id:client_secret``."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return True
    try:
        return ":" in base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError
        return False


def _token_endpoint(request: Request, form: list[tuple[str, str]] | None, revoke: bool) -> Response:
    """The token or revocation endpoint's work (worker thread: database). A too large body is ``413``, a
    repeated parameter ``400 invalid_request`` (RFC 6749 3.2), unreadable Basic credentials ``401
    invalid_client``; the rest is Authlib's."""
    if form is None:
        return _oauth2_error(413, "invalid_request", _TOO_LARGE)
    names = [name for name, _ in form]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        return _oauth2_error(400, "invalid_request", f"{repeated[0]}: repeated parameter (RFC 6749 3.2)")
    if not _basic_is_readable(request):
        report_login(request.scope, False)
        return _oauth2_error(
            401,
            "invalid_client",
            "Authorization: Basic credentials must be base64 of UTF-8 client_id:client_secret",
            {"WWW-Authenticate": 'Basic realm="braindock"'},
        )
    services = request.app.state.services
    with services.database.session() as session:
        server = SsoAuthorizationServer(session, services.settings)
        try:
            oauth2_request = _oauth2_request(request, form, "form")
            if revoke:
                result = server.create_endpoint_response("revocation", oauth2_request)
            else:
                result = server.create_token_response(oauth2_request)
        except OAuth2Error as error:
            report_login(request.scope, False if error.error == "invalid_client" else None)
            return _error_response(error)
        except ValueError as error:
            if not _is_unprintable(error):
                raise
            return _unprintable()
        status = result[0]
        failed = status == 401 or (isinstance(result[1], dict) and result[1].get("error") == "invalid_client")
        report_login(request.scope, False if failed else None)
        return _to_response(result)


@router.post(
    "/ws/oauth2/token",
    summary="OAuth2 token endpoint (authorization code, refresh token)",
    responses={
        200: {"description": "Token response", "content": {"application/json": {"schema": _TOKEN_ANSWER}}},
        400: {"description": "RFC 6749 5.2 error", "content": _OAUTH2_JSON},
        401: {"description": "invalid_client", "content": _OAUTH2_JSON},
    },
    openapi_extra={"requestBody": _form_body("client_id", "client_secret", *_TOKEN_FORM)},
)
async def token(request: Request) -> Response:
    """``POST /sso-server/ws/oauth2/token`` (RFC 6749 4.1.3, 6), form-encoded: ``grant_type=authorization_code``
    with ``code``, ``redirect_uri`` (when the authorization request had one) and optional ``code_verifier``, or
    ``grant_type=refresh_token`` with ``refresh_token`` and optional narrower ``scope``; the client authenticates
    with ``client_id`` + ``client_secret`` in the form or HTTP Basic.

    Returns:
        ``200 {"access_token", "token_type": "Bearer", "expires_in", "refresh_token", "scope"}``; RFC 6749 5.2
        errors ``invalid_request``/``invalid_grant``/``unsupported_grant_type``/``invalid_scope`` (400),
        ``invalid_client`` (401).
    """
    return await run_in_threadpool(_token_endpoint, request, await _form(request), False)


@router.post(
    "/ws/oauth2/revoke",
    summary="OAuth2 token revocation (RFC 7009)",
    responses={
        200: {"description": "Revoked (or unknown)", "content": {"application/json": {"schema": {"type": "object"}}}},
        400: {"description": "RFC 6749 5.2 error", "content": _OAUTH2_JSON},
        401: {"description": "invalid_client", "content": _OAUTH2_JSON},
    },
    openapi_extra={"requestBody": _form_body("client_id", "client_secret", "token", "token_type_hint")},
)
async def revoke(request: Request) -> Response:
    """``POST /sso-server/ws/oauth2/revoke`` (RFC 7009 2.1), form-encoded ``token`` and optional
    ``token_type_hint``; client authentication as for the token endpoint. Revoking either token of a pair
    revokes both, and the Braincube sessions opened with the access token.

    Returns:
        ``200 {}`` (also for an unknown token, RFC 7009 2.2); ``invalid_client`` (401), ``invalid_request`` (400).
    """
    return await run_in_threadpool(_token_endpoint, request, await _form(request), True)
