"""Commands load lazily: a command imports its own module and the library it runs, nothing else.

The import set of the everyday commands is guarded here (in a real process) so that
an eager import added somewhere does not bring start-up costs back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer.main
import typer.testing

from pressroom import Site
from pressroom.cli.app import COMMANDS, PANELS, LazyCommands, app, load_module_commands
from tests.conftest import write

PROBE = """
import json, sys
from pressroom.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

# Libraries and modules none of show, status, log and --help runs.
NEVER = ("jsonschema", "git", "rich.progress", "rich.table", "ahocorasick", "pressroom.audit", "pressroom.export",
         "pressroom.delivery", "pressroom.serve", "pressroom.workflow.publishing",
         "pressroom.workflow.saving", "pressroom.workflow.schedule")


# What none of show, log, diff and status runs, each once loaded by all of them (issue 16): ruamel's
# round trip (editing and writing files), the store's fsck and gc.
NOT_EVERYDAY = ("ruamel", "pressroom.store.fsck", "pressroom.store.gc")
# What reading one record's stored history needs none of: the published view's checks, the planner,
# the ref index, the results of store-changing commands.
NOT_FOR_HISTORY = (*NOT_EVERYDAY, "pressroom.workflow.view", "pressroom.workflow.validation",
                   "pressroom.workflow.plan", "pressroom.store.refindex", "pressroom.outcome")
# What show and log need none of besides: model files, the derived cache their checks are kept in, and
# a YAML parser (they print stored bytes; pressroom.yaml as init writes it is comments alone).
NO_MODELS = ("pressroom.models", "pressroom.store.cache", "sqlite3", "ryml")
MODEL = "schema: {type: object, properties: {title: {type: string}, date: {type: string}}}\n"


def loaded(root: Path, *args: str) -> tuple[int, list[str]]:
    out = subprocess.run([sys.executable, "-c", PROBE, "-C", str(root), *args], capture_output=True, text=True,
                         check=True).stdout
    found = json.loads(out.splitlines()[-1])
    return found["code"], found["modules"]


def heavy(modules: list[str], never: tuple[str, ...] = NEVER) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in never))


def command_modules(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith("pressroom.cli.cmd_"))


def published_site(site_dir: Path) -> Site:
    site = Site.open(site_dir)
    write(site_dir, "post/hello", "title: Hello\n")
    site.save("post/hello")
    site.publish("post/hello")
    return site


def test_help_lists_every_command_by_panel_and_loads_none(site_dir: Path) -> None:
    code, modules = loaded(site_dir, "--help")
    assert code == 0
    assert command_modules(modules) == []
    assert heavy(modules, (*NEVER, "pressroom.history", "pressroom.workflow.status")) == []


def test_show_loads_its_module_and_what_it_reads(site_dir: Path) -> None:
    published_site(site_dir)
    code, modules = loaded(site_dir, "show", "post/hello@published")
    assert code == 0
    assert command_modules(modules) == ["pressroom.cli.cmd_records"]
    assert heavy(modules) == []
    # show prints a stored version: no schema is compiled for it.
    assert "pressroom.workflow.status" not in modules
    # Nor are models read, nor styled text printed.
    assert heavy(modules, (*NOT_FOR_HISTORY, *NO_MODELS, "rich")) == []


def test_status_loads_its_module_and_no_writer(site_dir: Path) -> None:
    published_site(site_dir)
    code, modules = loaded(site_dir, "status")
    assert code == 0
    assert command_modules(modules) == ["pressroom.cli.cmd_records"]
    assert heavy(modules, tuple(n for n in NEVER if n != "jsonschema")) == []
    # Its table goes to a pipe as plain lines: rich is not loaded.
    assert heavy(modules, ("rich",)) == []


def test_log_loads_only_the_history_commands(site_dir: Path) -> None:
    published_site(site_dir)
    code, modules = loaded(site_dir, "log", "post/hello")
    assert code == 0
    assert command_modules(modules) == ["pressroom.cli.cmd_history"]
    assert heavy(modules) == []
    # Printed to a pipe: rich, which styles text for a terminal, is not loaded at all.
    assert heavy(modules, (*NOT_FOR_HISTORY, *NO_MODELS, "rich")) == []
    code, modules = loaded(site_dir, "log")
    assert code == 0 and heavy(modules, (*NOT_FOR_HISTORY, *NO_MODELS, "rich")) == []


