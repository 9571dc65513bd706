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

import os

from .errors import Problem, Where
from .gitio import asked_unmerged
from .site import STORE_NAME, SiteCore
from .store import OID_RE, GitIndex, RefConflict, RefKind

# .press/cache/unmerged: the stat of git's index when git last listed nothing unmerged in the store.
MEMO = "unmerged"
_MEMO_HEAD = "pressroom unmerged 1"
# Set, they may point git at another index than <site>/.git/index: git is asked every time.
_GIT_LOCATION = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR")


def git_conflicts(site: SiteCore, *, remembered: bool = False) -> GitIndex:
    """Refs git left unmerged with one side deleted, and warnings for other unmerged store files.

    A ref both sides changed is left out: the conflict is in its file (the
    store reports it), or, without markers there, it was resolved and only
    waits for ``git add``.

    ``remembered`` (``status``, which runs often and changes nothing): git is not
    asked while its index keeps the stat it had when git last listed nothing
    unmerged. Unmerged entries live in the index alone, and git writes a changed
    index as a new file (a new inode and mtime); the stat is kept only when the
    index's mtime was before a clock read taken before git was asked (git's own
    racy rule), and only for a ``<site>/.git`` folder, with no ``GIT_*`` variable
    pointing elsewhere.
    """
    state = _index_state(site) if remembered else None
    memo = site.store.root / "cache" / MEMO
    if state is not None and _read_memo(memo) == state:
        return GitIndex()
    clock = site.store.cache.clock() if state is not None else None
    asked = asked_unmerged(site.root, STORE_NAME)
    listed = asked or []
    # Only git's own "nothing": a git that could not answer (not installed, refusing the folder) may later.
    if state is not None and clock is not None and asked == [] and state[2] < clock:
        try:
            memo.write_text(f"{_MEMO_HEAD}\n{' '.join(map(str, state))}\n")
        except OSError:
            pass  # a read-only checkout: git is asked every time
    conflicts: list[RefConflict] = []
    warnings: list[Problem] = []
    for u in listed:
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


def _index_state(site: SiteCore) -> list[int] | None:
    """(inode, size, mtime_ns, ctime_ns) of ``<site>/.git/index``; None when git may read another index."""
    if any(name in os.environ for name in _GIT_LOCATION):
        return None
    try:
        # A .git file (a linked work tree, a submodule) names its folder elsewhere: no index found here then.
        st = os.stat(site.root / ".git" / "index")
    except OSError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _read_memo(path: os.PathLike[str]) -> list[int] | None:
    """The index stat the memo holds; None when there is none or it holds anything else."""
    try:
        with open(path, encoding="ascii") as f:
            head, line, *rest = f.read().split("\n")
        state = [int(n) for n in line.split()]
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return state if head == _MEMO_HEAD and rest == [""] else None
