"""The braindock BrainSTEM SDK (``braindock.clients.brainstem``).

* Against the live braindock server of ``tests/conftest.py`` (``server``): token sources, password and
  device logins, CRUD round trips, query parameters, portals, convenience loaders, typed errors,
  DataFrames, and the seed documentation's examples with only the import changed.
* Against tiny local socket servers: retries on 503 and the timeout of a server that never answers.

Accounts are created directly in the server's metadata store (as ``tests/brainstem/conftest.py``
does), with e-mails and record names of their own so this module can share the server with the
BrainSTEM server tests.
"""

from __future__ import annotations

import http.server
import itertools
import json
import os
import socket
import stat
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from braindock.clients.brainstem import (
    MODELS,
    AuthenticationError,
    BadRequestError,
    BrainstemClient,
    BrainstemConnectionError,
    BrainstemError,
    BrainstemHTTPError,
    BrainstemRecords,
    BrainstemResponse,
    BrainstemTimeoutError,
    LoginError,
    MethodNotAllowedError,
    ModelType,
    NotFoundError,
    PermissionDeniedError,
    PortalType,
    ServerError,
    UnauthorizedError,
    to_dataframe,
)
from braindock.config import Settings
from braindock.server.identity.accounts import create_account
from braindock.server.identity.tokens import issue_token
from braindock.server.storage.database import open_database

PASSWORD = "sdk horse battery staple"
PEOPLE = {"owner": "sdk-owner@stem.example", "member": "sdk-member@stem.example", "admin": "sdk-admin@stem.example"}
_counter = itertools.count(1)


def uniq(prefix: str) -> str:
    return f"sdk-{prefix}-{uuid.uuid4().hex[:6]}-{next(_counter):03d}"


@dataclass
class Accounts:
    url: str
    tokens: dict[str, str]
    emails: dict[str, str]

    def client(self, who: str = "owner", **kwargs: Any) -> BrainstemClient:
        return BrainstemClient(token=self.tokens[who], url=self.url, **kwargs)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No token or URL from the developer's environment, and a private cache file."""
    for name in ("BRAINSTEM_API_TOKEN", "BRAINSTEM_TOKEN", "BRAINSTEM_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRAINSTEM_TOKEN_FILE", str(tmp_path / "cfg" / "token"))


@pytest.fixture(scope="module")
def accounts(server) -> Accounts:
    database = open_database(Settings.load(server.data_dir).database_url)
    tokens: dict[str, str] = {}
    try:
        with database.session() as session:
            for role, email in PEOPLE.items():
                account = create_account(session, email, PASSWORD)
                account.is_admin = role == "admin"
                session.flush()
                tokens[role] = issue_token(session, account, ["BRAINSTEM"])[1]
    finally:
        database.dispose()
    return Accounts(server.url, tokens, dict(PEOPLE))


@dataclass
class Data:
    project: dict[str, Any]
    public_project: dict[str, Any]
    sessions: list[dict[str, Any]]
    subject: dict[str, Any]
    strain: str


@pytest.fixture(scope="module")
def data(accounts: Accounts) -> Data:
    with accounts.client() as c:
        c.raise_for_status = True
        project = c.save("project", data={"name": uniq("private"), "description": "sdk private"}).json()["project"]
        c.save("project", id=project["id"], data={"users": {PEOPLE["member"]: {}}})
        public = c.save("project", data={"name": uniq("public-visual"), "description": "neuropixels"}).json()["project"]
        c.save("project", id=public["id"], data={"is_public": True})
        base = uniq("sess")
        sessions = [
            c.save("session", data={"name": f"{base}-{letter}", "projects": [project["id"]], "tags": [tag]}).json()[
                "session"
            ]
            for letter, tag in zip("abcde", ["odd", "even", "odd", "even", "odd"], strict=True)
        ]
    with accounts.client("admin", raise_for_status=True) as admin:
        species_id = admin.save("species", data={"name": uniq("species")}).json()["species"]["id"]
        strain_id = admin.save("strain", data={"name": uniq("strain"), "species": species_id}).json()["strain"]["id"]
    with accounts.client(raise_for_status=True) as c:
        subject = c.save(
            "subject", data={"name": uniq("mouse"), "projects": [project["id"]], "strain": strain_id, "sex": "F"}
        ).json()["subject"]
    return Data(project, public, sessions, subject, strain_id)


