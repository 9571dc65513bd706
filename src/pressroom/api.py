"""The front door: ``from pressroom import Site``.

Everything a ``press`` command does is a method here; the CLI, the tests and
the sample site's generator are all clients of this class.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import delivery
from .delivery import Record
from .export import ExportResult
from .export import export as export_view
from .gitio import default_author
from .history import DiffResult, LogResult, ShowResult, diff, log, show
from .records import parse_scalar
from .site import SiteCore
from .models import Model, load_models
from .store import DEFAULT_GRACE, FsckReport, GcReport
from .workflow.init import InitResult, init_site
from .workflow.revert import RevertResult, revert
from .workflow.newrecord import NewResult, new_record
from .workflow.publishing import ActionResult, publish, withdraw
from .workflow.validation import Progress, ValidateResult, validate
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

    def models(self) -> dict[str, Model]:
        """Every model: ``models/*.yaml``, and content folders without a model file (schema-less)."""
        return load_models(self)

    def new(self, model: str, id: str) -> NewResult:
        """Write a working file for a new record from the model's defaults and required fields."""
        return new_record(self, model, id)

    def validate(self, *refs: str, model: str | None = None, all: bool = False,
                 progress: Progress | None = None) -> ValidateResult:
        """Schema and link errors of working files (or ``REF@V`` versions); ``ok`` when there are none."""
        return validate(self, list(refs), model=model, all_records=all, progress=progress)

    def publish(self, *refs: str, model: str | None = None, all: bool = False, cascade: bool = False,
                depth: int | None = None, dry_run: bool = False, message: str = "", author: str | None = None,
                progress: Progress | None = None) -> ActionResult:
        """Validate and publish records (``REF@V``: that version); refused if a link would dangle.

        ``all``/``model`` take every draft or updated record; ``cascade`` also
        publishes the unpublished records they link to (``depth`` levels).
        """
        return publish(self, list(refs), model=model, all_records=all, cascade=cascade, depth=depth,
                       dry_run=dry_run, message=message, author=self.author(author), progress=progress)

    def unpublish(self, *refs: str, model: str | None = None, all: bool = False, cascade: bool = False,
                  depth: int | None = None, dry_run: bool = False, message: str = "", author: str | None = None,
                  progress: Progress | None = None) -> ActionResult:
        """Take records out of the published view (back to draft); refused while published records link to them."""
        return withdraw(self, "unpublish", list(refs), model=model, all_records=all, cascade=cascade, depth=depth,
                        dry_run=dry_run, message=message, author=self.author(author), progress=progress)

    def archive(self, *refs: str, model: str | None = None, all: bool = False, cascade: bool = False,
                depth: int | None = None, dry_run: bool = False, message: str = "", author: str | None = None,
                progress: Progress | None = None) -> ActionResult:
        """Withdraw records from the published view, keeping the public version in ``archived``."""
        return withdraw(self, "archive", list(refs), model=model, all_records=all, cascade=cascade, depth=depth,
                        dry_run=dry_run, message=message, author=self.author(author), progress=progress)

    def delete(self, *refs: str, dry_run: bool = False, message: str = "", author: str | None = None,
               force: bool = False, progress: Progress | None = None) -> ActionResult:
        """Delete records: refs and working file go, history stays until gc; ``force`` drops unsaved changes."""
        return withdraw(self, "delete", list(refs), dry_run=dry_run, message=message, author=self.author(author),
                        force=force, progress=progress)

    def status(self, *refs: str, model: str | None = None) -> StatusResult:
        """Each record's status and unsaved changes."""
        return status(self, list(refs), model=model)

    def show(self, ref: str) -> ShowResult:
        """A version's exact content: ``model/id[@version]``."""
        return show(self, ref)

    def log(self, ref: str | None = None, *, limit: int | None = None, patch: bool = False) -> LogResult:
        """A record's versions newest first, with its events interleaved; no ``ref``: the site's activity feed.

        ``patch`` adds each version's changes to its parent.
        """
        return log(self, ref, limit=limit, patch=patch)

    def diff(self, ref: str, a: str | None = None, b: str | None = None, *, published: bool = False,
             text: bool = False) -> DiffResult:
        """Field-level changes: working file vs current; ``a`` vs working file; ``a`` vs ``b``;
        or, with ``published``, published vs current. ``text`` adds a unified diff of the YAML.
        """
        return diff(self, ref, a, b, published=published, text=text)

    def revert(self, ref: str, *, to: str, message: str = "", author: str | None = None,
               force: bool = False) -> RevertResult:
        """A new version of ``ref`` with the exact content of version ``to`` (e.g. ``published``, ``~2``)."""
        return revert(self, ref, to, author=self.author(author), message=message, force=force)

    def fsck(self) -> FsckReport:
        """Check the whole store; ``report.ok`` when nothing is damaged. Changes nothing."""
        return self.store.fsck()

    def gc(self, *, dry_run: bool = False, grace: float | None = None, extra_roots: Iterable[str] = ()) -> GcReport:
        """Remove unreachable objects older than ``grace`` seconds (default 1 hour) and apply each
        model's ``max_versions``. ``extra_roots``: more version ids to keep (schedules).
        """
        retention = {name: m.max_versions for name, m in load_models(self).items() if m.max_versions}
        return self.store.gc(max_versions=retention, extra_roots=extra_roots, dry_run=dry_run,
                             grace=DEFAULT_GRACE if grace is None else grace)

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
