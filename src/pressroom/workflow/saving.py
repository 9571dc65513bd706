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

from dataclasses import dataclass, field
from typing import Any

from ..errors import (BadContentError, ConflictError, NotFoundError, PressError, Problem, RefusedError,
                      StoreDamagedError, UsageError, Where)
from ..outcome import Outcome
from ..records import (RecordKey, generator_clash, generator_safe_id, list_working, load_record, parse_key,
                       set_fields)
from ..site import SiteCore
from ..store import Event, RefUpdate, SiteFile, Snapshot, Version, hash_bytes
from .common import event, now_iso, refusal
from .statcache import StatCache
from .validation import check_saves


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
class _Planned:
    key: RecordKey
    data: bytes
    parsed: dict[str, Any]
    parent: str | None
    write_working: bool
    working: str | None  # the hash of the working file as read (None: no file)


@dataclass(frozen=True)
class _Stale:
    """A working file holding the bytes of ``version``, older than current."""

    key: RecordKey
    version: str
    time: str


def select_records(site: SiteCore, names: list[str], *, all_records: bool = False,
                   model: str | None = None) -> list[RecordKey]:
    """The records a batch command names: refs, ``--model M`` or ``--all`` working files."""
    if names and (all_records or model):
        raise UsageError("name records, or use --all / --model, not both")
    if all_records:
        return list_working(site.root)
    if model:
        site.require_model_dir(model)
        return list_working(site.root, model)
    if not names:
        raise UsageError("name at least one record (model/id), or use --all or --model M")
    return sorted({parse_key(n) for n in names})


def save(site: SiteCore, keys: list[RecordKey], *, author: str, message: str = "",
         content: bytes | None = None, assignments: list[tuple[str, Any]] = (),
         force: bool = False, action: str = "save", extra: dict[str, Any] | None = None,
         lenient_links: bool = False, keep_published: bool = False, undeleting: str | None = None,
         skip_stale: bool = False) -> SaveResult:
    """Save each record's working file (or ``content``) as a new version, in one transaction.

    Unchanged content makes no version. Every bad file is reported and nothing
    is written when any of them is bad. ``action`` and ``extra`` name the
    event logged for each new version (``revert`` adds ``reverted_to``);
    ``lenient_links``: links to missing records warn on a draft, even where
    the model refuses invalid drafts (a revert restores what was saved).
    ``keep_published``: when the new content is byte for byte the published
    version's, ``published`` moves along (nothing public changes), so a
    revert to published leaves the record published, not updated.
    ``undeleting``: the version a deleted record had as current, the new
    version's parent (a revert that brings a deleted record back continues
    its history).
    ``skip_stale``: pass over a working file holding an older version of
    its record, with a warning (``--all``, ``--model``; see the module docstring).
    """
    if content is not None and len(keys) != 1:
        raise UsageError("-f/--file takes the content of exactly one record")
    snapshot = site.store.snapshot()
    planned: list[_Planned] = []
    unchanged: list[str] = []
    stale: list[_Stale] = []
    problems: list[Problem] = []
    stats = StatCache(site)
    for key in keys:
        clash = generator_clash(key) if snapshot.current.get(str(key)) is None and undeleting is None else None
        if clash is not None:
            # Only new records: one saved before this rule keeps working, and validate says how to rename it.
            problems.append(_clash_problem(site, key, clash))
            continue
        try:
            plan = _plan_one(site, key, snapshot.current.get(str(key)), content, list(assignments), force, stats,
                             skip_stale)
        except PressError as e:
            # A damaged store or a conflict stops the whole save with its own exit code (4, 3).
            if isinstance(e, (ConflictError, StoreDamagedError)) or (isinstance(e, UsageError) and len(keys) == 1):
                raise
            problems.extend(e.problems)
            continue
        if plan is None:
            unchanged.append(str(key))
        elif isinstance(plan, _Stale):
            stale.append(plan)
        else:
            planned.append(plan)
    stats.save()
    if problems:
        raise refusal(problems, "cannot be saved; nothing was saved")
    passed_over = [str(s.key) for s in stale]
    stale_warnings = [_stale_warning(site, s, snapshot.current[str(s.key)]) for s in stale]
    if not planned:
        return SaveResult(unchanged=unchanged, stale=passed_over, warnings=stale_warnings)
    # Validation per model (refuses, or warns), and the records this save publishes.
    gate = check_saves(site, snapshot, [(p.key, p.parsed, site.rel(site.working_path(p.key))) for p in planned],
                       sources={str(p.key): p.data for p in planned},
                       lenient_links=lenient_links, blobs={str(p.key): hash_bytes(p.data) for p in planned})
    time = now_iso()
    updates, events, saved = [], [], []
    published = list(gate.publish)
    for p in planned:
        record = str(p.key)
        blob = site.store.put_blob(p.data)
        parent = p.parent if p.parent is not None else undeleting
        version = Version(record=record, blob=blob, parent=parent, author=author, time=time, message=message)
        oid = site.store.put_version(version)
        updates.append(RefUpdate("current", record, p.parent, oid))
        events.append(Event(record, event(action, author=author, time=time, old=p.parent, new=oid,
                                          message=message, **(extra or {}))))
        saved.append(SavedRecord(record=record, version=oid, parent=parent, blob=blob))
        if record in gate.publish:
            old = snapshot.published.get(record)
            updates.append(RefUpdate("published", record, old, oid))
            events.append(Event(record, event("publish", author=author, time=time, old=old, new=oid,
                                              message=message, reason="save")))
        elif keep_published and _is_published_blob(site, snapshot, record, blob):
            old = snapshot.published[record]
            updates.append(RefUpdate("published", record, old, oid))
            events.append(Event(record, event("publish", author=author, time=time, old=old, new=oid,
                                              message=message, reason=action)))
            published.append(record)

    # The working files --set and -f rewrite are part of the transaction: written under the
    # lock (a save that reads the new current must read them too, or its --set would build on
    # the old file and undo this one), and finished after a crash (or the next save --all
    # would save the old text again).
    files = [SiteFile(site.working_path(p.key).relative_to(site.root).as_posix(), p.working, s.blob)
             for p, s in zip(planned, saved) if p.write_working]
    txn = site.store.commit(updates, events, expect=gate.expect, site_files=files)
    return SaveResult(saved=saved, unchanged=unchanged, warnings=[*stale_warnings, *gate.warnings], txn=txn,
                      published=published, stale=passed_over)


