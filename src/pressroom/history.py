"""Reading history: ``show`` a version, ``log`` a record's versions and events."""

from __future__ import annotations

from dataclasses import dataclass, field

from .naming import resolve_version
from .records import parse_ref
from .site import SiteCore


@dataclass(frozen=True)
class ShowResult:
    """One version's content, exactly as it was saved."""

    record: str
    version: str
    content: bytes
    author: str
    time: str
    message: str


def show(site: SiteCore, ref: str) -> ShowResult:
    """The content of ``model/id[@version]`` (default: current)."""
    key, spec = parse_ref(ref)
    oid = resolve_version(site, key, spec)
    version = site.store.get_version(oid)
    return ShowResult(
        record=str(key), version=oid, content=site.store.get_blob(version.blob),
        author=version.author, time=version.time, message=version.message,
    )


@dataclass(frozen=True)
class LogEntry:
    """One version in a record's history, and the refs that point at it."""

    version: str
    parent: str | None
    time: str
    author: str
    message: str
    refs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LogResult:
    """A record's versions, newest first."""

    record: str
    entries: list[LogEntry]


def log(site: SiteCore, ref: str, *, limit: int | None = None) -> LogResult:
    """The versions of a record, newest first, from ``current`` (or the version named)."""
    key, spec = parse_ref(ref)
    record = str(key)
    refs = site.store.record_refs(record)
    head = resolve_version(site, key, spec)
    entries = []
    for oid, version in site.store.history(head):
        if limit is not None and len(entries) >= limit:
            break
        marks = [kind for kind, value in refs.items() if value == oid]
        entries.append(LogEntry(version=oid, parent=version.parent, time=version.time, author=version.author,
                                message=version.message, refs=marks))
    return LogResult(record=record, entries=entries)
