"""Publish, archive and delete racing each other, interleaved deterministically.

The command under test plans from one snapshot of the refs; just before it
commits, a second ``Site`` (another press process, as far as the store can
tell) runs a competing command. The store must then refuse the first one as
a conflict (exit 3) and keep exactly what the second one left.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.store import Store
from tests.conftest import store_files, write

AUTHOR = "schema:\n  type: object\n  properties:\n    name: {type: string}\n"
POST = ("schema:\n  type: object\n  properties:\n    title: {type: string}\n"
        "    author: {type: string, x-link: author}\n")


@pytest.fixture
def drafts(site: Site) -> Site:
    """post/p (draft) links to author/a (draft)."""
    (site.root / "models" / "author.yaml").write_text(AUTHOR)
    (site.root / "models" / "post.yaml").write_text(POST)
    write(site.root, "author/a", "name: A\n")
    write(site.root, "post/p", "title: P\nauthor: a\n")
    site.save(all=True)
    return site


def _before_commit(monkeypatch: pytest.MonkeyPatch, root: Path, other: Callable[[Site], object]) -> None:
    """Run ``other`` on a second Site once, right before the next transaction commits."""
    real = Store.commit
    pending = [other]

    def commit(self: Store, *args: object, **kwargs: object) -> str:
        if pending:
            pending.pop()(Site.open(root))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "commit", commit)


RACES = {
    # publish --cascade takes author/a along; meanwhile author/a goes away or is archived
    "publish-vs-delete": (("publish", "post/p", "--cascade"), lambda s: s.delete("author/a")),
    "publish-vs-archive": (("publish", "post/p", "--cascade"), lambda s: s.archive("author/a")),
    # archive (of a draft) and delete of the same record
    "archive-vs-delete": (("archive", "author/a"), lambda s: s.delete("author/a")),
    "delete-vs-archive": (("delete", "author/a", "--yes"), lambda s: s.archive("author/a")),
}


@pytest.mark.parametrize("race", sorted(RACES))
def test_a_command_racing_a_competing_one_is_a_conflict_and_changes_nothing(
        drafts: Site, cli, monkeypatch: pytest.MonkeyPatch, race: str) -> None:
    args, other = RACES[race]
    after_other: dict[str, bytes] = {}

    def run_other(s: Site) -> None:
        other(s)
        after_other.update(store_files(s.root))

    _before_commit(monkeypatch, drafts.root, run_other)
    code, out = cli.json(*args)
    assert after_other, "the competing command did not run"
    assert code == 3, out
    assert out["errors"][0]["code"] == "conflict"
    assert store_files(drafts.root) == after_other
    snap = drafts.store.snapshot()
    # The states a race used to leave: published or archived with no current, or both at once.
    for record in snap.records():
        assert record in snap.current
        assert not (record in snap.published and record in snap.archived)
