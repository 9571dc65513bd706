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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import (BadContentError, ConflictError, NotFoundError, PressError, Problem, RefusedError,
                      StoreDamagedError, UsageError, Where)
from ..models import Model, load_models
from ..outcome import Outcome
from ..records import (RecordKey, generator_clash as generator_clash, generator_safe_id, list_working, load_record,
                       parse_key, set_fields)
from ..site import SiteCore
from ..store import Snapshot, SiteFile, Version, hash_bytes
from .common import event, now_iso, refusal
from .plan import Action, NewVersion, Plan, RefKind, StoreReader, execute, key_of
from .statcache import StatCache
from .validation import SaveGate, gate_saves


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class SaveInput:
    """The bytes a save would store for one record, as read by the command.

    ``data`` None: the stat cache says the working file holds current's
    bytes (unchanged, not read). ``path``: the working file, relative to the
    site; ``label``: where parse errors point (``-f input`` or ``path``).
    ``write_working``: the working file must become ``data`` (``-f``,
    ``--set``), from ``working``, the hash of what it holds now (None: no file).
    """

    key: RecordKey
    data: bytes | None
    path: str
    label: str
    write_working: bool = False
    working: str | None = None


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
         force: bool = False, skip_stale: bool = False) -> SaveResult:
    """Save each record's working file (or ``content``) as a new version, in one transaction.

    Unchanged content makes no version. Every bad file is reported and nothing
    is written when any of them is bad.
    ``skip_stale``: pass over a working file holding an older version of
    its record, with a warning (``--all``, ``--model``; see the module docstring).
    """
    if content is not None and len(keys) != 1:
        raise UsageError("content is the content of exactly one record: name one", cause="save.content_of_one")
    snapshot = site.store.snapshot()
    inputs, problems = _read_inputs(site, snapshot, keys, content, list(assignments), force)
    if problems:
        raise refusal(problems, "cannot be saved; nothing was saved")
    request = SaveRequest(inputs, Stamp(author, now_iso(), message), skip_stale=skip_stale)
    planned = plan_save(site.store, load_models(site), snapshot, request)
    if planned.plan.problems:
        raise refusal(planned.plan.problems, "cannot be saved; nothing was saved")
    return _result(planned, execute(site.store, planned.plan))


def _result(planned: SavePlan, txn: str | None) -> SaveResult:
    return SaveResult(saved=planned.saved, unchanged=planned.unchanged, warnings=planned.plan.warnings, txn=txn,
                      published=planned.published, stale=planned.stale)


def _read_inputs(site: SiteCore, snapshot: Snapshot, keys: list[RecordKey], content: bytes | None,
                 assignments: list[tuple[str, Any]], force: bool) -> tuple[list[SaveInput], list[Problem]]:
    """Each record's bytes to save, and the problems of those that cannot be read."""
    inputs: list[SaveInput] = []
    problems: list[Problem] = []
    stats = StatCache(site)
    for key in keys:
        clash = generator_clash(key) if snapshot.current.get(str(key)) is None else None
        if clash is not None:
            # Only new records: one saved before this rule keeps working, and validate says how to rename it.
            problems.append(clash_problem(site, key, clash))
            continue
        try:
            inputs.append(_read_one(site, key, snapshot.current.get(str(key)), content, assignments, force, stats))
        except PressError as e:
            # A damaged store or a conflict stops the whole save with its own exit code (4, 3).
            if isinstance(e, (ConflictError, StoreDamagedError)) or (isinstance(e, UsageError) and len(keys) == 1):
                raise
            problems.extend(e.problems)
    stats.save()
    return inputs, problems


def _read_one(site: SiteCore, key: RecordKey, current: str | None, content: bytes | None,
              assignments: list[tuple[str, Any]], force: bool, stats: StatCache) -> SaveInput:
    path = site.working_path(key)
    rel = path.relative_to(site.root).as_posix()
    label = site.rel(path)
    if current is not None and content is None and not assignments:
        # A working file whose stat says it holds the current version's bytes is not read.
        if stats.working_blob(key) == stats.version(str(key), current).blob:
            return SaveInput(key, None, rel, label)
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
    else:
        data, write = working, False
    if assignments:
        data, write = set_fields(data, label, assignments), True
    return SaveInput(key, data, rel, label, write_working=write,
                     working=hash_bytes(working) if working is not None else None)


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


