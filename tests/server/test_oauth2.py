"""The Braincube SSO as an OAuth2 authorization server, driven over HTTP as a browser and an application would.

A real server (random port, temporary data directory) with two accounts, each owning one braincube with one
memory base. The "browser" is an ``httpx.Client`` keeping cookies and never following redirects: it opens
the authorization URL, reads the login form (and its CSRF token) from the HTML, posts it, posts the consent
form, and reads the ``code`` from the ``Location`` of the ``302``. The "application" posts to the token
endpoint like braincube-token-getter 0.0.2 does (form fields ``client_id`` + ``client_secret``) or with
HTTP Basic. RFC 6749, RFC 7636 (PKCE) and RFC 7009 (revocation) outcomes are checked on the wire.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.conftest import RunningServer, start_server, stop_server

REDIRECT = "https://localhost:5000/token"
AUTHORIZE = "/sso-server/vendors/braincube/authorize.jsp"
TOKEN = "/sso-server/ws/oauth2/token"
REVOKE = "/sso-server/ws/oauth2/revoke"
ME = "/sso-server/ws/user/me"
CSV = "timestamp,temperature\n2024-01-01 00:00:00,20.5\n2024-01-01 00:01:00,21.0\n"


@dataclass
class App:
    client_id: str
    client_secret: str


@dataclass
class Site:
    server: RunningServer
    app: App

    @property
    def url(self) -> str:
        return self.server.url


def create_app(server: RunningServer, name: str, *extra: str, redirect: str = REDIRECT) -> App:
    """``braindock oauth-app create NAME --redirect-uri URI``: two lines ``client_id X`` / ``client_secret Y``."""
    lines = server.cli("oauth-app", "create", name, "--redirect-uri", redirect, *extra).splitlines()
    assert len(lines) == 2, lines
    key_id, client_id = lines[0].split(" ")
    key_secret, client_secret = lines[1].split(" ")
    assert (key_id, key_secret) == ("client_id", "client_secret")
    return App(client_id, client_secret)


def seed(server: RunningServer, tmp: Path) -> None:
    csv_path = tmp / "line.csv"
    csv_path.write_text(CSV)
    for who in ("alice", "bob"):
        server.cli("account", "create", f"{who}@example.com", "--password", f"{who}-password")
        server.cli("braincube", "create", f"cube-{who}", "--owner", f"{who}@example.com")
        server.cli("memory-base", "import", f"cube-{who}", str(csv_path), "--name", f"{who} line")
    server.cli("account", "create", "locked@example.com", "--password", "locked-password")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("oauth2")
    server = start_server(tmp / "data")
    try:
        seed(server, tmp)
        yield Site(server, create_app(server, "Token getter", "--owner", "alice@example.com"))
    finally:
        stop_server(server)


def authorize_url(app: App, redirect: str | None = REDIRECT, **params: str) -> str:
    """The URL braincube-token-getter builds (``scope=BASE%20API``), plus optional parameters."""
    query = {"client_id": app.client_id, "response_type": "code", "scope": "BASE API"}
    if redirect is not None:
        query["redirect_uri"] = redirect
    query.update(params)
    return AUTHORIZE + "?" + urlencode(query, safe=":/")


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden {name} in {page[:500]}"
    return found.group(1)


def browser(site: Site) -> httpx.Client:
    return httpx.Client(base_url=site.url, follow_redirects=False, timeout=60)


def sign_in(client: httpx.Client, url: str, email: str, password: str) -> httpx.Response:
    page = client.get(url)
    assert page.status_code == 200, page.text
    assert 'name="password"' in page.text
    data = {"csrf_token": hidden(page.text, "csrf_token"), "action": "login", "email": email, "password": password}
    return client.post(url, data=data)


def consent(client: httpx.Client, url: str, page: httpx.Response, decision: str = "allow") -> httpx.Response:
    assert page.status_code == 200, page.text
    assert "Allow" in page.text
    data = {"csrf_token": hidden(page.text, "csrf_token"), "action": "consent", "decision": decision}
    return client.post(url, data=data)


def authorize(site: Site, url: str, email: str = "alice@example.com", password: str = "alice-password") -> str:
    """Log in and allow in a fresh browser; return the ``Location`` of the final redirect."""
    with browser(site) as client:
        answer = consent(client, url, sign_in(client, url, email, password))
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def code_of(location: str) -> str:
    assert location.startswith(REDIRECT + "?"), location
    return parse_qs(urlsplit(location).query)["code"][0]


def exchange_code(site: Site, code: str, app: App | None = None, **extra: str) -> httpx.Response:
    """The token getter's POST: form fields grant_type, code, redirect_uri, client_id, client_secret."""
    app = app or site.app
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        **extra,
    }
    return httpx.post(site.url + TOKEN, data=data, timeout=60)


