"""``press save``: snapshot working files into versions and move ``current``.

**A stale checkout is not an edit.** ``git checkout`` of an older commit, or
a clone of a commit that holds a ref newer than the working file, leaves a
working file holding an older version's bytes. ``save --all`` and
``--model`` pass over such a file (a warning names the version and
``press revert``): saved, it would become current, and the next ``publish
--all`` would put the old text live again. Naming the record saves it.
Only a file that differs from current is compared with the history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
import dataclasses
from dataclasses import dataclass, field
import os
import stat
from typing import Any

from ..errors import (BadContentError, ConflictError, NotFoundError, PressError, Problem, RefusedError,
                      StoreDamagedError, UsageError, Where)
from ..models import Model, load_models
from ..outcome import Outcome
from ..records import (RecordKey, generator_clash as generator_clash, generator_safe_id, list_working, load_record,
                       parse_key, set_fields)
from ..site import SiteCore
from ..store import Event, RefUpdate, Snapshot, SiteFile, Version, hash_bytes
from .common import event, now_iso, refusal
from .plan import Action, NewVersion, Plan, RefKind, StoreReader, execute, key_of
from .statcache import StatCache
from .validation import Progress, SaveBatch, SaveGate, gate_saves, save_batch


@dataclass(frozen=True, slots=True)
class SavedRecord:
    """One record that got a new version."""

    record: str
    version: str
    parent: str | None
    blob: str


@dataclass(frozen=True)
class SaveResult(Outcome):
    """What ``save`` did: new versions, records left as they were, warnings."""

    saved: list[SavedRecord] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    txn: str | None = None
    published: list[str] = field(default_factory=list)  # saved and published at once (draft_published: false)
    stale: list[str] = field(default_factory=list)  # holding an older version's bytes: passed over (skip_stale)


@dataclass(frozen=True, slots=True)
class SaveInput:
    """The bytes a save would store for one record, as read by the command.

    ``data`` None: the stat cache says the working file holds current's
    bytes (unchanged, not read), unless ``source`` names the file the bytes
    are read from again when needed: a batch does not hold every record's
    bytes; ``blob`` is their id, as read first. ``path``: the working file,
    relative to the site; ``label``: where parse errors point (``-f input``
    or ``path``). ``write_working``: the working file must become ``data``
    (``-f``, ``--set``), from ``working``, the hash of what it holds now
    (None: no file).
    """

    key: RecordKey
    data: bytes | None
    path: str
    label: str
    write_working: bool = False
    working: str | None = None
    source: str | None = None
    blob: str | None = None

    @property
    def known(self) -> bool:
        """Whether the bytes were read (or are to be read again); False: unchanged by the stat cache."""
        return self.data is not None or self.source is not None

    def digest(self) -> str:
        """The blob id of the bytes to save."""
        if self.blob is not None:
            return self.blob
        assert self.data is not None
        return hash_bytes(self.data)

    def content(self) -> bytes | WorkingBytes:
        """The bytes, or how to read them again."""
        if self.data is not None:
            return self.data
        assert self.source is not None and self.blob is not None
        return WorkingBytes(self.source, self.blob, str(self.key))

    def read(self) -> bytes:
        """The bytes to save (read again from ``source`` when not held)."""
        content = self.content()
        return content if isinstance(content, bytes) else content()


@dataclass(frozen=True, slots=True)
class WorkingBytes:
    """A working file's bytes, read when a version is written instead of held by the command.

    The file must still hold what was checked (``blob``): an edit made
    while the save ran stops it (ConflictError) before anything is committed.
    """

    path: str
    blob: str
    record: str

    def __call__(self) -> bytes:
        try:
            data: bytes | None = _read_fd(os.open(self.path, _READ_AGAIN), None)
        except OSError:
            data = None
        if data is None or hash_bytes(data) != self.blob:
            raise ConflictError("the working file changed while it was being saved; nothing was saved",
                                where=Where(record=self.record), hint="save it again",
                                cause="save.working_changed", data={"record": self.record})
        return data


@dataclass(frozen=True)
class Stamp:
    """Who saves, when and why."""

    author: str
    time: str
    message: str = ""


@dataclass(frozen=True)
class SaveRequest:
    """The records to save, read; ``skip_stale``: pass over working files holding an older version."""

    inputs: list[SaveInput]
    stamp: Stamp
    skip_stale: bool = False


@dataclass(frozen=True)
class SavePlan:
    """A save's plan, with what it reports besides the moves."""

    plan: Plan
    saved: list[SavedRecord] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)


