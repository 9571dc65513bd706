"""The front door: ``from pressroom import Site``.

Everything a ``press`` command does is a method here; the CLI, the tests and
the sample site's generator are all clients of this class.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import delivery
from .delivery import Record
from .export import ExportResult
from .export import export as export_view
from .gitio import default_author
from .history import LogResult, ShowResult, log, show
from .records import parse_scalar
from .site import SiteCore
from .workflow.init import InitResult, init_site
from .workflow.saving import SaveResult, save, select_records
from .workflow.status import StatusResult, status


class Site(SiteCore):
    """A pressroom site: open one with ``Site.open(path)``."""

    @classmethod
    def init(cls, path: str | os.PathLike[str] = ".") -> InitResult:
        """Make ``path`` a site (creates only what is missing)."""
        return init_site(Path(path))

    def author(self, author: str | None = None) -> str:
        """The given author, or the default identity for this site."""
        return author or default_author(self.root)

    def save(self, *refs: str, all: bool = False, model: str | None = None, message: str = "",
             author: str | None = None, content: bytes | None = None,
             set: dict[str, Any] | list[tuple[str, Any]] | None = None, force: bool = False) -> SaveResult:
        """Save working files (or ``content``) as new versions; ``set`` edits fields first.

        ``set`` values that are strings are read as YAML scalars, like ``--set``.
        """
        keys = select_records(self, list(refs), all_records=all, model=model)
        pairs = list(set.items()) if isinstance(set, dict) else list(set or [])
        assignments = [(k, parse_scalar(v) if isinstance(v, str) else v) for k, v in pairs]
        return save(self, keys, author=self.author(author), message=message, content=content,
                    assignments=assignments, force=force)

    def status(self, *refs: str, model: str | None = None) -> StatusResult:
        """Each record's status and unsaved changes."""
        return status(self, list(refs), model=model)

    def show(self, ref: str) -> ShowResult:
        """A version's exact content: ``model/id[@version]``."""
        return show(self, ref)

    def log(self, ref: str, *, limit: int | None = None) -> LogResult:
        """A record's versions, newest first."""
        return log(self, ref, limit=limit)

    def published(self, model: str | None = None, *, resolve_links: int = 0) -> Iterator[Record]:
        """The published records of ``model`` (or of all models), sorted, one at a time.

        One snapshot of the refs is read first, so a publish running meanwhile
        is seen whole or not at all. ``resolve_links=N`` puts linked records
        inline, N levels deep (like Flotiq's ``hydrate``).
        """
        return delivery.published(self, model, resolve_links=resolve_links)

    def records(self, model: str | None = None, *, preview: bool = True,
                resolve_links: int = 0) -> Iterator[Record]:
        """With ``preview``, the current version of every record not archived or deleted
        (drafts included, like ``X-Include-Drafts``); without it, the published view.
        """
        return delivery.records(self, model, preview=preview, resolve_links=resolve_links)

    def get(self, ref: str, *, version: str = "published", resolve_links: int = 0) -> Record:
        """One record, ``model/id``: ``version`` is ``published``, ``current``, or a version id / ``~N``."""
        return delivery.get(self, ref, version=version, resolve_links=resolve_links)

    def export(self, out: str | os.PathLike[str], *, format: str = "json", preview: bool = False) -> ExportResult:
        """Write the published view (``preview``: current versions) to ``out``, incrementally."""
        return export_view(self, out, format=format, preview=preview)
