"""`validate --all` learns working files' blobs from the stat cache, as status does: never a stale answer.

A file whose stat is unchanged is not read; its blob's check-cache entry
stands for its schema check. Each test makes a site of more records than
validate reads directly, so that the cache is the path taken, and then
changes what a stale entry would hide.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pressroom import Site, ValidateResult
from pressroom.records import RecordKey
from pressroom.site import SiteCore
from pressroom.workflow import checks, statcache
from tests.conftest import write
from tests.workflow.test_publish import POST, blog, write_model

POSTS = 30


@pytest.fixture(autouse=True)
def _no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    # Files written by a test are seconds young: trusted at once instead of waiting out the window.
    monkeypatch.setattr(statcache, "RACY_NS", -10**12)


def many(site: Site) -> Site:
    """``blog``, with POSTS more posts by ada, all saved and valid."""
    blog(site)
    for i in range(POSTS):
        write(site.root, f"post/p{i:02}", f"title: Post {i:02}\nauthor: ada\n")
    site.save(all=True)
    return site


def found(result: ValidateResult) -> list[tuple[str | None, str | None, str, str | None, int | None]]:
    return sorted((p.where.record, p.where.path, p.code, p.where.file, p.where.line) for p in result.problems)


def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The records whose working file is read from now on (filled as they are)."""
    seen: list[str] = []
    read = SiteCore.read_working

    def spy(self: SiteCore, key: RecordKey) -> bytes | None:
        seen.append(str(key))
        return read(self, key)

    monkeypatch.setattr(SiteCore, "read_working", spy)
    return seen


def rewrite_keeping_stat(path: Path, text: str) -> None:
    """New bytes of the same size, the old mtime put back: only the ctime tells."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_an_edit_after_a_cached_pass_is_seen(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    many(site)
    assert site.validate(all=True).ok
    seen = reads(monkeypatch)
    assert site.validate(all=True).ok
    assert seen == []
    rewrite_keeping_stat(site.root / "content" / "post" / "p03.yaml", "title: Post 03\nauthor: bob\n")
    rewrite_keeping_stat(site.root / "content" / "post" / "p07.yaml", "titlx: Post 07\nauthor: ada\n")
    result = site.validate(all=True)
    assert found(result) == [
        ("post/p03", "author", "link", "content/post/p03.yaml", 2),
        ("post/p07", "title", "invalid", "content/post/p07.yaml", None),
    ]
    assert set(seen) == {"post/p03", "post/p07"}


def test_a_changed_model_is_applied_to_files_the_cache_holds(site: Site) -> None:
    many(site)
    assert site.validate(all=True).ok
    write_model(site.root, "post", POST.replace("maxLength: 40", "maxLength: 4"))
    result = site.validate(all=True)
    assert {p.where.record for p in result.problems} == {"post/hello", *(f"post/p{i:02}" for i in range(POSTS))}
    assert {(p.where.path, p.code) for p in result.problems} == {("title", "invalid")}


def test_a_link_target_gone_since_the_cached_pass_is_seen(site: Site) -> None:
    many(site)
    write(site.root, "author/new", "name: New\n")
    write(site.root, "post/p05", "title: Post 05\nauthor: new\n")
    assert site.validate(all=True).ok
    (site.root / "content" / "author" / "new.yaml").unlink()
    assert found(site.validate(all=True)) == [("post/p05", "author", "link", "content/post/p05.yaml", 2)]


def test_a_saved_record_without_its_file_is_checked_from_its_version(site: Site) -> None:
    many(site)
    assert site.validate(all=True).ok
    (site.root / "content" / "post" / "p09.yaml").unlink()
    write_model(site.root, "post", POST.replace("maxLength: 40", "maxLength: 6"))
    result = site.validate(all=True)
    assert [(p.where.path, p.where.file) for p in result.problems if p.where.record == "post/p09"] == [
        ("title", None)]
    assert [r.source for r in result.records if r.record == "post/p09"] == [site.store.snapshot().current["post/p09"]]


def test_a_file_replaced_by_a_link_is_refused(site: Site) -> None:
    many(site)
    assert site.validate(all=True).ok
    path = site.root / "content" / "post" / "p11.yaml"
    target = site.root / "elsewhere.yaml"
    target.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(target)
    result = site.validate(all=True)
    assert [(p.where.file, p.message) for p in result.problems] == [
        ("content/post/p11.yaml", "is a symbolic link; press reads only regular files inside the site")]


def test_the_same_answer_with_the_caches_and_without(site: Site) -> None:
    many(site)
    write(site.root, "post/p01", "title: Post 01\nauthor: nobody\n")
    write(site.root, "post/p02", "author: ada\n")
    first = site.validate(all=True)
    again = site.validate(all=True)
    for name in ("stat", "derived.sqlite"):
        (site.root / ".press" / "cache" / name).unlink()
    cold = site.validate(all=True)
    assert found(first) == found(again) == found(cold) == [
        ("post/p01", "author", "link", "content/post/p01.yaml", 2),
        ("post/p02", "title", "invalid", "content/post/p02.yaml", None),
    ]
    assert [(r.record, r.source, r.errors) for r in first.records] == \
        [(r.record, r.source, r.errors) for r in again.records] == \
        [(r.record, r.source, r.errors) for r in cold.records]


def test_a_file_younger_than_the_racy_window_is_read_every_time(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    many(site)
    monkeypatch.setattr(statcache, "RACY_NS", 3600 * 10**9)
    seen = reads(monkeypatch)
    for _ in range(2):
        seen.clear()
        assert site.validate(all=True).ok
        assert len(set(seen)) == POSTS + 4


def test_a_format_checker_installed_since_a_pass_applies(site: Site, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # A folder Python imports from, settled an hour ago; the list of formats is kept at once.
    packages = tmp_path / "packages"
    packages.mkdir()
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(packages, ns=(hour_ago, hour_ago))
    monkeypatch.syspath_prepend(str(packages))
    monkeypatch.setattr(checks, "RACY_NS", -10**12)
    write_model(site.root, "person", "schema:\n  type: object\n  properties:\n    email: {type: string, format: email}\n")
    write(site.root, "person/a", "email: nobody\n")
    # As if the checker of "email" were not installed: the file passes, and the pass is kept.
    email = Draft202012Validator.FORMAT_CHECKER.checkers.pop("email")
    try:
        assert site.validate(all=True).ok
        assert site.validate(all=True).ok
    finally:
        Draft202012Validator.FORMAT_CHECKER.checkers["email"] = email
    # Installed: a new entry in the folder.
    (packages / "email_checker.py").write_text("")
    assert [(p.where.path, p.code) for p in site.validate(all=True).problems] == [("email", "invalid")]


def test_a_linked_model_folder_is_refused(site: Site, tmp_path: Path) -> None:
    many(site)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("title: Secret\n")
    (site.root / "content" / "page").symlink_to(outside, target_is_directory=True)
    result = site.validate(all=True)
    assert [(p.where.file, p.message) for p in result.problems] == [
        ("content/page", "is a symbolic link; press reads only regular files inside the site")]
    assert [r.record for r in result.records if r.errors] == ["page/secret"]
