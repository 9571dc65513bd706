"""--commit commits a whole state: a clone of any --commit commit passes fsck and shows the same statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressroom import Site
from tests.automation.conftest import committed_files, committed_site, git
from tests.conftest import run_press, write


@pytest.fixture
def repo(tmp_path: Path, git_home: Path) -> Path:
    """A git repository holding a site in site/ (models author and post), everything committed."""
    return committed_site(tmp_path / "origin")


def press_json(site: Path, *args: str) -> tuple[int, dict]:
    result = run_press(site, *args, "--json")
    return result.returncode, json.loads(result.stdout)


def clone(repo: Path, dest: Path) -> Path:
    """A fresh clone of the origin's HEAD, as a CI job gets it; returns its site folder."""
    git(dest.parent, "clone", "-q", str(repo.parent), str(dest))
    return dest / "site"


def statuses(site: Path) -> list[dict]:
    code, env = press_json(site, "status")
    assert code == 0, env
    # Times and authors come from the store, so they must agree too; nothing is left out.
    return env["data"]["records"]


def assert_clone_matches(repo: Path, tmp_path: Path) -> Path:
    copy = clone(repo, tmp_path / "clone")
    fsck = run_press(copy, "fsck")
    assert fsck.returncode == 0, fsck.stdout.decode() + fsck.stderr.decode()
    assert statuses(copy) == statuses(repo)
    return copy


def test_a_publish_commit_carries_the_save_made_without_commit(repo: Path, tmp_path: Path) -> None:
    """The issue's split commit: the old text must not go live again in a clone."""
    write(repo, "post/x", "title: One\n")
    assert run_press(repo, "save", "post/x", "--commit").returncode == 0
    assert run_press(repo, "publish", "post/x", "--commit").returncode == 0
    write(repo, "post/x", "title: Two\n")
    code, env = press_json(repo, "save", "post/x")  # no --commit
    assert code == 0
    two = env["data"]["saved"][0]
    code, env = press_json(repo, "publish", "post/x", "--commit")
    assert code == 0 and env["warnings"] == [], env
    files = committed_files(repo.parent)
    assert {"site/.press/refs/published/post/x", "site/.press/refs/current/post/x", "site/content/post/x.yaml",
            f"site/.press/objects/{two['version'][:2]}/{two['version'][2:]}",
            f"site/.press/objects/{two['blob'][:2]}/{two['blob'][2:]}", "site/.press/logs/post/x"} <= files
    assert git(repo.parent, "status", "--porcelain").stdout == ""

    copy = assert_clone_matches(repo, tmp_path)
    # The CI recipe in the clone changes nothing: the new text stays live.
    assert run_press(copy, "save", "--all").returncode == 0
    assert run_press(copy, "publish", "--all", "--cascade").returncode == 0
    assert Site.open(copy).status("post/x").records[0].published == two["version"]


def test_a_cascade_commit_brings_every_record_it_touched_whole(repo: Path, tmp_path: Path) -> None:
    write(repo, "author/ada", "name: Ada\n")
    write(repo, "post/x", "title: X\nauthor: ada\n")
    assert run_press(repo, "save", "--all").returncode == 0  # nothing of it in git yet
    code, env = press_json(repo, "publish", "post/x", "--cascade", "--commit")
    assert code == 0, env
    assert {"site/content/author/ada.yaml", "site/.press/refs/current/author/ada",
            "site/.press/refs/published/author/ada"} <= committed_files(repo.parent)
    assert_clone_matches(repo, tmp_path)


