"""The front door: ``from pressroom import Site``.

Everything a ``press`` command does is a method here; the CLI, the tests and
the sample site's generator are all clients of this class.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