# ---------------------------------------------------------------------------------------------
# Pure pieces
# ---------------------------------------------------------------------------------------------


def test_enums_and_model_table() -> None:
    assert PortalType.public == "public" and {p.value for p in PortalType} == {"public", "private", "super"}
    assert ModelType.project_membership_invitation.value == "project_membership_invitation"
    assert ModelType.session == "session"
    two_oh = {"project", "subject", "session", "collection", "cohort", "breeding", "procedure", "behavior"}
    two_oh |= {"dataacquisition", "consumablestock", "strainapproval", "group_membership_request", "user"}
    assert two_oh <= set(MODELS)
    assert MODELS["dataacquisition"].plural == "data_acquisitions"
    assert MODELS["group_membership_invitation"].segment == "groupmembershipinvitation"


def test_unknown_model_portal_and_argument_errors(accounts: Accounts) -> None:
    with accounts.client() as c:
        with pytest.raises(ValueError, match="Unknown model"):
            c.load("nonsense")
        with pytest.raises(ValueError, match="Unknown portal"):
            c.load("project", portal="secret")
        with pytest.raises(ValueError, match="id"):
            c.delete("session")
        with pytest.raises(ValueError, match="load_all"):
            c.load("session", id="x", load_all=True)
        with pytest.raises(TypeError):
            c.load_project(nonsense=1)


def test_to_dataframe_helper_on_plain_bodies() -> None:
    body = {"count": 2, "next": None, "previous": None, "sessions": [{"id": "a", "name": "x"}, {"id": "b"}]}
    frame = to_dataframe(body)
    assert list(frame["id"]) == ["a", "b"] and len(frame) == 2
    assert list(to_dataframe({"session": {"id": "a", "name": "x"}})["name"]) == ["x"]


# ---------------------------------------------------------------------------------------------
# Tokens and logins
# ---------------------------------------------------------------------------------------------


def test_token_from_argument_and_environment(accounts: Accounts, monkeypatch: pytest.MonkeyPatch) -> None:
    with accounts.client() as c:
        assert c.load("project").status_code == 200
        assert c.token == accounts.tokens["owner"]
    monkeypatch.setenv("BRAINSTEM_API_TOKEN", accounts.tokens["member"])
    monkeypatch.setenv("BRAINSTEM_URL", accounts.url)
    with BrainstemClient() as c:
        assert c.token == accounts.tokens["member"]
        assert c.base_url == accounts.url + "/"
        assert c.load("project").ok
    monkeypatch.delenv("BRAINSTEM_API_TOKEN")
    monkeypatch.setenv("BRAINSTEM_TOKEN", accounts.tokens["owner"])
    with BrainstemClient(url=accounts.url) as c:
        assert c.token == accounts.tokens["owner"]


def test_token_from_cache_file(accounts: Accounts, tmp_path: Path) -> None:
    cache = tmp_path / "cfg" / "token"
    cache.parent.mkdir(parents=True)
    cache.write_text(accounts.tokens["owner"] + "\n")
    with BrainstemClient(url=accounts.url, interactive=False) as c:
        assert c.token == accounts.tokens["owner"]
        assert c.load("project").status_code == 200
        assert c.logout() is True
    assert not cache.exists()


def test_no_token_fails_fast_when_not_interactive(accounts: Accounts) -> None:
    with pytest.raises(AuthenticationError, match="No BrainSTEM token"):
        BrainstemClient(url=accounts.url, interactive=False)


def test_password_login_uses_token_endpoint_and_caches(accounts: Accounts, tmp_path: Path) -> None:
    with BrainstemClient(url=accounts.url, email=PEOPLE["owner"], password=PASSWORD) as c:
        assert c.token and c.token not in accounts.tokens.values()
        assert c.load("project").status_code == 200
    cache = tmp_path / "cfg" / "token"
    assert cache.read_text() == c.token
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    with pytest.raises(LoginError, match="Unable to log in"):
        BrainstemClient(url=accounts.url, email=PEOPLE["owner"], password="wrong password")
    with BrainstemClient(url=accounts.url, interactive=False) as cached:  # the cached token is reused
        assert cached.token == c.token


