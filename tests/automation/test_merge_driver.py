"""A real `git merge` of two branches that both saved and published the same record.

When one side's version descends from the other's, the merge driver takes the
descendant and the merge is clean; when they diverged, the ref files are left
in conflict, `press status` reports it as such, other commands refuse with
exit 3, and `press resolve` ends it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressroom import Site
from tests.automation.conftest import git, repo_site
from tests.conftest import run_press, write


@pytest.fixture
def repo(tmp_path: Path, git_home: Path) -> Path:
    """A repository whose root is a site with the merge driver installed; post/x saved (v1) and committed."""
    root = tmp_path / "repo"
    repo_site(root)
    installed = run_press(root, "merge-driver", "install", "--json")
    assert installed.returncode == 0, installed.stderr.decode()
    assert json.loads(installed.stdout)["data"]["added"] == []  # press init wrote the attributes
    again = json.loads(run_press(root, "merge-driver", "install", "--json").stdout)
    assert again["data"]["added"] == []  # idempotent
    assert "merge=pressroom-ref" in (root / ".gitattributes").read_text()
    assert "merge-driver run" in git(root, "config", "merge.pressroom-ref.driver").stdout
    _save(root, "title: one\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    return root


def _save(root: Path, text: str, *, publish: bool = False) -> str:
    write(root, "post/x", text)
    site = Site.open(root)
    version = site.save("post/x").saved[0].version
    if publish:
        site.publish("post/x")
    return version


def _commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def _status(root: Path) -> dict:
    result = run_press(root, "status", "post/x", "--json")
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def test_the_driver_takes_the_descendant(repo: Path) -> None:
    v2 = _save(repo, "title: two\n")
    _commit(repo, "main saves v2")
    git(repo, "checkout", "-q", "-b", "feature")
    v3 = _save(repo, "title: three\n", publish=True)  # builds on v2
    _commit(repo, "feature saves and publishes v3")
    git(repo, "checkout", "-q", "main")
    Site.open(repo).publish("post/x")  # main publishes v2 meanwhile
    _commit(repo, "main publishes v2")

    merged = git(repo, "merge", "-q", "--no-edit", "feature", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "took theirs" in merged.stderr  # the driver said what it did
    row = _status(repo)["data"]["records"][0]
    assert (row["status"], row["current"], row["published"], row["changes"]) == ("published", v3, v3, None)
    site = Site.open(repo)
    assert site.fsck().ok
    publishes = [e["new"] for e in site.store.read_log("post/x") if e["action"] == "publish"]
    assert sorted(publishes) == sorted([v2, v3])  # both branches' events kept (union merge of the log)
    assert git(repo, "status", "--porcelain").stdout == ""


def _diverge(repo: Path) -> tuple[str, str]:
    Site.open(repo).publish("post/x")
    _commit(repo, "publish v1")
    git(repo, "checkout", "-q", "-b", "feature")
    theirs = _save(repo, "title: feature's two\n", publish=True)
    _commit(repo, "feature: v2b")
    git(repo, "checkout", "-q", "main")
    ours = _save(repo, "title: main's two\n", publish=True)
    _commit(repo, "main: v2a")
    merged = git(repo, "merge", "--no-edit", "feature", check=False)
    assert merged.returncode != 0
    assert "diverged" in merged.stderr and "press resolve post/x" in merged.stderr
    return ours, theirs


def test_diverged_versions_are_left_in_conflict_and_reported(repo: Path) -> None:
    ours, theirs = _diverge(repo)
    ref = (repo / ".press" / "refs" / "published" / "post" / "x").read_text()
    assert ref.startswith("<<<<<<< ") and ours in ref and theirs in ref

    env = _status(repo)
    row = env["data"]["records"][0]
    assert row["status"] == "conflict"
    assert {(c["kind"], c["ours"], c["theirs"]) for c in row["conflicts"]} == {
        ("current", ours, theirs), ("published", ours, theirs)}
    assert env["data"]["counts"]["conflict"] == 1
    assert {w["code"] for w in env["warnings"]} == {"merge_conflict"}
    assert all(w["hint"] == "press resolve post/x --ours | --theirs | --version V" for w in env["warnings"])
    human = run_press(repo, "status")
    assert b"conflict" in human.stdout and b"press resolve post/x" in human.stderr

    # A merge state, not damage: commands that need the refs refuse with exit 3; fsck warns.
    blocked = run_press(repo, "publish", "--all", "--json")
    assert blocked.returncode == 3
    assert json.loads(blocked.stdout)["errors"][0]["code"] == "merge_conflict"
    fsck = json.loads(run_press(repo, "fsck", "--json").stdout)
    assert fsck["exit_code"] == 0 and {w["code"] for w in fsck["warnings"]} == {"merge_conflict"}


@pytest.mark.parametrize("side", ["--ours", "--theirs", "--version"])
def test_resolve_picks_a_side(repo: Path, side: str) -> None:
    ours, theirs = _diverge(repo)
    args = [side, theirs[:10]] if side == "--version" else [side]
    result = run_press(repo, "resolve", "post/x", *args, "--json")
    assert result.returncode == 0, result.stderr.decode()
    chosen = ours if side == "--ours" else theirs
    assert {(r["kind"], r["chosen"]) for r in json.loads(result.stdout)["data"]["resolved"]} == {
        ("current", chosen), ("published", chosen)}
    row = _status(repo)["data"]["records"][0]
    assert (row["status"], row["current"], row["published"]) == ("published", chosen, chosen)
    # The working file, which git had left with markers, holds the chosen version.
    assert row["changes"] is None
    _commit(repo, "merge feature")
    site = Site.open(repo)
    assert site.fsck().ok
    assert [e["action"] for e in site.store.read_log("post/x")][-2:] == ["resolve", "resolve"]


def test_resolve_commit_during_the_merge_stages_for_the_merge_commit(repo: Path) -> None:
    """git refuses a commit of some paths alone during a merge: --commit stages them for it."""
    ours, _theirs = _diverge(repo)
    result = run_press(repo, "resolve", "post/x", "--ours", "--commit", "--json")
    assert result.returncode == 0, result.stderr.decode()
    after = json.loads(result.stdout)["data"]["after"]["commit"]
    assert after["staged_only"] is True
    assert ".press/refs/published/post/x" in after["files"]
    unmerged = git(repo, "diff", "--name-only", "--diff-filter=U").stdout
    assert ".press/refs" not in unmerged
    git(repo, "commit", "-q", "--no-edit")
    assert git(repo, "status", "--porcelain").stdout == ""
    assert _status(repo)["data"]["records"][0]["published"] == ours
    human = run_press(repo, "save", "post/x", "--commit")
    assert human.returncode == 0


def test_resolve_refuses_what_it_cannot_do(repo: Path) -> None:
    assert run_press(repo, "resolve", "post/x", "--ours").returncode == 1  # no conflict
    _diverge(repo)
    assert run_press(repo, "resolve", "post/x").returncode == 2
    assert run_press(repo, "resolve", "post/x", "--ours", "--theirs").returncode == 2
    missing = run_press(repo, "resolve", "post/x", "--version", "0000000", "--json")
    assert missing.returncode == 2 and json.loads(missing.stdout)["errors"][0]["code"] == "not_found"


def _schedule_file(path: Path, state: str) -> Path:
    doc = {"type": "pressroom.schedule/1", "id": "abc", "action": "publish", "record": "post/x", "version": None,
           "at": "2030-01-01T00:00:00Z", "created": "2029-01-01T00:00:00Z", "author": "A", "message": "",
           "state": state, "finished": None, "finished_by": None, "note": None, "errors": []}
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(("ours", "theirs", "kept"), [("pending", "done", "done"), ("done", "pending", "done"),
                                                      ("failed", "pending", "failed"), ("done", "cancelled", "done")])
def test_a_schedule_merges_to_the_side_further_on(tmp_path: Path, ours: str, theirs: str, kept: str) -> None:
    a = _schedule_file(tmp_path / "ours", ours)
    b = _schedule_file(tmp_path / "theirs", theirs)
    base = _schedule_file(tmp_path / "base", "pending")
    result = run_press(tmp_path, "merge-driver", "run", str(base), str(a), str(b), ".press/schedules/abc", "--json")
    assert result.returncode == 0, result.stdout.decode()
    assert json.loads(a.read_text())["state"] == kept


def _modify_delete(repo: Path, deleted_by: str) -> tuple[str, str]:
    """post/x published v1; one branch unpublishes it, the other saves and publishes v2; ``git merge``.

    ``deleted_by`` is the side (``ours``: main, ``theirs``: feature) whose
    unpublish deleted the published ref. Returns (v1, v2).
    """
    site = Site.open(repo)
    v1 = site.status("post/x").records[0].current
    site.publish("post/x")
    _commit(repo, "publish v1")
    git(repo, "checkout", "-q", "-b", "feature")
    if deleted_by == "theirs":
        Site.open(repo).unpublish("post/x")
    else:
        v2 = _save(repo, "title: two\n", publish=True)
    _commit(repo, "feature")
    git(repo, "checkout", "-q", "main")
    if deleted_by == "ours":
        Site.open(repo).unpublish("post/x")
    else:
        v2 = _save(repo, "title: two\n", publish=True)
    _commit(repo, "main")
    merged = git(repo, "merge", "--no-edit", "feature", check=False)
    assert merged.returncode != 0
    assert "CONFLICT (modify/delete): .press/refs/published/post/x" in merged.stdout
    return v1, v2


@pytest.mark.parametrize("deleted_by", ["ours", "theirs"])
@pytest.mark.parametrize("side", ["--ours", "--theirs"])
def test_a_ref_one_branch_deleted_is_a_conflict_too(repo: Path, deleted_by: str, side: str) -> None:
    v1, v2 = _modify_delete(repo, deleted_by)
    ours, theirs = (None, v2) if deleted_by == "ours" else (v2, None)

    env = _status(repo)
    (row,) = env["data"]["records"]
    assert row["status"] == "conflict"
    assert row["conflicts"] == [{"kind": "published", "ours": ours, "theirs": theirs, "base": v1}]
    (warning,) = env["warnings"]
    assert warning["code"] == "merge_conflict" and "deleted" in warning["message"]
    assert warning["hint"] == "press resolve post/x --ours | --theirs | --version V"
    fsck = json.loads(run_press(repo, "fsck", "--json").stdout)
    assert fsck["exit_code"] == 0 and [w["code"] for w in fsck["warnings"]] == ["merge_conflict"]
    # As for a conflict in a ref file: commands that change the store refuse until it is resolved.
    blocked = run_press(repo, "unpublish", "post/x", "--json")
    assert blocked.returncode == 3
    assert json.loads(blocked.stdout)["errors"][0]["code"] == "merge_conflict"

    result = run_press(repo, "resolve", "post/x", side, "--json")
    assert result.returncode == 0, result.stderr.decode()
    chosen = ours if side == "--ours" else theirs
    assert [(r["kind"], r["chosen"]) for r in json.loads(result.stdout)["data"]["resolved"]] == [
        ("published", chosen)]
    # press resolve marked the path resolved in git, as `git add` / `git rm` would.
    assert git(repo, "ls-files", "-u").stdout == ""
    (row,) = _status(repo)["data"]["records"]
    assert (row["status"], row["current"], row["published"]) == (
        ("published", v2, v2) if chosen else ("draft", v2, None))
    _commit(repo, "merge feature")
    assert git(repo, "status", "--porcelain").stdout == ""
    assert Site.open(repo).fsck().ok and not Site.open(repo).fsck().warnings
