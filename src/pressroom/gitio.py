"""What git knows and does for a site: the author's identity, commits of a
command's files (``--commit``), and the merge driver for ref files.

Every question goes to the ``git`` executable, through one helper (``run_git``):
what git reads (its config, ``GIT_*`` variables, worktrees, ``core.hooksPath``)
and what press does then agree, and nothing is imported to ask it. No git
process starts for a site with no ``.git`` above it (``_maybe_in_git``).

**Commits.** ``commit_paths`` commits exactly the files given (``git add``
then ``git commit --only``, the paths on stdin): whatever else the user
staged stays staged and uncommitted, unstaged changes stay unstaged. With the
objects the given versions need that HEAD lacks, so a checkout of the commit
never holds a ref to an object it lacks. Which paths git knows is asked of
one ``git cat-file --batch-check`` process, a line per path: listing a
folder of the store would read every file of a site of 100,000 records.

**Merging refs.** A ref file holds one version id, so two branches that moved
the same ref conflict in git. The driver (``press merge-driver install``)
takes the descendant when one side's version descends from the other's (the
other branch was simply behind); otherwise it leaves the conflict in the
file (see ``store/conflicts.py``) for ``press resolve``. During a merge, the
other branch's objects are not in the work tree yet, so versions missing on
disk are read from the commits being merged (git names them in
``GITHEAD_<sha>``, ``MERGE_HEAD``, ...). Event logs and pruned marks are
append-mostly lists of lines: git's built-in ``union`` driver keeps both
sides' lines.

**Bytes as written.** An object is named by the hash of its bytes, and a
record's status compares its working file with the saved bytes, so git must
check out both exactly as they were committed: ``core.autocrlf`` (Git for
Windows' default) or a ``text`` attribute would turn LF into CRLF on checkout,
or CRLF into LF on commit. A ``.gitattributes`` in ``.press/``, ``content/``
and ``models/`` turns conversion off there: as the deepest attributes file
it wins over any line of the site's or the repository's ``.gitattributes``
(``* text=auto`` included), whatever its order.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal, overload

from .errors import BadContentError, PressError, RefusedError, UsageError
from .store import OID_RE, RefKind, Version, hash_bytes
from .store.conflicts import parse_conflict, render_conflict
from .attributes import DRIVER, write_attributes
from .outcome import GitCommit

_NAME_EMAIL = re.compile(r"^(?P<name>[^<>]+?)\s*<(?P<email>[^<>]*)>$")


# identity


def git_identity(root: Path) -> str | None:
    """``user.name <user.email>`` as git would sign a commit in the work tree holding ``root``.

    git itself is asked (``git config``), not GitPython's config parser, so
    that what git reads and press records agree: ``GIT_CONFIG_GLOBAL``,
    ``GIT_CONFIG_NOSYSTEM``, includes; and ``GIT_AUTHOR_NAME``/``EMAIL`` first,
    as for a commit.
    """
    top = work_tree(root)
    if top is None:
        return None
    # Exit 1 when neither is set; a broken config must not stop a save either: both read as nothing.
    said = run_git(top, "config", "--get-regexp", r"^user\.(name|email)$", check=False) or b""
    found = dict(line.split(" ", 1) for line in said.decode("utf-8", "replace").splitlines() if " " in line)
    name = os.environ.get("GIT_AUTHOR_NAME") or found.get("user.name", "")
    email = os.environ.get("GIT_AUTHOR_EMAIL") or found.get("user.email", "")
    if not name:
        return None
    return f"{name} <{email}>" if email else name


def default_author(root: Path) -> str:
    """Who is acting: git's user, then ``PRESSROOM_AUTHOR``, then the OS user."""
    return git_identity(root) or os.environ.get("PRESSROOM_AUTHOR") or _os_user()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def work_tree(root: Path) -> Path | None:
    """The top of the git work tree holding ``root`` (resolved), or None: not in one, or a bare repository."""
    if not _maybe_in_git(root):
        return None
    said = run_git(root, "rev-parse", "--show-toplevel", check=False)
    if not said or not said.strip():
        return None
    return Path(os.fsdecode(said.rstrip(b"\n"))).resolve()


