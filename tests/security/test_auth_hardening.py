"""Authentication hardening: failed-login limits on every password login, token lifetimes and rotation,
constant-time secret checks, no credentials in the server log, unguessable expiring download links.

The login limits are exercised on a server of their own (``hardened``), started with small limits through
the environment (``BRAINDOCK_LOGIN_FAILURES_PER_ACCOUNT`` …) so the shared server of the other tests is never
locked out.
"""

from __future__ import annotations

import inspect
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from braindock.config import Settings
from braindock.server.identity import passwords, tokens
from braindock.server.identity.accounts import create_account
from braindock.server.identity.login_limits import FailureLog
from braindock.server.identity.tokens import issue_token
from braindock.server.storage.database import open_database
from tests.conftest import Plant, RunningServer
from tests.neurospeed.conftest import PASSWORD as NS_PASSWORD
from tests.neurospeed.conftest import USER_PASSWORD, Customer, new_customer
from tests.security.conftest import BRAINSTEM_PASSWORD, Tenants, _record_and_export

PER_ACCOUNT = 3
PER_IP = 6
WINDOW_S = 60
LINK_TTL_S = 1


@dataclass
class Hardened:
    server: RunningServer
    email: str  # an account with password PASSWORD
    password: str


def _start(tmp: Path, env: dict[str, str]) -> RunningServer:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        return RunningServer.start(tmp / "data")


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hardened]:
    env = {
        "BRAINDOCK_LOGIN_FAILURES_PER_ACCOUNT": str(PER_ACCOUNT),
        "BRAINDOCK_LOGIN_FAILURES_PER_IP": "1000",
        "BRAINDOCK_LOGIN_WINDOW_S": str(WINDOW_S),
        "BRAINDOCK_EXPORT_LINK_TTL_S": str(LINK_TTL_S),
    }
    server = _start(tmp_path_factory.mktemp("hardened"), env)
    try:
        yield Hardened(server, "owner@hardened.example", "hardened-password")
    finally:
        server.stop()


def _account(server: RunningServer, password: str = "hardened-password") -> str:
    email = f"acct-{uuid.uuid4().hex[:10]}@hardened.example"
    server.cli("account", "create", email, "--password", password)
    return email


def _login(server: RunningServer, endpoint: str, email: str, password: str) -> httpx.Response:
    """A password login on ``endpoint`` (``ns_customer``, ``stem_token``, ``stem_auth_token``, ``stem_page``)."""
    url = server.url
    if endpoint == "ns_customer":
        return httpx.post(f"{url}/api/auth/login", json={"email": email, "password": password}, timeout=60)
    if endpoint == "stem_token":
        return httpx.post(f"{url}/api/token/", json={"username": email, "password": password}, timeout=60)
    if endpoint == "stem_auth_token":
        return httpx.post(f"{url}/api/auth/token", json={"email": email, "password": password}, timeout=60)
    if endpoint == "stem_page":
        device = httpx.post(f"{url}/api/auth/device/", json={}, timeout=60)
        assert device.status_code == 200, device.text
        form = {"session": device.json()["session_id"], "email": email, "password": password, "decision": "approve"}
        return httpx.post(f"{url}/account/authorize/", data=form, timeout=60)
    raise AssertionError(endpoint)


