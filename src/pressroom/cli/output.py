"""One way out for every command: rich for people, a JSON envelope for scripts.

Errors map to exit codes here and nowhere else.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, NoReturn, cast

import typer

from ..errors import (ConflictError, PressError, Problem, RefusedError, StoreDamagedError, UsageError,
                      ViewBrokenError, Where)
from . import hints

if TYPE_CHECKING:
    from rich.console import Console

ENVELOPE_VERSION = 1

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_CONFLICT, EXIT_DAMAGED, EXIT_VIEW_BROKEN = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
# Order matters: the first class an error is an instance of gives its code.
_EXIT_CODES: list[tuple[type[PressError], int, str]] = [
    (StoreDamagedError, EXIT_DAMAGED, "damaged"),
    (ViewBrokenError, EXIT_VIEW_BROKEN, "view_broken"),
    (ConflictError, EXIT_CONFLICT, "conflict"),
    (UsageError, EXIT_USAGE, "usage"),
    (RefusedError, EXIT_REFUSED, "refused"),
    (PressError, EXIT_REFUSED, "refused"),
]
STATUS_OF_CODE = {EXIT_OK: "ok", EXIT_REFUSED: "refused", EXIT_USAGE: "usage", EXIT_CONFLICT: "conflict",
                  EXIT_DAMAGED: "damaged", EXIT_VIEW_BROKEN: "view_broken",
                  EXIT_INTERRUPTED: "interrupted"}
# Every change goes through the journal, so an interrupted command either made its
# change whole or not at all; only the user can tell which they are looking for.
INTERRUPTED = "interrupted: the store is consistent; run `press status` to see whether the change was made"

# press status | head: the reader went away. Stop quietly with what a shell reports
# for git, killed by SIGPIPE (128 + 13), so that pipefail still sees a cut-off output.
EXIT_PIPE_CLOSED = 141


def pipe_closed(fd: int = 1) -> NoReturn:
    """Leave quietly because the reader of ``fd`` (stdout) closed it."""
    try:
        # Python flushes stdout at exit: into the closed pipe, that is one more error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), fd)
    except OSError:
        pass
    raise SystemExit(EXIT_PIPE_CLOSED)


def _console(options: dict[str, Any]) -> Console:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich's own handling exits 1, as if press had failed.
            self.quiet = True
            pipe_closed(self.file.fileno())

    return _Console(**options)


class _LazyConsole:
    """A rich Console made when first used: a command that prints no styled text (``show``)
    never loads rich. Attributes set before then (``quiet``) are set on it when it is made."""

    def __init__(self, **options: Any) -> None:
        object.__setattr__(self, "_options", options)
        object.__setattr__(self, "_made", None)
        object.__setattr__(self, "_pending", {})

    def made(self) -> bool:
        """Whether the console was made (rich loaded) already."""
        return object.__getattribute__(self, "_made") is not None

    def load(self) -> Console:
        """The console, made now if it was not yet (it reads the terminal and the environment then)."""
        made: Console | None = object.__getattribute__(self, "_made")
        if made is None:
            made = _console(object.__getattribute__(self, "_options"))
            for name, value in object.__getattribute__(self, "_pending").items():
                setattr(made, name, value)
            object.__setattr__(self, "_made", made)
        return made

    def __getattr__(self, name: str) -> Any:
        pending = object.__getattribute__(self, "_pending")
        if name in pending and object.__getattribute__(self, "_made") is None:
            return pending[name]
        return getattr(self.load(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        made = object.__getattribute__(self, "_made")
        if made is None:
            object.__getattribute__(self, "_pending")[name] = value
        else:
            setattr(made, name, value)

    # Looked up on the type, not through __getattr__: rich's live display enters its console.
    def __enter__(self) -> Console:
        return self.load().__enter__()

    def __exit__(self, *exc: Any) -> None:
        self.load().__exit__(*exc)


# markup, emoji codes and highlighting off: record text is printed as text, never as markup.
# soft_wrap: a long line is left for the terminal to wrap, and written whole to a pipe.
stdout = cast("Console", _LazyConsole(markup=False, emoji=False, highlight=False, soft_wrap=True))
stderr = cast("Console", _LazyConsole(markup=False, emoji=False, highlight=False, stderr=True, soft_wrap=True))


def _surely_piped() -> bool:
    """Whether rich, once loaded, would take stdout for a pipe or a file: known without loading it
    (a command printing to a pipe need not pay for rich) when stdout is not a terminal and neither of
    the variables that make rich treat a pipe as a terminal is set. False means: ask rich."""
    return (isinstance(stdout, _LazyConsole) and not stdout.made() and not sys.stdout.isatty()
            and not {"FORCE_COLOR", "TTY_COMPATIBLE"} & os.environ.keys())


def writes_plain() -> bool:
    """Whether stdout takes no styles (a pipe, a file, a dumb terminal): press writes its text as it is."""
    return _surely_piped() or stdout.color_system is None


def _plain_out() -> IO[str]:
    """Where plain text goes: the console's file, or sys.stdout while there is no console to ask."""
    return sys.stdout if _surely_piped() else stdout.file