# commits


def require_work_tree(root: Path) -> None:
    """Refuse ``--commit`` before anything changes when there is no git work tree to commit to."""
    if work_tree(root) is None:
        raise UsageError(f"commit needs a git work tree, and {root} is not in one",
                         hint="run `git init` there, or pass commit=False (and git.commit in pressroom.yaml)",
                         cause="commit.no_work_tree", data={"root": str(root)})


def commit_paths(root: Path, paths: Iterable[Path], message: str, author: str,
                 versions: Iterable[str] = ()) -> GitCommit | None:
    """Commit exactly ``paths`` (files written or removed), and nothing else the user changed.

    ``versions`` are version ids the committed refs name: those of them
    (and their history) that HEAD lacks are committed too, so the commit
    never holds a ref to an object it lacks. A path given that is gone from
    disk is committed as a removal when git tracks it, else left out.
    Returns None when none of the paths differ from HEAD.
    """
    top = work_tree(root)
    if top is None:
        raise UsageError(f"commit needs a git work tree, and {root} is not in one",
                         cause="commit.no_work_tree_now", data={"root": str(root)})
    wanted = {p.resolve() if p.exists() else p.parent.resolve() / p.name for p in paths}
    with _Known(top) as known:
        wanted |= _untracked_history(top, root, versions, known)
        wanted |= _untracked_store_files(top, root, known)
        rel = sorted(p.relative_to(top).as_posix() for p in wanted if _inside(p, top))
        if not rel:
            return None
        existing = [r for r in rel if (top / r).exists()]
        chosen = existing + [r for r in rel if not (top / r).exists() and known.in_index(r)]
    if not chosen:
        return None
    # Paths go to git on stdin and the message in a file: a batch of
    # thousands of records outgrows the kernel's cap on argv (ARG_MAX), and
    # its message the cap on one argument (128 KiB).
    pathspec = b"".join(p.encode() + b"\0" for p in chosen)
    run_git(top, "add", "--pathspec-from-file=-", "--pathspec-file-nul", input=pathspec)
    staged = set(run_git(top, "diff", "--cached", "--name-only", "-z", "--", *_scope(chosen)).decode().split("\0"))
    has_head = run_git(top, "rev-parse", "--verify", "-q", "HEAD", check=False) is not None
    if has_head and staged.isdisjoint(chosen):
        return None
    files = sorted(os.path.relpath(top / c, root) for c in chosen)
    if run_git(top, "rev-parse", "-q", "--verify", "MERGE_HEAD", check=False) is not None:
        # `git commit --only` is refused during a merge ("cannot do a partial
        # commit"): the files join the merge commit the user is making.
        sha = run_git(top, "rev-parse", "HEAD").decode().strip()
        return GitCommit(sha=sha, message=message, files=files, staged_only=True)
    m = _NAME_EMAIL.match(author)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", prefix="pressroom-commit-", suffix=".txt") as f:
        f.write(message)
        f.flush()
        run_git(top, "commit", "--only", "-F", f.name, *([f"--author={author}"] if m else []),
             "--pathspec-from-file=-", "--pathspec-file-nul", input=pathspec, env=_identity_env(top, m))
    sha = run_git(top, "rev-parse", "HEAD").decode().strip()
    return GitCommit(sha=sha, message=message, files=files)


_BY_HAND = "the content change was made; commit its files by hand (git status shows them)"


@overload
def run_git(cwd: Path, *args: str, input: bytes | None = ..., env: Mapping[str, str] | None = ...,
            check: Literal[True] = ..., hint: str = ...) -> bytes: ...


@overload
def run_git(cwd: Path, *args: str, input: bytes | None = ..., env: Mapping[str, str] | None = ...,
            check: Literal[False], hint: str = ...) -> bytes | None: ...


