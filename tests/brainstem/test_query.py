"""``filter{...}``, ``sort[]``, ``include[]`` and paging against a live server (``brainstem.md`` 3.2, 3.3.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.brainstem.conftest import Api, Lab, World, uniq


@dataclass
class Sessions:
    project: dict[str, Any]
    other: dict[str, Any]
    prefix: str
    by_name: dict[str, dict[str, Any]]

    def name(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"


@pytest.fixture(scope="module")
def sessions(lab: Lab) -> Sessions:
    ada = lab.api("ada")
    project = ada.create("stem/project", {"name": uniq("Query project")})
    other = ada.create("stem/project", {"name": uniq("Query other")})
    prefix = uniq("q")
    rows = [
        ("Alpha-01", "2025-01-01T10:00:00Z", ["pilot"], [project["id"]]),
        ("alpha-02", "2025-02-01T10:00:00Z", ["Pilot", "ephys"], [project["id"], other["id"]]),
        ("Beta-03", "2025-03-01T10:00:00Z", ["ephys"], [project["id"]]),
        ("gamma-04", None, [], [project["id"]]),
    ]
    by_name = {}
    for suffix, when, tags, projects in rows:
        body = {"name": f"{prefix}-{suffix}", "projects": projects, "date_time": when, "tags": tags}
        by_name[suffix] = ada.create("stem/session", body)
    return Sessions(project, other, prefix, by_name)


def names(api: Api, sessions: Sessions, **filters: Any) -> list[str]:
    params: dict[str, Any] = {"filter{projects.id}": sessions.project["id"]}
    params.update({f"filter{{{key}}}": value for key, value in filters.items()})
    params["sort[]"] = "name"
    return [s["name"].removeprefix(sessions.prefix + "-") for s in api.items("stem/session", params)]


@pytest.mark.parametrize(
    ("lookup", "value", "expected"),
    [
        ("name", "{p}-Alpha-01", ["Alpha-01"]),
        ("name.exact", "{p}-Beta-03", ["Beta-03"]),
        ("name.iexact", "{P}-ALPHA-02", ["alpha-02"]),
        ("name.contains", "Alpha", ["Alpha-01"]),
        ("name.icontains", "ALPHA", ["Alpha-01", "alpha-02"]),
        ("name.startswith", "{p}-a", ["alpha-02"]),
        ("name.istartswith", "{P}-A", ["Alpha-01", "alpha-02"]),
        ("name.endswith", "a-04", ["gamma-04"]),
        ("name.iendswith", "ALPHA-02", ["alpha-02"]),
        ("date_time.gt", "2025-02-01T10:00:00Z", ["Beta-03"]),
        ("date_time.gte", "2025-02-01T10:00:00Z", ["Beta-03", "alpha-02"]),
        ("date_time.lt", "2025-02-01T11:00:00+01:00", ["Alpha-01"]),
        ("date_time.lte", "2025-02-01", ["Alpha-01"]),
        ("date_time.isnull", "true", ["gamma-04"]),
        ("tags", "PILOT", ["Alpha-01", "alpha-02"]),
        ("tags.in", "ephys,none", ["Beta-03", "alpha-02"]),
        ("-name.icontains", "alpha", ["Beta-03", "gamma-04"]),
        ("-date_time.gt", "2025-02-01T10:00:00Z", ["Alpha-01", "alpha-02", "gamma-04"]),
        ("-tags", "pilot", ["Beta-03", "gamma-04"]),
    ],
)
def test_filter_modifiers(lab: Lab, sessions: Sessions, lookup: str, value: str, expected: list[str]) -> None:
    value = value.format(p=sessions.prefix, P=sessions.prefix.upper())
    assert names(lab.api("ada"), sessions, **{lookup: value}) == expected


def test_in_accepts_repeated_and_comma_separated_values(lab: Lab, sessions: Sessions) -> None:
    ada = lab.api("ada")
    ids = [sessions.by_name["Alpha-01"]["id"], sessions.by_name["gamma-04"]["id"]]
    repeated = ada.items("stem/session", [("filter{id.in}", ids[0]), ("filter{id.in}", ids[1].upper())])
    assert sorted(s["id"] for s in repeated) == sorted(ids)
    comma = ada.items("stem/session", {"filter{id.in}": ",".join(ids)})
    assert sorted(s["id"] for s in comma) == sorted(ids)
    in_names = names(ada, sessions, **{"name.in": f"{sessions.name('Beta-03')},{sessions.name('gamma-04')}"})
    assert in_names == ["Beta-03", "gamma-04"]
    # an empty list matches nothing, for ids and for fields alike (found by the property tests)
    assert names(ada, sessions, **{"name.in": ""}) == names(ada, sessions, **{"id.in": ","}) == []
    assert names(ada, sessions, **{"-name.in": ","}) == ["Alpha-01", "Beta-03", "alpha-02", "gamma-04"]


def test_case_insensitive_operators_fold_non_ascii_letters(lab: Lab, sessions: Sessions) -> None:
    """SQLite's ``lower()`` folds ASCII only; ``Ärger`` must match ``ärger`` (found by the property tests)."""
    ada = lab.api("ada")
    project = ada.create("stem/project", {"name": uniq("Umlaut project")})
    prefix = uniq("u")
    for suffix in ("Ärger", "ärger", "ÉCOLE"):
        ada.create("stem/session", {"name": f"{prefix}-{suffix}", "projects": [project["id"]]})

    def found(**filters: str) -> list[str]:
        params = {"filter{projects.id}": project["id"], "sort[]": "name"}
        params.update({f"filter{{{key}}}": value for key, value in filters.items()})
        return [s["name"].removeprefix(prefix + "-") for s in ada.items("stem/session", params)]

    assert found(**{"name.icontains": "ärg"}) == ["Ärger", "ärger"]
    assert found(**{"name.iexact": f"{prefix}-äRGER"}) == ["Ärger", "ärger"]
    assert found(**{"name.iendswith": "école"}) == ["ÉCOLE"]
    assert found(**{"name.contains": "ärg"}) == ["ärger"]
    assert found(**{"-name.icontains": "ÄR"}) == ["ÉCOLE"]