def say(text: str = "", style: str | None = None) -> None:
    """One line to stdout, in ``style`` on a terminal; as it is to a pipe or file (as git writes)."""
    if stdout.quiet:
        return
    if writes_plain():
        _plain_out().write(text + "\n")
        return
    stdout.print(text, style=style)


def exit_code_for(error: PressError) -> int:
    for cls, code, _status in _EXIT_CODES:
        if isinstance(error, cls):
            return code
    return EXIT_REFUSED


def jsonable(value: Any) -> Any:
    """Dataclasses, lists and bytes as plain JSON values; a problem in the CLI's terms."""
    if isinstance(value, Problem):
        # Its fields as reported before problems carried a cause: the wording is the CLI's.
        worded = hints.word(value)
        return {name: jsonable(getattr(worded, name)) for name in ("message", "code", "where", "hint")}
    view = sys.modules.get("pressroom.workflow.view")  # a Violation is made only where its module is loaded
    if view is not None and isinstance(value, view.Violation):
        # Likewise its fields as reported before.
        v = hints.word_violation(value)
        return {name: jsonable(getattr(v, name)) for name in ("code", "record", "message", "fix", "target", "path")}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dt.datetime):
        return utc_time(value)
    return value


def _aware(when: dt.datetime) -> dt.datetime:
    # The API's times are UTC; one without an offset is read so, not as local time.
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)


def _as_datetime(value: str | dt.datetime) -> dt.datetime | None:
    """A time of the API (ISO 8601 text or a datetime), aware; None for text that is no time."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return _aware(value)


def utc_time(value: str | dt.datetime) -> str:
    """A time as ``--json`` and scripts read it: UTC ISO 8601 to the second, with a Z.

    Takes the API's ISO 8601 text or a ``datetime``; text that is no time is kept as it is.
    """
    when = _as_datetime(value)
    if when is None:
        return str(value)
    return when.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def local_time(value: str | dt.datetime | None) -> str:
    """A time as people read it: local (TZ honoured), to the second, with its offset.

    ``2026-12-01T19:15:03Z`` in Paris is ``2026-12-01 20:15:03 +01:00``, a form
    ``--at``, ``--since`` and ``--until`` read back. Takes the API's ISO 8601
    text or a ``datetime``; none is ``""``, and text that is no time (a store
    written by hand) is shown as it is.
    """
    if value is None or value == "":
        return ""
    when = _as_datetime(value)
    if when is None:
        return str(value)
    try:
        local = when.astimezone()
    except OverflowError:
        # At the ends of the calendar (year 1, 9999) the local time has no date: UTC still has one.
        return utc_time(when)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:5]}"


def envelope(command: str, *, data: Any = None, errors: Sequence[Problem] = (), warnings: Sequence[Problem] = (),
             exit_code: int = EXIT_OK) -> str:
    """The stable JSON shape every ``--json`` command prints (keys sorted)."""
    doc = {
        "command": command,
        "data": jsonable(data),
        "errors": [p.as_dict() for p in hints.word_all(errors)],
        "exit_code": exit_code,
        "status": STATUS_OF_CODE.get(exit_code, "refused"),
        "version": ENVELOPE_VERSION,
        "warnings": [p.as_dict() for p in hints.word_all(warnings)],
    }
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False)


def print_problems(problems: list[Problem], *, label: str = "error") -> None:
    """Each problem (in the CLI's terms) and its hint, on stderr."""
    for p in hints.word_all(problems, local_time):
        stderr.print(f"{label}: {p}", style="red" if label == "error" else "yellow")
        if p.hint:
            stderr.print(f"  hint: {p.hint}", style="dim")


class Output:
    """What a running command prints to, set up by ``command()``."""

    def __init__(self, name: str, as_json: bool):
        self.name = name
        self.as_json = as_json
        self.warnings: list[Problem] = []

    def warn(self, problems: list[Problem]) -> None:
        self.warnings.extend(problems)
        if not self.as_json:
            print_problems(problems, label="warning")

    def done(self, data: Any, render: Callable[[], None] | None = None, *, exit_code: int = EXIT_OK,
             errors: Sequence[Problem] = ()) -> None:
        """Print the result (and errors) and leave with ``exit_code``."""
        if self.as_json:
            typer.echo(envelope(self.name, data=data, errors=list(errors), warnings=self.warnings,
                                exit_code=exit_code))
        else:
            if render is not None:
                render()
            print_problems(list(errors))
        # A closed pipe shows at the flush: here, inside command(), not at exit.
        sys.stdout.flush()
        if exit_code:
            raise typer.Exit(exit_code)


@contextmanager
def command(name: str, as_json: bool) -> Iterator[Output]:
    """Run a command body; a PressError becomes a message and its exit code."""
    out = Output(name, as_json)
    started = time.monotonic()
    try:
        yield out
    except PressError as e:
        code = exit_code_for(e)
        if as_json:
            typer.echo(envelope(name, errors=e.problems, warnings=out.warnings, exit_code=code))
        else:
            own, problems = hints.word_error(e, local_time)
            if len(problems) > 1:
                stderr.print(f"error: {own.message}", style="red")
                if own.hint:
                    stderr.print(f"  hint: {own.hint}", style="dim")
            print_problems(problems)
        raise typer.Exit(code) from None
    except BrokenPipeError:
        pipe_closed()
    except OSError as e:
        # The system said no (a read-only folder, /proc, a full disk): the user's to fix,
        # so a message naming the path, not a traceback. Any other exception is a bug
        # and keeps its traceback (without local variables: a record may hold secrets).
        problem = os_problem(e)
        if as_json:
            typer.echo(envelope(name, errors=[problem], warnings=out.warnings, exit_code=EXIT_REFUSED))
        else:
            print_problems([problem])
        raise typer.Exit(EXIT_REFUSED) from None
    except KeyboardInterrupt:
        if as_json:
            typer.echo(envelope(name, errors=[Problem(INTERRUPTED, code="interrupted")], warnings=out.warnings,
                                exit_code=EXIT_INTERRUPTED))
        else:
            stderr.print(INTERRUPTED, style="red")
        # SystemExit, not typer.Exit: the entry point tells this reported interrupt
        # from one that came before any command ran.
        raise SystemExit(EXIT_INTERRUPTED) from None
    finally:
        if settings.verbose:
            stderr.print(f"press {name}: {time.monotonic() - started:.2f} s", style="dim")


def os_problem(error: OSError) -> Problem:
    """An OS error as a problem: the path it names and what the system said."""
    message = error.strerror or str(error)
    if error.filename2 is not None:
        message += f" (-> {error.filename2})"
    path = error.filename
    if path is None:
        return Problem(message, code="os_error")
    return Problem(message, code="os_error",
                   where=Where(file=os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)))


