"""Official clients at their default addresses, over TLS served by braindock itself.

* ``braindock tls init`` writes a CA and a server certificate (SANs, signature, key modes checked here), and
  ``braindock serve --tls-cert/--tls-key`` refuses missing or invalid files with one clear line.
* ``tls_server`` (``tests/compat/conftest.py``) is ``braindock serve --tls-cert server.pem --tls-key
  server-key.pem`` with ``BRAINDOCK_BRAINCUBE_DOMAIN=mybraincube.com``, holding the plant (``tls_plant``).
* The clients run unmodified, with nothing but their documented configuration:
  ``braincube_connector`` 2.5.1 and 2.8.0 with ``{"api_key": ..., "domain": "mybraincube.com"}``, 2.1.0 with
  ``{"domain": "mybraincube.com", "oauth2_token": ...}`` (all it knows), and ``brainstem_api_tools`` 0.2.0 with
  its hard-coded ``https://www.brainstem.org/api/``. They therefore connect to ``https://mybraincube.com/``,
  ``https://api.mybraincube.com/`` and ``https://www.brainstem.org/`` on port 443.

How those names reach the test server: a deployment would add hosts-file entries (or internal DNS records)
pointing them at braindock, and serve on port 443. The test cannot edit the machine's resolver or bind port 443,
so it emulates exactly that *inside the client's process*: ``scripts/hosts_shim/sitecustomize.py`` (put on the
subprocess's ``PYTHONPATH``) wraps ``socket.getaddrinfo`` so that those names, and only those, resolve to
127.0.0.1, and port 443 to the server's random port. Nothing else changes: the URL, the ``Host`` header and the
TLS server name stay ``mybraincube.com`` etc., and the client verifies braindock's certificate against the CA
given in ``REQUESTS_CA_BUNDLE``, as a user who trusts a private CA would.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from cryptography import x509

from braindock.server_process import cli_command
from tests.compat.conftest import (
    BRAINCUBE_DOMAIN,
    CONNECTOR_VERSIONS,
    SCRIPTS,
    BrainstemRunner,
    OfficialClient,
    default_address_env,
    ensure_venv,
)
from tests.conftest import Plant, RunningServer

pytestmark = pytest.mark.compat

BC = "plant-a"


# =============================================================================================
# braindock tls init / serve --tls-*
# =============================================================================================


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(cli_command(data_dir, *args), capture_output=True, text=True, timeout=120)


def sans(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return names.get_values_for_type(x509.DNSName), [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]


def test_tls_init_writes_a_ca_and_a_server_certificate(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = run_cli(
        data_dir, "tls", "init", "--host", "Bc.Example.NET", "--host", "api.bc.example.net", "--host", "10.0.0.5"
    )
    assert first.returncode == 0, first.stderr
    ca_path = data_dir.resolve() / "tls" / "ca.pem"
    assert first.stdout == f"{ca_path}\n"  # stdout: only the CA path, the file clients trust
    assert f"REQUESTS_CA_BUNDLE={ca_path}" in first.stderr and "--tls-cert" in first.stderr
    tls = ca_path.parent
    for key in ("ca-key.pem", "server-key.pem"):
        assert stat.S_IMODE((tls / key).stat().st_mode) == 0o600, key

    ca = x509.load_pem_x509_certificate(ca_path.read_bytes())
    chain = x509.load_pem_x509_certificates((tls / "server.pem").read_bytes())
    assert len(chain) == 2 and chain[1] == ca  # server certificate, then the CA
    server = chain[0]
    server.verify_directly_issued_by(ca)  # raises if the CA did not sign it
    assert sans(server) == (["bc.example.net", "api.bc.example.net"], ["10.0.0.5"])
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False

    # A second run reuses the CA (clients keep trusting it) and issues a new certificate for the new names.
    second = run_cli(data_dir, "tls", "init", "--host", "www.brainstem.org")
    assert second.returncode == 0, second.stderr
    assert "reused the CA" in second.stderr
    assert x509.load_pem_x509_certificate(ca_path.read_bytes()) == ca
    renewed = x509.load_pem_x509_certificates((tls / "server.pem").read_bytes())[0]
    renewed.verify_directly_issued_by(ca)
    assert sans(renewed) == (["www.brainstem.org"], [])
    assert renewed.serial_number != server.serial_number

    # --out-dir puts the files elsewhere; a bad host name is refused without a traceback.
    other = run_cli(data_dir, "tls", "init", "--host", "x.test", "--out-dir", str(tmp_path / "elsewhere"))
    assert other.returncode == 0 and other.stdout.strip() == str(tmp_path / "elsewhere" / "ca.pem")
    bad = run_cli(data_dir, "tls", "init", "--host", "not a host")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip() == "error: --host 'not a host' is not a host name"


def test_serve_refuses_missing_or_invalid_tls_files(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert run_cli(data_dir, "tls", "init", "--host", "localhost").returncode == 0
    tls = data_dir.resolve() / "tls"
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    missing = tmp_path / "missing.pem"
    cases = {
        "missing cert": (
            ["--tls-cert", str(missing), "--tls-key", str(tls / "server-key.pem")],
            f"{missing}: no such file",
        ),
        "missing key": (["--tls-cert", str(tls / "server.pem"), "--tls-key", str(missing)], f"{missing}: no such file"),
        "not a cert": (
            ["--tls-cert", str(garbage), "--tls-key", str(tls / "server-key.pem")],
            f"--tls-cert {garbage}: no PEM certificate in it",
        ),
        "not a key": (
            ["--tls-cert", str(tls / "server.pem"), "--tls-key", str(garbage)],
            f"--tls-key {garbage}: not an unencrypted PEM private key",
        ),
        "other key": (
            ["--tls-cert", str(tls / "server.pem"), "--tls-key", str(tls / "ca-key.pem")],
            "is not the key of the certificate",
        ),
        "cert alone": (["--tls-cert", str(tls / "server.pem")], "--tls-cert and --tls-key go together"),
    }
    for name, (args, message) in cases.items():
        result = run_cli(data_dir, "serve", "--port", "1", *args)
        assert result.returncode == 2, (name, result.returncode, result.stderr)
        assert result.stderr.startswith("error: ") and message in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, name
    # The environment variables are the same settings.
    env = {**os.environ, "BRAINDOCK_TLS_CERT": str(missing), "BRAINDOCK_TLS_KEY": str(tls / "server-key.pem")}
    result = subprocess.run(cli_command(data_dir, "serve"), capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2 and f"--tls-cert {missing}: no such file" in result.stderr


def test_https_server_and_domain_routing(tls_server: RunningServer, tls_plant: Plant) -> None:
    """The server speaks HTTPS only, and splits ``mybraincube.com`` (SSO) from ``api.mybraincube.com`` (API)."""
    assert tls_server.url.startswith("https://127.0.0.1:")
    headers = {"X-api-key": tls_plant.token}
    with httpx.Client(base_url=tls_server.url, verify=tls_server.verify, headers=headers, timeout=30) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        api_path = f"/braincube/{BC}/braincube/mb/{tls_plant.mb}/extended"
        on_api = client.get(api_path, headers={"Host": f"api.{BRAINCUBE_DOMAIN}"})
        assert on_api.status_code == 200 and on_api.json()["bcId"] == tls_plant.mb
        on_sso = client.get(api_path, headers={"Host": BRAINCUBE_DOMAIN})
        assert on_sso.status_code == 404
        assert f"https://api.{BRAINCUBE_DOMAIN}/braincube/" in on_sso.json()["message"]
        me = client.get("/sso-server/ws/user/me", headers={"Host": BRAINCUBE_DOMAIN})
        assert me.status_code == 200 and BC in [a["product"]["name"] for a in me.json()["accessList"]]
        # The pre-2.5 exchange also answers the access list, which 2.1.0 reads instead of calling user/me.
        bearer = {"Authorization": f"Bearer {tls_plant.token}", "Host": BRAINCUBE_DOMAIN}
        opened = client.get("/sso-server/rest/session/openWithToken", headers=bearer)
        assert opened.status_code == 200, opened.text
        assert opened.json()["token"].startswith("bd_s") and opened.json()["accessList"] == me.json()["accessList"]
        session_headers = {"IPLSSOTOKEN": opened.json()["token"], "Host": f"api.{BRAINCUBE_DOMAIN}"}
        with_session = httpx.get(tls_server.url + api_path, headers=session_headers, verify=tls_server.verify)
        assert with_session.json()["bcId"] == tls_plant.mb  # the session token alone opens the API
        wrong = client.get("/sso-server/ws/user/me", headers={"Host": f"api.{BRAINCUBE_DOMAIN}:443"})
        assert wrong.status_code == 404 and f"https://{BRAINCUBE_DOMAIN}/sso-server/" in wrong.json()["message"]
        # Other host names (an IP address, BrainSTEM's) are not the domain's: everything is served there.
        assert client.get(api_path).status_code == 200
        assert client.get(api_path, headers={"Host": "www.brainstem.org"}).status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):  # plain HTTP to the TLS port
        httpx.get(tls_server.url.replace("https://", "http://") + "/healthz", timeout=10)
    with pytest.raises(httpx.ConnectError):  # a client that does not trust braindock's CA
        httpx.get(f"{tls_server.url}/healthz", timeout=10)


# =============================================================================================
# braincube_connector 2.1.0, 2.5.1, 2.8.0 with the documented domain configuration
# =============================================================================================


def documented_config(version: str, token: str) -> dict[str, Any]:
    """The configuration each version's documentation shows, with no base URL."""
    if version == "2.1.0":  # seed 000: the token getter's file; 2.1.0 knows nothing else
        return {"client_id": "app id", "client_secret": "app key", "domain": BRAINCUBE_DOMAIN, "oauth2_token": token}
    return {"api_key": token, "domain": BRAINCUBE_DOMAIN}  # seed 001


