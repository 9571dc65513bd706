"""Shell completion: what a Tab offers (records, working files, versions, models), and ``press completion SHELL``.

typer does the shell side (``--install-completion``, ``--show-completion``,
the ``_PRESS_COMPLETE`` protocol); these functions give the values. A
completion never fails: outside a site, or on a damaged one, it offers nothing.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Annotated

import typer

from ..api import Site
from ..errors import PressError
from .helptext import PressTyper

SHELLS = ("bash", "zsh", "fish")
VERSION_NAMES = ("current", "published", "~1", "~2")


def _site(ctx: typer.Context) -> Site | None:
    directory = ctx.find_root().params.get("directory")
    try:
        return Site.open(directory)
    except (PressError, OSError):
        return None


def _base(ctx: typer.Context) -> Path:
    directory = ctx.find_root().params.get("directory")
    return Path(directory) if directory is not None else Path(".")


def _paths(ctx: typer.Context, incomplete: str) -> list[str]:
    """Working files and folders under the current folder (-C DIR: under DIR) that start with ``incomplete``."""
    base = _base(ctx)
    out = []
    for match in sorted(glob.glob(glob.escape(incomplete) + "*", root_dir=base)):
        if os.path.isdir(base / match):
            out.append(match + "/")
        elif match.endswith(".yaml"):
            out.append(match)
    return out


def complete_ref(ctx: typer.Context, incomplete: str) -> list[str]:
    """Records (model/id), their versions after '@', and working files by path."""
    site = _site(ctx)
    if site is None:
        return []
    try:
        if "@" in incomplete:
            name, _, _ = incomplete.partition("@")
            ref = site.ref(name, base=_base(ctx))
            versions = [e.version[:7] for e in site.log(ref).entries if e.version]
            return [f"{name}@{v}" for v in (*VERSION_NAMES, *versions) if f"{name}@{v}".startswith(incomplete)]
        records = [r.record for r in site.status().records if r.record.startswith(incomplete)]
    except (PressError, OSError):
        return []
    return records or _paths(ctx, incomplete)


def complete_model(ctx: typer.Context, incomplete: str) -> list[str]:
    """The site's model names."""
    site = _site(ctx)
    if site is None:
        return []
    try:
        return [name for name in site.models() if name.startswith(incomplete)]
    except (PressError, OSError):
        return []


def complete_shell(incomplete: str) -> list[str]:
    return [s for s in SHELLS if s.startswith(incomplete)]


def script(shell: str) -> str:
    """The completion script typer writes for ``shell`` (what ``press --show-completion`` prints there)."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="press", complete_var="_PRESS_COMPLETE", shell=shell)


def completion(
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.",
                                         autocompletion=complete_shell)],
    json_: Annotated[bool, typer.Option("--json", help="Print a JSON envelope for scripts.")] = False,
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Load it for this shell with eval "$(press completion bash)", or let
    press --install-completion add it to your shell's start-up file.
    """
    if shell not in SHELLS:
        raise typer.BadParameter(f"{shell!r} is not one of {', '.join(SHELLS)}", param_hint="SHELL")
    from .output import command

    with command("completion", json_) as out:
        text = script(shell)
        out.done({"shell": shell, "script": text}, lambda: typer.echo(text))


# Its command, which cli.app.COMMANDS registers on `press` when it is looked up.
app = PressTyper(rich_markup_mode=None)
app.command()(completion)
