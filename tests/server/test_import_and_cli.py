"""``braindock memory-base import`` and the admin CLI: type inference, order, errors, atomicity."""

from __future__ import annotations

from pathlib import Path

import httpx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.conftest import Plant


def variables(plant: Plant, mb: int) -> list[dict]:
    with plant.api() as api:
        return api.get(
            f"/braincube/plant-a/braincube/mb/{mb}/variables/summary", params={"offset": 0, "size": 50}
        ).json()["items"]


def test_parquet_import_infers_types_and_order(plant: Plant, tmp_path: Path) -> None:
    table = pa.table(
        {
            "code": pa.array([3, 1, 2, 1] * 25, pa.int32()),
            "value": pa.array([float(i) / 4 for i in range(100)]),
            "when": pa.array(pd.date_range("2023-05-01", periods=100, freq="h", tz="UTC")[::-1]),
            "label": pa.array(["a", "b"] * 50),
            "flag": pa.array([True, False] * 50),
        }
    )
    path = tmp_path / "batch.parquet"
    pq.write_table(table, path)
    mb = int(
        plant.server.cli(
            "memory-base",
            "import",
            "plant-a",
            str(path),
            "--name",
            "Parquet batch",
            "--tag",
            "value=FI101.PV",
            "--unit",
            "value=m3/h",
        )
    )
    found = {v["standard"]: v for v in variables(plant, mb)}
    assert {name: v["type"] for name, v in found.items()} == {
        "code": "DISCRETE",  # 3 distinct integers over 100 rows: a code
        "value": "NUMERIC",
        "when": "DATETIME",
        "label": "DISCRETE",
        "flag": "DISCRETE",
    }
    assert found["value"]["tag"] == "FI101.PV" and found["value"]["unit"] == "m3/h"
    assert [v["bcId"] for v in variables(plant, mb)] == list(range(2000001, 2000006))
    with plant.api() as api:
        simple = api.get(f"/braincube/plant-a/braindata/mb{mb}/simple").json()
        assert simple["reference"] == f"mb{mb}/d2000003"  # the DATETIME column orders the rows
        body = {"definitions": [f"mb{mb}/d2000003", f"mb{mb}/d2000002", f"mb{mb}/d2000005"]}
        data = api.post(f"/braincube/plant-a/braindata/mb{mb}/LF", json=body).json()["datadefs"]
    assert data[0]["data"][0] == "20230501_000000"  # timezone-aware input is kept in UTC, rows sorted
    assert data[1]["data"][0] == "24.75"  # the file's last row comes first
    assert data[2]["data"][:2] == ["false", "true"]


