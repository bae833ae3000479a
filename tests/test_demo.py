"""``braindock demo`` (what ``make demo`` runs) works on the real dryer data, and again on the same data dir."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port

pytest.importorskip("process_improve", reason="the demo data ships in the 'demo' extra (process-improve)")
pytest.importorskip("openminds", reason="the demo's species ship in the 'demo' extra (openminds)")
try:  # read as package data only: iblatlas is installed with --no-deps and never imported
    importlib.metadata.distribution("iblatlas")
except importlib.metadata.PackageNotFoundError:
    pytest.skip(
        "the demo's brain regions ship in iblatlas (pip install --no-deps iblatlas==1.3.0)", allow_module_level=True
    )


def run_demo(data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "braindock.cli", "demo", "--data-dir", str(data_dir), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(data_dir.parent)},
    )


def test_demo_walks_through_the_real_data_twice(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo-data"
    first = run_demo(data_dir)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    out = " ".join(first.stdout.split())
    assert "9,220 in the memory base, 92 match" in out
    assert "2,329 rows" in out
    assert "pip install braincube-connector==2.8.0" in out
    assert (data_dir / "braindock.sqlite").is_file()
    assert len(list((data_dir / "memory-bases").glob("*.duckdb"))) == 2
    # BrainSTEM: taxonomies from iblatlas' Allen structure tree and openMINDS species, then a lab project
    assert "Brain regions: 1,327 Allen mouse brain structures" in out
    assert "1,327 created now" in out
    assert "Species: 26 with NCBI Taxonomy ids" in out
    assert "Mus musculus (NCBI Taxonomy 10090)" in out
    assert "3 subjects (C57BL/6J), 12 sessions (17 records created now)" in out
    assert "parent CA (Ammon's horn)" in out
    assert "8 match, first 5" in out
    second = run_demo(data_dir)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    again = " ".join(second.stdout.split())
    assert "92 match" in again
    assert "Brain regions: 1,327 Allen mouse brain structures" in again
    assert "0 created now" in again and "(0 records created now)" in again
    assert "Species: 26 with NCBI Taxonomy ids" in again
    assert len(list((data_dir / "memory-bases").glob("*.duckdb"))) == 2
