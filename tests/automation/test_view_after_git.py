"""What real git does to the published view, and what press does about it.

Each test makes two histories with the real `git` (branches, merge, rebase,
revert, cherry-pick) that git combines without a conflict into a published
view no press command would have made. Afterwards `fsck` and `export` refuse
with exit 5, naming each violation and its fix, `status` still exits 0 and
lists them first, the published read API raises, and the fix named makes the
view whole again. Nothing is repaired on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.errors import ViewBrokenError
from tests.automation.conftest import git, repo_site
from tests.conftest import run_press, write


@pytest.fixture
def repo(tmp_path: Path, git_home: Path) -> Path:
    """A site at a repository's root, merge driver installed: author/ada published, post/a
    (its only referrer) published, post/b a draft linking ada; all committed on main."""
    root = tmp_path / "repo"
    repo_site(root)
    assert run_press(root, "merge-driver", "install").returncode == 0
    write(root, "author/ada", "name: Ada\n")
    write(root, "post/a", "title: A\nauthor: ada\n")
    write(root, "post/b", "title: B\nauthor: ada\n")
    site = Site.open(root)
    site.save(all=True)
    site.publish("post/a", cascade=True)
    _commit(root, "start")
    return root


def _commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def _json(result) -> dict:
    return json.loads(result.stdout)


def _violations(root: Path) -> list[dict]:
    """fsck's violations; asserts fsck refused with exit 5 (no damage, a broken view)."""
    result = run_press(root, "fsck", "--json")
    assert result.returncode == 5, result.stdout.decode() + result.stderr.decode()
    doc = _json(result)
    assert doc["status"] == "view_broken"
    return doc["errors"]


def _assert_refused_everywhere(root: Path, tmp_path: Path, codes: set[str]) -> None:
    found = _violations(root)
    assert {v["code"] for v in found} == codes
    assert all(v["hint"] for v in found)
    out = tmp_path / "public"
    exported = run_press(root, "export", "--out", str(out), "--json")
    assert exported.returncode == 5
    assert {e["code"] for e in _json(exported)["errors"]} == codes
    assert not out.exists() or not any(out.iterdir())
    status = run_press(root, "status", "--json")
    assert status.returncode == 0
    assert {w["code"] for w in _json(status)["warnings"]} >= codes
    with pytest.raises(ViewBrokenError):
        list(Site.open(root).published())


