"""The one exception hierarchy of pressroom.

Each class says what kind of failure it is; the CLI maps the kind to an exit
code in one place (``pressroom.cli.output``). Subclasses build their message in
``__init__`` and keep their fields, so the JSON envelope can report them.

Messages speak to a Python caller
---------------------------------
The core is a library first: its messages and hints name what a Python caller
passed (a parameter of a ``Site`` method, by its Python name) or the ``Site``
method that fixes the state, never a command-line flag (``--depth``) or a
``press ...`` command. The CLI words the same problem in its own terms: every
error and problem may carry a ``cause`` (a stable identifier of what went wrong,
``"<module>.<cause>"``, e.g. ``"history.limit"``) and ``data`` (the values the
wording needs: the record as ``model/id``, the parameter by its Python name,
the value given). ``pressroom.cli.hints`` maps each cause to the CLI's message
and hint templates, which are formatted with ``data``; the JSON ``code`` (the
error's kind) is not changed by any of this.

To convert a raise site (or a ``Problem``) that names a flag or a command:

1. Write a neutral ``message`` and ``hint``: the parameter by its Python name
   (``"limit must be 1 or more"``, ``"pass cascade=True"``), the ``Site``
   method (``"save it first (Site.save)"``), or no command at all.
2. Pass ``cause="<module>.<cause>"`` and ``data={...}`` holding every value
   the CLI wording needs, as ``str`` or ``int`` (join lists in the core).
   Reuse a shared cause where one exists (see ``pressroom.cli.hints``, e.g.
   ``"save_first"`` with ``data={"record": ...}``).
3. Add the cause to ``WORDING`` in ``pressroom.cli.hints`` with the exact
   former text as templates (``Wording(message=..., hint=...)``; ``None``
   keeps the core's own text, ``{name}`` is a value of ``data``), so that the
   CLI prints and ``--json`` reports byte for byte what it did before.
4. ``tests/test_core_wording.py`` fails while the old text is left in the core,
   and ``tests/cli/test_hints.py`` fails on a cause with no wording or a
   template naming data the raise site does not pass.

When a problem is copied or re-raised (``raise NotFoundError(p.message, ...)``),
carry ``cause=p.cause, data=p.data`` along, or use ``dataclasses.replace``. A
problem that another module re-words (``f"if it ran now: {p.message}"``) keeps
its prefix only when its cause's wording leaves the message alone: word such
causes by their hint. An error that took its hint from its first problem
(``hint=problems[0].hint``) needs no cause of its own: the CLI words that hint
as the problem's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# The values a CLI wording is formatted with (see the module docstring).
Data = Mapping[str, "str | int"]


@dataclass(frozen=True)
class Where:
    """Where a problem is: a file, a position in it, a record and a field path."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    record: str | None = None
    path: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            pos = self.file
            if self.line is not None:
                pos += f":{self.line}"
                if self.column is not None:
                    pos += f":{self.column}"
            parts.append(pos)
        elif self.record:
            parts.append(self.record)
        if self.path:
            parts.append(f"field {self.path}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """The location's fields that are set, as the JSON envelope shows them."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Problem:
    """One error or warning, as it is reported (several may come from one command)."""

    message: str
    code: str = "error"
    where: Where = field(default_factory=Where)
    hint: str | None = None
    # Not in as_dict(): the CLI words the problem from these (pressroom.cli.hints).
    cause: str | None = None
    data: Data = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The problem as the JSON envelope shows it: code, message, where, hint."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        out.update(self.where.as_dict())
        if self.hint:
            out["hint"] = self.hint
        return out

    def __str__(self) -> str:
        where = str(self.where)
        return f"{where}: {self.message}" if where else self.message


class PressError(Exception):
    """Base of every error pressroom raises on purpose."""

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        where: Where | None = None,
        hint: str | None = None,
        problems: list[Problem] | None = None,
        cause: str | None = None,
        data: Data | None = None,
    ) -> None:
        self.message = message
        self.where = where or Where()
        self.hint = hint
        self.cause = cause
        self.data: Data = data or {}
        self._problems = problems
        super().__init__(str(Problem(message, self.code, self.where)))

    @property
    def problems(self) -> list[Problem]:
        """Every problem to report: the list given, or this error alone."""
        if self._problems:
            return list(self._problems)
        return [self.problem()]

    def problem(self) -> Problem:
        """This error alone as a problem (its own message and hint, not the list)."""
        return Problem(self.message, self.code, self.where, self.hint, self.cause, self.data)


