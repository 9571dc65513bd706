"""``fsck``: check the whole store and say exactly what is wrong and what to do.

Checks, under the shared store lock (so no transaction is half-applied while
we look), without changing anything:

- every object's bytes hash to its name (read in chunks: memory does not grow
  with the store or with the size of an object);
- every ref file holds a version id, of an existing version of that record;
- every version reachable from a ref names an existing blob and parent,
  except where ``pruned/`` says gc cut the history on purpose;
- every event-log line parses; every ``pruned/`` line is a version id;
- no transaction journal was left behind by a crash.

Memory grows only with the history of one record (the walk remembers the
versions it saw in that record), never with the number of objects.
Leftover temp files (an interrupted write) are reported as warnings: they
are harmless, and ``gc`` removes them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem, StoreDamagedError, Where
from .conflicts import parse_conflict
from .journal import parse_journal
from .lock import locked
from .objects import OID_RE
from .refs import REF_KINDS, check_record_key
from .versions import Version

if TYPE_CHECKING:
    from . import Store

CHUNK = 1024 * 1024
TEMP_PREFIXES = (".tmp-", ".gc-")
RESTORE_ALL = "restore .press/ from git (`git checkout -- .press`) or from a backup"


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
    def __init__(self, store: Store):
        self.store = store
        self.press = store.root
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.damaged: set[str] = set()
        self.objects = self.object_bytes = self.refs = self.versions = self.log_lines = 0

    def rel(self, path: Path) -> str:
        return str(Path(".press") / path.relative_to(self.press))

    def problem(self, code: str, message: str, path: Path | None, hint: str, **where: object) -> None:
        self.problems.append(Problem(message, code, Where(file=self.rel(path) if path else None, **where), hint))

    def temp_file(self, path: Path) -> None:
        by = "gc" if path.name.startswith(".gc-") else "write"
        self.warnings.append(Problem(
            f"leftover temp file from an interrupted {by}", "temp_file", Where(file=self.rel(path)),
            "harmless; `press gc` removes it (or delete it by hand)",
        ))

    # objects

    def check_objects(self) -> None:
        root = self.store.objects.root
        if not root.is_dir():
            self.problem("store_layout", "the objects folder is missing", root, RESTORE_ALL)
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
        if got != oid:
            self.damaged.add(oid)
            self.problem(
                "object_damaged", f"object {oid[:12]} is damaged: its bytes hash to {got[:12]}", path,
                f"restore this file from git (`git checkout -- {self.rel(path)}`); if no good copy exists, "
                "revert the records that use it to another version (see the problems below)",
            )

    # refs and the versions they reach

    def check_refs(self) -> None:
        heads: dict[str, dict[str, str]] = {}
        refs_root = self.store.refs.root
        for kind in REF_KINDS:
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

    def read_ref(self, kind: str, record: str, path: Path) -> str | None:
        self.refs += 1
        try:
            check_record_key(record)
        except ValueError:
            self.problem("ref_name", f"{kind} ref has a name that is not a record id", path,
                         "remove it: no press command writes such a name")
            return None
        try:
            text = path.read_bytes().decode("ascii").strip()
        except (UnicodeDecodeError, IsADirectoryError):
            text = "<unreadable>"
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
        cuts = self.store.pruned.read(record)
        seen: set[str] = set()
        for kind in REF_KINDS:
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
        path = self.store.objects.path(oid)
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
                hint = (f"restore the object from git (`git checkout -- {self.rel(path)}`); if it is lost for "
                        f"good, accept the shorter history by adding the line {child} to .press/pruned/{record}")
            self.problem("version_missing", f"version {oid[:12]}, named by {named_by}, is missing", path, hint,
                         record=record)
            return None
        try:
            version = Version.decode(oid, data)
        except StoreDamagedError:
            self.problem("not_a_version", f"object {oid[:12]}, named by {named_by}, is not a version", path,
                         f"restore .press/refs/{kind}/{record} from git; " + RESTORE_ALL, record=record)
            return None
        if version.record != record:
            self.problem("wrong_record", f"version {oid[:12]}, named by {named_by}, belongs to {version.record}",
                         path, f"restore .press/refs/{kind}/{record} from git; " + RESTORE_ALL, record=record)
        blob_path = self.store.objects.path(version.blob) if OID_RE.match(version.blob) else None
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
        for record, path in self.record_files(self.store.logs.root):
            with open(path, "rb") as f:
                number = 0
                for number, line in enumerate(f, 1):
                    self.log_lines += 1
                    self.check_log_line(record, path, number, line)

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
        for record, path in self.record_files(self.store.pruned.root):
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
        path = self.store.journal.path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return
        try:
            t = parse_journal(raw)
            detail = f" (transaction {t.txn[:12]}: {len(t.updates)} ref move(s))"
            hint = ("run any press command that reads the store (e.g. `press status`): it finishes the "
                    "transaction; then run `press fsck` again")
        except (ValueError, KeyError, TypeError, IndexError):
            detail = ", and it is unreadable"
            hint = "inspect it, then remove it to drop that transaction (refs keep their old values)"
        self.problem("journal_pending", f"a transaction was left half-done by a crash{detail}", path, hint)

    def check_root(self) -> None:
        for name in sorted(os.listdir(self.press)):
            if name.startswith(TEMP_PREFIXES):
                self.temp_file(self.press / name)


def fsck(store: Store) -> FsckReport:
    """Check every object, ref, version chain, event log and the journal of ``store``."""
    checker = _Checker(store)
    with locked(store.lock_path, exclusive=False):
        checker.check_journal()
        checker.check_objects()
        checker.check_refs()
        checker.check_pruned()
        checker.check_logs()
        checker.check_root()
    return FsckReport(
        objects=checker.objects, object_bytes=checker.object_bytes, refs=checker.refs, versions=checker.versions,
        log_lines=checker.log_lines, problems=checker.problems, warnings=checker.warnings,
    )
