"""Validation: a record's schema, and every link naming an existing record of the right model.

``press validate`` checks working files (what the next save would store),
or the version named with ``REF@V``. Saving and publishing use the same
checks through ``Reader``, which parses each blob once per command.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import BadContentError, NotFoundError, PressError, Problem, UsageError, Where
from ..models import FieldProblem, Model, load_models, require_model
from ..naming import resolve_version
from ..records import (RecordKey, field_positions, generator_clash, generator_safe_id, list_working, load_record,
                       parse_key, parse_ref)
from ..site import SiteCore
from ..store import Snapshot, Version, hash_bytes
from ..yamlread import stored_reading_problem
from .checks import CheckCache
from .plan import StoreReader, key_of
from .statcache import StatCache

Progress = Callable[[int, int], None]
# Up to this many named records are read directly rather than through the stat cache.
_FEW = 20
# Records whose check-cache entries are read in one query: memory stays flat, queries few.
_BATCH = 500


class RecordSet:
    """The records that exist in some state: to check links, and to hint at a wrong model."""

    def __init__(self, records: Iterable[str], *, refs: Mapping[str, str] | None = None):
        """``records``, and the records of ``refs`` (a snapshot's kind), looked up one at a time:
        a one-record save asks for a few records, not for every ref of the site."""
        self.records = set(records)
        self._refs = refs
        self._by_id: dict[str, list[str]] | None = None

    def __contains__(self, record: object) -> bool:
        name = str(record)
        return name in self.records or (self._refs is not None and name in self._refs)

    def models_with_id(self, rid: str) -> list[str]:
        if self._by_id is None:
            self._by_id = {}
            for record in sorted(self.records.union(self._refs or ())):
                key = key_of(record)
                self._by_id.setdefault(key.id, []).append(key.model)
        return self._by_id.get(rid, [])


def placed(problems: list[Problem], source: bytes) -> list[Problem]:
    """``problems`` of one working file with the line and column of their field in ``source``."""
    paths = {p.where.path for p in problems if p.where.path and p.where.line is None}
    if not paths:
        return problems  # nothing to place: no round-trip parse of a valid record
    positions = field_positions(source, paths)
    out = []
    for p in problems:
        pos = positions.get(p.where.path) if p.where.line is None and p.where.path else None
        out.append(replace(p, where=replace(p.where, line=pos[0], column=pos[1])) if pos else p)
    return out


def link_problems(links: list[tuple[str, RecordKey]], existing: RecordSet, *, record: str,
                  file: str | None = None) -> list[Problem]:
    """A problem for each link to a record that does not exist."""
    problems: list[Problem] = []
    for path, key in links:
        if key in existing:
            continue
        others = [m for m in existing.models_with_id(key.id) if m != key.model]
        if others:
            message = f"links to {key}, which does not exist (wrong model? there is {others[0]}/{key.id})"
            article = "an" if key.model[:1] in "aeiou" else "a"
            hint = f"this field links to {key.model} records; name {article} {key.model} id"
        else:
            message = f"links to {key}, which does not exist"
            hint = f"create and save {key} first, or fix the id"
        problems.append(FieldProblem(message, code="link", where=Where(file=file, record=record, path=path),
                                     rule="x-link", value=key.id, hint=hint))
    return problems


class Reader:
    """One command's view of the store: versions read once, models loaded once.

    A blob's links and schema problems are worked out once; a blob that
    passes its schema is looked up in the check cache (``checks``), filled by
    the save that stored it, instead of being parsed again. Parsed data is
    kept for the last ``_DATA_KEPT`` blobs only, so memory does not grow with
    the number of records a command reads.
    """

    _DATA_KEPT = 256

    def __init__(self, site: SiteCore, snapshot: Snapshot | None = None,
                 models: dict[str, Model] | None = None):
        self._init(site.store, snapshot, models if models is not None else load_models(site))

    @classmethod
    def over(cls, store: StoreReader, models: dict[str, Model], snapshot: Snapshot | None = None) -> Reader:
        """A reader of any store (an in-memory one in the planners' tests), with the models given."""
        reader = cls.__new__(cls)
        reader._init(store, snapshot, models)
        return reader

    def _init(self, store: StoreReader, snapshot: Snapshot | None, models: dict[str, Model]) -> None:
        self.store = store
        self.snapshot = snapshot if snapshot is not None else store.snapshot()
        self.models = models
        self.checks = CheckCache(store)
        self._blobs: dict[str, str] = {}  # version id -> blob id: all a command needs of most versions
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._links: dict[tuple[str, str], list[tuple[str, RecordKey]]] = {}
        self._schema: dict[tuple[str, str], list[Problem]] = {}

    def model(self, name: str) -> Model:
        return self.models.get(name) or Model.implicit(name)

    def version(self, oid: str) -> Version:
        version = self.store.get_version(oid)
        self._blobs[oid] = version.blob
        return version

    def know_blob(self, oid: str, blob: str) -> None:
        """Note that version ``oid`` holds ``blob`` (known from elsewhere: it need not be read)."""
        self._blobs[oid] = blob

    def blob(self, oid: str) -> str:
        """The blob id of version ``oid`` (each version read once)."""
        blob = self._blobs.get(oid)
        return blob if blob is not None else self.version(oid).blob

    def data(self, oid: str) -> Any:
        """The parsed content of version ``oid`` (a BadContentError if it no longer parses)."""
        data = self._data.get(self.blob(oid))
        if data is None:
            version = self.version(oid)
            try:
                data = load_record(self.store.get_blob(version.blob), f"{version.record}@{oid[:7]}")
            except BadContentError as e:
                data = e
            self._data[version.blob] = data
            if len(self._data) > self._DATA_KEPT:
                self._data.popitem(last=False)
        if isinstance(data, BadContentError):
            raise data
        return data

    def prefetch(self, versions: Iterable[tuple[str, str]]) -> int:
        """Read the check cache's entries of these ``(record, version id)`` in one query a model, for
        ``links`` and ``problems`` to answer from, instead of one query a record; how many were given.
        A command reads ahead a batch at a time (an earlier batch's entries are dropped)."""
        wanted: dict[str, list[str]] = {}
        count = 0
        for record, oid in versions:
            count += 1
            if oid:
                wanted.setdefault(key_of(record).model, []).append(self.blob(oid))
        for name, blobs in wanted.items():
            self.checks.prefetch(self.model(name), blobs)
        return count

    def links(self, record: str | RecordKey, oid: str) -> list[tuple[str, RecordKey]]:
        """The links of one version; none when its content cannot be read."""
        model = self.model(key_of(record).model)
        if not model.link_fields:
            return []
        blob = self.blob(oid)
        key = (model.name, blob)
        links = self._links.get(key)
        if links is None:
            links = self.checks.links(model, blob)
            if links is None:
                try:
                    links = model.links(self.data(oid))
                except BadContentError:
                    links = []
            self._links[key] = links
        return links

    def problems(self, record: str, oid: str, existing: RecordSet) -> list[Problem]:
        """Schema errors of version ``oid`` (each blob validated once) and its broken links."""
        model = self.model(key_of(record).model)
        blob = self.blob(oid)
        # Problems name their record, and two records may share a blob.
        key = (record, blob)
        if key not in self._schema:
            if self.checks.links(model, blob) is not None:
                self._schema[key] = []
            else:
                try:
                    data = self.data(oid)
                except BadContentError as e:
                    return [Problem(e.message, code=e.code, where=Where(record=record), hint=e.hint)]
                self._schema[key] = model.validate(data, record=record)
                if not self._schema[key]:
                    self.checks.remember(model, blob, model.links(data))
        return self._schema[key] + link_problems(self.links(record, oid), existing, record=record)


# press validate


@dataclass(frozen=True)
class RecordCheck:
    """One validated record: what was read (working file or version id) and how many errors."""

    record: str
    source: str
    errors: int


@dataclass(frozen=True)
class ValidateResult:
    """Every record checked, and every problem found (an empty list: all valid)."""

    records: list[RecordCheck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every record passed."""
        return not self.problems

    @property
    def invalid(self) -> int:
        """How many records have errors."""
        return sum(1 for r in self.records if r.errors)


def validate(site: SiteCore, names: Sequence[str] = (), *, model: str | None = None, all_records: bool = False,
             published: bool = False, progress: Progress | None = None) -> ValidateResult:
    """Validate working files (or ``REF@V`` versions): schema errors and broken links, all of them.

    A link may name any record that is saved or has a working file, since that
    is what a ``save --all`` would leave. ``published`` checks the published
    view instead (see ``validate_published``).
    """
    if names and (all_records or model):
        raise UsageError("name records, or pass all=True / model, not both", cause="select.both")
    if published:
        return validate_published(site, names, model=model, progress=progress)
    reader = Reader(site)
    # By name, as text: hashing 10,000s of RecordKey dataclasses costs more than the checks.
    working = {str(k): k for k in list_working(site.root)}
    existing = RecordSet([*reader.snapshot.current, *working])
    targets: list[tuple[RecordKey, str | None]]
    if names:
        targets = [parse_ref(n) for n in names]
        for key, _spec in targets:
            require_model(site, reader.models, key.model)
    elif model or all_records:
        if model:
            require_model(site, reader.models, model)
        keys = [*working.values(), *(parse_key(r) for r in reader.snapshot.current if r not in working)]
        targets = [(k, None) for k in sorted((k for k in keys if model is None or k.model == model),
                                             key=lambda k: (k.model, k.id))]
    else:
        raise UsageError("name at least one record (model/id), or pass all=True or model=M", cause="select.none")
    # Many records: the stat cache tells which working files hold which blob without reading
    # them, as status does; a few are read directly (the cache file holds every record's entry).
    stats = StatCache(site, load=len(targets) > _FEW)
    checks, problems = [], []
    for start in range(0, len(targets), _BATCH):
        batch = targets[start:start + _BATCH]
        blobs = _blobs(site, reader, stats, batch)
        for i, (key, spec) in enumerate(batch, start):
            source, found = _validate_one(site, reader, key, spec, existing, blobs.get(key))
            found = id_problems(site, key) + found
            checks.append(RecordCheck(record=str(key), source=source, errors=len(found)))
            problems.extend(found)
            if progress:
                progress(i + 1, len(targets))
    reader.checks.flush()
    stats.save()
    return ValidateResult(records=checks, problems=problems)


def _blobs(site: SiteCore, reader: Reader, stats: StatCache,
           batch: Sequence[tuple[RecordKey, str | None]]) -> dict[RecordKey, str | PressError | None]:
    """What each record of ``batch`` to be read from its working file holds: the working file's
    blob id, None when there is no working file, or why it cannot be read; the check cache's
    entries of these blobs (and of the current versions standing in for missing files) read ahead."""
    out: dict[RecordKey, str | PressError | None] = {}
    wanted: dict[str, list[str]] = {}
    for key, spec in batch:
        if spec is not None:
            continue
        try:
            blob = out[key] = stats.working_blob(key)
        except PressError as e:
            out[key] = e
            continue
        if blob is None:
            current = reader.snapshot.current.get(str(key))
            if current is None:
                continue
            # Versions never change: their blob comes from the stat cache too.
            blob = stats.version(str(key), current).blob
            reader.know_blob(current, blob)
        wanted.setdefault(key.model, []).append(blob)
    for name, blobs in wanted.items():
        reader.checks.prefetch(reader.model(name), blobs)
    return out


def validate_published(site: SiteCore, names: Sequence[str] = (), *, model: str | None = None,
                       progress: Progress | None = None) -> ValidateResult:
    """Check the published view against today's models: each published version's
    schema, and that every link it holds names a published record.

    Every command keeps the view closed under links, but a model file edited
    since (a new ``x-link``, a stricter schema) can make what was published
    fail: this is how CI finds out. With no names, every published record.
    """
    reader = Reader(site)
    snap = reader.snapshot
    if model:
        require_model(site, reader.models, model)
    keys = [parse_key(n) for n in names] if names else [parse_key(r) for r in snap.published]
    for key in keys:
        require_model(site, reader.models, key.model)
    targets = sorted(str(k) for k in keys if model is None or k.model == model)
    existing = RecordSet((), refs=snap.current)
    checks, problems = [], []
    for i, record in enumerate(targets):
        oid = snap.published.get(record)
        if oid is None:
            found: list[Problem] = [Problem("is not published", code="not_published", where=Where(record=record),
                                            hint="name published records, or leave out names to check them all")]
        else:
            found = reader.problems(record, oid, existing)
            if not any(p.code == BadContentError.code for p in found):
                changed = stored_reading_problem(site.store, reader.blob(oid), record, oid)
                found += [changed] if changed else []
            found += [Problem(f"links to {key}, which is not published", code="unpublished_link",
                              where=Where(record=record, path=path),
                              hint=f"publish it (Site.publish('{key}')), or unpublish {record}",
                              cause="validate.unpublished_link", data={"target": str(key), "record": record})
                      for path, key in reader.links(record, oid)
                      if str(key) in existing and str(key) not in snap.published]
        found = id_problems(site, parse_key(record)) + found
        checks.append(RecordCheck(record=record, source=oid or "published", errors=len(found)))
        problems.extend(found)
        if progress:
            progress(i + 1, len(targets))
    reader.checks.flush()
    return ValidateResult(records=checks, problems=problems)


def id_problems(site: SiteCore, key: RecordKey) -> list[Problem]:
    """A problem when ``key``'s id clashes with static site generators, with how to rename the record.

    Saving refuses such ids for new records; this finds those saved before.
    There is no rename command: the hint gives the steps.
    """
    clash = generator_clash(key)
    if clash is None:
        return []
    new = RecordKey(key.model, generator_safe_id(key))
    old_file, new_file = site.rel(site.working_path(key)), site.rel(site.working_path(new))
    return [Problem(clash, code="reserved_id", where=Where(record=str(key)),
                    hint=f"rename it (there is no rename command): copy {old_file} to {new_file} (or any free id) "
                         f"and save {new} (Site.save); make every link to {key} name {new.id} and save those "
                         f"records; if {key} was published, publish {new} and them (Site.publish); then "
                         f"delete {key} (Site.delete)",
                    cause="validate.reserved_id",
                    data={"record": str(key), "new": str(new), "new_id": new.id, "old_file": old_file,
                          "new_file": new_file})]


def _validate_one(site: SiteCore, reader: Reader, key: RecordKey, spec: str | None, existing: RecordSet,
                  blob: str | PressError | None) -> tuple[str, list[Problem]]:
    """One record's problems: version ``spec``, else its working file, whose blob id (``_blobs``) is ``blob``."""
    record = str(key)
    model = reader.model(key.model)
    if spec is not None:
        oid = resolve_version(site, key, spec)
        return oid, reader.problems(record, oid, existing)
    if isinstance(blob, PressError):
        return "working", blob.problems
    raw = None
    if blob is not None:
        # A file whose bytes passed this model's schema before (saved, or validated by an earlier run)
        # is not read: the check cache holds its links, keyed by the blob id the bytes have.
        known = reader.checks.links(model, blob)
        if known is not None and all(target in existing for _path, target in known):
            return "working", []
        try:
            raw = site.read_working(key)
        except PressError as e:
            return "working", e.problems
        # Bytes other than the blob looked up (the file changed since) are checked in full.
        if known is not None and raw is not None and hash_bytes(raw) == blob:
            label = site.rel(site.working_path(key))
            return "working", placed(link_problems(known, existing, record=record, file=label), raw)
    if raw is None:
        current = reader.snapshot.current.get(record)
        if current is None:
            label = site.rel(site.working_path(key))
            raise NotFoundError("does not exist", where=Where(record=record),
                                hint=f"write {label} and save it, or see Site.status()",
                                cause="validate.missing", data={"file": label})
        return current, reader.problems(record, current, existing)
    label = site.rel(site.working_path(key))
    try:
        data = load_record(raw, label)
    except BadContentError as e:
        return "working", e.problems
    found = model.validate(data, record=record, file=label)
    links = model.links(data)
    if not found:
        reader.checks.remember(model, hash_bytes(raw), links)
    return "working", placed(found + link_problems(links, existing, record=record, file=label), raw)


# saving


@dataclass(frozen=True)
class SaveGate:
    """What validation decided for a save: errors (refused), warnings, records the save also publishes,
    and the published refs of link targets it relied on."""

    warnings: list[Problem] = field(default_factory=list)
    publish: list[str] = field(default_factory=list)
    expect: list[tuple[str, str, str | None]] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class SaveBatch:
    """What checking a save needs of all its records: those that exist once it is done, those it
    publishes (``draft_published: false``), and those published then."""

    existing: RecordSet
    publish: list[str]
    published: RecordSet


def save_batch(models: Mapping[str, Model], snapshot: Snapshot, keys: Sequence[RecordKey]) -> SaveBatch:
    """The batch of a save of ``keys``, built once for all the parts it is checked in."""
    publish = [str(k) for k in keys
               if not (models.get(k.model) or Model.implicit(k.model)).draft_published
               and str(k) not in snapshot.archived]
    return SaveBatch(existing=RecordSet([str(k) for k in keys], refs=snapshot.current), publish=publish,
                     published=RecordSet(publish, refs=snapshot.published))


def gate_saves(store: StoreReader, models: Mapping[str, Model], snapshot: Snapshot,
               saves: list[tuple[RecordKey, Any, str]], *, lenient_links: bool = False,
               blobs: Mapping[str, str] | None = None, sources: Mapping[str, bytes] | None = None,
               batch: SaveBatch | None = None) -> SaveGate:
    """Validate records about to be saved, each ``(key, data, file label)``.

    A model with ``allow_invalid_drafts: false`` refuses an invalid save (its
    problems are the gate's ``errors``); ``true`` turns them into warnings. A
    model with ``draft_published: false`` publishes every save, so it is
    always validated and its links must be published once the save is done.
    ``lenient_links``: a link to a missing record only warns on a draft (revert
    restores content whose linked records may have gone since).
    ``blobs`` (record -> blob id): each record that passes its schema is
    noted in the check cache, so that publishing it need not validate it again.
    ``sources`` (record -> the bytes being saved): problems get their field's line.
    ``batch``: the whole save (``save_batch``) when ``saves`` is one part of
    it: a large save is checked a part at a time, so that it never holds
    every record's parsed data; a link to any record of the batch holds.
    """
    if not any(m.file for m in models.values()):
        return SaveGate()
    if batch is None:
        batch = save_batch(models, snapshot, [k for k, _d, _l in saves])
    existing, publish, published = batch.existing, batch.publish, batch.published
    gate = SaveGate(publish=list(publish))
    expect: dict[str, tuple[str, str, str | None]] = {}
    checks = CheckCache(store)
    for key, data, label in saves:
        model = models.get(key.model) or Model.implicit(key.model)
        found = _save_problems(gate, checks, model, snapshot, existing, published, key, data, label,
                               lenient_links, blobs or {}, expect)
        if not found:
            continue
        if sources and str(key) in sources:
            found = placed(found, sources[str(key)])
        if model.allow_invalid_drafts and str(key) not in publish:
            gate.warnings.extend(found)
        else:
            gate.errors.extend(found)
    checks.flush()
    gate.expect.extend(expect.values())
    return gate


def _save_problems(gate: SaveGate, checks: CheckCache, model: Model, snapshot: Snapshot, existing: RecordSet,
                   published: RecordSet, key: RecordKey, data: Any, label: str, lenient_links: bool, blobs: Mapping[str, str],
                   expect: dict[str, tuple[str, str, str | None]]) -> list[Problem]:
    """One record's schema and link problems; the published link targets it relies on go in ``expect``."""
    record = str(key)
    links = model.links(data)
    missing = link_problems(links, existing, record=record, file=label)
    if lenient_links and record not in gate.publish:
        gate.warnings.extend(missing)
        missing = []
    schema_problems = model.validate(data, record=record, file=label)
    if not schema_problems and record in blobs:
        checks.remember(model, blobs[record], links)
    found = schema_problems + missing
    if record not in gate.publish:
        return found
    for path, target in links:
        t = str(target)
        if t in existing and t not in published:
            found.append(Problem(
                f"links to {t}, which is not published, and saving this record publishes it "
                f"({key.model} has draft_published: false)",
                code="unpublished_link", where=Where(file=label, record=record, path=path),
                hint=f"publish {t} first (Site.publish)", cause="validate.publishes_draft_link",
                data={"target": t},
            ))
        elif t in snapshot.published:
            expect[t] = ("published", t, snapshot.published[t])
    return found
