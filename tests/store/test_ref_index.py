"""The ref index (``store/refindex.py``): a snapshot read through it is always what the ref files
say, whatever changed them (press, git checkout and merge, files written by hand), and a
one-record command reads a few ref files, not all of them.

Each check compares the store's snapshot with the ref files read directly (``read_all``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom import Site
from pressroom.errors import RefusedError
from pressroom.store import RefConflictError, Snapshot
from pressroom.store.refindex import FILE, LazyRefs
from pressroom.store.refs import RefFiles, RefKind
from tests.conftest import write
from tests.e2e.test_journal_git import git


def files_view(root: Path) -> dict[str, dict[str, str]]:
    """Every ref as the files hold it."""
    refs = RefFiles(root / ".press" / "refs")
    return {kind.value: refs.read_all(kind) for kind in RefKind}


def as_dicts(snap: Snapshot) -> dict[str, dict[str, str]]:
    return {"current": dict(snap.current), "published": dict(snap.published), "archived": dict(snap.archived)}


def assert_agrees(root: Path) -> None:
    """Both a fresh store's lazy lookups and its whole snapshot agree with the files."""
    expected = files_view(root)
    lookups = Site.open(root).store.snapshot()
    for kind, refs in expected.items():
        for record, oid in refs.items():
            assert lookups.get(RefKind(kind), record) == oid, (kind, record)
    records = {r for refs in expected.values() for r in refs}
    for record in records:
        for kind in RefKind:
            assert lookups.get(kind, record) == expected[kind.value].get(record), (kind, record)
    assert as_dicts(Site.open(root).store.snapshot()) == expected


