"""status asks git for unmerged store paths only when git's index changed since git last listed none.

The memo (``.press/cache/unmerged``) holds the index's stat; each rule that
keeps it sound is shown here, with real git repositories and merges.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pressroom import Site, unmerged
from pressroom.store.cache import DerivedCache
from tests.automation.conftest import git, repo_site
from tests.conftest import write


@pytest.fixture
def repo(tmp_path: Path, git_home: Path) -> Path:
    """A repository whose root is a site; post/x saved, published and committed."""
    root = tmp_path / "repo"
    repo_site(root)
    write(root, "post/x", "title: one\n")
    site = Site.open(root)
    site.save("post/x")
    site.publish("post/x")
    _commit(root, "v1")
    return root


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Each time status asks git (the real git, called through)."""
    calls: list[Path] = []
    real = unmerged.asked_unmerged

    def spy(root: Path, under: str) -> list[unmerged.Unmerged] | None:
        calls.append(root)
        return real(root, under)

    monkeypatch.setattr(unmerged, "asked_unmerged", spy)
    return calls


def _commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def _memo(root: Path) -> Path:
    return root / ".press" / "cache" / unmerged.MEMO


def _backdate_index(root: Path) -> None:
    """git's index written a while ago, as a status run long after the last git command sees it."""
    index = root / ".git" / "index"
    past = os.stat(index).st_mtime_ns - 60 * 10**9
    os.utime(index, ns=(past, past))


def test_an_unchanged_index_is_not_asked_again(repo: Path, asked: list[Path]) -> None:
    _backdate_index(repo)
    Site.open(repo).status()
    assert len(asked) == 1 and _memo(repo).is_file()
    Site.open(repo).status()
    Site.open(repo).status("post/x")
    assert len(asked) == 1


def test_a_merge_conflict_after_a_remembered_index_is_seen(repo: Path, asked: list[Path]) -> None:
    """One branch unpublishes post/x, the other publishes a new version: git's index alone holds
    the conflict (a modify/delete), and the merge rewrote it."""
    _backdate_index(repo)
    Site.open(repo).status()
    assert _memo(repo).is_file()
    git(repo, "checkout", "-q", "-b", "feature")
    Site.open(repo).unpublish("post/x")
    _commit(repo, "feature")
    git(repo, "checkout", "-q", "main")
    write(repo, "post/x", "title: two\n")
    site = Site.open(repo)
    site.save("post/x")
    site.publish("post/x")
    _commit(repo, "main")
    _backdate_index(repo)
    Site.open(repo).status()  # the index before the merge remembered
    assert git(repo, "merge", "--no-edit", "feature", check=False).returncode != 0
    (row,) = Site.open(repo).status().records
    assert row.status == "conflict"
    assert [(c["kind"], c["ours"] is not None, c["theirs"]) for c in row.conflicts] == [("published", True, None)]


def test_an_index_written_in_the_clock_s_tick_is_not_remembered(repo: Path, asked: list[Path],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """git's racy rule: an index whose mtime is not before the clock read could change again
    keeping its stat, so git is asked every time."""
    index = repo / ".git" / "index"
    monkeypatch.setattr(DerivedCache, "clock", lambda self: os.stat(index).st_mtime_ns)
    Site.open(repo).status()
    Site.open(repo).status()
    assert len(asked) == 2


@pytest.mark.parametrize("variable", ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"])
def test_git_is_asked_every_time_when_a_variable_may_name_another_index(
        repo: Path, asked: list[Path], monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    _backdate_index(repo)
    Site.open(repo).status()  # remembered without the variable
    assert len(asked) == 1
    value = {"GIT_DIR": repo / ".git", "GIT_WORK_TREE": repo, "GIT_INDEX_FILE": repo / ".git" / "index",
             "GIT_COMMON_DIR": repo / ".git"}[variable]
    monkeypatch.setenv(variable, str(value))
    Site.open(repo).status()
    Site.open(repo).status()
    assert len(asked) == 3


def test_a_linked_work_tree_asks_git(repo: Path, asked: list[Path], tmp_path: Path) -> None:
    """Its .git is a file naming the index elsewhere."""
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", str(linked), "-b", "other")
    assert (linked / ".git").is_file()
    Site.open(linked).status()
    Site.open(linked).status()
    assert len(asked) == 2
    assert not _memo(linked).exists()


@pytest.mark.parametrize("junk", ["", "garbage", "pressroom unmerged 1\n1 2 3\n", "pressroom unmerged 1\nx y z w\n",
                                  "pressroom unmerged 9\n{state}\n", "pressroom unmerged 1\n{state}\nmore\n"])
def test_a_damaged_or_foreign_memo_asks_git(repo: Path, asked: list[Path], junk: str) -> None:
    _backdate_index(repo)
    st = os.stat(repo / ".git" / "index")
    state = f"{st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"
    _memo(repo).parent.mkdir(parents=True, exist_ok=True)
    _memo(repo).write_text(junk.format(state=state))
    Site.open(repo).status()
    assert len(asked) == 1
    assert _memo(repo).read_text() == f"pressroom unmerged 1\n{state}\n"  # git's answer, remembered now


def test_a_git_that_gives_no_answer_is_not_remembered(repo: Path, asked: list[Path],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """No git on the PATH: nothing unmerged is known, but a git installed later may know better."""
    _backdate_index(repo)
    monkeypatch.setenv("PATH", "")
    Site.open(repo).status()
    Site.open(repo).status()
    assert len(asked) == 2
    assert not _memo(repo).exists()
