"""gc: removes only what nothing reaches; retention is explicit; fsck stays clean."""

from __future__ import annotations

import importlib
import os
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from pressroom import NotFoundError, Site, StoreDamagedError
from tests.conftest import store_files, write

HOUR = 3600


def _save(site: Site, record: str, text: str) -> str:
    write(site.root, record, text)
    return site.save(record).saved[0].version


def _age(root: Path, seconds: float = 2 * HOUR) -> None:
    """Make every object look old, as if written `seconds` ago."""
    past = time.time() - seconds
    for path in (root / ".press/objects").rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def _objects(root: Path) -> set[str]:
    return {p.parent.name + p.name for p in (root / ".press/objects").glob("??/*")}


def _everything_listed_can_be_shown(site: Site) -> int:
    shown = 0
    for record in site.store.snapshot().records():
        for entry in site.log(record).entries:
            assert site.show(f"{record}@{entry.version}").version == entry.version
            shown += 1
    return shown


def test_deleted_record_is_collected_and_the_rest_kept(site: Site) -> None:
    _save(site, "post/keep", "title: keep\n")
    _save(site, "post/keep", "title: keep 2\n")
    gone = [_save(site, "post/gone", f"title: gone {i}\n") for i in range(2)]
    site.delete("post/gone")
    before = _objects(site.root)
    report = site.gc(grace=0)
    removed = {o.oid for o in report.removed}
    assert gone[0] in removed and gone[1] in removed and len(removed) == 4
    assert {o.record for o in report.removed if o.kind == "version"} == {"post/gone"}
    assert report.removed_bytes == sum(o.size for o in report.removed)
    assert _objects(site.root) == before - removed
    assert site.fsck().ok
    assert _everything_listed_can_be_shown(site) == 2
    assert site.gc(grace=0).removed == []


def test_dry_run_lists_with_sizes_and_changes_nothing(cli, site_dir) -> None:
    site = Site.open(site_dir)
    _save(site, "post/gone", "title: gone\n")
    site.delete("post/gone")
    before = store_files(site_dir)
    code, env = cli.json("gc", "--dry-run", "--prune-now")
    assert code == 0 and env["data"]["dry_run"] is True
    assert sorted((o["kind"], o["record"]) for o in env["data"]["removed"]) == [("blob", None),
                                                                                 ("version", "post/gone")]
    assert all(o["size"] > 0 for o in env["data"]["removed"])
    assert store_files(site_dir) == before
    human = cli("gc", "--dry-run", "--prune-now").stdout
    assert "would remove 2 object(s)" in human and "version of post/gone" in human


def test_young_unreachable_objects_are_spared(site: Site) -> None:
    _save(site, "post/x", "title: x\n")
    # A save in another process has written its objects but not committed yet.
    blob = site.store.put_blob(b"title: in flight\n")
    report = site.gc()
    assert report.removed == [] and report.young == 1
    assert blob in _objects(site.root)
    _age(site.root)
    assert [o.oid for o in site.gc().removed] == [blob]


def test_an_old_object_written_again_is_freshened_and_spared(site: Site) -> None:
    _save(site, "post/x", "title: one\n")
    _save(site, "post/x", "title: two\n")
    site.delete("post/x")
    _age(site.root)
    # A new save reuses the old content: put() finds the object and freshens it.
    write(site.root, "post/y", "title: one\n")
    blob = site.store.put_blob(b"title: one\n")
    report = site.gc()
    assert blob not in {o.oid for o in report.removed} and report.young == 1
    site.save("post/y")
    assert site.fsck().ok and site.show("post/y").content == b"title: one\n"


def test_an_interrupted_gc_is_finished_safely(site: Site) -> None:
    oid = _save(site, "post/x", "title: x\n")
    path = site.root / ".press/objects" / oid[:2] / oid[2:]
    aside = path.with_name(f".gc-{path.name}")
    path.rename(aside)
    assert not site.fsck().ok
    site.gc(dry_run=True)
    assert path.exists() and not aside.exists() and site.fsck().ok


def test_extra_roots_keep_a_version_no_ref_names(site: Site) -> None:
    pinned = _save(site, "post/x", "title: one\n")
    (site.root / "models/post.yaml").write_text("max_versions: 1\n")
    _save(site, "post/x", "title: two\n")
    _age(site.root)
    report = site.gc(extra_roots=[pinned])
    assert report.removed == []
    assert site.show(f"post/x@{pinned}").content == b"title: one\n"
    assert [p.record for p in report.pruned] == []
    # Once the schedule is gone, nothing keeps it.
    assert pinned in {o.oid for o in site.gc().removed}
    assert pinned not in _objects(site.root) and site.fsck().ok


def test_max_versions_keeps_the_newest_and_published(site: Site, cli) -> None:
    (site.root / "models/post.yaml").write_text("max_versions: 2\n")
    versions = [_save(site, "post/x", "title: v0\n")]
    site.publish("post/x")
    versions += [_save(site, "post/x", f"title: v{i}\n") for i in range(1, 5)]
    _age(site.root)
    report = site.gc()
    kept = {versions[4], versions[3], versions[0]}
    assert {o.oid for o in report.removed if o.kind == "version"} == set(versions) - kept
    assert [(p.record, sorted(p.cut_at), p.max_versions) for p in report.pruned] == [
        ("post/x", [versions[3]], 2)]
    result = site.log("post/x")
    assert [e.version for e in result.entries] == [versions[4], versions[3], versions[0]]
    assert result.pruned and result.entries[-1].refs == ["published"]
    assert site.fsck().ok
    assert _everything_listed_can_be_shown(site) == 3
    human = cli("log", "post/x").stdout
    assert "older history was pruned" in human
    # The cut is where ~N stops, and the cut version has no parent to diff against.
    with pytest.raises(NotFoundError, match="pruned by gc"):
        site.show("post/x@~2")
    assert site.log("post/x", patch=True).entries[1].changes is None
    assert site.gc().removed == [] and site.gc().pruned == []


