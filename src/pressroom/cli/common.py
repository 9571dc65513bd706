"""Options and helpers the command modules share."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..api import Site
from ..errors import PressError, Problem, short_id
from .completion import complete_model
from .output import Output, settings, stderr, stdout

if TYPE_CHECKING:
    from ..api import Outcome

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON envelope for scripts.")]
MessageOpt = Annotated[str, typer.Option("-m", "--message", metavar="TEXT", help="Say why, like a commit message.")]
AuthorOpt = Annotated[
    str | None,
    typer.Option("--author", metavar="NAME",
                 help="Who acts (default: git user, then PRESSROOM_AUTHOR, then the OS user).",
                 show_default=False),
]
ModelOpt = Annotated[str | None, typer.Option("--model", metavar="MODEL", autocompletion=complete_model,
                                              help="Every record of this model.", show_default=False)]
AllOpt = Annotated[bool, typer.Option("--all", help="Every record.")]
CommitOpt = Annotated[
    Optional[bool],
    typer.Option("--commit/--no-commit", help="Commit to git the whole state of each record this command "
                 "changed, and of the records its published versions link to (refs, log, objects, and the "
                 "working file when it holds the saved version), so a clone shows what the site shows; "
                 "nothing else (default: git.commit in pressroom.yaml).", show_default=False),
]
YesOpt = Annotated[bool, typer.Option("-y", "--yes", help="Go ahead without asking (needed where no terminal "
                                                      "can answer the question).")]
NoHooksOpt = Annotated[bool, typer.Option("--no-hooks", help="Do not run the hooks pressroom.yaml names.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print the plan (what moves, and why); change nothing.")]


def after_problems(result: Outcome, out: Output) -> list[Problem]:
    """A failed git commit or hook after the change: reported as errors, exit 1 (the change stays).

    The commit's warnings (working files with unsaved edits it left out) go to ``out``.
    """
    after = result.after
    if after is None:
        return []
    out.warn(after.warnings)
    return list(after.problems)


def render_after(result: Outcome) -> None:
    """Say what was committed and which hooks ran, with their output (a failing hook's comes with its error)."""
    after = result.after
    if after is None:
        return
    if after.commit is not None and after.commit.staged_only:
        stdout.print(f"a git merge is in progress: staged {len(after.commit.files)} file(s) for it; "
                     "finish the merge with git commit", style="dim")
    elif after.commit is not None:
        stdout.print(f"committed {after.commit.sha[:7]}: {after.commit.message.splitlines()[0]}", style="dim")
    for run in after.hooks:
        if run.ok:
            stderr.print(f"hook {run.event}: {run.command} (ok)", style="dim")
            if run.output:
                # Verbatim, as the hook wrote it: no wrapping, no markup.
                stderr.out(run.output, end="" if run.output.endswith("\n") else "\n", highlight=False)


def open_site(ctx: typer.Context) -> Site:
    """The site that -C / PRESSROOM_DIR / the working directory names."""
    obj = ctx.find_root().obj or {}
    site = Site.open(obj.get("directory"))
    if settings.verbose:
        stderr.print(f"site: {site.root}", style="dim")
    return site


def author_name(author: str | None) -> str:
    """An author without the e-mail (``Ada <ada@example.org>``: ``Ada``), to keep tables narrow."""
    return (author or "").split(" <")[0]


def short(oid: str | None) -> str:
    """A version as the CLI lists it: 7 hex digits, or - for none."""
    return short_id(oid, "-", 7)


def base_dir(ctx: typer.Context) -> Path:
    """The folder relative paths are read against: -C DIR, as git -C does, else the current folder."""
    directory = (ctx.find_root().obj or {}).get("directory")
    return Path.cwd() / directory if directory is not None else Path.cwd()


def path_refs(ctx: typer.Context, _param: object, value: str | list[str] | None) -> str | list[str] | None:
    """A REF argument's callback: the path of a working file (content/post/x.yaml) becomes post/x."""
    values: list[str] = [value] if isinstance(value, str) else value or []
    if not any(v.endswith((".yaml", ".yml")) or ".yaml@" in v or ".yml@" in v for v in values):
        return value
    try:
        site = open_site(ctx)
        refs = [site.ref(v, base=base_dir(ctx)) for v in values]
    except PressError as e:
        raise typer.BadParameter(e.message + (f" ({e.hint})" if e.hint else "")) from None
    if isinstance(value, str):
        return refs[0]
    return refs