def select_records(site: SiteCore, names: list[str], *, all_records: bool = False,
                   model: str | None = None) -> list[RecordKey]:
    """The records a batch command names: refs, ``--model M`` or ``--all`` working files."""
    if names and (all_records or model):
        raise UsageError("name records, or pass all=True / model, not both", cause="select.both")
    if all_records:
        return list_working(site.root)
    if model:
        site.require_model_dir(model)
        return list_working(site.root, model)
    if not names:
        raise UsageError("name at least one record (model/id), or pass all=True or a model",
                         cause="select.none")
    return sorted({parse_key(n) for n in names})


def save(site: SiteCore, keys: list[RecordKey], *, author: str, message: str = "",
         content: bytes | None = None, assignments: Sequence[tuple[str, Any]] = (),
         force: bool = False, skip_stale: bool = False, progress: Progress | None = None) -> SaveResult:
    """Save each record's working file (or ``content``) as a new version, in one transaction.

    Unchanged content makes no version. Every bad file is reported and nothing
    is written when any of them is bad.
    ``skip_stale``: pass over a working file holding an older version of
    its record, with a warning (``--all``, ``--model``; see the module docstring).
    ``progress(done, total)``: called once for each record as it is checked
    (``total``: the records named), then once for each new version as it is
    written (``done`` starts again at 1; ``total``: the new versions).
    """
    if content is not None and len(keys) != 1:
        raise UsageError("content is the content of exactly one record: name one", cause="save.content_of_one")
    snapshot = site.store.snapshot()
    planned = _plan(site, snapshot, keys, SaveRequest([], Stamp(author, now_iso(), message), skip_stale=skip_stale),
                    content, list(assignments), force, progress)
    if planned.plan.problems:
        raise refusal(planned.plan.problems, "cannot be saved; nothing was saved")
    return _result(planned, execute(site.store, planned.plan, progress, site=site))


def _plan(site: SiteCore, snapshot: Snapshot, keys: list[RecordKey], request: SaveRequest, content: bytes | None,
          assignments: list[tuple[str, Any]], force: bool, progress: Progress | None) -> SavePlan:
    """Read and plan: the inputs die with this call, before the plan is written."""
    inputs, problems = _read_inputs(site, snapshot, keys, content, assignments, force)
    if problems:
        raise refusal(problems, "cannot be saved; nothing was saved")
    return plan_save(site.store, load_models(site), snapshot, dataclasses.replace(request, inputs=inputs),
                     progress)


def _result(planned: SavePlan, txn: str | None) -> SaveResult:
    return SaveResult(saved=planned.saved, unchanged=planned.unchanged, warnings=planned.plan.warnings, txn=txn,
                      published=planned.published, stale=planned.stale)


# Saves of this many records or more look working files up in the stat cache.
STAT_CACHE_FROM = 64


def _read_inputs(site: SiteCore, snapshot: Snapshot, keys: list[RecordKey], content: bytes | None,
                 assignments: list[tuple[str, Any]], force: bool) -> tuple[list[SaveInput], list[Problem]]:
    """Each record's bytes to save, and the problems of those that cannot be read."""
    inputs: list[SaveInput] = []
    problems: list[Problem] = []
    # The stat cache spares reading files a batch did not change; for a few records, reading them costs
    # less than loading and rewriting the cache of every record (150 MB at 100,000 records).
    stats = StatCache(site) if len(keys) >= STAT_CACHE_FROM else None
    # A batch reads its files by their plain paths (``_BulkReader``); a few files go the usual way.
    bulk = _BulkReader(site) if stats is not None else None
    for key in keys:
        clash = generator_clash(key) if snapshot.current.get(str(key)) is None else None
        if clash is not None:
            # Only new records: one saved before this rule keeps working, and validate says how to rename it.
            problems.append(clash_problem(site, key, clash))
            continue
        try:
            inputs.append(_read_one(site, key, snapshot.current.get(str(key)), content, assignments, force, stats,
                                    bulk))
        except PressError as e:
            # A damaged store or a conflict stops the whole save with its own exit code (4, 3).
            if isinstance(e, (ConflictError, StoreDamagedError)) or (isinstance(e, UsageError) and len(keys) == 1):
                raise
            problems.extend(e.problems)
    if stats is not None:
        stats.save()
    return inputs, problems


