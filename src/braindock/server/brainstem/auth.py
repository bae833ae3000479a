"""BrainSTEM logins on the shared identity (``brainstem.md`` 2.2-2.4).

* ``POST /api/token/`` (client 0.2.0): ``{"username": <email>, "password"}`` → 200
  ``{"token", "access", "token_id", "message"}``; wrong credentials → 400 ``{"detail": ...}``.
  ``POST /api/auth/token/`` answers the same plus ``token_type``.
* Device authorisation (client 2.0.0): ``POST /api/auth/device/`` → ``device_code``, ``user_code``,
  ``verification_uri``, ``verification_uri_complete``, ``session_id``, ``interval`` (5), ``expires_in``
  (900); ``POST /api/auth/device/token/`` ``{"device_code"}`` → always HTTP 200 with
  ``{"status": "authorization_pending"}``, ``{"status": "success", "token"}`` (once), or
  ``{"error": "access_denied" | "expired_token" | "already_used" | "invalid_device_code"}``.
* ``GET /account/authorize/[?session=<id>]``: an HTML page where the user signs in with e-mail and
  password and approves or denies the request (``POST`` of the same form). Headless servers can
  approve with ``braindock brainstem approve USER_CODE --email EMAIL``.

Every token issued is an ordinary personal access token of the shared identity with the BRAINSTEM
scope. Device codes are stored only as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import html
import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from braindock.server.brainstem.validators import strict_json
from braindock.server.identity.accounts import authenticate
from braindock.server.identity.tokens import issue_token
from braindock.server.storage import brainstem_models as db
from braindock.server.storage.models import Account, utcnow

SCOPES = ["BRAINSTEM"]
DEVICE_LIFETIME = timedelta(minutes=15)
#: Closed or expired device requests are forgotten this long after they expire.
STALE_AFTER = timedelta(days=1)
POLL_INTERVAL = 5
#: Letters without vowels (no accidental words) and digits, as in ``MZKR-3071``.
CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"
AUTHORIZE_PATH = "account/authorize/"

router = APIRouter(tags=["brainstem: login"])


# ---------------------------------------------------------------------------------------------
# Password → token (2.2, 2.4)
# ---------------------------------------------------------------------------------------------


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = strict_json(raw) if raw.strip() else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def password_login(session: Session, email: str, password: str, note: str) -> dict[str, Any] | None:
    """A new BRAINSTEM token for valid credentials, else ``None``."""
    account = authenticate(session, email, password)
    if account is None:
        return None
    row, token = issue_token(session, account, SCOPES)
    return {"token": token, "access": token, "token_id": row.id, "message": note}


async def _token_endpoint(request: Request, extra: dict[str, Any]) -> JSONResponse:
    body = await _json(request)
    email = body.get("username") or body.get("email")
    password = body.get("password")
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        return JSONResponse({"detail": "Send username (your e-mail) and password."}, status_code=400)

    def work() -> dict[str, Any] | None:
        with request.app.state.services.database.session() as session:
            return password_login(session, email, password, "token created")

    result = await run_in_threadpool(work)
    if result is None:
        return JSONResponse({"detail": "Unable to log in with provided credentials."}, status_code=400)
    return JSONResponse({**result, **extra})


@router.post("/api/token/", summary="Password login of client 0.2.0: e-mail + password → token")
@router.post("/api/token", include_in_schema=False)
async def token(request: Request) -> JSONResponse:
    """``POST /api/token/`` (client 0.2.0 password login, ``brainstem.md`` 2.2).

    Body ``{"username": <e-mail>, "password"}`` (``email`` also accepted). Returns 200
    ``{"token", "access", "token_id", "message"}`` with a new BRAINSTEM-scope token; 400 ``{"detail"}`` when a
    member is missing or the credentials are wrong.
    """
    return await _token_endpoint(request, {})


@router.post("/api/auth/token/", summary="Password login (2025 documentation form)")
@router.post("/api/auth/token", include_in_schema=False)
async def auth_token(request: Request) -> JSONResponse:
    """``POST /api/auth/token/``: same as :func:`token` (``brainstem.md`` 2.2, 2.4), plus ``"token_type": "bearer"``."""
    return await _token_endpoint(request, {"token_type": "bearer"})


# ---------------------------------------------------------------------------------------------
# Device authorisation (2.3)
# ---------------------------------------------------------------------------------------------


def _digest(device_code: str) -> str:
    return hashlib.sha256(device_code.encode()).hexdigest()


def normalise_user_code(text: str) -> str:
    """``mzkr3071`` / ``MZKR 3071`` / ``MZKR-3071`` → ``MZKR-3071``."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{compact[:4]}-{compact[4:]}" if len(compact) == 8 else text.strip().upper()


