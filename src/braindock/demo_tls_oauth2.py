"""The demo's TLS and OAuth2 tour (``braindock demo``, section 7): HTTPS served by braindock, an OAuth2 login.

What it shows, on the demo's data directory:

1. ``braindock tls init --host 127.0.0.1 --host localhost``: a local CA (reused on later runs) and a server
   certificate; the demo server is restarted with ``--tls-cert``/``--tls-key`` on the same port.
2. ``braindock oauth-app create``: an OAuth2 application registered like the one ``braincube-token-getter`` uses
   (redirect URI ``https://localhost:5000/token``, scope ``BASE API``); an application left by an earlier run is
   revoked first, since its secret was shown only once.
3. The authorization-code flow with PKCE, client side by Authlib's httpx client (``OAuth2Client``); the browser's
   part (sign-in form, consent form, each with its CSRF token) by httpx against braindock's login page.
4. The access token as ``oauth2_token`` in braindock's Braincube SDK over HTTPS (``verify`` = the demo CA),
   a refresh, a revocation (RFC 7009) and the ``401`` the revoked token then gets.

Sections of the documentation: README "TLS" and "Braincube → OAuth2".
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from braindock.config import Settings
from braindock.server_process import ServerProcess

#: The redirect URI of braincube-token-getter 0.0.2 (its local Flask app); nothing needs to listen there: the
#: code is read from the ``Location`` of braindock's redirect, as the token getter reads it from its request.
REDIRECT_URI = "https://localhost:5000/token"
APP_NAME = "demo notebook"
SCOPE = "BASE API"
AUTHORIZE_PATH = "/sso-server/vendors/braincube/authorize.jsp"
TOKEN_PATH = "/sso-server/ws/oauth2/token"
REVOKE_PATH = "/sso-server/ws/oauth2/revoke"
HTTP_TIMEOUT = 60


def _hidden(page: str, name: str) -> str:
    """Value of the hidden form field ``name`` in the HTML ``page`` (the CSRF token of a form)."""
    match = re.search(rf'name="{re.escape(name)}"\s+value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"\s+name="{re.escape(name)}"', page
    )
    if match is None:
        raise RuntimeError(f"the login page has no {name!r} field")
    return match.group(1)


def register_application(cli: Callable[..., str]) -> tuple[str, str, str | None]:
    """Register :data:`APP_NAME` (revoking one left by an earlier run); ``(client_id, client_secret, revoked_id)``."""
    revoked = None
    for line in cli("oauth-app", "list").splitlines():
        fields = line.split("\t")
        if len(fields) >= 7 and fields[1] == APP_NAME and fields[6] == "active":
            revoked = cli("oauth-app", "revoke", fields[0])
    lines = dict(
        line.split(" ", 1) for line in cli("oauth-app", "create", APP_NAME, "--redirect-uri", REDIRECT_URI).splitlines()
    )
    return lines["client_id"], lines["client_secret"], revoked


def browser_login(url: str, email: str, password: str, ca: Path) -> str:
    """What a person does in the browser at the authorization ``url``: sign in, allow; the redirect's ``Location``.

    Raises:
        RuntimeError: a page is not the expected form, or the last answer is not a redirect.
    """
    import httpx

    with httpx.Client(verify=str(ca), follow_redirects=False, timeout=HTTP_TIMEOUT) as browser:
        page = browser.get(url)
        page.raise_for_status()
        form = {"csrf_token": _hidden(page.text, "csrf_token"), "action": "login", "email": email}
        consent = browser.post(url, data={**form, "password": password})
        consent.raise_for_status()
        allowed = browser.post(
            url, data={"csrf_token": _hidden(consent.text, "csrf_token"), "action": "consent", "decision": "allow"}
        )
    if allowed.status_code != 302:
        raise RuntimeError(f"the consent page answered {allowed.status_code}, not a redirect")
    return allowed.headers["location"]


def run_tls_oauth2_tour(
    settings: Settings,
    server: ServerProcess,
    tour: Any,
    cli: Callable[..., str],
    email: str,
    password: str,
    braincube_name: str,
    memory_base: int,
    start_tls_server: Callable[[Path, Path, Path], ServerProcess],
) -> ServerProcess:
    """Section 7 of the demo; stops ``server`` and returns the HTTPS server that replaces it.

    Args:
        settings: the demo's settings (data directory, host, port).
        server: the running plain-HTTP demo server (stopped here).
        tour: the demo's :class:`braindock.demo.Tour` (printing).
        cli: runs ``braindock --data-dir D ARGS`` and returns its stdout (raises on failure).
        email, password: the demo account, which signs in on the login page.
        braincube_name, memory_base: the braincube and memory base read with the OAuth2 token.
        start_tls_server: starts the server on ``settings.port`` with (certificate, key, CA).

    Raises:
        RuntimeError: a step of the flow did not answer as expected.
    """
    from authlib.integrations.httpx_client import OAuth2Client

    from braindock.clients.braincube import braincube, client
    from braindock.clients.braincube.errors import ApiError

    tour.section("7. TLS and OAuth2: HTTPS from braindock itself, an OAuth2 login with PKCE")
    data = settings.data_dir
    had_ca = (data / "tls" / "ca.pem").exists()
    ca = Path(cli("tls", "init", "--host", "127.0.0.1", "--host", "localhost"))
    tour.code(f"braindock --data-dir {data} tls init --host 127.0.0.1 --host localhost   # prints {ca}", "bash")
    tour.say(
        f"  local CA {'reused (clients keep trusting it)' if had_ca else 'created'}: {ca}; server certificate "
        f"{data / 'tls' / 'server.pem'} for 127.0.0.1 and localhost. Clients trust it with "
        f"[bold]REQUESTS_CA_BUNDLE={ca}[/] or verify=..."
    )
    server.stop()
    server = start_tls_server(data / "tls" / "server.pem", data / "tls" / "server-key.pem", ca)
    url = server.url
    tour.say(f"The demo server is restarted on the same data with --tls-cert/--tls-key: [bold]{url}[/]")

    client_id, client_secret, revoked = register_application(cli)
    if revoked:
        tour.say(f"  application {revoked} of an earlier run revoked (its secret was shown only once)")
    tour.code(f'braindock oauth-app create "{APP_NAME}" --redirect-uri {REDIRECT_URI}', "bash")
    tour.say(
        f"  client_id [bold]{client_id}[/], client secret printed once and stored as a SHA-256 digest "
        "(the application braincube-token-getter asks for)"
    )

    verifier = secrets.token_urlsafe(48)
    oauth = OAuth2Client(
        client_id,
        client_secret,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        verify=str(ca),
        timeout=HTTP_TIMEOUT,
    )
    try:
        authorization_url, _state = oauth.create_authorization_url(url + AUTHORIZE_PATH, code_verifier=verifier)
        tour.code(
            "from authlib.integrations.httpx_client import OAuth2Client\n"
            f'oauth = OAuth2Client(CLIENT_ID, CLIENT_SECRET, scope="{SCOPE}", redirect_uri="{REDIRECT_URI}",\n'
            f'                     code_challenge_method="S256", verify="{ca}")\n'
            f'url, state = oauth.create_authorization_url("{url}{AUTHORIZE_PATH}", code_verifier=VERIFIER)\n'
            "# the browser: sign in, allow → redirect to the redirect URI with ?state=...&code=...\n"
            f'token = oauth.fetch_token("{url}{TOKEN_PATH}", authorization_response=REDIRECT, '
            "code_verifier=VERIFIER)"
        )
        location = browser_login(authorization_url, email, password, ca)
        tour.say(f"  signed in as {email} on braindock's login page, allowed; redirected to {location.split('?')[0]}")
        token = oauth.fetch_token(url + TOKEN_PATH, authorization_response=location, code_verifier=verifier)
        tour.say(
            f"  access token {token['access_token'][:10]}… ({token['token_type']}, expires in "
            f"{token['expires_in']} s, scope {token.get('scope', SCOPE)!r}), refresh token "
            f"{token['refresh_token'][:10]}…"
        )

        config = {"oauth2_token": token["access_token"], "sso_base_url": url, "braincube_base_url": url}
        tour.code(
            "from braindock.clients.braincube import braincube, client\n"
            f'client.get_instance(config_dict={{"oauth2_token": ACCESS_TOKEN, "sso_base_url": "{url}",\n'
            f'                                 "braincube_base_url": "{url}", "verify": "{ca}"}})\n'
            f'braincube.get_braincube("{braincube_name}").get_memory_base({memory_base}).get_data([...])'
        )
        client.set_instance(None)
        sdk = client.get_instance(config_dict={**config, "verify": str(ca)})
        try:
            mb = braincube.get_braincube(braincube_name).get_memory_base(memory_base)
            variables = mb.get_variable_list()[:2]
            rows = mb.get_data([v.get_bcid() for v in variables], dataframe=True)
            tour.say(
                f"  over HTTPS with the OAuth2 token: {len(rows):,} rows of "
                + ", ".join(v.get_name() for v in variables)
                + f" from memory base {memory_base} ({mb.get_name()})"
            )
        finally:
            client.set_instance(None)
            sdk.close()

        refreshed = oauth.refresh_token(url + TOKEN_PATH, refresh_token=token["refresh_token"])
        tour.say(
            f"  oauth.refresh_token(...) → new access token {refreshed['access_token'][:10]}…, "
            f"new refresh token {refreshed['refresh_token'][:10]}… (the old one is spent)"
        )
        oauth.revoke_token(url + REVOKE_PATH, token=refreshed["access_token"], token_type_hint="access_token")
        client.set_instance(None)
        try:
            client.get_instance(config_dict={**config, "oauth2_token": refreshed["access_token"], "verify": str(ca)})
            raise RuntimeError("the revoked access token was accepted")
        except ApiError as exc:
            tour.say(
                f"  oauth.revoke_token(...) (RFC 7009); the same token now gets [bold]{exc.status}[/] "
                f"({type(exc).__name__}, also a requests.HTTPError: response.status_code = "
                f"{exc.response.status_code})"
            )
        finally:
            client.set_instance(None)
    finally:
        oauth.close()
    tour.say(
        "The official clients that only know HTTPS addresses work the same way: see README 'TLS' for "
        "braincube-connector's domain configuration and brainstem-python-api-tools 0.2.0's built-in address."
    )
    return server