def _read_one(site: SiteCore, key: RecordKey, current: str | None, content: bytes | None,
              assignments: list[tuple[str, Any]], force: bool, stats: StatCache | None,
              bulk: _BulkReader | None) -> SaveInput:
    if bulk is not None and content is None and not assignments:
        if stats is not None and current is not None and stats.working_blob(key) == stats.version(str(key),
                                                                                                  current).blob:
            # A working file whose stat says it holds the current version's bytes is not read.
            rel = f"content/{key.model}/{key.id}.yaml"
            return SaveInput(key, None, rel, rel)
        found = bulk.read(key)
        if found is not None:
            rel, source, read = found
            blob = hash_bytes(read)
            return SaveInput(key, None, rel, rel, working=blob, source=source, blob=blob)
    path = site.working_path(key)
    rel = path.relative_to(site.root).as_posix()
    label = site.rel(path)
    working = site.read_working(key)
    if content is not None:
        _check_content(site, key, current, content, working, force)
        # Errors in it are at places in the -f input, not in the working file.
        data, write, label = content, True, "-f input"
    elif working is None:
        raise NotFoundError(
            "does not exist",
            where=Where(file=label, record=str(key)),
            hint="create the file, or pass its content (Site.save with content=...)",
            cause="save.no_working_file", data={"record": str(key)},
        )
    elif not assignments:
        # Not held: a batch of 100,000 records would hold every one's bytes until the commit.
        blob = hash_bytes(working)
        return SaveInput(key, None, rel, rel if label == rel else label, working=blob, source=str(path), blob=blob)
    else:
        data, write = working, False
    if assignments:
        data, write = set_fields(data, label, assignments), True
    return SaveInput(key, data, rel, label, write_working=write,
                     working=hash_bytes(working) if working is not None else None)


# Opened as they are read for a save: a link is refused by the open itself (ELOOP), and a FIFO
# does not block it (it is then no regular file, and the usual way says so).
_READ_PLAIN = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_READ_AGAIN = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class _BulkReader:
    """The working files of a large save, read with the fewest system calls: by string paths, each
    model's folders checked for links once, each file opened without following a link.

    ``read`` answers None for anything out of the ordinary (no file, a link, no regular file,
    over the size limit, a folder that is a link): ``site.read_working`` then reads it, or
    raises its error, as for a single record.
    """

    def __init__(self, site: SiteCore):
        self._root = os.fspath(site.root)
        self._limit = site.config.max_file_size
        self._plain: dict[str, bool] = {}

    def _plain_folder(self, model: str) -> bool:
        """Whether ``content/<model>`` and ``content`` are folders, not links (checked once a model)."""
        plain = self._plain.get(model)
        if plain is None:
            try:
                plain = all(stat.S_ISDIR(os.lstat(f"{self._root}/{folder}").st_mode)
                            for folder in ("content", f"content/{model}"))
            except OSError:
                plain = False
            self._plain[model] = plain
        return plain

    def read(self, key: RecordKey) -> tuple[str, str, bytes] | None:
        """The working file's path relative to the site, its full path and its bytes; None: not plain."""
        if not self._plain_folder(key.model):
            return None
        rel = f"content/{key.model}/{key.id}.yaml"
        path = f"{self._root}/{rel}"
        try:
            fd = os.open(path, _READ_PLAIN)
        except OSError:
            return None
        data = _read_fd(fd, self._limit)
        return None if data is None else (rel, path, data)


def _read_fd(fd: int, limit: int | None) -> bytes | None:
    """The bytes of the open file ``fd``, which is closed; None when it is no regular file or holds
    over ``limit`` bytes. Read to its end, sized by its stat (see ``records.read_limited``)."""
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (limit is not None and st.st_size > limit):
            return None
        data = os.read(fd, st.st_size + 1)
        if len(data) > st.st_size:
            # The file grew since the stat: read on, to the limit.
            chunks = [data]
            while chunk := os.read(fd, 65536):
                chunks.append(chunk)
                if limit is not None and sum(map(len, chunks)) > limit:
                    return None
            data = b"".join(chunks)
    finally:
        os.close(fd)
    return None if limit is not None and len(data) > limit else data


