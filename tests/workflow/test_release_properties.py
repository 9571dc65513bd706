"""Releases on random link graphs with random strategies: ``release show`` says exactly whether the
publish passes; a passing release leaves the published view closed under links and equal to the
export previewed with ``export --release``; a refused one changes nothing."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import event, given
from hypothesis import strategies as st

from pressroom import PressError, Site
from tests.conftest import store_files, write
from tests.workflow.test_publish_properties import (RECORDS, assert_closed, content, graphs, link_specs, publishes, run,
                                                     site_files, working_files)

# Disjoint sets of records for the release to publish, unpublish and archive.
releases = st.lists(st.sampled_from(RECORDS), min_size=1, max_size=len(RECORDS), unique=True).flatmap(
    lambda records: st.tuples(st.just(records), st.lists(st.sampled_from(["publish", "unpublish", "archive"]),
                                                         min_size=len(records), max_size=len(records))))


def _tree(out: Path) -> dict[str, object]:
    """An export, with published_at left out: a preview cannot know the second of the real publish."""
    tree: dict[str, object] = {}
    for p in sorted(out.rglob("*.json")):
        doc = json.loads(p.read_text())
        for item in [doc, *(doc.get("records") or [] if isinstance(doc, dict) else [])]:
            if isinstance(item, dict):
                item.pop("published_at", None)
        if p.name == "manifest.json" and isinstance(doc, dict):
            doc.pop("files", None)  # the hashes of the files compared here, published_at included
            for entry in (doc.get("records") or {}).values():
                if isinstance(entry, dict):
                    entry.pop("published_at", None)
        tree[p.relative_to(out).as_posix()] = doc
    return tree


@given(graphs, st.lists(publishes, max_size=3), releases, st.lists(link_specs, min_size=3, max_size=3))
def test_show_predicts_publish_and_the_view_stays_closed(graph: dict, before: list[tuple],
                                                         release: tuple[list[str], list[str]],
                                                         strategies: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        site_files(root, graph, strategies)
        write(root, "c/c0", content("c/c0", [], None, 0))
        site = Site.open(root)
        site.save(model="a")
        site.save(model="b")
        try:
            site.save("c/c0")
        except PressError:
            pass
        for step in before:
            try:
                run(site, step)
            except PressError:
                pass
        records, actions = release
        site.release_create("r")
        for record, action in zip(records, actions):
            if record in site.store.snapshot().current:
                site.release_add("r", record, action=action)
        show = site.release_show("r")
        previewed = None
        if show.ok:
            site.export(Path(tmp) / "preview", release="r")
            previewed = _tree(Path(tmp) / "preview")
        before_store = store_files(root)
        before_work = working_files(root)
        try:
            site.release_publish("r")
        except PressError as e:
            assert not show.ok, f"show passed, publish refused: {e}"
            event("refused")
            assert store_files(root) == before_store
            assert working_files(root) == before_work
        else:
            assert show.ok, f"show refused ({show.problems}), publish passed"
            event("published, with strategy moves" if show.brought else "published")
            site.export(Path(tmp) / "after")
            assert _tree(Path(tmp) / "after") == previewed
        assert_closed(site)