def test_several_filters_are_anded(lab: Lab, sessions: Sessions) -> None:
    both = names(lab.api("ada"), sessions, **{"name.icontains": "alpha", "tags": "ephys"})
    assert both == ["alpha-02"]


def test_related_lookups_and_deduplication(lab: Lab, sessions: Sessions, world: World) -> None:
    ada = lab.api("ada")
    bare = ada.items("stem/session", {"filter{projects}": sessions.other["id"]})
    assert [s["name"] for s in bare] == [sessions.name("alpha-02")]
    # alpha-02 is in both projects, both match: it appears once and is counted once
    both = ada.get(
        "private/stem/session/", {"filter{projects.name.icontains}": "query", "filter{name.icontains}": sessions.prefix}
    ).json()
    assert both["count"] == 4 and len(both["sessions"]) == 4
    # reverse relation of the project: projects that contain a given session
    projects = ada.items("stem/project", {"filter{sessions.id}": sessions.by_name["alpha-02"]["id"], "sort[]": "name"})
    assert [p["id"] for p in projects] == [sessions.other["id"], sessions.project["id"]]  # "Query o" < "Query p"
    # two levels deep: subjects whose strain's species is called "Mus musculus"
    subjects = ada.items("stem/subject", {"filter{strain.species.name}": "Mus musculus"})
    assert world.subject["id"] in [s["id"] for s in subjects]
    assert all(s["strain"] == lab.catalogue["strain"] for s in subjects)
    assert ada.items("stem/subject", {"filter{strain.species.name}": "Rattus"}) == []
    # a to-many relation without links
    empty = names(ada, sessions, **{"behaviors.isnull": "true"})
    assert empty == ["Alpha-01", "Beta-03", "alpha-02", "gamma-04"]


