"""Store invariants under any sequence of saves and ref moves, and byte-exact round trips.

A hypothesis state machine drives the ``Site`` and ``Store`` APIs with saves,
ref moves (including removals), batches, stale expectations and moves to
missing objects, and checks after every step that the refs are what the
accepted transactions made them, that every ref names a version of its own
record whose parent chain is whole, that every object is named by the sha256
of its bytes, and that each event of an accepted transaction is logged once.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pressroom import ConflictError, Site, StoreDamagedError
from pressroom.store import Event, RefKind, RefUpdate
from tests.conftest import Cli, store_files, write

RECORDS = ("post/a", "post/b", "tag/c")
CONTENTS = (
    b"title: A\n",
    b"title: B  # a comment\n",
    "title: Ünïcødé ✓\nbody: |\n  two\n  lines\n".encode(),
    b"# only a comment, then\ntitle: A\n",
)

records = st.sampled_from(RECORDS)
kinds = st.sampled_from(list(RefKind))
# An index into the versions made for a record, or None for "remove the ref".
picks = st.one_of(st.none(), st.integers(min_value=0, max_value=12))


class StoreMachine(RuleBasedStateMachine):
    """A site under a random sequence of saves and ref transactions, and a model of its refs."""

    def __init__(self) -> None:
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory()
        root = Path(self._tmp.name) / "site"
        Site.init(root)
        self.site = Site.open(root)
        self.store = self.site.store
        self.refs: dict[str, dict[str, str]] = {kind: {} for kind in RefKind}
        self.versions: dict[str, list[str]] = {record: [] for record in RECORDS}
        self.logged: dict[str, list[str]] = {record: [] for record in RECORDS}  # txn of each event

    def teardown(self) -> None:
        self._tmp.cleanup()

    def _target(self, record: str, pick: int | None) -> str | None:
        made = self.versions[record]
        return None if pick is None or not made else made[pick % len(made)]

    def _updates(self, moves: list[tuple[str, str, int | None]]) -> list[RefUpdate]:
        return [RefUpdate(kind, record, self.refs[kind].get(record), self._target(record, pick))
                for kind, record, pick in moves]

    def _apply_model(self, updates: list[RefUpdate]) -> None:
        for u in updates:
            if u.new is None:
                self.refs[u.kind].pop(u.record, None)
            else:
                self.refs[u.kind][u.record] = u.new

    @rule(record=records, content=st.sampled_from(CONTENTS), message=st.text(max_size=20))
    def save(self, record: str, content: bytes, message: str) -> None:
        write(self.site.root, record, content)
        current = self.refs["current"].get(record)
        result = self.site.save(record, message=message)
        if result.saved:
            (saved,) = result.saved
            assert saved.parent == current
            assert saved.blob == hashlib.sha256(content).hexdigest()
            self.refs["current"][record] = saved.version
            self.versions[record].append(saved.version)
            self.logged[record].append(result.txn)
        else:
            assert result.unchanged == [record]
            assert current is not None
            assert self.store.get_blob(self.store.get_version(current).blob) == content

    @rule(moves=st.lists(st.tuples(kinds, records, picks), min_size=1, max_size=4,
                         unique_by=lambda m: (m[0], m[1])),
          extra_event=st.booleans())
    def move_refs(self, moves: list[tuple[str, str, int | None]], extra_event: bool) -> None:
        updates = self._updates(moves)
        events = [Event(u.record, {"action": "move", "kind": u.kind, "new": u.new}) for u in updates]
        if extra_event:
            # Two events for one record in one transaction (a save and a publish, say).
            events.append(Event(updates[0].record, {"action": "note"}))
        txn = self.store.commit(updates, events)
        self._apply_model(updates)
        for e in events:
            self.logged[e.record].append(txn)

    @rule(moves=st.lists(st.tuples(kinds, records, picks), min_size=1, max_size=4,
                         unique_by=lambda m: (m[0], m[1])),
          which=st.integers(min_value=0, max_value=3), wrong=picks)
    def stale_expectation_changes_nothing(self, moves: list[tuple[str, str, int | None]], which: int,
                                          wrong: int | None) -> None:
        updates = self._updates(moves)
        stale = updates[which % len(updates)]
        expected = self._target(stale.record, wrong)
        if expected == stale.old:
            # Any other value than the ref's: a made-up version id if nothing else differs.
            expected = hashlib.sha256(b"never stored").hexdigest() if stale.old is None else None
        updates[which % len(updates)] = RefUpdate(stale.kind, stale.record, expected, stale.new)
        before = store_files(self.site.root)
        with pytest.raises(ConflictError) as err:
            self.store.commit(updates, [Event(u.record, {"action": "stale"}) for u in updates])
        assert stale.record in {p.where.record for p in err.value.problems}
        assert store_files(self.site.root) == before

    @rule(kind=kinds, record=records, junk=st.binary(min_size=1, max_size=16))
    def move_to_missing_object_changes_nothing(self, kind: str, record: str, junk: bytes) -> None:
        missing = hashlib.sha256(b"missing:" + junk).hexdigest()
        before = store_files(self.site.root)
        with pytest.raises(StoreDamagedError):
            self.store.commit([RefUpdate(kind, record, self.refs[kind].get(record), missing)])
        assert store_files(self.site.root) == before

    @precondition(lambda self: any(self.versions.values()))
    @rule(record=records, pick=st.integers(min_value=0, max_value=12))
    def save_after_moving_current_back(self, record: str, pick: int) -> None:
        """Move current to an older version, then save new content: its parent is that version."""
        if not self.versions[record]:
            return
        target = self._target(record, pick)
        update = RefUpdate("current", record, self.refs["current"].get(record), target)
        self.logged[record].append(self.store.commit([update], [Event(record, {"action": "revert"})]))
        self._apply_model([update])
        content = b"title: after revert %d\n" % len(self.versions[record])
        write(self.site.root, record, content)
        result = self.site.save(record)
        (saved,) = result.saved
        assert saved.parent == target
        self.refs["current"][record] = saved.version
        self.versions[record].append(saved.version)
        self.logged[record].append(result.txn)

    @invariant()
    def refs_are_what_the_transactions_made(self) -> None:
        snap = self.store.snapshot()
        for kind in RefKind:
            assert getattr(snap, kind) == self.refs[kind]
        assert not (self.site.root / ".press" / "journal").exists()

    @invariant()
    def every_ref_names_a_version_of_its_record_with_a_whole_chain(self) -> None:
        for kind in RefKind:
            for record, oid in self.refs[kind].items():
                chain = list(self.store.history(oid))
                assert chain[0][0] == oid
                assert chain[-1][1].parent is None
                for (child_oid, child), (parent_oid, _parent) in zip(chain, chain[1:]):
                    assert child.parent == parent_oid
                for version_oid, version in chain:
                    assert version.record == record
                    assert version_oid in self.versions[record]
                    self.store.get_blob(version.blob)

    @invariant()
    def every_object_is_named_by_its_sha256(self) -> None:
        objects = self.site.root / ".press" / "objects"
        for path in objects.rglob("*"):
            if path.is_file():
                assert path.parent.name + path.name == hashlib.sha256(path.read_bytes()).hexdigest(), path

    @invariant()
    def each_event_is_logged_once(self) -> None:
        for record in RECORDS:
            assert [e["txn"] for e in self.store.read_log(record)] == self.logged[record]


StoreMachine.TestCase.settings = settings(stateful_step_count=15)
test_store_invariants = StoreMachine.TestCase


# Byte-exact round trip of valid YAML mappings: comments, quoting, unicode, CRLF.

# Characters YAML allows in a document (no controls, no surrogates, no BOM);
# libyaml also reads NEL, LS and PS as line breaks, so they stay out of comments.
_printable = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\ufffe\uffff")
_text = st.text(_printable, max_size=30)
_line_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
                                   blacklist_characters="\ufeff\ufffe\uffff\x85"), max_size=30)


def _double_quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_keys = st.one_of(st.from_regex(r"[a-z_][a-z0-9_]{0,11}", fullmatch=True), _text.map(_double_quoted))
_values = st.one_of(
    _text.map(_double_quoted),
    _line_text.map(_single_quoted),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.lists(_text.map(_double_quoted), max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    st.lists(_line_text.filter(lambda t: t.strip() == t and t), min_size=1, max_size=3).map(
        lambda lines: "|\n" + "".join(f"  {line}\n" for line in lines).rstrip("\n")),
)
_comments = st.one_of(st.just(""), _line_text.map(lambda t: "  # " + t))


@st.composite
def yaml_mappings(draw: st.DrawFn) -> bytes:
    entries = draw(st.lists(st.tuples(_keys, _values, _comments), min_size=1, max_size=6,
                            unique_by=lambda e: json.loads(e[0]) if e[0].startswith('"') else e[0]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [draw(_comments).strip()] if draw(st.booleans()) else []
    for key, value, comment in entries:
        if value.startswith("|"):
            head, _, body = value.partition("\n")
            lines.append(f"{key}: {head}{comment}")
            lines.extend(body.split("\n"))
        else:
            lines.append(f"{key}: {value}{comment}")
        if draw(st.booleans()):
            lines.append("")
    return (newline.join(line for line in lines) + newline).encode("utf-8")


@pytest.fixture(scope="module")
def roundtrip_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("roundtrip") / "site"
    Site.init(root)
    return Site.open(root)


@given(data=yaml_mappings(), n=st.integers(min_value=0, max_value=10**9))
def test_show_round_trips_exact_bytes(roundtrip_site: Site, data: bytes, n: int) -> None:
    site = roundtrip_site
    record = f"post/r{n}"
    write(site.root, record, data)
    result = site.save(record)
    if not result.saved:  # drawn twice with the same n and data
        assert result.unchanged == [record]
    shown = site.show(record)
    assert shown.content == data
    assert site.show(f"{record}@{shown.version}").content == data
    blob = site.root / ".press" / "objects" / hashlib.sha256(data).hexdigest()[:2]
    assert (blob / hashlib.sha256(data).hexdigest()[2:]).read_bytes() == data


@settings(max_examples=15)
@given(data=yaml_mappings())
def test_show_through_the_cli_writes_the_exact_bytes(roundtrip_site: Site, data: bytes) -> None:
    write(roundtrip_site.root, "page/cli", data)
    roundtrip_site.save("page/cli")
    result = Cli(roundtrip_site.root)("show", "page/cli")
    assert result.exit_code == 0
    assert result.stdout_bytes == data
