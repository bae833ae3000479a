"""An ``oauth2_token`` from the unmodified ``braincube-token-getter==0.0.2``, used by the official connectors.

The token getter runs in its own virtualenv (``.compat-venvs/braincube-token-getter-0.0.2``) through
``scripts/token_getter_runner.py``: its ``create_app`` builds the authorization URL (its ``build_connect_url``,
``scope=BASE%20API``, ``redirect_uri=https://localhost:5000/token``) and, on the redirect, its ``get_token``
takes the code after ``code=``, POSTs it with its client id and secret to ``/sso-server/ws/oauth2/token`` and
writes ``oauth2_token`` into its ``config.json``. Only the browser step is the test's: an ``httpx`` client
opens the URL, signs in with the login form (CSRF token from the HTML), allows on the consent page and
follows nothing but reads the ``Location`` of the ``302``, as a browser would hand it to the token getter's
local server.

The token getter hard-codes ``https://{domain}``; against the plain-HTTP test server the runner rewrites only
the scheme of the two URLs it builds (``BRAINDOCK_TOKEN_GETTER_HTTP``, documented in the runner). The
resulting ``config.json`` (plus the base URLs a self-hosted server needs) then configures the official
``braincube-connector`` 2.5.1 and 2.8.0: ``get_instance`` exchanges the token at
``/sso-server/ws/oauth2/session`` and reads the account's braincubes and data; after ``braindock oauth-app
revoke`` the same configuration fails with 401.

2.1.0 can only reach ``https://{domain}`` and ``https://api.{domain}``: its case needs the HTTPS server and
host routing of ``tests/compat/conftest.py`` (``tls_init``, ``default_address_env``); until those exist it is
an expected failure.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.compat import conftest as compat
from tests.conftest import RunningServer, start_server, stop_server

pytestmark = pytest.mark.compat

TOKEN_GETTER = "braincube-token-getter"
TOKEN_GETTER_VERSION = "0.0.2"
#: Its pins (Flask<2, pyopenssl<20) pull Jinja2 2.11, which imports ``soft_unicode`` (gone in MarkupSafe 2.1),
#: and pyOpenSSL 19.1, which calls OpenSSL bindings that cryptography 3.4 dropped.
TOKEN_GETTER_EXTRAS = ("markupsafe<2.1", "cryptography<3.4")
TOKEN_GETTER_RUNNER = compat.SCRIPTS / "token_getter_runner.py"
#: The redirect URI the token getter sends (``LOCALHOST + "token"``).
REDIRECT = "https://localhost:5000/token"
CUBE = "oauth2-plant"
CSV = "timestamp,temperature\n2024-01-01 00:00:00,20.5\n2024-01-01 00:01:00,21.25\n2024-01-01 00:02:00,19.0\n"
#: 2.5.1 pins ``pandas<2``, whose wheels need ``numpy<2``; the runner converts 2.1.0's results with pandas too.


def ensure_token_getter_python() -> Path:
    """Interpreter of ``.compat-venvs/braincube-token-getter-0.0.2`` (:func:`compat.ensure_venv`), installed
    together with :data:`TOKEN_GETTER_EXTRAS` (the package does not import until those are pinned)."""
    return compat.ensure_venv(
        TOKEN_GETTER, TOKEN_GETTER_VERSION, "braincube_token_getter.script", tuple(TOKEN_GETTER_EXTRAS)
    )


@pytest.fixture(scope="module")
def token_getter() -> Path:
    return ensure_token_getter_python()


@dataclass
class Site:
    """A server with alice's braincube, a registered application and how a client process reaches it."""

    server: RunningServer
    client_id: str
    client_secret: str
    mb: int
    domain: str
    #: Extra environment of the token getter's and the connectors' processes.
    env: dict[str, str]
    #: ``verify=`` of the test's browser.
    verify: Any = True


