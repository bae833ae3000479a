"""Braincubes told apart by host name, ``{braincube-name}.<suffix>`` (``braincube.md`` 1.5; issue 2 leftover).

A dedicated server runs with ``BRAINDOCK_BRAINCUBE_HOST_SUFFIX``. Requests go to 127.0.0.1 with the ``Host``
header a placeholder-mode client sends; every answer is compared with the same request in the normal layout.
"""

from __future__ import annotations

import json

import httpx
import pandas as pd

from tests.conftest import HostRouted, RunningServer


def get(server: RunningServer, token: str, path: str, host: str | None = None) -> httpx.Response:
    headers = {"X-api-key": token, **({"Host": host} if host else {})}
    return httpx.get(server.url + path, headers=headers, timeout=30)


def test_web_services_answer_by_host_name_as_in_the_normal_layout(host_routed: HostRouted) -> None:
    server, token, mb = host_routed.server, host_routed.token, host_routed.mb
    host = host_routed.host("plant-a")
    for path in (
        "/braincube/mb/all/summary?offset=0&size=150",
        f"/braincube/mb/{mb}/extended",
        f"/braincube/mb/{mb}/variables/summary?offset=0&size=150",
    ):
        routed_answer = get(server, token, path, host)
        normal = get(server, token, "/braincube/Plant-A" + path)
        assert routed_answer.status_code == normal.status_code == 200, (path, routed_answer.text)
        assert routed_answer.json() == normal.json()
    listing = get(server, token, "/braincube/mb/all/summary?offset=0&size=150", host).json()
    names = [item["name"] for item in listing["items"]]
    assert names == ["Line 1"]


def test_braindata_answers_by_host_name_as_in_the_normal_layout(host_routed: HostRouted) -> None:
    server, token, mb = host_routed.server, host_routed.token, host_routed.mb
    host = host_routed.host("PLANT-A")  # host names are case-insensitive
    info = get(server, token, f"/braindata/mb{mb}/simple", host)
    assert info.status_code == 200, info.text
    assert info.json() == get(server, token, f"/braincube/Plant-A/braindata/mb{mb}/simple").json()
    variables = get(server, token, f"/braincube/mb/{mb}/variables/summary?offset=0&size=150", host).json()
    by_name = {item["standard"]: item["bcId"] for item in variables["items"]}
    body = {
        "order": f"mb{mb}/d{by_name['timestamp']}",
        "definitions": [f"mb{mb}/d{by_name[name]}" for name in ("timestamp", "temperature")],
        "context": {"dataSource": f"mb{mb}"},
    }
    headers = {"X-api-key": token, "Host": host}
    answer = httpx.post(f"{server.url}/braindata/mb{mb}/LF", content=json.dumps(body), headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    normal = httpx.post(
        f"{server.url}/braincube/Plant-A/braindata/mb{mb}/LF",
        content=json.dumps(body),
        headers={"X-api-key": token},
        timeout=30,
    )
    assert answer.json() == normal.json()
    datadefs = {d["id"]: d["data"] for d in answer.json()["datadefs"]}
    temperatures = datadefs[f"mb{mb}/d{by_name['temperature']}"]
    source = pd.read_csv(host_routed.csv_path)
    assert len(temperatures) == len(source) == 300


def test_host_routing_keeps_access_rules_and_names_unknown_braincubes(host_routed: HostRouted) -> None:
    server, token = host_routed.server, host_routed.token
    path = "/braincube/mb/all/summary?offset=0&size=150"
    foreign = get(server, token, path, host_routed.host("plant-d"))
    assert foreign.status_code == 403 and "plant-d" in foreign.text
    unknown = get(server, token, path, host_routed.host("no-such-cube"))
    assert unknown.status_code == 404 and "no-such-cube" in unknown.text
    # Another host name: the normal layout, where this path is no route at all.
    other = get(server, token, path, "plant-a.elsewhere.test")
    assert other.status_code == 404 and "items" not in other.json()
    assert get(server, "not-a-token", path, host_routed.host("plant-a")).status_code == 401


def test_names_differing_only_in_case_are_refused_and_a_braincube_named_mb_keeps_its_paths(
    host_routed: HostRouted,
) -> None:
    server = host_routed.server
    refused = server.cli_result("braincube", "create", "PLANT-A", "--owner", "carol@example.com")
    assert refused.returncode != 0 and "already exists as 'Plant-A'" in refused.stderr
    server.cli("braincube", "create", "mb", "--owner", "dave@example.com")  # dave's: carol's list stays as it is
    dave = server.cli("token", "create", "dave@example.com")
    # the normal layout of braincube "mb" is never taken for a placeholder path, whatever the host
    normal_path = "/braincube/mb/braincube/mb/all/summary?offset=0&size=150"
    listing = get(server, dave, normal_path, host_routed.host("plant-a"))
    assert listing.status_code == 200 and listing.json()["items"] == []
