"""Releases in git: two branches add different records to one release, and git merges them
without a conflict (one file per entry). Real git, the real ``press``, the merge driver and
attributes as ``press git setup`` writes them."""

from __future__ import annotations

import json
from pathlib import Path

from pressroom import Site
from tests.conftest import write
from tests.e2e.test_journal_git import git, press


def _ok(root: Path, *args: str) -> dict:
    result = press(root, *args, "--json")
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    return json.loads(result.stdout)["data"]


def test_two_branches_adding_to_one_release_merge_cleanly(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    git(root, "init", "-q")
    Site.init(root)
    assert press(root, "git", "setup", "--no-git-hooks").returncode == 0
    for name in ("a", "b", "c"):
        write(root, f"post/{name}", f"title: {name}\n")
    _ok(root, "save", "--all")
    _ok(root, "release", "create", "launch", "-m", "spring")
    _ok(root, "release", "add", "launch", "post/a")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "release launch with post/a")

    git(root, "checkout", "-q", "-b", "other")
    _ok(root, "release", "add", "launch", "post/b")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "add post/b")

    git(root, "checkout", "-q", "main")
    _ok(root, "release", "add", "launch", "post/c", "--unpublish")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "add post/c")

    git(root, "merge", "-q", "--no-edit", "other")
    assert git(root, "status", "--porcelain") == ""
    shown = _ok(root, "release", "show", "launch")
    assert [(e["record"], e["action"]) for e in shown["entries"]] == [
        ("post/a", "publish"), ("post/b", "publish"), ("post/c", "unpublish")]
    assert shown["release"]["message"] == "spring"
    # post/c is not published: the unpublish is skipped, the rest goes live.
    done = _ok(root, "release", "publish", "launch")
    assert sorted(m["record"] for m in done["moves"]) == ["post/a", "post/b"]
    assert _ok(root, "fsck") is not None
