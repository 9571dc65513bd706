"""The store after what git does to it: a fresh clone of a new site, and a cherry-pick
or revert of save commits, which git merges cleanly while leaving a version's parent out.

Real git, the real ``press``, the merge driver as ``press merge-driver install`` sets it up.
"""

from __future__ import annotations

import json
from pathlib import Path

from pressroom import Site
from tests.conftest import write
from tests.e2e.test_journal_git import git, press


def test_a_fresh_clone_of_a_new_site_passes_fsck_and_works(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    Site.init(origin)
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "init")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    # Git keeps no empty folder: the clone's store has no objects/, refs/ or logs/.
    assert not (clone / ".press" / "objects").exists() and not (clone / ".press" / "refs").exists()

    fsck = press(clone, "fsck", "--json")
    assert fsck.returncode == 0, fsck.stdout.decode()
    assert json.loads(fsck.stdout)["errors"] == []
    for args in (("status",), ("gc",), ("export", "--out", str(tmp_path / "empty"))):
        assert press(clone, *args).returncode == 0, args

    write(clone, "post/a", "title: A\n")
    assert press(clone, "save", "post/a").returncode == 0
    assert press(clone, "publish", "post/a").returncode == 0
    assert press(clone, "fsck").returncode == 0
    assert (tmp_path / "empty").is_dir()


def test_objects_folder_removed_while_refs_need_it_is_still_damage(tmp_path: Path) -> None:
    root = tmp_path / "site"
    Site.init(root)
    write(root, "post/a", "title: A\n")
    assert press(root, "save", "post/a").returncode == 0
    for p in sorted((root / ".press" / "objects").rglob("*"), reverse=True):
        p.rmdir() if p.is_dir() else p.unlink()
    (root / ".press" / "objects").rmdir()
    fsck = press(root, "fsck", "--json")
    assert fsck.returncode == 4
    errors = json.loads(fsck.stdout)["errors"]
    assert [(e["code"], e["record"]) for e in errors] == [("version_missing", "post/a")]


def _repo_with_driver(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    git(root, "init", "-q")
    Site.init(root)
    assert press(root, "merge-driver", "install").returncode == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return root


def _save_commit(root: Path, text: str) -> str:
    """Save post/a and commit the store alone (the working files are not in these commits)."""
    write(root, "post/a", text)
    result = press(root, "save", "post/a", "-m", text.strip())
    assert result.returncode == 0, result.stderr.decode()
    git(root, "add", ".press")
    git(root, "commit", "-qm", f"save {text.strip()}")
    return Site.open(root).store.read_ref("current", "post/a")


def _missing_parent(root: Path, head: str, parent: str) -> dict:
    fsck = press(root, "fsck", "--json")
    assert fsck.returncode == 4, fsck.stdout.decode()
    errors = json.loads(fsck.stdout)["errors"]
    (error,) = [e for e in errors if e["code"] == "version_missing"]
    assert error["record"] == "post/a"
    assert parent[:12] in error["message"] and head[:12] in error["message"]
    assert "cherry-pick or revert" in error["hint"]
    assert f"{head}" in error["hint"] and ".press/pruned/post/a" in error["hint"]
    return error


def _accept_shorter_history(root: Path, head: str) -> None:
    (root / ".press" / "pruned" / "post").mkdir(parents=True, exist_ok=True)
    (root / ".press" / "pruned" / "post" / "a").write_text(f"{head}\n")
    assert press(root, "fsck").returncode == 0


def test_a_cherry_picked_save_commit_leaves_a_missing_parent_that_fsck_reports(tmp_path: Path) -> None:
    root = _repo_with_driver(tmp_path)
    v1 = _save_commit(root, "title: v1\n")
    git(root, "checkout", "-qb", "feature")
    v2 = _save_commit(root, "title: v2\n")
    v3 = _save_commit(root, "title: v3\n")
    git(root, "checkout", "-q", "main")
    git(root, "cherry-pick", "feature")  # git reports no conflict
    assert not git(root, "status", "--porcelain", "--untracked-files=no").strip()
    assert Site.open(root).store.read_ref("current", "post/a") == v3
    error = _missing_parent(root, v3, v2)
    # The hint's first way out, followed word for word: the parent is on the feature branch.
    commit = git(root, "log", "--all", "--format=%h", "-1", "--", error["file"]).strip()
    assert commit
    git(root, "checkout", commit, "--", ".press/objects")
    assert press(root, "fsck").returncode == 0
    items = json.loads(press(root, "log", "post/a", "--json").stdout)["data"]["items"]
    assert [i["version"] for i in items if i["type"] == "version"] == [v3, v2, v1]


def test_a_reverted_save_commit_leaves_a_missing_parent_that_fsck_reports(tmp_path: Path) -> None:
    root = _repo_with_driver(tmp_path)
    _save_commit(root, "title: v1\n")
    v2 = _save_commit(root, "title: v2\n")
    v3 = _save_commit(root, "title: v3\n")
    git(root, "revert", "--no-edit", "HEAD~1")  # the save of v2; git reports no conflict
    assert Site.open(root).store.read_ref("current", "post/a") == v3
    _missing_parent(root, v3, v2)
    _accept_shorter_history(root, v3)