def run_git(cwd: Path, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None,
            check: bool = True, hint: str = _BY_HAND) -> bytes | None:
    """Run git in ``cwd`` with literal pathspecs (a path is never a glob) and return what it printed.

    ``check``: a failure (or a git that cannot start) is a RefusedError with git's last
    words and ``hint``; else it is None, for questions whose "no" is a failure
    (``rev-parse --verify``, ``config`` of an unset key).
    """
    try:
        proc = subprocess.run(["git", "--literal-pathspecs", *args], cwd=cwd, input=input,
                              env=dict(env) if env is not None else None, capture_output=True, check=False)
    except OSError as e:
        if not check:
            return None
        raise RefusedError(f"git {args[0]} could not run: {e.strerror or e}", hint=hint) from None
    if proc.returncode == 0:
        return proc.stdout
    if not check:
        return None
    said = proc.stderr.decode("utf-8", "replace") or proc.stdout.decode("utf-8", "replace")
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    raise RefusedError(f"git {args[0]} failed: {' / '.join(lines[-2:])[-400:]}", hint=hint)


def _scope(rel: list[str]) -> list[str]:
    """One pathspec covering every path of ``rel`` (their common folder), to filter git's answer by."""
    common = os.path.commonpath(rel) if len(rel) > 1 else os.path.dirname(rel[0])
    return [common] if common else []


def _inside(path: Path, top: Path) -> bool:
    try:
        path.relative_to(top)
        return True
    except ValueError:
        return False


class _Known:
    """Which paths git's index and HEAD hold, asked of one ``git cat-file --batch-check``, a path a line."""

    def __init__(self, top: Path):
        self.top = top
        self.has_head = run_git(top, "rev-parse", "--verify", "-q", "HEAD", check=False) is not None
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> _Known:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.stdin.close()  # type: ignore[union-attr]
            self._proc.wait()

    def in_index(self, rel: str) -> bool:
        return self._ask(f":{rel}")

    def in_head(self, rel: str) -> bool:
        return self.has_head and self._ask(f"HEAD:{rel}")

    def _ask(self, name: str) -> bool:
        if "\n" in name:
            return False
        if self._proc is None:
            try:
                # Without --buffer, git answers each line at once: a walk can stop at the first known object.
                self._proc = subprocess.Popen(["git", "cat-file", "--batch-check"], cwd=self.top,
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                              stderr=subprocess.DEVNULL)
            except OSError as e:
                raise RefusedError(f"git cat-file could not run: {e.strerror or e}",
                                   hint="the content change was made; commit its files by hand "
                                        "(git status shows them)") from None
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(name.encode() + b"\n")
        self._proc.stdin.flush()
        answer = self._proc.stdout.readline().split()
        return len(answer) == 3 and answer[1] != b"missing"


def _identity_env(top: Path, author: re.Match[str] | None) -> dict[str, str] | None:
    """A committer identity from the press author when git has none (a bare CI runner)."""
    if (run_git(top, "config", "user.name", check=False) or b"").strip() or os.environ.get("GIT_COMMITTER_NAME"):
        return None
    if author is None:
        return None
    ident = {"NAME": author.group("name"), "EMAIL": author.group("email")}
    return {**os.environ, **{f"GIT_COMMITTER_{k}": v for k, v in ident.items()}}


def _untracked_store_files(top: Path, root: Path, known: _Known) -> set[Path]:
    """The store's format and .gitignore, and the .gitattributes `press init` wrote, while git does
    not track them: the first commit after `press init` must check out as a store, not one with no
    format, or one whose store or record bytes git converts (a Windows clone)."""
    paths = [root / ".press" / "format", root / ".press" / ".gitignore",
             *(root / folder / ".gitattributes" for folder in (".", ".press", "content", "models"))]
    files = {p.resolve() for p in paths if p.is_file()}
    return {p for p in files if _inside(p, top) and not known.in_index(p.relative_to(top).as_posix())}


