"""Transactions through the Store API: all or nothing, compare-and-swap, safe keys."""

from __future__ import annotations

import hashlib
import json

import pytest

from pressroom import ConflictError, Site, StoreDamagedError
from pressroom.store import Event, RefUpdate
from tests.conftest import run_press, store_files, write


def _saved(site: Site, record: str, text: str) -> str:
    write(site.root, record, text)
    return site.save(record).saved[0].version


def test_a_batch_moves_every_ref_and_logs_every_event(site: Site) -> None:
    a1, b1 = _saved(site, "post/a", "title: A\n"), _saved(site, "post/b", "title: B\n")
    txn = site.store.commit(
        [RefUpdate("published", "post/a", None, a1), RefUpdate("published", "post/b", None, b1),
         RefUpdate("current", "post/b", b1, None)],
        [Event("post/a", {"action": "publish"}), Event("post/b", {"action": "publish"}),
         Event("post/b", {"action": "note"})],
    )
    snap = site.store.snapshot()
    assert snap.published == {"post/a": a1, "post/b": b1}
    assert snap.current == {"post/a": a1}
    assert [(e["action"], e["txn"]) for e in site.store.read_log("post/b")][-2:] == [("publish", txn),
                                                                                   ("note", txn)]
    assert not (site.root / ".press" / "journal").exists()


def test_one_stale_expectation_refuses_the_whole_batch(site: Site) -> None:
    a1, b1 = _saved(site, "post/a", "title: A\n"), _saved(site, "post/b", "title: B\n")
    before = store_files(site.root)
    with pytest.raises(ConflictError) as err:
        site.store.commit([RefUpdate("published", "post/a", None, a1),
                           RefUpdate("published", "post/b", a1, b1)],  # post/b has no published ref
                          [Event("post/a", {"action": "publish"})])
    assert [p.where.record for p in err.value.problems] == ["post/b"]
    assert "expected" in err.value.message
    assert store_files(site.root) == before


def test_every_stale_ref_is_named(site: Site) -> None:
    a1, b1 = _saved(site, "post/a", "title: A\n"), _saved(site, "post/b", "title: B\n")
    before = store_files(site.root)
    with pytest.raises(ConflictError) as err:
        site.store.commit([RefUpdate("current", "post/a", None, a1), RefUpdate("current", "post/b", None, b1)])
    assert sorted(p.where.record for p in err.value.problems) == ["post/a", "post/b"]
    assert "2 ref(s) changed" in err.value.message
    assert store_files(site.root) == before


def test_a_ref_to_a_missing_object_is_refused(site: Site) -> None:
    a1 = _saved(site, "post/a", "title: A\n")
    before = store_files(site.root)
    missing = hashlib.sha256(b"not stored").hexdigest()
    with pytest.raises(StoreDamagedError, match="missing object"):
        site.store.commit([RefUpdate("published", "post/a", None, a1), RefUpdate("current", "post/a", a1, missing)])
    assert store_files(site.root) == before


@pytest.mark.parametrize("record", ["post/../x", "../post/x", "post/a/b", "post", "post/.a", "post/a\n",
                                    "post\n/a", "post/" + "a" * 129, "/post/a", "post/a\x00"])
def test_the_store_refuses_keys_that_are_not_two_safe_parts(record: str) -> None:
    with pytest.raises(ValueError):
        RefUpdate("current", record, None, None)


def test_an_unknown_ref_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        RefUpdate("draft", "post/a", None, None)


def test_an_unreadable_journal_is_reported_as_damage(site: Site) -> None:
    _saved(site, "post/a", "title: A\n")
    journal = site.root / ".press" / "journal"
    journal.write_bytes(b'{"txn": "abc", "upd')
    before = store_files(site.root)
    result = run_press(site.root, "status")
    assert result.returncode == 4
    assert b"journal is unreadable" in result.stderr and str(journal).encode() in result.stderr
    assert b"Traceback" not in result.stderr
    assert store_files(site.root) == before


def _journal_of_a_save(site: Site, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The journal a save of post/a and post/b writes (its apply stopped, so it stays)."""
    from pressroom.store import journal as journal_module

    kept = {}

    def keep(self, t):
        kept["raw"] = self.path.read_bytes()
        raise KeyboardInterrupt

    monkeypatch.setattr(journal_module.Journal, "_apply", keep)
    write(site.root, "post/a", "title: A2\n")
    write(site.root, "post/b", "title: B\n")
    with pytest.raises(KeyboardInterrupt):
        site.save(all=True)
    monkeypatch.undo()
    return kept["raw"]


def test_a_journal_is_a_header_and_a_line_per_item_and_replays(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    _saved(site, "post/a", "title: A\n")
    raw = _journal_of_a_save(site, monkeypatch)
    lines = [json.loads(line) for line in raw.splitlines()]
    assert lines[0]["journal"] == 3 and (lines[0]["updates"], lines[0]["events"]) == (2, 2)
    assert sorted(line[0] for line in lines[1:]) == ["e", "e", "u", "u"]
    rows = {r["record"]: r for r in json.loads(run_press(site.root, "status", "--json").stdout)["data"]["records"]}
    assert not (site.root / ".press" / "journal").exists()
    assert rows["post/a"]["changes"] is None and rows["post/b"]["status"] == "draft"


@pytest.mark.parametrize("cut", ["last line", "a line of no known kind"])
def test_a_journal_that_is_not_whole_is_damage_and_nothing_moves(site: Site, monkeypatch: pytest.MonkeyPatch,
                                                                 cut: str) -> None:
    """The header's counts tell a whole journal: replay never applies part of a transaction."""
    _saved(site, "post/a", "title: A\n")
    raw = _journal_of_a_save(site, monkeypatch)
    lines = raw.splitlines(keepends=True)
    damaged = b"".join(lines[:-1]) if cut == "last line" else raw + b'["x", 1]\n'
    journal = site.root / ".press" / "journal"
    journal.write_bytes(damaged)
    before = store_files(site.root)
    result = run_press(site.root, "status")
    assert result.returncode == 4 and b"journal is unreadable" in result.stderr
    assert store_files(site.root) == before


def test_version_ids_are_unique_per_record_even_for_equal_content(site: Site) -> None:
    write(site.root, "post/a", "title: same\n")
    write(site.root, "post/b", "title: same\n")
    saved = site.save("post/a", "post/b").saved
    assert saved[0].blob == saved[1].blob
    assert saved[0].version != saved[1].version
