"""Git hooks that check the published view after git acts: post-merge,
post-rewrite (rebase, amend) and post-checkout.

A merge can be clean for git and still leave a published record linking to
one the other branch unpublished: no ref file changed on both sides. These
hooks run ``press fsck`` on the site after git changed the work tree and
print what is broken. They cannot undo what git did, and do not try: git
ignores the exit status of post-merge and post-rewrite, and the hooks exit
with the status of the hook they chain to (0 when there is none), so that a
broken view never turns ``git checkout`` into a failure either.

**Where.** In the folder git runs hooks from: ``git rev-parse --git-path
hooks``, which honours ``core.hooksPath`` (husky, the pre-commit framework).

**Chaining.** A hook already there that pressroom did not write is moved
aside to ``<hook>.before-pressroom`` and called first, with the same
arguments and stdin, and its exit status is kept. Moving aside works for a
hook in any language and for hooks that end in ``exec`` or ``exit`` (the
pre-commit framework's and husky's do), where a block appended to them would
never run. The pre-commit framework does the same with ``<hook>.legacy``
when it installs over a hook, so the two keep chaining whichever installs
last.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RefusedError, UsageError
from .gitio import DriverInstall, install_merge_driver, open_repo

HOOKS = ("post-merge", "post-rewrite", "post-checkout")
CHAINED_SUFFIX = ".before-pressroom"
MARK = "# pressroom: check the published view after git acts"
# The check the hooks run, after `press -C SITE`.
CHECK = ("fsck", "--view-only")


@dataclass(frozen=True)
class HooksInstall:
    """What ``install_git_hooks`` did, hook by hook (names of ``HOOKS``).

    ``chained``: hooks that were there and now run first, as
    ``<hook>.before-pressroom``; ``updated``: pressroom hooks rewritten (a new
    Python or site path); ``unchanged``: already as they would be written.
    """

    hooks_dir: str
    command: str
    installed: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chained: list[str] = field(default_factory=list)


def check_command(site_dir: str) -> str:
    """The command the hooks run, ``site_dir`` relative to the work tree's top (git runs hooks there)."""
    return shlex.join([sys.executable, "-m", "pressroom", "-C", site_dir, *CHECK])


def hook_script(hook: str, site_dir: str) -> str:
    """The POSIX sh script of one hook; the same bytes for the same Python and site."""
    chained = shlex.quote(hook + CHAINED_SUFFIX)
    check = check_command(site_dir)
    shown = shlex.join(["press", *CHECK])
    return f"""#!/bin/sh
{MARK} (press git setup writes this file)
# The hook that was here before runs first, with git's arguments and stdin; its exit
# status is this hook's. The check only prints: git has already acted.
status=0
chained="$(dirname "$0")"/{chained}
if [ -x "$chained" ]; then
    "$chained" "$@"
    status=$?
fi
if [ -f {shlex.quote(site_dir)}/pressroom.yaml ]; then
    out=$({check} </dev/null 2>&1)
    code=$?
    if [ "$code" -ne 0 ]; then
        printf '%s\\n' "pressroom: after git {hook}, \\`{shown}\\` exited $code:" "$out" >&2
    fi
fi
exit "$status"
"""


def install_git_hooks(root: Path) -> HooksInstall:
    """Write the hooks of ``HOOKS`` for the site at ``root`` into the folder git runs hooks from.

    Running it again changes nothing; a hook pressroom did not write is kept
    and chained (see the module's docstring). Nothing is removed: to take a
    hook out, delete it and rename ``<hook>.before-pressroom`` back.
    """
    repo = open_repo(root)
    if repo is None:
        raise UsageError(f"{root} is not in a git work tree", hint="run `git init` first")
    try:
        top = Path(repo.working_tree_dir).resolve()
    finally:
        repo.close()
    hooks_dir = _hooks_dir(root.resolve())
    site_dir = Path(os.path.relpath(root.resolve(), top)).as_posix()
    result = HooksInstall(hooks_dir=str(hooks_dir), command=check_command(site_dir))
    # Every hook is planned before any is written: a refusal leaves all of them as they were.
    scripts = {hook: hook_script(hook, site_dir).encode() for hook in HOOKS}
    plans = [(hook, data, _plan(hooks_dir, hook, data)) for hook, data in scripts.items()]
    try:
        hooks_dir.mkdir(parents=True, exist_ok=True)
        for hook, data, action in plans:
            _apply(hooks_dir, hook, data, action)
            getattr(result, action).append(hook)
    except OSError as e:
        raise RefusedError(f"cannot write git hooks in {hooks_dir}: {e.strerror or e}",
                           hint="make the folder writable, or set core.hooksPath to one that is") from None
    return result


def _hooks_dir(root: Path) -> Path:
    """Where git runs hooks from, as git itself says (``core.hooksPath`` or ``.git/hooks``)."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--git-path", "hooks"], cwd=root, capture_output=True,
                              check=False)
    except OSError as e:
        raise RefusedError(f"git could not run: {e.strerror or e}") from None
    if proc.returncode != 0:
        said = proc.stderr.decode("utf-8", "replace").strip()
        raise RefusedError(f"git cannot say where its hooks are: {said[-300:]}")
    path = Path(os.fsdecode(proc.stdout.rstrip(b"\n")))
    return path if path.is_absolute() else root / path


def _plan(hooks_dir: Path, hook: str, script: bytes) -> str:
    """What to do with one hook: the name of the ``HooksInstall`` list it goes in."""
    path = hooks_dir / hook
    chained = hooks_dir / (hook + CHAINED_SUFFIX)
    try:
        old = path.read_bytes() if path.exists() or path.is_symlink() else None
    except OSError:
        old = b""
    if old == script:
        return "unchanged"
    if old is None:
        return "installed"
    if MARK.encode() in old:
        return "updated"
    if (chained.exists() or chained.is_symlink()) and chained.read_bytes() != old:
        raise RefusedError(
            f"{path} is not pressroom's hook, and {chained.name} is already taken by another one",
            hint=f"decide which to keep: merge them into {chained.name} and delete {hook}, then run "
                 "`press git setup` again")
    return "chained"


def _apply(hooks_dir: Path, hook: str, data: bytes, action: str) -> None:
    path = hooks_dir / hook
    if action == "unchanged":
        return
    if action == "chained":
        chained = hooks_dir / (hook + CHAINED_SUFFIX)
        if chained.exists() or chained.is_symlink():
            # The same hook written again over pressroom's (husky regenerates its hooks): the copy aside holds it.
            path.unlink()
        else:
            os.replace(path, chained)
    tmp = path.with_name(f".tmp-{hook}-{os.getpid()}")
    tmp.write_bytes(data)
    tmp.chmod(0o755)
    os.replace(tmp, path)


@dataclass(frozen=True)
class GitSetup:
    """What ``press git setup`` did: the attributes and merge driver, then the hooks (None: ``--no-hooks``)."""

    driver: DriverInstall
    hooks: HooksInstall | None


def setup_git(root: Path, *, hooks: bool = True) -> GitSetup:
    """Everything a clone needs: attributes (merging, line endings), the merge driver's config, the hooks."""
    # The hooks first: they may refuse (a hook in the way), and then nothing has changed.
    installed = install_git_hooks(root) if hooks else None
    return GitSetup(driver=install_merge_driver(root), hooks=installed)