def seed(server: RunningServer, tmp: Path, domain: str, env: dict[str, str], verify: Any = True) -> Site:
    csv_path = tmp / "plant.csv"
    csv_path.write_text(CSV)
    server.cli("account", "create", "alice@example.com", "--password", "alice-password")
    server.cli("account", "create", "bob@example.com", "--password", "bob-password")
    server.cli("braincube", "create", CUBE, "--owner", "alice@example.com")
    server.cli("braincube", "create", "bobs-cube", "--owner", "bob@example.com")
    mb = int(server.cli("memory-base", "import", CUBE, str(csv_path), "--name", "Line 1"))
    lines = server.cli("oauth-app", "create", "Token getter", "--redirect-uri", REDIRECT).splitlines()
    client_id, client_secret = (line.split(" ", 1)[1] for line in lines)
    return Site(server, client_id, client_secret, mb, domain, env, verify)


@pytest.fixture(scope="module")
def http_site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("oauth2-compat")
    server = start_server(tmp / "data")
    try:
        domain = server.url.split("://", 1)[1]
        yield seed(server, tmp, domain, {"BRAINDOCK_TOKEN_GETTER_HTTP": "1"})
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """An HTTPS server reached as ``https://mybraincube.com`` (helpers of the TLS work in ``compat.conftest``)."""
    if not hasattr(compat, "tls_init") or not hasattr(compat, "default_address_env"):
        pytest.fail("tests/compat/conftest.py has no tls_init/default_address_env (HTTPS test server) yet")
    tmp = tmp_path_factory.mktemp("oauth2-compat-tls")
    data_dir = tmp / "data"
    tls = compat.tls_init(data_dir)
    server = start_server(data_dir, env={"BRAINDOCK_BRAINCUBE_DOMAIN": compat.BRAINCUBE_DOMAIN}, tls=tls)
    try:
        yield seed(server, tmp, compat.BRAINCUBE_DOMAIN, compat.default_address_env(server), server.verify)
    finally:
        stop_server(server)