def _merge_a_withdrawal_and_a_new_referrer(repo: Path) -> None:
    """Branch withdraw unpublishes author/ada with her only referrer; main publishes post/b, which links
    to ada (published on main); then main merges withdraw, and git sees no conflict."""
    git(repo, "checkout", "-q", "-b", "withdraw")
    assert run_press(repo, "unpublish", "author/ada", "post/a").returncode == 0
    _commit(repo, "withdraw ada with her only referrer")
    git(repo, "checkout", "-q", "main")
    assert run_press(repo, "publish", "post/b").returncode == 0
    _commit(repo, "publish b")
    merged = git(repo, "merge", "--no-edit", "withdraw", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr


def test_a_clean_merge_that_dangles_a_link_is_refused_until_fixed(repo: Path, tmp_path: Path) -> None:
    _merge_a_withdrawal_and_a_new_referrer(repo)
    _assert_refused_everywhere(repo, tmp_path, {"unpublished_link"})
    (violation,) = _violations(repo)
    assert violation["record"] == "post/b" and violation["path"] == "author"
    assert "author/ada" in violation["message"]
    assert "press publish author/ada --cascade" in violation["hint"]
    assert "press unpublish post/b" in violation["hint"]
    # A preview reads drafts: the link rule does not bar it.
    assert run_press(repo, "export", "--preview", "--out", str(tmp_path / "preview")).returncode == 0

    assert run_press(repo, "publish", "author/ada", "--cascade").returncode == 0
    assert run_press(repo, "fsck").returncode == 0
    assert run_press(repo, "export", "--out", str(tmp_path / "public")).returncode == 0
    assert (tmp_path / "public" / "post" / "b.json").exists()


def test_the_other_fix_unpublishes_the_referrer(repo: Path, tmp_path: Path) -> None:
    _merge_a_withdrawal_and_a_new_referrer(repo)
    assert {v["record"] for v in _violations(repo)} == {"post/b"}
    assert run_press(repo, "unpublish", "post/b").returncode == 0
    assert run_press(repo, "fsck").returncode == 0


def test_publish_on_one_branch_and_archive_on_the_other(repo: Path, tmp_path: Path) -> None:
    # post/b is a draft on both: one branch publishes and archives it, the other publishes it.
    # Each adds a ref file the other lacks, so git merges them without a word.
    git(repo, "checkout", "-q", "-b", "archive")
    assert run_press(repo, "publish", "post/b").returncode == 0
    assert run_press(repo, "archive", "post/b").returncode == 0
    _commit(repo, "publish and archive b")
    git(repo, "checkout", "-q", "main")
    assert run_press(repo, "publish", "post/b").returncode == 0
    _commit(repo, "publish b")
    merged = git(repo, "merge", "--no-edit", "archive", check=False)
    if merged.returncode != 0:
        pytest.fail(f"the merge conflicted, the scenario needs a clean one: {merged.stdout}{merged.stderr}")
    _assert_refused_everywhere(repo, tmp_path, {"published_and_archived"})
    # The first fix it names: keep it withdrawn.
    assert run_press(repo, "archive", "post/b").returncode == 0
    assert run_press(repo, "fsck").returncode == 0


def test_git_revert_of_a_publish_commit(repo: Path, tmp_path: Path) -> None:
    write(repo, "author/grace", "name: Grace\n")
    assert run_press(repo, "save", "author/grace").returncode == 0
    _commit(repo, "grace, a draft")
    assert run_press(repo, "publish", "author/grace").returncode == 0
    _commit(repo, "publish grace")
    publish_commit = git(repo, "rev-parse", "HEAD").stdout.strip()
    write(repo, "post/c", "title: C\nauthor: grace\n")
    assert run_press(repo, "save", "post/c").returncode == 0
    assert run_press(repo, "publish", "post/c").returncode == 0
    _commit(repo, "publish c")
    # git takes grace's publish back, event-log lines included, and sees no conflict.
    git(repo, "revert", "--no-edit", publish_commit)
    _assert_refused_everywhere(repo, tmp_path, {"unpublished_link"})
    (violation,) = _violations(repo)
    assert violation["record"] == "post/c" and "author/grace" in violation["message"]
    assert run_press(repo, "publish", "author/grace", "--cascade").returncode == 0
    assert run_press(repo, "fsck").returncode == 0


def test_a_rebase_that_lands_a_publish_on_a_delete(repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "-q", "-b", "cascade")
    assert run_press(repo, "publish", "post/b", "--cascade").returncode == 0
    _commit(repo, "publish b")
    git(repo, "checkout", "-q", "main")
    assert run_press(repo, "delete", "post/b", "--yes").returncode == 0
    _commit(repo, "delete b")
    git(repo, "checkout", "-q", "cascade")
    rebased = git(repo, "rebase", "main", check=False)
    assert rebased.returncode == 0, f"the scenario needs a quiet rebase: {rebased.stdout}{rebased.stderr}"
    codes = {v["code"] for v in _violations(repo)}
    assert "published_without_current" in codes
    exported = run_press(repo, "export", "--preview", "--out", str(tmp_path / "preview"))
    assert exported.returncode == 5  # a ref state bars a preview too
    assert run_press(repo, "delete", "post/b", "--yes").returncode == 0
    assert run_press(repo, "fsck").returncode == 0


def test_deleted_refs_and_logs_are_violations(repo: Path, tmp_path: Path) -> None:
    import shutil

    shutil.rmtree(repo / ".press" / "refs")
    codes = {v["code"] for v in _violations(repo)}
    assert codes == {"refs_missing"}
    assert run_press(repo, "export", "--out", str(tmp_path / "public")).returncode == 5
    git(repo, "checkout", "--", ".press/refs")
    assert run_press(repo, "fsck").returncode == 0
    # Each answer after a change to the logs alone, from the cached check as well as from fsck.
    assert run_press(repo, "fsck", "--view-only").returncode == 0
    (repo / ".press" / "logs" / "post" / "a").unlink()
    assert run_press(repo, "fsck", "--view-only").returncode == 5
    assert run_press(repo, "export", "--out", str(tmp_path / "public")).returncode == 5
    (violation,) = _violations(repo)
    assert violation["code"] == "refs_without_log" and violation["record"] == "post/a"
    git(repo, "checkout", "--", ".press/logs")
    assert run_press(repo, "fsck", "--view-only").returncode == 0
    assert run_press(repo, "export", "--out", str(tmp_path / "public")).returncode == 0
    assert run_press(repo, "fsck").returncode == 0


def test_a_published_ref_naming_another_records_version(repo: Path, tmp_path: Path) -> None:
    refs = repo / ".press" / "refs" / "published"
    (refs / "post" / "a").write_bytes((refs / "author" / "ada").read_bytes())
    result = run_press(repo, "fsck", "--json")
    assert result.returncode == 4  # fsck's byte checks see it as damage first
    out = tmp_path / "public"
    exported = run_press(repo, "export", "--out", str(out), "--json")
    assert exported.returncode == 5
    assert {e["code"] for e in _json(exported)["errors"]} == {"foreign_version"}
    assert not out.exists()


def test_resolve_refuses_the_side_that_strands_a_referrer(repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "-q", "-b", "withdraw")
    assert run_press(repo, "unpublish", "author/ada", "post/a").returncode == 0
    _commit(repo, "withdraw ada")
    git(repo, "checkout", "-q", "main")
    write(repo, "author/ada", "name: Ada Lovelace\n")
    assert run_press(repo, "save", "author/ada").returncode == 0
    assert run_press(repo, "publish", "author/ada", "post/b").returncode == 0
    _commit(repo, "new ada, and b")
    merged = git(repo, "merge", "--no-edit", "withdraw", check=False)
    assert merged.returncode != 0  # ada's published ref: changed here, deleted there
    before = (repo / ".press" / "refs" / "published" / "author" / "ada").read_bytes()
    # While refs are unmerged the view is not judged, and says so.
    view = run_press(repo, "fsck", "--view-only", "--json")
    assert view.returncode == 0 and _json(view)["data"]["merging"] is True
    assert b"not judged" in run_press(repo, "fsck", "--view-only").stdout

    theirs = run_press(repo, "resolve", "author/ada", "--theirs", "--json")
    assert theirs.returncode == 1, theirs.stdout.decode()
    doc = _json(theirs)
    assert [(e["code"], e["record"]) for e in doc["errors"]] == [("unpublished_link", "post/b")]
    assert "press unpublish post/b" in doc["errors"][0]["hint"]
    assert (repo / ".press" / "refs" / "published" / "author" / "ada").read_bytes() == before

    assert run_press(repo, "resolve", "author/ada", "--ours").returncode == 0
    git(repo, "commit", "-q", "--no-edit")
    assert run_press(repo, "fsck").returncode == 0