def test_a_record_published_earlier_without_commit_comes_with_its_referrer(repo: Path, tmp_path: Path) -> None:
    """post/x links to author/ada, published before without --commit: the clone's view must not dangle."""
    write(repo, "author/ada", "name: Ada\n")
    assert run_press(repo, "save", "author/ada").returncode == 0
    assert run_press(repo, "publish", "author/ada").returncode == 0  # no --commit
    write(repo, "post/x", "title: X\nauthor: ada\n")
    assert run_press(repo, "save", "post/x").returncode == 0
    code, env = press_json(repo, "publish", "post/x", "--commit")  # no cascade needed: ada is published
    assert code == 0, env
    assert [m["record"] for m in env["data"]["moves"]] == ["post/x"]
    assert {"site/.press/refs/published/author/ada", "site/.press/refs/current/author/ada",
            "site/content/author/ada.yaml"} <= committed_files(repo.parent)
    assert_clone_matches(repo, tmp_path)


def test_a_ref_removed_without_commit_is_committed_removed(repo: Path, tmp_path: Path) -> None:
    write(repo, "post/x", "title: X\n")
    assert run_press(repo, "save", "post/x", "--commit").returncode == 0
    assert run_press(repo, "publish", "post/x", "--commit").returncode == 0
    assert run_press(repo, "unpublish", "post/x").returncode == 0  # no --commit
    code, env = press_json(repo, "archive", "post/x", "--commit")
    assert code == 0, env
    # git shows the move as a rename of the ref file; both sides are in the commit.
    removed = git(repo.parent, "show", "--no-renames", "--name-status", "--format=").stdout.splitlines()
    assert "D\tsite/.press/refs/published/post/x" in removed
    assert git(repo.parent, "ls-files", "site/.press/refs/published").stdout == ""
    copy = assert_clone_matches(repo, tmp_path)
    assert Site.open(copy).status("post/x").records[0].status == "archived"


def test_a_working_file_with_unsaved_edits_is_left_out_and_named(repo: Path, tmp_path: Path) -> None:
    write(repo, "post/x", "title: One\n")
    assert run_press(repo, "save", "post/x", "--commit").returncode == 0
    write(repo, "post/x", "title: Two\n")
    assert run_press(repo, "save", "post/x").returncode == 0
    write(repo, "post/x", "title: Three, not saved\n")
    code, env = press_json(repo, "publish", "post/x", "--commit")
    assert code == 0
    [warning] = env["warnings"]
    assert warning["code"] == "unsaved_not_committed"
    assert warning["file"] == "content/post/x.yaml" and warning["record"] == "post/x"
    assert "unsaved edits" in warning["message"]
    [in_result] = env["data"]["after"]["warnings"]
    assert (in_result["code"], in_result["where"]["file"]) == ("unsaved_not_committed", "content/post/x.yaml")
    files = committed_files(repo.parent)
    assert "site/content/post/x.yaml" not in files and "site/.press/refs/current/post/x" in files
    # The text run says it too.
    write(repo, "post/y", "title: Y\n")
    assert run_press(repo, "save", "post/y", "--commit").returncode == 0
    write(repo, "post/y", "title: Y edited\n")
    text = run_press(repo, "publish", "post/y", "--commit")
    assert text.returncode == 0 and b"warning" in text.stderr and b"content/post/y.yaml" in text.stderr
    # The git file is still the one committed before; the store in the clone is whole.
    copy = clone(repo, tmp_path / "clone")
    assert run_press(copy, "fsck").returncode == 0
    assert (copy / "content/post/x.yaml").read_text() == "title: One\n"
    origin = {r["record"]: r for r in statuses(repo)}
    for r in statuses(copy):
        assert (r["current"], r["published"]) == (origin[r["record"]]["current"], origin[r["record"]]["published"])


def test_the_python_api_reports_the_left_out_file(repo: Path) -> None:
    site = Site.open(repo)
    write(repo, "post/x", "title: One\n")
    site.save("post/x")
    write(repo, "post/x", "title: edited\n")
    result = site.publish("post/x", commit=True)
    assert result.after.commit is not None and result.after.ok
    assert [w.where.record for w in result.after.warnings] == ["post/x"]
    assert "site/content/post/x.yaml" not in result.after.commit.files
    assert ".press/refs/current/post/x" in result.after.commit.files
