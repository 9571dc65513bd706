"""Ref files that git left in conflict: a merge state, not damage.

When two branches move the same record's ref and git cannot merge the two
ref files (no merge driver, or the driver found that neither version
descends from the other), the file holds both values between git's usual
markers::

    <<<<<<< ours
    <version id on this branch>
    ||||||| base                (only with diff3, or when the driver knows it)
    <version id at the merge base>
    =======
    <version id on the other branch>
    >>>>>>> theirs

That is exactly what git writes by itself, so a conflict made without the
pressroom driver is recognised too. The store refuses to act on such a ref
(RefConflictError, exit 3: like git, nothing is committed over an unmerged
path) until ``press resolve`` picks a side; ``press status`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import ConflictError, Problem, Where, short_id
from .objects import OID_RE

if TYPE_CHECKING:
    from .refs import RefKind

MARK_OURS, MARK_BASE, MARK_SPLIT, MARK_THEIRS = "<<<<<<<", "|||||||", "=======", ">>>>>>>"


@dataclass(frozen=True)
class RefConflict:
    """One conflicted ref: the version on each side of the merge (and at its base, when known)."""

    kind: RefKind
    record: str
    ours: str | None  # None: that side deleted the ref (git reports it, the file cannot show it)
    theirs: str | None
    base: str | None = None

    def hint(self) -> str:
        return f"Site.resolve('{self.record}', ours=True | theirs=True | version=V)"

    def problem(self) -> Problem:
        return Problem(
            f"{self.kind} ref has an unresolved merge conflict: ours {short_id(self.ours, 'deleted', 7)}, "
            f"theirs {short_id(self.theirs, 'deleted', 7)}",
            code="merge_conflict", where=Where(record=self.record), hint=self.hint(),
            cause="conflict.unresolved", data={"record": self.record},
        )


@dataclass(frozen=True)
class GitIndex:
    """What git's index holds unmerged in the store, as the caller found it: refs one side
    deleted (which the ref files alone cannot show) and other unmerged store files. The
    store and the workflow take it as given; asking git is the caller's business."""

    refs: list[RefConflict] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


class RefConflictError(ConflictError):
    """A command needs a ref that a git merge left in conflict."""

    code = "merge_conflict"

    def __init__(self, conflicts: list[RefConflict]):
        self.conflicts = conflicts
        records = sorted({c.record for c in conflicts})
        if len(records) == 1:
            kinds = ", ".join(c.kind for c in conflicts)
            message = f"{records[0]} has an unresolved merge conflict ({kinds})"
        else:
            message = f"{len(records)} records have unresolved merge conflicts: {', '.join(records[:5])}" + (
                ", ..." if len(records) > 5 else "")
        super().__init__(
            message,
            where=Where(record=records[0]) if len(records) == 1 else None,
            hint=f"pick a side for each: {conflicts[0].hint()} (Site.status lists them)",
            cause="conflict.unresolved_many", data={"record": conflicts[0].record},
            problems=[c.problem() for c in conflicts] if len(conflicts) > 1 else None,
        )


def parse_conflict(text: str, kind: RefKind, record: str) -> RefConflict | None:
    """The conflict a ref file's text holds, or None when it is not one."""
    lines = text.strip("\n").split("\n")
    if len(lines) < 5 or not lines[0].startswith(MARK_OURS) or not lines[-1].startswith(MARK_THEIRS):
        return None
    try:
        split = lines.index(MARK_SPLIT)
    except ValueError:
        return None
    ours_part, theirs_part = lines[1:split], lines[split + 1:-1]
    base = None
    base_at = next((i for i, line in enumerate(ours_part) if line.startswith(MARK_BASE)), None)
    if base_at is not None:
        base_part, ours_part = ours_part[base_at + 1:], ours_part[:base_at]
        if len(base_part) > 1 or (base_part and not OID_RE.match(base_part[0])):
            return None
        base = base_part[0] if base_part else None
    if len(ours_part) != 1 or len(theirs_part) != 1:
        return None
    ours, theirs = ours_part[0].strip(), theirs_part[0].strip()
    if not (OID_RE.match(ours) and OID_RE.match(theirs)):
        return None
    return RefConflict(kind=kind, record=record, ours=ours, theirs=theirs, base=base)


def render_conflict(ours: str, theirs: str, base: str | None) -> bytes:
    """The bytes of a conflicted ref file, as git would write them with diff3."""
    lines = [f"{MARK_OURS} ours", ours]
    lines += [f"{MARK_BASE} base", *([base] if base else [])]
    lines += [MARK_SPLIT, theirs, f"{MARK_THEIRS} theirs"]
    return ("\n".join(lines) + "\n").encode("ascii")
