"""Validation results by content: a blob valid under a model's schema stays valid under it.

Saving validates every record it stores; publishing, ``press validate`` and
the checks of unpublish and archive look the result up by blob id instead of
parsing and validating the blob again. An entry says "this blob passes this
schema" and lists its links; it is keyed by the blob id and by a digest of
the schema, of this pressroom's version and of the formats jsonschema can
check here (installing a format checker changes what is valid). Only valid
blobs are kept: an invalid one is validated again, to report its problems.

Which formats jsonschema checks is known only by importing it, which a pass
whose every blob is known would do for nothing; so the list is kept too,
keyed by the folders Python imports from and their mtimes. Installing,
removing or upgrading a package adds or removes entries in one of them,
which moves its mtime; a folder changed in the last ``RACY_NS`` (git's racy
rule) keeps the list from being kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable
from typing import Any

from .. import __version__
from ..models import Model, format_names
from ..records import RecordKey
from .plan import StoreReader

Links = list[tuple[str, RecordKey]]
# Part of every entry's key: raised when the checks press adds to the schema change.
RULES = 2
# Entries waiting to be written are flushed in batches of this many, keeping memory flat.
BATCH = 5000
# A folder Python imports from that changed this recently may change again within its mtime's tick.
RACY_NS = 2_000_000_000


class CheckCache:
    """Look up and remember which blobs pass which model's schema, with their links."""

    def __init__(self, store: StoreReader):
        self.cache = store.cache
        self._kinds: dict[int, str] = {}
        self._pending: dict[str, dict[str, Any]] = {}
        # Entries read ahead by ``prefetch`` (kind -> blob -> entry, None: not in the cache).
        self._fetched: dict[str, dict[str, Any]] = {}
        self._count = 0
        # One RecordKey per linked record: thousands of posts link to the same few authors.
        self._keys: dict[tuple[str, str], RecordKey] = {}
        self._format_names: list[str] | None = None

    def _kind(self, model: Model) -> str:
        kind = self._kinds.get(id(model))
        if kind is None:
            # The formats are asked of jsonschema, not of the model's compiled validator: a run whose
            # every blob is known compiles no schema.
            schema = model.schema
            basis = {"pressroom": __version__, "rules": RULES, "schema": schema, "model": model.name,
                     "formats": [] if schema is None else self._formats()}
            digest = hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()
            kind = self._kinds[id(model)] = f"valid/{digest[:32]}"
        return kind

    def _formats(self) -> list[str]:
        """``models.format_names``, from the cache while no folder Python imports from changed."""
        if self._format_names is None:
            stamp, settled = _import_folders()
            digest = hashlib.sha256(json.dumps(stamp).encode()).hexdigest()[:32]
            kept = self.cache.get_many("formats", [digest]).get(digest)
            if isinstance(kept, list) and all(isinstance(name, str) for name in kept):
                self._format_names = kept
            else:
                self._format_names = format_names()
                if settled:
                    self.cache.put_many("formats", {digest: self._format_names})
        return self._format_names

    def key(self, model: Model) -> str:
        """What an entry's meaning depends on besides the blob: the model's schema, press, the formats."""
        return self._kind(model)

    def links(self, model: Model, blob: str) -> Links | None:
        """The links of ``blob`` if it is known to pass ``model``'s schema, else None."""
        kind = self._kind(model)
        entry = self._pending.get(kind, {}).get(blob)
        if entry is None:
            fetched = self._fetched.get(kind)
            entry = fetched[blob] if fetched is not None and blob in fetched else \
                self.cache.get_many(kind, [blob]).get(blob)
        if not isinstance(entry, list):
            return None
        try:
            # Interned: "author", "tags[0]" are the same few paths in every record.
            return [(sys.intern(path), self._key(target, rid)) for path, target, rid in entry]
        except (TypeError, ValueError):
            return None

    def prefetch(self, model: Model, blobs: Iterable[str]) -> None:
        """Read the entries of ``blobs`` in one query, for ``links`` to answer from; those of an
        earlier ``prefetch`` of this model are dropped (a command reads a batch at a time, so
        that memory stays flat)."""
        wanted = list(dict.fromkeys(blobs))
        kind = self._kind(model)
        found = self.cache.get_many(kind, wanted)
        self._fetched[kind] = {blob: found.get(blob) for blob in wanted}

    def _key(self, model: str, rid: str) -> RecordKey:
        key = self._keys.get((model, rid))
        if key is None:
            key = self._keys[(model, rid)] = RecordKey(model, rid)
        return key

    def remember(self, model: Model, blob: str, links: Links) -> None:
        """Note that ``blob`` passes ``model``'s schema (written by ``flush``)."""
        self._pending.setdefault(self._kind(model), {})[blob] = [[p, k.model, k.id] for p, k in links]
        self._count += 1
        if self._count >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write what was remembered (best effort: a busy cache keeps nothing)."""
        for kind, entries in self._pending.items():
            self.cache.put_many(kind, entries)
        self._pending.clear()
        self._count = 0


def _import_folders() -> tuple[list[tuple[str, int, int]], bool]:
    """Each entry of ``sys.path`` with its inode and mtime (0, 0: none there), and whether all of
    them are older than ``RACY_NS``."""
    now = time.time_ns()
    stamp, settled = [], True
    for entry in sys.path:
        path = os.path.abspath(entry or ".")
        try:
            st = os.stat(path)
        except OSError:
            stamp.append((path, 0, 0))
            continue
        stamp.append((path, st.st_ino, st.st_mtime_ns))
        settled = settled and st.st_mtime_ns < now - RACY_NS
    return stamp, settled
