"""What a store-changing command reports beyond its own result: the steps that ran after it.

Plain data only, so that the workflow's results can carry it without knowing
git or hooks: ``automation`` fills ``Outcome.after`` once the change is made,
``gitio`` builds the ``GitCommit``, ``hooks`` the ``HookRun``s. Every result
of a ``Site`` method that changes the store is an ``Outcome``; ``after`` is
None when no step ran (nothing changed, a dry run).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Problem
from .settings import DEFAULT_HOOKS_TIMEOUT


@dataclass(frozen=True)
class GitCommit:
    """A commit ``--commit`` made: its id, message and the files in it (relative to the site root).

    ``staged_only``: a merge was in progress, where git refuses to commit some
    paths alone; the files are staged for the merge commit instead (``sha`` is
    the HEAD before it).
    """

    sha: str
    message: str
    files: list[str] = field(default_factory=list)
    staged_only: bool = False


@dataclass(frozen=True)
class HookRun:
    """One hook that ran: its event, command, exit code and output (stdout and stderr, interleaved)."""

    event: str
    command: str
    exit_code: int
    output: str
    timed_out: bool = False
    timeout: float = DEFAULT_HOOKS_TIMEOUT  # the seconds it was allowed

    @property
    def ok(self) -> bool:
        """The hook exited 0 within its time."""
        return self.exit_code == 0 and not self.timed_out


@dataclass(frozen=True)
class AfterResult:
    """What ran after the change: the git commit (None: not asked, or nothing to commit) and the hooks.

    ``problems``: a commit or hook that failed (the change stays; the command exits 1).
    ``warnings``: working files the commit left out because they hold unsaved edits.
    """

    commit: GitCommit | None = None
    hooks: list[HookRun] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No commit or hook failed."""
        return not self.problems


@dataclass(frozen=True)
class Outcome:
    """The base of every store-changing command's result: ``after``, the steps that ran after it.

    Keyword-only, so that a result's own fields keep their positions.
    """

    after: AfterResult | None = field(default=None, kw_only=True)
