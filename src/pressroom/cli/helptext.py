"""Help that names values the way man pages do (REF..., MODEL, FILE), not by Python type.

typer 0.29 shows an argument as ``refs... <list[str]>`` and, in the usage
line, ``{ref}``; options without a metavar as ``--model <str>``. Options get a
metavar where they are declared; arguments are shown here by theirs.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand


def _name(param: Any) -> str:
    name = param.metavar or param.name.upper()
    return f"{name}..." if param.nargs != 1 else name


class PressCommand(TyperCommand):
    """A command whose usage line and argument list show metavars alone."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar or param.name.upper()
                shown = name if param.required else f"[{name}]"
                pieces.append(f"{shown}..." if param.nargs != 1 else shown)
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                args.append((_name(param), record[1]))
            else:
                opts.append(record)
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class PressTyper(typer.Typer):
    """A typer app whose commands are PressCommands."""

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any) -> Any:
        """Register a command (as ``typer.Typer.command``), shown with readable metavars."""
        return super().command(name, cls=cls or PressCommand, **kwargs)
