"""BrainSTEM fixtures on the shared live server (``tests/conftest.py``'s ``server``).

``lab`` creates its accounts once per session directly in the server's metadata store (argon2
hashing and CLI subprocesses are slow), plus an administrator, a token without the BRAINSTEM scope
and a revoked token, and a small shared catalogue (species, strain, setup type, ...) created
through the API by the administrator. ``Api`` is a thin httpx wrapper rooted at ``/api/``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from braindock.config import Settings
from braindock.server.identity.accounts import create_account
from braindock.server.identity.tokens import issue_token, revoke_token
from braindock.server.storage.database import open_database
from tests.conftest import RunningServer

PASSWORD = "correct horse battery"
#: role -> e-mail. ``ada`` owns the test projects; the others get the level their role says.
PEOPLE = {
    "ada": "ada@stem.example",
    "cy": "cy@stem.example",
    "max": "max@stem.example",
    "meg": "meg@stem.example",
    "ben": "ben@stem.example",
    "root": "root@stem.example",
}
_counter = itertools.count(1)


def uniq(prefix: str) -> str:
    """A name no other test uses (names of projects, subjects and sessions are unique server-wide)."""
    return f"{prefix}-{next(_counter):04d}"


class Api:
    """Requests to ``<server>/api/`` with an optional bearer token."""

    def __init__(self, url: str, token: str | None = None, scheme: str = "Bearer") -> None:
        headers = {"Authorization": f"{scheme} {token}"} if token else {}
        self.client = httpx.Client(base_url=f"{url}/api/", headers=headers, timeout=60)

    def get(self, path: str, params: Any = None) -> httpx.Response:
        return self.client.get(path, params=params)

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.client.post(path, json=body if body is not None else {})

    def patch(self, path: str, body: Any = None) -> httpx.Response:
        return self.client.patch(path, json=body if body is not None else {})

    def put(self, path: str, body: Any = None) -> httpx.Response:
        return self.client.put(path, json=body if body is not None else {})

    def delete(self, path: str) -> httpx.Response:
        return self.client.delete(path)

    def create(self, path: str, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        """POST to ``private/<path>/``; assert 201 and return the record under ``key``."""
        response = self.post(f"private/{path}/", body)
        assert response.status_code == 201, response.text
        data = response.json()
        return data[key] if key else next(iter(data.values()))

    def items(self, path: str, params: Any = None, portal: str = "private") -> list[dict[str, Any]]:
        """The records of a list URL (asserting 200)."""
        response = self.get(f"{portal}/{path}/", params)
        assert response.status_code == 200, response.text
        body = response.json()
        return next(value for value in body.values() if isinstance(value, list))


@dataclass
class Lab:
    """The accounts and shared catalogue of the BrainSTEM tests."""

    url: str
    server: RunningServer
    tokens: dict[str, str]
    account_ids: dict[str, int]
    scopeless_token: str
    revoked_token: str
    catalogue: dict[str, str] = field(default_factory=dict)

    def api(self, who: str | None = None) -> Api:
        return Api(self.url, self.tokens[who] if who else None)

    def anonymous(self) -> Api:
        return Api(self.url)


@pytest.fixture(scope="session")
def lab(server: RunningServer) -> Lab:
    database = open_database(Settings.load(server.data_dir).database_url)
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    try:
        with database.session() as session:
            for role, email in PEOPLE.items():
                account = create_account(session, email, PASSWORD)
                account.is_admin = role == "root"
                session.flush()
                ids[role] = account.id
                tokens[role] = issue_token(session, account, ["BRAINSTEM"])[1]
            ben = session.get(type(account), ids["ben"])
            scopeless = issue_token(session, ben, ["BRAINCUBE"])[1]
            revoked_row, revoked = issue_token(session, ben, ["BRAINSTEM"])
            revoke_token(session, revoked_row.public_id)
    finally:
        database.dispose()
    lab = Lab(server.url, server, tokens, ids, scopeless, revoked)
    root = lab.api("root")
    cat = lab.catalogue
    cat["species"] = root.create("taxonomies/species", {"name": "Mus musculus"})["id"]
    cat["strain"] = root.create("taxonomies/strain", {"name": "C57BL/6J", "species": cat["species"]})["id"]
    cat["setuptype"] = root.create("taxonomies/setuptype", {"name": "Open field", "category": "F"})["id"]
    cat["category"] = root.create("taxonomies/behavioralcategory", {"name": "Exploration"})["id"]
    cat["paradigm"] = root.create(
        "taxonomies/behavioralparadigm", {"name": "Open field test", "category": cat["category"]}
    )["id"]
    cat["supplier"] = root.create("resources/supplier", {"name": "Acme Neuro", "website": "acme.example"})["id"]
    cat["journal"] = root.create("dissemination/journal", {"name": "Journal of Tests"})["id"]
    cat["region"] = root.create("taxonomies/brainregion", {"name": "Hippocampus", "acronym": "HIP", "atlas": "AIA"})[
        "id"
    ]
    return lab


@dataclass
class World:
    """A project of ``ada`` shared with ``cy`` (contributor), ``max`` (manager), ``meg`` (member),
    with one record of most stem/modules/personal-attribute models hanging from it.
    """

    project: dict[str, Any]
    subject: dict[str, Any]
    session: dict[str, Any]
    setup: dict[str, Any]
    assay: dict[str, Any]
    behavior: dict[str, Any]
    procedure: dict[str, Any]
    inventory: dict[str, Any]
    collection: dict[str, Any]


@pytest.fixture(scope="session")
def world(lab: Lab) -> World:
    ada = lab.api("ada")
    cat = lab.catalogue
    project = ada.create("stem/project", {"name": uniq("World"), "description": "shared project"})
    members = {
        "users": {
            "cy@stem.example": {"can_change": True},
            "max@stem.example": {"is_manager": True},
            "meg@stem.example": {},
        }
    }
    assert ada.patch(f"private/stem/project/{project['id']}/", members).status_code == 200
    subject = ada.create(
        "stem/subject", {"name": uniq("mouse"), "projects": [project["id"]], "strain": cat["strain"], "sex": "F"}
    )
    session = ada.create("stem/session", {"name": uniq("day1"), "projects": [project["id"]]})
    setup = ada.create("personal_attributes/setup", {"name": "Arena A", "setup_type": cat["setuptype"]})
    assay = ada.create(
        "personal_attributes/behavioralassay",
        {"name": "OF 10 min", "setup_type": cat["setuptype"], "behavioral_paradigm": cat["paradigm"]},
    )
    behavior = ada.create(
        "modules/behavior",
        {
            "session": session["id"],
            "subjects": [subject["id"]],
            "setup": setup["id"],
            "behavioralassay": assay["id"],
            "notes": "10 minutes",
        },
    )
    procedure = ada.create(
        "modules/procedure",
        {"type": "Headpost", "subject": subject["id"], "coordinates_system": "Stereotaxic_BregmaAbsolute"},
    )
    inventory = ada.create("personal_attributes/inventory", {"name": "Freezer 2"})
    collection = ada.create(
        "stem/collection", {"name": uniq("coll"), "project": project["id"], "sessions": [session["id"]]}
    )
    return World(project, subject, session, setup, assay, behavior, procedure, inventory, collection)
