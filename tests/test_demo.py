"""``braindock demo`` (what ``make demo`` runs) works on the real dryer data, and again on the same data dir."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port

pytest.importorskip("process_improve", reason="the demo data ships in the 'demo' extra (process-improve)")


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
    second = run_demo(data_dir)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "92 match" in " ".join(second.stdout.split())
    assert len(list((data_dir / "memory-bases").glob("*.duckdb"))) == 2
