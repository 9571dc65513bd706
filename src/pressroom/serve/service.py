"""The delivery API as plain data: a request's parameters in, a status, headers and bytes out.

No web framework here (``app`` adapts this to Starlette), so every rule of the
API (who sees drafts, what an ETag covers, what a sync token means) lives in
one place that reads like the rest of pressroom.

Consistency: every answer is read from ONE ``Snapshot`` of the refs, taken
under the store's reading lock, so a transaction is in it whole or not at all.
The snapshot is retaken when the store changed (``Generation``: the mtimes of
the ref folders, which every ref write, ``git pull`` or checkout changes);
between changes, answers come from caches keyed by that snapshot.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import time
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

from ..delivery import Reader
from ..errors import (BadContentError, ConflictError, NotFoundError, PressError, Problem, RefusedError,
                      StoreDamagedError, UsageError, ViewBrokenError, Where)
from ..models import Model
from ..records import check_model_name, load_record, parse_key
from ..site import SiteCore
from ..store import Snapshot

TOKEN_ENV = "PRESSROOM_PREVIEW_TOKEN"
# Shared caches may keep a published answer, but must ask again (with its ETag) before
# using it: a publish then shows at once, and an unchanged answer costs a 304.
DEFAULT_CACHE_CONTROL = "public, max-age=0, must-revalidate"
PREVIEW_CACHE_CONTROL = "private, no-store"
# The headers that change an answer: a cache must key on them.
VARY = "Authorization, X-Include-Drafts, X-Mode"
MAX_QUERY = 4096
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
# Deep enough for any real tree of links; a cycle (a post linking its own author, who links
# the post) nests one level per step, so the depth must stop somewhere.
MAX_HYDRATE = 32
_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
_LIST_PARAMS = frozenset({"limit", "cursor", "order", "hydrate"})
_SYNC_KIND = "serve.sync/1"
_FIELDS_KIND = "serve.fields/1"
# Records whose fields are looked up in the cache at once: bounds the memory of building a column.
_CHUNK = 500
# Bytes of rendered answers kept per snapshot: bounded, so memory does not grow with the site.
_BODY_BYTES = 64 * 1024 * 1024

# From the CLI's exit codes (docs/delivery-api.md has the table) to HTTP statuses.
EXIT_TO_HTTP = {1: 403, 2: 400, 3: 503, 4: 503, 5: 503}

K = TypeVar("K")
V = TypeVar("V")


class PreviewRefusedError(RefusedError):
    """A draft was asked for without a valid preview token (HTTP 401)."""

    code = "unauthorized"


class GoneError(UsageError):
    """A sync token this server cannot answer exactly (HTTP 410): start again with ``initial=true``."""

    code = "gone"


class _Lru(OrderedDict[K, V], Generic[K, V]):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def put(self, key: K, value: V) -> V:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class _Bodies(OrderedDict[tuple[Any, ...], tuple[bytes, str]]):
    """Rendered answers and their ETags, least recently used dropped past ``budget`` bytes."""

    def __init__(self, budget: int):
        super().__init__()
        self.budget = budget
        self.size = 0

    def put(self, key: tuple[Any, ...], value: tuple[bytes, str]) -> tuple[bytes, str]:
        if key in self:
            self.size -= len(self.pop(key)[0])
        self[key] = value
        self.size += len(value[0])
        while self.size > self.budget and len(self) > 1:
            self.size -= len(self.popitem(last=False)[1][0])
        return value

    def fetch(self, key: tuple[Any, ...]) -> tuple[bytes, str] | None:
        found = self.get(key)
        if found is not None:
            self.move_to_end(key)
        return found


# The keys of pressroom.yaml's serve setting (docs/settings.md lists them).
SERVE_KEYS = ("preview_token_file", "cache_control", "cors_origins")


@dataclass(frozen=True)
class ServeConfig:
    """What ``press serve`` was told: the preview token, caching and CORS."""

    preview_token: str | None = None
    # Where the token came from, for the 401 that says none is configured.
    token_source: str | None = None
    cache_control: str = DEFAULT_CACHE_CONTROL
    cors_origins: tuple[str, ...] = ()
    poll_interval: float = 0.2


def load_config(site: SiteCore, *, cache_control: str | None = None,
                cors_origins: tuple[str, ...] = ()) -> ServeConfig:
    """The ``serve:`` settings of pressroom.yaml, the environment's token, and the command's options.

    ``serve.preview_token_file`` names a file (relative to the site root) holding the
    token; ``PRESSROOM_PREVIEW_TOKEN`` wins over it. Options win over settings.
    """
    raw = site.config.raw.get("serve") or {}
    label = "pressroom.yaml"
    if not isinstance(raw, dict):
        raise BadContentError("serve must be a mapping of settings", where=Where(file=label, path="serve"),
                              hint="e.g. serve: {preview_token_file: .preview-token}")
    for key in raw:
        if key not in SERVE_KEYS:
            raise BadContentError(f"unknown setting serve.{key}", where=Where(file=label, path=f"serve.{key}"),
                                  hint=f"known: {', '.join(sorted(SERVE_KEYS))}")
    token, source = os.environ.get(TOKEN_ENV, "").strip() or None, TOKEN_ENV
    if token is None and raw.get("preview_token_file"):
        name = raw["preview_token_file"]
        if not isinstance(name, str):
            raise BadContentError("serve.preview_token_file must be a path", where=Where(file=label,
                                  path="serve.preview_token_file"), hint="e.g. .preview-token")
        path = site.root / name
        try:
            token = path.read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError) as e:
            raise RefusedError(f"cannot read the preview token file: {e}", where=Where(file=str(path)),
                               hint="create it with the token on one line, or unset serve.preview_token_file") from None
        source = str(path)
    settings_cc = raw.get("cache_control")
    if settings_cc is not None and not isinstance(settings_cc, str):
        raise BadContentError("serve.cache_control must be a string", where=Where(file=label,
                              path="serve.cache_control"), hint="e.g. public, max-age=60")
    origins = raw.get("cors_origins") or []
    if isinstance(origins, str):
        origins = [origins]
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        raise BadContentError("serve.cors_origins must be a list of origins", where=Where(file=label,
                              path="serve.cors_origins"), hint='e.g. ["https://example.org"], or "*"')
    return ServeConfig(preview_token=token, token_source=source if token else None,
                       cache_control=cache_control or settings_cc or DEFAULT_CACHE_CONTROL,
                       cors_origins=cors_origins or tuple(origins))


@dataclass
class Answer:
    """One response: status, headers, body (JSON bytes, or None for 304)."""

    status: int
    body: bytes | None
    headers: dict[str, str] = field(default_factory=dict)


def _json(doc: Any) -> bytes:
    try:
        return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except ValueError:
        raise RefusedError("holds .nan or .inf, which JSON cannot represent",
                           hint="validate the record to find the field") from None


def error_answer(error: PressError) -> Answer:
    """An error as JSON with the keys of the CLI's ``--json`` envelope, and its HTTP status."""
    if isinstance(error, PreviewRefusedError):
        status, exit_code = 401, 1
    elif isinstance(error, GoneError):
        status, exit_code = 410, 2
    elif isinstance(error, NotFoundError):
        status, exit_code = 404, 2
    else:
        exit_code = (4 if isinstance(error, StoreDamagedError) else 5 if isinstance(error, ViewBrokenError)
                     else 3 if isinstance(error, ConflictError) else 2 if isinstance(error, UsageError) else 1)
        status = EXIT_TO_HTTP[exit_code]
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="pressroom preview"'
    if status == 503 and exit_code == 3:
        headers["Retry-After"] = "1"
    return Answer(status, envelope(error.problems, exit_code), headers)