def _assert_429(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW_S
    assert response.json()["error"] == "too_many_requests" and "retry after" in response.json()["message"]
    return retry_after


@pytest.mark.parametrize("endpoint", ["ns_customer", "stem_token", "stem_auth_token"])
def test_failed_logins_of_one_account_are_limited(hardened: Hardened, endpoint: str) -> None:
    server = hardened.server
    email, other = _account(server), _account(server)
    for _ in range(PER_ACCOUNT):
        assert _login(server, endpoint, email, "wrong password").status_code in (400, 401)
    # even the right password is refused now, with a clear 429 and Retry-After
    _assert_429(_login(server, endpoint, email, "hardened-password"))
    # the same e-mail with different letter case is the same account
    _assert_429(_login(server, endpoint, email.upper(), "wrong password"))
    # another account from the same client is not affected
    assert _login(server, endpoint, other, "hardened-password").status_code == 200


def test_failures_add_up_across_protocols_and_the_approval_page(hardened: Hardened) -> None:
    """Braincube/BrainSTEM accounts and NeuroSpeed customers share one identity, so do their failure counts."""
    server = hardened.server
    email = _account(server)
    assert _login(server, "ns_customer", email, "wrong password").status_code == 401
    assert _login(server, "stem_token", email, "wrong password").status_code == 400
    assert _login(server, "stem_page", email, "wrong password").status_code == 401
    for endpoint in ("ns_customer", "stem_token", "stem_auth_token", "stem_page"):
        _assert_429(_login(server, endpoint, email, "hardened-password"))


def test_a_successful_login_clears_the_account_failures(hardened: Hardened) -> None:
    server = hardened.server
    email = _account(server)
    for _ in range(PER_ACCOUNT - 1):
        assert _login(server, "ns_customer", email, "wrong password").status_code == 401
    assert _login(server, "ns_customer", email, "hardened-password").status_code == 200
    for _ in range(PER_ACCOUNT - 1):
        assert _login(server, "ns_customer", email, "wrong password").status_code == 401
    assert _login(server, "ns_customer", email, "hardened-password").status_code == 200


def test_neurospeed_user_logins_are_limited_per_user(hardened: Hardened) -> None:
    server = hardened.server
    customer = new_customer(server)
    victim, other = customer.create_user(), customer.create_user()
    url = f"{server.url}/api/users/login"

    def login(username: str, password: str) -> httpx.Response:
        body = {"account_id": customer.account_id, "username": username, "password": password}
        return httpx.post(url, json=body, timeout=60)

    for _ in range(PER_ACCOUNT):
        assert login(victim.username, "wrong password").status_code == 401
    _assert_429(login(victim.username, USER_PASSWORD))
    # form-encoded bodies (older clients) name the same user
    form = {"account_id": customer.account_id, "username": victim.username, "password": USER_PASSWORD}
    _assert_429(httpx.post(url, data=form, timeout=60))
    assert login(other.username, USER_PASSWORD).status_code == 200


def test_failed_logins_from_one_client_are_limited(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Many accounts tried from one IP: after ``PER_IP`` failures every login from it answers 429, even for an
    account that never failed (the window's expiry is checked with a fake clock below)."""
    env = {
        "BRAINDOCK_LOGIN_FAILURES_PER_ACCOUNT": "100",
        "BRAINDOCK_LOGIN_FAILURES_PER_IP": str(PER_IP),
        "BRAINDOCK_LOGIN_WINDOW_S": str(WINDOW_S),
    }
    server = _start(tmp_path_factory.mktemp("per-ip"), env)
    try:
        email = _account(server)
        assert _login(server, "stem_token", email, "hardened-password").status_code == 200
        for i in range(PER_IP):
            assert _login(server, "ns_customer", f"guess{i}@example.com", "password1").status_code == 401
        for endpoint in ("stem_token", "ns_customer"):
            _assert_429(_login(server, endpoint, email, "hardened-password"))
        assert httpx.get(f"{server.url}/healthz").status_code == 200  # only logins are limited
    finally:
        server.stop()


def test_failure_log_window_and_retry_after() -> None:
    """The sliding window itself, with a fake clock."""
    now = [1000.0]
    log = FailureLog(window_s=60, clock=lambda: now[0])
    assert log.retry_after("k", 2) is None
    log.add("k")
    now[0] += 10
    log.add("k")
    assert log.retry_after("k", 2) == 50  # the first failure leaves the window 50 s from now
    assert log.retry_after("k", 3) is None
    now[0] += 50
    assert log.retry_after("k", 2) is None
    log.clear("k")
    now[0] += 1
    assert log.retry_after("k", 1) is None


# -- tokens ------------------------------------------------------------------------------------------------


def test_secrets_are_checked_with_argon2_and_compare_digest() -> None:
    """Token secrets and passwords go through argon2's verify (constant time); no ``==`` on a secret."""
    assert "_hasher.verify(" in inspect.getsource(passwords.verify_secret)
    verify = inspect.getsource(tokens.TokenVerifier.verify)
    assert "verify_secret(row.secret_hash, secret)" in verify
    assert "== secret" not in verify and "secret ==" not in verify
    from braindock.server.neurospeed import exporter

    assert "hmac.compare_digest(" in inspect.getsource(exporter.Exporters.check_link)


def test_session_tokens_expire_and_cannot_renew_themselves(plant: Plant) -> None:
    database = open_database(Settings.load(plant.server.data_dir).database_url)
    try:
        with database.session() as session:
            account = create_account(session, f"sess-{uuid.uuid4().hex[:8]}@example.com", "session-password")
            _, expired = issue_token(session, account, kind="session", lifetime=timedelta(seconds=-1))
    finally:
        database.dispose()
    url = plant.url
    assert httpx.get(f"{url}/sso-server/ws/user/me", headers={"IPLSSOTOKEN": expired}).status_code == 401
    opened = httpx.get(f"{url}/sso-server/ws/oauth2/session", headers={"Authorization": f"Bearer {plant.token}"})
    assert opened.status_code == 200
    session_token = opened.json()["token"]
    me = httpx.get(f"{url}/sso-server/ws/user/me", headers={"IPLSSOTOKEN": session_token})
    assert me.status_code == 200 and me.json()["email"] == "alice@example.com"
    # a session cannot be exchanged for a fresh one (that would make it immortal)
    renewed = httpx.get(f"{url}/sso-server/ws/oauth2/session", headers={"Authorization": f"Bearer {session_token}"})
    assert renewed.status_code == 401


def test_neurospeed_access_tokens_expire_and_refresh_tokens_rotate(tenants: Tenants) -> None:
    url = tenants.server.url + "/api"
    expired = httpx.get(f"{url}/customers/current", headers={"Authorization": f"Bearer {tenants.ns_bad['expired']}"})
    assert expired.status_code == 401 and expired.json()["message"] == "Unauthorized"
    customer = new_customer(tenants.server)
    first = httpx.post(f"{url}/auth/refresh_token", json={"refreshToken": customer.refresh})
    assert first.status_code == 200
    pair = first.json()["token"]
    assert pair["refreshToken"] != customer.refresh
    replay = httpx.post(f"{url}/auth/refresh_token", json={"refreshToken": customer.refresh})
    assert replay.status_code == 401 and replay.json()["message"] != "Unauthorized"
    # an access token is not a refresh token, and the rotated one works exactly once
    assert httpx.post(f"{url}/auth/refresh_token", json={"refreshToken": pair["accessToken"]}).status_code == 401
    assert httpx.post(f"{url}/auth/refresh_token", json={"refreshToken": pair["refreshToken"]}).status_code == 200
    assert httpx.post(f"{url}/auth/refresh_token", json={"refreshToken": pair["refreshToken"]}).status_code == 401
    current = httpx.get(f"{url}/customers/current", headers={"Authorization": f"Bearer {pair['accessToken']}"})
    assert current.status_code == 200


# -- logs ----------------------------------------------------------------------------------------------------


def test_no_passwords_or_tokens_in_the_server_log(tenants: Tenants) -> None:
    """After real traffic with every kind of credential (the tenants fixture logged in, streamed, exported;
    here: failed logins, query-string tokens, signed downloads), none of them is in the server log."""
    server, ns = tenants.server, tenants.ns_victim
    httpx.post(f"{server.url}/api/auth/login", json={"email": ns.email, "password": "a-wrong-secret-1"})
    httpx.post(f"{server.url}/api/token/", json={"username": tenants.stem_victim.email, "password": "a-wrong-secret-2"})
    httpx.get(f"{server.url}/sso-server/ws/user/me", params={"token": tenants.plant.token})
    with ns.http() as api:
        link = api.get("/gateway/exporter/url", params={"exporter_id": str(tenants.ns_exporter["id"])}).json()["url"]
    assert httpx.get(link).status_code == 200
    signature = parse_qs(urlsplit(link).query)["signature"][0]
    secrets = {
        "Braincube PAT": tenants.plant.token,
        "other PAT": tenants.plant.other_token,
        "BrainSTEM token": tenants.stem_victim.token,
        "NeuroSpeed access JWT": ns.access,
        "NeuroSpeed refresh JWT": ns.refresh,
        "NeuroSpeed user JWT": tenants.ns_victim_users[0].access,
        "Braincube password": "alice-password",
        "BrainSTEM password": BRAINSTEM_PASSWORD,
        "NeuroSpeed customer password": NS_PASSWORD,
        "NeuroSpeed user password": USER_PASSWORD,
        "wrong password 1": "a-wrong-secret-1",
        "wrong password 2": "a-wrong-secret-2",
        "exporter link signature": signature,
    }
    log = server.log()
    assert "POST /api/auth/login" in log  # the access log is on: the check below is meaningful
    found = [name for name, secret in secrets.items() if secret in log]
    assert not found, f"credentials in the server log: {found}"


# -- exporter download links -----------------------------------------------------------------------------


def test_download_links_expire_after_the_configured_lifetime(hardened: Hardened) -> None:
    customer: Customer = new_customer(hardened.server)
    user = customer.create_user()
    _, exporter = _record_and_export(customer, user)
    with customer.http() as api:
        link = api.get("/gateway/exporter/url", params={"exporter_id": str(exporter["id"])}).json()["url"]
    expires = int(parse_qs(urlsplit(link).query)["expires"][0])
    assert expires <= time.time() + LINK_TTL_S + 1
    time.sleep(LINK_TTL_S + 1.5)
    response = httpx.get(link)
    assert response.status_code == 403 and "expired" in response.json()["message"]
