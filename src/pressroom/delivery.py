"""The read API for static site generators: the published view, or a preview.

Every read takes ONE snapshot of the refs (a transaction is in it whole or
not at all) and afterwards reads only objects, which never change; so a
reader sees each ``press publish`` whole or not at all, even while another
process writes. Iteration loads one record at a time: memory does not grow
with the number of records (only the snapshot of refs, about 200 bytes a
record, is held). Objects a snapshot names stay readable while it is used:
``press gc`` removes only objects unreachable for longer than its grace period.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict, TypeVar, cast

from .errors import NotFoundError, UsageError, ViewBrokenError
from .models import Model, load_models
from .naming import resolve_version
from .records import check_model_name, load_record, parse_field_path, parse_ref
from .site import SiteCore
from .history import AsOf, published_as_of
from .store import RefKind, Snapshot, Version
from .times import iso_or_none, iso_utc, utc, utc_or_none
from .workflow.plan import Status
from .workflow.status import derive_status
from .workflow.view import check_view

VIEWS = ("published", "current")
# Linked records' documents, by version and depth: authors and tags are linked
# from many posts. Bounded, so a long iteration does not accumulate them.
_CACHE_SIZE = 512
# Linked records' names (labels), by record: short strings, so many more fit. Each record read
# for itself leaves its name here, so most links need no second read of the record they name.
_NAMES_SIZE = 20_000


@dataclass(frozen=True)
class Record:
    """One record as a generator reads it: plain data plus where it comes from.

    ``data`` holds only dict, list, str, int, float, bool and None (dates as
    ISO 8601 strings). With ``resolve_links``, every link (a value naming a record)
    becomes a ``dict`` of one shape, resolved or not (see ``link``):
    ``record``, ``model``, ``id`` and ``resolved`` always; when ``resolved``,
    also the rest of the linked record's ``document()`` (``data``, ``labels``,
    ``version``, ...). A link is unresolved when the record it names is not in the
    view read (a preview's link to a record never saved, archived or deleted).

    ``draft``: this version is not the record's published one (a preview of a
    draft or of unpublished edits). ``published_at``: when this version was
    published, None when it never was; it and ``updated_at`` (when this version
    was saved) are aware UTC datetimes. ``status``: the record's, as ``Site.status``
    gives it. ``labels``: for each record this one
    links to (``author/ada``), a name to show for it: the linked record's
    ``title``, else its ``name``, else its id, read in the same view; what a
    byline or a taxonomy shows, while the data keeps the ids.
    """

    record: str
    model: str
    id: str
    version: str
    status: Status
    published_at: dt.datetime | None
    updated_at: dt.datetime
    data: dict[str, Any]
    draft: bool = False
    labels: dict[str, str] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """What ``press export`` writes for this record, as plain JSON values (times as
        ISO 8601 text in UTC with a Z). Status is left out: it is not part of the published
        content, and would change the file on every draft save.
        """
        return {
            "record": self.record,
            "model": self.model,
            "id": self.id,
            "version": self.version,
            "draft": self.draft,
            "published_at": iso_or_none(self.published_at),
            "updated_at": iso_utc(self.updated_at),
            "labels": self.labels,
            "data": self.data,
        }


class Link(TypedDict):
    """A link as ``resolve_links`` gives it (see ``link``): the keys after ``resolved`` are
    those of the linked record's ``Record.document()``, there only when ``resolved``."""

    record: str
    model: str
    id: str
    resolved: bool
    version: NotRequired[str]
    draft: NotRequired[bool]
    published_at: NotRequired[str | None]
    updated_at: NotRequired[str]
    labels: NotRequired[dict[str, str]]
    data: NotRequired[dict[str, Any]]


_K = TypeVar("_K")
_V = TypeVar("_V")


