"""Reverse links from the ref index: the referrer checks of unpublish, archive and delete find
who links to a record from links recorded by version, without reading every published record,
and give the answer a scan of every published record gives.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom import Site
from pressroom.store.objects import ObjectStore
from pressroom.store.refindex import FILE
from tests.conftest import write

AUTHOR = "schema:\n  type: object\n  properties:\n    name: {type: string}\n"
POST = ("schema:\n  type: object\n  properties:\n    title: {type: string}\n"
        "    author: {type: string, x-link: author}\n"
        "    also: {type: array, items: {type: string, x-link: author}}\n")


def blog(root: Path, posts: dict[str, tuple[str, list[str]]]) -> Site:
    """Authors a0..a3 and the posts given (id: (author, other authors)), all saved and published."""
    (root / "models" / "author.yaml").write_text(AUTHOR)
    (root / "models" / "post.yaml").write_text(POST)
    for i in range(4):
        write(root, f"author/a{i}", f"name: A{i}\n")
    for pid, (author, also) in posts.items():
        write(root, f"post/{pid}", f"title: {pid}\nauthor: {author}\nalso: [{', '.join(also)}]\n")
    site = Site.open(root)
    site.save(all=True)
    site.publish(all=True, cascade=True)
    return site


def referrers(site: Site, record: str) -> list[tuple[str, str, str]]:
    result = Site.open(site.root).unpublish(record, dry_run=True)
    return [(r.record, r.path, r.target) for r in result.referrers]


def without_index(site: Site, record: str) -> list[tuple[str, str, str]]:
    """The same question answered with no index at all (every published record read)."""
    cache = site.root / ".press" / "cache"
    saved = cache.with_name("cache-aside")
    shutil.move(cache, saved)
    cache.write_bytes(b"")  # a file where the folder should be: no index can be made
    try:
        return referrers(site, record)
    finally:
        cache.unlink()
        shutil.move(saved, cache)


def test_referrers_come_from_the_index_the_second_time(site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    posts = {f"p{i:02d}": (f"a{i % 3}", ["a3"] if i % 4 == 0 else []) for i in range(30)}
    site = blog(site_dir, posts)
    first = referrers(site, "author/a1")
    assert first == [(f"post/p{i:02d}", "author", "author/a1") for i in range(30) if i % 3 == 1]
    reads: list[str] = []
    get = ObjectStore.get

    def counted(self: ObjectStore, oid: str) -> bytes:
        reads.append(oid)
        return get(self, oid)

    monkeypatch.setattr(ObjectStore, "get", counted)
    assert referrers(site, "author/a1") == first
    assert len(reads) <= 3, len(reads)  # the author's own version, not the 30 posts'
    reads.clear()
    assert referrers(site, "author/a3") == [(f"post/p{i:02d}", "also[0]", "author/a3") for i in range(0, 30, 4)]
    assert len(reads) <= 3, len(reads)
    assert first == without_index(site, "author/a1")


def test_a_new_published_version_changes_the_answer(site_dir: Path) -> None:
    site = blog(site_dir, {"x": ("a0", []), "y": ("a1", [])})
    assert [r[0] for r in referrers(site, "author/a0")] == ["post/x"]
    write(site_dir, "post/y", "title: y\nauthor: a0\nalso: [a1]\n")
    site.save("post/y")
    assert [r[0] for r in referrers(site, "author/a0")] == ["post/x"]  # saved, not published yet
    site.publish("post/y")
    assert referrers(site, "author/a0") == [("post/x", "author", "author/a0"), ("post/y", "author", "author/a0")]
    assert referrers(site, "author/a1") == [("post/y", "also[0]", "author/a1")]
    site.unpublish("post/x")
    assert referrers(site, "author/a0") == [("post/y", "author", "author/a0")]


def test_a_changed_model_is_not_answered_with_old_links(site_dir: Path) -> None:
    site = blog(site_dir, {"x": ("a0", ["a1"])})
    assert [r[2] for r in referrers(site, "author/a1")] == ["author/a1"]
    # `also` stops being a link field: post/x no longer links to a1.
    (site_dir / "models" / "post.yaml").write_text(POST.replace(
        "    also: {type: array, items: {type: string, x-link: author}}\n",
        "    also: {type: array, items: {type: string}}\n"))
    assert referrers(site, "author/a1") == []
    assert referrers(site, "author/a0") == [("post/x", "author", "author/a0")]


def test_a_damaged_index_still_gives_the_answer(site_dir: Path) -> None:
    site = blog(site_dir, {"x": ("a0", []), "y": ("a0", [])})
    expected = referrers(site, "author/a0")
    index = site_dir / ".press" / "cache" / FILE
    for suffix in ("-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    index.write_bytes(b"\0" * 4096)
    assert referrers(site, "author/a0") == expected == without_index(site, "author/a0")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(posts=st.dictionaries(st.sampled_from([f"p{i}" for i in range(8)]),
                             st.tuples(st.sampled_from(["a0", "a1", "a2"]),
                                       st.lists(st.sampled_from(["a0", "a1", "a2", "a3"]), max_size=2)),
                             min_size=1, max_size=8),
       unpublished=st.sets(st.sampled_from([f"p{i}" for i in range(8)])))
def test_the_index_answers_as_a_scan_of_every_published_record(
        tmp_path_factory: pytest.TempPathFactory, posts: dict[str, tuple[str, list[str]]],
        unpublished: set[str]) -> None:
    root = tmp_path_factory.mktemp("rev") / "site"
    Site.init(root)
    site = blog(root, posts)
    gone = sorted(f"post/{p}" for p in unpublished if p in posts)
    if gone:
        site.unpublish(*gone)
    for author in ("author/a0", "author/a1", "author/a2", "author/a3"):
        learnt = referrers(site, author)
        assert referrers(site, author) == learnt == without_index(site, author)
        assert all(r[0] not in gone for r in learnt)
