"""revert: V's exact bytes as a new version, never rewriting history."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from pressroom import RefusedError, Site, UsageError
from tests.conftest import write

# JSON is YAML: random records with comments, odd text and nesting, written as exact bytes.
_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]) | st.sampled_from("\n\t"), max_size=30)
_scalar = st.none() | st.booleans() | st.integers(-10**6, 10**6) | _text
_value = st.recursive(_scalar, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3), max_leaves=8)
_record = st.dictionaries(st.sampled_from(["title", "body", "tags", "seo", "n"]), _value, min_size=1, max_size=4)
_content = st.tuples(st.sampled_from(["", "# a comment\n", "# other\n\n"]), _record, st.booleans()).map(
    lambda t: (t[0] + json.dumps(t[1], ensure_ascii=False, indent=2 if t[2] else None) + "\n").encode())


@settings(max_examples=40)
@given(contents=st.lists(_content, min_size=2, max_size=6), pick=st.integers(0, 5), by_tilde=st.booleans(),
       unsaved=st.one_of(st.none(), _content))
def test_revert_round_trip(contents: list[bytes], pick: int, by_tilde: bool, unsaved: bytes | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        Site.init(root)
        site = Site.open(root)
        versions: list[tuple[str, bytes]] = []
        for data in contents:
            write(root, "post/x", data)
            saved = site.save("post/x").saved
            if saved:
                versions.append((saved[0].version, data))
        # Mostly an older version; sometimes current itself (nothing to do, or a reset).
        n = 0 if pick == 0 or len(versions) == 1 else 1 + pick % (len(versions) - 1)
        target, data = versions[-1 - n]
        current_bytes = site.show("post/x").content
        if unsaved is not None:
            write(root, "post/x", unsaved)
        force = unsaved is not None and unsaved != current_bytes
        spec = f"~{n}" if by_tilde else target[:10]
        event(f"versions: {min(len(versions), 3)}; same as current: {data == current_bytes}; forced: {force}")
        if data == current_bytes:
            if unsaved is None or unsaved == current_bytes:
                with pytest.raises(RefusedError, match="nothing to revert"):
                    site.revert("post/x", to=spec)
                return
            result = site.revert("post/x", to=spec, force=True)
            assert not result.created
        else:
            if force:
                with pytest.raises(RefusedError, match="unsaved changes"):
                    site.revert("post/x", to=spec)
                assert (root / "content/post/x.yaml").read_bytes() == unsaved
            result = site.revert("post/x", to=spec, force=force)
            assert result.created and result.reverted_to == target
            log = site.log("post/x").entries
            assert log[0].version == result.version and log[0].parent == versions[-1][0]
            assert log[0].action == "revert" and log[0].reverted_to == target
            assert [e.version for e in log[1:]] == [v for v, _ in reversed(versions)]
        assert (root / "content/post/x.yaml").read_bytes() == data
        assert site.show("post/x").content == data
        back = site.diff("post/x", target, "@current")
        assert back.changes == [] and not back.different
        assert site.diff("post/x").changes == [] and not site.diff("post/x").different
        assert site.fsck().ok


def test_revert_to_published_discards_unpublished_changes(site: Site) -> None:
    write(site.root, "post/x", "title: Live\n")
    site.save("post/x")
    site.publish("post/x")
    for title in ("Draft 1", "Draft 2"):
        write(site.root, "post/x", f"title: {title}\n")
        site.save("post/x")
    assert site.status("post/x").records[0].status == "updated"
    result = site.revert("post/x", to="published")
    assert result.created and result.published
    assert "published version" in result.message
    row = site.status("post/x").records[0]
    assert (row.status, row.changes) == ("published", None)
    assert (site.root / "content/post/x.yaml").read_text() == "title: Live\n"
    assert site.get("post/x").data == {"title": "Live"}
    # The log tells the story: three saves, a publish, a revert and the publish that follows it.
    actions = [(e.type, e.action) for e in site.log("post/x").items]
    assert actions == [("event", "publish"), ("version", "revert"), ("version", "save"), ("version", "save"),
                       ("event", "publish"), ("version", "save")]


def test_revert_to_an_older_version_than_published_leaves_it_updated(site: Site) -> None:
    write(site.root, "post/x", "title: One\n")
    site.save("post/x")
    write(site.root, "post/x", "title: Two\n")
    site.save("post/x")
    site.publish("post/x")
    result = site.revert("post/x", to="~1", message="back to one")
    assert not result.published and result.message.startswith("back to one (revert to ")
    assert site.status("post/x").records[0].status == "updated"


def test_revert_refuses_unsaved_changes_unless_forced(site: Site) -> None:
    write(site.root, "post/x", "title: One\n")
    site.save("post/x")
    write(site.root, "post/x", "title: Two\n")
    site.save("post/x")
    write(site.root, "post/x", "title: mine\n")
    with pytest.raises(RefusedError) as err:
        site.revert("post/x", to="~1")
    assert err.value.where.file == "content/post/x.yaml" and "force=True" in err.value.hint
    assert (site.root / "content/post/x.yaml").read_text() == "title: mine\n"
    assert len(site.log("post/x").entries) == 2
    site.revert("post/x", to="~1", force=True)
    assert (site.root / "content/post/x.yaml").read_text() == "title: One\n"


def test_revert_needs_to_and_no_at(site: Site) -> None:
    write(site.root, "post/x", "title: One\n")
    site.save("post/x")
    with pytest.raises(UsageError):
        site.revert("post/x@current", to="~0")
    with pytest.raises(UsageError):
        site.revert("post/x", to="")


def _link_models(root: Path, *, draft_published: bool = True) -> None:
    (root / "models/author.yaml").write_text("schema:\n  type: object\n  properties:\n    name: {type: string}\n")
    (root / "models/post.yaml").write_text(
        f"draft_published: {'true' if draft_published else 'false'}\n"
        "schema:\n  type: object\n  properties:\n    title: {type: string}\n"
        "    author: {type: string, x-link: author}\n")


def test_restored_links_to_deleted_records_warn_then_block_publish(site: Site) -> None:
    _link_models(site.root)
    write(site.root, "author/gone", "name: Gone\n")
    site.save("author/gone")
    write(site.root, "post/x", "title: One\nauthor: gone\n")
    site.save("post/x")
    write(site.root, "post/x", "title: Two\n")
    site.save("post/x")
    site.delete("author/gone")
    result = site.revert("post/x", to="~1")
    assert result.created and not result.published
    assert [(w.where.path, w.where.record) for w in result.warnings] == [("author", "post/x")]
    assert "author/gone" in result.warnings[0].message
    assert site.show("post/x").content == b"title: One\nauthor: gone\n"
    with pytest.raises(RefusedError) as err:
        site.publish("post/x")
    assert any(p.where.path == "author" and "author/gone" in p.message for p in err.value.problems)


def test_model_without_drafts_publishes_the_revert_at_once(site: Site) -> None:
    _link_models(site.root, draft_published=False)
    write(site.root, "post/x", "title: One\n")
    site.save("post/x")
    write(site.root, "post/x", "title: Two\n")
    site.save("post/x")
    result = site.revert("post/x", to="~1")
    assert result.published
    assert site.status("post/x").records[0].status == "published"
    assert site.get("post/x").data == {"title": "One"}


def test_model_without_drafts_refuses_a_revert_that_would_publish_a_dangling_link(site: Site) -> None:
    _link_models(site.root, draft_published=False)
    write(site.root, "author/gone", "name: Gone\n")
    site.save("author/gone")
    site.publish("author/gone")
    write(site.root, "post/x", "title: One\nauthor: gone\n")
    site.save("post/x")
    write(site.root, "post/x", "title: Two\n")
    site.save("post/x")
    site.unpublish("author/gone")
    site.delete("author/gone")
    before = site.log("post/x").entries
    with pytest.raises(RefusedError) as err:
        site.revert("post/x", to="~1")
    assert any(p.where.path == "author" for p in err.value.problems)
    assert site.log("post/x").entries == before
    assert (site.root / "content/post/x.yaml").read_text() == "title: Two\n"