def test_filters_on_modules_follow_relations(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    behaviors = ada.items("modules/behavior", {"filter{session.id}": world.session["id"]})
    assert [b["id"] for b in behaviors] == [world.behavior["id"]]
    by_subject = ada.items("modules/behavior", {"filter{subjects}": world.subject["id"]})
    assert [b["id"] for b in by_subject] == [world.behavior["id"]]
    procedures = ada.items("modules/procedure", {"filter{subject.id}": world.subject["id"], "filter{type}": "Headpost"})
    assert [p["id"] for p in procedures] == [world.procedure["id"]]
    by_setup_name = ada.items("modules/behavior", {"filter{setup.name.iexact}": "arena a"})
    assert world.behavior["id"] in [b["id"] for b in by_setup_name]


def test_sort_both_ways_and_by_relation(lab: Lab, sessions: Sessions) -> None:
    ada = lab.api("ada")
    base = {"filter{projects.id}": sessions.project["id"]}
    ascending = [s["name"] for s in ada.items("stem/session", {**base, "sort[]": "name"})]
    assert ascending == sorted(ascending) and len(ascending) == 4
    descending = [s["name"] for s in ada.items("stem/session", {**base, "sort[]": "-name"})]
    assert descending == list(reversed(ascending))
    dated = {**base, "filter{date_time.isnull}": "false"}
    by_date = [s["date_time"] for s in ada.items("stem/session", {**dated, "sort[]": "-date_time"})]
    assert by_date == ["2025-03-01T10:00:00Z", "2025-02-01T10:00:00Z", "2025-01-01T10:00:00Z"]
    multi = ada.items("stem/session", [*base.items(), ("sort[]", "date_time"), ("sort[]", "-name")])
    assert multi[0]["name"] == sessions.name("gamma-04")  # missing dates sort first
    projects = ada.items(
        "stem/collection", {"filter{project.name}": sessions.project["name"], "sort[]": "-project.name"}
    )
    assert projects == []  # relation paths are sortable (no collection in this project)


def test_include_embeds_related_records(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    listed = ada.items(
        "stem/session", [("filter{id}", world.session["id"]), ("include[]", "behaviors.*"), ("include[]", "projects")]
    )
    session = listed[0]
    assert session["projects"][0]["id"] == world.project["id"]
    assert session["projects"][0]["name"] == world.project["name"]
    behavior = session["behaviors"][0]
    assert behavior["id"] == world.behavior["id"] and behavior["setup"] == world.setup["id"]
    nested = ada.items("stem/session", [("filter{id}", world.session["id"]), ("include[]", "behaviors.setup.*")])
    assert nested[0]["behaviors"][0]["setup"]["name"] == "Arena A"
    detail = ada.get(f"private/stem/project/{world.project['id']}/", {"include[]": "subjects.*"}).json()["project"]
    assert detail["subjects"][0]["name"] == world.subject["name"]
    # what the 2.0.0 loaders request by default
    defaults = ["dataacquisition.*", "behaviors.*", "manipulations.*", "epochs.*"]
    loaded = ada.get(
        "private/stem/session/", [("filter{id}", world.session["id"])] + [("include[]", i) for i in defaults]
    )
    assert loaded.status_code == 200 and loaded.json()["sessions"][0]["epochs"] == []


def test_links_point_at_list_endpoints(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    assert world.project["links"]["sessions"] == "sessions/"
    related = ada.get(f"private/stem/project/{world.project['id']}/{world.project['links']['sessions']}")
    assert related.status_code == 200
    project = ada.get(f"private/stem/project/{world.project['id']}/").json()["project"]
    listed = related.json()["sessions"]
    assert world.session["id"] in project["sessions"]
    assert sorted(s["id"] for s in listed) == sorted(project["sessions"])
    assert all(world.project["id"] in s["projects"] for s in listed)
    behaviors = ada.get(f"private/stem/session/{world.session['id']}/behaviors", {"include[]": "setup.*"}).json()
    assert world.behavior["id"] in [b["id"] for b in behaviors["behaviors"]]
    assert all(isinstance(b["setup"], dict) for b in behaviors["behaviors"])
    holders = ada.get(f"private/stem/subject/{world.subject['id']}/licenses/").json()
    assert holders == {"count": 0, "next": None, "previous": None, "licenses": [], "meta": holders["meta"]}
    assert ada.get(f"private/stem/project/{world.project['id']}/nosuch/").status_code == 404
    assert lab.api("ben").get(f"private/stem/project/{world.project['id']}/sessions/").status_code == 404


def test_paging_count_next_previous_and_max_100(lab: Lab) -> None:
    ada = lab.api("ada")
    project = ada.create("stem/project", {"name": uniq("Paging")})
    for index in range(105):
        response = ada.post("private/stem/collection/", {"name": f"c-{index:03d}", "project": project["id"]})
        assert response.status_code == 201, response.text
    base = {"filter{project}": project["id"], "sort[]": "name"}
    first = ada.get("private/stem/collection/", base).json()
    assert first["count"] == 105 and len(first["collections"]) == 20 and first["previous"] is None
    page = ada.get("private/stem/collection/", {**base, "limit": 500}).json()
    assert len(page["collections"]) == 100 and page["meta"]["limit"] == 100
    assert [c["name"] for c in page["collections"]] == [f"c-{i:03d}" for i in range(100)]
    assert "offset=100" in page["next"] and page["next"].startswith(lab.url)
    rest = ada.client.get(page["next"]).json()
    assert [c["name"] for c in rest["collections"]] == [f"c-{i:03d}" for i in range(100, 105)]
    assert rest["next"] is None and "offset=0" in rest["previous"]
    window = ada.get("private/stem/collection/", {**base, "limit": 3, "offset": 50}).json()
    assert [c["name"] for c in window["collections"]] == ["c-050", "c-051", "c-052"]
    empty = ada.get("private/stem/collection/", {**base, "offset": 200}).json()
    assert empty["collections"] == [] and empty["count"] == 105