def new_tokens(site: Site, email: str = "alice@example.com", password: str = "alice-password") -> dict:
    answer = exchange_code(site, code_of(authorize(site, authorize_url(site.app), email, password)))
    assert answer.status_code == 200, answer.text
    return answer.json()


def me(site: Site, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(site.url + ME, headers=headers, timeout=60)


def open_session(site: Site, access_token: str, path: str = "/sso-server/ws/oauth2/session") -> httpx.Response:
    return httpx.get(site.url + path, headers={"Authorization": f"Bearer {access_token}"}, timeout=60)


def memory_bases(site: Site, cube: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{site.url}/braincube/{cube}/braincube/mb/all/summary", headers=headers, timeout=60)


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


# -- the whole flow ----------------------------------------------------------------------------------------


def test_code_flow_then_token_works_as_oauth2_token_and_sso_session(site: Site) -> None:
    tokens = new_tokens(site)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["scope"] == "BASE API"
    assert tokens["access_token"].startswith("bdo_") and tokens["refresh_token"].startswith("bdr_")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}

    # Directly as an SSO credential: user/me and the braincube API with the account's own braincube.
    answer = me(site, bearer)
    assert answer.status_code == 200, answer.text
    assert answer.json()["userEmail"] == "alice@example.com"
    assert [item["name"] for item in answer.json()["accessList"]] == ["cube-alice"]
    listed = memory_bases(site, "cube-alice", bearer)
    assert listed.status_code == 200, listed.text
    assert "alice line" in listed.text
    # The account's access rules are unchanged: bob's braincube stays forbidden.
    assert memory_bases(site, "cube-bob", bearer).status_code == 403

    # As the connector uses oauth2_token: exchanged for a session at both paths, then IPLSSOTOKEN.
    for path in ("/sso-server/ws/oauth2/session", "/sso-server/rest/session/openWithToken"):
        opened = open_session(site, tokens["access_token"], path)
        assert opened.status_code == 200, opened.text
        session = {"IPLSSOTOKEN": opened.json()["token"]}
        assert me(site, session).json()["userEmail"] == "alice@example.com"
        assert memory_bases(site, "cube-alice", session).status_code == 200


def test_code_is_the_last_query_parameter_after_state(site: Site) -> None:
    """braincube-token-getter reads ``request.url.split("code=")[1]``."""
    location = authorize(site, authorize_url(site.app, state="xyz 1/2"))
    query = urlsplit(location).query
    assert query.index("state=") < query.index("code=")
    code = location.split("code=")[1]
    assert parse_qs(query) == {"state": ["xyz 1/2"], "code": [code]}
    assert exchange_code(site, code).status_code == 200


def test_refresh_rotates_and_revocation_ends_tokens_and_sessions(site: Site) -> None:
    first = new_tokens(site)
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
        "client_id": site.app.client_id,
        "client_secret": site.app.client_secret,
    }
    answer = httpx.post(site.url + TOKEN, data=refresh, timeout=60)
    assert answer.status_code == 200, answer.text
    second = answer.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == "BASE API"
    # The new pair works (reusing the spent refresh token: test_reused_refresh_token_revokes_the_grant).
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    assert me(site, bearer).status_code == 200
    session = {"IPLSSOTOKEN": open_session(site, second["access_token"]).json()["token"]}
    assert me(site, session).status_code == 200

    # A narrower scope on refresh is allowed, a wider one is not (RFC 6749 6).
    narrower = httpx.post(
        site.url + TOKEN, data={**refresh, "refresh_token": second["refresh_token"], "scope": "BASE"}, timeout=60
    )
    assert narrower.status_code == 200, narrower.text
    third = narrower.json()
    assert third["scope"] == "BASE"
    wider = httpx.post(
        site.url + TOKEN,
        data={**refresh, "refresh_token": third["refresh_token"], "scope": "BASE API BRAINCUBE"},
        timeout=60,
    )
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"

    # RFC 7009 revocation with client_secret_basic: the access token, its session and its refresh token end.
    revoked = httpx.post(
        site.url + REVOKE,
        data={"token": second["access_token"], "token_type_hint": "access_token"},
        auth=(site.app.client_id, site.app.client_secret),
        timeout=60,
    )
    assert revoked.status_code == 200 and revoked.json() == {}
    assert me(site, bearer).status_code == 401
    assert me(site, session).status_code == 401
    assert open_session(site, second["access_token"]).status_code == 401
    assert memory_bases(site, "cube-alice", bearer).status_code == 401
    # Revoking by the refresh token (client_secret_post) ends the other pair too.
    assert me(site, {"Authorization": f"Bearer {third['access_token']}"}).status_code == 200
    revoked = httpx.post(
        site.url + REVOKE,
        data={
            "token": third["refresh_token"],
            "client_id": site.app.client_id,
            "client_secret": site.app.client_secret,
        },
        timeout=60,
    )
    assert revoked.status_code == 200
    assert me(site, {"Authorization": f"Bearer {third['access_token']}"}).status_code == 401
    again = httpx.post(site.url + TOKEN, data={**refresh, "refresh_token": third["refresh_token"]}, timeout=60)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # Unknown tokens are "revoked" too (RFC 7009 2.2); a wrong secret is not a client.
    unknown = httpx.post(site.url + REVOKE, data={"token": "bdo_nothing"}, auth=(site.app.client_id, "x"), timeout=60)
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"