def _check_content(site: SiteCore, key: RecordKey, current: str | None, content: bytes, working: bytes | None,
                   force: bool) -> None:
    """``-f`` content: within the size limit, and not over unsaved changes of the working file."""
    check_size(site, key, content)
    current_blob = site.store.get_version(current).blob if current else None
    if working is None or force or hash_bytes(working) == current_blob:
        return
    if site.store.read_ref(RefKind.CURRENT, str(key)) != current:
        # Not the user's unsaved edit: another save wrote the file after this one read the refs.
        raise ConflictError(
            "another press process saved this record while this command read it",
            where=Where(record=str(key)),
            hint="look at the records' status (Site.status) and try again", cause="save.concurrent_save",
        )
    raise RefusedError(
        "has unsaved changes that content would overwrite",
        where=Where(file=site.rel(site.working_path(key)), record=str(key)),
        hint="save them first (Site.save), or pass force=True to drop them",
        cause="save.content_over_unsaved", data={"record": str(key)},
    )


def check_size(site: SiteCore, key: RecordKey, content: bytes) -> None:
    """Content given instead of the working file stays within ``max_file_size``."""
    if len(content) > site.config.max_file_size:
        raise BadContentError(
            f"content is {len(content):,} bytes, over the limit of {site.config.max_file_size:,}",
            where=Where(file="-f input", record=str(key)),
        )


# A large save is parsed and checked this many records at a time: memory holds one part's parsed data.
CHECK_PART = 256


def plan_save(store: StoreReader, models: Mapping[str, Model], snapshot: Snapshot, request: SaveRequest,
              progress: Progress | None = None) -> SavePlan:
    """New versions for the inputs that changed, validated; records whose model publishes every save move too.

    ``progress(done, total)`` is called once for each input, as it is found
    unchanged or once it is parsed and checked.
    """
    plan = Plan(Action.SAVE)
    changed: list[SaveInput] = []
    unchanged: list[str] = []
    stale: list[str] = []
    total = len(request.inputs)
    done = 0
    for given in request.inputs:
        record = str(given.key)
        current = snapshot.current.get(record)
        current_blob = store.get_version(current).blob if current else None
        # Unchanged bytes parsed when they were saved: no need to read them again.
        if not given.known or (current_blob is not None and given.digest() == current_blob):
            unchanged.append(record)
        elif request.skip_stale and not given.write_working and current is not None and (
                older := _older_version(store, current, given.digest())) is not None:
            stale.append(record)
            plan.warnings.append(_stale_warning(given, older, current))
        else:
            changed.append(given)
            continue
        done += 1
        if progress:
            progress(done, total)
    batch = save_batch(models, snapshot, [g.key for g in changed])
    gate = SaveGate(publish=list(batch.publish) if any(m.file for m in models.values()) else [])
    for start in range(0, len(changed), CHECK_PART):
        part = changed[start:start + CHECK_PART]
        checked = _check_part(store, models, snapshot, part, batch, plan.problems)
        gate.errors.extend(checked.errors)
        gate.warnings.extend(checked.warnings)
        gate.expect.extend(checked.expect)
        for _given in part:
            done += 1
            if progress:
                progress(done, total)
    plan.problems.extend(gate.errors)
    if plan.problems or not changed:
        return SavePlan(Plan(Action.SAVE, problems=plan.problems, warnings=plan.warnings), unchanged=unchanged,
                        stale=stale)
    saved = [add_version(plan, snapshot, given.key, given.content(), snapshot.current.get(str(given.key)),
                         request.stamp, reason=Action.SAVE, gate=gate, working=given) for given in changed]
    plan.warnings.extend(gate.warnings)
    guard_links(plan, gate)
    return SavePlan(plan, saved=saved, unchanged=unchanged, stale=stale, published=list(gate.publish))


def _check_part(store: StoreReader, models: Mapping[str, Model], snapshot: Snapshot, part: list[SaveInput],
                batch: SaveBatch, problems: list[Problem]) -> SaveGate:
    """Parse and validate one part of a save; its parse errors go to ``problems``, the rest is the gate's."""
    parsed: list[tuple[SaveInput, bytes, Any]] = []
    for given in part:
        data = given.read()
        try:
            parsed.append((given, data, load_record(data, given.label)))
        except BadContentError as e:
            problems.extend(e.problems)
    return _gate(store, models, snapshot, parsed, lenient_links=False, batch=batch)