@pytest.mark.parametrize("version", CONNECTOR_VERSIONS)
def test_connector_with_only_a_domain(
    version: str, connector_pythons: dict[str, Path], tls_plant: Plant, tls_server: RunningServer, tmp_path: Path
) -> None:
    official = OfficialClient(connector_pythons[version], tmp_path, default_address_env(tls_server), version)
    config_file = tmp_path / "myfile.json"
    config_file.write_text(json.dumps(documented_config(version, tls_plant.token)) + "\n")
    v = tls_plant.vars
    mb = {"bc": BC, "mb": tls_plant.mb}
    wanted = [v["timestamp"], v["speed"], v["recipe"]]
    filters = [{"GREAT": [tls_plant.long_id("speed"), 150]}, {"EQUALS": [tls_plant.long_id("recipe"), ["R1"]]}]
    cases = [
        {"id": "connect", "op": "connect", "args": {"config_file": str(config_file)}},
        {"id": "list", "op": "braincube_list"},
        {"id": "mbs", "op": "memory_base_list", "args": {"bc": BC}},
        {"id": "variables", "op": "variable_list", "args": mb},
        {"id": "data", "op": "get_data", "args": {**mb, "var_ids": wanted, "filters": filters}},
        {"id": "job_data", "op": "job_data", "args": {**mb, "bcid": tls_plant.job}},
        {"id": "user_me", "op": "request_ws", "args": {"path": "sso-server/ws/user/me", "api": False}},
    ]
    results = official.run(cases)
    for case_id in ("connect", "list", "mbs", "variables", "data", "job_data", "user_me"):
        assert "ok" in results[case_id], (version, case_id, results[case_id])
    assert results["connect"]["ok"]["braincubes"] == [BC]
    assert [mb["name"] for mb in results["mbs"]["ok"]] == ["Line 1"]
    assert [var["name"] for var in results["variables"]["ok"]] == list(v)

    frame = tls_plant.sorted_frame()
    selected = frame[(frame.speed > 150) & (frame.recipe == "R1")].reset_index(drop=True)
    data = results["data"]["ok"]
    key = str if version == "2.1.0" else int  # 2.1.0 keys the columns by the id's text
    assert data["keys"] == [key(i) for i in wanted]
    speed = data["values"][1]
    assert speed == [int(x) for x in selected.speed] and len(speed) > 0
    assert data["values"][2] == ["R1"] * len(selected)
    assert data["values"][0] == ["null" if pd.isna(t) else t.strftime("%Y%m%d_%H%M%S") for t in selected.timestamp]
    job = results["job_data"]["ok"]
    job_rows = frame.pressure.between(1.0, 3.0) & ~(frame.temperature > 80) & frame.recipe.isin(["R1", "R2"])
    job_rows &= frame.timestamp.between(pd.Timestamp("2024-01-01 06:00"), pd.Timestamp("2024-01-01 20:00"))
    assert len(job["values"][0]) == int(job_rows.sum()) > 0
    assert results["user_me"]["ok"]["email"] == "alice@example.com"

    # Without braindock's CA the very same client refuses the server: certificates are really verified.
    untrusted = official.run(cases[:1], env={"REQUESTS_CA_BUNDLE": ""})
    assert "requests.exceptions.SSLError" in untrusted["connect"]["error"]["mro"], untrusted
    if version != "2.1.0":
        # Seed 001's "verify": false turns the check off (2.1.0 has no such key), at the price of a warning.
        insecure = {**documented_config(version, tls_plant.token), "verify": False}
        results = official.run(
            [{"id": "connect", "op": "connect", "args": {"config_dict": insecure}}, cases[4]],
            env={"REQUESTS_CA_BUNDLE": ""},
        )
        assert results["connect"]["ok"]["braincubes"] == [BC]
        assert results["data"]["ok"]["values"][1] == speed
        assert any("Unverified HTTPS request" in w for w in results["connect"]["warnings"]), results["connect"]


