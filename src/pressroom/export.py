"""``press export``: the published view as files a static site generator reads.

``DIR/<model>/<id>.json|yaml|md``, ``DIR/<model>/index.json`` per model and
``DIR/manifest.json``, which records every file export wrote (with the
sha256 of what it wrote) and the version each record file holds. The manifest
is what makes export incremental and safe: a file is rewritten only when what
it holds changed, and only files the manifest names are ever removed;
anything else in DIR belongs to the user. A file export wrote and the user
edited since (its bytes no longer match the manifest) is the user's too, as
git will not clobber a local edit: it is never removed (it is left and
reported as ``modified``), and export refuses to overwrite it unless
``force``.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import re
import stat
import sys
import time
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .delivery import Reader, Record
from .history import published_as_of
from .errors import Problem, RefusedError, UsageError, Where
from . import __version__
from .models import Model, model_bytes
from .site import STORE_NAME, SiteCore
from .store import Snapshot
from .store.fsio import naming, read_bytes, write_all, write_atomic, write_temp
from .times import iso_utc

FORMATS = {"json": ".json", "yaml": ".yaml", "markdown": ".md"}
MANIFEST = "manifest.json"
INDEX = "index.json"
MANIFEST_TYPE = "pressroom.export/1"
META_KEY = "pressroom"
DEFAULT_BODY_FIELD = "body"
# YAML 1.1 readers (Jekyll's Psych, older go-yaml) take these plain words as
# booleans or base-60 numbers; quoted, every reader sees the same string.
_YAML11_TRAPS = re.compile(r"^(y|n|yes|no|on|off|true|false|[-+]?\d[\d_]*(:[0-5]?\d)+(\.\d*)?)$", re.IGNORECASE)


@dataclass(frozen=True)
class ExportResult:
    """What an export did, path by path (relative to ``out``)."""

    out: str
    format: str
    preview: bool
    records: int
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    # Files export wrote that are no longer in the view but were edited since: left alone (also in foreign).
    modified: list[str] = field(default_factory=list)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json_bytes(doc: Any) -> bytes:
    # allow_nan=False: NaN and Infinity are not JSON, and JSON.parse refuses them.
    return (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


# Characters a YAML reader takes as a line break, or refuses, unless escaped in double quotes.
_NEEDS_ESCAPE = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def _yaml_str(value: str) -> str:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString, SingleQuotedScalarString

    # The str subclass that tells ruamel.yaml how to write the scalar (None: plain).
    style: type[str] | None = (DoubleQuotedScalarString if _NEEDS_ESCAPE.search(value)
                               else LiteralScalarString if "\n" in value
                               else SingleQuotedScalarString if _YAML11_TRAPS.match(value) else None)
    return value if style is None else style(value)


def _yaml_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {_yaml_str(k): _yaml_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_value(v) for v in value]
    if isinstance(value, str):
        return _yaml_str(value)
    return value


def yaml_bytes(doc: dict[str, Any]) -> bytes:
    """Block-style YAML any YAML 1.1 or 1.2 reader reads back as ``doc`` (keys in order)."""
    from ruamel.yaml import YAML  # for yaml and markdown alone: a json export never loads ruamel

    yaml = YAML()
    yaml.width = 4096
    yaml.allow_unicode = True
    out = io.StringIO()
    yaml.dump(_yaml_value(doc), out)
    return out.getvalue().encode("utf-8")


def _meta(rec: Record) -> dict[str, Any]:
    doc = rec.document()
    del doc["data"]
    return doc


def markdown_bytes(rec: Record, body_field: str | None) -> bytes:
    """Front matter (every field but the body, plus ``pressroom:`` metadata), then the body.

    ``body_field`` None: every field stays in the front matter and the content is empty.
    """
    data = dict(rec.data)
    if META_KEY in data:
        raise RefusedError(
            f"has a field named {META_KEY!r}, the key markdown export puts its metadata under",
            where=Where(record=rec.record, path=META_KEY),
            hint="rename the field, or export with format='json' or 'yaml', which keep fields under 'data'",
            cause="export.meta_field",
        )
    body = data.pop(body_field) if body_field is not None and isinstance(data.get(body_field), str) else None
    # Hugo's own keys, unless the record has fields of those names: `hugo -D` builds drafts,
    # and a published export holds none to build.
    if rec.draft:
        data.setdefault("draft", True)
    if rec.published_at is not None:
        data.setdefault("lastmod", iso_utc(rec.published_at))
    front = yaml_bytes({**data, META_KEY: _meta(rec)})
    text = body or ""
    if text and not text.endswith("\n"):
        text += "\n"
    return b"---\n" + front + b"---\n" + text.encode("utf-8")


def _body_field(models: dict[str, Model], model: str) -> str:
    spec = models.get(model)
    return spec.options.get("body_field", DEFAULT_BODY_FIELD) if spec is not None else DEFAULT_BODY_FIELD


# One encoder each, made once: json.dumps with options makes a new one per call (a manifest line).
_SORTED_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, allow_nan=False)
_PLAIN_JSON = json.JSONEncoder(ensure_ascii=False)


@dataclass
class _Manifest:
    """What a previous export wrote: its files (path -> sha256) and record entries."""

    files: dict[str, str | None] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    head: tuple[Any, Any] | None = None  # the format and preview it was read with
    # Models whose index may change: an entry of theirs is new, changed or gone.
    changed: set[str] = field(default_factory=set)

    def chunks(self, fmt: str, preview: bool) -> Iterator[bytes]:
        """The manifest: JSON with one record or file a line, sorted (git diffs it line by line).

        Made a line at a time, each by the C encoder: the whole text of 100,000
        records, or the indenting encoder's string per token, is never in memory.
        """
        dumps = _SORTED_JSON.encode

        def section(name: str, items: dict[str, Any], last: bool) -> Iterator[bytes]:
            yield f"  {dumps(name)}: {{".encode()
            for i, key in enumerate(sorted(items)):
                yield f"\n    {dumps(key)}: {dumps(items[key])}{',' if i < len(items) - 1 else ''}".encode()
            yield (("\n  }" if items else "}") + ("\n" if last else ",\n")).encode()

        head = f'  "type": {dumps(MANIFEST_TYPE)},\n  "format": {dumps(fmt)},\n  "preview": {dumps(preview)},\n'
        yield ("{\n" + head).encode()
        yield from section("records", self.records, False)
        yield from section("files", self.files, True)
        yield b"}\n"

    def write(self, out: Path, fmt: str, preview: bool, old: _Manifest | None = None,
              untouched: bool = False, differs: bool = False) -> None:
        """Write ``out/manifest.json``, unless it holds these bytes already.

        ``untouched``: the file is as the last export left it (its stat says
        so); then holding ``old``'s entries means holding these bytes.
        ``differs``: the file is known to hold other bytes (a claim on new
        paths was written since), so it is written without comparing.
        """
        if untouched and old is not None and old.head == (fmt, preview) and old.records == self.records \
                and old.files == self.files:
            return
        # The file's hash first: when there is none, the entries are encoded once, as written.
        current = None if differs else _file_sha(out / MANIFEST)
        if current is None or current != _chunks_sha(self.chunks(fmt, preview)):
            write_atomic(out / MANIFEST, self.chunks(fmt, preview))


# A file stat'ed less than this long after it last changed may change again within the same tick of
# the file system's clock and keep its stat (git's racy files): it is not remembered.
RACY_NS = 2_000_000_000
# The stat cache's key of an index file (no record name starts with a NUL).
INDEX_KEY = "\0"


class _StatCache:
    """What the last export into a folder saw, kept in the store's local cache (never in the folder,
    which may be committed): per record, the stat of its exported file and of its event log.

    A file whose ``(inode, size, mtime_ns, ctime_ns)`` is the one remembered
    still holds the bytes the manifest names, so it is not read again; a log
    whose ``(size, mtime_ns)`` is the one remembered has had no event since,
    so the publication time the manifest holds stands. Only a file whose
    ctime is over ``RACY_NS`` old when stat'ed is remembered, and the whole
    cache holds only while the manifest has the stat it had when written.
    Damaged, missing or stale, the cache costs reading, never a wrong answer.
    """

    FORMAT = 1

    def __init__(self, site: SiteCore, out: Path):
        key = hashlib.sha256(os.fsencode(out.resolve())).hexdigest()[:24]
        self.path = site.store.root / "cache" / f"export-{key}"
        self.out = str(out.resolve())
        self.old: dict[str, str] = {}
        self.new: dict[str, str] = {}
        self.manifest: str | None = None
        # The digest of the view the last export wrote (``view_key``), when it remembered every file.
        self.view: str | None = None
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        manifest = _lstat(out / MANIFEST)
        if isinstance(doc, dict) and doc.get("format") == self.FORMAT and doc.get("out") == self.out \
                and manifest is not None and doc.get("manifest") == self.stamp(manifest, None) \
                and isinstance(doc.get("records"), dict):
            self.old, self.manifest = doc["records"], doc["manifest"]
            self.view = doc.get("view") if isinstance(doc.get("view"), str) else None

    @staticmethod
    def stamp(file: os.stat_result, log: tuple[int, int] | None) -> str:
        """One string per record: the manifest of 100,000 records need not hold 100,000 lists."""
        return f"{file.st_ino}:{file.st_size}:{file.st_mtime_ns}:{file.st_ctime_ns}:{log}"

    def remember(self, record: str, file: os.stat_result, log: tuple[int, int] | None) -> None:
        if file.st_ctime_ns < time.time_ns() - RACY_NS:
            stamp = self.stamp(file, log)
            old = self.old.get(record)
            self.new[record] = old if old == stamp else stamp

    def write(self, out: Path, view: str | None, files: int) -> None:
        """Keep what this export saw; ``view``, its view's digest, only when all its ``files``
        are remembered (then the next export may find nothing changed from stats alone)."""
        manifest = _lstat(out / MANIFEST)
        if manifest is None or manifest.st_ctime_ns >= time.time_ns() - RACY_NS:
            self.new = {}  # a manifest just written may change again unseen: nothing is trusted next time
        stamp = self.stamp(manifest, None) if manifest else None
        view = view if len(self.new) == files else None
        if self.new == self.old and stamp == self.manifest and view == self.view:
            return
        head = json.dumps({"format": self.FORMAT, "out": self.out, "manifest": stamp, "view": view},
                          separators=(",", ":"))
        # A line a record, made as written: the text of 100,000 stamps is never whole in memory.
        lines = (f"{',' if i else ''}\n{json.dumps(r)}:{json.dumps(v)}".encode() for i, (r, v) in enumerate(self.new.items()))
        try:
            write_atomic(self.path, itertools.chain([f'{head[:-1]},"records":{{'.encode()], lines, [b"}}\n"]),
                         durable=False)
        except OSError:
            pass  # a read-only store: the next export reads the files again


def _read_manifest(out: Path) -> _Manifest:
    path = out / MANIFEST
    if not path.exists():
        return _Manifest()
    not_ours = RefusedError(
        "was not written by an export",
        where=Where(file=str(path)),
        hint="export into an empty folder, or one a previous export wrote",
        cause="export.foreign_manifest",
    )
    try:
        # As text: json.loads of bytes would hold a decoded copy beside them.
        doc = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_shared_strings)
    except (ValueError, OSError):
        raise not_ours from None
    if not isinstance(doc, dict) or doc.get("type") != MANIFEST_TYPE:
        raise not_ours
    files, records = doc.get("files"), doc.get("records")
    if not isinstance(files, dict) or not isinstance(records, dict):
        raise not_ours
    # A manifest entry is a path export may later remove: never accept one that leaves DIR.
    # Dropped in place, not copied: the manifest of 100,000 records is large.
    for p in [p for p in files if not _safe_rel(p)]:
        del files[p]
    for r in [r for r, e in records.items() if not isinstance(e, dict)]:
        del records[r]
    return _Manifest(files=files, records=records, head=(doc.get("format"), doc.get("preview")))


def _shared_strings(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A manifest object whose names and short values are interned: the record names and version
    ids a post's ``links`` repeat (the same author in thousands of posts) are then held once,
    not once per occurrence (tens of MB of a 100,000-record manifest)."""
    return {sys.intern(k): sys.intern(v) if isinstance(v, str) and len(v) <= 64 else v for k, v in pairs}


