"""Every withdrawal strategy on unpublish, archive and delete, alone (post -> author) and at the end
of a chain of three models (page -> post -> author), through the Python API; and, on random link
graphs with random strategies and depths, a dry run plans exactly what the real run then does."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressroom import PressError, RefusedError, Site
from tests.conftest import store_files
from tests.workflow.test_link_strategies import chain, published, published_data, why
from tests.workflow.test_publish_properties import RECORDS, graphs, link_specs, site_files

EVENT = {"unpublish": "on_unpublish", "archive": "on_unpublish", "delete": "on_delete"}
AFTER = {"unpublish": "draft", "archive": "archived"}


@pytest.mark.parametrize("action", ["unpublish", "archive", "delete"])
@pytest.mark.parametrize("strategy", ["refuse", "unpublish", "clear"])
def test_each_strategy_alone(site: Site, action: str, strategy: str) -> None:
    event = EVENT[action]
    chain(site, {event: strategy})
    site.unpublish("page/home")  # post/hello's only referrer leaves: post -> author alone
    before = store_files(site.root)
    if strategy == "refuse":
        with pytest.raises(RefusedError, match="is linked from post/hello"):
            getattr(site, action)("author/ada")
        assert store_files(site.root) == before
        return
    result = getattr(site, action)("author/ada")
    moved = "unpublish" if strategy == "unpublish" else "publish"
    assert why(result) == {"author/ada": (action, "named", None, None),
                           "post/hello": (moved, f"{event}:{strategy}", "author/ada", "author")}
    assert published(site).keys() == ({"post/hello"} if strategy == "clear" else set())
    if strategy == "clear":
        assert published_data(site, "post/hello") == {"title": "Hello"}
    assert site.status("post/hello").records[0].status == ("published" if strategy == "clear" else "draft")
    if action in AFTER:
        assert site.status("author/ada").records[0].status == AFTER[action]
    else:
        assert "author/ada" not in site.store.snapshot().current


@pytest.mark.parametrize("action", ["unpublish", "archive", "delete"])
@pytest.mark.parametrize("last", ["refuse", "unpublish", "clear"])
def test_each_strategy_at_the_end_of_a_chain_of_three(site: Site, action: str, last: str) -> None:
    # author/ada leaves; post/hello's strategy unpublishes it; page/home's then applies (on_unpublish:
    # post/hello was unpublished, whatever happened to the author).
    chain(site, {EVENT[action]: "unpublish"}, {"on_unpublish": last})
    before = store_files(site.root)
    if last == "refuse":
        with pytest.raises(RefusedError, match="post/hello: is linked from page/home"):
            getattr(site, action)("author/ada")
        assert store_files(site.root) == before
        return
    result = getattr(site, action)("author/ada")
    assert why(result)["post/hello"] == ("unpublish", f"{EVENT[action]}:unpublish", "author/ada", "author")
    moved = "unpublish" if last == "unpublish" else "publish"
    assert why(result)["page/home"] == (moved, f"on_unpublish:{last}", "post/hello", "posts[0]")
    assert published(site).keys() == ({"page/home"} if last == "clear" else set())
    if last == "clear":
        assert published_data(site, "page/home") == {"title": "Home", "posts": []}


# dry run == real run, on random graphs, strategies and depths

publishes = st.tuples(st.just("publish"), st.lists(st.sampled_from(RECORDS), min_size=1, max_size=3, unique=True),
                      st.booleans(), st.none() | st.integers(1, 2))
withdraws = st.tuples(st.sampled_from(["unpublish", "archive", "delete"]),
                      st.lists(st.sampled_from(RECORDS), min_size=1, max_size=2, unique=True),
                      st.booleans(), st.none() | st.integers(1, 2))
steps = st.lists(st.one_of(publishes, withdraws, publishes), min_size=1, max_size=8)


def call(site: Site, step: tuple, *, dry_run: bool) -> object:
    action, records, cascade, depth = step
    if action == "delete":
        return site.delete(*records, depth=depth, force=True, dry_run=dry_run)
    return getattr(site, action)(*records, cascade=cascade, depth=depth, dry_run=dry_run)


def shape(result: object) -> tuple[object, ...]:
    return ([(m.record, m.action, m.reason, m.via, m.path, m.version, m.status_after)  # type: ignore[attr-defined]
             for m in result.moves],  # type: ignore[attr-defined]
            [(v.record, v.version, v.parent, v.reason) for v in result.versions])  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None)
@given(graphs, steps, st.lists(link_specs, min_size=3, max_size=3))
def test_a_dry_run_plans_what_the_real_run_does(graph: dict, plan: list[tuple], strategies: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        site_files(root, graph, strategies)
        site = Site.open(root)
        site.save(model="a")
        site.save(model="b")
        for step in plan:
            before = store_files(root)
            try:
                dry = call(site, step, dry_run=True)
            except PressError:
                dry = None
            assert store_files(root) == before, f"dry run of {step} changed the store"
            try:
                real = call(site, step, dry_run=False)
            except PressError:
                # The dry run said the same: it raised too, or listed the problems that refuse it.
                assert dry is None or dry.problems, f"{step}: dry run had no problem, the real run refused"  # type: ignore[attr-defined]
                assert store_files(root) == before
                continue
            assert dry is not None and not dry.problems, f"{step}: dry run refused, the real run did not"  # type: ignore[attr-defined]
            # A cleared version's id covers its time, which differs between the two runs: the versions
            # a clear makes are compared by record, parent and reason, every other version by id.
            dry_moves, dry_versions = shape(dry)
            real_moves, real_versions = shape(real)
            assert [(v[0], v[2], v[3]) for v in dry_versions] == [(v[0], v[2], v[3]) for v in real_versions]
            created = {v[1] for v in real_versions} | {v[1] for v in dry_versions}
            assert [m[:5] + m[6:] for m in dry_moves] == [m[:5] + m[6:] for m in real_moves]
            assert [m[5] for m in dry_moves if m[5] not in created] == [m[5] for m in real_moves
                                                                         if m[5] not in created]