def plan_save(store: StoreReader, models: Mapping[str, Model], snapshot: Snapshot,
              request: SaveRequest) -> SavePlan:
    """New versions for the inputs that changed, validated; records whose model publishes every save move too."""
    plan = Plan(Action.SAVE)
    changed: list[tuple[SaveInput, bytes, Any]] = []
    unchanged: list[str] = []
    stale: list[str] = []
    for given in request.inputs:
        record = str(given.key)
        current = snapshot.current.get(record)
        current_blob = store.get_version(current).blob if current else None
        # Unchanged bytes parsed when they were saved: no need to read them again.
        if given.data is None or (current_blob is not None and hash_bytes(given.data) == current_blob):
            unchanged.append(record)
            continue
        if request.skip_stale and not given.write_working and current is not None:
            older = _older_version(store, current, hash_bytes(given.data))
            if older is not None:
                stale.append(record)
                plan.warnings.append(_stale_warning(given, older, current))
                continue
        try:
            changed.append((given, given.data, load_record(given.data, given.label)))
        except BadContentError as e:
            plan.problems.extend(e.problems)
    if plan.problems or not changed:
        return SavePlan(plan, unchanged=unchanged, stale=stale)
    gate = _gate(store, models, snapshot, changed, lenient_links=False)
    plan.problems.extend(gate.errors)
    if plan.problems:
        return SavePlan(plan, unchanged=unchanged, stale=stale)
    saved = [add_version(plan, snapshot, given.key, data, snapshot.current.get(str(given.key)), request.stamp,
                         reason=Action.SAVE, gate=gate, working=given) for given, data, _parsed in changed]
    plan.warnings.extend(gate.warnings)
    guard_links(plan, gate)
    return SavePlan(plan, saved=saved, unchanged=unchanged, stale=stale, published=list(gate.publish))


def _gate(store: StoreReader, models: Mapping[str, Model], snapshot: Snapshot,
          changed: list[tuple[SaveInput, bytes, Any]], *, lenient_links: bool) -> SaveGate:
    """Validation per model (refuses, or warns), and the records this save publishes."""
    return gate_saves(store, models, snapshot, [(g.key, parsed, g.path) for g, _d, parsed in changed],
                      sources={str(g.key): data for g, data, _p in changed}, lenient_links=lenient_links,
                      blobs={str(g.key): hash_bytes(data) for g, data, _p in changed})


def add_version(plan: Plan, snapshot: Snapshot, key: RecordKey, data: bytes, parent: str | None, stamp: Stamp, *,
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
    blob = hash_bytes(data)
    version = Version(record=record, blob=blob, parent=parent if parent is not None else history_parent,
                      author=stamp.author, time=stamp.time, message=stamp.message)
    new = NewVersion(version, data, reason)
    plan.versions.append(new)
    plan.move(RefKind.CURRENT, key, parent, new.oid)
    plan.log(key, event(reason.value, author=stamp.author, time=stamp.time, old=parent, new=new.oid,
                        message=stamp.message, **(extra or {})))
    if record in gate.publish:
        old = snapshot.published.get(record)
        plan.move(RefKind.PUBLISHED, key, old, new.oid)
        plan.log(key, event(Action.PUBLISH.value, author=stamp.author, time=stamp.time, old=old, new=new.oid,
                            message=stamp.message, reason="save"))
    # The working files --set and -f rewrite are part of the transaction: written under the
    # lock (a save that reads the new current must read them too, or its --set would build on
    # the old file and undo this one), and finished after a crash (or the next save --all
    # would save the old text again).
    if working.write_working:
        plan.site_files.append(SiteFile(working.path, working.working, blob))
    return SavedRecord(record=record, version=new.oid, parent=version.parent, blob=blob)


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