_STATUS = {1: "refused", 2: "usage", 3: "conflict", 4: "damaged", 5: "view_broken"}


def envelope(problems: list[Problem], exit_code: int) -> bytes:
    """The CLI's ``--json`` envelope (same keys, same meaning), for an error answer."""
    doc = {"command": "serve", "data": None, "errors": [p.as_dict() for p in problems], "exit_code": exit_code,
           "status": _STATUS.get(exit_code, "refused"), "version": 1, "warnings": []}
    return json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


class Generation:
    """A cheap fingerprint of the refs and models: changes whenever a ref or model file is written.

    Ref files are replaced by rename or removed, and git checks files out the
    same way, so each change touches its folder's mtime. A folder changed in
    the last ``_SETTLE`` seconds may change again within the same clock tick
    unseen: the fingerprint is then not trusted until it settles.
    """

    _SETTLE = 0.1

    def __init__(self, site: SiteCore):
        self.folders = [site.store.root / "refs" / kind for kind in ("current", "published", "archived")]
        self.models = site.models_dir
        self.store = site.store.root

    def read(self) -> tuple[tuple[Any, ...], bool]:
        """(fingerprint, settled)."""
        out: list[Any] = []
        newest = 0
        for path in (self.store, self.models, *self.folders):
            try:
                st = os.stat(path)
            except FileNotFoundError:
                out.append((str(path), None))
                continue
            out.append((str(path), st.st_mtime_ns, st.st_ino))
            newest = max(newest, st.st_mtime_ns)
            if path == self.store:
                continue
            with os.scandir(path) as entries:
                for e in entries:
                    s = e.stat(follow_symlinks=False)
                    out.append((e.path, s.st_mtime_ns, s.st_ino, s.st_size))
                    newest = max(newest, s.st_mtime_ns)
        out.sort(key=repr)
        return tuple(out), time.time_ns() - newest > self._SETTLE * 1e9


