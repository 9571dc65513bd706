"""Plans, then one execution: the shape every state-changing command shares.

A command is split in two. Its *planner* is pure: from a snapshot of the refs,
a reader of the store (``StoreReader``: versions, blobs, logs) and the
command's request, it returns a ``Plan``: the records it moves and why, the
new versions to write, the ref updates and events of one transaction, the
refs the checks relied on (guards), the working files that must change with
the refs, and every problem found. Nothing is written while planning, so a
planner is tested on an in-memory store (``pressroom.store.memory``).

``execute(store, plan)`` then writes the plan's objects and commits its
updates in one transaction, or raises ConflictError when a guarded ref moved.
A planner that adds to another's plan (a link strategy, a release) appends
moves and versions, each with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import Problem
from ..records import RecordKey
from .common import refusal
from ..store import (Event, FileUpdate, RefConflict, RefKind as RefKind, RefUpdate, SiteFile, Snapshot, Version,
                     hash_bytes)

if TYPE_CHECKING:
    from ..site import SiteCore


class Action(StrEnum):
    """What a command does to a record; logged as the event's ``action``."""

    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    ARCHIVE = "archive"
    DELETE = "delete"
    SAVE = "save"
    REVERT = "revert"
    STAGE = "stage"
    RESOLVE = "resolve"
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"

    @property
    def past(self) -> str:
        """The participle the messages use: ``nothing was archived``."""
        return _PAST[self]


_PAST = {Action.PUBLISH: "published", Action.UNPUBLISH: "unpublished", Action.ARCHIVE: "archived",
         Action.DELETE: "deleted", Action.SAVE: "saved", Action.REVERT: "reverted", Action.STAGE: "staged",
         Action.RESOLVE: "resolved", Action.SCHEDULE: "scheduled", Action.UNSCHEDULE: "cancelled"}


def key_of(record: str | RecordKey) -> RecordKey:
    """The key of a record the store named (its refs and logs are checked when read, so not parsed again)."""
    if isinstance(record, RecordKey):
        return record
    model, _, rid = record.partition("/")
    return RecordKey(model, rid)


class Status(StrEnum):
    """A record's state, derived from its refs (``new``: never saved)."""

    NEW = "new"
    DRAFT = "draft"
    PUBLISHED = "published"
    UPDATED = "updated"
    ARCHIVED = "archived"
    DELETED = "deleted"
    CONFLICT = "conflict"  # a git merge left its refs in conflict: only ``status`` says so


class BlobCache(Protocol):
    """Derived data by ``(kind, key)`` (the store's validation cache)."""

    def get_many(self, kind: str, keys: Any) -> dict[str, Any]: ...

    def put_many(self, kind: str, entries: Mapping[str, Any]) -> None: ...


class StoreReader(Protocol):
    """The reading side of a store that planners need; ``Store`` and ``MemoryStore`` have it."""

    @property
    def cache(self) -> BlobCache: ...

    def snapshot(self, *, conflicts_ok: bool = False) -> Snapshot: ...

    def get_version(self, oid: str) -> Version: ...

    def get_blob(self, oid: str) -> bytes: ...

    def has_object(self, oid: str) -> bool: ...

    def read_log(self, record: str) -> list[dict[str, Any]]: ...

    def history(self, oid: str | None) -> Iterator[tuple[str, Version]]: ...


class StoreWriter(StoreReader, Protocol):
    """What ``execute`` needs on top: put objects, commit one transaction."""

    def put_blob(self, data: bytes) -> str: ...

    def put_version(self, version: Version) -> str: ...

    def commit(self, updates: list[RefUpdate], events: Sequence[Event] = ..., *,
               expect: Iterable[tuple[RefKind, str, str | None]] = ...,
               unchanged: Mapping[RefKind, Mapping[str, str]] | None = ...,
               files: Iterable[FileUpdate] = ..., site_files: Iterable[SiteFile] = ...,
               resolving: Iterable[RefConflict] = ...) -> str: ...