def test_second_authorization_reuses_the_sso_cookie(site: Site) -> None:
    url = authorize_url(site.app)
    with browser(site) as client:
        first = consent(client, url, sign_in(client, url, "alice@example.com", "alice-password"))
        assert first.status_code == 302
        cookie = next(c for c in client.cookies.jar if c.name == "BD_SSO")
        assert cookie.has_nonstandard_attr("HttpOnly")
        page = client.get(url)  # no login form this time
        assert 'name="password"' not in page.text and "alice@example.com" in page.text
        second = consent(client, url, page)
        assert second.status_code == 302
        assert code_of(first.headers["location"]) != code_of(second.headers["location"])

        # The SSO cookie is a login of this page only, not an API session.
        assert cookie.value.startswith("bd_l")
        assert me(site, {"IPLSSOTOKEN": cookie.value}).status_code == 401
        # "Not you?": the SSO session ends, the login form comes back, and bob signs in instead.
        page = client.get(url)
        switched = client.post(url, data={"csrf_token": hidden(page.text, "csrf_token"), "action": "switch"})
        assert switched.status_code == 200 and 'name="password"' in switched.text
        assert "BD_SSO" not in [c.name for c in client.cookies.jar]
        with browser(site) as replay:
            replay.cookies.set("BD_SSO", cookie.value)
            assert 'name="password"' in replay.get(url).text  # the revoked login cookie is not a login
        page = sign_in(client, url, "bob@example.com", "bob-password")
        assert "bob@example.com" in page.text
        third = consent(client, url, page)
    tokens = exchange_code(site, code_of(third.headers["location"])).json()
    assert me(site, {"Authorization": f"Bearer {tokens['access_token']}"}).json()["userEmail"] == "bob@example.com"


