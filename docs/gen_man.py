"""Write docs/press.1, the man page, from the same text as ``--help``: the commands, their options and examples.

Run it after adding or changing a command (with docs/gen_reference.py):

    python docs/gen_man.py          # rewrite docs/press.1
    python docs/gen_man.py --check  # exit 1 when it is out of date
    man -l docs/press.1             # read it

tests/docs/test_man.py fails when the file differs from what this writes, and
renders it with groff where groff is installed.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import typer.main
from typer._click import Command, Context

from pressroom.cli.app import COMMANDS, PANELS, app
from pressroom.cli.examples import EXAMPLES
from pressroom.cli.helptext import summary

MAN = Path(__file__).with_name("press.1")

# What press reads from the environment; tests/docs/test_man.py checks the code reads each.
ENVIRONMENT = (
    ("PRESSROOM_DIR", "The site root when -C is not given."),
    ("PRESSROOM_AUTHOR", "Who acts, when git names no user (\"Name <mail>\")."),
    ("PRESSROOM_LOCK_TIMEOUT", "Seconds to wait for the store's lock (default 30)."),
    ("PRESSROOM_PREVIEW_TOKEN", "The token press serve asks of previews (else serve.preview_token_file)."),
    ("PRESS_PAGER", "The pager for long output (log, diff, show); else PAGER, else less."),
    ("PAGER", "The pager when PRESS_PAGER is not set."),
    ("VISUAL", "The editor press edit opens; else EDITOR, else vi."),
    ("EDITOR", "The editor when VISUAL is not set."),
    ("NO_COLOR", "Print no colour."),
)

FILES = (
    ("pressroom.yaml", "The site's settings (docs/settings.md lists every key)."),
    ("models/<model>.yaml", "A model: its schema, links and options."),
    ("content/<model>/<id>.yaml", "A record's working file."),
    (".press/", "The store: versions, refs, event logs, schedules."),
)


def roff(text: str) -> str:
    """Text as roff reads it literally: backslashes, hyphens (so options copy as typed) and leading dots."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(f"\\&{line}" if line.startswith((".", "'")) else line for line in text.split("\n"))


def term(text: str) -> str:
    """An option or argument as a man page shows it: names in bold, values (metavars) in italics."""
    def one(word: str) -> str:
        if word.startswith("-"):
            return f"\\fB{roff(word)}\\fR"
        if word in ("/", "[", "]", "..."):
            return roff(word)
        return f"\\fI{roff(word)}\\fR"
    return re.sub(r"[^\s,/\[\]]+(?:\.\.\.)?|[/\[\]]", lambda m: one(m.group(0)), text)


def paragraphs(help: str) -> list[str]:
    """A help text as roff paragraphs: rewrapped, except those click keeps as written (\\b)."""
    out = []
    for para in inspect.cleandoc(help).partition("\f")[0].split("\n\n"):
        if para.startswith("\b"):
            out.append(".nf\n" + roff(para[1:].strip("\n")) + "\n.fi")
        else:
            out.append(roff(" ".join(para.split())))
    return out


def contexts() -> list[tuple[tuple[str, ...], Command, Context]]:
    """Every visible command under press, with a context as its --help builds one, in --help's order."""
    root = typer.main.get_command(app)
    out: list[tuple[tuple[str, ...], Command, Context]] = []

    def walk(group: Command, path: tuple[str, ...], parent: Context) -> None:
        for name, cmd in getattr(group, "commands", {}).items():
            if cmd.hidden:
                continue
            ctx = Context(cmd, info_name=name, parent=parent)
            out.append(((*path, name), cmd, ctx))
            walk(cmd, (*path, name), ctx)

    walk(root, (), Context(root, info_name="press", **root.context_settings))
    return out


def params(cmd: Command, ctx: Context) -> list[str]:
    """The Arguments and Options of a command, as tagged paragraphs."""
    lines: list[str] = []
    for title, kind in (("Arguments", "argument"), ("Options", "option")):
        rows = []
        for param in cmd.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None or (param.param_type_name == "argument") != (kind == "argument"):
                continue
            name = record[0]
            if kind == "argument":
                name = param.metavar or (param.name or "").upper()
                name = f"{name}..." if param.nargs != 1 else name
            rows.append(f".TP\n{term(name)}\n{roff(' '.join(record[1].split()))}")
        if rows:
            lines += [f".PP\n\\fB{title}:\\fR", ".RS", *rows, ".RE"]
    return lines


def examples(key: str) -> list[str]:
    """A command's examples, as the help shows them, in a literal block."""
    rows = []
    for example in EXAMPLES.get(key, ()):
        if example.says:
            rows.append(roff(f"# {example.says}"))
        rows.append(roff(example.line))
    if not rows:
        return []
    return [".PP\n\\fBExamples:\\fR", ".RS", ".nf", *rows, ".fi", ".RE"]


def usage(cmd: Command, ctx: Context) -> str:
    return term(" ".join(cmd.collect_usage_pieces(ctx)))


def render() -> str:
    """The whole of docs/press.1."""
    root = typer.main.get_command(app)
    root_ctx = Context(root, info_name="press", **root.context_settings)
    out = [
        '.\\" Generated by docs/gen_man.py from the commands\' own help: do not edit.',
        '.TH PRESS 1 "" "pressroom" "pressroom manual"',
        # No hyphenation and a ragged right edge: option names and paths stay whole, as typed.
        ".nh",
        ".ad l",
        ".SH NAME",
        "press \\- " + roff(summary(root.help).rstrip(".").replace("Draft/published", "draft/published")),
        ".SH SYNOPSIS",
        f"\\fBpress\\fR {usage(root, root_ctx)}",
        ".SH DESCRIPTION",
        *(f".PP\n{p}" for p in paragraphs(root.help or "")),
        *params(root, root_ctx),
        *examples(""),
        ".SH COMMANDS",
    ]
    for panel in PANELS:
        out.append(f".SS {panel}")
        for name, entry in COMMANDS.items():
            if entry.panel == panel:
                out.append(f".TP\n\\fB{roff(name)}\\fR\n{roff(entry.help)}")
    for path, cmd, ctx in contexts():
        name = " ".join(path)
        out.append(f'.SH "PRESS {roff(name.upper())}"')
        out.append(f"\\fBpress {roff(name)}\\fR {usage(cmd, ctx)}")
        out += [f".PP\n{p}" for p in paragraphs(cmd.help or "")]
        if hasattr(cmd, "commands"):
            rows = [f".TP\n\\fB{roff(sub)}\\fR\n{roff(summary(c.help))}"
                    for sub, c in cmd.commands.items() if not c.hidden]
            out += [".PP\n\\fBCommands:\\fR", ".RS", *rows, ".RE"]
        out += params(cmd, ctx)
        out += examples(name)
    out.append(".SH ENVIRONMENT")
    out += [f".TP\n\\fB{roff(var)}\\fR\n{roff(text)}" for var, text in ENVIRONMENT]
    out.append(".SH FILES")
    out += [f".TP\n\\fI{roff(path)}\\fR\n{roff(text)}" for path, text in FILES]
    out += [".SH SEE ALSO", "\\fBgit\\fR(1); docs/reference.md, docs/settings.md and docs/api.md in the "
            "pressroom repository."]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = MAN.read_text(encoding="utf-8") if MAN.exists() else ""
        if current != text:
            print(f"{MAN} is out of date: run python docs/gen_man.py", file=sys.stderr)
            return 1
        return 0
    MAN.write_text(text, encoding="utf-8")
    print(f"wrote {MAN} ({len(contexts())} commands)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
