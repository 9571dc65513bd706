"""The benchmark script runs end to end on a tiny site and prints every row (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import PRESS

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "run.py"

EVERYDAY = ["validate --all (cold)", "status (warm, in git)", "show REF@published", "log REF", "diff REF (edited)",
            "status REF", "save REF (one edited file)", "publish REF --cascade", "status REF after a publish",
            "validate --all (after one edit)"]
ROWS = [*EVERYDAY, "save --all (N new)", "status (nothing changed)", "save --all (10% edited)", "publish --all --cascade",
        "export (first run)", "export (nothing changed, cold)", "export (nothing changed)", "fsck (2 versions each)", "log REF (4 versions)",
        "--version", "--help"]


def test_a_small_run_prints_every_row(tmp_path: Path) -> None:
    out = tmp_path / "rows.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--n", "30", "--versions", "2", "--log-versions", "4", "--repeat", "1",
         "--press", str(PRESS), "--workdir", str(tmp_path), "--json", str(out), "--quiet"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = lines[1].split()
    assert header[:3] == ["operation", "N", "press"]
    for row in ROWS:
        assert any(line.startswith(row + " ") for line in lines), (row, result.stdout)
    assert lines[-1].startswith(f"{len(ROWS)} rows in ")

    doc = json.loads(out.read_text())
    assert [r["op"] for r in doc["rows"]] == ROWS
    assert {r["n"] for r in doc["rows"][:15]} == {"30"}
    for r in doc["rows"]:
        assert r["press"]["wall"] > 0 and r["base"]["wall"] > 0 and r["press"]["peak_mb"] > 0
    assert set(doc["machine"]) >= {"cpus", "cpu", "python", "git", "disk"}
    # The sites are removed afterwards unless --keep is given.
    assert [p.name for p in tmp_path.iterdir()] == ["rows.json"]

    shown = subprocess.run([sys.executable, str(SCRIPT), "--show", str(out)], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[1:] == lines[1:-1]


def test_the_table_can_be_markdown(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--n", "12", "--versions", "1", "--log-versions", "2", "--repeat", "1",
         "--press", str(PRESS), "--workdir", str(tmp_path), "--markdown", "--quiet"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    table = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert table[0].startswith("| operation | N |")
    assert len(table) == 2 + len(ROWS)
    assert all(line.count("|") == table[0].count("|") for line in table)


def test_sizes_below_ten_are_refused(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--n", "3", "--workdir", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "--n at least 10" in result.stderr


def test_the_audit_benchmark_runs_and_prints_its_row(tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "audit.py"), "--n", "30", "--repeat", "1", "--press", str(PRESS),
         "--workdir", str(tmp_path), "--json", str(out), "--quiet"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert any(line.startswith("audit (30 pages, ") for line in result.stdout.splitlines()), result.stdout
    [row] = json.loads(out.read_text())["rows"]
    assert row["baseline"] == "grep -rFf FRAGMENTS OUT" and row["target"] == 3.0
    assert row["press"]["wall"] > 0 and row["base"]["wall"] > 0
    assert [p.name for p in tmp_path.iterdir()] == ["audit.json"]


def test_the_everyday_rows_alone(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--only", "everyday", "--n", "12", "--repeat", "1", "--press", str(PRESS),
         "--workdir", str(tmp_path), "--quiet"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    ops = [line.split("  ")[0] for line in result.stdout.splitlines()[2:-1]]
    assert ops == [*EVERYDAY, "--version", "--help"]
