"""Options and helpers the command modules share."""

from __future__ import annotations

from typing import Annotated

import typer

from ..api import Site

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON envelope for scripts.")]
MessageOpt = Annotated[str, typer.Option("-m", "--message", help="Say why, like a commit message.")]
AuthorOpt = Annotated[
    str | None,
    typer.Option("--author", help="Who acts (default: git user, then PRESSROOM_AUTHOR, then the OS user).",
                 show_default=False),
]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Every record of this model.", show_default=False)]
AllOpt = Annotated[bool, typer.Option("--all", help="Every record.")]


def open_site(ctx: typer.Context) -> Site:
    """The site that -C / PRESSROOM_DIR / the working directory names."""
    obj = ctx.find_root().obj or {}
    return Site.open(obj.get("directory"))


def short(oid: str | None) -> str:
    return oid[:7] if oid else "-"
