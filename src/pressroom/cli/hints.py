"""The CLI's wording of the core's errors: flags and ``press ...`` commands.

The core says what a Python caller understands (a parameter, a ``Site``
method); an error or problem carries a ``cause`` and ``data`` for the CLI to
say the same in its own terms (see ``pressroom.errors``). Each cause maps here
to templates over that data; a cause not listed keeps the core's text. Every
place the CLI prints or reports a problem goes through ``word`` (via
``pressroom.cli.output``), so the terms of the command line live in this one
module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import PressError, Problem


@dataclass(frozen=True)
class Wording:
    """The CLI's message and hint for one cause: ``str.format`` templates over
    the problem's data; ``None`` keeps the core's own text."""

    message: str | None = None
    hint: str | None = None


# Sorted by cause; a shared cause (no module prefix) is used by several modules.
WORDING: dict[str, Wording] = {
    "save_first": Wording(hint="save it first: press save {record}"),
    "history.broken": Wording(hint="the versions above are intact; run `press fsck` for the whole list of damage, "
                                   "and restore .press/ from git (`git checkout -- .press`)"),
    "history.diff_three": Wording(hint="e.g. press diff {record} @~1 @current"),
    "history.limit": Wording(message="--limit must be 1 or more"),
    "history.patch_without_record": Wording(message="--patch needs a record", hint="e.g. press log post/x --patch"),
    "history.published_with_versions": Wording(
        message="--published compares published with current; name no versions with it"),
}


def word(problem: Problem) -> Problem:
    """``problem`` in the CLI's terms: its cause's templates formatted with its data."""
    if problem.cause is None:
        return problem
    wording = WORDING.get(problem.cause)
    if wording is None:
        return problem
    message = problem.message if wording.message is None else wording.message.format_map(problem.data)
    hint = problem.hint if wording.hint is None else wording.hint.format_map(problem.data)
    return dataclasses.replace(problem, message=message, hint=hint)


def word_all(problems: Iterable[Problem]) -> list[Problem]:
    """Each of ``problems`` in the CLI's terms."""
    return [word(p) for p in problems]


def word_error(error: PressError) -> tuple[Problem, list[Problem]]:
    """An error in the CLI's terms: its own message and hint, and every problem it reports."""
    return word(error.problem()), word_all(error.problems)