def test_diff_reads_the_model_but_checks_nothing_else(site_dir: Path) -> None:
    (site_dir / "models" / "post.yaml").write_text(MODEL)
    published_site(site_dir)
    # A plain date: read as YAML 1.2 without ruamel's timestamp code.
    write(site_dir, "post/hello", "title: Hello again\ndate: 2024-01-02\n")
    code, modules = loaded(site_dir, "diff", "post/hello")
    assert code == 0
    assert command_modules(modules) == ["pressroom.cli.cmd_history"]
    assert "pressroom.models" in modules
    # The model's checks were kept when it was first loaded (by the save): no schema is compiled.
    assert heavy(modules, (*NEVER, *NOT_FOR_HISTORY, "rich")) == []


def test_validate_of_an_edit_prints_to_a_pipe_without_rich(site_dir: Path) -> None:
    (site_dir / "models" / "post.yaml").write_text(MODEL)
    published_site(site_dir)
    write(site_dir, "post/hello", "title: Hello again\n")
    code, modules = loaded(site_dir, "validate", "--all")
    assert code == 0
    assert "jsonschema" in modules  # the edit was checked
    assert heavy(modules, ("rich",)) == []


def test_status_loads_neither_the_round_trip_editor_nor_fsck_nor_gc(site_dir: Path) -> None:
    published_site(site_dir)
    write(site_dir, "post/hello", "title: Hello again\n")
    code, modules = loaded(site_dir, "status", "post/hello")
    assert code == 0
    assert heavy(modules, (*NOT_EVERYDAY, "rich")) == []


def test_a_json_export_loads_no_yaml_writer(site_dir: Path, tmp_path: Path) -> None:
    """ruamel writes the yaml and markdown exports alone: a json export (the default) never loads it."""
    published_site(site_dir)
    code, modules = loaded(site_dir, "export", "--out", str(tmp_path / "out"))
    assert code == 0 and (tmp_path / "out" / "post" / "hello.json").is_file()
    assert "pressroom.export" in modules
    assert heavy(modules, ("ruamel",)) == []
    code, modules = loaded(site_dir, "export", "--out", str(tmp_path / "md"), "--format", "markdown")
    assert code == 0 and (tmp_path / "md" / "post" / "hello.md").is_file()
    assert "ruamel.yaml" in modules


def test_a_command_builds_only_its_own_options(site_dir: Path) -> None:
    published_site(site_dir)
    group = typer.main.get_command(app)
    # A fresh table: the command run here is built, not the other four of its module.
    commands = LazyCommands(COMMANDS)
    show = commands["show"]
    assert show.name == "show"
    assert list(commands._commands) == ["show"]
    assert [p.name for p in show.params] == [p.name for p in group.commands["show"].params]  # type: ignore[attr-defined]


def test_the_table_names_every_command_the_modules_declare() -> None:
    declared: dict[str, str] = {}
    for module in sorted({entry.module for entry in COMMANDS.values()}):
        for name in load_module_commands(module):
            declared[name] = module
    assert declared == {name: entry.module for name, entry in COMMANDS.items()}
    assert {entry.panel for entry in COMMANDS.values()} == set(PANELS)


def test_the_short_help_is_the_commands_own() -> None:
    group = typer.main.get_command(app)
    for name, entry in COMMANDS.items():
        command = group.commands[name]  # type: ignore[attr-defined]
        first = (command.help or "").split("\n\n")[0]
        assert " ".join(first.split()) == entry.help, name


def test_a_command_still_runs_in_process(site_dir: Path) -> None:
    published_site(site_dir)
    result = typer.testing.CliRunner().invoke(app, ["-C", str(site_dir), "show", "post/hello@published"])
    assert result.exit_code == 0
    assert result.output == "title: Hello\n"
