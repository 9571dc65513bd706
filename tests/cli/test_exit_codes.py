"""What a command ends with when something outside press goes wrong: an OS error,
and a genuine bug."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import PRESS, Cli, run_press, write


def test_an_os_error_names_the_path_and_exits_1(cli: Cli) -> None:
    result = cli("export", "--out", "/dev/null/x")
    assert result.exit_code == 1
    assert result.stderr == "error: /dev/null/x: Not a directory\n"
    assert result.stdout == ""


def test_an_os_error_in_the_envelope(cli: Cli) -> None:
    code, env = cli.json("export", "--out", "/dev/null/x")
    assert (code, env["exit_code"], env["status"]) == (1, 1, "refused")
    assert env["errors"] == [{"code": "os_error", "file": "/dev/null/x", "message": "Not a directory"}]


def test_the_real_press_prints_no_traceback_for_an_os_error(site_dir: Path) -> None:
    result = run_press(site_dir, "export", "--out", "/dev/null/x")
    assert result.returncode == 1
    assert result.stderr.decode() == "error: /dev/null/x: Not a directory\n"


def test_a_bug_keeps_its_traceback_without_local_variables(site_dir: Path) -> None:
    """Anything that is not a PressError or an OSError is press's fault: show where, never the values."""
    script = textwrap.dedent("""
        import sys
        from pressroom import Site
        from pressroom.cli.app import main

        def broken(self, *names, **options):
            secret = "".join(["s3", "cr3t-value"])
            raise RuntimeError("a bug in status")

        Site.status = broken
        main(sys.argv[1:])
    """)
    result = subprocess.run([sys.executable, "-c", script, "-C", str(site_dir), "status"], capture_output=True,
                            text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "COLUMNS": "100"})
    assert result.returncode == 1
    assert "RuntimeError: a bug in status" in result.stderr
    assert "broken" in result.stderr  # the traceback names the frame...
    assert "s3cr3t-value" not in result.stderr  # ...but not its local variables
    assert result.stdout == ""


def test_exit_codes_are_listed_in_press_help(cli: Cli) -> None:
    text = " ".join(cli("--help").stdout.split())
    assert "an OS error: the message names the path" in text


@pytest.mark.parametrize("args", [["status"], ["status", "--json"], ["show", "post/a"], ["log"], ["model", "list"]])
def test_a_reader_that_goes_away_ends_press_quietly_with_141(site_dir: Path, args: list[str]) -> None:
    """press status | head: like git, as if killed by SIGPIPE (128 + 13), with nothing on stderr."""
    for i in range(50):
        write(site_dir, f"post/{'a' if i == 0 else i}", "title: A\n")
    assert run_press(site_dir, "save", "--all").returncode == 0
    proc = subprocess.Popen([str(PRESS), "-C", str(site_dir), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # before press can write a byte: every write meets a closed pipe
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141
    assert err == b""
