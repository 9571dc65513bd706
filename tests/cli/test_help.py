"""Help texts name values the way users type them (REF..., MODEL, FILE), never by Python type."""

from __future__ import annotations

import re

import pytest
import typer

from pressroom.cli.app import app
from tests.conftest import Cli

METAVAR = re.compile(r"^[A-Z][A-Z_]*(=[A-Z]+)?$")


def _commands(group: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    out = [(path, group)]
    for name, command in getattr(group, "commands", {}).items():
        out.extend(_commands(command, (*path, name)))
    return out


COMMANDS = _commands(typer.main.get_command(app))


@pytest.mark.parametrize("path", [p for p, _c in COMMANDS], ids=lambda p: " ".join(p) or "press")
def test_every_value_has_a_readable_metavar(path: tuple[str, ...]) -> None:
    command = dict(COMMANDS)[path]
    for param in command.params:
        takes_value = param.param_type_name == "argument" or not (param.is_flag or param.count)
        if takes_value and not getattr(param, "hidden", False):
            assert param.metavar and METAVAR.match(param.metavar), (path, param.name, param.metavar)


@pytest.mark.parametrize("path", [p for p, _c in COMMANDS], ids=lambda p: " ".join(p) or "press")
def test_help_shows_no_python_types(cli: Cli, path: tuple[str, ...]) -> None:
    result = cli(*path, "--help")
    assert result.exit_code == 0
    for python in ("<str>", "<list[", "<int", "<path>", "{", "<json|"):
        assert python not in result.stdout, (path, python)


def test_usage_lines_read_like_a_man_page(cli: Cli) -> None:
    def usage(*path: str) -> str:
        return cli(*path, "--help").stdout.splitlines()[0]

    assert usage("save") == "Usage: press save [OPTIONS] [REF]..."
    assert usage("show") == "Usage: press show [OPTIONS] REF"
    assert usage("delete") == "Usage: press delete [OPTIONS] REF..."
    assert usage("diff") == "Usage: press diff [OPTIONS] [REF] [A] [B]"
    assert usage("new") == "Usage: press new [OPTIONS] MODEL [ID]"
    text = cli("save", "--help").stdout
    assert "  REF...  Records to save (model/id)." in text
    for shown in ("--model MODEL", "-m, --message TEXT", "--author NAME", "-f, --file FILE", "--set PATH=VALUE"):
        assert shown in text
    assert "-C, --directory DIR" in cli("--help").stdout
    assert "--at TIME" in cli("schedule", "publish", "--help").stdout
    assert "-n, --limit N" in cli("log", "--help").stdout
