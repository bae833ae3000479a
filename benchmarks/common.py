"""Pieces the benchmarks share: the official client's virtualenv, the admin CLI, the work directory and RESULTS.md."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from braindock.server_process import cli_command

REPO = Path(__file__).resolve().parents[1]
RESULTS_FILE = Path(__file__).resolve().with_name("RESULTS.md")
VENVS = REPO / ".compat-venvs"


def official_python(distribution: str, version: str) -> Path:
    """Interpreter of ``.compat-venvs/<distribution>-<version>``: reused when it has that version installed,
    rebuilt otherwise (``python -m venv`` + ``pip install``), the same place ``tests/compat`` uses.
    """
    venv = VENVS / f"{distribution}-{version}"
    python = venv / "bin" / "python"
    check = f"from importlib.metadata import version; assert version({distribution!r}) == {version!r}"
    if python.exists() and subprocess.run([str(python), "-c", check], capture_output=True).returncode == 0:
        return python
    print(f"creating {venv.relative_to(REPO)} (pip install {distribution}=={version})", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", f"{distribution}=={version}"], check=True, timeout=900
    )
    return python


def cli(data_dir: Path, *args: str) -> str:
    """Run ``braindock --data-dir D ARGS`` and return its stdout (raise with its stderr on failure)."""
    result = subprocess.run(cli_command(data_dir, *args), capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"braindock {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout.strip()


def write_results(heading: str, section: str) -> None:
    """Put ``section`` (starting with the line ``heading``) into RESULTS.md, replacing an older section
    with that heading and keeping the others."""
    if RESULTS_FILE.exists():
        text = RESULTS_FILE.read_text()
    else:
        text = "# Benchmark results\n\nWritten by the scripts in `benchmarks/` (see README.md there).\n"
    start = text.find(heading)
    if start >= 0:
        following = text.find("\n## ", start + len(heading))
        end = len(text) if following < 0 else following + 1
        text = text[:start] + section + ("\n" + text[end:] if end < len(text) else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS_FILE.write_text(text.rstrip("\n") + "\n")
    print(f"wrote {RESULTS_FILE}", flush=True)


def run_and_report(
    args: argparse.Namespace, run: Callable[[argparse.Namespace, Path], str], section: str, prefix: str
) -> int:
    """Run ``run(args, work_dir)`` in ``args.keep`` (emptied first, kept afterwards) or a temporary directory
    named ``prefix…``, print the report it returns and, with ``args.write_results``, put it into RESULTS.md
    under ``section``. Returns the process exit code (0)."""
    if args.keep is not None:
        shutil.rmtree(args.keep, ignore_errors=True)
        args.keep.mkdir(parents=True)
        text = run(args, args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix=prefix) as work:
            text = run(args, Path(work))
    print()
    print(text)
    if args.write_results:
        write_results(section, text)
    return 0
