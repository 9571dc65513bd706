"""A YAML library's own warnings never reach the user's terminal: press has judged the text already."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import run_press, write

REUSED_ANCHOR = "title: &x One\nsummary: &x Two\nbody: *x\n"


def test_a_reused_anchor_prints_only_presss_own_words(tmp_path: Path) -> None:
    assert run_press(tmp_path, "init", str(tmp_path)).returncode == 0
    write(tmp_path, "post/a", REUSED_ANCHOR)
    write(tmp_path, "post/b", "title: B\nsummary: [unclosed\n")
    for args in (["validate", "--all"], ["save", "--all"], ["validate", "--all"], ["status"]):
        shutil.rmtree(tmp_path / ".press" / "cache", ignore_errors=True)  # every file read afresh
        result = run_press(tmp_path, *args)
        stderr = result.stderr.decode()
        assert "Warning" not in stderr and "ruamel" not in stderr, (args, stderr)
    assert "post/b" in run_press(tmp_path, "validate", "--all").stderr.decode()
