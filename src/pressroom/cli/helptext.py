"""Help that names values the way man pages do (REF..., MODEL, FILE), not by Python type.

typer 0.29 shows an argument as ``refs... <list[str]>`` and, in the usage
line, ``{ref}``; options without a metavar as ``--model <str>``. Options get a
metavar where they are declared; arguments are shown here by theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import typer
from typer.core import TyperCommand

# typer 0.29 carries its own copy of click as ``typer._click``; the context and formatter types
# that commands override with are declared there and not re-exported.
from typer._click import Context, HelpFormatter, Parameter

# A command's function, returned as it was given: typer registers it, the caller keeps its type.
F = TypeVar("F", bound=Callable[..., Any])


def _name(param: Parameter) -> str:
    name = param.metavar or (param.name or "").upper()
    return f"{name}..." if param.nargs != 1 else name


class PressCommand(TyperCommand):
    """A command whose usage line and argument list show metavars alone."""

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar or (param.name or "").upper()
                shown = name if param.required else f"[{name}]"
                pieces.append(f"{shown}..." if param.nargs != 1 else shown)
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        args: list[tuple[str, str]] = []
        opts: list[tuple[str, str]] = []
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

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None,
                **kwargs: Any) -> Callable[[F], F]:
        """Register a command (as ``typer.Typer.command``), shown with readable metavars.

        Typed as typer's own decorator is, so that the commands it registers keep their signatures.
        """
        return super().command(name, cls=cls or PressCommand, **kwargs)
