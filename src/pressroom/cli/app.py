"""The ``press`` command line: a thin client of ``pressroom.Site``.

Commands are registered lazily: ``COMMANDS`` names each one's module, short
help and help panel, and a command's module (with the library behind it) is
imported only when that command runs or its help is shown. ``press --help``
lists the table and imports no command.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
import typer.main

# typer 0.29 carries its own copy of click: what parsing raises is declared there, not re-exported.
from typer._click.exceptions import ClickException
from typer._click.exceptions import UsageError as ParseError
from typer._click import Command, Context, HelpFormatter

from .. import __version__
from .helptext import PressGroup, PressTyper
from .output import EXIT_INTERRUPTED, EXIT_USAGE, envelope, settings, stderr, stdout
from ..errors import Problem


@dataclass(frozen=True)
class Entry:
    """One command of ``press``: where it lives, what ``press --help`` says of it, and under which heading."""

    module: str
    help: str
    panel: str


RECORDS, PUBLISHING, HISTORY, DELIVERY, AUTOMATION, STORE = (
    "Records", "Publishing", "History", "Delivery", "Automation", "Store")
PANELS = (RECORDS, PUBLISHING, HISTORY, DELIVERY, AUTOMATION, STORE)

# In the order `press --help` lists them within each panel. The help is the first paragraph of the
# command's docstring (tests/cli/test_lazy_commands.py keeps the two the same).
COMMANDS: dict[str, Entry] = {
    "init": Entry("cmd_records", "Make a folder a pressroom site.", RECORDS),
    "new": Entry("cmd_publish", "Write a new record's working file from its model.", RECORDS),
    "save": Entry("cmd_records", "Save working files as new versions of their records.", RECORDS),
    "status": Entry("cmd_records", "Show each record's status and its unsaved changes.", RECORDS),
    "show": Entry("cmd_records", "Print a version's content exactly as it was saved.", RECORDS),
    "validate": Entry("cmd_publish", "Check records against their model and their links.", RECORDS),
    "edit": Entry("cmd_records", "Open a record's working file in your editor, then save it.", RECORDS),
    "model": Entry("cmd_publish", "List and show the site's models (models/<model>.yaml).", RECORDS),
    "publish": Entry("cmd_publish", "Validate records and publish their current version.", PUBLISHING),
    "unpublish": Entry("cmd_publish", "Take records out of the published view: they become drafts.", PUBLISHING),
    "archive": Entry("cmd_publish", "Withdraw records from the published view and archive them.", PUBLISHING),
    "delete": Entry("cmd_publish", "Delete records, with their refs and working files.", PUBLISHING),
    "release": Entry("cmd_release", "Publish, unpublish and archive records together.", PUBLISHING),
    "stage": Entry("cmd_automation", "Record the review stage of a record's current version.", PUBLISHING),
    "schedule": Entry("cmd_automation", "Publish and unpublish at a set time.", PUBLISHING),
    "log": Entry("cmd_history", "List a record's versions and events, newest first.", HISTORY),
    "diff": Entry("cmd_history", "Show what changed in a record, field by field.", HISTORY),
    "revert": Entry("cmd_history", "Make a new version with the content of an older one.", HISTORY),
    "export": Entry("cmd_delivery", "Write the published view to a folder for a site generator.", DELIVERY),
    "audit": Entry("cmd_delivery", "Prove a built site leaks no text of unpublished versions.", DELIVERY),
    "serve": Entry("cmd_serve", "Serve the site's content as a read-only JSON API over HTTP.", DELIVERY),
    "resolve": Entry("cmd_automation", "End a record's git merge conflict by picking a side.", AUTOMATION),
    "git": Entry("cmd_automation", "Set up a git clone: attributes, merge driver and hooks.", AUTOMATION),
    "merge-driver": Entry("cmd_automation", "A git merge driver for the files of .press/.", AUTOMATION),
    "completion": Entry("completion", "Print the shell completion script for bash, zsh or fish.", AUTOMATION),
    "fsck": Entry("cmd_history", "Check the store and the published view for damage.", STORE),
    "gc": Entry("cmd_history", "Remove unreachable objects and prune old history.", STORE),
    "journal": Entry("cmd_history", "Show, finish or drop what a crash left half-done.", STORE),
}


def load_module_commands(module: str) -> Mapping[str, Command]:
    """The click commands a command module declares on its own ``app`` (imports the module)."""
    loaded = importlib.import_module(f".{module}", __package__)
    group = typer.main.get_group(loaded.app)
    return group.commands


def load_command(module: str, name: str) -> Command:
    """The click command ``name`` of a command module: typer builds that one alone (building
    each command's options costs more than running ``press show``); a group (``model``, ``journal``)
    is built with the rest of its module."""
    loaded = importlib.import_module(f".{module}", __package__)
    app: typer.Typer = loaded.app
    for info in app.registered_commands:
        if info.callback is not None and (info.name or typer.main.get_command_name(info.callback.__name__)) == name:
            return typer.main.get_command_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                                    rich_markup_mode=app.rich_markup_mode)
    return load_module_commands(module)[name]


class LazyCommands(Mapping[str, Command]):
    """The root's commands by name: a command's module is imported when the command is looked up."""

    def __init__(self, table: Mapping[str, Entry]) -> None:
        self.table = table
        self._commands: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        entry = self.table[name]
        if name not in self._commands:
            self._commands[name] = load_command(entry.module, name)
        return self._commands[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


class LazyGroup(PressGroup):
    """The ``press`` group: commands from ``COMMANDS``, help listed by panel without loading them."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(COMMANDS)  # type: ignore[assignment]  # read-only: nothing adds later

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        for panel in PANELS:
            rows = [(name, entry.help) for name, entry in COMMANDS.items() if entry.panel == panel]
            if rows:
                with formatter.section(panel):
                    formatter.write_dl(rows)


app = PressTyper(
    name="press",
    cls=LazyGroup,
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
