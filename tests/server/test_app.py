"""The app shell: health, OpenAPI docs, JSON errors for unknown routes, data directory creation."""

from __future__ import annotations

import httpx

from tests.conftest import RunningServer


def test_health_docs_and_openapi(server: RunningServer) -> None:
    assert httpx.get(server.url + "/healthz").json()["status"] == "ok"
    docs = httpx.get(server.url + "/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = httpx.get(server.url + "/openapi.json").json()["paths"]
    assert "/sso-server/ws/user/me" in paths
    assert "post" in paths["/braincube/{bc}/braincube/mb/{mb}/jobs"]
    assert "post" in paths["/braincube/{bc}/braindata/{source}/LF"]


def test_unknown_routes_and_methods_answer_json(server: RunningServer) -> None:
    missing = httpx.get(server.url + "/no/such/path")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong_method = httpx.delete(server.url + "/sso-server/ws/user/me")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"] == "method_not_allowed"


def test_first_start_creates_the_data_directory(server: RunningServer) -> None:
    assert (server.data_dir / "braindock.sqlite").is_file()
    assert (server.data_dir / "memory-bases").is_dir()
