"""Tenant isolation matrix: every route × every foreign identity is denied and leaks nothing.

The routes come from the app's own route table (built in-process with :func:`create_app`) and the
Socket.IO paths from the NeuroSpeed hub, so a new route without a probe rule fails
:func:`test_every_route_has_a_probe_rule`. Each rule says which protocol's credentials the route takes
and whether it names the victim's data (``victim``: every foreign identity is denied) or answers about
the caller (``self``: another tenant gets its own data, never the victim's; broken credentials are
denied). Path parameters carry the victim's real ids. "Denied" is 401, 403 or 404 (or a refused socket),
and the body of a probe never contains the victim's names or e-mail (``Tenants.markers``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from braindock.config import Settings
from braindock.server.app import create_app
from braindock.server.brainstem import registry
from braindock.server.neurospeed import downlink, socket
from braindock.server.neurospeed.routes_insights import POST_FIELDS
from tests.neurospeed.conftest import open_socket
from tests.security.conftest import Tenants, leaks

DENIED = (401, 403, 404)
#: Routes that are public by design: API docs, liveness, the login endpoints of the three protocols
#: (rate limited, see test_auth_hardening.py) and the BrainSTEM device-login page.
PUBLIC = {
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/healthz"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/users/login"),
    ("POST", "/api/auth/refresh_token"),
    ("POST", "/api/token"),
    ("POST", "/api/token/"),
    ("POST", "/api/auth/token"),
    ("POST", "/api/auth/token/"),
    ("POST", "/api/auth/device"),
    ("POST", "/api/auth/device/"),
    ("POST", "/api/auth/device/token"),
    ("POST", "/api/auth/device/token/"),
    ("GET", "/account/authorize"),
    ("GET", "/account/authorize/"),
    ("POST", "/account/authorize"),
    ("POST", "/account/authorize/"),
    # Braincube SSO OAuth2 server: login/consent page (rate limited), token and revocation endpoints
    # (client authentication); tests/server/test_oauth2.py covers who gets what.
    ("GET", "/sso-server/vendors/braincube/authorize.jsp"),
    ("POST", "/sso-server/vendors/braincube/authorize.jsp"),
    ("POST", "/sso-server/ws/oauth2/token"),
    ("POST", "/sso-server/ws/oauth2/revoke"),
}
#: The BrainSTEM data API is one catch-all route; it is expanded per model of the registry below.
BRAINSTEM_CATCH_ALL = "/api/{portal}/{app}/{rest:path}"


@dataclass(frozen=True)
class Probe:
    """One request: path (victim ids filled in), query, JSON or form body."""

    path: str
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] | None = None


@dataclass(frozen=True)
class Rule:
    """How to probe a route.

    Attributes:
        protocol: whose credentials the route takes: ``braincube``, ``braincube_exchange``,
            ``ns_customer`` (NeuroSpeed customer token), ``ns_any`` (customer or user token),
            ``signed_link`` (exporter download link).
        reach: ``victim`` (names the victim's data) or ``self`` (answers about the caller).
        build: the probe aimed at the victim.
    """

    protocol: str
    reach: str
    build: Callable[[Tenants], Probe]


def _fill(template: str, t: Tenants) -> str:
    """The path with the victim's ids: Braincube plant-a and its entities, NeuroSpeed user/recorder/exporter."""
    plant = t.plant
    by_segment = {"dataGroups": plant.datagroup, "events": plant.event_pos, "jobs": plant.job, "rules": plant.rule}
    parts = template.strip("/").split("/")
    out = []
    for i, part in enumerate(parts):
        name = part[1:-1] if part.startswith("{") else None
        values = {
            "bc": plant.braincube,
            "mb": plant.mb,
            "var": plant.vars["temperature"],
            "job": plant.job,
            "bcid": by_segment.get(parts[i - 1]),
            "source": f"mb{plant.mb}",
            "username": t.ns_victim_users[0].username,
            "recorder_id": t.ns_recorder["id"],
            "exporter_id": t.ns_exporter["id"],
            "file_name": t.ns_exporter.get("file_name") or "victim-export.csv",
        }
        if name is not None:
            assert values.get(name) is not None, f"no victim value for {{{name}}} in {template}"
            out.append(str(values[name]))
        else:
            out.append(part)
    return "/" + "/".join(out)


def plain(template: str) -> Callable[[Tenants], Probe]:
    return lambda t: Probe(_fill(template, t))


def with_json(template: str, body: Callable[[Tenants], Any]) -> Callable[[Tenants], Probe]:
    return lambda t: Probe(_fill(template, t), json=body(t))


def with_query(template: str, query: Callable[[Tenants], dict[str, Any]], **kw: Any) -> Callable[[Tenants], Probe]:
    return lambda t: Probe(_fill(template, t), params=query(t), **kw)


def _insight_body(fields: tuple[str, ...]) -> Callable[[Tenants], dict[str, Any]]:
    values = {"local_timezone": "+0000", "boundry": "day", "insight_path": "stress", "insight_id": "1"}
    values.update({"time_type": "day", "first_day_of_week": "monday"})

    def body(t: Tenants) -> dict[str, Any]:
        out: dict[str, Any] = {"user_id": t.ns_victim_users[0].id}
        for name in fields:
            out[name] = values.get(name, "2024-01-02")
        return out

    return body


def _entity_body(kind: str) -> Callable[[Tenants], dict[str, Any]]:
    def body(t: Tenants) -> dict[str, Any]:
        temperature = {"bcId": t.plant.vars["temperature"]}
        return {
            "dataGroups": {"name": "probe", "variables": [temperature]},
            "events": {"name": "probe", "conditions": []},
            "jobs": {"name": "probe", "conditions": [], "modelEntries": [], "dataGroups": [], "events": {}},
            "rules": {"name": "probe", "job": {"bcId": t.plant.job}},
        }[kind]

    return body


def _lf_body(t: Tenants) -> dict[str, Any]:
    long_id = t.plant.long_id
    return {
        "order": long_id("timestamp"),
        "definitions": [long_id("temperature"), long_id("recipe")],
        "context": {"dataSource": f"mb{t.plant.mb}", "filter": {"GREAT": [long_id("temperature"), 0]}},
    }


def _rules() -> dict[tuple[str, str], Rule]:
    bcube = "/braincube/{bc}/braincube/mb/{mb}"
    rules: dict[tuple[str, str], Rule] = {
        ("GET", "/sso-server/ws/user/me"): Rule("braincube", "self", plain("/sso-server/ws/user/me")),
        ("GET", "/sso-server/ws/oauth2/session"): Rule(
            "braincube_exchange", "self", plain("/sso-server/ws/oauth2/session")
        ),
        ("GET", "/sso-server/rest/session/openWithToken"): Rule(
            "braincube_exchange", "self", plain("/sso-server/rest/session/openWithToken")
        ),
        ("GET", "/braincube/{bc}/braincube/mb/all/summary"): Rule(
            "braincube", "victim", plain("/braincube/{bc}/braincube/mb/all/summary")
        ),
        ("DELETE", bcube): Rule("braincube", "victim", plain(bcube)),
        ("GET", "/braincube/{bc}/braindata/{source}/simple"): Rule(
            "braincube", "victim", plain("/braincube/{bc}/braindata/{source}/simple")
        ),
        ("POST", "/braincube/{bc}/braindata/{source}/LF"): Rule(
            "braincube", "victim", with_json("/braincube/{bc}/braindata/{source}/LF", _lf_body)
        ),
    }
    for suffix in (
        "/extended",
        "/variables/summary",
        "/variables/{var}/extended",
        "/jobs/{job}/rules/all/summary",
        "/dataGroups/summary",
        "/events/all/extended",
        "/jobs/all/summary",
        "/rules/all/selector",
        "/rules/all/summary",
        "/dataGroups/{bcid}/extended",
        "/events/{bcid}/extended",
        "/jobs/{bcid}/extended",
        "/jobs/{bcid}/summary",
        "/rules/{bcid}/summary",
        "/rules/{bcid}/extended",
    ):
        rules[("GET", bcube + suffix)] = Rule("braincube", "victim", plain(bcube + suffix))
    for kind in ("dataGroups", "events", "jobs", "rules"):
        rules[("POST", f"{bcube}/{kind}")] = Rule(
            "braincube", "victim", with_json(f"{bcube}/{kind}", _entity_body(kind))
        )
        item = f"{bcube}/{kind}/{{bcid}}"
        rules[("PUT", item)] = Rule("braincube", "victim", with_json(item, _entity_body(kind)))
        rules[("DELETE", item)] = Rule("braincube", "victim", plain(item))

    # NeuroSpeed: the caller's own lists and profile.
    for method, path in [
        ("POST", "/api/users/list"),
        ("GET", "/api/customers/current"),
        ("GET", "/api/gateway/users/connected"),
        ("POST", "/api/gateway/connections"),
        ("POST", "/api/gateway/recorder/list"),
        ("POST", "/api/gateway/exporter/list"),
    ]:
        rules[(method, path)] = Rule("ns_customer", "self", with_json(path, lambda t: {}))
    rules[("POST", "/api/users")] = Rule(
        "ns_customer", "self", with_json("/api/users", lambda t: {"username": "probe-user", "password": "probe-pw-1"})
    )
    for flag in ("insight", "recordings", "raw_data"):
        path = f"/api/customers/customers_access/get_{flag}_access"
        rules[("GET", path)] = Rule("ns_any", "self", plain(path))
    # NeuroSpeed: the victim's users, recorders, exporters, HIAs and insights.
    victim_user2 = lambda t: {"id": str(t.ns_victim_users[1].id)}  # noqa: E731
    rules[("PUT", "/api/users")] = Rule(
        "ns_customer", "victim", with_query("/api/users", victim_user2, form={"password": "taken-over-1"})
    )
    rules[("DELETE", "/api/users")] = Rule("ns_customer", "victim", with_query("/api/users", victim_user2))
    rules[("GET", "/api/users/{username}")] = Rule("ns_customer", "victim", plain("/api/users/{username}"))
    hia = lambda t: {"username": t.ns_victim_users[0].username, "hia_id": "LAB3PC"}  # noqa: E731
    rules[("POST", "/api/gateway/ssr/stream_state")] = Rule(
        "ns_customer",
        "victim",
        with_json(
            "/api/gateway/ssr/stream_state", lambda t: {**hia(t), "stream_id": "EEG_VICTIM", "stream_state": "disabled"}
        ),
    )
    rules[("POST", "/api/gateway/ssr/downlink")] = Rule(
        "ns_customer", "victim", with_json("/api/gateway/ssr/downlink", lambda t: {**hia(t), "payload": "{}"})
    )
    recorder_q = lambda t: {"id": str(t.ns_recorder["id"])}  # noqa: E731
    rules[("POST", "/api/gateway/recorder")] = Rule(
        "ns_customer",
        "victim",
        with_json(
            "/api/gateway/recorder",
            lambda t: {"username": t.ns_victim_users[1].username, "recorder_name": "probe", "unlimited": "true"},
        ),
    )
    rules[("PUT", "/api/gateway/recorder")] = Rule(
        "ns_customer", "victim", with_query("/api/gateway/recorder", recorder_q, form={"status": "paused"})
    )
    rules[("DELETE", "/api/gateway/recorder")] = Rule(
        "ns_customer",
        "victim",
        with_query("/api/gateway/recorder", lambda t: {"recorder_id": str(t.ns_recorder["id"])}),
    )
    rules[("GET", "/api/gateway/recorder/{recorder_id}")] = Rule(
        "ns_customer", "victim", plain("/api/gateway/recorder/{recorder_id}")
    )
    exporter_q = lambda t: {"exporter_id": str(t.ns_exporter["id"])}  # noqa: E731
    rules[("GET", "/api/gateway/exporter/url")] = Rule(
        "ns_customer", "victim", with_query("/api/gateway/exporter/url", exporter_q)
    )
    rules[("DELETE", "/api/gateway/exporter")] = Rule(
        "ns_customer", "victim", with_query("/api/gateway/exporter", exporter_q)
    )
    rules[("GET", "/api/gateway/exporter/{exporter_id}")] = Rule(
        "ns_customer", "victim", plain("/api/gateway/exporter/{exporter_id}")
    )
    rules[("POST", "/api/gateway/exporter")] = Rule(
        "ns_customer",
        "victim",
        with_json(
            "/api/gateway/exporter",
            lambda t: {"recorder_id": t.ns_recorder["id"], "exporter_config": {"is_all_streams": True}},
        ),
    )
    rules[("GET", "/api/gateway/exporter/file/{exporter_id}/{file_name}")] = Rule(
        "signed_link", "victim", plain("/api/gateway/exporter/file/{exporter_id}/{file_name}")
    )
    insights = "/api/users/settings/insights"
    victim_user_q = lambda t: {"user_id": str(t.ns_victim_users[0].id)}  # noqa: E731
    rules[("GET", insights)] = Rule("ns_any", "victim", with_query(insights, victim_user_q))
    rules[("GET", insights + "/weekly_first_day_of_week")] = Rule(
        "ns_any", "victim", with_query(insights + "/weekly_first_day_of_week", victim_user_q)
    )
    rules[("POST", insights + "/weekly_first_day_of_week")] = Rule(
        "ns_any", "victim", with_json(insights + "/weekly_first_day_of_week", _insight_body(("first_day_of_week",)))
    )
    for name, fields in POST_FIELDS.items():
        rules[("POST", f"{insights}/{name}")] = Rule(
            "ns_any", "victim", with_json(f"{insights}/{name}", _insight_body(fields))
        )
    return rules


RULES = _rules()


def route_table() -> list[tuple[str, str]]:
    """Every (method, path) the app serves, from its own route table (no server needed)."""
    app = create_app(Settings(data_dir=Settings.load().data_dir))
    found = set()
    for context in iter_route_contexts(app.routes):
        for method in context.methods or ():
            if method != "HEAD":
                found.add((method, context.path))
    return sorted(found)


ROUTES = route_table()
SOCKET_PATHS = tuple(socket.PATHS) + tuple(downlink.PATHS)


def test_every_route_has_a_probe_rule() -> None:
    """A new route must get a rule here (or be public by design): the matrix cannot silently miss it."""
    missing = [
        (method, path)
        for method, path in ROUTES
        if (method, path) not in RULES and (method, path) not in PUBLIC and path != BRAINSTEM_CATCH_ALL
    ]
    assert not missing, f"routes without an isolation probe rule: {missing}"
    stale = [key for key in RULES if key not in ROUTES]
    assert not stale, f"probe rules for routes that no longer exist: {stale}"
    assert set(SOCKET_PATHS) == set(SOCKET_RULES), "every Socket.IO path needs a socket probe rule"


# -- identities ------------------------------------------------------------------------------------------


def identities(protocol: str, t: Tenants) -> dict[str, dict[str, str]]:
    """Foreign identity name → request headers, for routes of ``protocol``."""
    bc, ns = t.bc, t.ns_bad
    bearer = lambda token: {"Authorization": f"Bearer {token}"}  # noqa: E731
    if protocol in ("braincube", "braincube_exchange"):
        key = bearer if protocol == "braincube_exchange" else (lambda token: {"X-api-key": token})
        return {
            "no token": {},
            "wrong scope (BRAINSTEM-only PAT)": key(bc["stem_only"]),
            "other tenant": key(t.plant.other_token),
            "revoked PAT": key(bc["revoked"]),
            "expired PAT": key(bc["expired_pat"]),
            "expired session": {"IPLSSOTOKEN": bc["expired_session"]}
            if protocol == "braincube"
            else bearer(bc["expired_session"]),
            "forged PAT (real id, wrong secret)": key(bc["forged"]),
            "NeuroSpeed JWT": bearer(t.ns_victim.access),
        }
    if protocol == "brainstem":
        bad = t.stem_bad
        return {
            "no token": {},
            "wrong scope (BRAINCUBE-only PAT)": bearer(bad["cube_only"]),
            "other tenant": bearer(t.stem_intruder.token),
            "revoked PAT": bearer(bad["revoked"]),
            "expired PAT": bearer(bad["expired_pat"]),
            "expired session": {"Authorization": f"Token {bad['expired_session']}"},
            "forged PAT (real id, wrong secret)": bearer(bad["forged"]),
            "NeuroSpeed JWT": bearer(t.ns_victim.access),
        }
    common = {
        "no token": {},
        "other tenant (customer)": bearer(t.ns_intruder.access),
        "other tenant (user)": bearer(t.ns_intruder_users[0].access),
        "expired JWT (server key)": bearer(ns["expired"]),
        "forged JWT (other key)": bearer(ns["forged"]),
        "unsigned JWT (alg none)": bearer(ns["unsigned"]),
        "refresh token as access token": bearer(ns["refresh"]),
        "braindock PAT": bearer(ns["victim_pat"]),
    }
    if protocol == "ns_customer":
        return {**common, "wrong scope (victim's own user)": bearer(t.ns_victim_users[0].access)}
    if protocol == "ns_any":
        return {**common, "other user (victim's second user)": bearer(t.ns_victim_users[1].access)}
    if protocol == "signed_link":
        return {"no signature": {}, "other tenant (customer)": bearer(t.ns_intruder.access)}
    raise AssertionError(protocol)


def _is_valid_foreign(name: str) -> bool:
    """A working credential of someone else: on ``self`` routes it may succeed (with its own data)."""
    return name.startswith("other tenant") or name.startswith("other user")


def _send(client: httpx.Client, method: str, probe: Probe, headers: dict[str, str]) -> httpx.Response:
    kwargs: dict[str, Any] = {"params": probe.params, "headers": headers}
    if probe.form is not None:
        kwargs["data"] = probe.form
    elif probe.json is not None:
        kwargs["json"] = probe.json
    return client.request(method, probe.path, **kwargs)


def _check(
    response: httpx.Response, name: str, reach: str, markers: list[str], failures: list[str], allow: tuple = DENIED
) -> None:
    where = f"{response.request.method} {response.request.url.path} as {name}"
    ok_status = response.status_code in allow or (
        reach == "self" and _is_valid_foreign(name) and 200 <= response.status_code < 300
    )
    if not ok_status:
        failures.append(f"{where}: {response.status_code} {response.text[:200]}")
    # What the caller sent (e.g. a username in the path) may be echoed in a message; nothing else may appear.
    sent = f"{response.request.url} {response.request.content.decode(errors='replace')}"
    found = [marker for marker in leaks(response.text, markers) if marker.lower() not in sent.lower()]
    if found:
        failures.append(f"{where}: body leaks {found}: {response.text[:200]}")


def _markers(t: Tenants, protocol: str) -> list[str]:
    if protocol.startswith("braincube"):
        return t.markers["braincube"]
    if protocol == "brainstem":
        return t.markers["brainstem"]
    return t.markers["neurospeed"]


@pytest.mark.parametrize(("method", "path"), sorted(RULES), ids=[f"{m} {p}" for m, p in sorted(RULES)])
def test_route_denies_foreign_identities(tenants: Tenants, method: str, path: str) -> None:
    rule = RULES[(method, path)]
    probe = rule.build(tenants)
    failures: list[str] = []
    markers = _markers(tenants, rule.protocol)
    with httpx.Client(base_url=tenants.server.url, timeout=60) as client:
        for name, headers in identities(rule.protocol, tenants).items():
            _check(_send(client, method, probe, headers), name, rule.reach, markers, failures)
    assert not failures, "\n".join(failures)


# -- the signed exporter link ----------------------------------------------------------------------------


def test_signed_link_cannot_be_forged(tenants: Tenants) -> None:
    """Tampered signature, moved expiry, another exporter's id under the victim's signature: 403/404."""
    with tenants.ns_victim.http() as api:
        url = api.get("/gateway/exporter/url", params={"exporter_id": str(tenants.ns_exporter["id"])}).json()["url"]
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert httpx.get(url).status_code == 200  # the real link works without credentials
    flipped = query["signature"][:-1] + ("0" if query["signature"][-1] != "0" else "1")
    other_id = re.sub(r"/file/\d+/", f"/file/{tenants.ns_exporter['id'] + 1000}/", parts.path)
    attempts = {
        "tampered signature": (parts.path, {**query, "signature": flipped}),
        "moved expiry": (parts.path, {**query, "expires": str(int(query["expires"]) + 3600)}),
        "expired, forged": (parts.path, {**query, "expires": "1000"}),
        "no signature": (parts.path, {"expires": query["expires"]}),
        "other exporter id": (other_id, query),
    }
    failures: list[str] = []
    with httpx.Client(base_url=tenants.server.url, timeout=60) as client:
        for name, (path, params) in attempts.items():
            response = client.get(path, params=params)
            if response.status_code not in (403, 404) or "victim-label" in response.text:
                failures.append(f"{name}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)


# -- BrainSTEM: the catch-all route expanded over the registry --------------------------------------------

CANONICAL = sorted({(route.model.app, route.model.name) for route in registry.ROUTES.values()})

VICTIM_RECORDS = ("stem/project", "stem/subject", "stem/session", "personal_attributes/inventory", "modules/procedure")


@pytest.mark.parametrize(("app", "model"), CANONICAL, ids=[f"{a}/{m}" for a, m in CANONICAL])
def test_brainstem_lists_show_nothing_of_the_victim(tenants: Tenants, app: str, model: str) -> None:
    """Private lists: broken credentials are refused, another account sees its own records only; the super
    portal refuses non-administrators."""
    failures: list[str] = []
    markers = tenants.markers["brainstem"]
    with httpx.Client(base_url=tenants.server.url, timeout=60) as client:
        for name, headers in identities("brainstem", tenants).items():
            response = client.get(f"/api/private/{app}/{model}/", headers=headers)
            _check(response, name, "self", markers, failures)
            response = client.get(f"/api/super/{app}/{model}/", headers=headers)
            _check(response, name, "victim", markers, failures)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("record", VICTIM_RECORDS)
@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
def test_brainstem_victim_records_are_out_of_reach(tenants: Tenants, record: str, method: str) -> None:
    victim = tenants.stem_victim.records[record]
    failures: list[str] = []
    markers = tenants.markers["brainstem"]
    body = None if method in ("GET", "DELETE") else {"name": "taken over", "description": "taken over"}
    with httpx.Client(base_url=tenants.server.url, timeout=60) as client:
        for portal in ("private", "super"):
            probe = Probe(f"/api/{portal}/{record}/{victim['id']}/", json=body)
            for name, headers in identities("brainstem", tenants).items():
                _check(_send(client, method, probe, headers), name, "victim", markers, failures)
    assert not failures, "\n".join(failures)


def test_brainstem_cannot_attach_records_to_the_victims_project(tenants: Tenants) -> None:
    """Creating a subject or session inside the victim's project is refused (400 on the reference, 403, 404)."""
    project = tenants.stem_victim.records["stem/project"]["id"]
    failures: list[str] = []
    with httpx.Client(base_url=tenants.server.url, timeout=60) as client:
        for model in ("stem/subject", "stem/session"):
            body = {"name": f"planted-{model[5:]}", "projects": [project], "sex": "M"}
            probe = Probe(f"/api/private/{model}/", json=body)
            for name, headers in identities("brainstem", tenants).items():
                response = _send(client, "POST", probe, headers)
                _check(response, name, "victim", tenants.markers["brainstem"], failures, allow=(400, *DENIED))
    assert not failures, "\n".join(failures)
    victim = httpx.get(
        f"{tenants.server.url}/api/private/stem/session/",
        params={"filter{projects.id}": project},
        headers={"Authorization": f"Bearer {tenants.stem_victim.token}"},
    ).json()["sessions"]
    assert [s["name"] for s in victim] == [tenants.stem_victim.records["stem/session"]["name"]]


def test_public_portal_shows_only_published_projects(tenants: Tenants) -> None:
    """Anonymous reads of every model list show no record of an unpublished project."""
    published = tenants.stem_public_project
    private = tenants.stem_victim.records
    with httpx.Client(base_url=tenants.server.url + "/api/public/", timeout=60) as client:
        projects = client.get("stem/project/", params={"limit": 100, "filter{id}": published["id"]}).json()
        assert [p["name"] for p in projects["projects"]] == [published["name"]]
        for app, model in CANONICAL:
            response = client.get(f"{app}/{model}/", params={"limit": 100})
            assert response.status_code in (200, 404, 405), (app, model, response.status_code)
            for record in private.values():
                assert record["name" if "name" in record else "id"] not in response.text, (app, model)
        for path, record in private.items():
            assert client.get(f"{path}/{record['id']}/").status_code == 404, path
        detail = client.get(f"stem/project/{published['id']}/")
        assert detail.status_code == 200 and detail.json()["project"]["is_public"] is True


# -- Socket.IO ---------------------------------------------------------------------------------------------


def _socket_identities(t: Tenants, path: str) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Foreign identity → (headers, query) for a Socket.IO path."""
    ns = t.ns_bad
    victim_user = t.ns_victim_users[0].username
    as_customer = "as_customer" in path

    def cred(token: str | None) -> tuple[dict[str, str], dict[str, str]]:
        query = {"username": victim_user} if as_customer else {}
        if token is None:
            return {}, query
        return {"jwt_token": token}, {**query, "jwt_token": token}

    out = {
        "no token": cred(None),
        "expired JWT (server key)": cred(ns["expired"]),
        "forged JWT (other key)": cred(ns["forged"]),
        "unsigned JWT (alg none)": cred(ns["unsigned"]),
        "refresh token as access token": cred(ns["refresh"]),
        "braindock PAT": cred(ns["victim_pat"]),
    }
    if as_customer:
        out["other tenant (customer) naming the victim's user"] = cred(t.ns_intruder.access)
        out["wrong scope (victim's user)"] = cred(t.ns_victim_users[1].access)
    elif path == "target_is_customer_room":
        out["wrong scope (user token)"] = cred(t.ns_victim_users[0].access)
    else:  # user paths and /hia: a customer token is the wrong kind
        out["wrong scope (customer token)"] = cred(t.ns_victim.access)
    return out


SOCKET_RULES = {path: _socket_identities for path in SOCKET_PATHS}


@pytest.mark.parametrize("path", SOCKET_PATHS)
def test_socket_paths_refuse_foreign_identities(tenants: Tenants, path: str) -> None:
    failures: list[str] = []
    for name, (headers, query) in SOCKET_RULES[path](tenants, path).items():
        if path == "hia":
            headers = {**headers, "hia_id": "PROBE", "sensors_info": "{}", "current_local_time": "1"}
        sock = open_socket(tenants.server.url, path, headers=headers, query=query)
        try:
            if sock.refused is None:
                failures.append(f"/{path} as {name}: connection accepted")
            elif [m for m in leaks(str(sock.refused), tenants.markers["neurospeed"]) if m not in str(query)]:
                failures.append(f"/{path} as {name}: refusal leaks {sock.refused}")
        finally:
            sock.close()
    assert not failures, "\n".join(failures)


# -- authentication comes before input validation ------------------------------------------------------------

WRITES = [key for key in sorted(RULES) if key[0] in ("POST", "PUT", "PATCH")]


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_anonymous_malformed_bodies_get_401(tenants: Tenants, method: str, path: str) -> None:
    """Without credentials every write answers 401 whatever the (well-formed) body: nobody learns how input is
    checked. (A JSON syntax error is refused by the framework before any route runs; it reveals nothing.)"""
    probe = RULES[(method, path)].build(tenants)
    bodies = {"empty object": b"{}", "oversized": b'{"payload": "' + b"x" * 70_000 + b'"}'}
    failures = []
    with httpx.Client(base_url=tenants.server.url, timeout=60) as client:
        for name, body in bodies.items():
            headers = {"Content-Type": "application/json"}
            response = client.request(method, probe.path, params=probe.params, content=body, headers=headers)
            if response.status_code != 401:
                failures.append(f"{name}: {response.status_code} {response.text[:120]}")
    assert not failures, "\n".join(failures)