def _stale_warning(site: SiteCore, stale: _Stale, current: str) -> Problem:
    return Problem(
        f"not saved: the working file holds older version {stale.version[:7]} (saved {stale.time}), "
        f"not current {current[:7]}; a stale checkout (git checkout, a clone) is not an edit",
        code="stale_working_file", where=Where(file=site.rel(site.working_path(stale.key)), record=str(stale.key)),
        hint=f"to go back to it: press revert {stale.key} --to {stale.version[:12]}; to keep current, restore "
             f"the file (git checkout, or press show {stale.key} > FILE); `press save {stale.key}` saves it as an edit")


def _older_version(site: SiteCore, key: RecordKey, current: str, blob: str) -> _Stale | None:
    """The newest version before ``current`` in the record's own history whose blob is ``blob``."""
    try:
        for oid, version in site.store.history(current):
            if oid != current and version.blob == blob:
                return _Stale(key, oid, version.time)
    except PressError:
        # History cut short (an object gc removed, or not fetched): what was read decides.
        return None
    return None


def _clash_problem(site: SiteCore, key: RecordKey, clash: str) -> Problem:
    safe = RecordKey(key.model, generator_safe_id(key))
    return Problem(clash, code="reserved_id", where=Where(file=site.rel(site.working_path(key)), record=str(key)),
                   hint=f"choose another id: rename the file to {site.rel(site.working_path(safe))}, "
                        f"then press save {safe}")


def _is_published_blob(site: SiteCore, snapshot: Snapshot, record: str, blob: str) -> bool:
    published = snapshot.published.get(record)
    return (published is not None and record not in snapshot.archived
            and site.store.get_version(published).blob == blob)


def _plan_one(site: SiteCore, key: RecordKey, current: str | None, content: bytes | None,
              assignments: list[tuple[str, Any]], force: bool, stats: StatCache,
              skip_stale: bool = False) -> _Planned | _Stale | None:
    if current is not None and content is None and not assignments:
        # A working file whose stat says it holds the current version's bytes is not read.
        if stats.working_blob(key) == stats.version(str(key), current).blob:
            return None
    path = site.working_path(key)
    label = site.rel(path)
    working = site.read_working(key)
    current_blob = site.store.get_version(current).blob if current else None
    if content is not None:
        if len(content) > site.config.max_file_size:
            raise BadContentError(
                f"content is {len(content):,} bytes, over the limit of {site.config.max_file_size:,}",
                where=Where(file="-f input", record=str(key)),
            )
        if working is not None and not force and not _same_blob(working, current_blob):
            if site.store.read_ref("current", str(key)) != current:
                # Not the user's unsaved edit: another save wrote the file after this one read the refs.
                raise ConflictError(
                    "another press process saved this record while this command read it",
                    where=Where(record=str(key)),
                    hint="look at `press status` and run the command again",
                )
            raise RefusedError(
                "has unsaved changes that -f would overwrite",
                where=Where(file=label, record=str(key)),
                hint=f"save them first (press save {key}), or pass --force to drop them",
            )
        # Errors in it are at places in the -f input, not in the working file.
        data, write, label = content, True, "-f input"
    elif working is None:
        raise NotFoundError(
            f"{label} does not exist",
            where=Where(record=str(key)),
            hint=f"create the file, or take content from elsewhere with press save {key} -f FILE",
        )
    else:
        data, write = working, False
    if assignments:
        data, write = set_fields(data, label, assignments), True
    # Unchanged bytes parsed when they were saved: no need to read them again.
    if current_blob is not None and _same_blob(data, current_blob):
        return None
    if skip_stale and not write and current is not None:
        older = _older_version(site, key, current, hash_bytes(data))
        if older is not None:
            return older
    parsed = load_record(data, label)
    return _Planned(key=key, data=data, parsed=parsed, parent=current, write_working=write,
                    working=hash_bytes(working) if working is not None else None)


def _same_blob(data: bytes, blob: str | None) -> bool:
    return blob is not None and hash_bytes(data) == blob