def test_connector_bad_token_at_the_domain(
    connector_pythons: dict[str, Path], tls_plant: Plant, tls_server: RunningServer, tmp_path: Path
) -> None:
    """A wrong credential fails at ``get_instance`` with 401, whichever login path the version takes."""
    for version in CONNECTOR_VERSIONS:
        official = OfficialClient(connector_pythons[version], tmp_path / version, default_address_env(tls_server))
        config_file = tmp_path / f"{version}.json"
        config_file.write_text(json.dumps(documented_config(version, "bd_not_a_real_token")) + "\n")
        results = official.run([{"id": "connect", "op": "connect", "args": {"config_file": str(config_file)}}])
        failure = results["connect"]["error"]
        assert "requests.exceptions.HTTPError" in failure["mro"] and failure["status"] == 401, (version, failure)


# =============================================================================================
# brainstem_api_tools 0.2.0 at https://www.brainstem.org/api/
# =============================================================================================

DEFAULT_RUNNER = SCRIPTS / "brainstem_default_address_runner.py"
PASSWORD = "tls-bs-password"


class DefaultAddressRunner(BrainstemRunner):
    """0.2.0 through ``scripts/brainstem_default_address_runner.py``: its built-in address, untouched."""

    def command(self, spec: Path, results: Path) -> list[str]:
        return [str(self.python), str(DEFAULT_RUNNER), str(spec), str(results)]


