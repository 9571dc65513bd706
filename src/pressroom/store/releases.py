"""Releases on disk: ``.press/releases/<name>/``.

A release is a folder: ``release`` (its name, message, who made it and when,
and its state: ``open`` or ``published`` with who and when) and one small
file per entry, ``entries/<model>/<id>`` (the action, the pinned version,
who added it and when). One file per entry is what lets git merge two
branches that add different records to one release without a conflict:
each branch adds files the other does not touch, and neither changes
``release``. Every file is replaced by a transaction (``FileUpdate``), so
a release is marked published in the same commit as the moves it makes.

This module knows nothing of YAML or models: records are opaque ``model/id``
keys and versions opaque ids.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import Problem, StoreDamagedError, Where
from .objects import OID_RE, hash_bytes
from .refs import check_record_key

if TYPE_CHECKING:
    from . import Store

FOLDER = "releases"
RELEASE_TYPE = "pressroom.release/1"
ENTRY_TYPE = "pressroom.release-entry/1"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}\Z")
STATES = ("open", "published")
ENTRY_ACTIONS = ("publish", "unpublish", "archive")


def check_release_name(name: str) -> str:
    """``name`` when it can name a release folder; ValueError otherwise."""
    if not NAME_RE.match(name) or ".." in name:
        raise ValueError(f"not a release name: {name!r}")
    return name


def meta_path(name: str) -> str:
    """The store path of a release's own file."""
    return f"{FOLDER}/{check_release_name(name)}/release"


def entry_path(name: str, record: str) -> str:
    """The store path of one entry of a release."""
    model, rid = check_record_key(record)
    return f"{FOLDER}/{check_release_name(name)}/entries/{model}/{rid}"