@dataclasses.dataclass
class Fitted:
    """What a table or feed left out or cut short to fit the terminal, to say under it."""

    left_out: list[str] = dataclasses.field(default_factory=list)
    cut: list[str] = dataclasses.field(default_factory=list)

    def note(self) -> str:
        """``cut to fit the terminal: ...; left out ...; see --json``, or "" when all of it is shown."""
        parts = [f"cut to fit the terminal: {', '.join(self.cut)}"] if self.cut else []
        if self.left_out:
            parts.append(f"left out{'' if self.cut else ' to fit the terminal'}: {', '.join(self.left_out)}")
        return "; ".join(parts) + "; see --json" if parts else ""

    def print_note(self) -> None:
        """The note on a line of its own under the output, when anything is missing."""
        if self.note():
            say(f"({self.note()})", style="dim")


# A column cut narrower than this says too little: it is left out instead.
MIN_CUT = 12


def fit_width() -> int | None:
    """The width output must fit: the terminal's (COLUMNS honoured), the pager's too; None off a terminal.

    Piped output is whole lines for scripts, never fitted.
    """
    if settings.pager_width is not None:
        return settings.pager_width
    return None if _surely_piped() or not stdout.is_terminal else terminal_width()


def terminal_width() -> int:
    """COLUMNS when set, else the terminal's width (rich ignores COLUMNS on a TERM=dumb terminal)."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else stdout.width


def cut_to(text: str, width: int) -> str:
    """``text`` in at most ``width`` terminal cells, ending in … when cut (a wide character is never halved)."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += cell_len(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + "…" if width > 0 else ""


