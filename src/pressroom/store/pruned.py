"""Pruned history: ``pruned/<model>/<id>`` lists the versions where a record's kept history begins.

Retention (``max_versions``) cuts a record's parent chain: ``gc`` keeps the
newest versions and removes the older ones. A kept version still names its
parent (versions are immutable), so the cut is written down explicitly, like
git's ``.git/shallow``: one version id a line, each a version whose parent was
pruned on purpose. History walks stop there, ``log`` says that older history
was pruned, and ``fsck`` does not call the missing parent a broken chain.

``gc`` writes a record's list before it removes any object, so a crash in
between leaves a cut whose parent still exists (harmless: the next gc removes
it), never a missing parent that nothing explains.
"""

from __future__ import annotations

import os
from pathlib import Path

from .fsio import write_atomic
from .objects import OID_RE
from .refs import check_record_key


class PrunedMarks:
    """Read and write the cut points of each record's history."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, record: str) -> Path:
        model, rid = check_record_key(record)
        return self.root / model / rid

    def read(self, record: str) -> frozenset[str]:
        """The cut points of ``record`` (a line that is not a version id is skipped; fsck reports it)."""
        try:
            text = self.path(record).read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return frozenset()
        return frozenset(line.strip() for line in text.splitlines() if OID_RE.match(line.strip()))

    def write(self, record: str, oids: set[str] | frozenset[str]) -> None:
        """Replace the cut points of ``record``; an empty set removes its file."""
        path = self.path(record)
        if not oids:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            return
        write_atomic(path, "".join(f"{oid}\n" for oid in sorted(oids)).encode("ascii"))

    def records(self) -> list[str]:
        """Every record that has cut points."""
        out: list[str] = []
        if not self.root.is_dir():
            return out
        for model in sorted(os.listdir(self.root)):
            mdir = self.root / model
            if mdir.is_dir() and not model.startswith("."):
                out.extend(f"{model}/{rid}" for rid in sorted(os.listdir(mdir)) if not rid.startswith("."))
        return out