def test_import_without_time_adds_a_row_variable_and_honours_overrides(plant: Plant, tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("batch,level,phase\n" + "".join(f"{i % 4},{i * 1.5},{i % 3}\n" for i in range(40)))
    mb = int(
        plant.server.cli(
            "memory-base",
            "import",
            "plant-a",
            str(path),
            "--name",
            "Plain",
            "--numeric",
            "batch",
            "--discrete",
            "level",
        )
    )
    found = variables(plant, mb)
    assert [(v["standard"], v["type"]) for v in found] == [
        ("batch", "NUMERIC"),
        ("level", "DISCRETE"),
        ("phase", "DISCRETE"),
        ("Row number", "NUMERIC"),
    ]
    with plant.api() as api:
        assert api.get(f"/braincube/plant-a/braindata/mb{mb}/simple").json()["reference"] == f"mb{mb}/d2000004"
        body = {
            "definitions": [f"mb{mb}/d2000004", f"mb{mb}/d2000002"],
            "context": {"filter": {"EQUALS": [f"mb{mb}/d2000002", ["3", "4.5"]]}},
        }
        data = api.post(f"/braincube/plant-a/braindata/mb{mb}/LF", json=body).json()["datadefs"]
    assert data[0]["data"] == ["3", "4"] and data[1]["data"] == ["3", "4.5"]
    ordered = int(
        plant.server.cli("memory-base", "import", "plant-a", str(path), "--name", "Plain by level", "--order", "level")
    )
    with plant.api() as api:
        assert (
            api.get(f"/braincube/plant-a/braindata/mb{ordered}/simple").json()["reference"] == f"mb{ordered}/d2000002"
        )


def test_import_errors_are_clear_and_leave_nothing_behind(plant: Plant, tmp_path: Path) -> None:
    sample_dir = plant.server.data_dir / "memory-bases"
    before = sorted(p.name for p in sample_dir.iterdir())
    cases = [
        (["plant-a", str(tmp_path / "missing.csv"), "--name", "X"], "does not exist"),
        (["plant-a", str(plant.csv_path), "--name", "Line 1"], "already exists"),
        (["plant-a", str(plant.csv_path), "--name", "Y", "--order", "nope"], "nope"),
        (["plant-a", str(plant.csv_path), "--name", "Y", "--discrete", "nope"], "nope"),
        (["plant-a", str(plant.csv_path), "--name", "Y", "--tag", "speed"], "COLUMN=VALUE"),
        (["no-cube", str(plant.csv_path), "--name", "Y"], "no-cube"),
    ]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a table")
    cases.append((["plant-a", str(bad), "--name", "Z"], "neither CSV nor Parquet"))
    for args, words in cases:
        result = plant.server.cli_result("memory-base", "import", *args)
        assert result.returncode != 0, args
        assert words in result.stderr, (args, result.stderr)
        assert result.stdout == ""
    assert sorted(p.name for p in sample_dir.iterdir()) == before
    names = {line.split("\t")[1] for line in plant.server.cli("memory-base", "list", "plant-a").splitlines()}
    assert "Line 1" in names and not names & {"X", "Y", "Z"}


def test_admin_commands_print_only_the_value(plant: Plant) -> None:
    result = plant.server.cli_result("account", "create", "dave@example.com", "--password", "dave-password")
    assert result.stdout == "dave@example.com\n"
    duplicate = plant.server.cli_result("account", "create", "dave@example.com", "--password", "dave-password")
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    short = plant.server.cli_result("account", "create", "erin@example.com", "--password", "short")
    assert short.returncode == 1 and "password" in short.stderr
    product_id = plant.server.cli("braincube", "create", "dave-cube", "--owner", "dave@example.com")
    assert len(product_id) == 36
    bad_name = plant.server.cli_result("braincube", "create", "bad/name", "--owner", "dave@example.com")
    assert bad_name.returncode == 1 and "bad/name" in bad_name.stderr
    token = plant.server.cli("token", "create", "dave@example.com")
    assert token.startswith("bd_p") and "\n" not in token
    me = httpx.get(plant.url + "/sso-server/ws/user/me", headers={"X-api-key": token}).json()
    assert [e["product"]["productId"] for e in me["accessList"]] == [product_id]


def test_memory_base_delete_removes_its_samples(plant: Plant, tmp_path: Path) -> None:
    path = tmp_path / "temp.csv"
    path.write_text("a,b\n1,x\n2,y\n")
    mb = int(plant.server.cli("memory-base", "import", "plant-a", str(path), "--name", "Temporary"))
    files = {p.name for p in (plant.server.data_dir / "memory-bases").iterdir()}
    with plant.api() as api:
        assert api.post(f"/braincube/plant-a/braindata/mb{mb}/LF", json={"definitions": [f"mb{mb}/d2000001"]}).json()
        assert api.delete(f"/braincube/plant-a/braincube/mb/{mb}").json() == {}
        assert api.get(f"/braincube/plant-a/braincube/mb/{mb}/extended").status_code == 404
    remaining = {p.name for p in (plant.server.data_dir / "memory-bases").iterdir()}
    assert len(files - remaining) == 1
