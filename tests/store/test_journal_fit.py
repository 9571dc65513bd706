"""A left-over journal is finished only over what it expected (the Store API).

The invariant: a replay applies a transaction iff every ref it moves holds
the old value it recorded or already the new one; otherwise it refuses,
writes nothing, and names exactly the refs that moved.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressroom import JournalConflictError, Site
from pressroom.store import Event, FileUpdate, RefKind, RefUpdate, Store, Version
from pressroom.store.journal import Transaction, journal_lines, journal_location
from tests.conftest import store_files, write

RECORDS = [f"post/r{i}" for i in range(4)]


def _versions(store: Store, record: str) -> list[str]:
    out, parent = [], None
    for i in range(3):
        blob = store.put_blob(f"title: {record} {i}\n".encode())
        parent = store.put_version(Version(record, blob, parent, "T", f"2026-01-0{i + 1}T00:00:00Z", ""))
        out.append(parent)
    return out


def _set_ref(store: Store, record: str, oid: str | None) -> None:
    """Write a ref file as git would (a checkout), outside any transaction."""
    path = store.ref_path(RefKind.CURRENT, record)
    if oid is None:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(oid.encode() + b"\n")


def _ref(store: Store, record: str) -> str | None:
    """A ref as its file holds it, read without the store (which would replay the journal)."""
    path = store.ref_path(RefKind.CURRENT, record)
    return path.read_text().strip() if path.exists() else None


def _leave_journal(store: Store, t: Transaction) -> None:
    """A journal in place, as a crash right after the commit point leaves it."""
    journal_location(store.root).parent.mkdir(parents=True, exist_ok=True)
    journal_location(store.root).write_bytes(b"".join(journal_lines(t)))


# Per record: the ref's old and new value (index into its versions, None: no ref) and what
# it holds when the replay comes: the old value, the new one, or something else.
_move = st.tuples(st.sampled_from([None, 0, 1, 2]), st.sampled_from([None, 0, 1, 2]),
                  st.sampled_from(["old", "new", "other"])).filter(lambda m: m[0] != m[1])


@given(moves=st.lists(_move, min_size=1, max_size=len(RECORDS)))
def test_a_replay_applies_iff_every_ref_holds_its_old_or_new_value(moves) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.init(Path(tmp) / ".press")
        versions = {r: _versions(store, r) for r in RECORDS}
        updates, holding, others = [], {}, set()
        for record, (old_i, new_i, state) in zip(RECORDS, moves):
            vs = versions[record]
            old, new = (vs[old_i] if old_i is not None else None), (vs[new_i] if new_i is not None else None)
            updates.append(RefUpdate("current", record, old, new))
            if state == "other":
                now = next(v for v in [*vs, None] if v not in (old, new))
                others.add(record)
            else:
                now = old if state == "old" else new
            holding[record] = now
            _set_ref(store, record, now)
        t = Transaction("0" * 16 + "1" * 16, updates, [Event(u.record, {"action": "x"}) for u in updates], [], [])
        _leave_journal(store, t)
        before = {r: _ref(store, r) for r in RECORDS}
        logs = {r: store.read_log(r) for r in RECORDS}
        if others:
            with pytest.raises(JournalConflictError) as caught:
                store.recover()
            assert {name for _kind, name, _exp, _found in caught.value.moved} == others
            assert {r: _ref(store, r) for r in RECORDS} == before
            assert {r: store.read_log(r) for r in RECORDS} == logs
            assert store.journal_pending()
            state = store.journal_state()
            assert state is not None and {m.name for m in state.moved} == others
        else:
            assert store.recover() == t.txn
            assert {u.record: _ref(store, u.record) for u in updates} == {
                u.record: u.new for u in updates}
            assert not store.journal_pending()


def test_a_store_file_changed_since_refuses_the_replay_and_an_old_journal_format_is_still_read(
        tmp_path: Path) -> None:
    store = Store.init(tmp_path / ".press")
    (tmp_path / ".press" / "schedules").mkdir()
    (tmp_path / ".press" / "schedules" / "s1").write_text("pulled\n")
    old = hashlib.sha256(b"before\n").hexdigest()
    t = Transaction("a" * 32, [], [], [("schedules/s1", "mine\n", old)], [])
    _leave_journal(store, t)
    with pytest.raises(JournalConflictError) as caught:
        store.recover()
    assert caught.value.moved[0][:2] == ("store file", "schedules/s1")
    assert (tmp_path / ".press" / "schedules" / "s1").read_text() == "pulled\n"
    # Format 2 recorded no old value for store files: replayed as before.
    head = {"journal": 2, "txn": "b" * 32, "updates": 0, "events": 0, "files": 1, "site_files": 0}
    journal_location(store.root).write_text(json.dumps(head) + "\n" + json.dumps(["f", "schedules/s1", "mine\n"]) + "\n")
    assert store.recover() == "b" * 32
    assert (tmp_path / ".press" / "schedules" / "s1").read_text() == "mine\n"


def test_a_commit_records_the_old_value_of_each_store_file(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from pressroom.store import journal as journal_module

    kept: list[bytes] = []
    real = journal_module.Journal._apply

    def keep(self, t, journal=None):
        kept.append(self.path.read_bytes())
        return real(self, t, journal)

    monkeypatch.setattr(journal_module.Journal, "_apply", keep)
    site.store.commit([], [], files=[FileUpdate("schedules/s1", None, "one\n")])
    site.store.commit([], [], files=[FileUpdate("schedules/s1", hashlib.sha256(b"one\n").hexdigest(), None)])
    lines = [[json.loads(x) for x in raw.splitlines()] for raw in kept]
    assert lines[0][0]["journal"] == 3
    assert lines[0][1] == ["f", "schedules/s1", "one\n", None]
    assert lines[1][1] == ["f", "schedules/s1", None, hashlib.sha256(b"one\n").hexdigest()]


def test_drop_sets_the_journal_aside_and_keeps_every_copy(site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    a1 = site.save("post/a").saved[0].version
    before = store_files(site.root)
    for n in range(2):
        t = Transaction("c" * 32, [RefUpdate("published", "post/a", None, a1)], [], [], [])
        _leave_journal(site.store, t)
        dropped = site.drop_journal()
        assert dropped is not None and dropped.txn == "c" * 32
        assert Path(dropped.kept).read_bytes() == b"".join(journal_lines(t))
    assert sorted(p.name for p in journal_location(site.store.root).parent.glob("journal.dropped-*")) == [
        f"journal.dropped-{'c' * 32}", f"journal.dropped-{'c' * 32}-2"]
    assert site.journal() is None and site.drop_journal() is None
    assert site.store.read_ref("published", "post/a") is None
    assert {k: v for k, v in store_files(site.root).items() if "dropped" not in k} == before


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("layout", ["top", "subfolder", "separate-git-dir", "no-git"])
def test_the_journal_is_where_git_keeps_its_own_state(tmp_path: Path, layout: str) -> None:
    top = tmp_path / "repo"
    top.mkdir()
    if layout == "separate-git-dir":
        _git(top, "init", "-q", "--separate-git-dir", str(tmp_path / "elsewhere.git"))
    elif layout != "no-git":
        _git(top, "init", "-q")
    site = top / "sites" / "a b" if layout == "subfolder" else top
    site.mkdir(parents=True, exist_ok=True)
    where = journal_location(site / ".press")
    if layout == "no-git":
        assert where == site / ".press" / "journal"
        return
    name = "journal-sites%2Fa%20b" if layout == "subfolder" else "journal"
    expected = _git(site, "rev-parse", "--path-format=absolute", "--git-path", f"pressroom/{name}").strip()
    assert where == Path(expected).resolve()
