"""A journal a crash left, and what git does to the work tree before the next command.

A save killed after its commit point leaves a journal that the next command
replays. Between the two, git may pull or check out other refs: the replay
must then refuse (exit 3) rather than overwrite them, name what moved, and
``press journal drop`` must set it aside. The journal lives in the git folder,
so git never commits it and ``git clean`` never removes it. Real git, real
``press`` processes, a real SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pressroom import JournalConflictError, Site
from tests.conftest import run_press, write

GIT_ENV = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, capture_output=True,
                            text=True, env={**os.environ, **GIT_ENV}, timeout=60)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


# Kills itself the moment the journal is in place, before any ref moves: the commit point is passed.
_KILLED_SAVE = textwrap.dedent("""
    import os, signal, sys
    from pressroom.store import journal
    from pressroom.cli.app import main

    journal.Journal._apply = lambda self, t, journal=None: os.kill(os.getpid(), signal.SIGKILL)
    main(sys.argv[1:])
""")


def killed(root: Path, *args: str) -> None:
    child = subprocess.run([sys.executable, "-c", _KILLED_SAVE, "-C", str(root), *args], capture_output=True,
                           timeout=60, env={**os.environ, **GIT_ENV})
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()


def press(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return run_press(root, *args, env=GIT_ENV)


def status(root: Path) -> dict[str, dict]:
    result = press(root, "status", "--json")
    assert result.returncode == 0, result.stderr.decode()
    return {row["record"]: row for row in json.loads(result.stdout)["data"]["records"]}


def refs(root: Path) -> dict[str, str]:
    """Every ref file of the store, by path."""
    base = root / ".press" / "refs"
    return {str(p.relative_to(base)): p.read_text() for p in sorted(base.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A site in a git repository: post/a saved, published and committed."""
    root = tmp_path / "a"
    root.mkdir()
    git(root, "init", "-q")
    Site.init(root)
    write(root, "post/a", "title: A\n")
    assert press(root, "save", "post/a").returncode == 0
    assert press(root, "publish", "post/a").returncode == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a")
    return root


def test_the_journal_is_in_the_git_folder_never_committed_and_survives_git_clean(repo: Path) -> None:
    killed(repo, "save", "post/a", "--set", "title=B")
    journal = repo / ".git" / "pressroom" / "journal"
    assert journal.is_file()
    assert not (repo / ".press" / "journal").exists()
    git(repo, "clean", "-fdX")
    git(repo, "clean", "-fdx")
    assert journal.is_file()
    git(repo, "add", "-A")
    assert "journal" not in git(repo, "diff", "--cached", "--name-only")
    git(repo, "reset", "-q")
    # The objects the killed save wrote were removed by `git clean -fdx`; the journal names them,
    # so finishing it is refused as damage, never half-applied, and it can be dropped.
    before = refs(repo)
    result = press(repo, "status")
    assert result.returncode == 4 and b"press journal drop" in result.stderr, result.stderr.decode()
    assert refs(repo) == before
    assert press(repo, "journal", "drop").returncode == 0
    assert status(repo)["post/a"]["status"] == "published"
    assert press(repo, "fsck").returncode == 0


def test_a_journal_that_still_fits_is_finished_and_not_in_a_commit_command(repo: Path) -> None:
    killed(repo, "save", "post/a", "--set", "title=B")
    write(repo, "post/b", "title: B\n")
    result = press(repo, "save", "post/b", "--commit")
    assert result.returncode == 0, result.stderr.decode()
    assert not (repo / ".git" / "pressroom" / "journal").exists()
    assert (repo / "content" / "post" / "a.yaml").read_text() == "title: B\n"
    assert "journal" not in git(repo, "show", "--name-only", "--format=", "HEAD")
    assert status(repo)["post/a"]["status"] == "updated"


