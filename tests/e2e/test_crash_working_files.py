"""A command killed between moving refs and writing (or removing) a working file.

``save --set`` and ``save -f`` write the working file, ``delete`` removes it:
that file change belongs to the transaction. A child process kills itself at
the instant it would replace or remove the working file; the next command
must finish the change, or the following ``save --all`` would save the old
text again (undoing the ``--set``) or bring the deleted record back.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pressroom import Site
from tests.conftest import run_press, write

_CHILD = textwrap.dedent("""
    import os, signal, sys
    from pressroom.cli.app import main

    target = os.path.abspath(sys.argv[1])

    def guard(real):
        def call(*args, **kwargs):
            # os.replace(tmp, dst) writes a file; os.unlink(path) removes one
            if os.path.abspath(os.fsdecode(args[-1])) == target:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return call

    os.replace = guard(os.replace)
    os.unlink = guard(os.unlink)
    main(sys.argv[2:])
""")


def _killed_at_working_file(root: Path, record: str, *args: str) -> None:
    model, rid = record.split("/")
    target = root / "content" / model / f"{rid}.yaml"
    child = subprocess.run([sys.executable, "-c", _CHILD, str(target), "-C", str(root), *args],
                           capture_output=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()


def _status(root: Path) -> dict[str, dict]:
    result = run_press(root, "status", "--json")
    assert result.returncode == 0, result.stderr.decode()
    return {row["record"]: row for row in json.loads(result.stdout)["data"]["records"]}


@pytest.fixture
def saved(site: Site) -> Site:
    write(site.root, "post/x", "# keep this comment\ntitle: Old\n")
    write(site.root, "post/y", "title: Y\n")
    site.save(all=True)
    return site


@pytest.mark.parametrize("how", ["--set", "-f"])
def test_a_save_killed_before_its_working_file_is_written_is_finished_by_the_next_command(
        saved: Site, tmp_path: Path, how: str) -> None:
    new = b"# keep this comment\ntitle: New\n"
    if how == "--set":
        args = ("save", "post/x", "--set", "title=New")
    else:
        (tmp_path / "new.yaml").write_bytes(new)
        args = ("save", "post/x", "-f", str(tmp_path / "new.yaml"))
    _killed_at_working_file(saved.root, "post/x", *args)

    rows = _status(saved.root)
    assert (saved.root / "content" / "post" / "x.yaml").read_bytes() == new
    assert rows["post/x"]["changes"] is None
    assert Site.open(saved.root).show("post/x").content == new
    again = run_press(saved.root, "save", "--all", "--json")
    assert again.returncode == 0, again.stderr.decode()
    assert json.loads(again.stdout)["data"]["saved"] == []
    assert Site.open(saved.root).show("post/x").content == new


def test_a_delete_killed_before_its_working_file_is_removed_is_finished_by_the_next_command(saved: Site) -> None:
    _killed_at_working_file(saved.root, "post/x", "delete", "post/x", "--yes")

    rows = _status(saved.root)
    assert not (saved.root / "content" / "post" / "x.yaml").exists()
    assert "post/x" not in rows
    again = run_press(saved.root, "save", "--all", "--json")
    assert again.returncode == 0, again.stderr.decode()
    assert json.loads(again.stdout)["data"]["saved"] == []
    assert "post/x" not in Site.open(saved.root).store.snapshot().current


def test_an_edit_made_after_the_crash_is_kept_by_the_replay(saved: Site) -> None:
    """Replay changes the working file only while it holds what the command saw."""
    _killed_at_working_file(saved.root, "post/x", "save", "post/x", "--set", "title=New")
    path = saved.root / "content" / "post" / "x.yaml"
    path.write_bytes(b"title: typed after the crash\n")

    rows = _status(saved.root)
    assert path.read_bytes() == b"title: typed after the crash\n"
    assert rows["post/x"]["changes"] == "modified"
    assert Site.open(saved.root).show("post/x").content == b"# keep this comment\ntitle: New\n"
