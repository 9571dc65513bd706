"""The ``press`` command line: a thin client of ``pressroom.Site``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

# typer 0.29 carries its own copy of click: what parsing raises is declared there, not re-exported.
from typer._click.exceptions import ClickException
from typer._click.exceptions import UsageError as ParseError

from .. import __version__
from .helptext import PressTyper
from .output import EXIT_INTERRUPTED, EXIT_USAGE, envelope, settings, stderr, stdout
from ..errors import Problem

app = PressTyper(
    name="press",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"press {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    directory: Annotated[
        Optional[Path],
        typer.Option("-C", "--directory", metavar="DIR",
                     help="Run in this site root (also PRESSROOM_DIR). As with git -C, relative paths "
                          "(export --out, audit OUT, save -f, working files named as REF) are read "
                          "against DIR.", show_default=False),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Do not page long output (log, diff, show); "
                                           "the pager is PRESS_PAGER, else PAGER, else less.")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Print only errors and warnings, no progress "
                                        "(before or after the command name).")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Also say which site and how long it took "
                                          "(before or after the command name).")] = False,
) -> None:
    """Draft/published content workflow for a file-based site, on a git-style store in .press/.

    Exit codes: 0 ok, 1 refused (validation, link closure, nothing to do, or
    an OS error: the message names the path), 2 usage, 3 conflict (concurrent
    change, lock timeout), 4 store damaged, 5 the published view is broken (a
    git merge left a dangling link: press fsck lists each fix), 130
    interrupted (Ctrl-C), 141 the reader of the output went away (press status
    | head, as with git).
    """
    ctx.obj = {"directory": directory}
    settings.no_pager, settings.quiet, settings.verbose = no_pager, quiet, verbose
    stdout.quiet = quiet


def _register() -> None:
    from . import cmd_records  # noqa: F401 - registers its commands on app
    from . import cmd_history  # noqa: F401
    from . import cmd_delivery  # noqa: F401
    from . import cmd_publish  # noqa: F401
    from . import cmd_automation  # noqa: F401
    from . import cmd_serve  # noqa: F401
    from .completion import completion

    app.command()(completion)


_register()


_ANYWHERE = ("-q", "--quiet", "-v", "--verbose")


def _root_flags_first(args: list[str]) -> list[str]:
    """-q and -v where the command's own options are (press save -q): moved before the command name."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in _ANYWHERE]
    return [*flags, *(a for a in args[:end] if a not in _ANYWHERE), *args[end:]]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``press`` script: usage errors, too, honour ``--json``."""
    args = _root_flags_first(sys.argv[1:] if argv is None else argv)
    try:
        code = app(args=args, prog_name="press", standalone_mode=False)
    except KeyboardInterrupt:
        # While typer builds the commands, before its own handler is in place.
        code = EXIT_INTERRUPTED
    except ClickException as e:
        # Option parsing failed before any command ran (click's UsageError).
        if "--json" in args:
            # The command as the parser saw it ("save", "model list"): the first bare
            # word of args may be the value of -C.
            ctx = e.ctx if isinstance(e, ParseError) else None
            name = " ".join(ctx.command_path.split()[1:]) if ctx is not None else ""
            name = name or "press"
            typer.echo(envelope(name, errors=[Problem(e.format_message(), code="usage")], exit_code=EXIT_USAGE))
        else:
            e.show()
        sys.exit(e.exit_code)
    if code == EXIT_INTERRUPTED:
        # typer turns a Ctrl-C into exit 130; one inside a command was reported there
        # (and left by SystemExit), so this one came while the options were read.
        stderr.print("interrupted", style="red")
    sys.exit(code if isinstance(code, int) else 0)