class UsageError(PressError):
    """The command was asked wrongly: a bad ref, option, or a missing site."""

    code = "usage"


class NotFoundError(UsageError):
    """A record, version or model named by the user does not exist."""

    code = "not_found"


class RefusedError(PressError):
    """The command understood, but the content or the state does not allow it."""

    code = "refused"


class BadContentError(RefusedError):
    """A working file cannot be read as a record (YAML, encoding, size, shape)."""

    code = "bad_content"


class DiskFullError(RefusedError):
    """The disk (or the quota, or the file size limit) ran out before the change was
    committed: nothing was changed."""

    code = "disk_full"


class ConflictError(PressError):
    """Another writer got there first: a ref no longer holds what was expected."""

    code = "conflict"


class LockTimeoutError(ConflictError):
    """The store lock could not be taken in time."""

    code = "lock_timeout"


class JournalConflictError(ConflictError):
    """A transaction a crash left behind no longer fits the store: git (a pull, a
    checkout) moved refs it would overwrite. It is neither finished nor dropped on
    its own; ``moved`` lists each ref or file as ``(kind, name, expected, found)``."""

    code = "journal_conflict"

    def __init__(self, message: str, *, txn: str, journal: str, moved: list[tuple[str, str, str, str]],
                 where: Where | None = None, hint: str | None = None, problems: list[Problem] | None = None,
                 cause: str | None = None, data: Data | None = None) -> None:
        super().__init__(message, where=where, hint=hint, problems=problems, cause=cause, data=data)
        self.txn = txn
        self.journal = journal
        self.moved = moved


class ViewBrokenError(PressError):
    """The published view breaks its rules (a dangling link, refs no command makes): a state a git
    merge, rebase or revert made. Nothing is shipped until a command fixes each violation."""

    code = "view_broken"


class StoreDamagedError(PressError):
    """The store on disk is not what it must be: a bad object, ref or journal."""

    code = "store_damaged"


class UnfinishedError(StoreDamagedError):
    """A change was committed (its journal is in place) but writing it out failed, e.g. on
    a full disk: it is made, and the next press command that can write finishes it."""

    code = "unfinished"


class HistoryBrokenError(StoreDamagedError):
    """A record's history breaks at a missing or damaged version; ``partial`` holds the
    log up to the break (what ``git log`` prints before its error)."""

    code = "history_broken"

    def __init__(self, broken: StoreDamagedError, partial: Any) -> None:
        super().__init__(broken.message, where=broken.where,
                         hint="the versions above are intact; Site.fsck() lists the whole damage; "
                              "restore .press/ from git (`git checkout -- .press`)",
                         cause="history.broken")
        self.partial = partial


class StoreFormatError(StoreDamagedError):
    """The store was written by a newer pressroom, or has no readable format."""

    code = "store_format"


def close_names(name: str, known: Iterable[str]) -> list[str]:
    """The known names most like a mistyped one (up to three), best first."""
    import difflib  # only when a name was not found: every command imports this module

    return difflib.get_close_matches(name, sorted(set(known)), n=3, cutoff=0.6)


def did_you_mean(names: list[str]) -> str | None:
    """A hint offering ``names`` ("did you mean post/kernel?"), or None when there are none."""
    return f"did you mean {' or '.join(names)}?" if names else None


def short_id(oid: str | None, absent: str = "nothing", length: int = 12) -> str:
    """``oid`` as a message shows it: its first ``length`` hex digits, or ``absent`` when there is none.

    Problem messages show 12 digits, enough to be unique in any store a person
    keeps; the CLI's listings show 7, as ``git log --oneline`` does.
    """
    return oid[:length] if oid else absent
