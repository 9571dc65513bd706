"""Working files a transaction writes: the store journals them as opaque site files, and the
records layer (``records.site_file_path``, which the site opens its store with) decides where
they are and refuses any other path, at commit and again at replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom import BadContentError, Site
from pressroom.records import site_file_path
from pressroom.store import RefKind, RefUpdate, SiteFile, Store, hash_bytes
from pressroom.store.journal import Transaction, journal_lines, journal_location
from tests.conftest import store_files, write


@pytest.mark.parametrize("rel", [
    "../outside.yaml", "content/post/../../x.yaml", "/etc/passwd", ".press/refs/current/post/a",
    "content/post/a.yml", "content/post/a/b.yaml", "pressroom.yaml", "content/Post/a.yaml",
    "content/post/.hidden.yaml", "content//a.yaml", "content/post/a.yaml\n",
])
def test_only_a_working_file_may_be_written(tmp_path: Path, rel: str) -> None:
    with pytest.raises(BadContentError) as caught:
        site_file_path(tmp_path, rel)
    assert caught.value.where is not None and caught.value.where.file == rel


def test_a_working_file_is_where_records_put_it(tmp_path: Path) -> None:
    assert site_file_path(tmp_path, "content/post/a.yaml") == tmp_path / "content" / "post" / "a.yaml"


def test_a_link_on_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "post").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(BadContentError, match="symbolic link"):
        site_file_path(tmp_path, "content/post/a.yaml")


def _saved(site: Site) -> tuple[str, str]:
    """post/a saved once; its version and the blob of a second text (an object, not yet named)."""
    write(site.root, "post/a", "title: A\n")
    version = site.save("post/a").saved[0].version
    return version, site.store.put_blob(b"title: B\n")


def test_commit_refuses_a_site_file_outside_the_working_files_and_writes_nothing(site: Site) -> None:
    version, blob = _saved(site)
    before = store_files(site.root)
    with pytest.raises(BadContentError):
        site.store.commit([RefUpdate(RefKind.PUBLISHED, "post/a", None, version)],
                          site_files=[SiteFile("../escaped.yaml", None, blob)])
    assert not (site.root.parent / "escaped.yaml").exists()
    assert store_files(site.root) == before
    assert site.store.read_ref(RefKind.PUBLISHED, "post/a") is None


def test_a_store_opened_without_the_check_writes_no_site_file(site: Site) -> None:
    version, blob = _saved(site)
    bare = Store.open(site.store.root)
    working = site.root / "content" / "post" / "a.yaml"
    with pytest.raises(ValueError, match="path check"):
        bare.commit([RefUpdate(RefKind.PUBLISHED, "post/a", None, version)],
                    site_files=[SiteFile("content/post/a.yaml", hash_bytes(working.read_bytes()), blob)])
    assert working.read_bytes() == b"title: A\n"
    assert bare.read_ref(RefKind.PUBLISHED, "post/a") is None


def test_a_replay_does_not_write_through_a_link_put_there_since(site: Site, tmp_path: Path) -> None:
    """A crash left a journal that rewrites post/a's working file; before the replay, the file
    became a link to a file outside the site holding the same bytes: the replay moves the
    refs and leaves the linked file alone."""
    version, blob = _saved(site)
    working = site.root / "content" / "post" / "a.yaml"
    secret = tmp_path / "secret.yaml"
    secret.write_bytes(working.read_bytes())
    t = Transaction("0" * 16 + "2" * 16, [RefUpdate(RefKind.PUBLISHED, "post/a", None, version)], [], [],
                    [SiteFile("content/post/a.yaml", hash_bytes(working.read_bytes()), blob)])
    where = journal_location(site.store.root)
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_bytes(b"".join(journal_lines(t)))
    working.unlink()
    working.symlink_to(secret)
    assert site.finish_journal() == t.txn
    assert secret.read_bytes() == b"title: A\n"
    assert working.is_symlink()
    assert site.store.read_ref(RefKind.PUBLISHED, "post/a") == version


def test_a_replay_writes_the_working_file_it_was_given(site: Site) -> None:
    """The same journal without the link: the replay finishes the write (the check lets a working file through)."""
    version, blob = _saved(site)
    working = site.root / "content" / "post" / "a.yaml"
    t = Transaction("0" * 16 + "3" * 16, [RefUpdate(RefKind.PUBLISHED, "post/a", None, version)], [], [],
                    [SiteFile("content/post/a.yaml", hash_bytes(working.read_bytes()), blob)])
    where = journal_location(site.store.root)
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_bytes(b"".join(journal_lines(t)))
    assert site.finish_journal() == t.txn
    assert working.read_bytes() == b"title: B\n"
