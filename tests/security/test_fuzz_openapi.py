"""API fuzzing with schemathesis against a live server's ``/openapi.json``.

Every operation of the document gets ``BRAINDOCK_FUZZ_EXAMPLES`` generated cases (default 60: about 5,600
requests for the CI-sized run), sent with valid credentials of the protocol it belongs to (a personal access
token for Braincube and BrainSTEM, a NeuroSpeed customer JWT for NeuroSpeed). Each answer must be

* no 5xx (``not_a_server_error``),
* a status the document declares (``status_code_conformance``),
* of the declared content type and body schema (``content_type_conformance``, ``response_schema_conformance``).

The server is this module's own (fuzzing writes and deletes at random), seeded with one braincube and memory
base, one NeuroSpeed customer and user, so some generated ids hit real records.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from braindock.config import Settings
from braindock.server.app import create_app
from tests.conftest import RunningServer, make_process_frame
from tests.neurospeed.conftest import new_customer

EXAMPLES = int(os.environ.get("BRAINDOCK_FUZZ_EXAMPLES", "60"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CASES: dict[str, int] = {}


@dataclass
class FuzzTarget:
    server: RunningServer
    pat: str
    jwt: str


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    tmp = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        # fuzzed logins fail by the hundred; they must not lock the fuzzer's own client out of the other routes
        patch.setenv("BRAINDOCK_LOGIN_FAILURES_PER_IP", "1000000")
        server = RunningServer.start(tmp / "data")
    try:
        server.cli("account", "create", "fuzz@example.com", "--password", "fuzz-password")
        pat = server.cli("token", "create", "fuzz@example.com")
        server.cli("braincube", "create", "fuzz-cube", "--owner", "fuzz@example.com")
        csv = tmp / "process.csv"
        make_process_frame(rows=200).to_csv(csv, index=False)
        server.cli("memory-base", "import", "fuzz-cube", str(csv), "--name", "Fuzz line")
        customer = new_customer(server)
        customer.create_user("fuzzuser")
        yield FuzzTarget(server, pat, customer.access)
    finally:
        server.stop()


#: The document the app builds, loaded at collection time so pytest gets one test per operation
#: (``schemathesis.pytest.from_fixture`` does not work with pytest 9); the first test proves the live
#: server's ``/openapi.json`` is exactly this document.
DOCUMENT = create_app(Settings.load()).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_live_document_is_the_fuzzed_document(target: FuzzTarget) -> None:
    """The fuzzed document is the live one, with every error status declared (no FastAPI 422)."""
    live = httpx.get(f"{target.server.url}/openapi.json").json()
    assert live == DOCUMENT
    for path, operations in live["paths"].items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)


def _headers(target: FuzzTarget, case: schemathesis.Case) -> dict[str, str]:
    tags = case.operation.tags or []
    if any(tag.startswith("neurospeed") for tag in tags):
        return {"Authorization": f"Bearer {target.jwt}"}
    if case.path.startswith("/braincube/") or case.path == "/sso-server/ws/user/me":
        return {"X-api-key": target.pat}
    return {"Authorization": f"Bearer {target.pat}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api_conforms_to_its_document(case: schemathesis.Case, target: FuzzTarget) -> None:
    key = f"{case.method} {case.path}"
    CASES[key] = CASES.get(key, 0) + 1
    headers = {**(case.headers or {}), **_headers(target, case)}
    response = case.call(base_url=target.server.url, headers=headers)
    case.validate_response(response, checks=CHECKS)


def test_ids_beyond_64_bits_are_4xx(target: FuzzTarget) -> None:
    huge = 2**70
    api = httpx.Client(base_url=target.server.url, headers={"Authorization": f"Bearer {target.jwt}"}, timeout=60)
    with api:
        answers = {
            "insights user_id": api.get("/api/users/settings/insights", params={"user_id": str(huge)}),
            "insight POST user_id": api.post(
                "/api/users/settings/insights/stress_baseline", json={"user_id": huge, "insight_id": "1"}
            ),
            "exporter recorder_id": api.post(
                "/api/gateway/exporter", json={"recorder_id": huge, "exporter_config": {}}
            ),
            "recorder path id": api.get(f"/api/gateway/recorder/{huge}"),
            "exporter path id": api.get(f"/api/gateway/exporter/{huge}"),
            "user delete id": api.delete("/api/users", params={"id": str(huge)}),
        }
    failures = {name: r.status_code for name, r in answers.items() if not 400 <= r.status_code < 500}
    assert not failures, failures


def test_enough_cases_were_generated() -> None:
    """The CI-sized run sends at least 5,000 cases (only checked when every operation was fuzzed)."""
    operations = sum(1 for result in schema.get_all_operations() if result.ok())
    if len(CASES) < operations or EXAMPLES < 60:
        pytest.skip("not a full fuzzing run")
    assert sum(CASES.values()) >= 5000, CASES
