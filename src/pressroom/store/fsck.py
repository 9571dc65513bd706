"""``fsck``: check the whole store and say exactly what is wrong and what to do.

Checks, under the shared store lock (so no transaction is half-applied while
we look), without changing anything:

- every object's bytes hash to its name (a missing ``objects/``, ``refs/`` or
  ``logs/`` folder is no damage by itself: git keeps no empty folder, and a
  ref that needs a missing object is reported as such) (read in chunks: memory does not grow
  with the store or with the size of an object);
- every ref file holds a version id, of an existing version of that record;
- every version reachable from a ref names an existing blob and parent,
  except where ``pruned/`` says gc cut the history on purpose;
- every event-log line parses; every ``pruned/`` line is a version id;
- no transaction journal was left behind by a crash;
- git did not convert line endings: an object whose bytes hash to its name
  once CRLF is turned back into LF (a checkout with ``core.autocrlf``), a ref
  or event log with CRLF lines, or an object whose bytes hash to its name once
  LF is turned into CRLF (its CRLF was normalised away when it was committed,
  by a ``text`` attribute) is reported as ``line_endings`` with the git
  commands that restore the bytes, not as damage.

Memory grows only with the history of one record (the walk remembers the
versions it saw in that record), never with the number of objects.
Leftover temp files (an interrupted write) are reported as warnings: they
are harmless, and ``gc`` removes them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Data, Problem, StoreDamagedError, Where
from .conflicts import parse_conflict
from .journal import parse_journal
from .lock import locked
from .objects import OID_RE
from .refs import RefKind, check_record_key
from .versions import Version

if TYPE_CHECKING:
    from . import Store

CHUNK = 1024 * 1024
TEMP_PREFIXES = (".tmp-", ".gc-")
RESTORE_ALL = "restore .press/ from git (`git checkout -- .press`) or from a backup"
# How the repairs below name setting git up (the CLI names its command: pressroom.cli.hints).
SETUP = "Site.setup_git()"
# `git checkout -- .press` does not rewrite a file whose stat data git holds as clean: the index
# entries go first, so that every file is written again, now without conversion.
CHECKED_OUT_CRLF = (
    "nothing is lost: the repository holds the right bytes, git converted them when it checked them out "
    "(core.autocrlf, or a text attribute, with no pressroom attributes to stop it). Repair, in the site's "
    "folder: (1) commit or stash what `git status` lists as changed there; (2) {setup} (writes "
    ".gitattributes and .press/.gitattributes); (3) `git rm -r -q --cached -- {paths} && git checkout HEAD -- "
    "{paths}`; (4) commit .gitattributes and .press/.gitattributes, so that no other clone converts them"
)
COMMITTED_LF = (
    "the repository holds this object with LF where press wrote CRLF (a text or text=auto attribute "
    "converted it when it was committed). On the machine that saved it, whose .press/ still holds the "
    "right bytes: {setup}, then `git add --renormalize .press && git commit`, then pull here. "
    "With no such machine, turn its LF back into CRLF (`perl -pi -e 's/\\n/\\r\\n/' {file}`) "
    "and commit it"
)


@dataclass(frozen=True)
class FsckReport:
    """What fsck read and what it found; ``problems`` is damage, ``warnings`` is not."""

    objects: int = 0
    object_bytes: int = 0
    refs: int = 0
    versions: int = 0
    log_lines: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # The published view's violations (a dangling link, refs no command makes): not damage to bytes,
    # a state git made. The store cannot see links; the site fills this in.
    violations: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No damage and no violation."""
        return not self.problems and not self.violations


