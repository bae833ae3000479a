"""Web-service endpoints E1–E13 and the authoring API against a live server."""

from __future__ import annotations

from tests.conftest import Plant


def base(plant: Plant) -> str:
    return f"/braincube/plant-a/braincube/mb/{plant.mb}"


def test_memory_base_singleton_and_list(plant: Plant) -> None:
    with plant.api() as api:
        one = api.get(base(plant) + "/extended").json()
        assert one["bcId"] == plant.mb and one["name"] == "Line 1"
        prefix, _, uuid = one["uuid"].partition("_")
        assert prefix == "MB" and len(uuid) == 36 and "_" not in uuid
        assert one["referenceDateVariable"] == {"bcId": plant.vars["timestamp"]}
        assert one["numberOfRows"] == len(plant.frame)
        listing = api.get("/braincube/plant-a/braincube/mb/all/summary", params={"offset": 0, "size": 150}).json()
        assert plant.mb in [item["bcId"] for item in listing["items"]]


def test_pagination_is_exact_and_ends_with_an_empty_page(plant: Plant) -> None:
    seen = []
    with plant.api() as api:
        offset = 0
        while True:
            page = api.get(base(plant) + "/variables/summary", params={"offset": offset, "size": 4}).json()
            if not page["items"]:
                break
            assert len(page["items"]) == min(4, 6 - offset)
            seen += page["items"]
            offset += 4
        assert api.get(base(plant) + "/variables/summary", params={"offset": 100, "size": 4}).json()["items"] == []
        assert api.get(base(plant) + "/variables/summary", params={"offset": 0, "size": 0}).json()["items"] == []
        assert api.get(base(plant) + "/variables/summary", params={"offset": -1, "size": 4}).status_code == 400
    assert [v["bcId"] for v in seen] == sorted(plant.vars.values())
    assert [v["standard"] for v in seen] == list(plant.vars)
    types = {v["standard"]: v["type"] for v in seen}
    assert types == {
        "timestamp": "DATETIME",
        "temperature": "NUMERIC",
        "pressure": "NUMERIC",
        "speed": "NUMERIC",
        "recipe": "DISCRETE",
        "shift": "DISCRETE",
    }
    assert all({"tag", "local"} <= v.keys() for v in seen)


def test_variable_singleton_and_unknown_ids(plant: Plant) -> None:
    with plant.api() as api:
        var = api.get(base(plant) + f"/variables/{plant.vars['speed']}/extended").json()
        assert var == {
            "bcId": plant.vars["speed"],
            "standard": "speed",
            "tag": "speed",
            "local": "speed",
            "type": "NUMERIC",
            "unit": None,
        }
        for path in ("/variables/1999999/extended", "/variables/abc/extended", "/dataGroups/999999/extended"):
            response = api.get(base(plant) + path)
            assert response.status_code == 404, path
            assert response.json()["error"] == "not_found"
        missing_mb = api.get("/braincube/plant-a/braincube/mb/424242/extended")
        assert missing_mb.status_code == 404 and "424242" in missing_mb.json()["message"]


def test_children_carry_the_full_structure(plant: Plant) -> None:
    with plant.api() as api:
        group = api.get(base(plant) + f"/dataGroups/{plant.datagroup}/extended").json()
        assert group["variables"] == [{"bcId": plant.vars["temperature"]}, {"bcId": plant.vars["pressure"]}]
        groups = api.get(base(plant) + "/dataGroups/summary", params={"offset": 0, "size": 10}).json()["items"]
        assert groups == [group]
        events = api.get(base(plant) + "/events/all/extended", params={"offset": 0, "size": 10}).json()["items"]
        assert [e["bcId"] for e in events] == [plant.event_pos, plant.event_neg]
        assert events[0]["conditions"][0] == {
            "variable": {"bcId": plant.vars["recipe"]},
            "positive": True,
            "modalities": ["R1", "R2"],
        }
        assert events[0]["conditions"][1]["minimum"] == 1704088800000
        job = api.get(base(plant) + f"/jobs/{plant.job}/extended").json()
        assert job["events"] == {
            "positiveEvents": [{"bcId": plant.event_pos}],
            "negativeEvents": [{"bcId": plant.event_neg}],
        }
        assert job["dataGroups"] == [{"bcId": plant.datagroup}]
        assert [entry["name"] for entry in job["modelEntries"]] == ["good", "bad"]
        jobs = api.get(base(plant) + "/jobs/all/summary", params={"offset": 0, "size": 10}).json()["items"]
        assert jobs == [job]
        rule = api.get(base(plant) + f"/rules/{plant.rule}/summary").json()
        assert rule["name"] == "Keep temperature below 90" and rule["uuid"].startswith("RULE_")
        rules = api.get(base(plant) + "/rules/all/selector", params={"offset": 0, "size": 10}).json()["items"]
        assert [r["bcId"] for r in rules] == [plant.rule]
        job_rules = api.get(base(plant) + f"/jobs/{plant.job}/rules/all/summary", params={"offset": 0, "size": 10})
        assert [r["bcId"] for r in job_rules.json()["items"]] == [plant.rule]


def test_authoring_validates_references_and_protects_users(plant: Plant) -> None:
    with plant.api() as api:
        unknown_var = api.post(base(plant) + "/dataGroups", json={"name": "x", "variables": [{"bcId": 1234}]})
        assert unknown_var.status_code == 404 and "1234" in unknown_var.json()["message"]
        no_name = api.post(base(plant) + "/events", json={"conditions": []})
        assert no_name.status_code == 400 and "name" in no_name.json()["message"]
        wrong_kind = api.post(
            base(plant) + "/events",
            json={"name": "bad", "conditions": [{"variable": {"bcId": plant.vars["recipe"]}, "minimum": 3}]},
        )
        assert wrong_kind.status_code == 400 and "DISCRETE" in wrong_kind.json()["message"]
        bad_job = api.post(base(plant) + "/jobs", json={"name": "j", "dataGroups": [{"bcId": plant.event_pos}]})
        assert bad_job.status_code == 404 and "dataGroups[0]" in bad_job.json()["message"]
        in_use = api.delete(base(plant) + f"/dataGroups/{plant.datagroup}")
        assert in_use.status_code == 409 and str(plant.job) in in_use.json()["message"]
        assert api.get(base(plant) + f"/dataGroups/{plant.datagroup}/extended").status_code == 200

        created = api.post(base(plant) + "/events", json={"name": "Hot", "conditions": []})
        assert created.status_code == 201
        event_id = created.json()["bcId"]
        replaced = api.put(
            base(plant) + f"/events/{event_id}",
            json={"name": "Very hot", "conditions": [{"variable": {"bcId": plant.vars["temperature"]}, "minimum": 95}]},
        )
        assert replaced.status_code == 200
        fetched = api.get(base(plant) + f"/events/{event_id}/extended").json()
        assert fetched["name"] == "Very hot" and fetched["conditions"][0]["minimum"] == 95
        assert api.delete(base(plant) + f"/events/{event_id}").json() == {}
        assert api.get(base(plant) + f"/events/{event_id}/extended").status_code == 404
    with plant.api(plant.other_token) as api:
        assert api.post(base(plant) + "/events", json={"name": "intruder"}).status_code == 403
