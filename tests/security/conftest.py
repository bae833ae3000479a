"""Tenants of the security suite on the shared live server (``tests/conftest.py``'s ``server``).

``tenants`` builds, once per session, two of everything with real data, so probes can aim at a *victim*
with the credentials of an *intruder*:

* Braincube: ``plant`` (alice: braincube ``plant-a``, a memory base, a data group, events, a job, a rule) and
  bob with ``plant-b`` and a memory base of his own;
* BrainSTEM: two accounts, each with a private project, subject and session (the victim also has a public
  project, for the public portal), plus a personal-attribute record and a module record of the victim;
* NeuroSpeed: two customers with two users each; the victim has a stopped recorder with packets and an
  exported exporter.

It also forges the foreign credentials of the matrix: revoked and expired braindock tokens, a PAT with the
victim's public id and a wrong secret, NeuroSpeed JWTs that expired (signed with the server's key) or are
signed with another key.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from braindock.config import Settings
from braindock.server.identity.accounts import create_account, get_account
from braindock.server.identity.tokens import issue_token, revoke_token
from braindock.server.storage.database import open_database
from tests.brainstem.conftest import Api
from tests.conftest import Plant, RunningServer
from tests.neurospeed.conftest import (
    Customer,
    User,
    barrier,
    connected_hia,
    create_recorder,
    eeg_sensor,
    new_customer,
    put_status,
    rows,
    send,
)

BRAINSTEM_PASSWORD = "stem-security-password"
EXPORT_CONFIG = {
    "custom_name": "victim-export",
    "start_timestamp_mode": "start",
    "end_timestamp_mode": "end",
    "stream_ids": [],
    "is_all_streams": True,
    "is_all_columns": True,
    "selected_columns": [],
}


@dataclass
class StemTenant:
    """A BrainSTEM account with private records (``records``: model path → record)."""

    email: str
    token: str
    records: dict[str, dict[str, Any]]


@dataclass
class Tenants:
    """Victims and intruders of every protocol, and forged credentials.

    ``markers`` are strings only the victim's data contains (names, e-mails): a denied probe's body must
    contain none of them.
    """

    server: RunningServer
    plant: Plant
    bob_mb: int
    bc: dict[str, str]  # braincube credentials of/against alice: see ``tenants``
    stem_victim: StemTenant
    stem_intruder: StemTenant
    stem_public_project: dict[str, Any]
    stem_bad: dict[str, str]
    ns_victim: Customer
    ns_intruder: Customer
    ns_victim_users: list[User]
    ns_intruder_users: list[User]
    ns_recorder: dict[str, Any]
    ns_exporter: dict[str, Any]
    ns_bad: dict[str, str]
    markers: dict[str, list[str]] = field(default_factory=dict)


def _stem_tenant(server: RunningServer, token_scopes: list[str], admin: bool = False) -> tuple[str, str, int]:
    email = f"stem-{uuid.uuid4().hex[:10]}@security.example"
    database = open_database(Settings.load(server.data_dir).database_url)
    try:
        with database.session() as session:
            account = create_account(session, email, BRAINSTEM_PASSWORD)
            account.is_admin = admin
            token = issue_token(session, account, token_scopes)[1]
            return email, token, account.id
    finally:
        database.dispose()


def _stem_records(url: str, token: str, tag: str, strain: str) -> dict[str, dict[str, Any]]:
    api = Api(url, token)
    project = api.create("stem/project", {"name": f"{tag}-project", "description": f"{tag} private plan"})
    subject = api.create(
        "stem/subject", {"name": f"{tag}-mouse", "projects": [project["id"]], "sex": "F", "strain": strain}
    )
    session = api.create("stem/session", {"name": f"{tag}-session", "projects": [project["id"]]})
    inventory = api.create("personal_attributes/inventory", {"name": f"{tag}-freezer"})
    procedure = api.create(
        "modules/procedure",
        {"type": "Headpost", "subject": subject["id"], "coordinates_system": "Stereotaxic_BregmaAbsolute"},
    )
    return {
        "stem/project": project,
        "stem/subject": subject,
        "stem/session": session,
        "personal_attributes/inventory": inventory,
        "modules/procedure": procedure,
    }


def _braindock_tokens(server: RunningServer, email: str) -> dict[str, str]:
    """Tokens of ``email``: BRAINSTEM-only, BRAINCUBE-only, revoked, expired session, wrong secret."""
    database = open_database(Settings.load(server.data_dir).database_url)
    try:
        with database.session() as session:
            account = get_account(session, email)
            stem_only = issue_token(session, account, ["BRAINSTEM"])[1]
            cube_only = issue_token(session, account, ["BRAINCUBE", "SSO_READ"])[1]
            revoked_row, revoked = issue_token(session, account)
            revoke_token(session, revoked_row.public_id)
            expired = issue_token(session, account, kind="session", lifetime=timedelta(seconds=-60))[1]
            expired_pat = issue_token(session, account, lifetime=timedelta(seconds=-60))[1]
            real_row, _ = issue_token(session, account)
            forged = f"bd_p{real_row.public_id}_{secrets.token_urlsafe(32)}"
    finally:
        database.dispose()
    return {
        "stem_only": stem_only,
        "cube_only": cube_only,
        "revoked": revoked,
        "expired_session": expired,
        "expired_pat": expired_pat,
        "forged": forged,
    }


def _jwts(server: RunningServer, customer: Customer) -> dict[str, str]:
    """Expired (server key), other-key, ``alg: none`` and refresh-as-access variants of ``customer``'s token."""
    claims = jwt.decode(customer.access, options={"verify_signature": False})
    key = bytes.fromhex((Path(server.data_dir) / "neurospeed-jwt.key").read_text().strip())
    now = datetime.now(UTC)
    expired = jwt.encode(
        {**claims, "iat": now - timedelta(days=2), "exp": now - timedelta(hours=1)}, key, algorithm="HS256"
    )
    other_key = jwt.encode({**claims, "exp": now + timedelta(hours=1)}, secrets.token_bytes(64), algorithm="HS256")
    unsigned = jwt.encode({**claims, "exp": int((now + timedelta(hours=1)).timestamp())}, None, algorithm="none")
    return {"expired": expired, "forged": other_key, "unsigned": unsigned, "refresh": customer.refresh}


