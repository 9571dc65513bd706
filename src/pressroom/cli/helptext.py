"""Help that names values the way man pages do (REF..., MODEL, FILE), lists whole summaries, and shows examples.

typer 0.29 shows an argument as ``refs... <list[str]>`` and, in the usage
line, ``{ref}``; options without a metavar as ``--model <str>``. Options get a
metavar where they are declared; arguments are shown here by theirs.

click cuts a command's summary in a group's list to fit one line, with "...";
here the list shows the whole first paragraph of each command's help (written
short enough to fit 80 columns: tests/cli/test_help_text.py), and every
command's help ends with its examples from ``examples.EXAMPLES``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

# typer 0.29 carries its own copy of click as ``typer._click``; the context and formatter types
# that commands override with are declared there and not re-exported.
from typer._click import Command, Context, HelpFormatter, Parameter

from .examples import EXAMPLES

# A command's function, returned as it was given: typer registers it, the caller keeps its type.
F = TypeVar("F", bound=Callable[..., Any])


def _name(param: Parameter) -> str:
    name = param.metavar or (param.name or "").upper()
    return f"{name}..." if param.nargs != 1 else name


def summary(help: str | None) -> str:
    """A command's summary: the first paragraph of its help, on one line, never cut."""
    return " ".join((help or "").split("\n\n")[0].split())


def command_key(ctx: Context) -> str:
    """The command's path under ``press`` ("schedule run"; "" for press itself): its key in EXAMPLES."""
    names: list[str] = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


def format_examples(ctx: Context, formatter: HelpFormatter) -> None:
    """The Examples section: each example's line, under what it does as a shell comment."""
    examples = EXAMPLES.get(command_key(ctx), ())
    if not examples:
        return
    with formatter.section("Examples"):
        for example in examples:
            if example.says:
                formatter.write_text(f"# {example.says}")
            formatter.write(f"{' ' * formatter.current_indent}{example.line}\n")


def write_commands(formatter: HelpFormatter, title: str, commands: list[tuple[str, Command]]) -> None:
    """A section listing commands with their whole summaries."""
    if commands:
        with formatter.section(title):
            formatter.write_dl([(name, summary(cmd.help)) for name, cmd in commands])


class PressGroup(TyperGroup):
    """A command group whose list shows whole summaries, and whose help ends with examples."""

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        visible = [(name, cmd) for name in self.list_commands(ctx)
                   if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        write_commands(formatter, "Commands", visible)

    def format_epilog(self, ctx: Context, formatter: HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        format_examples(ctx, formatter)


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

    def format_epilog(self, ctx: Context, formatter: HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        format_examples(ctx, formatter)


class PressTyper(typer.Typer):
    """A typer app whose commands are PressCommands, and which is a PressGroup unless told otherwise."""

    def __init__(self, *, cls: type[TyperGroup] | None = None, **kwargs: Any) -> None:
        super().__init__(cls=cls or PressGroup, **kwargs)

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None,
                **kwargs: Any) -> Callable[[F], F]:
        """Register a command (as ``typer.Typer.command``), shown with readable metavars.

        Typed as typer's own decorator is, so that the commands it registers keep their signatures.
        """
        return super().command(name, cls=cls or PressCommand, **kwargs)
