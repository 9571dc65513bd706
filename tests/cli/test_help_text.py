"""Help lists whole summaries that fit 80 columns, and every command's help ends with its examples."""

from __future__ import annotations

import re
import shlex

import pytest
import typer.main
from typer._click import Command
from typer.testing import CliRunner

from pressroom.cli.app import app
from pressroom.cli.examples import EXAMPLES
from pressroom.cli.helptext import summary

ROOT = typer.main.get_command(app)


def _walk(command: Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Command]]:
    out = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        if not sub.hidden:
            out.extend(_walk(sub, (*path, name)))
    return out


COMMANDS = _walk(ROOT)
GROUPS = [(path, cmd) for path, cmd in COMMANDS if hasattr(cmd, "commands")]


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=80, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", [p for p, _c in GROUPS], ids=lambda p: " ".join(p) or "press")
def test_a_group_lists_each_whole_summary_on_one_line(path: tuple[str, ...]) -> None:
    text = _help(path)
    assert "…" not in text
    group = dict(GROUPS)[path]
    for name, sub in group.commands.items():  # type: ignore[attr-defined]
        if sub.hidden:
            continue
        line = summary(sub.help)
        assert line.endswith("."), f"press {' '.join((*path, name))}: the summary is not a sentence: {line!r}"
        assert re.search(rf"^  {re.escape(name)} +{re.escape(line)}$", text, re.M), (
            f"press {' '.join(path)} --help does not show {name}'s whole summary on one line at 80 columns: "
            f"{line!r} ({len(line)} characters): shorten the first paragraph of its help")


def test_every_command_has_examples_and_no_example_names_a_missing_command() -> None:
    keys = {" ".join(path) for path, _cmd in COMMANDS}
    assert keys - set(EXAMPLES) == set(), "commands without examples in pressroom/cli/examples.py"
    assert set(EXAMPLES) - keys == set(), "examples of commands that do not exist"


@pytest.mark.parametrize("path", [p for p, _c in COMMANDS], ids=lambda p: " ".join(p) or "press")
def test_the_help_ends_with_the_commands_examples(path: tuple[str, ...]) -> None:
    text = _help(path)
    assert "\nExamples:\n" in text
    shown = text.split("\nExamples:\n", 1)[1]
    expected = []
    for example in EXAMPLES[" ".join(path)]:
        if example.says:
            expected.append(f"  # {example.says}")
        expected.append(f"  {example.line}")
    assert shown.splitlines() == expected


def _resolve(args: list[str]) -> tuple[tuple[str, ...], Command, list[str]]:
    """The command an example's arguments run, its path and the arguments left for it."""
    cmd, path = ROOT, ()
    while args and args[0] in ("-C", "--directory"):
        args = args[2:]
    while args and hasattr(cmd, "commands") and not args[0].startswith("-"):
        assert args[0] in cmd.commands, f"no command {args[0]!r}"
        path = (*path, args[0])
        cmd = cmd.commands[args.pop(0)]
    return path, cmd, args


@pytest.mark.parametrize("key", sorted(EXAMPLES), ids=lambda k: k or "press")
def test_examples_use_options_that_exist_and_show_the_command_itself(key: str) -> None:
    runs_itself = False
    for example in EXAMPLES[key]:
        words = shlex.split(example.line)
        assert words[0] == "press", example.line
        path, cmd, rest = _resolve(words[1:])
        # a group's examples run its subcommands
        runs_itself = runs_itself or f"{' '.join(path)} ".startswith(f"{key} ")
        known = {"--help", "-h"} | {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
        if cmd is ROOT:
            known |= {"--version", "--install-completion", "--show-completion"}
        for word in rest:
            if word.startswith("-") and not re.match(r"^-\d|^-$", word):
                assert word.split("=", 1)[0] in known, f"{example.line}: no option {word}"
    assert runs_itself or key == "", f"no example of {key!r} runs press {key}"