def _record_and_export(customer: Customer, user: User) -> tuple[dict[str, Any], dict[str, Any]]:
    sockets: list[Any] = []
    try:
        hia = connected_hia(user, eeg_sensor("EEG_VICTIM"), sockets.append)
        recorder = create_recorder(customer, user, name="victim-recording")
        send(hia, "EEG_VICTIM", rows(1.0, 1), "victim-label")
        barrier(hia)
        assert put_status(customer, recorder["id"], "stopped").status_code == 200
    finally:
        for socket in sockets:
            socket.close()
    with customer.http() as api:
        body = {"recorder_id": recorder["id"], "exporter_config": EXPORT_CONFIG}
        response = api.post("/gateway/exporter", json=body)
        assert response.status_code == 201, response.text
        exporter = response.json()
        deadline = time.monotonic() + 120
        while exporter["status"] == "exporting" and time.monotonic() < deadline:
            time.sleep(0.2)
            exporter = api.get(f"/gateway/exporter/{exporter['id']}").json()
    assert exporter["status"] == "exported", exporter
    return recorder, exporter


@pytest.fixture(scope="session")
def tenants(server: RunningServer, plant: Plant) -> Tenants:
    # Braincube: bob gets a memory base of his own (same columns, so ids and names overlap only by design).
    bob_mb = int(server.cli("memory-base", "import", "plant-b", str(plant.csv_path), "--name", "Bob line"))
    bc = _braindock_tokens(server, "alice@example.com")

    tag_v, tag_i = f"victim{uuid.uuid4().hex[:8]}", f"intruder{uuid.uuid4().hex[:8]}"
    root = Api(server.url, _stem_tenant(server, ["BRAINSTEM"], admin=True)[1])
    species = root.create("taxonomies/species", {"name": f"Species {uuid.uuid4().hex[:8]}"})["id"]
    strain = root.create("taxonomies/strain", {"name": f"Strain {uuid.uuid4().hex[:8]}", "species": species})["id"]
    v_email, v_token, _ = _stem_tenant(server, ["BRAINSTEM"])
    i_email, i_token, _ = _stem_tenant(server, ["BRAINSTEM"])
    victim = StemTenant(v_email, v_token, _stem_records(server.url, v_token, tag_v, strain))
    intruder = StemTenant(i_email, i_token, _stem_records(server.url, i_token, tag_i, strain))
    public_project = Api(server.url, v_token).create(
        "stem/project", {"name": f"published-{uuid.uuid4().hex[:8]}", "description": "published", "is_public": True}
    )
    stem_bad = _braindock_tokens(server, v_email)

    ns_victim, ns_intruder = new_customer(server), new_customer(server)
    victim_users = [ns_victim.create_user(f"{tag_v}-u{i}") for i in (1, 2)]
    intruder_users = [ns_intruder.create_user(f"{tag_i}-u{i}") for i in (1, 2)]
    recorder, exporter = _record_and_export(ns_victim, victim_users[0])
    ns_bad = _jwts(server, ns_victim)
    ns_bad["victim_pat"] = bc["cube_only"]

    markers = {
        "braincube": ["alice@example.com", "Process block", "Pressure study", "Keep temperature below 90", "Line 1"],
        "brainstem": [v_email, tag_v],
        "neurospeed": [ns_victim.email, tag_v, "victim-recording", "victim-export"],
    }
    return Tenants(
        server=server,
        plant=plant,
        bob_mb=bob_mb,
        bc=bc,
        stem_victim=victim,
        stem_intruder=intruder,
        stem_public_project=public_project,
        stem_bad=stem_bad,
        ns_victim=ns_victim,
        ns_intruder=ns_intruder,
        ns_victim_users=victim_users,
        ns_intruder_users=intruder_users,
        ns_recorder=recorder,
        ns_exporter=exporter,
        ns_bad=ns_bad,
        markers=markers,
    )


def leaks(body: str, markers: list[str]) -> list[str]:
    """The markers ``body`` contains (case-insensitive)."""
    lowered = body.lower()
    return [marker for marker in markers if marker.lower() in lowered]


def http(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=60)