def test_client_secret_basic_is_accepted(site: Site) -> None:
    code = code_of(authorize(site, authorize_url(site.app)))
    answer = httpx.post(
        site.url + TOKEN,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=(site.app.client_id, site.app.client_secret),
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    assert me(site, {"Authorization": f"Bearer {answer.json()['access_token']}"}).status_code == 200


# -- PKCE --------------------------------------------------------------------------------------------------


def test_pkce_s256_good_and_bad_verifier(site: Site) -> None:
    verifier = secrets.token_urlsafe(48)
    url = authorize_url(site.app, code_challenge=s256(verifier), code_challenge_method="S256")
    good = exchange_code(site, code_of(authorize(site, url)), code_verifier=verifier)
    assert good.status_code == 200, good.text

    bad = exchange_code(site, code_of(authorize(site, url)), code_verifier=secrets.token_urlsafe(48))
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    missing = exchange_code(site, code_of(authorize(site, url)))
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    # A verifier for a code that had no challenge is refused as well.
    stray = exchange_code(site, code_of(authorize(site, authorize_url(site.app))), code_verifier=verifier)
    assert stray.status_code == 400 and stray.json()["error"] == "invalid_request"
    # A malformed challenge is reported to the client by redirect (RFC 7636 4.4.1).
    with browser(site) as client:
        answer = client.get(authorize_url(site.app, code_challenge="short", code_challenge_method="S256"))
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == ["invalid_request"]


# -- errors ------------------------------------------------------------------------------------------------


def test_wrong_secret_and_unknown_client(site: Site) -> None:
    code = code_of(authorize(site, authorize_url(site.app)))
    wrong = exchange_code(site, code, App(site.app.client_id, "not-the-secret"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    unknown = exchange_code(site, code, App("bdc_unknown", site.app.client_secret))
    assert unknown.status_code in (400, 401) and unknown.json()["error"] == "invalid_client"
    # Not redirected anywhere: the client is unknown (RFC 6749 4.1.2.1).
    with browser(site) as client:
        page = client.get(authorize_url(App("bdc_unknown", "")))
    assert page.status_code == 400 and "location" not in page.headers
    assert page.json()["error"] == "invalid_client"
    # A bad grant type and a missing code are RFC 6749 5.2 errors, never 500.
    odd = httpx.post(site.url + TOKEN, data={"grant_type": "password"}, timeout=60)
    assert odd.status_code == 400 and odd.json()["error"] == "unsupported_grant_type"
    no_code = httpx.post(
        site.url + TOKEN,
        data={
            "grant_type": "authorization_code",
            "client_id": site.app.client_id,
            "client_secret": site.app.client_secret,
        },
        timeout=60,
    )
    assert no_code.status_code == 400 and no_code.json()["error"] == "invalid_request"
    assert httpx.post(site.url + TOKEN, content=b"{}", timeout=60).status_code == 400


def test_wrong_redirect_uri(site: Site) -> None:
    # At the authorization endpoint: an unregistered redirect URI is refused without redirecting to it.
    with browser(site) as client:
        page = client.get(authorize_url(site.app, redirect="https://evil.example.net/cb"))
    assert page.status_code == 400 and "location" not in page.headers
    assert page.json()["error"] == "invalid_request"
    # At the token endpoint: the redirect_uri must be the one of the authorization request.
    code = code_of(authorize(site, authorize_url(site.app)))
    answer = exchange_code(site, code, redirect_uri="https://localhost:5000/other")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_code_is_single_use_and_a_replay_revokes_its_token(site: Site) -> None:
    code = code_of(authorize(site, authorize_url(site.app)))
    first = exchange_code(site, code)
    assert first.status_code == 200
    bearer = {"Authorization": f"Bearer {first.json()['access_token']}"}
    assert me(site, bearer).status_code == 200
    replay = exchange_code(site, code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert me(site, bearer).status_code == 401
    # A failed redemption spends the code as well.
    spent = code_of(authorize(site, authorize_url(site.app)))
    assert exchange_code(site, spent, redirect_uri="https://localhost:5000/other").status_code == 400
    assert exchange_code(site, spent).status_code == 400


def test_deny_redirects_with_access_denied_and_state(site: Site) -> None:
    url = authorize_url(site.app, state="s-1")
    with browser(site) as client:
        answer = consent(client, url, sign_in(client, url, "alice@example.com", "alice-password"), "deny")
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s-1"]
    assert "code" not in query


def test_forms_need_their_csrf_token(site: Site) -> None:
    url = authorize_url(site.app)
    with browser(site) as client:
        page = client.get(url)
        form = {"action": "login", "email": "alice@example.com", "password": "alice-password"}
        assert client.post(url, data={**form, "csrf_token": "forged"}).status_code == 400
        assert client.post(url, data=form).status_code == 400
        signed_in = client.post(url, data={**form, "csrf_token": hidden(page.text, "csrf_token")})
        assert signed_in.status_code == 200
        refused = client.post(url, data={"action": "consent", "decision": "allow", "csrf_token": "forged"})
        assert refused.status_code == 400 and "location" not in refused.headers
    # A cross-site post has neither the cookie nor the token.
    with browser(site) as other:
        forged = other.post(url, data={"action": "consent", "decision": "allow", "csrf_token": "x"})
    assert forged.status_code == 400 and "location" not in forged.headers


def test_wrong_password_gets_no_code_and_failures_are_limited(site: Site) -> None:
    url = authorize_url(site.app)
    with browser(site) as client:
        answer = sign_in(client, url, "locked@example.com", "wrong-password")
        assert answer.status_code == 401 and 'name="password"' in answer.text
        statuses = []
        for _ in range(12):
            page = client.get(url)
            data = {
                "csrf_token": hidden(page.text, "csrf_token"),
                "action": "login",
                "email": "locked@example.com",
                "password": "wrong-password",
            }
            statuses.append(client.post(url, data=data).status_code)
        # 10 failures per account (the default), then 429, even with the right password.
        assert statuses[:9] == [401] * 9 and statuses[9:] == [429] * 3
        page = client.get(url)
        right = {
            "csrf_token": hidden(page.text, "csrf_token"),
            "action": "login",
            "email": "locked@example.com",
            "password": "locked-password",
        }
        blocked = client.post(url, data=right)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1


# -- scopes ------------------------------------------------------------------------------------------------


def test_scopes_limit_what_the_token_does(site: Site) -> None:
    read_only = exchange_code(site, code_of(authorize(site, authorize_url(site.app, scope="SSO_READ"))))
    assert read_only.status_code == 200 and read_only.json()["scope"] == "SSO_READ"
    bearer = {"Authorization": f"Bearer {read_only.json()['access_token']}"}
    assert me(site, bearer).status_code == 200
    assert memory_bases(site, "cube-alice", bearer).status_code == 403
    api = exchange_code(site, code_of(authorize(site, authorize_url(site.app, scope="BRAINCUBE"))))
    bearer = {"Authorization": f"Bearer {api.json()['access_token']}"}
    assert me(site, bearer).status_code == 403
    assert memory_bases(site, "cube-alice", bearer).status_code == 200

    # No scope asked: the application's scopes.
    everything = exchange_code(site, code_of(authorize(site, authorize_url(site.app, scope=""))))
    assert everything.json()["scope"] == "BRAINCUBE SSO_READ API BASE"
    # Unknown scopes and scopes the application may not ask for are redirected as invalid_scope.
    limited = create_app(site.server, "Reader", "--scope", "SSO_READ")
    for app, scope in ((site.app, "ADMIN"), (limited, "BRAINCUBE"), (limited, "BASE API")):
        with browser(site) as client:
            answer = client.get(authorize_url(app, scope=scope, state="st"))
        assert answer.status_code == 302, (scope, answer.text)
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        assert query["error"] == ["invalid_scope"] and query["state"] == ["st"] and "code" not in query


# -- tenants -----------------------------------------------------------------------------------------------


def test_tokens_belong_to_whoever_signs_in(site: Site) -> None:
    """The application is alice's; bob's token needs bob's password and gives bob's braincubes only."""
    with browser(site) as client:
        answer = sign_in(client, authorize_url(site.app), "bob@example.com", "alice-password")
    assert answer.status_code == 401 and "code=" not in answer.headers.get("location", "")

    bob = new_tokens(site, "bob@example.com", "bob-password")
    bearer = {"Authorization": f"Bearer {bob['access_token']}"}
    assert me(site, bearer).json()["userEmail"] == "bob@example.com"
    assert [item["name"] for item in me(site, bearer).json()["accessList"]] == ["cube-bob"]
    assert memory_bases(site, "cube-bob", bearer).status_code == 200
    assert memory_bases(site, "cube-alice", bearer).status_code == 403

    # A code issued to one application cannot be redeemed by another, even with that one's valid secret.
    other = create_app(site.server, "Someone else's app", "--owner", "bob@example.com")
    code = code_of(authorize(site, authorize_url(site.app)))
    stolen = exchange_code(site, code, other)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    # Nor a refresh token.
    refresh = httpx.post(
        site.url + TOKEN,
        data={
            "grant_type": "refresh_token",
            "refresh_token": bob["refresh_token"],
            "client_id": other.client_id,
            "client_secret": other.client_secret,
        },
        timeout=60,
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


# -- CLI and storage ---------------------------------------------------------------------------------------


def test_cli_list_and_revoke_application(site: Site) -> None:
    app = create_app(site.server, "Short-lived", "--owner", "bob@example.com", "--scope", "BASE", "--scope", "API")
    listed = [line.split("\t") for line in site.server.cli("oauth-app", "list").splitlines()]
    row = next(line for line in listed if line[0] == app.client_id)
    assert row[1:5] == ["Short-lived", "BASE,API", REDIRECT, "bob@example.com"]
    assert row[6] == "active"

    tokens = new_tokens(Site(site.server, app))
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    session = {"IPLSSOTOKEN": open_session(site, tokens["access_token"]).json()["token"]}
    assert me(site, bearer).status_code == 200 and me(site, session).status_code == 200

    assert site.server.cli("oauth-app", "revoke", app.client_id) == app.client_id
    assert me(site, bearer).status_code == 401
    assert me(site, session).status_code == 401
    code = exchange_code(site, "whatever", app)
    assert code.status_code in (400, 401) and code.json()["error"] == "invalid_client"
    with browser(site) as client:
        assert client.get(authorize_url(app)).status_code == 400
    listed = [line.split("\t") for line in site.server.cli("oauth-app", "list").splitlines()]
    assert next(line for line in listed if line[0] == app.client_id)[6] == "revoked"

    missing = site.server.cli_result("oauth-app", "revoke", "bdc_nothing")
    assert missing.returncode == 1 and "does not exist" in missing.stderr and missing.stdout == ""
    bad = site.server.cli_result("oauth-app", "create", "X", "--redirect-uri", "not a uri")
    assert bad.returncode == 1 and "redirect_uri" in bad.stderr
    bad = site.server.cli_result("oauth-app", "create", "X", "--redirect-uri", REDIRECT, "--scope", "ROOT")
    assert bad.returncode == 1 and "scope" in bad.stderr


def test_no_secret_is_stored_in_the_clear(site: Site) -> None:
    tokens = new_tokens(site)
    database = site.server.data_dir / "braindock.sqlite"
    with sqlite3.connect(database) as connection:
        hashes = [row[0] for row in connection.execute("SELECT secret_hash FROM oauth2_applications")]
        digests = {row[0] for row in connection.execute("SELECT access_digest FROM oauth2_tokens")}
    # 256-bit random client secrets: a SHA-256 digest (see storage/oauth2_models.py), not argon2.
    assert hashes and all(value.startswith("sha256$") for value in hashes)
    assert "sha256$" + hashlib.sha256(site.app.client_secret.encode()).hexdigest() in hashes
    assert hashlib.sha256(tokens["access_token"].encode()).hexdigest() in digests
    stored = b"".join(path.read_bytes() for path in database.parent.glob("braindock.sqlite*"))
    log = site.server.log()
    assert "POST /sso-server/ws/oauth2/token" in log  # the requests were logged, without their secrets
    for secret in (site.app.client_secret, tokens["access_token"], tokens["refresh_token"], "alice-password"):
        assert secret.encode() not in stored
        assert secret not in log


# -- lifetimes ---------------------------------------------------------------------------------------------


def test_expired_code_and_expired_access_token(tmp_path: Path) -> None:
    server = start_server(
        tmp_path / "data", env={"BRAINDOCK_OAUTH2_CODE_TTL_S": "1", "BRAINDOCK_OAUTH2_ACCESS_TOKEN_TTL_S": "1"}
    )
    try:
        seed(server, tmp_path)
        site = Site(server, create_app(server, "Quick"))
        code = code_of(authorize(site, authorize_url(site.app)))
        time.sleep(1.5)
        late = exchange_code(site, code)
        assert late.status_code == 400 and late.json()["error"] == "invalid_grant"

        tokens = new_tokens(site)
        assert tokens["expires_in"] == 1
        time.sleep(1.5)
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert me(site, bearer).status_code == 401
        assert open_session(site, tokens["access_token"]).status_code == 401
        # The refresh token outlives the access token.
        refreshed = httpx.post(
            server.url + TOKEN,
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": site.app.client_id,
                "client_secret": site.app.client_secret,
            },
            timeout=60,
        )
        assert refreshed.status_code == 200, refreshed.text
    finally:
        stop_server(server)


# -- security review regressions ---------------------------------------------------------------------------


def refresh_with(site: Site, refresh_token: str) -> httpx.Response:
    data = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": site.app.client_id,
        "client_secret": site.app.client_secret,
    }
    return httpx.post(site.url + TOKEN, data=data, timeout=60)


def test_an_exchanged_session_is_not_a_login_cookie(site: Site) -> None:
    """An application approved for BASE cannot sign in to the consent page with the session it can open and
    approve itself API."""
    base = exchange_code(site, code_of(authorize(site, authorize_url(site.app, scope="BASE"))))
    assert base.status_code == 200 and base.json()["scope"] == "BASE"
    opened = open_session(site, base.json()["access_token"])
    assert opened.status_code == 200, opened.text
    wider = authorize_url(site.app, scope="API")
    with browser(site) as attacker:
        attacker.cookies.set("BD_SSO", opened.json()["token"])
        page = attacker.get(wider)
        assert page.status_code == 200
        assert 'name="password"' in page.text and "alice@example.com" not in page.text
        allowed = attacker.post(
            wider, data={"csrf_token": hidden(page.text, "csrf_token"), "action": "consent", "decision": "allow"}
        )
    assert allowed.status_code == 401 and "location" not in allowed.headers


def test_not_you_does_not_reset_the_failed_login_count(site: Site) -> None:
    site.server.cli("account", "create", "victim@example.com", "--password", "victim-password")
    url = authorize_url(site.app)
    with browser(site) as client:

        def post(**fields: str) -> int:
            page = client.get(url)
            data = {"csrf_token": hidden(page.text, "csrf_token"), "email": "victim@example.com", **fields}
            return client.post(url, data=data).status_code

        assert [post(action="login", password="guess") for _ in range(9)] == [401] * 9
        # "Not you?" naming the account answers 200 but checks no password: it must not clear the failures.
        assert post(action="switch") == 200
        assert post(action="login", password="guess") == 401  # the 10th failure
        assert post(action="login", password="victim-password") == 429


def test_oauth2_tokens_need_braincube_write_for_authoring(site: Site, tmp_path: Path) -> None:
    csv_path = tmp_path / "doomed.csv"
    csv_path.write_text(CSV)
    site.server.cli("memory-base", "import", "cube-alice", str(csv_path), "--name", "doomed line")
    pat = {"X-api-key": site.server.cli("token", "create", "alice@example.com")}
    items = memory_bases(site, "cube-alice", pat).json()["items"]
    doomed = next(item["bcId"] for item in items if item["name"] == "doomed line")
    path = f"{site.url}/braincube/cube-alice/braincube/mb/{doomed}"

    read = new_tokens(site)  # BASE API: reads
    bearer = {"Authorization": f"Bearer {read['access_token']}"}
    session = {"IPLSSOTOKEN": open_session(site, read["access_token"]).json()["token"]}
    for headers in (bearer, session):
        refused = httpx.delete(path, headers=headers, timeout=60)
        assert refused.status_code == 403 and "BRAINCUBE_WRITE" in refused.text
    assert "doomed line" in memory_bases(site, "cube-alice", bearer).text

    # The consent page says what each scope allows.
    writer = create_app(site.server, "Writer", "--scope", "API", "--scope", "BRAINCUBE_WRITE")
    url = authorize_url(writer, scope="API BRAINCUBE_WRITE")
    with browser(site) as client:
        page = sign_in(client, url, "alice@example.com", "alice-password")
        assert "no changes" in page.text and "create, change and delete memory bases" in page.text
        code = code_of(consent(client, url, page).headers["location"])
    write = exchange_code(site, code, writer)
    assert write.status_code == 200 and write.json()["scope"] == "API BRAINCUBE_WRITE"
    deleted = httpx.delete(path, headers={"Authorization": f"Bearer {write.json()['access_token']}"}, timeout=60)
    assert deleted.status_code == 200, deleted.text
    assert "doomed line" not in memory_bases(site, "cube-alice", pat).text
    # Registered without --scope, an application gets no write scope.
    default = create_app(site.server, "Default scopes")
    listed = [line.split("\t") for line in site.server.cli("oauth-app", "list").splitlines()]
    assert next(line for line in listed if line[0] == default.client_id)[2] == "BRAINCUBE,SSO_READ,API,BASE"


def test_reused_refresh_token_revokes_the_grant(site: Site) -> None:
    first = new_tokens(site)
    second = refresh_with(site, first["refresh_token"])
    assert second.status_code == 200, second.text
    second_bearer = {"Authorization": f"Bearer {second.json()['access_token']}"}
    assert me(site, second_bearer).status_code == 200
    replay = refresh_with(site, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # The replay ends the whole family: both access tokens and the rotated refresh token.
    assert me(site, second_bearer).status_code == 401
    assert me(site, {"Authorization": f"Bearer {first['access_token']}"}).status_code == 401
    assert refresh_with(site, second.json()["refresh_token"]).status_code == 400


def test_revoking_a_refresh_token_ends_every_access_token_of_its_grant(site: Site) -> None:
    first = new_tokens(site)
    second = refresh_with(site, first["refresh_token"]).json()
    first_bearer = {"Authorization": f"Bearer {first['access_token']}"}
    session = {"IPLSSOTOKEN": open_session(site, first["access_token"]).json()["token"]}
    assert me(site, first_bearer).status_code == 200 and me(site, session).status_code == 200
    revoked = httpx.post(
        site.url + REVOKE,
        data={"token": second["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(site.app.client_id, site.app.client_secret),
        timeout=60,
    )
    assert revoked.status_code == 200
    assert me(site, first_bearer).status_code == 401
    assert me(site, session).status_code == 401
    assert me(site, {"Authorization": f"Bearer {second['access_token']}"}).status_code == 401


def test_bodies_are_capped(site: Site) -> None:
    big = "x" * (70 * 1024)
    for path in (TOKEN, REVOKE):
        answer = httpx.post(site.url + path, data={"grant_type": "authorization_code", "code": big}, timeout=60)
        assert answer.status_code == 413 and "request body" in answer.text, answer.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        yield b"grant_type=authorization_code&code="
        for _ in range(70):
            yield b"y" * 1024

    chunked = httpx.post(
        site.url + TOKEN,
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=60,
    )
    assert chunked.status_code == 413
    login = httpx.post(site.url + authorize_url(site.app), data={"action": "login", "email": big}, timeout=60)
    assert login.status_code == 413 and "request body" in login.json()["message"]


def test_token_endpoint_request_errors(site: Site) -> None:
    code = code_of(authorize(site, authorize_url(site.app)))
    twice = httpx.post(
        site.url + TOKEN,
        content=urlencode(
            [
                ("grant_type", "authorization_code"),
                ("code", code),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("client_id", site.app.client_id),
                ("client_secret", site.app.client_secret),
            ]
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=60,
    )
    assert twice.status_code == 400 and twice.json()["error"] == "invalid_request"
    assert "code" in twice.json()["error_description"]
    latin1 = base64.b64encode(site.app.client_id.encode() + b":\xe9\xff").decode()
    odd = httpx.post(
        site.url + TOKEN,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        headers={"Authorization": f"Basic {latin1}"},
        timeout=60,
    )
    assert odd.status_code == 401 and odd.json()["error"] == "invalid_client"
    # The code was never redeemed by those: it still works.
    assert exchange_code(site, code).status_code == 200


def test_open_with_token_gives_the_account_only_to_sso_read(site: Site) -> None:
    path = "/sso-server/rest/session/openWithToken"
    api = exchange_code(site, code_of(authorize(site, authorize_url(site.app, scope="API")))).json()
    answer = open_session(site, api["access_token"], path)
    assert answer.status_code == 200 and set(answer.json()) == {"token", "expiresIn"}
    both = new_tokens(site)
    answer = open_session(site, both["access_token"], path).json()
    assert answer["userEmail"] == "alice@example.com"
    assert [item["name"] for item in answer["accessList"]] == ["cube-alice"]


def test_redirect_uris_must_be_https_except_loopback(site: Site) -> None:
    for uri in ("http://127.0.0.1:8765/cb", "http://localhost/cb", "http://[::1]:9000/cb"):
        assert create_app(site.server, "Native", redirect=uri).client_id.startswith("bdc_")
    for uri, said in (
        ("http://example.com/cb", "https"),
        ("https://exämple.com/cb", "ASCII"),
        ("https://example.com/" + "a" * 2000, "2000"),
    ):
        bad = site.server.cli_result("oauth-app", "create", "X", "--redirect-uri", uri)
        assert bad.returncode == 1 and "redirect_uri" in bad.stderr and said in bad.stderr, bad.stderr
        assert bad.stdout == ""


def test_session_lifetime_follows_the_access_token_and_debug_log_has_no_token(tmp_path: Path) -> None:
    server = RunningServer.start(
        tmp_path / "data", env={"BRAINDOCK_OAUTH2_ACCESS_TOKEN_TTL_S": "300"}, log_level="debug"
    )
    try:
        seed(server, tmp_path)
        site = Site(server, create_app(server, "Debugged"))
        tokens = new_tokens(site)
        assert tokens["expires_in"] == 300
        opened = open_session(site, tokens["access_token"])
        assert opened.status_code == 200
        assert 0 < opened.json()["expiresIn"] <= 300
        refreshed = refresh_with(site, tokens["refresh_token"])
        assert refreshed.status_code == 200
        log = server.log()
        assert "Issue token" in log  # Authlib's debug line is there, redacted
        for secret in (tokens["access_token"], tokens["refresh_token"], refreshed.json()["access_token"]):
            assert secret not in log
    finally:
        stop_server(server)


def test_a_second_tab_keeps_the_first_forms_csrf_token(site: Site) -> None:
    url = authorize_url(site.app)
    with browser(site) as client:
        first = client.get(url)
        second = client.get(url)
        assert hidden(first.text, "csrf_token") == hidden(second.text, "csrf_token")
        data = {
            "csrf_token": hidden(first.text, "csrf_token"),
            "action": "login",
            "email": "alice@example.com",
            "password": "alice-password",
        }
        assert "Allow" in client.post(url, data=data).text
    with browser(site) as client:
        client.cookies.set("BD_CSRF", "short", path="/sso-server" + AUTHORIZE)
        assert hidden(client.get(url).text, "csrf_token") != "short"