def print_columns(headers: list[str], rows: list[tuple[list[str], str | None]], *,
                  drop: Sequence[str] = (), cut: str | None = None) -> Fitted:
    """Rows of cells (each with a style or None) in columns two spaces apart; returns what was left out or cut.

    A line ends at its last cell: no padding to a width, no trailing spaces, no
    wrapping, so piped output is plain text lines. On a terminal too narrow for
    the lines, the column named ``cut`` is cut short first (its cells end in …,
    down to ``MIN_CUT`` cells), then the columns named in ``drop`` are left out,
    in that order, until they fit: no other cell is ever cut short. Built as
    lines of text: a rich Table measures and renders every cell, which took
    most of ``press status`` on a large site (10 s for 10,000 rows).
    """
    if stdout.quiet:
        return Fitted()

    def cells_of(text: str) -> int:
        # Most cells are printable ASCII (ids, times): one column a character, no lookup in rich's
        # tables, which cost 30 ms to load.
        if text.isascii() and text.isprintable():
            return len(text)
        from rich.cells import cell_len

        return cell_len(text)

    def plain(column: Sequence[str]) -> bool:
        # One test of the whole column: every cell printable ASCII, so each is as wide as it is long.
        joined = "".join(column)
        return joined.isascii() and joined.isprintable()

    # Column by column: a table of 10,000 rows is measured and padded with one call a column where it can.
    columns: list[Sequence[str]] = [[h] for h in headers]
    if rows:
        columns = [(h, *column) for h, column in zip(headers, zip(*(cells for cells, _ in rows)))]
    plains = [plain(column) for column in columns]
    widths = [max(map(len if is_plain else cells_of, column)) for column, is_plain in zip(columns, plains)]
    keep = list(range(len(headers)))
    fitted = Fitted()
    width = fit_width()

    def over() -> int:
        return sum(widths[i] + 2 for i in keep) - 2 - (width or 0)

    if width is not None and cut is not None and over() > 0:
        column = headers.index(cut)
        narrower = max(widths[column] - over(), MIN_CUT, cells_of(cut))
        if narrower < widths[column]:
            widths[column] = narrower
            columns[column] = [columns[column][0], *(cut_to(c, narrower) for c in columns[column][1:])]
            plains[column] = plain(columns[column])
            fitted.cut.append(cut)
    if width is not None:
        for name in drop:
            if over() <= 0:
                break
            keep.remove(headers.index(name))
            fitted.left_out.append(name)
            if name in fitted.cut:
                fitted.cut.remove(name)

    # One format a line: the cells of plain columns padded by it (it counts characters, each one
    # cell wide there), the others beforehand by their width in cells.
    form = "  ".join(f"{{:<{widths[i]}}}" if plains[i] else "{}" for i in keep)
    cells = [columns[i] if plains[i] else [c + " " * (widths[i] - cells_of(c)) for c in columns[i]] for i in keep]
    lines = [line.rstrip() + "\n" for line in map(form.format, *cells)]
    if writes_plain():
        # Nothing to colour (a pipe, NO_COLOR): the text is all there is.
        _plain_out().write("".join(lines))
        return fitted
    from rich.text import Text

    text = Text()
    text.append(lines[0], style="bold")
    for line, (_, style) in zip(lines[1:], rows):
        text.append(line, style=style)
    stdout.print(text, end="")
    return fitted


def print_lines(lines: list[str], style: str | None = None) -> None:
    """Many lines at once (a batch of 10,000 records): one write, not a rich print per line."""
    if not lines or stdout.quiet:
        return
    if writes_plain():
        _plain_out().write("\n".join(lines) + "\n")
        return
    from rich.text import Text

    stdout.print(Text("\n".join(lines), style=style or ""))


def is_tty() -> bool:
    return sys.stdout.isatty() and not settings.quiet


class Settings:
    """What the root options set for the whole run: ``--no-pager``, ``-q``, ``-v``."""

    no_pager = False
    quiet = False
    verbose = False
    # The terminal's width while a pager shows the output: what it must fit there.
    pager_width: int | None = None


settings = Settings()


@contextmanager
def paged(enabled: bool) -> Iterator[None]:
    """Send stdout through a pager, as git does: PRESS_PAGER, else PAGER, else ``less`` (LESS=FRX).

    Only when stdout is a terminal and ``enabled`` (not --json, not --no-pager);
    an empty pager or ``cat`` means none.
    """
    command = os.environ.get("PRESS_PAGER", os.environ.get("PAGER", "less"))
    if not enabled or settings.no_pager or not sys.stdout.isatty() or command.strip() in ("", "cat"):
        yield
        return
    import subprocess

    # The console reads the terminal when it is made: before fd 1 becomes the pager's pipe.
    if isinstance(stdout, _LazyConsole):
        stdout.load()
    sys.stdout.flush()
    # less quits when the text fits one screen, keeps colours, and leaves the screen as it was.
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX"), "LV": os.environ.get("LV", "-c")}
    proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    settings.pager_width = terminal_width()
    saved = os.dup(1)
    assert proc.stdin is not None
    os.dup2(proc.stdin.fileno(), 1)
    proc.stdin.close()
    try:
        yield
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            pass
        os.dup2(saved, 1)
        os.close(saved)
        settings.pager_width = None
        proc.wait()