class _State:
    """Everything derived from one snapshot: readers, rendered bodies, list indexes."""

    def __init__(self, site: SiteCore, snapshot: Snapshot):
        self.site = site
        self.snapshot = snapshot
        self.readers: dict[str, Reader | ViewBrokenError] = {}
        self.bodies = _Bodies(_BODY_BYTES)
        self.indexes: dict[tuple[str, str, str], dict[str, list[str]]] = {}
        # What each rendered document (links not resolved) was made of: (view, record, version)
        # of itself, of its published version and of each record it links to, and its log's size.
        self.deps: dict[tuple[Any, ...], tuple[tuple[tuple[str, str, str | None], ...], int]] = {}

    def reader(self, view: str) -> Reader:
        found = self.readers.get(view)
        if found is None:
            try:
                found = Reader(self.site, view, self.snapshot)
            except ViewBrokenError as e:
                found = e
            self.readers[view] = found
        if isinstance(found, ViewBrokenError):
            raise found
        return found


@dataclass(frozen=True)
class Access:
    """Who asks: whether drafts were asked for, and whether the token allows them."""

    preview: bool
    authorized: bool


class DeliveryService:
    """The read-only delivery API over one site; one instance per server process."""

    def __init__(self, site: SiteCore, config: ServeConfig):
        self.site = site
        self.config = config
        self._generation = Generation(site)
        self._seen: tuple[Any, ...] | None = None
        self._settled = False
        self._checked = 0.0
        self._state: _State | None = None
        # Sync maps this process made or read, by digest (the cache on disk may be read-only).
        self._maps: _Lru[str, dict[str, str]] = _Lru(8)

    # the store

    def state(self) -> _State:
        """The state of the latest snapshot, retaken when the store changed (checked every poll interval)."""
        now = time.monotonic()
        if self._state is not None and self._settled and now - self._checked < self.config.poll_interval:
            return self._state
        self._checked = now
        seen, settled = self._generation.read()
        if self._state is None or seen != self._seen or not self._settled:
            snapshot = self.site.store.snapshot()
            models_same = self._models_part(seen) == self._models_part(self._seen)
            # Refs written back to the same versions (an unpublish, then a publish) still
            # changed publication times: a new state, keeping only what is still exact.
            if self._state is None or seen != self._seen or snapshot != self._state.snapshot:
                fresh = _State(self.site, snapshot)
                if self._state is not None and models_same:
                    self._carry(self._state, fresh)
                self._state = fresh
            self._seen = seen
        self._settled = settled
        return self._state

    def _models_part(self, seen: tuple[Any, ...] | None) -> tuple[Any, ...]:
        prefix = str(self.site.models_dir)
        return tuple(e for e in seen or () if str(e[0]).startswith(prefix))

    def _log_size(self, record: str) -> int:
        return len(self.site.store.read_log_bytes(record))

    def _carry(self, old: _State, new: _State) -> None:
        """Keep the rendered documents whose every input is the same in the new snapshot.

        A publish moves a few refs: the other documents need not be rendered again.
        Their publication time comes from their event log, hence its size among the inputs.
        """
        for key, answer in old.bodies.items():
            deps = old.deps.get(key)
            if deps is None:
                continue
            refs, log_size = deps
            if (all(_in_view(new.snapshot, view, r) == v for view, r, v in refs)
                    and self._log_size(key[2]) == log_size):
                new.bodies.put(key, answer)
                new.deps[key] = deps

    # access

    def access(self, headers: Mapping[str, str], query_token: str | None = None,
               query_preview: bool = False) -> Access:
        """Read the preview headers and the token; a draft request without a valid token is refused (401)."""
        drafts = headers.get("x-include-drafts")
        mode = headers.get("x-mode")
        if drafts is not None and drafts.strip().lower() not in ("true", "false"):
            raise UsageError(f"X-Include-Drafts: {drafts!r} is not true or false", hint="X-Include-Drafts: true")
        if mode is not None and mode.strip().lower() not in ("preview", "published", "live"):
            raise UsageError(f"X-Mode: {mode!r} is not preview or published", hint="X-Mode: preview")
        preview = (query_preview or (drafts or "").strip().lower() == "true"
                   or (mode or "").strip().lower() == "preview")
        given = None
        auth = headers.get("authorization")
        if auth:
            scheme, _, value = auth.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise PreviewRefusedError("the Authorization header is not a bearer token",
                                          hint="Authorization: Bearer <preview token>")
            given = value.strip()
        elif query_token:
            given = query_token
        authorized = given is not None and self._token_ok(given)
        if given is not None and not authorized:
            if not self.config.preview_token:
                raise PreviewRefusedError("a preview token was sent, and none is configured on this server",
                                          hint=self._no_token_hint())
            raise PreviewRefusedError("the preview token is not valid",
                                      hint="send the token the server was started with (PRESSROOM_PREVIEW_TOKEN "
                                           "or the file serve.preview_token_file names)")
        return Access(preview=preview, authorized=authorized)

    def _token_ok(self, given: str) -> bool:
        expected = self.config.preview_token
        if not expected:
            return False
        return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))

    def _no_token_hint(self) -> str:
        return (f"this server has no preview token, so it never serves drafts: set {TOKEN_ENV} or "
                "serve.preview_token_file in pressroom.yaml and restart the server")

    def _require(self, access: Access, what: str) -> None:
        if not access.authorized:
            if not self.config.preview_token:
                raise PreviewRefusedError(f"{what} needs the preview token, and none is configured",
                                          hint=self._no_token_hint())
            raise PreviewRefusedError(f"{what} needs the preview token",
                                      hint="Authorization: Bearer <token> (the value of PRESSROOM_PREVIEW_TOKEN "
                                           "or of serve.preview_token_file)")

    # answers

    def _answer(self, body: bytes, etag: str, if_none_match: str | None, preview: bool) -> Answer:
        headers = {"ETag": etag, "Vary": VARY,
                   "Cache-Control": PREVIEW_CACHE_CONTROL if preview else self.config.cache_control}
        if _matches(if_none_match, etag):
            return Answer(304, None, headers)
        headers["Content-Type"] = "application/json; charset=utf-8"
        return Answer(200, body, headers)

    def models(self, headers: Mapping[str, str]) -> Answer:
        """``GET /api/models``: each model, its schema and link fields."""
        access = self.access(headers)
        if access.preview:
            self._require(access, "a preview")
        state = self.state()
        view = "current" if access.preview else "published"

        def make() -> bytes:
            reader = state.reader(view)
            out = []
            for name in sorted(set(reader.models) | set(reader.model_names())):
                spec = reader.models.get(name)
                out.append({
                    "name": name,
                    "records": len(reader.keys(name)),
                    "draft_published": spec.draft_published if spec else True,
                    "links": {lf.field: lf.target for lf in spec.link_fields} if spec else {},
                    "schema": spec.schema if spec else None,
                })
            return _json({"models": out})

        body, etag = self._body(state, ("models", view), make)
        return self._answer(body, etag, headers.get("if-none-match"), access.preview)

    def _body(self, state: _State, key: tuple[Any, ...], make: Callable[[], bytes]) -> tuple[bytes, str]:
        found = state.bodies.fetch(key)
        if found is None:
            body = make()
            found = state.bodies.put(key, (body, etag_of(body)))
        return found

    def record(self, model: str, rid: str, params: Mapping[str, str], headers: Mapping[str, str]) -> Answer:
        """``GET /api/records/{model}/{id}``: one record's document, as ``press export`` writes it."""
        _check_params(params, {"version", "hydrate"})
        record = str(parse_key(f"{check_model_name(model)}/{rid}"))
        access = self.access(headers)
        version = params.get("version")
        if version not in (None, "published", "current"):
            raise UsageError(f"version={version!r} is not published or current",
                             hint="?version=published (the default) or ?version=current (needs the token)")
        if version == "current" or (version is None and access.preview):
            self._require(access, "the current version (drafts)")
            view = "current"
        else:
            view = "published"
        preview = access.preview or view == "current"
        hydrate = _int_param(params, "hydrate", 0, 0, MAX_HYDRATE)
        state = self.state()
        body, etag = self._body(state, ("record", view, record, hydrate),
                                lambda: self._document(state, view, record, hydrate))
        return self._answer(body, etag, headers.get("if-none-match"), preview)

    def _document(self, state: _State, view: str, record: str, hydrate: int) -> bytes:
        reader = state.reader(view)
        oid = reader.version_of(record)
        if oid is None:
            reader.keys(record.partition("/")[0])  # an unknown model says so
            what = "published" if view == "published" else "current (not archived or deleted)"
            raise NotFoundError(f"has no {what} version",
                                hint="it is not published" if view == "published" else "it was archived or deleted",
                                where=Where(record=record))
        rec = reader.read(record, oid, resolve_links=hydrate)
        body = _json(rec.document())
        if hydrate == 0:
            refs = ((view, record, oid), ("published", record, state.snapshot.published.get(record)),
                    *((view, t, reader.version_of(t)) for t in rec.labels))
            state.deps[("record", view, record, 0)] = (refs, self._log_size(record))
            if len(state.deps) > 2 * len(state.bodies) + 1000:
                # Documents the byte budget dropped need no inputs kept.
                state.deps = {k: d for k, d in state.deps.items() if k in state.bodies}
        return body

    def records(self, model: str, params: Mapping[str, str], headers: Mapping[str, str]) -> Answer:
        """``GET /api/records/{model}``: a page of documents, filtered and ordered, with the next cursor."""
        check_model_name(model)
        filters = {}
        for param, value in params.items():
            if param.startswith("fields."):
                name = param[len("fields."):]
                if not _FIELD_RE.match(name):
                    raise UsageError(f"{param!r} does not name a top-level field",
                                     hint="filter with ?fields.NAME=VALUE on a top-level field or link")
                filters[name] = value
            elif param not in _LIST_PARAMS:
                raise UsageError(f"unknown parameter {param!r}",
                                 hint="limit, cursor, order, hydrate and fields.NAME are known")
        access = self.access(headers)
        if access.preview:
            self._require(access, "drafts (X-Include-Drafts or X-Mode: preview)")
        view = "current" if access.preview else "published"
        limit = _int_param(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        hydrate = _int_param(params, "hydrate", 0, 0, MAX_HYDRATE)
        order = params.get("order") or None
        if order is not None and not _FIELD_RE.match(order.removeprefix("-")):
            raise UsageError(f"order={order!r} does not name a top-level field", hint="order=title or order=-date")
        cursor = _decode_cursor(params.get("cursor"), order) if params.get("cursor") else None
        state = self.state()
        key = ("list", view, model, limit, hydrate, order, cursor and json.dumps(cursor),
               tuple(sorted(filters.items())))
        body, etag = self._body(state, key, lambda: self._page(state, view, model, filters, order, cursor,
                                                              limit, hydrate))
        return self._answer(body, etag, headers.get("if-none-match"), access.preview)

    def _page(self, state: _State, view: str, model: str, filters: dict[str, str], order: str | None,
              cursor: list[Any] | None, limit: int, hydrate: int) -> bytes:
        reader = state.reader(view)
        keys = reader.keys(model)
        for name, value in filters.items():
            column = self._column(state, view, model, keys, name)
            keys = [r for r in keys if value in column.get(r, ())]
        if order is None:
            start = bisect_right(keys, cursor[1]) if cursor else 0
            page = keys[start:start + limit]
            more = start + limit < len(keys)
            next_cursor = _encode_cursor([None, page[-1]]) if more and page else None
        else:
            name = order.removeprefix("-")
            desc = order.startswith("-")
            column = self._column(state, view, model, keys, "sort:" + name)
            rows = sorted(((_sort_key(column.get(r)), r) for r in keys), reverse=desc)
            if cursor:
                mark = (tuple(cursor[0]), cursor[1])
                rows = [row for row in rows if (row < mark if desc else row > mark)]
            more = len(rows) > limit
            rows = rows[:limit]
            page = [r for _, r in rows]
            next_cursor = _encode_cursor([order, list(rows[-1][0]), rows[-1][1]]) if more and rows else None
        parts = [self._body(state, ("record", view, r, hydrate), partial(self._document, state, view, r, hydrate))[0]
                 for r in page]
        head = _json({"model": model, "view": view, "next": next_cursor})[:-1]
        return head + b',"records":[' + b",".join(parts) + b"]}"

    def _column(self, state: _State, view: str, model: str, keys: list[str], column: str) -> dict[str, list[str]]:
        """One field of every record of ``model``: its values as a filter compares them (``name``), or
        its JSON for ordering (``sort:name``; no field name holds a colon).

        Only the columns asked for are held, for this snapshot: memory grows with the
        fields filtered or ordered on, not with the records' size. The fields of each
        version are kept in ``.press/cache`` (versions never change), so a restart or a
        new snapshot does not parse the records again.
        """
        found = state.indexes.get((view, model, column))
        if found is not None:
            return found
        reader = state.reader(view)
        spec = reader.models.get(model)
        links = sorted((lf.field, lf.target) for lf in spec.link_fields) if spec is not None else []
        salt = hashlib.sha256(json.dumps(links).encode()).hexdigest()[:12]
        out: dict[str, list[str]] = {}
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i:i + _CHUNK]
            wanted = {f"{reader.version_of(r)}:{salt}": r for r in chunk}
            cached = self.site.store.cache.get_many(_FIELDS_KIND, wanted)
            fresh: dict[str, Any] = {}
            for key, record in wanted.items():
                entry = cached.get(key)
                if not isinstance(entry, dict):
                    entry = fresh[key] = self._fields_of(record, key.partition(":")[0], spec)
                value = entry.get(column)
                if isinstance(value, list):
                    out[record] = value
            if fresh:
                self.site.store.cache.put_many(_FIELDS_KIND, fresh)
        state.indexes[(view, model, column)] = out
        return out

    def _fields_of(self, record: str, oid: str, spec: Model | None) -> dict[str, list[str]]:
        # The stored data alone: a filter needs neither labels nor publication times.
        version = self.site.store.get_version(oid)
        data = load_record(self.site.store.get_blob(version.blob), f"{record}@{oid[:12]}")
        entry: dict[str, list[str]] = {}
        for name, value in data.items():
            if _is_scalar(value):
                entry[name] = [_canon(value)]
                entry["sort:" + name] = [json.dumps(value)]
            elif isinstance(value, list) and all(_is_scalar(v) for v in value):
                entry[name] = [_canon(v) for v in value]
        if spec is not None:
            for path, target in spec.links(data):
                top = re.split(r"[.\[]", path, maxsplit=1)[0]
                entry.setdefault(top, []).extend([target.id, str(target)])
        return entry

    # sync

    def sync(self, params: Mapping[str, str], headers: Mapping[str, str]) -> Answer:
        """``GET /api/sync``: everything (``initial=true``) or what changed since ``token``.

        The token names the view as it was (a digest of every record and version in
        it); the answer is the difference between that view and this one, so it is
        exact whatever moved the refs (a publish, a ``git pull``). A token whose view
        this server does not know (another replica made it, its cache was cleared)
        cannot be answered exactly: 410, start again with ``initial=true``.
        """
        _check_params(params, {"initial", "token"})
        access = self.access(headers)
        if access.preview:
            self._require(access, "a sync of drafts")
        view = "current" if access.preview else "published"
        initial, token = params.get("initial"), params.get("token")
        if (initial == "true") == (token is not None) or initial not in (None, "true"):
            raise UsageError("give either initial=true or token=…", hint="start with /api/sync?initial=true, then "
                                                                         "pass the next_token of each answer")
        state = self.state()
        reader = state.reader(view)
        now = {r: reader.version_of(r) or "" for r in reader.keys()}
        digest = _map_digest(view, now)
        if token is not None:
            old = self._sync_map(view, _decode_token(token, view))
        else:
            old = {}
        self._remember(digest, now)
        changed = [r for r, v in now.items() if r in old and old[r] != v]
        added = [r for r in now if r not in old]
        gone = sorted(r for r in old if r not in now)
        snap = state.snapshot
        deleted = [r for r in gone if r not in snap.current and r not in snap.archived]
        unpublished = [r for r in gone if r in snap.current or r in snap.archived]
        def docs(records: list[str]) -> list[Any]:
            return [json.loads(self._body(state, ("record", view, r, 0), partial(self._document, state, view, r, 0))[0])
                    for r in records]

        body = _json({"view": view, "initial": token is None, "published": docs(added), "changed": docs(changed),
                      "unpublished": unpublished, "deleted": deleted, "next_token": _encode_token(view, digest)})
        return self._answer(body, etag_of(body), headers.get("if-none-match"), access.preview)

    def _remember(self, digest: str, view_map: dict[str, str]) -> None:
        if digest in self._maps:
            return
        self._maps.put(digest, view_map)
        if not self.site.store.cache.get_many(_SYNC_KIND, [digest]):
            self.site.store.cache.put_many(_SYNC_KIND, {digest: view_map})

    def _sync_map(self, view: str, digest: str) -> dict[str, str]:
        found = self._maps.get(digest)
        if found is None:
            found = self.site.store.cache.get_many(_SYNC_KIND, [digest]).get(digest)
            # Checked against the digest: a damaged or foreign cache entry is no answer.
            if not isinstance(found, dict) or _map_digest(view, found) != digest:
                raise GoneError("this sync token cannot be answered exactly here (its view is not known to this "
                                "server)", hint="start again with /api/sync?initial=true")
        return found

    # events

    def events(self, access: Access) -> Iterator[tuple[str, dict[str, Any]] | None]:
        """Server-sent events, forever: each change of the refs as (event, data); None when nothing changed.

        Published changes (publish, unpublish, delete) go to anyone; saves and archives
        of drafts only to a preview client with the token.
        """
        if access.preview:
            self._require(access, "draft events")
        last = self.state().snapshot
        while True:
            snap = self.state().snapshot
            if snap is last:
                yield None
                continue
            yield from _diff_events(last, snap, access.preview)
            last = snap