def _safe_rel(rel: str) -> bool:
    parts = rel.split("/")
    return len(parts) == 2 and all(p and p not in (".", "..") and not p.startswith(".") for p in parts)


def _check_out(site: SiteCore, out: Path) -> None:
    """Refuse an export folder that overlaps the site's own files.

    The working files (content/) hold drafts: a generator pointed at an export
    that contains them, or an export written among them, would publish every
    draft. So neither may hold the other, and the site root is no export folder.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"out {out} is not a folder", cause="export.out_not_folder", data={"out": str(out)})
    target = out.resolve()
    root = site.root.resolve()
    hint = "export to a folder of its own beside content/, e.g. out='_export' (or outside the site)"
    if target == root:
        raise RefusedError(f"out {out} is the site's own folder", hint=hint,
                           cause="export.out_is_site", data={"out": str(out)})
    if root.is_relative_to(target):
        raise RefusedError(f"out {out} holds the site, with its working files (content/, drafts included)",
                           hint=hint, cause="export.out_holds_site", data={"out": str(out)})
    for inside in (root / "content", root / STORE_NAME, root / "models"):
        if target.is_relative_to(inside.resolve()):
            raise RefusedError(f"out {out} is inside the site's {inside.name}/, which export must not write into",
                               hint=hint, cause="export.out_inside_site", data={"out": str(out), "inside": inside.name})


def _file_sha(path: Path) -> str | None:
    """The sha256 of a file, read in blocks (None: no such file)."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


