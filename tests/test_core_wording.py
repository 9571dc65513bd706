"""The core speaks to a Python caller: no message or hint outside the CLI names a
command-line flag or a ``press`` command (pressroom.errors says how a raise site
words its problem for the CLI instead). Every string literal of the package outside
``cli/`` is read from the source; docstrings and comments are not messages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import typer

from pressroom.cli.app import app

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "pressroom"

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
PRESS_COMMAND = re.compile(r"\bpress (?:%s)\b" % "|".join(re.escape(c) for c in COMMANDS))
# --depth, or a short flag standing alone (-C DIR, -f/--file); not a hyphen inside a word.
FLAG = re.compile(r"(?<![\w-])(?:--[a-z][a-z0-9-]*|-[A-Za-z](?=[\s/,)]|$))")
# Another program's command quoted in a hint (`git rm --cached ...`), closed or cut off where an
# f-string's value goes: its flags are that program's.
OTHER_COMMAND = re.compile(r"`(?!press\b)[^`]*(?:`|$)")
# A whole argument of a command line the core runs itself (git's --verify): not a message.
ARGV_TOKEN = re.compile(r"--?[A-Za-z][\w-]*(=.*)?", re.S)

# Known exceptions, each a module (relative to the package) and a text the string holds.
ALLOWED: list[tuple[str, str]] = [
    # The label problems in content given instead of the working file point at (their
    # ``file``, reported as it always was): Site.save's content is what -f reads.
    ("workflow/saving.py", "-f input"),
    ("workflow/revert.py", "-f input"),
    # The text of files press writes for git and its users (.gitattributes comments, the
    # git hook script): they say which command wrote them, and run git with its flags.
    ("attributes.py", "# pressroom:"),
    ("githooks.py", "press git setup writes this file"),
    ("githooks.py", "git diff --quiet"),
    ("githooks.py", '[ -x "$chained" ]'),
    ("githooks.py", "\n}\nif [ -f "),
    # The command line git runs as the store's merge driver, and what the driver tells the
    # person in the middle of a git merge (only git runs it, through `press merge-driver run`).
    ("gitio.py", " -m pressroom merge-driver run "),
    ("gitio.py", "; resolve with press resolve "),
    ("gitio.py", "); pick one: press resolve "),
    ("gitio.py", " --ours | --theirs | --version V"),
    # git's own command, for the person to run.
    ("gitio.py", "git config --local KEY VALUE"),
    # The first line of a new record's file, for the person who fills it in.
    ("workflow/newrecord.py", ": fill in the fields, then run: press save "),
    # pip's flag, not press's.
    ("store/__init__.py", "pip install -U pressroom"),
]


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def offending_strings(root: Path = PACKAGE) -> list[str]:
    """Each string literal outside cli/ naming a flag or a press command, as ``file:line: text``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("cli/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docs:
                continue
            text = node.value
            if ARGV_TOKEN.fullmatch(text):
                continue
            if not (FLAG.search(OTHER_COMMAND.sub("", text)) or PRESS_COMMAND.search(text)):
                continue
            if any(rel == module and part in text for module, part in ALLOWED):
                continue
            found.append(f"{rel}:{node.lineno}: {text!r}")
    return found


def test_no_core_message_names_a_flag_or_a_press_command() -> None:
    found = offending_strings()
    assert not found, ("messages outside cli/ that name a flag or a press command (word them for a Python "
                       "caller and give the CLI's wording in pressroom.cli.hints):\n" + "\n".join(found))


def test_the_check_finds_flags_and_commands(tmp_path: Path) -> None:
    """The scan is not blind: it finds each kind of CLI wording, and lets docstrings, comments,
    git's own arguments and prose about press pass."""
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "x.py").write_text('HINT = "run press save post/x --force"\n')
    (tmp_path / "core.py").write_text(
        '"""Run `press save` with --all."""\n'
        "# press publish --cascade\n"
        'def f(record):\n'
        '    """press fsck --view-only"""\n'
        '    a = "--limit must be 1 or more"\n'
        '    b = f"save it first: press save {record}"\n'
        '    c = "check the path given to -C, or make a site there"\n'
        '    d = ["git", "rev-parse", "--verify", "--end-of-options"]\n'
        '    h = "restore it (`git checkout --theirs -- x`), then `press fsck --view-only`"\n'
        '    e = "another press process saved it; press reads regular files only"\n'
        '    g = "limit must be 1 or more; save it first (Site.save)"\n')
    found = offending_strings(tmp_path)
    assert sorted(line.split(": ", 1)[0] for line in found) == ["core.py:5", "core.py:6", "core.py:7", "core.py:9"]
