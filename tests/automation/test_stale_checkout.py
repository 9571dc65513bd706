"""A stale checkout is not an edit: save --all / --model pass over a file holding an older version's bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressroom import Site
from tests.automation.conftest import committed_site, git
from tests.conftest import run_press, write


@pytest.fixture
def repo(tmp_path: Path, git_home: Path) -> Path:
    """A git repository holding a site in site/ (models author and post), everything committed."""
    return committed_site(tmp_path / "origin")


def save_json(site: Path, *args: str) -> tuple[int, dict]:
    result = run_press(site, "save", *args, "--json")
    return result.returncode, json.loads(result.stdout)


def two_versions(repo: Path) -> tuple[str, str]:
    """post/x saved as One then Two, each committed; returns both version ids."""
    write(repo, "post/x", "title: One\n")
    one = save_json(repo, "post/x", "--commit")[1]["data"]["saved"][0]["version"]
    write(repo, "post/x", "title: Two\n")
    two = save_json(repo, "post/x", "--commit")[1]["data"]["saved"][0]["version"]
    return one, two


@pytest.mark.parametrize("batch", [["--all"], ["--model", "post"]])
def test_a_batch_save_passes_over_an_old_checkout(repo: Path, batch: list[str]) -> None:
    one, two = two_versions(repo)
    git(repo.parent, "checkout", "HEAD~1", "--", "site/content/post/x.yaml")  # the file as git had it before
    assert (repo / "content/post/x.yaml").read_text() == "title: One\n"
    write(repo, "post/y", "title: Y, new\n")  # a real edit in the same batch is saved

    code, env = save_json(repo, *batch)
    assert code == 0, env
    assert env["data"]["stale"] == ["post/x"]
    assert [s["record"] for s in env["data"]["saved"]] == ["post/y"]
    [warning] = [w for w in env["warnings"] if w["code"] == "stale_working_file"]
    assert warning["record"] == "post/x" and warning["file"] == "content/post/x.yaml"
    assert one[:7] in warning["message"] and two[:7] in warning["message"]
    assert f"press revert post/x --to {one[:12]}" in warning["hint"]
    assert Site.open(repo).status("post/x").records[0].current == two

    text = run_press(repo, *["save", *batch])
    assert text.returncode == 0 and b"stale" in text.stderr and b"press revert" in text.stderr

    # Named, the file is saved as an edit, as before.
    code, env = save_json(repo, "post/x")
    assert code == 0 and env["data"]["stale"] == []
    saved = env["data"]["saved"][0]
    assert saved["parent"] == two
    assert saved["blob"] == Site.open(repo).store.get_version(one).blob


def test_a_file_no_version_held_is_saved_by_the_batch(repo: Path) -> None:
    _one, two = two_versions(repo)
    write(repo, "post/x", "title: Three\n")
    code, env = save_json(repo, "--all")
    assert code == 0 and env["data"]["stale"] == [] and env["warnings"] == []
    assert env["data"]["saved"][0]["parent"] == two


def test_nothing_saved_says_why(repo: Path) -> None:
    two_versions(repo)
    git(repo.parent, "checkout", "HEAD~1", "--", "site/content/post/x.yaml")
    result = run_press(repo, "save", "--all")
    assert result.returncode == 0
    assert result.stdout == b"nothing saved: 1 stale working file(s) passed over\n"


def test_the_ci_recipe_in_a_clone_never_puts_old_text_live(repo: Path, tmp_path: Path) -> None:
    """A commit left a working file with unsaved edits out: the clone's file is older than current."""
    one, two = two_versions(repo)
    assert run_press(repo, "publish", "post/x", "--commit").returncode == 0
    write(repo, "post/x", "title: Two and a half, unsaved\n")
    write(repo, "post/x", "title: Three\n")
    assert run_press(repo, "save", "post/x").returncode == 0
    write(repo, "post/x", "title: Three and more, unsaved\n")
    result = run_press(repo, "publish", "post/x", "--commit", "--json")
    assert result.returncode == 0
    assert [w["code"] for w in json.loads(result.stdout)["warnings"]] == ["unsaved_not_committed"]
    three = Site.open(repo).status("post/x").records[0].published

    clone = tmp_path / "ci"
    git(tmp_path, "clone", "-q", str(repo.parent), str(clone))
    site = clone / "site"
    assert (site / "content/post/x.yaml").read_text() == "title: Two\n"  # the last file git got
    assert run_press(site, "fsck").returncode == 0
    code, env = save_json(site, "--all")
    assert code == 0 and env["data"]["stale"] == ["post/x"]
    assert run_press(site, "publish", "--all", "--cascade").returncode == 0
    assert three not in (one, two)
    assert Site.open(site).status("post/x").records[0].published == three