def _encode(kind: str, doc: dict[str, Any]) -> str:
    return json.dumps({"type": kind, **doc}, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def _damaged(label: str) -> StoreDamagedError:
    return StoreDamagedError("is not a readable release file", where=Where(file=label),
                             hint="if a git merge left markers in it, keep one side's text; else restore it from git",
                             cause="release.damaged", data={"file": label})


@dataclass(frozen=True)
class ReleaseMeta:
    """What a release is, and whether it was published (by whom, when, in which transaction's time)."""

    name: str
    created: str
    author: str
    message: str = ""
    state: str = "open"
    published: str | None = None
    published_by: str | None = None

    def encode(self) -> str:
        return _encode(RELEASE_TYPE, asdict(self))

    @classmethod
    def decode(cls, raw: bytes, label: str) -> ReleaseMeta:
        try:
            doc = json.loads(raw)
            if doc.pop("type") != RELEASE_TYPE:
                raise ValueError("wrong type")
            meta = cls(**doc)
            check_release_name(meta.name)
            if meta.state not in STATES:
                raise ValueError("unknown state")
            return meta
        except (ValueError, TypeError, KeyError, AttributeError):
            raise _damaged(label) from None


@dataclass(frozen=True)
class ReleaseEntry:
    """One record in a release: ``publish`` at ``version``, or ``unpublish``/``archive`` (no version)."""

    record: str
    action: str
    version: str | None
    added: str
    author: str

    def encode(self) -> str:
        """The entry's file content (JSON)."""
        return _encode(ENTRY_TYPE, asdict(self))

    @classmethod
    def decode(cls, raw: bytes, label: str) -> ReleaseEntry:
        """An entry from its file content; a StoreDamagedError names ``label`` when it is not one."""
        try:
            doc = json.loads(raw)
            if doc.pop("type") != ENTRY_TYPE:
                raise ValueError("wrong type")
            entry = cls(**doc)
            check_record_key(entry.record)
            if entry.action not in ENTRY_ACTIONS:
                raise ValueError("unknown action")
            if (entry.action == "publish") != (entry.version is not None):
                raise ValueError("a publish pins a version, nothing else does")
            if entry.version is not None and not OID_RE.match(entry.version):
                raise ValueError("not a version id")
            return entry
        except (ValueError, TypeError, KeyError, AttributeError):
            raise _damaged(label) from None


@dataclass(frozen=True)
class StoredRelease:
    """A release as read: its file and entries, with the sha256 of each file's bytes (for ``FileUpdate.old``)."""

    meta: ReleaseMeta
    meta_hash: str
    entries: list[ReleaseEntry] = field(default_factory=list)
    entry_hashes: dict[str, str] = field(default_factory=dict)


def release_names(store: Store) -> list[str]:
    """Every release folder that holds a ``release`` file, sorted."""
    folder = store.root / FOLDER
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [n for n in names if NAME_RE.match(n) and ".." not in n and (folder / n / "release").is_file()]


def read_release(store: Store, name: str) -> StoredRelease | None:
    """Release ``name`` with its entries sorted by record, or None when there is none.

    StoreDamagedError for a file that does not parse, naming it.
    """
    raw = store.read_file(meta_path(name))
    if raw is None:
        return None
    meta = ReleaseMeta.decode(raw, f".press/{meta_path(name)}")
    entries, hashes = [], {}
    for rel, data in _entry_files(store, name):
        entry = ReleaseEntry.decode(data, f".press/{rel}")
        if rel != entry_path(name, entry.record):
            raise _damaged(f".press/{rel}")
        entries.append(entry)
        hashes[entry.record] = hash_bytes(data)
    entries.sort(key=lambda e: e.record)
    return StoredRelease(meta=meta, meta_hash=hash_bytes(raw), entries=entries, entry_hashes=hashes)


def _entry_files(store: Store, name: str) -> Iterator[tuple[str, bytes]]:
    base = store.root / FOLDER / name / "entries"
    try:
        models = sorted(os.listdir(base))
    except (FileNotFoundError, NotADirectoryError):
        return
    for model in models:
        try:
            ids = sorted(os.listdir(base / model))
        except NotADirectoryError:
            raise _damaged(f".press/{FOLDER}/{name}/entries/{model}") from None
        for rid in ids:
            if rid.startswith("."):
                continue  # a temp file of a write in progress
            rel = f"{FOLDER}/{name}/entries/{model}/{rid}"
            try:
                data = store.read_file(rel)
            except ValueError:
                raise _damaged(f".press/{rel}") from None
            if data is not None:
                yield rel, data


def remove_empty_folders(store: Store, name: str) -> None:
    """Remove the folders a deleted release's files left empty (git keeps no empty folder either)."""
    base = store.root / FOLDER / name
    for path in sorted(base.rglob("*"), key=lambda p: -len(p.parts)) if base.is_dir() else []:
        if path.is_dir():
            try:
                path.rmdir()
            except OSError:
                pass
    try:
        base.rmdir()
    except OSError:
        pass


def pinned_versions(store: Store) -> list[str]:
    """The versions open releases will publish: gc must keep them (an unreadable release keeps nothing
    and is fsck's to report)."""
    out: list[str] = []
    for name in release_names(store):
        try:
            release = read_release(store, name)
        except StoreDamagedError:
            continue
        if release is not None and release.meta.state == "open":
            out.extend(e.version for e in release.entries if e.version)
    return out


def pinned_problems(store: Store) -> list[Problem]:
    """An open release that does not read, or whose pinned version (or its content) is missing or damaged."""
    problems = []
    for name in release_names(store):
        try:
            release = read_release(store, name)
        except StoreDamagedError as e:
            problems.extend(e.problems)
            continue
        if release is None or release.meta.state != "open":
            continue
        for entry in release.entries:
            if entry.version is None:
                continue
            try:
                version = store.get_version(entry.version)
                store.get_blob(version.blob)
                ok = version.record == entry.record
            except StoreDamagedError:
                ok = False
            if not ok:
                problems.append(Problem(
                    f"release {name} pins version {entry.version[:12]}, which is missing or damaged",
                    code="release_version", where=Where(record=entry.record, file=f".press/{meta_path(name)}"),
                    hint=f"restore .press/ from git, or take the record out of the release: "
                         f"Site.release_remove('{name}', '{entry.record}')",
                    cause="release.bad_version", data={"release": name, "record": entry.record}))
    return problems