def _gate(store: StoreReader, models: Mapping[str, Model], snapshot: Snapshot,
          changed: list[tuple[SaveInput, bytes, Any]], *, lenient_links: bool,
          batch: SaveBatch | None = None) -> SaveGate:
    """Validation per model (refuses, or warns), and the records this save publishes."""
    return gate_saves(store, models, snapshot, [(g.key, parsed, g.path) for g, _d, parsed in changed],
                      sources={str(g.key): data for g, data, _p in changed}, lenient_links=lenient_links,
                      blobs={str(g.key): g.digest() for g, _d, _p in changed}, batch=batch)


def add_version(plan: Plan, snapshot: Snapshot, key: RecordKey, data: bytes | Callable[[], bytes],
                parent: str | None, stamp: Stamp, *,
                reason: Action, gate: SaveGate, working: SaveInput, extra: Mapping[str, Any] | None = None,
                history_parent: str | None = None) -> SavedRecord:
    """Add to ``plan`` a new version of ``key`` holding ``data``, moving current from ``parent``.

    The record is published at once when ``gate`` says its model publishes
    every save. ``history_parent``: the
    version's parent when current has none (an undelete continues the
    deleted record's history). The working file is rewritten in the same
    transaction when ``working`` says so.
    """
    record = str(key)
    blob = working.digest() if callable(data) else hash_bytes(data)
    version = Version(record=record, blob=blob, parent=parent if parent is not None else history_parent,
                      author=stamp.author, time=stamp.time, message=stamp.message)
    new = NewVersion(version, data, reason)
    oid = new.oid  # one string for the ref, the events and the result of a large batch
    plan.versions.append(new)
    # The record's name as one string for its ref update and events (Plan.move and log make one each).
    plan.updates.append(RefUpdate(RefKind.CURRENT, record, parent, oid))
    plan.events.append(Event(record, event(reason.value, author=stamp.author, time=stamp.time, old=parent, new=oid,
                                           message=stamp.message, **(extra or {}))))
    if record in gate.publish:
        old = snapshot.published.get(record)
        plan.updates.append(RefUpdate(RefKind.PUBLISHED, record, old, oid))
        plan.events.append(Event(record, event(Action.PUBLISH.value, author=stamp.author, time=stamp.time, old=old,
                                               new=oid, message=stamp.message, reason="save")))
    # The working files --set and -f rewrite are part of the transaction: written under the
    # lock (a save that reads the new current must read them too, or its --set would build on
    # the old file and undo this one), and finished after a crash (or the next save --all
    # would save the old text again).
    if working.write_working:
        plan.site_files.append(SiteFile(working.path, working.working, blob))
    return SavedRecord(record=record, version=oid, parent=version.parent, blob=blob)


def guard_links(plan: Plan, gate: SaveGate) -> None:
    """The published link targets validation relied on must not move before the commit."""
    for kind, target, value in gate.expect:
        plan.guard(RefKind(kind), key_of(target), value)


@dataclass(frozen=True)
class _Older:
    version: str
    time: str


def _stale_warning(given: SaveInput, older: _Older, current: str) -> Problem:
    key = given.key
    return Problem(
        f"not saved: the working file holds older version {older.version[:7]} (saved {older.time}), "
        f"not current {current[:7]}; a stale checkout (git checkout, a clone) is not an edit",
        code="stale_working_file", where=Where(file=given.path, record=str(key)),
        hint=f"to go back to it: Site.revert with to={older.version[:12]!r}; to keep current, restore the file "
             f"(git checkout, or the content Site.show gives); saving {key} by name saves it as an edit",
        cause="save.stale_working_file", data={"record": str(key), "version": older.version[:12],
                                               "older": older.version[:7], "saved": older.time,
                                               "current": current[:7]})


def _older_version(store: StoreReader, current: str, blob: str) -> _Older | None:
    """The newest version before ``current`` in the record's own history whose blob is ``blob``."""
    try:
        for oid, version in store.history(current):
            if oid != current and version.blob == blob:
                return _Older(oid, version.time)
    except PressError:
        # History cut short (an object gc removed, or not fetched): what was read decides.
        return None
    return None


def clash_problem(site: SiteCore, key: RecordKey, clash: str) -> Problem:
    """A new record whose id static site generators reserve, with the file to rename."""
    safe = RecordKey(key.model, generator_safe_id(key))
    return Problem(clash, code="reserved_id", where=Where(file=site.rel(site.working_path(key)), record=str(key)),
                   hint=f"choose another id: rename the file to {site.rel(site.working_path(safe))}, "
                        f"then save {safe}", cause="save.generator_clash",
                   data={"file": site.rel(site.working_path(safe)), "record": str(safe)})