def test_retention_then_more_saves_then_gc_again(site: Site) -> None:
    (site.root / "models/post.yaml").write_text("max_versions: 1\n")
    for i in range(3):
        _save(site, "post/x", f"title: {i}\n")
    _age(site.root)
    site.gc()
    for i in range(3, 6):
        _save(site, "post/x", f"title: {i}\n")
    _age(site.root)
    site.gc()
    assert [e.version for e in site.log("post/x").entries] == [site.status("post/x").records[0].current]
    assert (site.root / ".press/pruned/post/x").read_text().count("\n") == 1
    assert site.fsck().ok
    (site.root / "models/post.yaml").write_text("max_versions: 0\n")
    _save(site, "post/x", "title: later\n")
    _age(site.root)
    site.gc()
    assert len(site.log("post/x").entries) == 2 and site.fsck().ok


def test_gc_refuses_to_remove_anything_from_a_damaged_store(site: Site) -> None:
    v0 = _save(site, "post/x", "title: 0\n")
    _save(site, "post/x", "title: 1\n")
    _save(site, "post/gone", "title: gone\n")
    site.delete("post/gone")
    (site.root / ".press/objects" / v0[:2] / v0[2:]).unlink()
    _age(site.root)
    before = store_files(site.root)
    with pytest.raises(StoreDamagedError, match="missing"):
        site.gc()
    assert store_files(site.root) == before


RECORDS = st.sampled_from(["post/a", "post/b", "page/c"])
OP = st.tuples(st.sampled_from(["save", "save", "save", "publish", "revert", "delete"]), RECORDS, st.integers(0, 3))
# Rounds of edits, each ended by a gc with a random max_versions for posts.
ROUNDS = st.lists(st.tuples(st.lists(OP, min_size=3, max_size=8), st.sampled_from([1, 2, 0, 3])), min_size=1,
                  max_size=3)


@settings(max_examples=60)
@given(rounds=ROUNDS)
def test_gc_never_removes_anything_reachable(rounds: list[tuple[list[tuple[str, str, int]], int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        Site.init(root)
        site = Site.open(root)
        counter = 0
        for ops, keep in rounds:
            for op, record, n in ops:
                snapshot = site.store.snapshot()
                if op == "save":
                    counter += 1
                    write(root, record, f"title: {counter % (n + 2)}\nn: {counter}\n")
                    site.save(record)
                elif op == "publish" and record in snapshot.current and snapshot.published.get(record) != \
                        snapshot.current[record]:
                    site.publish(record)
                elif op == "revert" and record in snapshot.current:
                    entries = site.log(record).entries
                    target = entries[min(n, len(entries) - 1)]
                    if site.show(f"{record}@{target.version}").content != site.show(record).content:
                        site.revert(record, to=target.version, force=True)
                elif op == "delete" and record in snapshot.current and record not in snapshot.published:
                    site.delete(record, force=True)
            (root / "models").mkdir(exist_ok=True)
            (root / "models/post.yaml").write_text(f"max_versions: {keep}\n")
            refs = site.store.snapshot()
            heads = {oid for kind in ("current", "published", "archived") for oid in getattr(refs, kind).values()}
            newest = {r: [e.version for e in site.log(r).entries][: (keep if r.startswith("post/") else 0) or None]
                      for r in refs.current}
            _age(root)
            gc_report = site.gc()
            event(f"gc removed objects: {bool(gc_report.removed)}; pruned history: {bool(gc_report.pruned)}")
            report = site.fsck()
            assert report.ok, report.problems
            _everything_listed_can_be_shown(site)
            for oid in heads:
                site.store.get_blob(site.store.get_version(oid).blob)
            for r, kept in newest.items():
                assert [e.version for e in site.log(r).entries][: len(kept)] == kept
        assert site.fsck().ok


def test_a_schedule_made_while_gc_waits_for_the_lock_keeps_its_version(site: Site,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """gc reads the schedules' pins under its lock: one made just before it got the lock counts."""
    (site.root / "models/post.yaml").write_text("max_versions: 1\n")
    _save(site, "post/x", "title: one\n")
    store_gc = importlib.import_module("pressroom.store.gc")  # the module; pressroom.store.gc is the function

    real_locked = store_gc.locked
    pinned: list[str] = []

    def locked(*args, **kwargs):
        if not pinned:
            # Another press, while gc waits for the lock: schedule a publish of the current version,
            # then save over it. With max_versions: 1, only the schedule keeps that version.
            other = Site.open(site.root)
            pinned.append(other.schedule("publish", "post/x", at="+1d").schedule.version)
            _save(other, "post/x", "title: two\n")
            _age(site.root)
        return real_locked(*args, **kwargs)

    monkeypatch.setattr(store_gc, "locked", locked)
    report = site.gc()
    assert pinned and pinned[0] not in {o.oid for o in report.removed}
    assert site.show(f"post/x@{pinned[0]}").content == b"title: one\n"
    assert site.fsck().ok
