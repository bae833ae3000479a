"""The official ``braincube-connector==2.8.0`` and the SDK in host placeholder mode (``braincube.md`` 1.5).

Both are configured with ``braincube_base_url = "http://{braincube-name}.braincubes.test:<port>"`` against the
``host_routed`` server (``BRAINDOCK_BRAINCUBE_HOST_SUFFIX``). No DNS knows ``*.braincubes.test``, so the clients
reach it the way they would reach any host behind an HTTP proxy: ``HTTP_PROXY`` names the braindock server, which
gets absolute-form request targets (``GET http://plant-a.braincubes.test:<port>/braincube/mb/...``) and routes
them by host name. SSO calls go to 127.0.0.1 directly (``NO_PROXY``).
"""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd
import pytest

from tests.compat.conftest import OfficialClient, SdkClient
from tests.conftest import HOST_SUFFIX, HostRouted

pytestmark = pytest.mark.compat


def cases(routed: HostRouted, ids: dict[str, int]) -> list[dict[str, Any]]:
    port = routed.server.url.rsplit(":", 1)[1]
    config = {
        "api_key": routed.token,
        "sso_base_url": routed.server.url,
        "braincube_base_url": f"http://{{braincube-name}}.{HOST_SUFFIX}:{port}",
    }
    wanted = [ids["timestamp"], ids["temperature"], ids["recipe"]]
    return [
        {"id": "connect", "op": "connect", "args": {"config_dict": config}},
        {"id": "mbs", "op": "memory_base_list", "args": {"bc": "Plant-A"}},
        {"id": "mb", "op": "memory_base", "args": {"bc": "Plant-A", "mb": routed.mb}},
        {"id": "vars", "op": "variable_list", "args": {"bc": "Plant-A", "mb": routed.mb}},
        {"id": "data", "op": "get_data", "args": {"bc": "Plant-A", "mb": routed.mb, "var_ids": wanted}},
        {"id": "foreign", "op": "memory_base_list", "args": {"bc": "plant-d"}},
    ]


def test_official_client_and_sdk_work_with_a_host_name_placeholder(
    host_routed: HostRouted, official: OfficialClient, sdk: SdkClient
) -> None:
    listing = httpx.get(
        f"{host_routed.server.url}/braincube/Plant-A/braincube/mb/{host_routed.mb}/variables/summary",
        params={"offset": 0, "size": 150},
        headers={"X-api-key": host_routed.token},
        timeout=30,
    )
    ids = {item["standard"]: item["bcId"] for item in listing.json()["items"]}
    proxy = {"HTTP_PROXY": host_routed.server.url, "http_proxy": host_routed.server.url}
    official_results = official.run(cases(host_routed, ids), env=proxy)
    sdk_results = sdk.run(cases(host_routed, ids), env=proxy)

    for case_id in ("connect", "mbs", "mb", "vars", "data"):
        assert "ok" in official_results[case_id], (case_id, official_results[case_id])
        assert official_results[case_id]["ok"] == sdk_results[case_id]["ok"], case_id
    assert official_results["connect"]["ok"]["braincubes"] == ["Plant-A"]
    assert [mb["name"] for mb in official_results["mbs"]["ok"]] == ["Line 1"]
    assert len(official_results["vars"]["ok"]) == len(ids)
    data = official_results["data"]["ok"]
    source = pd.read_csv(host_routed.csv_path)
    got = pd.to_numeric(pd.Series(data["values"][data["keys"].index(ids["temperature"])]), errors="coerce")
    expected = source.sort_values("timestamp", na_position="last", kind="stable")["temperature"].reset_index(drop=True)
    assert len(got) == len(expected) == 300
    pd.testing.assert_series_equal(got.astype("float64"), expected.astype("float64"), check_names=False)
    # carol was not granted dave's braincube: the SSO list does not offer it, so both clients refuse it.
    assert "error" in official_results["foreign"] and "error" in sdk_results["foreign"]
