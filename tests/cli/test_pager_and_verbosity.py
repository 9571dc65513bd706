"""The pager (git's rules), -q and -v before or after the command name, and save's summary line."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pressroom import Site
from tests.cli.terminal import run_in_terminal
from tests.conftest import Cli, run_press, write


@pytest.fixture
def pager(tmp_path: Path) -> tuple[str, Path]:
    """A pager script that copies what it is given to a file (and to the terminal)."""
    seen = tmp_path / "paged.txt"
    script = tmp_path / "fake-pager"
    script.write_text(f"#!/bin/sh\ntee '{seen}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), seen


@pytest.fixture
def saved(site: Site) -> Site:
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    write(site.root, "post/a", "title: A2\n")
    site.save("post/a")
    return site


@pytest.mark.parametrize("args", [["log", "post/a"], ["log", "-p", "post/a"], ["log"], ["show", "post/a"],
                                  ["diff", "post/a", "~1"]])
def test_long_output_goes_through_the_pager_on_a_terminal(saved: Site, pager: tuple[str, Path],
                                                          args: list[str]) -> None:
    command, seen = pager
    code, text = run_in_terminal(saved.root, *args, env={"PAGER": command})
    assert code == 0, text
    # What the pager got is what press writes to a pipe.
    assert seen.read_text() == run_press(saved.root, *args).stdout.decode()
    assert seen.read_text()


def test_press_pager_wins_over_pager(saved: Site, pager: tuple[str, Path]) -> None:
    command, seen = pager
    code, text = run_in_terminal(saved.root, "show", "post/a", env={"PAGER": "false", "PRESS_PAGER": command})
    assert code == 0, text
    assert seen.read_text() == "title: A2\n"


def test_no_pager_off_a_terminal_or_with_no_pager(saved: Site, pager: tuple[str, Path]) -> None:
    command, seen = pager
    proc = run_press(saved.root, "log", "post/a", env={"PAGER": command})
    assert proc.returncode == 0
    assert b"(current)" in proc.stdout
    assert not seen.exists()
    code, text = run_in_terminal(saved.root, "--no-pager", "show", "post/a", env={"PAGER": command})
    assert code == 0 and "title: A2" in text
    assert not seen.exists()
    code, text = run_in_terminal(saved.root, "show", "post/a", "--json", env={"PAGER": command})
    assert code == 0 and not seen.exists()


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_before_or_after_the_command_name(site: Site, where: str) -> None:
    write(site.root, "post/a", "title: A\n")
    args = ["-q", "save", "post/a"] if where == "before" else ["save", "post/a", "-q"]
    proc = run_press(site.root, *args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b""
    assert site.status("post/a").records[0].status == "draft"
    proc = run_press(site.root, "save", "post/zzz", "--quiet")
    assert proc.returncode == 2 and b"post/zzz" in proc.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_before_or_after_names_the_site_and_the_time(site: Site, where: str) -> None:
    args = ["-v", "status"] if where == "before" else ["status", "--verbose"]
    proc = run_press(site.root, *args)
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.decode()
    assert f"site: {site.root}" in err
    assert "press status:" in err and err.rstrip().endswith(" s")


def test_save_all_ends_with_a_one_line_summary(site: Site, cli: Cli) -> None:
    for i in range(3):
        write(site.root, f"post/p{i}", f"title: {i}\n")
    site.save("post/p0")
    lines = cli("save", "--all").stdout.splitlines()
    assert lines[-1] == "2 record(s) saved, 1 unchanged skipped"
    write(site.root, "post/p1", "title: changed\n")
    code, doc = cli.json("-q", "save", "--all")
    assert code == 0
    assert [s["record"] for s in doc["data"]["saved"]] == ["post/p1"]
