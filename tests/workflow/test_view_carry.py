"""A transaction press commits on a view the cache knew clean records the view after it clean
(``view.carry_clean``): the next whole-view check reads no published version. Anything else (a
view broken before, git changing refs afterwards) still gets a full check."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom import Site
from pressroom.errors import PressError
from pressroom.workflow import view
from tests.automation.conftest import AUTHOR, POST, git, git_home, init_repo, write_models
from tests.conftest import write

__all__ = ["git_home"]  # a fixture, used by name

POSTS = 300


def _site(root: Path, *, repo: bool = False) -> Site:
    """author/ada, author/bob and POSTS posts linking ada, all published; post/new a draft."""
    if repo:
        init_repo(root)
    Site.init(root)
    write_models(root, author=AUTHOR, post=POST)
    write(root, "author/ada", "name: Ada\n")
    write(root, "author/bob", "name: Bob\n")
    for i in range(POSTS):
        write(root, f"post/p{i}", f"title: P{i}\nauthor: ada\n")
    write(root, "post/new", "title: New\nauthor: bob\n")
    site = Site.open(root)
    site.save(all=True)
    site.publish(*(f"post/p{i}" for i in range(POSTS)), cascade=True)
    return Site.open(root)


def _full_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = view._violations

    def counted(*args: object, **kwargs: object) -> list[view.Violation]:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(view, "_violations", counted)
    return calls


def _answer(report: view.ViewReport) -> tuple[list[view.Violation], int]:
    return report.violations, report.published


def test_a_publish_on_a_clean_view_needs_no_full_check_after(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site(tmp_path / "site")
    assert site.check_view().ok
    write(site.root, "post/p7", "title: P7 again\nauthor: ada\n")
    site.save("post/p7")
    site.publish("post/p7", cascade=True)
    site.publish("post/new", cascade=True)
    calls = _full_checks(monkeypatch)
    after = Site.open(site.root).check_view()
    assert calls == [] and after.cached
    assert Site.open(site.root).status("post/p7").records
    assert calls == []
    fresh = Site.open(site.root).check_view(fresh=True)
    assert calls == [1]
    assert _answer(after) == _answer(fresh) == ([], POSTS + 3)


def test_an_unpublish_and_a_delete_carry_the_count_and_deleted_records(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site(tmp_path / "site")
    assert site.check_view().ok
    site.unpublish("post/p1")
    site.delete("post/p2")
    calls = _full_checks(monkeypatch)
    after = Site.open(site.root).check_view()
    assert calls == [] and after.cached
    assert _answer(after) == _answer(Site.open(site.root).check_view(fresh=True)) == ([], POSTS - 2 + 1)


@pytest.mark.parametrize("checked_between", [False, True])
def test_a_view_broken_before_is_not_recorded_clean(tmp_path: Path, checked_between: bool) -> None:
    site = _site(tmp_path / "site")
    assert site.check_view().ok
    # As git would: ada's published ref gone, every post still linking her.
    (site.root / ".press" / "refs" / "published" / "author" / "ada").unlink()
    if checked_between:
        assert {v.code for v in Site.open(site.root).check_view().violations} == {"unpublished_link"}
    Site.open(site.root).publish("post/new", cascade=True)
    report = Site.open(site.root).check_view()
    assert {v.code for v in report.violations} == {"unpublished_link"}
    assert len(report.violations) == POSTS
    assert _answer(report) == _answer(Site.open(site.root).check_view(fresh=True))


def test_git_moving_refs_after_the_publish_gets_a_full_check(tmp_path: Path, git_home: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    _site(root, repo=True)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")
    git(root, "checkout", "-qb", "other")
    Site.open(root).unpublish("post/p3")
    git(root, "commit", "-qam", "p3 withdrawn")
    git(root, "checkout", "-q", "main")
    assert Site.open(root).check_view().ok
    Site.open(root).publish("post/new", cascade=True)
    calls = _full_checks(monkeypatch)
    assert Site.open(root).check_view().cached and calls == []
    git(root, "add", "-A")
    git(root, "commit", "-qm", "new published")
    git(root, "merge", "-q", "--no-edit", "other")
    merged = Site.open(root).check_view()
    assert calls == [1] and not merged.cached
    assert _answer(merged) == _answer(Site.open(root).check_view(fresh=True)) == ([], POSTS + 3 - 1)


def test_a_release_publishing_and_withdrawing_carries_the_clean_view(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site(tmp_path / "site")
    assert site.check_view().ok
    site.release_create("spring")
    site.release_add("spring", "post/new", "author/bob")
    site.release_add("spring", "post/p5", action="unpublish")
    site.release_publish("spring")
    calls = _full_checks(monkeypatch)
    after = Site.open(site.root).check_view()
    assert calls == [] and after.cached
    assert _answer(after) == _answer(Site.open(site.root).check_view(fresh=True)) == ([], POSTS + 3 - 1)


AUTHORS = ["ada", "bob", "cy"]
POSTS_P = ["a", "b", "c", "d"]
_ops = st.one_of(
    st.tuples(st.sampled_from(["publish", "cascade", "unpublish", "archive", "delete", "save", "revert"]),
              st.sampled_from([f"author/{a}" for a in AUTHORS] + [f"post/{p}" for p in POSTS_P])),
    st.tuples(st.just("post"), st.sampled_from(POSTS_P), st.sampled_from(AUTHORS)),
    st.tuples(st.just("check"), st.just("")),
    st.tuples(st.just("drop ref"), st.sampled_from([f"author/{a}" for a in AUTHORS])),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(_ops, max_size=12))
def test_the_cached_answer_is_always_the_fresh_one(tmp_path_factory: pytest.TempPathFactory,
                                                   ops: list[tuple[str, ...]]) -> None:
    """Property: whatever press commands run (refused ones included), with checks in between and
    refs removed behind press's back, the cached whole-view answer equals a fresh full check."""
    root = tmp_path_factory.mktemp("prop") / "site"
    Site.init(root)
    write_models(root, author=AUTHOR, post=POST)
    for a in AUTHORS:
        write(root, f"author/{a}", f"name: {a}\n")
    for p in POSTS_P:
        write(root, f"post/{p}", f"title: {p}\nauthor: ada\n")
    Site.open(root).save(all=True)
    Site.open(root).publish("post/a", cascade=True)
    for op in ops:
        site = Site.open(root)
        try:
            if op[0] == "publish":
                site.publish(op[1])
            elif op[0] == "cascade":
                site.publish(op[1], cascade=True)
            elif op[0] == "unpublish":
                site.unpublish(op[1])
            elif op[0] == "archive":
                site.archive(op[1])
            elif op[0] == "delete":
                site.delete(op[1])
            elif op[0] == "save":
                site.save(op[1])
            elif op[0] == "revert":
                site.revert(op[1], to="published")
            elif op[0] == "post":
                write(root, f"post/{op[1]}", f"title: {op[1]} by {op[2]}\nauthor: {op[2]}\n")
                site.save(f"post/{op[1]}")
            elif op[0] == "check":
                site.check_view()
            else:
                (root / ".press" / "refs" / "published" / op[1]).unlink(missing_ok=True)
        except PressError:
            pass
    cached = Site.open(root).check_view()
    assert _answer(cached) == _answer(Site.open(root).check_view(fresh=True))
