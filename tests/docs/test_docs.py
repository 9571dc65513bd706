"""The docs cannot drift from the CLI: every command has help text and a current section."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.docs.generators import DOCS, load_generator

gen = load_generator("gen_reference")
COMMANDS = gen.commands()
REGENERATE = "run `python docs/gen_reference.py` to regenerate docs/reference.md"


def _sections() -> dict[str, str]:
    """docs/reference.md's sections: title line -> the text of its ```text block."""
    text = (DOCS / "reference.md").read_text(encoding="utf-8")
    found = re.findall(r"^(## press[^\n]*)\n\n```text\n(.*?)```\n", text, flags=re.S | re.M)
    return dict(found)


def test_there_are_commands_to_document() -> None:
    names = {" ".join(path) for path, _cmd in COMMANDS}
    assert {"init", "save", "status", "export"} <= names


@pytest.mark.parametrize("path", [path for path, _cmd in COMMANDS], ids=lambda p: " ".join(p))
def test_command_has_help_and_a_current_section(path: tuple[str, ...]) -> None:
    cmd = dict(COMMANDS)[path]
    assert (cmd.help or "").strip(), f"press {' '.join(path)} has no help text (its docstring)"
    for param in cmd.params:
        if getattr(param, "param_type_name", "") == "option" and not getattr(param, "hidden", False):
            assert (param.help or "").strip(), f"press {' '.join(path)} {param.opts[0]} has no help text"
    sections = _sections()
    title = gen.section_title(path)
    assert title in sections, f"docs/reference.md has no section {title!r}: {REGENERATE}"
    assert sections[title] == gen.help_text(path), f"{title} differs from --help: {REGENERATE}"


def test_reference_is_exactly_what_the_generator_writes() -> None:
    assert (DOCS / "reference.md").read_text(encoding="utf-8") == gen.render(), REGENERATE


def test_docs_index_links_every_page() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        if page.name != "README.md":
            assert f"({page.name})" in index, f"docs/README.md does not link {page.name}"


_INVOCATION = re.compile(r"(?<![\w.-])press ((?:[^;&|)#\n\"'`]|\"[^\"]*\"|'[^']*')*)")


def _press_invocations() -> list[tuple[str, list[str]]]:
    """Every `press ...` in the shell and YAML blocks of the docs and the README: (page, arguments)."""
    found = []
    for page in [*sorted(DOCS.glob("*.md")), DOCS.parent / "README.md"]:
        for block in re.findall(r"```(?:sh|yaml)\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            for line in block.splitlines():
                # comments and YAML step names are prose
                line = re.sub(r"(^|\s)#.*$|^\s*(- )?name:.*$", "", line)
                for m in _INVOCATION.finditer(line):
                    found.append((page.name, shlex.split(m.group(1).rstrip("\\ "))))
    return found


def test_docs_use_only_commands_and_options_that_exist() -> None:
    import typer.main

    from pressroom.cli.app import app

    root = typer.main.get_command(app)
    invocations = _press_invocations()
    assert len(invocations) > 30
    for page, args in invocations:
        where = f"{page}: press {' '.join(args)}"
        args = list(args)
        while args and args[0] in ("-C", "--directory"):
            args = args[2:]
        cmd = root
        while args and hasattr(cmd, "commands") and not args[0].startswith("-"):
            assert args[0] in cmd.commands, f"{where}: no command {args[0]!r}"
            cmd = cmd.commands[args.pop(0)]
        known = {"--help", "-h"} | {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
        if cmd is root:
            known.add("--version")
        for arg in args:
            if arg.startswith("-") and arg != "-":
                assert arg.split("=", 1)[0] in known, f"{where}: no option {arg}"