def run_token_getter(python: Path, site: Site, home: Path, *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [str(python), str(TOKEN_GETTER_RUNNER), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(home),
        env={**compat._hermetic_env(home), **site.env},
    )
    if result.returncode != 0:
        raise AssertionError(f"token getter runner {args[0]} failed ({result.returncode}):\n{result.stderr[-5000:]}")
    return json.loads(result.stdout)


def browser_step(site: Site, authorize_url: str) -> str:
    """What the person does in the browser: sign in, allow; returns where the browser is sent."""
    parts = urlsplit(authorize_url)
    # The browser reaches the domain at the server's address (DNS, as far as the test is concerned).
    local = site.server.url + parts.path + "?" + parts.query
    with httpx.Client(follow_redirects=False, timeout=60, verify=site.verify) as client:
        page = client.get(local)
        assert page.status_code == 200 and 'name="password"' in page.text, page.text[:500]
        csrf = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
        form = {"csrf_token": csrf, "action": "login", "email": "alice@example.com", "password": "alice-password"}
        page = client.post(local, data=form)
        assert page.status_code == 200 and "Token getter" in page.text, page.text[:500]
        csrf = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
        answer = client.post(local, data={"csrf_token": csrf, "action": "consent", "decision": "allow"})
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def obtain_token(python: Path, site: Site, workdir: Path) -> dict[str, Any]:
    """The whole token-getter session; returns the ``config.json`` it wrote."""
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    config_dir = str(workdir / "braincube-config")
    run_token_getter(python, site, home, "init", config_dir, site.client_id, site.client_secret, site.domain)

    started = run_token_getter(python, site, home, "authorize", config_dir)
    assert started["status"] == 302
    scheme = "http" if site.env.get("BRAINDOCK_TOKEN_GETTER_HTTP") else "https"
    assert started["location"] == (
        f"{scheme}://{site.domain}/sso-server/vendors/braincube/authorize.jsp?client_id={site.client_id}"
        f"&response_type=code&scope=BASE%20API&redirect_uri={REDIRECT}"
    )
    redirected = browser_step(site, started["location"])
    assert redirected.startswith(REDIRECT + "?code=")

    finished = run_token_getter(python, site, home, "token", config_dir, redirected)
    assert finished["status"] == 302 and finished["location"].endswith("/close")
    config = finished["config"]
    assert config["oauth2_token"].startswith("bdo_"), config
    assert {k: config[k] for k in ("client_id", "client_secret", "domain", "verify")} == {
        "client_id": site.client_id,
        "client_secret": site.client_secret,
        "domain": site.domain,
        "verify": True,
    }
    return config


def connector_cases(config_file: Path, mb: int) -> list[dict[str, Any]]:
    return [
        {"id": "connect", "op": "connect", "args": {"config_file": str(config_file)}},
        {"id": "list", "op": "braincube_list", "args": {}},
        {"id": "mb", "op": "memory_base", "args": {"bc": CUBE, "mb": mb}},
        {"id": "data", "op": "get_data", "args": {"bc": CUBE, "mb": mb, "var_ids": [2_000_002]}},
    ]


VERSIONS = [
    "2.1.0",
    "2.5.1",
    "2.8.0",
]


@pytest.mark.parametrize("version", VERSIONS)
def test_token_getter_token_works_as_oauth2_token(
    version: str, token_getter: Path, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    site: Site = request.getfixturevalue("tls_site" if version == "2.1.0" else "http_site")
    connector = compat.ensure_connector_venv(version)
    config = obtain_token(token_getter, site, tmp_path)

    # The connector reads the token getter's config.json; a self-hosted plain-HTTP server also needs the
    # base URLs of 2.5+ (2.1.0 has none: it uses https://{domain} as the token getter does).
    if version != "2.1.0":
        config = {**config, "sso_base_url": site.server.url, "braincube_base_url": site.server.url}
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    home, cwd = tmp_path / "connector-home", tmp_path / "connector-cwd"
    home.mkdir()
    cwd.mkdir()

    results = compat.run_runner(
        connector, "braincube_connector", connector_cases(config_file, site.mb), cwd, home, site.env
    )
    assert results["connect"].get("ok") == {"braincubes": [CUBE]}, results["connect"]
    assert [bc["name"] for bc in results["list"]["ok"]] == [CUBE]
    assert results["mb"]["ok"]["bcid"] == site.mb and results["mb"]["ok"]["name"] == "Line 1"
    data = results["data"]["ok"]
    assert [str(key) for key in data["keys"]] == ["2000002"]
    assert data["values"] == [[20.5, 21.25, 19.0]]

    # Revoking the application ends the token: the same configuration now fails at get_instance with 401.
    assert site.server.cli("oauth-app", "revoke", site.client_id) == site.client_id
    try:
        refused = compat.run_runner(
            connector, "braincube_connector", connector_cases(config_file, site.mb)[:1], cwd, home, site.env
        )
    finally:
        replace_application(site)
    failure = refused["connect"]["error"]
    assert "requests.exceptions.HTTPError" in failure["mro"] and failure["status"] == 401, failure


def replace_application(site: Site) -> None:
    """Register a new application after a revocation, so the next case of the module has a live one."""
    lines = site.server.cli("oauth-app", "create", "Token getter", "--redirect-uri", REDIRECT).splitlines()
    site.client_id, site.client_secret = (line.split(" ", 1)[1] for line in lines)


def test_token_getter_code_is_single_use(token_getter: Path, http_site: Site, tmp_path: Path) -> None:
    """The token getter's redirect replayed (e.g. a reloaded browser tab): no second token, and the first ends."""
    config = obtain_token(token_getter, http_site, tmp_path)
    me = httpx.get(
        http_site.server.url + "/sso-server/ws/user/me",
        headers={"Authorization": f"Bearer {config['oauth2_token']}"},
        timeout=60,
    )
    assert me.status_code == 200 and me.json()["userEmail"] == "alice@example.com"
    # Same browser step again: a fresh code works; the old one is spent.
    home = tmp_path / "home"
    config_dir = str(tmp_path / "braincube-config")
    started = run_token_getter(token_getter, http_site, home, "authorize", config_dir)
    redirected = browser_step(http_site, started["location"])
    code = parse_qs(urlsplit(redirected).query)["code"][0]
    assert redirected.split("code=")[1] == code
    first = run_token_getter(token_getter, http_site, home, "token", config_dir, redirected)
    assert first["config"]["oauth2_token"].startswith("bdo_")
    second = run_token_getter(token_getter, http_site, home, "token", config_dir, redirected)
    # The token getter logs the failed request and stores no access_token (null).
    assert second["config"]["oauth2_token"] is None
    me = httpx.get(
        http_site.server.url + "/sso-server/ws/user/me",
        headers={"Authorization": f"Bearer {first['config']['oauth2_token']}"},
        timeout=60,
    )
    assert me.status_code == 401