def start_device(session: Session, client_name: str, base_url: str) -> dict[str, Any]:
    """Open a device-login request; returns the 2.3 step-1 body (and forgets long-expired requests)."""
    table = db.device_authorization
    now = utcnow()
    session.execute(sa.delete(table).where(table.c.expires_at < now - STALE_AFTER))
    device_code = "dc_" + secrets.token_urlsafe(32)
    session_id = secrets.token_hex(12)
    while True:
        user_code = "".join(secrets.choice(CODE_LETTERS) for _ in range(4)) + "-" + f"{secrets.randbelow(10_000):04d}"
        taken = session.scalar(sa.select(table.c.id).where(table.c.user_code == user_code))
        if taken is None:
            break
    session.execute(
        sa.insert(table).values(
            device_code_hash=_digest(device_code),
            user_code=user_code,
            session_id=session_id,
            client_name=client_name[:100],
            status="pending",
            created_at=now,
            expires_at=now + DEVICE_LIFETIME,
        )
    )
    uri = base_url.rstrip("/") + "/" + AUTHORIZE_PATH
    return {
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": uri,
        "verification_uri_complete": f"{uri}?session={session_id}",
        "session_id": session_id,
        "interval": POLL_INTERVAL,
        "expires_in": int(DEVICE_LIFETIME.total_seconds()),
    }


def poll_device(session: Session, device_code: Any) -> dict[str, Any]:
    """The 2.3 step-3 answer for ``device_code``; issues the token on the first poll after approval."""
    table = db.device_authorization
    if not isinstance(device_code, str) or not device_code:
        return {"error": "invalid_device_code"}
    row = session.execute(sa.select(table).where(table.c.device_code_hash == _digest(device_code))).first()
    if row is None:
        return {"error": "invalid_device_code"}
    if row.status == "consumed":
        return {"error": "already_used"}
    if row.status == "denied":
        return {"error": "access_denied"}
    if row.expires_at <= utcnow():
        return {"error": "expired_token"}
    if row.status == "pending":
        return {"status": "authorization_pending"}
    claimed = session.execute(
        sa.update(table).where(table.c.id == row.id, table.c.status == "approved").values(status="consumed")
    )
    if claimed.rowcount != 1:
        return {"error": "already_used"}
    account = session.get(Account, row.account_id)
    if account is None:
        return {"error": "access_denied"}
    token_row, token_text = issue_token(session, account, SCOPES)
    session.execute(sa.update(table).where(table.c.id == row.id).values(token_id=token_row.id))
    return {"status": "success", "token": token_text}


def find_request(session: Session, *, user_code: str | None = None, session_id: str | None = None) -> Any:
    """The device request with this user code or session id, or ``None``."""
    table = db.device_authorization
    if session_id:
        condition = table.c.session_id == session_id
    elif user_code:
        condition = table.c.user_code == normalise_user_code(user_code)
    else:
        return None
    return session.execute(sa.select(table).where(condition)).first()


def decide(session: Session, request_row: Any, account_id: int, approve: bool) -> str | None:
    """Approve (or deny) a pending request for ``account_id``; returns a problem text or ``None``."""
    if request_row is None:
        return "No login request has this code."
    if request_row.status != "pending":
        return "This login request was already answered."
    if request_row.expires_at <= utcnow():
        return "This login request has expired; start the login again."
    table = db.device_authorization
    session.execute(
        sa.update(table)
        .where(table.c.id == request_row.id, table.c.status == "pending")
        .values(status="approved" if approve else "denied", account_id=account_id)
    )
    return None


@router.post("/api/auth/device/", summary="Start a device login (client 2.0.0)")
@router.post("/api/auth/device", include_in_schema=False)
async def device_start(request: Request) -> JSONResponse:
    """``POST /api/auth/device/`` (``brainstem.md`` 2.3 step 1): open a device login.

    Body ``{"client_name"}`` (optional). Returns 200 ``{"device_code", "user_code", "verification_uri",
    "verification_uri_complete", "session_id", "interval": 5, "expires_in": 900}`` (seconds).
    """
    body = await _json(request)
    client_name = body.get("client_name") if isinstance(body.get("client_name"), str) else ""

    def work() -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            return start_device(session, client_name or "BrainSTEM client", str(request.base_url))

    return JSONResponse(await run_in_threadpool(work))


@router.post("/api/auth/device/token/", summary="Poll a device login (always HTTP 200)")
@router.post("/api/auth/device/token", include_in_schema=False)
async def device_poll(request: Request) -> JSONResponse:
    """``POST /api/auth/device/token/`` ``{"device_code"}`` (``brainstem.md`` 2.3 step 3): poll a device login.

    Always HTTP 200: ``{"status": "authorization_pending"}``, ``{"status": "success", "token"}`` (once), or
    ``{"error": "invalid_device_code" | "already_used" | "access_denied" | "expired_token"}``.
    """
    body = await _json(request)

    def work() -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            return poll_device(session, body.get("device_code"))

    return JSONResponse(await run_in_threadpool(work))