class _Lru(OrderedDict[_K, _V]):
    def __init__(self, size: int = _CACHE_SIZE):
        super().__init__()
        self.size = size

    def fetch(self, key: _K, make: Callable[[], _V]) -> _V:
        if key in self:
            self.move_to_end(key)
            return self[key]
        return self.put(key, make())

    def put(self, key: _K, value: _V) -> _V:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class Reader:
    """One consistent view of a site: the refs at one instant, then immutable objects.

    ``view`` is ``published`` (what the public sees) or ``current`` (the
    preview: latest saved versions, never archived or deleted records).

    A view that breaks its rules is never read: a ViewBrokenError lists each
    violation and its fix. The published view must be closed under links and
    free of ref states no command makes; a preview reads drafts, so only the
    ref states bar it.
    """

    def __init__(self, site: SiteCore, view: str = "published", snapshot: Snapshot | None = None,
                 as_of: AsOf | None = None):
        if view not in VIEWS:
            raise UsageError(f"unknown view {view!r}", hint="published or current")
        if as_of is not None and view != "published":
            raise UsageError("as_of reads the published view as it was; a preview has no past",
                             cause="delivery.as_of_preview")
        self.site = site
        self.view = view
        # ``as_of``: the published view of a past time, as the event logs replay it.
        self.as_of = as_of
        if as_of is not None:
            snapshot = Snapshot(current=dict(as_of.published), published=dict(as_of.published))
        self.snapshot = snapshot if snapshot is not None else site.store.snapshot()
        _refuse_broken(site, self.snapshot, preview=view == "current", links_only=as_of is not None)
        self._refs = self.snapshot.published if view == "published" else self.snapshot.current
        self._models: dict[str, Model] | None = None
        self._cache: _Lru[tuple[str, int], dict[str, Any]] = _Lru()  # (version, depth): document
        self._names: _Lru[str, str] = _Lru(_NAMES_SIZE)  # record: its display name
        # The last answer of published_at: export asks it twice for each record in a row.
        self._published_at: tuple[tuple[str, str], str | None] | None = None

    @property
    def models(self) -> dict[str, Model]:
        if self._models is None:
            self._models = load_models(self.site)
        return self._models

    def version_of(self, record: str) -> str | None:
        """The version of ``record`` in this view (None when it is not in it)."""
        # Archived records keep `current` but are withdrawn: a preview never shows them.
        if self.view == "current" and record in self.snapshot.archived:
            return None
        return self._refs.get(record)

    def model_names(self) -> list[str]:
        """Every model with a record in this view, sorted."""
        return sorted({r.partition("/")[0] for r in self.keys()})

    def keys(self, model: str | None = None) -> list[str]:
        """The records of ``model`` (or all) in this view, sorted by ``model/id``."""
        prefix = f"{check_model_name(model)}/" if model is not None else ""
        keys = sorted(r for r in self._refs if r.startswith(prefix) and self.version_of(r))
        if model is not None and not keys and not any(r.startswith(prefix) for r in self.snapshot.records()):
            self.site.require_model_dir(model)
        return keys

    def read_whole(self) -> None:
        """Read every ref of the snapshot now, for a caller about to read most records: each
        record's status looks up its current and archived refs, a row of the ref index each
        (10,000 queries for an export) unless each kind is read whole first."""
        for refs in (self.snapshot.current, self.snapshot.published, self.snapshot.archived):
            len(refs)

    def iter(self, model: str | None = None, *, resolve_links: int = 0) -> Iterator[Record]:
        """The records of this view, one at a time."""
        self.read_whole()
        for record in self.keys(model):
            yield self.read(record, self._refs[record], resolve_links=resolve_links)

    def read(self, record: str, oid: str, *, resolve_links: int = 0) -> Record:
        """Record ``record`` at version ``oid``, its links resolved ``resolve_links`` deep."""
        version, data = self._load(record, oid)
        model, _, rid = record.partition("/")
        if oid == self.version_of(record):
            self._names.put(record, _display_name(data, rid))
        labels = self.labels(model, data)
        if resolve_links > 0:
            data = self._resolve(model, data, resolve_links)
        return Record(
            record=record, model=model, id=rid, version=oid,
            status=derive_status(self.snapshot, record),
            published_at=utc_or_none(self.published_at(record, oid)), updated_at=utc(version.time), data=data,
            draft=oid != self.snapshot.published.get(record), labels=labels,
        )

    def published_at(self, record: str, oid: str) -> str | None:
        """When version ``oid`` of ``record`` was last published (None when it never was)."""
        if self._published_at is not None and self._published_at[0] == (record, oid):
            return self._published_at[1]
        published = self.snapshot.published.get(record)
        found: str | None
        if self.as_of is not None:
            found = self.as_of.published_at.get(record) if oid == published else None
        else:
            event = self.site.store.last_event(record, "publish", oid)
            found = event.get("time") if event is not None else None
        if found is None and oid == published:
            # A model without draft/published publishes as it saves.
            found = self.site.store.get_version(oid).time
        self._published_at = ((record, oid), found)
        return found

    def labels(self, model: str, data: dict[str, Any]) -> dict[str, str]:
        """What to show for each record ``data`` links to (see ``Record.labels``), in link order."""
        spec = self.models.get(model)
        if spec is None or not spec.link_fields:
            return {}
        out: dict[str, str] = {}
        for _path, target in spec.links(data):
            key = str(target)
            if key not in out:
                out[key] = self._label(key, target.id)
        return out

    def _label(self, record: str, rid: str) -> str:
        oid = self.version_of(record)
        if oid is None:
            return rid
        return self._names.fetch(record, lambda: _display_name(self._load(record, oid)[1], rid))

    def _load(self, record: str, oid: str) -> tuple[Version, dict[str, Any]]:
        version = self.site.store.get_version(oid)
        return version, load_record(self.site.store.get_blob(version.blob), f"{record}@{oid[:12]}")

    def _linked(self, record: str, depth: int) -> Link:
        oid = self.version_of(record)
        if oid is None:
            return link(record, None)
        doc = self._cache.fetch((oid, depth), lambda: self.read(record, oid, resolve_links=depth).document())
        return link(record, copy.deepcopy(doc))

    def _resolve(self, model: str, data: dict[str, Any], depth: int) -> dict[str, Any]:
        spec = self.models.get(model)
        if spec is None:
            return data
        for path, target in spec.links(data):
            _set_path(data, path, self._linked(str(target), depth - 1))
        return data


