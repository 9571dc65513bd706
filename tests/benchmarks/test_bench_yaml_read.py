"""benchmarks/yaml_read.py runs on a tiny site and prints both readings and the ratio (no timing is checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "yaml_read.py"


def test_a_small_run_prints_both_readings_and_the_ratio() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--n", "40", "--repeat", "1"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("readings differ on 0"), lines[0]
    assert lines[2].startswith("YAML 1.2 (rapidyaml, yamlread)") and lines[3].startswith("before (ruamel C loader)")
    assert lines[4].startswith("ratio new / old: ") and float(lines[4].split()[-1]) > 0