def _untracked_history(top: Path, root: Path, versions: Iterable[str], known: _Known) -> set[Path]:
    """Object files of ``versions`` and their ancestors that HEAD lacks.

    The walk of a chain stops at its first version HEAD holds: a commit
    made by ``--commit`` holds that version's ancestors too.
    """
    from .store import Store

    store = Store(root / ".press")
    out: set[Path] = set()
    todo = [v for v in dict.fromkeys(versions) if v and OID_RE.match(v)]
    if not todo or not _inside(store.root.resolve(), top):
        return out
    seen: set[str] = set()
    while todo:
        todo = [v for v in todo if v not in seen]
        seen.update(todo)
        nxt = []
        for oid in todo:
            path = store.object_path(oid).resolve()
            if not path.is_file() or not _inside(path, top) or known.in_head(path.relative_to(top).as_posix()):
                continue
            version = store.get_version(oid)
            out.add(path)
            out.add(store.object_path(version.blob).resolve())
            if version.parent:
                nxt.append(version.parent)
        todo = nxt
    return out


def in_head(root: Path, paths: Iterable[str]) -> list[str]:
    """Those of ``paths`` (relative to ``root``) that HEAD holds; none outside git or before a commit."""
    wanted = list(paths)
    if not _maybe_in_git(root):
        return []
    said = run_git(root, "ls-tree", "--name-only", "-z", "HEAD", "--", *wanted, check=False)
    found = set(said.decode("utf-8", "surrogateescape").split("\0")) if said is not None else set()
    return [p for p in wanted if p in found]


# unmerged paths


@dataclass(frozen=True)
class Unmerged:
    """A path git lists as unmerged, and what each side of the merge holds there (None: that side deleted it)."""

    path: str  # relative to the folder asked about
    base: bytes | None
    ours: bytes | None
    theirs: bytes | None


def unmerged(root: Path, under: str) -> list[Unmerged]:
    """The paths under ``root/under`` a git merge left unmerged; none outside a git work tree.

    Asked of git's index (``git ls-files -u``): a path one branch deleted and
    the other changed is unmerged there while its file looks whole.
    """
    return asked_unmerged(root, under) or []


def asked_unmerged(root: Path, under: str) -> list[Unmerged] | None:
    """``unmerged``, or None when git gave no answer (none installed, no work tree, a refusal)."""
    if not _maybe_in_git(root):
        return None
    said = run_git(root, "ls-files", "-u", "-z", "--", under, check=False)
    if said is None:
        return None
    stages: dict[str, dict[int, str]] = {}
    if said:
        for item in said.split(b"\0"):
            meta, tab, path = item.partition(b"\t")
            if tab:
                _mode, sha, stage = meta.decode().split()
                stages.setdefault(path.decode("utf-8", "surrogateescape"), {})[int(stage)] = sha
    if not stages:
        return []
    blobs = _blobs(root, sorted({sha for by_stage in stages.values() for sha in by_stage.values()}))
    return [Unmerged(path, *(blobs.get(by_stage[n]) if n in by_stage else None for n in (1, 2, 3)))
            for path, by_stage in sorted(stages.items())]


def mark_resolved(root: Path, paths: Iterable[Path]) -> None:
    """Tell git's index that ``paths`` are resolved, as ``git add`` (or ``git rm`` when gone) would.

    Only paths git lists as unmerged are touched: anything else stays as the user staged it.
    """
    rel = {os.path.relpath(p, root).replace(os.sep, "/") for p in paths}
    mine = sorted(rel & {u.path for u in unmerged(root, ".")})
    if mine:
        run_git(root, "update-index", "--add", "--remove", "-z", "--stdin",
             input=b"".join(p.encode() + b"\0" for p in mine))


def _maybe_in_git(root: Path) -> bool:
    """Whether git may see a work tree here: no git process is started for a site outside one."""
    if os.environ.get("GIT_DIR"):
        return True
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def _blobs(root: Path, shas: list[str]) -> dict[str, bytes]:
    """The content of git blobs, read in one ``git cat-file --batch``."""
    out: dict[str, bytes] = {}
    data = run_git(root, "cat-file", "--batch", input="".join(f"{s}\n" for s in shas).encode(), check=False)
    if data is None:
        return out
    at = 0
    for sha in shas:
        end = data.find(b"\n", at)
        if end < 0:
            break
        header = data[at:end].split()
        at = end + 1
        if len(header) == 3:
            size = int(header[2])
            out[sha] = data[at:at + size]
            at += size + 1
    return out