@dataclass(frozen=True, slots=True)
class Guard:
    """A ref the plan's checks read and does not move: it must still be ``value`` at commit."""

    kind: RefKind
    key: RecordKey
    value: str | None


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A version the plan creates, with its content, and why (``save``, ``revert``, a strategy's name).

    ``data`` may be a function that reads the content when it is written (a
    large save does not hold every record's bytes).
    """

    version: Version
    data: bytes | Callable[[], bytes]
    reason: str

    def content(self) -> bytes:
        """The version's bytes."""
        return self.data if isinstance(self.data, bytes) else self.data()

    @property
    def oid(self) -> str:
        return hash_bytes(self.version.encode())

    @property
    def blob(self) -> str:
        return self.version.blob


@dataclass
class Plan:
    """Everything one command would do, decided before anything is written.

    ``moves``, ``skipped`` and ``referrers`` are the command's own report
    (``publishing.Move`` and friends, or a save's records); ``problems``
    make ``execute`` refuse to run; ``warnings`` do not.
    """

    action: Action
    moves: list[Any] = field(default_factory=list)
    skipped: list[Any] = field(default_factory=list)
    referrers: list[Any] = field(default_factory=list)
    versions: list[NewVersion] = field(default_factory=list)
    updates: list[RefUpdate] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    # A kind whose every ref must be unchanged (an unpublish reads the whole published view).
    unchanged: dict[RefKind, Mapping[str, str]] = field(default_factory=dict)
    site_files: list[SiteFile] = field(default_factory=list)
    # Store files (a schedule's state) replaced in the same transaction, their old bytes checked like refs.
    files: list[FileUpdate] = field(default_factory=list)
    # The merge conflicts this plan ends (``press resolve``): the store clears them with the commit.
    resolving: list[RefConflict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing to write: no ref moves, no new version, no event, no working or store file."""
        return (not self.updates and not self.versions and not self.events and not self.site_files
                and not self.files)

    def move(self, kind: RefKind, key: RecordKey, old: str | None, new: str | None) -> None:
        """Add a ref update."""
        self.updates.append(RefUpdate(kind, str(key), old, new))

    def log(self, key: RecordKey, data: dict[str, Any]) -> None:
        """Add an event-log line for ``key``."""
        self.events.append(Event(str(key), data))

    def guard(self, kind: RefKind, key: RecordKey, value: str | None) -> None:
        """Require that a ref the checks read is unchanged at commit."""
        self.guards.append(Guard(kind, key, value))


def execute(store: StoreWriter, plan: Plan, progress: Callable[[int, int], None] | None = None, *,
            site: SiteCore | None = None) -> str | None:
    """Write the plan's new objects and commit it as one transaction; its id, or None when it is empty.

    A plan with problems is refused (RefusedError); objects go in first (a
    crash leaves only unreferenced objects, which gc removes).
    ``progress(done, total)``: called as each new version is written.
    ``site``: the site whose store this is; a published view known clean before the
    commit is then recorded clean after it (``view.carry_clean``), so the next whole-view
    check need not read every published version again.
    """
    if plan.problems:
        raise refusal(plan.problems, f"nothing was {plan.action.past}")
    if plan.empty:
        return None
    for i, new in enumerate(plan.versions):
        store.put_blob(new.content())
        store.put_version(new.version)
        if progress:
            progress(i + 1, len(plan.versions))
    expect = [(g.kind, str(g.key), g.value) for g in plan.guards]
    unchanged = dict(plan.unchanged) or None

    def commit() -> str:
        return store.commit(plan.updates, plan.events, expect=expect, unchanged=unchanged,
                            files=plan.files, site_files=plan.site_files, resolving=plan.resolving)

    if site is None or site.store is not store:
        return commit()
    from .view import carry_clean

    return carry_clean(site, plan.updates, [e.record for e in plan.events], commit)