class _Checker:
    def __init__(self, store: Store, restore: Callable[[], list[str]] | None):
        self.store = store
        self.restore = restore
        self.press = store.root
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.damaged: set[str] = set()
        # Objects whose bytes git converted: how to turn them back, to read them as versions.
        self.converted: dict[str, _Undo] = {}
        self.crlf_files: dict[str, list[Path]] = {"object(s)": [], "ref(s)": [], "event log(s)": []}
        self.objects = self.object_bytes = self.refs = self.versions = self.log_lines = 0

    def rel(self, path: Path) -> str:
        return str(Path(".press") / path.relative_to(self.press))

    def problem(self, code: str, message: str, path: Path | None, hint: str, *, record: str | None = None,
                line: int | None = None, cause: str | None = None, data: Data | None = None) -> None:
        self.problems.append(Problem(message, code, Where(file=self.rel(path) if path else None, line=line,
                                                          record=record), hint, cause, data or {}))

    def temp_file(self, path: Path) -> None:
        by = "gc" if path.name.startswith(".gc-") else "write"
        self.warnings.append(Problem(
            f"leftover temp file from an interrupted {by}", "temp_file", Where(file=self.rel(path)),
            "harmless; gc (Site.gc) removes it (or delete it by hand)", cause="fsck.temp_file",
        ))

    # objects

    def check_objects(self) -> None:
        root = self.store._objects.root
        if not root.is_dir():
            # Git keeps no empty folder, so a fresh clone of a new site has none; writes create it.
            # Without it every ref names a missing version, and the ref walk reports each one.
            return
        with os.scandir(root) as fans:
            fan_names = sorted(e.name for e in fans)
        for fan in fan_names:
            fan_path = root / fan
            if len(fan) != 2 or not fan_path.is_dir():
                self.stray(fan_path)
                continue
            with os.scandir(fan_path) as entries:
                names = sorted(e.name for e in entries)
            for name in names:
                path = fan_path / name
                oid = fan + name
                if OID_RE.match(oid) and path.is_file():
                    self.check_object(oid, path)
                else:
                    self.stray(path)

    def stray(self, path: Path) -> None:
        if path.name.startswith(TEMP_PREFIXES):
            self.temp_file(path)
        else:
            self.warnings.append(Problem("not an object (an unexpected file in the objects folder)", "stray_file",
                                         Where(file=self.rel(path)), "remove it if you did not put it there"))

    def check_object(self, oid: str, path: Path) -> None:
        digest = hashlib.sha256()
        size = 0
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        self.objects += 1
        self.object_bytes += size
        got = digest.hexdigest()
        if got != oid and _hash_file(path, _crlf_to_lf) == oid:
            self.converted[oid] = _crlf_to_lf
            self.crlf_files["object(s)"].append(path)
        elif got != oid and _hash_file(path, _lf_to_crlf) == oid:
            self.converted[oid] = _lf_to_crlf
            self.problem("line_endings", f"object {oid[:12]} lost its CRLF line endings in git: its bytes hash to "
                         f"{oid[:12]} once LF is turned back into CRLF", path,
                         COMMITTED_LF.format(file=self.rel(path), setup=SETUP),
                         cause="fsck.committed_lf", data={"file": self.rel(path)})
        elif got != oid:
            self.damaged.add(oid)
            self.problem(
                "object_damaged", f"object {oid[:12]} is damaged: its bytes hash to {got[:12]}", path,
                f"restore this file from git (`git checkout -- {self.rel(path)}`); if no good copy exists, "
                "revert the records that use it to another version (see the problems below)",
            )

    # refs and the versions they reach

    def check_refs(self) -> None:
        heads: dict[str, dict[str, str]] = {}
        refs_root = self.store._refs.root
        for kind in RefKind:
            base = refs_root / kind
            if not base.is_dir():
                continue
            for model in sorted(os.listdir(base)):
                mdir = base / model
                if model.startswith(TEMP_PREFIXES):
                    self.temp_file(mdir)
                    continue
                if not mdir.is_dir():
                    self.stray(mdir)
                    continue
                for rid in sorted(os.listdir(mdir)):
                    path = mdir / rid
                    if rid.startswith(TEMP_PREFIXES):
                        self.temp_file(path)
                        continue
                    oid = self.read_ref(kind, f"{model}/{rid}", path)
                    if oid:
                        heads.setdefault(f"{model}/{rid}", {})[kind] = oid
        for record in sorted(heads):
            self.walk_record(record, heads[record])

    def read_ref(self, kind: RefKind, record: str, path: Path) -> str | None:
        self.refs += 1
        try:
            check_record_key(record)
        except ValueError:
            self.problem("ref_name", f"{kind} ref has a name that is not a record id", path,
                         "remove it: pressroom never writes such a name", cause="fsck.ref_name")
            return None
        try:
            raw = path.read_bytes()
            text = raw.decode("ascii").strip()
        except (UnicodeDecodeError, IsADirectoryError):
            raw, text = b"", "<unreadable>"
        if raw.endswith(b"\r\n") and OID_RE.match(text):
            self.crlf_files["ref(s)"].append(path)
        if OID_RE.match(text):
            return text
        conflict = parse_conflict(text, kind, record)
        if conflict is not None:
            # A merge state, not damage: status and resolve deal with it.
            p = conflict.problem()
            self.warnings.append(Problem(p.message, p.code, Where(file=self.rel(path), record=record), p.hint))
            return None
        shown = "an empty file" if not text else f"{text[:20]!r}"
        self.problem(
            "ref_unreadable", f"{kind} ref holds {shown}, not a version id", path,
            f"restore it from git (`git checkout -- {self.rel(path)}`); the record's versions are listed in "
            f".press/logs/{record} (the `new` of its last events)",
            record=record,
        )
        return None

    def walk_record(self, record: str, heads: dict[str, str]) -> None:
        cuts = self.store._pruned.read(record)
        seen: set[str] = set()
        for kind in RefKind:
            oid = heads.get(kind)
            child: str | None = None
            while oid is not None and oid not in seen:
                seen.add(oid)
                version = self.read_version(record, kind, oid, child)
                if version is None:
                    break
                self.versions += 1
                if oid in cuts:
                    break
                child, oid = oid, version.parent

    def read_version(self, record: str, kind: str, oid: str, child: str | None) -> Version | None:
        named_by = f"the {kind} ref" if child is None else f"version {child[:12]} (as its parent)"
        if not OID_RE.match(oid):
            self.problem("version_missing", f"{named_by} names {oid[:20]!r}, which is not a version id", None,
                         RESTORE_ALL, record=record)
            return None
        path = self.store._objects.path(oid)
        if oid in self.damaged:
            self.problem("version_damaged", f"version {oid[:12]}, named by {named_by}, is damaged", path,
                         f"see the damaged object above; or revert {record} to a version after it",
                         record=record)
            return None
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            if child is None:
                hint = (f"restore the object from git (`git checkout -- {self.rel(path)}`), or the ref "
                        f"(`git checkout -- .press/refs/{kind}/{record}`)")
            else:
                # A cherry-pick or revert of save commits merges cleanly and leaves the parent out:
                # the object is in another commit, not in HEAD.
                hint = (f"a cherry-pick or revert of save commits leaves a parent out: restore the object from a "
                        f"commit that has it, with the content it names (`git log --all --format=%h -1 -- "
                        f"{self.rel(path)}` names one, then `git checkout <commit> -- .press/objects`: objects are "
                        f"named by their bytes, so this adds the missing ones and changes no other); if it is lost "
                        f"for good, accept the shorter "
                        f"history by adding the line {child} to .press/pruned/{record}")
            self.problem("version_missing", f"version {oid[:12]}, named by {named_by}, is missing", path, hint,
                         record=record)
            return None
        if oid in self.converted:
            data = b"".join(self.converted[oid]([data]))
        try:
            version = Version.decode(oid, data)
        except StoreDamagedError:
            self.problem("not_a_version", f"object {oid[:12]}, named by {named_by}, is not a version", path,
                         f"restore .press/refs/{kind}/{record} from git; " + RESTORE_ALL, record=record)
            return None
        if version.record != record:
            self.problem("wrong_record", f"version {oid[:12]}, named by {named_by}, belongs to {version.record}",
                         path, f"restore .press/refs/{kind}/{record} from git; " + RESTORE_ALL, record=record)
        blob_path = self.store._objects.path(version.blob) if OID_RE.match(version.blob) else None
        if version.blob in self.damaged:
            self.problem("blob_damaged", f"version {oid[:12]} names content {version.blob[:12]}, which is damaged",
                         blob_path, f"see the damaged object above; or revert {record} to another version",
                         record=record)
        elif blob_path is None or not blob_path.is_file():
            self.problem(
                "blob_missing", f"version {oid[:12]} names content {version.blob[:12]}, which is missing",
                blob_path or path,
                f"restore it from git (`git checkout -- .press/objects`); if it is lost, revert {record} "
                "to another version",
                record=record,
            )
        return version

    # event logs, cut points, journal

    def check_logs(self) -> None:
        for record, path in self.record_files(self.store._logs.root):
            with open(path, "rb") as f:
                crlf = False
                for number, line in enumerate(f, 1):
                    self.log_lines += 1
                    crlf = crlf or line.endswith(b"\r\n")
                    self.check_log_line(record, path, number, line)
            if crlf:
                self.crlf_files["event log(s)"].append(path)

    def check_log_line(self, record: str, path: Path, number: int, line: bytes) -> None:
        torn = not line.endswith(b"\n")
        try:
            event = json.loads(line)
            ok = isinstance(event, dict) and isinstance(event.get("action"), str) and isinstance(
                event.get("time"), str)
        except ValueError:
            ok = False
        if ok and not torn:
            return
        what = "is cut short (a crash during a write)" if torn else "is not an event (JSON with action and time)"
        self.problem("log_line", f"event log line {number} {what}", path,
                     f"readers skip it; fix or delete line {number} of {self.rel(path)}",
                     line=number, record=record)

    def check_pruned(self) -> None:
        for record, path in self.record_files(self.store._pruned.root):
            lines = path.read_bytes().splitlines()
            for number, line in enumerate(lines, 1):
                if not OID_RE.match(line.decode("ascii", errors="replace").strip()):
                    self.problem("pruned_line", f"line {number} of the pruned-history list is not a version id",
                                 path, f"delete line {number}: gc rewrites this file", line=number, record=record)

    def record_files(self, root: Path) -> list[tuple[str, Path]]:
        out: list[tuple[str, Path]] = []
        if not root.is_dir():
            return out
        for model in sorted(os.listdir(root)):
            mdir = root / model
            if not mdir.is_dir():
                self.stray(mdir)
                continue
            for rid in sorted(os.listdir(mdir)):
                path = mdir / rid
                if rid.startswith(TEMP_PREFIXES):
                    self.temp_file(path)
                elif path.is_file():
                    out.append((f"{model}/{rid}", path))
        return out

    def check_journal(self) -> None:
        path = self.store._journal.found()
        if path is None:
            return
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return
        # In the git folder (see journal_location), or .press/journal.
        where = Where(file=self.rel(path) if path.is_relative_to(self.press) else str(path))
        try:
            t = parse_journal(raw)
        except (ValueError, KeyError, TypeError, IndexError):
            self.problems.append(Problem(
                "a transaction was left half-done by a crash, and it is unreadable", "journal_pending", where,
                "inspect it, then drop it (Site.drop_journal; refs keep their present values)",
                cause="fsck.journal_unreadable"))
            return
        moved = self.store._journal.moved(t)
        missing = self.store._journal.missing(t)
        detail = f" (transaction {t.txn[:12]}: {len(t.updates)} ref move(s))"
        if missing:
            detail += f"; {len(missing)} object(s) it names are missing, so it cannot be finished"
            hint, cause = "drop it (Site.drop_journal; refs keep their present values)", "fsck.journal_missing"
        elif moved:
            detail += f"; {len(moved)} ref(s) or file(s) it would change moved since, so it is not replayed"
            hint = ("Site.journal() lists them; check out again the commit it was made on to finish it, "
                    "or drop it (Site.drop_journal)")
            cause = "fsck.journal_moved"
        else:
            hint = ("open the store again (e.g. Site.status, or Site.finish_journal): it finishes the "
                    "transaction; then check it again (Site.fsck)")
            cause = "fsck.journal_left"
        self.problems.append(Problem(f"a transaction was left half-done by a crash{detail}", "journal_pending",
                                     where, hint, cause))
        for m in moved:
            p = m.problem(t.txn)
            self.problems.append(Problem(p.message, p.code, p.where, "see the left-over transaction above"))

    def check_line_endings(self) -> None:
        """One problem for a checkout git converted: one cause, one repair, however many files."""
        found = {what: paths for what, paths in self.crlf_files.items() if paths}
        if not found:
            return
        counts = ", ".join(f"{len(paths)} {what}" for what, paths in found.items())
        first = next(iter(found.values()))[0]
        paths = " ".join(self.restore() if self.restore else [".press"])
        self.problems.insert(0, Problem(
            f"git converted the line endings of .press/ when it checked it out: {counts} hold CRLF where "
            "press wrote LF (objects hash to their names once CRLF is turned back into LF)",
            "line_endings", Where(file=self.rel(first)),
            CHECKED_OUT_CRLF.format(paths=paths, setup=SETUP), cause="fsck.checked_out_crlf", data={"paths": paths}))

    def check_root(self) -> None:
        for name in sorted(os.listdir(self.press)):
            if name.startswith(TEMP_PREFIXES):
                self.temp_file(self.press / name)