def _in_view(snapshot: Snapshot, view: str, record: str) -> str | None:
    """The version of ``record`` in ``view`` of ``snapshot``, as ``Reader.version_of`` says it."""
    if view == "published":
        return snapshot.published.get(record)
    return None if record in snapshot.archived else snapshot.current.get(record)


def _diff_events(old: Snapshot, new: Snapshot, preview: bool) -> Iterator[tuple[str, dict[str, Any]]]:
    for record in sorted(set(old.published) | set(new.published)):
        a, b = old.published.get(record), new.published.get(record)
        if a == b:
            continue
        if b is not None:
            yield "publish", {"record": record, "version": b, "old": a}
        elif record not in new.current and record not in new.archived:
            yield "delete", {"record": record, "version": None, "old": a}
        else:
            yield "unpublish", {"record": record, "version": None, "old": a}
    if not preview:
        return
    for record in sorted(set(old.current) | set(new.current)):
        a, b = old.current.get(record), new.current.get(record)
        if a != b:
            if b is None and record in old.published and record not in new.published:
                continue  # already told as a delete
            yield ("save" if b is not None else "delete"), {"record": record, "version": b, "old": a}
    for record in sorted(set(new.archived) - set(old.archived)):
        yield "archive", {"record": record, "version": new.archived[record], "old": None}