# ---------------------------------------------------------------------------------------------
# The verification page (2.3 step 2)
# ---------------------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}
.code{font-family:monospace;font-size:1.5rem;letter-spacing:.1em}.problem{color:#a00}.ok{color:#070}
button{margin:1rem .5rem 0 0;padding:.5rem 1.2rem}
"""


def _page(title: str, content: str, status: int = 200) -> HTMLResponse:
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'><title>{html.escape(title)} · braindock</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{content}</body></html>"
    )
    return HTMLResponse(body, status_code=status)


def _form(request_row: Any, problem: str = "", email: str = "", user_code: str = "") -> str:
    parts = []
    if problem:
        parts.append(f"<p class='problem' role='alert'>{html.escape(problem)}</p>")
    parts.append(f"<form method='post' action='/{AUTHORIZE_PATH}'>")
    if request_row is not None:
        parts.append(
            f"<p><strong>{html.escape(request_row.client_name)}</strong> asks for access to your braindock "
            f"account. Check that your terminal shows this code:</p>"
            f"<p class='code'>{html.escape(request_row.user_code)}</p>"
            f"<input type='hidden' name='session' value='{html.escape(request_row.session_id)}'>"
        )
    else:
        parts.append(
            "<p>Enter the code shown by your BrainSTEM client.</p>"
            "<label for='user_code'>Code</label>"
            f"<input id='user_code' name='user_code' required autocomplete='off' value='{html.escape(user_code)}'"
            " placeholder='ABCD-1234'>"
        )
    parts.append(
        "<label for='email'>E-mail</label>"
        f"<input id='email' name='email' type='email' required autocomplete='username' value='{html.escape(email)}'>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' required autocomplete='current-password'>"
        "<button type='submit' name='decision' value='approve'>Approve</button>"
        "<button type='submit' name='decision' value='deny'>Deny</button></form>"
    )
    return "".join(parts)


@router.get("/account/authorize/", summary="Device-login verification page (HTML)", response_class=HTMLResponse)
@router.get("/account/authorize", include_in_schema=False, response_class=HTMLResponse)
async def authorize_page(request: Request, session: str | None = None) -> HTMLResponse:
    """``GET /account/authorize/[?session=<id>]`` (``brainstem.md`` 2.3 step 2): the HTML approval form.

    200 with the form (asking for the user code when ``session`` is absent); 404 for an unknown ``session``;
    410 when that request was already answered or has expired.
    """

    def work() -> HTMLResponse:
        with request.app.state.services.database.session() as db_session:
            row = find_request(db_session, session_id=session) if session else None
        if session and row is None:
            return _page("Unknown login request", _form(None, "This link is not valid; enter your code."), 404)
        if row is not None and (row.status != "pending" or row.expires_at <= utcnow()):
            return _page("Login request closed", "<p>This login request was already answered or has expired.</p>", 410)
        return _page("Approve a BrainSTEM login", _form(row))

    return await run_in_threadpool(work)


@router.post("/account/authorize/", include_in_schema=False, response_class=HTMLResponse)
@router.post("/account/authorize", include_in_schema=False, response_class=HTMLResponse)
async def authorize_submit(request: Request) -> HTMLResponse:
    """``POST /account/authorize/`` (form: session or user_code, email, password, decision): approve or deny.

    HTML answer: 200 approved/denied; 404 no request has this code; 401 wrong e-mail or password;
    400 the request was already answered or has expired.
    """
    form = await request.form()
    values = {key: str(form.get(key) or "") for key in ("session", "user_code", "email", "password", "decision")}

    def work() -> HTMLResponse:
        with request.app.state.services.database.session() as session:
            row = find_request(session, user_code=values["user_code"], session_id=values["session"])
            if row is None:
                return _page(
                    "Approve a BrainSTEM login",
                    _form(None, "No login request has this code.", values["email"], values["user_code"]),
                    404,
                )
            account = authenticate(session, values["email"], values["password"])
            if account is None:
                return _page("Approve a BrainSTEM login", _form(row, "Wrong e-mail or password.", values["email"]), 401)
            approve = values["decision"] != "deny"
            problem = decide(session, row, account.id, approve)
            if problem:
                return _page("Login request closed", f"<p class='problem'>{html.escape(problem)}</p>", 400)
        if approve:
            return _page("Login approved", "<p class='ok'>Approved. You can return to your terminal.</p>")
        return _page("Login denied", "<p>The request was denied; the client will not get a token.</p>")

    return await run_in_threadpool(work)
