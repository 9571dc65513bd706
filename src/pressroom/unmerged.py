"""Merge conflicts only git can see: a ref one branch deleted and the other moved.

A conflict between two versions is written into the ref file, where the
store finds it (``store/conflicts.py``). A modify/delete conflict is not:
git leaves the surviving side's file in the work tree, which reads as an
ordinary ref, and records the conflict in its index alone. So the ``Site``
asks git (``gitio.unmerged``) for the unmerged paths of the store before
``status``, ``fsck``, ``resolve`` and every store-changing command, and hands
the answer down (``GitIndex``): a ref among them is a conflict whose deleted
side is None. The store and the workflow know nothing of git.
"""

from __future__ import annotations

from .errors import Problem, Where
from .gitio import unmerged
from .site import STORE_NAME, SiteCore
from .store import OID_RE, GitIndex, RefConflict, RefKind


def git_conflicts(site: SiteCore) -> GitIndex:
    """Refs git left unmerged with one side deleted, and warnings for other unmerged store files.

    A ref both sides changed is left out: the conflict is in its file (the
    store reports it), or, without markers there, it was resolved and only
    waits for ``git add``.
    """
    conflicts: list[RefConflict] = []
    warnings: list[Problem] = []
    for u in unmerged(site.root, STORE_NAME):
        parts = u.path.split("/")
        ref = len(parts) == 5 and parts[1] == "refs" and parts[2] in set(RefKind)
        if ref and u.ours is not None and u.theirs is not None:
            continue
        try:
            ours, theirs, base = (_oid(side) for side in (u.ours, u.theirs, u.base))
        except ValueError:
            ref = False
        if ref:
            conflicts.append(RefConflict(kind=RefKind(parts[2]), record=f"{parts[3]}/{parts[4]}", ours=ours, theirs=theirs,
                                         base=base))
        else:
            warnings.append(Problem("git lists it as unmerged", code="merge_conflict", where=Where(file=u.path),
                                    hint=f"look at it (git diff -- {u.path}), then git add or git rm it"))
    return GitIndex(refs=conflicts, warnings=warnings)


def _oid(data: bytes | None) -> str | None:
    """The version id one side's ref file holds (None: that side deleted it); ValueError when it holds none."""
    if data is None:
        return None
    text = data.decode("ascii", "replace").strip()
    if not OID_RE.match(text):
        raise ValueError(text)
    return text