def test_device_login(accounts: Accounts, tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def approve(start: dict[str, Any]) -> None:
        seen.update(start)
        form = {"session": start["session_id"], "email": PEOPLE["member"], "password": PASSWORD, "decision": "approve"}
        answer = httpx.post(accounts.url + "/account/authorize/", data=form, timeout=30)
        assert answer.status_code == 200, answer.text

    with accounts.client("owner", token_file=tmp_path / "device-token") as c:
        token = c.login(prompt=approve, poll_interval=0.05)
        assert token == c.token and token not in accounts.tokens.values()
        assert seen["user_code"] and seen["verification_uri_complete"].startswith(accounts.url)
        assert (tmp_path / "device-token").read_text() == token
        assert c.load("project").status_code == 200

    def deny(start: dict[str, Any]) -> None:
        form = {"session": start["session_id"], "email": PEOPLE["member"], "password": PASSWORD, "decision": "deny"}
        httpx.post(accounts.url + "/account/authorize/", data=form, timeout=30)

    with accounts.client("owner", cache_token=False) as c, pytest.raises(AuthenticationError, match="access_denied"):
        c.login(prompt=deny, poll_interval=0.05)


# ---------------------------------------------------------------------------------------------
# CRUD, query parameters, portals
# ---------------------------------------------------------------------------------------------


def test_save_load_delete_round_trip(accounts: Accounts, data: Data) -> None:
    with accounts.client() as c:
        created = c.save_model("session", data={"name": uniq("rt"), "projects": [data.project["id"]]})
        assert created.status_code == 201 and created.ok
        record = created.json()["session"]
        detail = c.load_model("session", id=record["id"])
        assert detail.status_code == 200 and detail.json()["session"]["name"] == record["name"]
        changed = c.save("session", id=record["id"], data={"description": "changed"})
        assert changed.status_code == 200 and changed.json()["session"]["description"] == "changed"
        gone = c.delete_model("session", id=record["id"])
        assert gone.status_code == 204 and gone.text == ""
        missing = c.load("session", id=record["id"])
        assert missing.status_code == 404 and not missing.ok and not missing


def test_filters_sort_limit_offset_and_load_all(accounts: Accounts, data: Data) -> None:
    names = sorted(s["name"] for s in data.sessions)
    project = data.project["id"]
    with accounts.client() as c:
        body = c.load("session", filters={"projects.id": project}, sort=["-name"]).json()
        assert [s["name"] for s in body["sessions"]] == names[::-1] and body["count"] == 5
        odd = c.load("session", filters={"projects": project, "tags": "odd"}, sort="name").json()["sessions"]
        assert [s["name"] for s in odd] == [names[0], names[2], names[4]]
        page = c.load("session", filters={"projects.id": project}, sort=["name"], limit=2, offset=1).json()
        assert [s["name"] for s in page["sessions"]] == names[1:3] and page["count"] == 5
        every = c.load("session", filters={"projects.id": project}, sort=["name"], limit=2, load_all=True)
        assert isinstance(every, BrainstemRecords) and isinstance(every, dict)
        assert [s["name"] for s in every["sessions"]] == names and every["count"] == 5
        assert every.json() is every and every["next"] is None
        tail = c.load("session", filters={"projects.id": project}, sort=["name"], limit=2, offset=3, load_all=True)
        assert [s["name"] for s in tail["sessions"]] == names[3:]
        ids = [data.sessions[0]["id"], data.sessions[1]["id"]]
        both = c.load("session", filters={"id.in": ids}).json()["sessions"]
        assert {s["id"] for s in both} == set(ids)


def test_include_embeds_related_records(accounts: Accounts, data: Data) -> None:
    with accounts.client() as c:
        body = c.load("session", filters={"name": data.sessions[0]["name"]}, include=["projects"]).json()
        assert body["sessions"][0]["projects"][0]["name"] == data.project["name"]
        detail = c.load("session", id=data.sessions[0]["id"], include=["projects"]).json()["session"]
        assert detail["projects"][0]["id"] == data.project["id"]


def test_public_and_private_portals(accounts: Accounts, data: Data) -> None:
    with accounts.client("member") as c:
        public = c.load_model("project", portal="public").json()["projects"]
        names = {p["name"] for p in public}
        assert data.public_project["name"] in names and data.project["name"] not in names
        private = c.load("project", portal=PortalType.private).json()["projects"]
        assert data.project["name"] in {p["name"] for p in private}
        refused = c.save("project", portal="public", data={"name": uniq("nope")})
        assert refused.status_code == 405
        with pytest.raises(MethodNotAllowedError):
            refused.raise_for_status()


def test_convenience_loaders(accounts: Accounts, data: Data) -> None:
    with accounts.client() as c:
        projects = c.load_project(name=data.project["name"]).json()["projects"]
        assert len(projects) == 1 and isinstance(projects[0]["sessions"][0], dict)  # sessions embedded
        bare = c.load_project(name=data.project["name"], include=[]).json()["projects"][0]
        assert isinstance(bare["sessions"][0], str)
        sessions = c.load_session(projects=data.project["id"], tags="even", sort=["name"]).json()["sessions"]
        assert [s["name"] for s in sessions] == sorted(s["name"] for s in data.sessions)[1::2]
        subject = c.load_subject(id=data.subject["id"]).json()["subject"]
        assert subject["name"] == data.subject["name"]
        subjects = c.load_subject(projects=data.project["id"], sex="F", load_all=True)
        assert [s["id"] for s in subjects["subjects"]] == [data.subject["id"]]
        strains = c.load_strain(portal="public", id=data.strain).json()["strain"]
        assert strains["id"] == data.strain
        assert c.load_behavior(session=data.sessions[0]["id"]).json()["behaviors"] == []


def test_to_dataframe(accounts: Accounts, data: Data) -> None:
    with accounts.client() as c:
        frame = c.load("session", filters={"projects.id": data.project["id"]}, sort=["name"]).to_dataframe()
        assert isinstance(frame, pd.DataFrame) and len(frame) == 5
        assert list(frame["name"]) == sorted(s["name"] for s in data.sessions)
        merged = c.load_session(projects=data.project["id"], include=[], load_all=True, limit=2).to_dataframe()
        assert len(merged) == 5 and {"id", "name", "projects"} <= set(merged.columns)
        with pytest.raises(NotFoundError):
            c.load("session", id=str(uuid.uuid4())).to_dataframe()


def test_enum_arguments_actions_approvals_and_super_portal(accounts: Accounts, data: Data) -> None:
    with accounts.client("member") as member:
        pending = member.save(ModelType.species, data={"name": uniq("species")})
        assert pending.status_code == 201
        approval = pending.json()["species_approval"]
        assert approval["status"] == "Pending"
        assert member.load("species", portal=PortalType.super).status_code == 403
    with accounts.client("admin", raise_for_status=True) as admin:
        listed = admin.load("speciesapproval", filters={"id": approval["id"]}).json()["species_approvals"]
        assert [a["id"] for a in listed] == [approval["id"]]
        assert admin.save("speciesapproval", id=approval["id"], options="accept").status_code == 200
        accepted = admin.load("speciesapproval", id=approval["id"]).json()["species_approval"]
        assert accepted["status"] == "Accepted"
        assert admin.load("project", portal="super", filters={"id": data.project["id"]}).json()["count"] == 1
        raw = admin.load("species", app="taxonomies", filters={"name": approval["name"]}).json()["species"]
        assert len(raw) == 1
    with accounts.client() as c, pytest.raises(ValueError, match="options"):
        c.save("speciesapproval", options="accept")


def test_filter_value_encoding_and_fixed_loader_mappings(accounts: Accounts, data: Data) -> None:
    with accounts.client(raise_for_status=True) as c:
        public = c.load("project", filters={"is_public": True, "id": data.public_project["id"]}).json()
        assert [p["id"] for p in public["projects"]] == [data.public_project["id"]]
        assert c.load("project", filters={"is_public": False, "id": data.public_project["id"]}).json()["count"] == 0
        assert c.load_publication(name="no such title").json()["publications"] == []  # title.icontains
        assert c.load_laboratory(name="no such institute").json()["laboratories"] == []  # institution.icontains
        capped = c.load("session", filters={"projects.id": data.project["id"]}, limit=250, load_all=True)
        assert capped["count"] == 5 and len(capped["sessions"]) == 5


def test_interactive_construction_runs_the_device_login(accounts: Accounts, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def fake_device_login(http: httpx.Client, api_base: str, **kwargs: Any) -> str:
        calls.append({"api_base": api_base, **kwargs})
        return accounts.tokens["owner"]

    monkeypatch.setattr("braindock.clients.brainstem.auth.device_login", fake_device_login)
    with BrainstemClient(url=accounts.url, interactive=True, headless=True) as c:
        assert c.token == accounts.tokens["owner"] and c.load("project").ok
    assert calls[0]["api_base"] == accounts.url + "/api/" and calls[0]["headless"] is True


# ---------------------------------------------------------------------------------------------
# Typed errors
# ---------------------------------------------------------------------------------------------


def test_responses_are_returned_by_default_and_raise_on_demand(accounts: Accounts, data: Data) -> None:
    with accounts.client() as c:
        bad = c.save("session", data={"name": uniq("bad"), "projects": data.project["id"]})
        assert isinstance(bad, BrainstemResponse) and bad.status_code == 400
        assert "projects" in bad.json()
        with pytest.raises(BadRequestError) as caught:
            bad.raise_for_status()
        assert "projects" in caught.value.field_errors and caught.value.status == 400
    with accounts.client(raise_for_status=True) as c:
        with pytest.raises(BadRequestError) as caught:
            c.save("session", data={"description": "no name"})
        error = caught.value
        assert isinstance(error, BrainstemHTTPError) and isinstance(error, BrainstemError)
        assert error.field_errors["name"] and error.field_errors["projects"]
        assert "name" in str(error) and error.method == "POST"
        with pytest.raises(NotFoundError, match="Not found"):
            c.load("session", id=str(uuid.uuid4()))
        with pytest.raises(BadRequestError, match="nosuchfield"):
            c.load("session", filters={"nosuchfield": 1})


def test_401_and_403(accounts: Accounts, data: Data) -> None:
    with BrainstemClient(token="not-a-token", url=accounts.url) as c:
        answer = c.load("session")
        assert answer.status_code == 401 and "detail" in answer.json()
        with pytest.raises(UnauthorizedError) as caught:
            answer.raise_for_status()
        assert isinstance(caught.value, AuthenticationError) and caught.value.detail
        with pytest.raises(AuthenticationError, match="invalid or expired"):  # 2.0.0: load_all raises on 401
            c.load("session", load_all=True)
        assert c.load("project", portal="public").status_code == 200  # public ignores the bad token
    with accounts.client("member", raise_for_status=True) as c:
        assert c.load("project", id=data.project["id"]).ok  # a member may read...
        with pytest.raises(PermissionDeniedError) as caught:  # ...but not change
            c.save("project", id=data.project["id"], data={"description": "member edit"})
        assert caught.value.status == 403 and caught.value.detail


# ---------------------------------------------------------------------------------------------
# The seed documentation (002_cfaf69034d561348.txt), only the import changed
# ---------------------------------------------------------------------------------------------


def test_seed_examples(accounts: Accounts, data: Data, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The seed's snippets verbatim; the server is chosen by ``$BRAINSTEM_URL``, the token by a ``.env`` file."""
    from dotenv import load_dotenv

    monkeypatch.setenv("BRAINSTEM_URL", accounts.url)
    (tmp_path / ".env").write_text(f"BRAINSTEM_API_TOKEN={accounts.tokens['owner']}\n")
    load_dotenv(tmp_path / ".env")  # the seed calls load_dotenv() from the script's directory
    client = BrainstemClient(token=os.getenv("BRAINSTEM_API_TOKEN"))
    client.close()
    token = accounts.tokens["owner"]
    client = BrainstemClient(token=token)
    client.close()
    client = BrainstemClient()  # token from the environment (a cached token would do too)

    public_projects = client.load_model("project", portal="public").json()
    projects = public_projects.get("projects", [])
    assert projects and projects[0]["name"]
    private_sessions = client.load_model("session").json()
    assert private_sessions.get("sessions", [])[0]["name"]
    filtered = client.load_model("project", portal="public", filters={"name.icontains": "visual"}).json()["projects"]
    assert data.public_project["name"] in [p["name"] for p in filtered]
    filtered = client.load_model(
        "project", portal="public", filters={"name.icontains": "public", "description.icontains": "neuropixels"}
    ).json()["projects"]
    assert data.public_project["name"] in [p["name"] for p in filtered]
    alpha = client.load_model("project", portal="public", sort=["name"]).json()["projects"]
    reverse = client.load_model("project", portal="public", sort=["-name"]).json()["projects"]
    assert [p["name"] for p in alpha] == sorted(p["name"] for p in alpha) and len(alpha) == len(reverse)
    assert [p["name"] for p in reverse] == sorted((p["name"] for p in reverse), reverse=True)

    payload = {"name": uniq("Example Session"), "projects": [data.project["id"]], "description": "Created via API tool"}
    created = client.save_model("session", data=payload).json()
    assert "session" in created
    session_id = created["session"]["id"]

    filtered_session = client.load_model("session", filters={"name.iexact": payload["name"].upper()}).json()
    filtered_session["description"] = "Updated via API"
    updated_session = client.save_model("session", id=filtered_session["sessions"][0]["id"], data=filtered_session)
    assert updated_session.json()["session"]["description"] == "Updated via API"

    response = client.delete_model("session", id=session_id)
    assert response.status_code == 204
    client.close()


# ---------------------------------------------------------------------------------------------
# Retries and timeouts against local sockets
# ---------------------------------------------------------------------------------------------


class _Flaky(http.server.BaseHTTPRequestHandler):
    """Answers 503 to the first ``failures`` requests, then 200 with a list envelope."""

    failures = 2
    seen: list[str] = []

    def _answer(self) -> None:
        type(self).seen.append(f"{self.command} {self.path} {self.headers.get('Authorization')}")
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if len(type(self).seen) <= type(self).failures:
            body, status = b'{"detail": "busy"}', 503
        else:
            body, status = json.dumps({"count": 0, "next": None, "previous": None, "projects": []}).encode(), 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[tuple[str, type[_Flaky]]]:
    handler = type("Handler", (_Flaky,), {"seen": [], "failures": 2})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def test_retries_on_503_then_succeeds(flaky: tuple[str, type[_Flaky]]) -> None:
    url, handler = flaky
    with BrainstemClient(token="t0k", url=url, backoff_factor=0.01) as c:
        answer = c.load("project", filters={"name": "x"})
        assert answer.status_code == 200 and answer.json()["projects"] == []
    assert len(handler.seen) == 3
    assert handler.seen[0].startswith("GET /api/private/stem/project/?filter%7Bname%7D=x")
    assert "Bearer t0k" in handler.seen[0]


def test_retries_exhausted_and_post_not_retried(flaky: tuple[str, type[_Flaky]]) -> None:
    url, handler = flaky
    with BrainstemClient(token="t", url=url, retries=1, backoff_factor=0.01, raise_for_status=True) as c:
        with pytest.raises(ServerError) as caught:
            c.load("project")
        assert caught.value.status == 503 and caught.value.detail == "busy"
        assert len(handler.seen) == 2
    handler.seen.clear()
    with BrainstemClient(token="t", url=url, backoff_factor=0.01) as c:
        assert c.save("project", data={"name": "x"}).status_code == 503  # POST is not idempotent
        assert len(handler.seen) == 1


def test_timeout_of_a_silent_server() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with BrainstemClient(token="t", url=url, timeout=0.3, retries=1, backoff_factor=0) as c:
            with pytest.raises(BrainstemTimeoutError) as caught:
                c.load("project")
            assert isinstance(caught.value, TimeoutError)
        assert len(accepted) == 2  # first attempt + one retry (GET is idempotent)
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_connection_refused_is_a_typed_error() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there any more
    with BrainstemClient(token="t", url=f"http://127.0.0.1:{port}", retries=1, backoff_factor=0) as c:
        with pytest.raises(BrainstemConnectionError) as caught:
            c.load("project")
        assert isinstance(caught.value, ConnectionError) and isinstance(caught.value, BrainstemError)