# the merge driver


@dataclass(frozen=True)
class DriverInstall:
    """What ``press merge-driver install`` set up: the attributes file, its new lines, the git config.

    ``nested_added``: lines added to ``.press/``, ``content/`` and ``models/.gitattributes``, by file.
    """

    attributes_file: str
    added: list[str]
    config: dict[str, str]
    repository: str
    nested_added: dict[str, list[str]] = field(default_factory=dict)


def driver_command() -> str:
    """How git runs the driver: this Python, so it works without ``press`` on PATH."""
    return f"{shlex.quote(sys.executable)} -m pressroom merge-driver run %O %A %B %P"


def install_merge_driver(root: Path) -> DriverInstall:
    """Set up the driver: lines in ``<site>/.gitattributes`` and ``merge.pressroom-ref.*`` in the repo's config.

    The byte-for-byte attributes (``write_attributes``) are written with the
    merge lines: both are needed for a clone to merge and read the store.
    """
    top = work_tree(root)
    if top is None:
        raise UsageError(f"{root} is not in a git work tree", hint="run `git init` first")
    written = write_attributes(root)
    attributes = root / ".gitattributes"
    config = {f"merge.{DRIVER}.name": "pressroom: take the descendant version, else leave a conflict",
              f"merge.{DRIVER}.driver": driver_command()}
    for key, value in config.items():
        run_git(top, "config", "--local", key, value, hint="set it by hand: git config --local KEY VALUE")
    return DriverInstall(attributes_file=os.path.relpath(attributes, root), added=written.site, config=config,
                         repository=str(top), nested_added=written.nested)


@dataclass(frozen=True)
class DriverOutcome:
    """What the driver did with one file: ``merged`` (exit 0) or left a conflict (exit 1), and why."""

    path: str
    merged: bool
    message: str


def run_merge_driver(base: Path, ours: Path, theirs: Path, path: str, top: Path | None = None) -> DriverOutcome:
    """Merge one store file for git: ``ours`` (git's %A) is rewritten with the result."""
    top = top or Path.cwd()
    parts = PurePosixPath(path).parts
    if ".press" not in parts:
        return DriverOutcome(path, False, f"{path} is not in a pressroom store; left as a conflict")
    at = len(parts) - 1 - parts[::-1].index(".press")
    store_dir = top.joinpath(*parts[:at + 1])
    sub = parts[at + 1:]
    if len(sub) == 4 and sub[0] == "refs" and sub[1] in set(RefKind):
        return _merge_ref(_Objects(store_dir, top), base, ours, theirs, path, RefKind(sub[1]), f"{sub[2]}/{sub[3]}")
    if len(sub) == 2 and sub[0] == "schedules":
        return _merge_schedule(ours, theirs, path)
    return DriverOutcome(path, False, f"{path}: not a ref or schedule file; left as a conflict")