def fsck(store: Store, restore: Callable[[], list[str]] | None = None) -> FsckReport:
    """Check every object, ref, version chain, event log and the journal of ``store``.

    ``restore``: the paths (relative to the site) a checkout git converted
    must be restored at, asked only when it was; ``.press`` when not given.
    """
    checker = _Checker(store, restore)
    with locked(store._lock_path, exclusive=False):
        checker.check_journal()
        checker.check_objects()
        checker.check_refs()
        checker.check_pruned()
        checker.check_logs()
        checker.check_root()
        checker.check_line_endings()
    return FsckReport(
        objects=checker.objects, object_bytes=checker.object_bytes, refs=checker.refs, versions=checker.versions,
        log_lines=checker.log_lines, problems=checker.problems, warnings=checker.warnings,
    )


_Undo = Callable[[Iterable[bytes]], Iterator[bytes]]


def _crlf_to_lf(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """What git's checkout conversion undone gives: CRLF as LF (a CR ending a chunk waits for the next)."""
    carry = b""
    for chunk in chunks:
        chunk = carry + chunk
        carry = b"\r" if chunk.endswith(b"\r") else b""
        yield (chunk[:-1] if carry else chunk).replace(b"\r\n", b"\n")
    yield carry


def _lf_to_crlf(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """LF as CRLF: what a file whose CRLF git normalised held. Stops at a CR: such a file was not all CRLF."""
    for chunk in chunks:
        if b"\r" in chunk:
            raise ValueError("holds a CR")
        yield chunk.replace(b"\n", b"\r\n")


def _hash_file(path: Path, undo: _Undo) -> str | None:
    """The sha256 of a file's bytes with a conversion undone (None when it cannot apply); read in chunks."""
    digest = hashlib.sha256()

    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk

    try:
        for part in undo(chunks()):
            digest.update(part)
    except ValueError:
        return None
    return digest.hexdigest()