def link(record: str, document: dict[str, Any] | None) -> Link:
    """What a link becomes with ``resolve_links``: the linked record's ``document`` and
    ``resolved: True``; or, when the record is not in the view (``document`` None), its
    name alone, ``{"record", "model", "id", "resolved": False}``. So a generator can always
    read ``link["id"]`` and ``link["resolved"]``, and ``link["data"]`` when resolved.
    """
    if document is not None:
        # A document has every key of a Link but ``resolved`` (Record.document()).
        return cast(Link, {**document, "resolved": True})
    model, _, rid = record.partition("/")
    return {"record": record, "model": model, "id": rid, "resolved": False}


def _display_name(data: dict[str, Any], rid: str) -> str:
    for name in ("title", "name"):
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return rid


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    steps = parse_field_path(path)
    node: Any = data
    for step in steps[:-1]:
        node = node[step]
    node[steps[-1]] = value


def _refuse_broken(site: SiteCore, snapshot: Snapshot, *, preview: bool, links_only: bool = False) -> None:
    report = check_view(site, snapshot)
    # A replayed past view (as_of) has the published refs alone: only its links can break it.
    problems = ([v.problem() for v in report.violations if v.code == "unpublished_link"] if links_only
                else report.problems(preview=preview))
    if problems:
        view = "preview" if preview else "published view"
        raise ViewBrokenError(
            f"the {view} breaks its rules in {len(problems)} place(s): nothing is read until each is fixed",
            hint="each violation names its fix; a git merge, rebase or revert left this state (Site.check_view "
                 "lists it again)", problems=problems, cause="view.broken_read")


def published(site: SiteCore, model: str | None = None, *, resolve_links: int = 0,
              as_of: str | None = None) -> Iterator[Record]:
    """Every published record of ``model`` (or of every model), sorted by id, one at a time.

    ``as_of``: the published view as it stood at that time (``schedule --at``'s forms).
    """
    yield from Reader(site, "published", as_of=published_as_of(site, as_of) if as_of else None).iter(
        model, resolve_links=resolve_links)


def records(site: SiteCore, model: str | None = None, *, preview: bool = True,
            resolve_links: int = 0) -> Iterator[Record]:
    """With ``preview`` the current version of every record that is not archived or
    deleted (drafts included, like ``X-Include-Drafts``); without, the published view.
    """
    yield from Reader(site, "current" if preview else "published").iter(model, resolve_links=resolve_links)


def get(site: SiteCore, ref: str, *, version: str = "published", resolve_links: int = 0) -> Record:
    """One record: ``version`` is ``published``, ``current``, or a version id, prefix or ``~N``.

    ``ref`` may name the version itself (``post/x@3fa9c1e``). Links resolve in
    the published view for the published version, in the preview otherwise.
    """
    key, spec = parse_ref(ref)
    spec = (spec or version).lstrip("@")
    record = str(key)
    view = "published" if spec == "published" else "current"
    reader = Reader(site, view)
    if spec in set(RefKind):
        oid = reader.snapshot.get(RefKind(spec), record)
        if oid is None:
            raise NotFoundError(
                f"{record} has no {spec} version",
                hint={"published": f"it is not published; see Site.status('{record}')",
                      "current": f"it has never been saved, or was deleted: Site.status('{record}')"}.get(
                          spec, "only archived records have an archived version"),
                cause={"published": "get.not_published", "current": "get.no_current"}.get(spec),
                data={"record": record},
            )
    else:
        oid = resolve_version(site, key, spec)
    return reader.read(record, oid, resolve_links=resolve_links)