def test_a_pull_after_a_killed_save_is_not_overwritten_by_the_replay(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "b"
    git(tmp_path, "clone", "-q", str(repo), str(other))
    write(other, "post/a", "title: From B\n")
    assert press(other, "save", "post/a").returncode == 0
    assert press(other, "publish", "post/a").returncode == 0
    git(other, "add", "-A")
    git(other, "commit", "-qm", "b")
    pulled = refs(other)

    killed(repo, "save", "post/a", "--set", "title=Lost")
    git(repo, "pull", "-q", "--no-rebase", str(other), "main")
    assert refs(repo) == pulled

    result = press(repo, "status")
    assert result.returncode == 3, result.stderr.decode()
    err = result.stderr.decode()
    assert "current ref holds" in err and "post/a" in err and "press journal drop" in err
    assert "Traceback" not in err
    assert refs(repo) == pulled, "the replay overwrote what git pulled"
    for args in (("save", "--all"), ("publish", "post/a"), ("export", "--out", str(tmp_path / "out")),
                 ("journal", "finish")):
        assert press(repo, *args).returncode == 3, args
    assert refs(repo) == pulled

    shown = press(repo, "journal", "show", "--json")
    assert shown.returncode == 3
    doc = json.loads(shown.stdout)
    moved = {(e["record"] if "record" in e else e["file"]) for e in doc["errors"]}
    assert moved == {"post/a", "content/post/a.yaml"}
    assert [m["kind"] for m in doc["data"]["moved"] if m["name"] == "post/a"] == ["current"]

    fsck = press(repo, "fsck", "--json")
    assert fsck.returncode == 4
    codes = [e["code"] for e in json.loads(fsck.stdout)["errors"]]
    assert codes[0] == "journal_pending" and "journal_conflict" in codes

    dropped = press(repo, "journal", "drop", "--json")
    assert dropped.returncode == 0, dropped.stderr.decode()
    kept = Path(json.loads(dropped.stdout)["data"]["kept"])
    assert kept.parent == repo / ".git" / "pressroom" and kept.name.startswith("journal.dropped-")
    assert json.loads(kept.read_bytes().splitlines()[0])["txn"] == json.loads(dropped.stdout)["data"]["txn"]
    assert refs(repo) == pulled
    rows = status(repo)
    assert rows["post/a"]["status"] == "published"
    assert (repo / "content" / "post" / "a.yaml").read_text() == "title: From B\n"
    assert press(repo, "fsck").returncode == 0


def test_a_checkout_of_another_branch_is_refused_then_finished_back_on_the_first(repo: Path) -> None:
    git(repo, "checkout", "-qb", "other")
    write(repo, "post/a", "title: Other\n")
    assert press(repo, "save", "post/a").returncode == 0
    git(repo, "commit", "-qam", "other")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "other objects")
    git(repo, "checkout", "-q", "main")
    on_main = refs(repo)

    killed(repo, "save", "post/a", "--set", "title=Main")
    git(repo, "checkout", "-q", "other")
    on_other = refs(repo)
    site = Site.open(repo)
    with pytest.raises(JournalConflictError) as caught:
        site.status()
    assert caught.value.moved[0][:2] == ("current", "post/a")
    assert refs(repo) == on_other, "main's save landed on the other branch's record"
    state = site.journal()
    assert state is not None and [(m.kind, m.name) for m in state.moved] == [
        ("current", "post/a"), ("working file", "content/post/a.yaml")]

    # Back on the branch it was made on, the journal fits again: any command finishes it.
    git(repo, "checkout", "-q", "main")
    assert refs(repo) == on_main
    assert site.finish_journal() is not None
    assert (repo / "content" / "post" / "a.yaml").read_text() == "title: Main\n"
    assert site.journal() is None
    assert refs(repo) != on_main
    assert press(repo, "fsck").returncode == 0


def test_a_site_in_a_subfolder_of_a_linked_worktree_keeps_its_own_journal(tmp_path: Path) -> None:
    top = tmp_path / "top"
    (top / "web").mkdir(parents=True)
    git(top, "init", "-q")
    Site.init(top / "web")
    write(top / "web", "post/a", "title: A\n")
    assert press(top / "web", "save", "post/a").returncode == 0
    git(top, "add", "-A")
    git(top, "commit", "-qm", "site")
    git(top, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    site = tmp_path / "wt" / "web"
    killed(site, "save", "post/a", "--set", "title=B")
    # Where git itself puts a file of this worktree's own state.
    journal = Path(git(tmp_path / "wt", "rev-parse", "--path-format=absolute", "--git-path",
                       "pressroom/journal-web").strip())
    assert journal.is_file() and journal.parent.parent != top / ".git"
    assert not (top / ".git" / "pressroom" / "journal-web").exists()
    assert press(top / "web", "status").returncode == 0  # the main worktree's site has no journal
    assert journal.is_file()
    assert press(site, "status").returncode == 0
    assert not journal.exists()


def test_a_journal_left_in_dot_press_by_an_older_version_is_still_replayed(repo: Path) -> None:
    killed(repo, "save", "post/a", "--set", "title=B")
    (repo / ".git" / "pressroom" / "journal").rename(repo / ".press" / "journal")
    assert press(repo, "status").returncode == 0
    assert not (repo / ".press" / "journal").exists()
    assert (repo / "content" / "post" / "a.yaml").read_text() == "title: B\n"


def test_the_view_check_the_git_hooks_run_reports_a_left_over_journal_and_finishes_nothing(repo: Path) -> None:
    killed(repo, "save", "post/a", "--set", "title=B")
    before = refs(repo)
    result = press(repo, "fsck", "--view-only", "--json")
    assert result.returncode == 4, result.stdout.decode()
    assert [e["code"] for e in json.loads(result.stdout)["errors"]] == ["journal_pending"]
    assert refs(repo) == before and (repo / ".git" / "pressroom" / "journal").exists()
