"""The JSON envelope contract: scripts in CI parse one stable shape.

These tests pin its keys and the keys of its error objects for every kind of
outcome: a success, a refusal, a usage error caught before any command runs,
a conflict and a damaged store. Changing them breaks users' scripts: bump
``version`` and say so.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest
import typer

from pressroom import ConflictError, Site
from pressroom.cli.app import app
from pressroom.cli.output import envelope
from pressroom.store import RefUpdate
from tests.conftest import Cli, run_press, store_files, write

ENVELOPE_KEYS = {"command", "data", "errors", "exit_code", "status", "version", "warnings"}
ERROR_KEYS = {"code", "message", "file", "line", "column", "record", "path", "hint"}
STATUS_OF = {0: "ok", 1: "refused", 2: "usage", 3: "conflict", 4: "damaged", 130: "interrupted"}


def check_envelope(env: dict, command: str, exit_code: int) -> None:
    """The shape every --json output has, whatever happened."""
    assert set(env) == ENVELOPE_KEYS
    assert (env["command"], env["exit_code"], env["status"], env["version"]) == (
        command, exit_code, STATUS_OF[exit_code], 1)
    assert isinstance(env["errors"], list) and isinstance(env["warnings"], list)
    for problem in env["errors"] + env["warnings"]:
        assert {"code", "message"} <= set(problem) <= ERROR_KEYS
        assert isinstance(problem["message"], str) and problem["message"]
    if exit_code == 0:
        assert env["errors"] == []
    else:
        assert env["errors"] and env["data"] is None


def _json_output(result) -> dict:
    """--json prints the envelope and nothing else, on stdout; keys sorted."""
    assert result.stderr == ""
    env = json.loads(result.stdout)
    assert list(env) == sorted(env)
    return env


def test_success(cli: Cli) -> None:
    write(cli.root, "post/a", "title: A\n")
    result = cli("save", "post/a", "--json")
    assert result.exit_code == 0
    env = _json_output(result)
    check_envelope(env, "save", 0)
    (saved,) = env["data"]["saved"]
    assert saved["record"] == "post/a" and len(saved["version"]) == 64


def test_success_with_warnings(cli: Cli, tmp_path: Path) -> None:
    write(cli.root, "post/a", "title: A\n")
    (tmp_path / "elsewhere.yaml").write_text("title: B\n")
    (cli.root / "content" / "post" / "b.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    result = cli("status", "--json")
    assert result.exit_code == 0
    env = _json_output(result)
    check_envelope(env, "status", 0)
    (warning,) = env["warnings"]
    assert set(warning) == {"code", "message", "file", "hint"}
    assert (warning["code"], warning["file"]) == ("bad_content", "content/post/b.yaml")


def test_refusal_names_file_line_and_column(cli: Cli) -> None:
    write(cli.root, "post/a", "title: a\ntitle: b\n")
    result = cli("save", "post/a", "--json")
    assert result.exit_code == 1
    env = _json_output(result)
    check_envelope(env, "save", 1)
    (error,) = env["errors"]
    assert set(error) == {"code", "message", "file", "line", "column", "hint", "path"}
    assert (error["code"], error["file"], error["line"], error["column"], error["path"]) == (
        "bad_content", "content/post/a.yaml", 2, 1, "title")


def test_batch_refusal_lists_every_problem(cli: Cli) -> None:
    write(cli.root, "post/a", "- not a mapping\n")
    write(cli.root, "post/b", b"title: \xff\n")
    write(cli.root, "post/c", "title: fine\n")
    result = cli("save", "--all", "--json")
    env = _json_output(result)
    check_envelope(env, "save", 1)
    assert [(e["code"], e["file"]) for e in env["errors"]] == [("bad_content", "content/post/a.yaml"),
                                                               ("bad_content", "content/post/b.yaml")]


def test_not_found_names_the_record(cli: Cli) -> None:
    result = cli("save", "post/missing", "--json")
    env = _json_output(result)
    check_envelope(env, "save", 2)
    (error,) = env["errors"]
    assert set(error) == {"code", "message", "file", "record", "hint"}
    assert (error["code"], error["file"], error["record"]) == ("not_found", "content/post/missing.yaml", "post/missing")


@pytest.mark.parametrize(("args", "command", "message"), [
    (["save", "--bogus"], "save", "No such option: --bogus"),
    (["show"], "show", "Missing argument 'REF'."),
    (["bogus"], "press", "No such command 'bogus'."),
])
def test_usage_error_before_the_command_runs(site_dir: Path, args: list[str], command: str,
                                              message: str) -> None:
    """Option parsing fails before any command code: the real entry point still answers in JSON."""
    result = run_press(site_dir, *args, "--json")
    assert result.returncode == 2
    assert result.stderr == b""
    env = json.loads(result.stdout)
    check_envelope(env, command, 2)
    assert env["errors"] == [{"code": "usage", "message": message}]


def test_usage_error_in_the_command(cli: Cli) -> None:
    result = cli("show", "Post/X", "--json")
    env = _json_output(result)
    check_envelope(env, "show", 2)
    (error,) = env["errors"]
    assert set(error) == {"code", "message", "hint"}
    assert error["code"] == "usage"


def test_conflict(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that cannot get the store in time: a conflict, exit 3, naming the lock."""
    write(cli.root, "post/a", "title: A\n")
    monkeypatch.setenv("PRESSROOM_LOCK_TIMEOUT", "0.2")
    fd = os.open(cli.root / ".press" / "lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = run_press(cli.root, "save", "post/a", "--json")
    finally:
        os.close(fd)
    assert result.returncode == 3
    env = json.loads(result.stdout)
    check_envelope(env, "save", 3)
    (error,) = env["errors"]
    assert set(error) == {"code", "message", "file", "hint"}
    assert error["code"] == "lock_timeout" and error["file"].endswith(".press/lock")


def test_compare_and_swap_conflict_error_shape(site: Site) -> None:
    """The error object a stale ref becomes (through the renderer the CLI uses)."""
    write(site.root, "post/a", "title: A\n")
    version = site.save("post/a").saved[0].version
    with pytest.raises(ConflictError) as err:
        site.store.commit([RefUpdate("current", "post/a", None, version)])
    env = json.loads(envelope("save", errors=err.value.problems, exit_code=3))
    check_envelope(env, "save", 3)
    (error,) = env["errors"]
    assert set(error) == {"code", "message", "record", "hint"}
    assert (error["code"], error["record"]) == ("conflict", "post/a")


def test_damaged_store(cli: Cli) -> None:
    write(cli.root, "post/a", "title: A\n")
    cli("save", "post/a")
    ref = cli.root / ".press" / "refs" / "current" / "post" / "a"
    ref.write_text("not a version id\n")
    before = store_files(cli.root)
    result = cli("show", "post/a", "--json")
    assert result.exit_code == 4
    env = _json_output(result)
    check_envelope(env, "show", 4)
    (error,) = env["errors"]
    assert set(error) == {"code", "message", "file", "record", "hint"}
    assert (error["code"], error["file"], error["record"]) == ("store_damaged", str(ref), "post/a")
    assert store_files(cli.root) == before


def test_interrupted(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C: the same keys, exit_code 130 and status "interrupted"."""
    def interrupt(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Site, "status", interrupt)
    result = cli("status", "--json")
    assert result.exit_code == 130
    env = _json_output(result)
    check_envelope(env, "status", 130)
    (error,) = env["errors"]
    assert set(error) == {"code", "message"} and error["code"] == "interrupted"


def test_missing_site_is_reported_in_the_envelope(tmp_path: Path) -> None:
    result = Cli(tmp_path)("status", "--json")
    env = _json_output(result)
    check_envelope(env, "status", 2)


def _commands(group, prefix: str = "") -> list[tuple[str, object]]:
    out = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            out.extend(_commands(command, f"{prefix}{name} "))
        else:
            out.append((prefix + name, command))
    return out


def test_every_command_takes_json() -> None:
    commands = _commands(typer.main.get_command(app))
    assert {"init", "save", "status", "show", "log"} <= {name for name, _c in commands}
    for name, command in commands:
        assert "--json" in {opt for p in command.params for opt in p.opts}, name
