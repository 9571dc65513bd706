"""What press prints to a pipe or a file is its text as it is, as git writes it; styles are for terminals.

log, diff and status write to a pipe without loading rich (its import cost a piped command 30 ms
or more): the text is then exactly what the record holds, tabs and all. FORCE_COLOR and
TTY_COMPATIBLE=1, which make rich style a pipe, still do. A message's `:name:` is never turned into
an emoji, on a terminal either: record text is printed as text.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pressroom import Site
from tests.cli.terminal import run_in_terminal
from tests.conftest import PRESS, write

MESSAGE = "ship it :rocket:\tnow"


def saved(site_dir: Path) -> Site:
    site = Site.open(site_dir)
    write(site_dir, "post/hello", "title: Hello\n")
    site.save("post/hello", message=MESSAGE)
    site.publish("post/hello", message=MESSAGE)
    return site


def _without_style_variables() -> dict[str, str]:
    # Whatever the machine running the tests has set.
    return {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR")}


def _run(root: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run([str(PRESS), "-C", str(root), *args], capture_output=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode()


def test_a_piped_log_prints_the_message_as_it_is(site_dir: Path) -> None:
    saved(site_dir)
    out = _run(site_dir, "log", "post/hello", env=_without_style_variables())
    assert f"    {MESSAGE}\n" in out
    assert f": {MESSAGE}\n" in out
    assert "\x1b[" not in out
    site_feed = _run(site_dir, "log", env=_without_style_variables())
    assert site_feed.count(f": {MESSAGE}\n") == 2  # its save and its publish


def test_force_color_still_styles_a_pipe(site_dir: Path) -> None:
    saved(site_dir)
    for variable, value in (("FORCE_COLOR", "1"), ("TTY_COMPATIBLE", "1")):
        env = {**_without_style_variables(), variable: value, "TERM": "xterm-256color"}
        out = _run(site_dir, "log", "post/hello", env=env)
        # The published event is green.
        assert "\x1b[32m" in out, (variable, out)
        status = _run(site_dir, "status", env=env)
        assert "\x1b[" in status, (variable, status)


def test_a_piped_status_table_is_plain_lines(site_dir: Path) -> None:
    saved(site_dir)
    write(site_dir, "post/hello", "title: Hello again\n")
    out = _run(site_dir, "status", env=_without_style_variables())
    lines = out.splitlines()
    assert lines[0].split() == ["record", "status", "changes", "current", "published", "last", "change", "by"]
    assert lines[1].startswith("post/hello")
    assert lines[-1].startswith("1 record(s): ")
    assert "\x1b[" not in out


def test_a_terminal_shows_emoji_codes_as_typed(site_dir: Path) -> None:
    saved(site_dir)
    code, out = run_in_terminal(site_dir, "log", "post/hello", env={"PRESS_PAGER": "cat"})
    assert code == 0, out
    assert ":rocket:" in out
    assert "\N{ROCKET}" not in out