# New paths in a folder up to which each is stat'ed rather than the folder listed.
_FEW = 64


def _names(folder: Path) -> set[str]:
    """The names in ``folder``, links and folders included (none when it is not a folder)."""
    try:
        with os.scandir(folder) as entries:
            return {e.name for e in entries}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def _lstat(path: Path | str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _read_bytes(path: str) -> bytes | None:
    try:
        return read_bytes(path)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def export(site: SiteCore, out: str | os.PathLike[str], *, format: str = "json",
           preview: bool = False, force: bool = False, body_in_front_matter: bool = False,
           as_of: str | None = None,
           planned: tuple[Snapshot, Mapping[str, str]] | None = None) -> ExportResult:
    """Write the published view (or with ``preview`` the current one) to ``out``.

    Incremental: a file is rewritten only when its content changed; files of
    records no longer in the view are removed; files export did not write are
    left alone and reported as ``foreign``. Same store, same bytes. A file
    edited since export wrote it is refused (nothing is written) unless
    ``force``, and when stale it is kept, not removed, unless ``force``.
    ``body_in_front_matter`` (markdown): the body field stays in the front
    matter and the content is empty, for generators that run content as
    templates (Hugo's shortcodes): the body is then only ever data.
    ``as_of``: the published view exactly as it stood at that time, replayed
    from the event logs (a version gc removed since is refused, naming the record).
    ``planned``: a published view not yet on the refs (a release's preview) and the publish
    time of each version it moves.
    """
    _check_options(format, preview=preview, body_in_front_matter=body_in_front_matter, as_of=as_of)
    out = Path(out)
    _check_out(site, out)
    reader = (_PlannedReader(site, *planned) if planned is not None else
              Reader(site, "current" if preview else "published",
                     as_of=published_as_of(site, as_of) if as_of is not None else None))
    ext = FORMATS[format]
    versions = {r: oid for r in reader.keys() if (oid := reader.version_of(r)) is not None}
    targets = {r: f"{r}{ext}" for r in versions}
    indexes = {m: f"{m}/{INDEX}" for m in sorted(set(reader.model_names()) | set(reader.models))}
    stats = _StatCache(site, out)
    # A replayed past or a planned release is not the view the stat cache speaks of.
    view = (view_key(reader, versions, format=format, preview=preview, body_in_front_matter=body_in_front_matter)
            if as_of is None and planned is None else None)
    if view is not None and _nothing_changed(reader, out, stats, view, targets, indexes):
        return ExportResult(out=str(out), format=format, preview=preview, records=len(versions),
                            unchanged=len(targets) + len(indexes),
                            foreign=_foreign(out, {*targets.values(), *indexes.values()}))
    old = _read_manifest(out)
    _check_targets(out, old, targets, indexes)
    reader.read_whole()

    new = _Manifest()
    fresh = [p for p in (*targets.values(), *indexes.values()) if p not in old.files]
    staged = _Staged(out, fresh=set(fresh))
    if fresh:
        # Claim the new paths before writing them: an export killed halfway
        # then finds its own files in the manifest, not foreign ones in the way.
        _Manifest(files={**old.files, **{p: None for p in fresh}}, records=old.records).write(
            out, format, preview, differs=True)
    try:
        for record in _linked_first(versions, reader.models):
            _stage_record(reader, out, old, new, staged, stats, record, versions[record], targets[record],
                          format=format, body_in_front_matter=body_in_front_matter)
        new.changed.update(r.partition("/")[0] for r in old.records if r not in new.records)
        for model, rel in indexes.items():
            _stage_index(out, old, new, staged, stats, model, rel)
        if staged.edited and not force:
            _refuse_edited(out, staged.edited)
    except BaseException:
        # Refused, or failed halfway: the staged and created files go, the claims too; no file
        # the export had written before was touched.
        staged.discard()
        if fresh:
            _unclaim(out, old, format, preview)
        raise

    staged.commit()
    removed, modified = _remove_stale(out, old, new, force)
    out.mkdir(parents=True, exist_ok=True)
    # After a claim on new paths the file holds the claim, never these entries (each new path has its hash).
    new.write(out, format, preview, old, untouched=bool(stats.old), differs=bool(fresh))
    stats.write(out, view, len(targets) + len(indexes))
    return ExportResult(
        out=str(out), format=format, preview=preview, records=len(versions),
        written=staged.written(), unchanged=staged.unchanged, removed=removed,
        foreign=_foreign(out, new.files), modified=modified,
    )


def view_key(reader: Reader, versions: Mapping[str, str], *, format: str, preview: bool,
             body_in_front_matter: bool) -> str:
    """A digest of all an export's bytes depend on but the event logs (each record's publish
    time, checked by its log's stamp): this pressroom, the options, every record in the view
    with its version and whether it is a draft (the versions of the records a file links to are
    among them: their names are its labels), and the model files (link fields, ``body_field``)."""
    h = hashlib.sha256(f"{__version__}\0{format}\0{preview}\0{body_in_front_matter}".encode())
    published = reader.snapshot.published
    h.update("".join([f"\n{r} {oid} {oid != published.get(r)}" for r, oid in versions.items()]).encode())
    h.update(model_bytes(reader.site))
    return h.hexdigest()


def _nothing_changed(reader: Reader, out: Path, stats: _StatCache, view: str, targets: Mapping[str, str],
                     indexes: Mapping[str, str]) -> bool:
    """Whether the last export wrote this very view (``view``) and every file it wrote, every
    record's event log and the manifest still have the stat it remembered: then each file holds
    what this export would write, and nothing need be read (``export`` again, the common case)."""
    if stats.view is None or stats.view != view or len(stats.old) != len(targets) + len(indexes):
        return False
    remembered, store, base = stats.old, reader.site.store, str(out)
    for model in {rel.partition("/")[0] for rel in indexes.values()}:
        folder = _lstat(out / model)
        if folder is None or not stat.S_ISDIR(folder.st_mode):
            return False
    for record, rel in targets.items():
        file_stat = _lstat(f"{base}/{rel}")
        log = store.log_stamp(record)
        if file_stat is None or log is None or not stat.S_ISREG(file_stat.st_mode) \
                or remembered.get(record) != stats.stamp(file_stat, log):
            return False
    for rel in indexes.values():
        file_stat = _lstat(f"{base}/{rel}")
        if file_stat is None or not stat.S_ISREG(file_stat.st_mode) \
                or remembered.get(f"{INDEX_KEY}{rel}") != stats.stamp(file_stat, None):
            return False
    return True


class _PlannedReader(Reader):
    """The published view of refs given, with the time each version they move goes live."""

    def __init__(self, site: SiteCore, snapshot: Snapshot, published_at: Mapping[str, str]):
        super().__init__(site, "published", snapshot=snapshot)
        self._planned_at = dict(published_at)

    def published_at(self, record: str, oid: str) -> str | None:
        if record in self._planned_at and oid == self.snapshot.published.get(record):
            return self._planned_at[record]
        return super().published_at(record, oid)


def _check_options(format: str, *, preview: bool, body_in_front_matter: bool, as_of: str | None) -> None:
    if format not in FORMATS:
        raise UsageError(f"unknown export format {format!r}", hint=f"one of: {', '.join(FORMATS)}")
    if body_in_front_matter and format != "markdown":
        raise UsageError("body_in_front_matter is for format='markdown'",
                         hint="json and yaml exports keep every field under 'data' already",
                         cause="export.body_in_front_matter")
    if as_of is not None and preview:
        raise UsageError("as_of exports the published view as it was; a preview has no past",
                         cause="export.as_of_preview")


@dataclass
class _Staged:
    """What an export writes, a file at a time, so memory does not hold every rendered record.

    A path the manifest already names goes to a temp file beside it, moved
    into place only once nothing is refused. A new path (``fresh``: claimed
    in the manifest before anything is written, and free when checked) is
    written in place at once, with no temp file nor rename (half the cost of
    a first export's files); a refused or failed export removes what it
    created, and one killed halfway leaves its claims to the next.
    """

    out: Path
    fresh: set[str] = field(default_factory=set)
    writes: list[tuple[str, str]] = field(default_factory=list)  # (path in out, temp file)
    created: list[str] = field(default_factory=list)  # new paths written in place
    edited: list[str] = field(default_factory=list)  # files someone changed since export wrote them
    unchanged: int = 0
    folders: set[str] = field(default_factory=set)  # model folders made (or found) by this export

    def write(self, rel: str, data: bytes | Iterator[bytes]) -> None:
        """Write ``data`` for ``rel``: in place when fresh, else to a temp file ``commit`` moves."""
        if rel in self.fresh:
            folder = rel.partition("/")[0]
            if folder not in self.folders:
                os.makedirs(self.out / folder, exist_ok=True)
                self.folders.add(folder)
            path = f"{self.out}/{rel}"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            except FileExistsError:
                pass  # something appeared there since the check: staged as any rewrite
            else:
                self.created.append(rel)
                # os.write on the descriptor: no buffered file object a record (open, write, close).
                try:
                    with naming(path):
                        for block in [data] if isinstance(data, bytes) else _blocks(data):
                            write_all(fd, block)
                finally:
                    os.close(fd)
                return
        self.writes.append((rel, write_temp(self.out / rel, data)))

    def discard(self) -> None:
        """Undo a refused or failed export: its temp files and the files it created go."""
        for _rel, tmp in self.writes:
            os.unlink(tmp)
        for rel in self.created:
            try:
                os.unlink(self.out / rel)
            except FileNotFoundError:
                pass

    def commit(self) -> None:
        """Move the temp files into place."""
        for rel, tmp in self.writes:
            os.replace(tmp, self.out / rel)

    def written(self) -> list[str]:
        return sorted([*(rel for rel, _ in self.writes), *self.created])


def _linked_first(records: Mapping[str, str], models: Mapping[str, Model]) -> list[str]:
    """``records`` (sorted) a model at a time, a model after those its records link to (as far as
    link cycles allow): a record's labels then name records read already, whose names the reader
    keeps, instead of each linked record being read twice (for its label, then for itself).
    Each model's records keep their order, so every file, index and the manifest are the same."""
    order: list[str] = []
    done: set[str] = set()

    def visit(model: str, path: set[str]) -> None:
        if model in done or model in path:
            return
        spec = models.get(model)
        for target in sorted(spec.link_targets if spec is not None else ()):
            visit(target, path | {model})
        done.add(model)
        order.append(model)

    by_model: dict[str, list[str]] = {}
    for record in records:
        by_model.setdefault(record.partition("/")[0], []).append(record)
    for model in sorted(by_model):
        visit(model, set())
    return [record for model in order for record in by_model.get(model, ())]


def _blocks(chunks: Iterator[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    """``chunks`` (an index's lines) joined into blocks of about ``size`` bytes: a write(2) a block."""
    pending: list[bytes] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


def _stage_record(reader: Reader, out: Path, old: _Manifest, new: _Manifest, staged: _Staged, stats: _StatCache,
                  record: str, oid: str, rel: str, *, format: str, body_in_front_matter: bool) -> None:
    """Stage ``record``'s file (unless it holds this version already) and enter it in ``new``."""
    model = record.partition("/")[0]
    before = old.records.get(record) or {}
    path = f"{out}/{rel}"
    # A fresh path was free when checked (``_check_targets``): no stat nor read of it, nor of its
    # log, whose stamp only vouches for a file that is there (three system calls a record).
    fresh = rel in staged.fresh
    file_stat = None if fresh else _lstat(path)
    # Stamped before the publication time is read: an event logged in between is then seen next time.
    log = reader.site.store.log_stamp(record) if reader.as_of is None and file_stat is not None else None
    remembered = stats.old.get(record)
    # Nothing happened to the file nor to the record's log since the last export saw them: what
    # the manifest says of both stands, and neither is read (at 100,000 records, most of the time).
    seen = (remembered is not None and file_stat is not None and log is not None and before.get("version") == oid
            and stat.S_ISREG(file_stat.st_mode) and remembered == stats.stamp(file_stat, log))
    # A manifest entry, as the manifest's JSON reads back.
    entry: dict[str, Any] = {"file": rel, "version": oid,
                             "published_at": before.get("published_at") if seen
                             else reader.published_at(record, oid),
                             "draft": oid != reader.snapshot.published.get(record)}
    if format == "markdown":
        entry["body_field"] = None if body_in_front_matter else _body_field(reader.models, model)
    current: bytes | None
    if seen:
        current, sha = None, old.files.get(rel)
    else:
        current = None if fresh else _read_bytes(path)
        sha = _sha(current) if current is not None else None
    # The file shows the names of the records it links to (labels): it is stale when one of
    # them moved. The same version links to the same records, so last time's list holds.
    linked = before.get("links")
    if before.get("version") == oid and isinstance(linked, dict):
        entry["links"] = {t: reader.version_of(t) for t in linked}
    if _same_entry(before, entry) and sha is not None and old.files.get(rel) == sha:
        staged.unchanged += 1
        updated_at = before.get("updated_at")
        if file_stat is not None:
            stats.remember(record, file_stat, log)
    else:
        rec = reader.read(record, oid)
        entry["links"] = {t: reader.version_of(t) for t in rec.labels}
        data = _render(rec, format, entry.get("body_field"))
        if current is None and seen:
            current = _read_bytes(path)
        if data != current:
            staged.write(rel, data)
            if _edited(old, rel, sha):
                staged.edited.append(rel)
        else:
            staged.unchanged += 1
        sha, updated_at = _sha(data), iso_utc(rec.updated_at)
    entry["updated_at"] = updated_at
    new.files[rel] = sha
    if entry != before or old.files.get(rel) != sha:
        new.changed.add(model)
        new.records[record] = entry
    else:
        new.records[record] = before  # the old manifest's own dict: 100,000 unchanged entries are not held twice


def _stage_index(out: Path, old: _Manifest, new: _Manifest, staged: _Staged, stats: _StatCache, model: str,
                 rel: str) -> None:
    """Stage ``model``'s index file from the entries in ``new`` (unless it holds them already)."""
    if rel in staged.fresh:
        # Free when checked: written as it is hashed, its entries encoded once.
        digest = hashlib.sha256()
        staged.write(rel, _hashed(_index_chunks(new, model), digest))
        new.files[rel] = digest.hexdigest()
        return
    file_stat = _lstat(out / rel)
    key = f"{INDEX_KEY}{rel}"
    if (model not in new.changed and file_stat is not None and stats.old.get(key) == stats.stamp(file_stat, None)
            and old.files.get(rel) is not None):
        # The same entries as last time, in the file the last export saw: the same bytes.
        staged.unchanged += 1
        new.files[rel] = old.files[rel]
        stats.remember(key, file_stat, None)
        return
    sha = _chunks_sha(_index_chunks(new, model))
    current_sha = _file_sha(out / rel)
    if current_sha == sha and file_stat is not None:
        stats.remember(key, file_stat, None)
    if current_sha != sha:
        staged.write(rel, _index_chunks(new, model))
        if _edited(old, rel, current_sha):
            staged.edited.append(rel)
    else:
        staged.unchanged += 1
    new.files[rel] = sha


def _unclaim(out: Path, old: _Manifest, format: str, preview: bool) -> None:
    """Put back the manifest a refused export found (none: remove its claims)."""
    if old.head is None:
        (out / MANIFEST).unlink(missing_ok=True)
    else:
        fmt, was_preview = old.head
        old.write(out, fmt, was_preview)


def _edited(old: _Manifest, rel: str, sha: str | None) -> bool:
    """Whether export's file at ``rel`` was changed by someone else since export wrote it.

    A missing file is not an edit (writing it back loses nothing), nor is one
    the manifest claims without a hash (an export killed while writing it).
    """
    written = old.files.get(rel)
    return sha is not None and written is not None and sha != written


def _refuse_edited(out: Path, edited: list[str]) -> None:
    problems = [Problem("was edited since the export wrote it; not overwritten", code="modified",
                        where=Where(file=str(out / rel)),
                        hint="keep your changes elsewhere (or in the site's records), then export again; "
                             "or export with force=True to overwrite them", cause="export.edited")
                for rel in sorted(edited)]
    raise RefusedError(
        problems[0].message if len(problems) == 1 else f"{len(problems)} exported file(s) were edited since; "
                                                       "nothing was written",
        where=problems[0].where, hint=problems[0].hint, problems=problems,
    )


def _index_chunks(manifest: _Manifest, model: str) -> Iterator[bytes]:
    """A model's index.json, from what the manifest says was written: a record a line,
    each encoded on its own by the C encoder (see ``_Manifest.chunks``)."""
    prefix = f"{model}/"
    yield f'{{\n  "model": {json.dumps(model, ensure_ascii=False)},\n  "records": ['.encode()
    sep = "\n    "
    for record, e in manifest.records.items():
        if record.startswith(prefix):
            entry = {"record": record, "id": record[len(prefix):], "version": e["version"],
                     "published_at": e["published_at"], "updated_at": e["updated_at"], "file": e["file"]}
            yield f"{sep}{_PLAIN_JSON.encode(entry)}".encode()
            sep = ",\n    "
    yield (b"]" if sep == "\n    " else b"\n  ]") + b"\n}\n"


def _hashed(chunks: Iterator[bytes], digest: hashlib._Hash) -> Iterator[bytes]:
    """``chunks`` as they are, each added to ``digest`` on its way."""
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def _chunks_sha(chunks: Iterator[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _same_entry(before: dict[str, Any], entry: dict[str, Any]) -> bool:
    # updated_at follows from the version, so it is not part of what is compared.
    return {k: v for k, v in before.items() if k != "updated_at"} == entry


def _render(rec: Record, format: str, body_field: str | None) -> bytes:
    if format == "json":
        try:
            return _json_bytes(rec.document())
        except ValueError:
            # Validation refuses such numbers; only a draft saved invalid (--preview) still holds one.
            raise RefusedError(
                "holds .nan or .inf, which JSON cannot represent", where=Where(record=rec.record),
                hint=f"Site.validate('{rec.record}') finds the field, or export with format='yaml'",
                cause="export.nan", data={"record": rec.record},
            ) from None
    if format == "yaml":
        return yaml_bytes(rec.document())
    return markdown_bytes(rec, body_field)


def _check_targets(out: Path, old: _Manifest, targets: dict[str, str], indexes: dict[str, str]) -> None:
    """Refuse, before writing anything, to overwrite a file export did not write."""
    problems = []
    clash = {targets[r] for r in targets} & set(indexes.values())
    for rel in sorted(clash):
        problems.append(Problem(
            f"record {rel.rsplit('.', 1)[0]} would be written over the model's {INDEX}",
            code="refused", where=Where(file=str(out / rel)),
            hint="export with format='yaml' or 'markdown', whose record files cannot clash with index.json",
            cause="export.index_clash",
        ))
    for model in sorted({rel.partition("/")[0] for rel in (*targets.values(), *indexes.values())}):
        folder = out / model
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            problems.append(Problem("is in the way of the export (a link or a file where a folder goes)",
                                    code="refused", where=Where(file=str(folder)),
                                    hint="move it away, or export to another folder"))
    new_paths: dict[str, list[str]] = {}
    for rel in sorted({*targets.values(), *indexes.values()}):
        if rel not in old.files:
            new_paths.setdefault(rel.partition("/")[0], []).append(rel)
    for model, rels in new_paths.items():
        # Many new paths (a first export): one listing of the folder, not a stat a path; a few (export
        # again after a save): a stat each, not the names of a folder of 100,000 files in memory.
        present = _names(out / model) if len(rels) > _FEW else None
        for rel in rels:
            name = rel.partition("/")[2]
            path = out / rel
            if not (name in present if present is not None else os.path.lexists(path)):
                continue
            problems.append(Problem("exists and was not written by an export; it is left alone",
                                    code="refused", where=Where(file=str(path)),
                                    hint="move it away, or export to another folder", cause="export.not_ours"))
    if problems:
        raise RefusedError(
            problems[0].message if len(problems) == 1 else f"{len(problems)} file(s) in the way of the export",
            where=problems[0].where, hint=problems[0].hint, problems=problems,
        )


def _remove_stale(out: Path, old: _Manifest, new: _Manifest, force: bool) -> tuple[list[str], list[str]]:
    """Remove export's files that left the view; those edited since are kept (unless ``force``) and returned."""
    removed, kept = [], []
    for rel in sorted(set(old.files) - set(new.files)):
        path = out / rel
        if not path.is_file() or path.is_symlink():
            continue
        if not force and _edited(old, rel, _sha(path.read_bytes())):
            kept.append(rel)
            continue
        path.unlink()
        removed.append(rel)
        try:
            path.parent.rmdir()  # only when export emptied it
        except OSError:
            pass
    return removed, kept


def _foreign(out: Path, ours: Container[str]) -> list[str]:
    """Files in ``out`` that export did not write (never touched, only reported)."""
    found = []
    root = str(out)
    for folder, dirs, files in os.walk(root):
        if folder == root and ".git" in dirs:
            dirs.remove(".git")  # an export into a checkout (gh-pages): git's own files are not news
        dirs.sort()
        # Paths made as text: a Path per file cost more than the walk (10,000 files, every export).
        prefix = "" if folder == root else Path(os.path.relpath(folder, root)).as_posix() + "/"
        for name in sorted(files):
            rel = prefix + name
            if rel != MANIFEST and rel not in ours:
                found.append(rel)
    return found
