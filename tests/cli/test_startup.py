"""Start-up: ``press --version`` loads nothing a command would, and says what the full CLI says."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PRESS

PROBE = """
import sys
from pressroom.cli.entry import main
try:
    main(["--version"])
except SystemExit as e:
    assert e.code == 0, e.code
heavy = ("pressroom.api", "typer", "rich", "ruamel", "jsonschema", "git")
print(sorted(m for m in sys.modules if m in heavy or m.split(".")[0] in heavy[1:]))
"""


def test_version_loads_no_command_and_no_library() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    version, loaded = out.splitlines()
    assert version.startswith("press ")
    assert loaded == "[]"


def test_the_quick_version_is_the_one_the_full_cli_prints() -> None:
    quick = subprocess.run([str(PRESS), "--version"], capture_output=True, text=True)
    full = subprocess.run([sys.executable, "-m", "pressroom", "--version"], capture_output=True, text=True)
    assert (quick.returncode, full.returncode) == (0, 0)
    assert quick.stdout == full.stdout
    assert quick.stdout.startswith("press 0.")


def test_anything_else_goes_to_the_full_cli() -> None:
    result = subprocess.run([str(PRESS), "--version", "--nonsense"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "No such option: --nonsense" in result.stderr


def test_the_library_loads_only_what_it_is_asked_for() -> None:
    probe = ("import sys, pressroom; print('pressroom.api' in sys.modules); "
             "pressroom.Site; print('pressroom.api' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]
