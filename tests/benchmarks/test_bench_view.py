"""The view-check benchmark runs end to end on a tiny site and prints its rows (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import PRESS

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "view.py"
ROWS = ["fsck --view-only (cold)", "fsck --view-only (cached)", "status (nothing changed)"]


def test_a_small_run_prints_every_row(tmp_path: Path) -> None:
    out = tmp_path / "rows.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--n", "30", "--repeat", "1", "--press", str(PRESS),
         "--workdir", str(tmp_path), "--json", str(out), "--quiet"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for row in ROWS:
        assert any(line.startswith(row + " ") for line in lines), (row, result.stdout)
    assert any(line.startswith("N=30: cached / cold ") for line in lines), result.stdout
    doc = json.loads(out.read_text())
    assert [r["op"] for r in doc["rows"]] == ROWS
    for r in doc["rows"]:
        assert r["n"] == "30" and r["baseline"] == "git status"
        assert r["press"]["wall"] > 0 and r["base"]["wall"] > 0
    assert [p.name for p in tmp_path.iterdir()] == ["rows.json"]


def test_sizes_below_ten_are_refused(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--n", "3", "--workdir", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "--n at least 10" in result.stderr