@pytest.fixture(scope="module")
def stem_over_tls(tls_server: RunningServer) -> dict[str, Any]:
    """An account with a password and a token, two projects and three sessions on the TLS server."""
    tag = f"tls{uuid.uuid4().hex[:6]}"
    email = f"tls-bs-{tag}@example.com"
    tls_server.cli("account", "create", email, "--password", PASSWORD)
    token = tls_server.cli("token", "create", email, "--scope", "BRAINSTEM")
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{tls_server.url}/api/private/"
    with httpx.Client(base_url=base, headers=headers, verify=tls_server.verify, timeout=30) as client:

        def create(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = client.post(f"{path}/", json=body)
            assert response.status_code == 201, response.text
            return next(iter(response.json().values()))

        projects = [create("stem/project", {"name": f"{tag}-{name}"}) for name in ("Visual", "Auditory")]
        sessions = [
            create("stem/session", {"name": f"{tag}-Sess-{n}", "projects": [projects[0]["id"]]}) for n in range(3)
        ]
    return {"tag": tag, "email": email, "token": token, "projects": projects, "sessions": sessions}


def test_brainstem_020_with_its_builtin_address(
    tls_server: RunningServer, stem_over_tls: dict[str, Any], tmp_path: Path
) -> None:
    python = ensure_venv("brainstem-python-api-tools", "0.2.0", "brainstem_api_tools")
    runner = DefaultAddressRunner("0.2.0", python, "https://unused.invalid/", tmp_path)
    tag, visual = stem_over_tls["tag"], stem_over_tls["projects"][0]
    env = default_address_env(tls_server, ("www.brainstem.org",))

    def call(case_id: str, method: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"id": case_id, "op": "call", "client": "main", "method": method, "args": list(args), "kwargs": kwargs}

    name = f"{tag}-Created"
    results = runner.run(
        [
            # The seed's first step: BrainstemClient() prompts for email and password (answered by the runner).
            {
                "id": "login",
                "op": "login",
                "as": "main",
                "kwargs": {"username": stem_over_tls["email"], "password": PASSWORD},
            },
            call("projects", "load_model", "project", filters={"name.startswith": tag}, sort=["-name"]),
            call("sessions", "load_model", "session", filters={"name.icontains": f"{tag}-sess-"}, sort=["name"]),
            call("create", "save_model", "session", data={"name": name, "projects": [visual["id"]]}),
            call("find", "load_model", "session", filters={"name.iexact": name.upper()}),
        ],
        env=env,
    )
    login = results["login"]["ok"]
    assert login["address"] == "https://www.brainstem.org/api/"  # the client's own, unpatched
    assert login["token"] and login["token"] in results["_stdout"]
    projects = results["projects"]["ok"]
    assert projects["status"] == 200 and projects["url"].startswith("https://www.brainstem.org/api/private/")
    assert [p["name"] for p in projects["json"]["projects"]] == [f"{tag}-Visual", f"{tag}-Auditory"]
    sessions = results["sessions"]["ok"]["json"]
    assert [s["name"] for s in sessions["sessions"]] == [f"{tag}-Sess-{n}" for n in range(3)]
    assert sessions["count"] == 3
    created = results["create"]["ok"]
    assert created["status"] == 201, created
    session = created["json"]["session"]
    assert session["name"] == name and session["projects"] == [visual["id"]]
    found = results["find"]["ok"]["json"]
    assert [s["id"] for s in found["sessions"]] == [session["id"]]

    # Update, then delete, in a second process logged in with the token the first one received.
    found["sessions"][0]["description"] = "Updated over TLS"
    results = runner.run(
        [
            {"id": "login", "op": "login", "as": "main", "kwargs": {"token": login["token"]}},
            call("update", "save_model", "session", id=session["id"], data={"description": "Updated over TLS"}),
            call("delete", "delete_model", "session", id=session["id"]),
            call("gone", "load_model", "session", id=session["id"]),
        ],
        env=env,
    )
    assert results["update"]["ok"]["json"]["session"]["description"] == "Updated over TLS"
    assert results["delete"]["ok"]["status"] == 204
    assert results["gone"]["ok"]["status"] == 404
    with httpx.Client(verify=tls_server.verify, timeout=30) as direct:  # checked directly on the server
        response = direct.get(
            f"{tls_server.url}/api/private/stem/session/{session['id']}/",
            headers={"Authorization": f"Bearer {stem_over_tls['token']}"},
        )
        assert response.status_code == 404


def test_tls_key_files_are_private_and_a_lost_ca_key_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    tls = data_dir.resolve() / "tls"
    tls.mkdir(parents=True)
    # A pre-existing world-readable key file is rewritten with mode 0600, not left as it was.
    (tls / "server-key.pem").write_text("old")
    (tls / "server-key.pem").chmod(0o644)
    # A symbolic link in place of a key file is not followed (its target stays untouched).
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    (tls / "ca-key.pem").symlink_to(target)
    linked = run_cli(data_dir, "tls", "init", "--host", "localhost")
    assert linked.returncode == 2 and linked.stderr.startswith("error: ") and "ca-key.pem" in linked.stderr
    assert target.read_text() == "keep me" and "Traceback" not in linked.stderr
    (tls / "ca-key.pem").unlink()

    assert run_cli(data_dir, "tls", "init", "--host", "localhost").returncode == 0
    for key in ("ca-key.pem", "server-key.pem"):
        assert stat.S_IMODE((tls / key).stat().st_mode) == 0o600, key
    assert b"PRIVATE KEY" in (tls / "server-key.pem").read_bytes()

    # ca.pem without its key: refused, the CA clients trust is not replaced by a new one.
    ca = (tls / "ca.pem").read_bytes()
    (tls / "ca-key.pem").unlink()
    lost = run_cli(data_dir, "tls", "init", "--host", "localhost")
    assert lost.returncode == 2 and lost.stdout == ""
    assert lost.stderr.startswith("error: ") and "ca-key.pem is missing" in lost.stderr
    assert (tls / "ca.pem").read_bytes() == ca and not (tls / "ca-key.pem").exists()


def test_serve_warns_about_a_readable_tls_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert run_cli(data_dir, "tls", "init", "--host", "127.0.0.1").returncode == 0
    tls = data_dir.resolve() / "tls"
    (tls / "server-key.pem").chmod(0o640)
    server = RunningServer.start(
        data_dir, tls_cert=tls / "server.pem", tls_key=tls / "server-key.pem", tls_ca=tls / "ca.pem"
    )
    try:
        assert httpx.get(server.url + "/healthz", verify=server.verify, timeout=60).status_code == 200
        assert "readable by group or others (mode 0640)" in server.log()
    finally:
        server.stop()