def _read_oid(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if OID_RE.match(text) else None


def _merge_ref(reader: _Objects, base: Path, ours: Path, theirs: Path, path: str, kind: RefKind,
               record: str) -> DriverOutcome:
    a, b, o = _read_oid(ours), _read_oid(theirs), _read_oid(base)
    label = f"{record} {kind}"
    if a is None or b is None:
        already = parse_conflict(ours.read_text(encoding="ascii", errors="replace"), kind, record)
        why = "already in conflict" if already else "a side does not hold a version id"
        return DriverOutcome(path, False, f"{label}: {why}; resolve with press resolve {record}")
    if a == b:
        return DriverOutcome(path, True, f"{label}: both sides hold {a[:7]}")
    try:
        if reader.descends(b, a, record):
            ours.write_bytes(b.encode() + b"\n")
            return DriverOutcome(path, True, f"{label}: took theirs {b[:7]}, which descends from ours {a[:7]}")
        if reader.descends(a, b, record):
            return DriverOutcome(path, True, f"{label}: kept ours {a[:7]}, which descends from theirs {b[:7]}")
        why = "diverged"
    except PressError as e:
        why = f"cannot tell which descends ({e.message})"
    ours.write_bytes(render_conflict(a, b, o))
    return DriverOutcome(path, False, f"{label}: {why} (ours {a[:7]}, theirs {b[:7]}); "
                                      f"pick one: press resolve {record} --ours | --theirs | --version V")


_STATE_RANK = {"pending": 0, "failed": 1, "cancelled": 1, "done": 2}


def _merge_schedule(ours: Path, theirs: Path, path: str) -> DriverOutcome:
    """A schedule only moves forward (pending, then done, failed or cancelled): keep the side further on."""
    try:
        a = json.loads(ours.read_bytes())
        b = json.loads(theirs.read_bytes())
        ra, rb = _STATE_RANK[a["state"]], _STATE_RANK[b["state"]]
    except (ValueError, KeyError, TypeError, OSError):
        return DriverOutcome(path, False, f"{path}: unreadable schedule; left as a conflict")
    if rb > ra:
        ours.write_bytes(theirs.read_bytes())
        return DriverOutcome(path, True, f"{path}: took theirs ({b['state']})")
    return DriverOutcome(path, True, f"{path}: kept ours ({a['state']})")


class _Objects:
    """Version objects for the driver: from the store on disk, else from the commits being merged."""

    def __init__(self, store_dir: Path, top: Path):
        self.store_dir = store_dir
        self.top = top
        self.prefix = PurePosixPath(*store_dir.relative_to(top).parts) if store_dir != top else PurePosixPath()
        self._commits: list[str] | None = None
        self._cache: dict[str, Version] = {}

    def version(self, oid: str) -> Version:
        if oid not in self._cache:
            self._cache[oid] = Version.decode(oid, self._bytes(oid))
        return self._cache[oid]

    def descends(self, child: str, ancestor: str, record: str) -> bool:
        """Whether ``ancestor`` is in ``child``'s parent chain."""
        for oid in self._chain(child):
            if oid == ancestor:
                return True
            if self.version(oid).record != record:
                raise BadContentError(f"version {oid[:7]} belongs to another record")
        return False

    def _chain(self, oid: str | None) -> Iterator[str]:
        seen: set[str] = set()
        while oid is not None and oid not in seen:
            seen.add(oid)
            yield oid
            try:
                oid = self.version(oid).parent
            except PressError:
                # History cut by gc (max_versions) or never fetched: the walk ends here.
                return

    def _bytes(self, oid: str) -> bytes:
        local = self.store_dir / "objects" / oid[:2] / oid[2:]
        try:
            data = local.read_bytes()
            if hash_bytes(data) == oid:
                return data
        except OSError:
            pass
        rel = str(self.prefix / "objects" / oid[:2] / oid[2:])
        for commit in self._candidates():
            found = run_git(self.top, "cat-file", "blob", f"{commit}:{rel}", check=False)
            if found is not None and hash_bytes(found) == oid:
                return found
        raise BadContentError(f"version {oid[:7]} is neither on disk nor in the commits being merged")

    def _candidates(self) -> list[str]:
        """The commits being merged first (git names them), then every branch and tag."""
        if self._commits is None:
            found = [name[len("GITHEAD_"):] for name in os.environ if name.startswith("GITHEAD_")]
            said = run_git(self.top, "rev-parse", "--absolute-git-dir", check=False)
            git_dir = Path(os.fsdecode(said.rstrip(b"\n"))) if said else None
            for head in ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REBASE_HEAD", "FETCH_HEAD", "ORIG_HEAD"):
                if git_dir is None:
                    break
                try:
                    found += [line.split()[0] for line in (git_dir / head).read_text().splitlines() if line.strip()]
                except OSError:
                    pass
            found += (run_git(self.top, "for-each-ref", "--format=%(objectname)", check=False) or b"").decode().split()
            self._commits = [c for c in dict.fromkeys(found) if re.fullmatch(r"[0-9a-f]{40,64}", c)]
        return self._commits
