"""Persistent HIA ids of the NeuroSpeed SDK (``braindock.clients.neurospeed.auth.hia_ids``; neurospeed.md 1.7).

Constructing ``Auth_AS_User_Handler`` does not talk to the server, so these tests need none: they check the id
file and its locks, across handlers of one process and across processes.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from braindock.clients.neurospeed import Auth_AS_User_Handler
from braindock.clients.neurospeed.auth import hia_ids

URL = "http://127.0.0.1:9"


def handler(username: str = "alice") -> Auth_AS_User_Handler:
    config = {"account_id": "acct-1", "username": username, "user_password": "pw"}
    return Auth_AS_User_Handler(config, url=URL)


@pytest.fixture
def id_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ids.json"
    monkeypatch.setenv(hia_ids.ENV, str(path))
    return path


def test_the_id_survives_the_handler_and_concurrent_handlers_get_their_own(id_file: Path) -> None:
    first = handler()
    first_id = first.get_hia_id()
    assert len(first_id) == 6 and first_id.isalnum() and first_id.upper() == first_id
    second = handler()  # the first still holds its id
    assert second.get_hia_id() != first_id
    assert handler("bob").get_hia_id() not in (first_id, second.get_hia_id())
    stored = json.loads(id_file.read_text())
    assert stored[f"{URL}/api|acct-1|alice"] == [first_id, second.get_hia_id()]

    del first, second
    gc.collect()  # the claims are released with their handlers
    assert handler().get_hia_id() == first_id  # "next run": the same identity again
    assert handler().get_hia_id() == json.loads(id_file.read_text())[f"{URL}/api|acct-1|alice"][1]


def test_another_process_does_not_take_a_held_id(id_file: Path) -> None:
    held = handler()
    script = (
        "from braindock.clients.neurospeed import Auth_AS_User_Handler as H;"
        f"print(H({{'account_id': 'acct-1', 'username': 'alice', 'user_password': 'pw'}}, url={URL!r}).get_hia_id())"
    )

    def other_process() -> str:
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    other = other_process()
    assert other != held.get_hia_id()
    held.hia_id_claim.release()
    assert other_process() == held.get_hia_id()


def test_an_explicit_hia_id_is_kept_and_off_means_a_new_id_each_time(
    id_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {"account_id": "acct-1", "username": "alice", "user_password": "pw", "HIA_ID": "LAB3PC"}
    explicit = Auth_AS_User_Handler(config, url=URL)
    assert explicit.get_hia_id() == "LAB3PC" and explicit.hia_id_claim is None
    monkeypatch.setenv(hia_ids.ENV, "off")
    ids = {handler().get_hia_id() for _ in range(5)}
    assert len(ids) == 5  # 36**6 possibilities: a repeat would be a defect, not luck
    assert not id_file.exists()