def index_rows(root: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(root / ".press" / "cache" / FILE)
    try:
        return db.execute("SELECT kind, model FROM dirs ORDER BY kind, model").fetchall()
    finally:
        db.close()


@pytest.fixture
def filled(site_dir: Path) -> Site:
    for i in range(20):
        write(site_dir, f"post/p{i:02d}", f"title: P{i}\n")
    write(site_dir, "page/about", "title: About\n")
    site = Site.open(site_dir)
    site.save(all=True)
    site.publish(all=True)
    return site


class Counting:
    """Counts the ref files read and the ref folders scanned while it is active."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.files = 0
        self.folders = 0
        read, folder = RefFiles._read, RefFiles.read_folder

        def counted_read(path: Path | str, kind: RefKind, record: str) -> str | None:
            self.files += 1
            return read(path, kind, record)

        def counted_folder(refs: RefFiles, kind: RefKind, model: str, conflicts: object = None) -> dict[str, str]:
            self.folders += 1
            return folder(refs, kind, model, conflicts)  # type: ignore[arg-type]

        monkeypatch.setattr(RefFiles, "_read", staticmethod(counted_read))
        monkeypatch.setattr(RefFiles, "read_folder", counted_folder)

    def reset(self) -> None:
        self.files = self.folders = 0


def test_one_record_commands_read_a_few_ref_files_not_all(filled: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    root = filled.root
    filled.status()  # the index is up to date after press's own transactions; this is a warm start
    count = Counting(monkeypatch)
    write(root, "post/p03", "title: Changed\n")
    site = Site.open(root)
    site.save("post/p03")
    assert count.folders == 0 and count.files <= 6, (count.folders, count.files)
    count.reset()
    site.publish("post/p03", cascade=True)
    assert count.folders == 0 and count.files <= 6, (count.folders, count.files)
    count.reset()
    assert site.status("post/p03").records[0].status == "published"
    assert count.folders == 0 and count.files <= 3, (count.folders, count.files)
    count.reset()
    site.show("post/p03@published")
    site.log("post/p03")
    assert count.folders == 0 and count.files <= 6, (count.folders, count.files)
    assert_agrees(root)


def test_a_one_record_save_and_publish_load_no_kind_whole(site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Models with schemas and links, so that saving checks links against the refs.
    (site_dir / "models").mkdir(exist_ok=True)
    (site_dir / "models" / "author.yaml").write_text("schema: {type: object, required: [name]}\n")
    (site_dir / "models" / "post.yaml").write_text(
        "schema:\n  type: object\n  required: [title]\n"
        "  properties: {title: {type: string}, author: {type: string, x-link: author}}\n")
    for i in range(20):
        write(site_dir, f"author/a{i:02d}", f"name: A{i}\n")
        write(site_dir, f"post/p{i:02d}", f"title: P{i}\nauthor: a{i:02d}\n")
    Site.open(site_dir).save(all=True)
    Site.open(site_dir).publish(all=True)
    Site.open(site_dir).status()
    whole: list[str] = []
    load = LazyRefs._whole

    def counted(refs: LazyRefs) -> dict[str, str]:
        whole.append(refs._kind.value)
        return load(refs)

    monkeypatch.setattr(LazyRefs, "_whole", counted)
    write(site_dir, "post/p03", "title: Changed\nauthor: a04\n")
    site = Site.open(site_dir)
    site.save("post/p03")
    assert whole == []
    site.publish("post/p03", cascade=True)
    assert whole == []
    assert site.status("post/p03").records[0].status == "published"
    # A link to a missing record still names it, and still hints at the model that has the id.
    write(site_dir, "post/p05", "title: Five\nauthor: p06\n")
    with pytest.raises(RefusedError, match=r"links to author/p06, which does not exist \(wrong model\? there is post/p06\)"):
        site.save("post/p05")


def test_a_folder_changed_behind_presss_back_is_read_again(filled: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    root = filled.root
    refs = root / ".press" / "refs"
    filled.store.snapshot()
    count = Counting(monkeypatch)
    # Replace one ref by another's value, as git does (a new file), remove one, add one.
    (refs / "published" / "post" / "p01").unlink()
    tmp = refs / "current" / "post" / ".new"
    tmp.write_bytes((refs / "current" / "post" / "p02").read_bytes())
    os.replace(tmp, refs / "current" / "post" / "p05")
    shutil.copy(refs / "current" / "page" / "about", refs / "current" / "page" / "contact")
    snap = Site.open(root).store.snapshot()
    assert count.folders == 3  # current/post, current/page, published/post; published/page is trusted
    assert "post/p01" not in snap.published
    assert snap.current["post/p05"] == snap.current["post/p02"]
    assert "page/contact" in snap.current
    count.reset()
    again = as_dicts(Site.open(root).store.snapshot())
    assert count.folders == 0 and count.files == 0  # the reader recorded what it read
    assert again == files_view(root)


def test_a_removed_model_folder_is_forgotten(filled: Site) -> None:
    root = filled.root
    filled.store.snapshot()
    for kind in ("current", "published"):
        shutil.rmtree(root / ".press" / "refs" / kind / "page")
    snap = Site.open(root).store.snapshot()
    assert "page/about" not in snap.current and "page/about" not in snap.published
    assert ("current", "page") not in index_rows(root)
    assert_agrees(root)


def test_git_checkout_and_merge_are_seen(filled: Site) -> None:
    root = filled.root
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "site")
    git(root, "checkout", "-qb", "edits")
    write(root, "post/p01", "title: Edited on a branch\n")
    write(root, "post/new", "title: New on a branch\n")
    site = Site.open(root)
    site.save("post/p01", "post/new")
    site.publish("post/new")
    site.unpublish("post/p02")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "edits")
    on_branch = files_view(root)
    assert_agrees(root)

    git(root, "checkout", "-q", "main")
    assert files_view(root) != on_branch
    assert_agrees(root)
    assert "post/new" not in Site.open(root).store.snapshot().current

    git(root, "merge", "-q", "--no-edit", "edits")
    assert files_view(root) == on_branch
    assert_agrees(root)

    # A single ref restored from git, as the hints of fsck tell people to do.
    git(root, "checkout", "-q", "HEAD~1", "--", ".press/refs/published/post/p02")
    assert "post/p02" in Site.open(root).store.snapshot().published
    assert_agrees(root)


def test_a_ref_in_merge_conflict_is_never_taken_from_the_index(filled: Site) -> None:
    root = filled.root
    filled.store.snapshot()
    ref = root / ".press" / "refs" / "current" / "post" / "p04"
    ours = ref.read_text().strip()
    tmp = ref.with_name(".conflict")
    tmp.write_text(f"<<<<<<< ours\n{ours}\n=======\n{'b' * 64}\n>>>>>>> theirs\n")
    os.replace(tmp, ref)
    with pytest.raises(RefConflictError):
        Site.open(root).store.snapshot()
    for _ in range(2):  # the folder is not recorded while it holds a conflict
        snap = Site.open(root).store.snapshot(conflicts_ok=True)
        assert [c.record for c in snap.conflicts] == ["post/p04"]
        assert "post/p04" not in snap.current and "post/p05" in snap.current


def test_the_racy_rule_rereads_a_folder_recorded_in_its_own_tick(filled: Site) -> None:
    """A folder whose mtime is not before the stamp is read again: a change within that tick
    (here a ref rewritten in place, which keeps the folder's mtime) is then seen."""
    root = filled.root
    filled.store.snapshot()
    db = sqlite3.connect(root / ".press" / "cache" / FILE)
    db.execute("UPDATE dirs SET stamp = mtime WHERE kind = 'current' AND model = 'post'")
    db.commit()
    db.close()
    ref = root / ".press" / "refs" / "current" / "post" / "p06"
    other = (root / ".press" / "refs" / "current" / "post" / "p07").read_bytes()
    with open(ref, "r+b") as f:  # in place: the folder's mtime does not move
        f.write(other)
    assert Site.open(root).store.snapshot().current["post/p06"] == other.decode().strip()
    assert_agrees(root)


@pytest.mark.parametrize("damage", ["garbage", "empty", "wrong_value", "blob_value", "removed"])
def test_a_damaged_or_missing_index_is_rebuilt_never_trusted(filled: Site, damage: str) -> None:
    root = filled.root
    filled.store.snapshot()
    path = root / ".press" / "cache" / FILE
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if damage == "garbage":
        path.write_bytes(b"this is not a database" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "wrong_value":
        db = sqlite3.connect(path)
        db.execute("UPDATE refs SET oid = 'not a version id' WHERE kind = 'current' AND id = 'p08'")
        db.commit()
        db.close()
    elif damage == "blob_value":
        db = sqlite3.connect(path)  # bytes, not text: no version id either
        db.execute("UPDATE refs SET oid = CAST(oid AS BLOB) WHERE kind = 'current' AND id = 'p08'")
        db.commit()
        db.close()
    else:
        path.unlink()
    snap = Site.open(root).store.snapshot()
    assert snap.current["post/p08"] == files_view(root)["current"]["post/p08"]
    assert_agrees(root)
    write(root, "post/p08", "title: After the damage\n")
    Site.open(root).save("post/p08")
    assert_agrees(root)


def test_a_snapshot_is_one_instant_while_others_commit(filled: Site) -> None:
    root = filled.root
    before = filled.store.snapshot()
    old = before.current["post/p09"]
    write(root, "post/p09", "title: Later\n")
    Site.open(root).save("post/p09")
    assert before.current["post/p09"] == old  # read after the commit, through the view opened before it
    assert Site.open(root).store.snapshot().current["post/p09"] != old


def test_a_read_only_cache_falls_back_to_the_files(filled: Site) -> None:
    root = filled.root
    cache = root / ".press" / "cache"
    shutil.rmtree(cache)
    cache.write_bytes(b"")  # a file where the folder should be: nothing can be created under it
    try:
        assert_agrees(root)
        write(root, "post/p10", "title: No cache\n")
        Site.open(root).save("post/p10")
        assert_agrees(root)
    finally:
        cache.unlink()


def _ops() -> st.SearchStrategy[list[tuple[str, int]]]:
    actions = st.sampled_from(["save", "publish", "unpublish", "archive", "delete", "unlink", "snapshot"])
    return st.lists(st.tuples(actions, st.integers(0, 4)), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_ops())
def test_any_sequence_of_commands_and_file_changes_agrees_with_the_files(tmp_path_factory: pytest.TempPathFactory,
                                                                        ops: list[tuple[str, int]]) -> None:
    root = tmp_path_factory.mktemp("prop") / "site"
    Site.init(root)
    site = Site.open(root)
    for step, (action, i) in enumerate(ops):
        record = f"post/r{i}"
        snap = site.store.snapshot()
        try:
            if action == "save":
                write(root, record, f"title: step {step}\n")
                site.save(record)
            elif action == "publish" and record in snap.current and record not in snap.archived:
                site.publish(record)
            elif action == "unpublish" and record in snap.published:
                site.unpublish(record)
            elif action == "archive" and record in snap.current and record not in snap.archived:
                site.archive(record)
            elif action == "delete" and record in snap.current:
                site.delete(record, force=True)
            elif action == "unlink":
                # Behind press's back, right after its own write: the same clock tick, often.
                for ref in _refs_of(root, record):
                    ref.unlink()
        except Exception as e:  # a refusal of the workflow is fine; what matters is the view after it
            if type(e).__module__ != "pressroom.errors":
                raise
        assert_agrees(root)


def _refs_of(root: Path, record: str) -> Iterator[Path]:
    model, rid = record.split("/")
    for kind in RefKind:
        path = root / ".press" / "refs" / kind / model / rid
        if path.exists():
            yield path


def test_fsck_drops_an_index_that_disagrees_with_a_ref_rewritten_in_place(filled: Site) -> None:
    """What the folder's mtime cannot show (a ref file rewritten in place, by hand) fsck finds."""
    root = filled.root
    filled.store.snapshot()
    ref = root / ".press" / "refs" / "current" / "post" / "p11"
    other = (root / ".press" / "refs" / "current" / "post" / "p12").read_bytes()
    with open(ref, "r+b") as f:
        f.write(other)
    before = Site.open(root).store.snapshot().current["post/p11"]
    assert before != other.decode().strip()  # the index cannot see it: the folder's mtime did not move
    Site.open(root).fsck()
    assert Site.open(root).store.snapshot().current["post/p11"] == other.decode().strip()
    assert_agrees(root)