def _check_params(params: Mapping[str, str], allowed: set[str]) -> None:
    for key in params:
        if key not in allowed:
            raise UsageError(f"unknown parameter {key!r}", hint=f"known here: {', '.join(sorted(allowed)) or 'none'}")


def _int_param(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"\d{1,6}", text) or not low <= int(text) <= high:
        raise UsageError(f"{name}={text!r} is not a whole number from {low} to {high}", hint=f"e.g. {name}={default}")
    return int(text)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _canon(value: Any) -> str:
    """How a query string spells a scalar: strings as they are, others as JSON (true, 3, null)."""
    return value if isinstance(value, str) else json.dumps(value)


def _sort_key(encoded: list[str] | None) -> tuple[Any, ...]:
    """Numbers, then strings, then booleans, then null or missing: one type per rank, so comparable."""
    if not encoded:
        return (4, 0)
    value = json.loads(encoded[0])
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (3, 0)


def _b64(doc: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode().rstrip("=")


def _unb64(text: str, what: str) -> Any:
    try:
        if len(text) > 1024:
            raise ValueError
        return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise UsageError(f"{what} is not one this API gave out", hint=f"pass the {what} of a previous answer "
                                                                      "unchanged") from None


def _encode_cursor(doc: list[Any]) -> str:
    return _b64(doc)


def _decode_cursor(text: str | None, order: str | None) -> list[Any]:
    doc = _unb64(text or "", "cursor")
    ok = (isinstance(doc, list) and ((order is None and len(doc) == 2 and doc[0] is None)
          or (order is not None and len(doc) == 3 and doc[0] == order and isinstance(doc[1], list)
              and len(doc[1]) == 2)) and isinstance(doc[-1], str))
    if not ok:
        raise UsageError("the cursor does not belong to this listing (another order?)",
                         hint="pass the next cursor of the previous page with the same order")
    found: list[Any] = doc[1:] if order is not None else doc
    return found


def _map_digest(view: str, view_map: Mapping[str, str]) -> str:
    h = hashlib.sha256(view.encode())
    for record in sorted(view_map):
        h.update(f"\n{record} {view_map[record]}".encode())
    return h.hexdigest()[:40]


def _encode_token(view: str, digest: str) -> str:
    return _b64({"v": 1, "view": view, "d": digest})


def _decode_token(token: str, view: str) -> str:
    doc = _unb64(token, "sync token")
    if not isinstance(doc, dict) or doc.get("v") != 1 or not isinstance(doc.get("d"), str):
        raise UsageError("the sync token is not one this API gave out", hint="start with /api/sync?initial=true")
    if doc.get("view") != view:
        raise UsageError(f"the sync token is for the {doc.get('view')} view, not the {view} one",
                         hint="send the same preview headers as when the token was given")
    return str(doc["d"])
