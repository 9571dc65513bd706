"""init, save, status, show and log through the command line, for people and for scripts."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pressroom import Site
from tests.conftest import PRESS, Cli, run_press, store_files, write


def test_init_creates_the_site_and_then_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "new"
    cli = Cli(root)
    result = cli("init", str(root))
    assert result.exit_code == 0
    assert result.stdout == (f"Initialised pressroom site in {root}: created pressroom.yaml, models/, content/, "
                             ".press/, .gitattributes, .press/.gitattributes, content/.gitattributes, "
                             "models/.gitattributes\n")
    assert (root / "pressroom.yaml").is_file() and (root / "models").is_dir() and (root / "content").is_dir()
    assert (root / ".press" / "format").read_text() == "1\n"
    before = store_files(root) | {"pressroom.yaml": (root / "pressroom.yaml").read_bytes()}
    again = cli("init", str(root))
    assert (again.exit_code, again.stdout) == (0, f"{root} is already a pressroom site; nothing changed\n")
    code, env = cli.json("init", str(root))
    assert (code, env["data"]) == (0, {"created": [], "root": str(root)})
    assert store_files(root) | {"pressroom.yaml": (root / "pressroom.yaml").read_bytes()} == before


def test_init_completes_a_partial_site(tmp_path: Path) -> None:
    root = tmp_path / "partial"
    root.mkdir()
    (root / "pressroom.yaml").write_text("max_file_size: 1MiB\n")
    code, env = Cli(root).json("init", str(root))
    assert (code, env["data"]["created"]) == (0, ["models/", "content/", ".press/", ".gitattributes",
                                                   ".press/.gitattributes", "content/.gitattributes",
                                                   "models/.gitattributes"])
    assert (root / "pressroom.yaml").read_text() == "max_file_size: 1MiB\n"


def test_save_reports_first_version_then_parent_then_nothing(cli: Cli) -> None:
    write(cli.root, "post/a", "title: A\n")
    first = cli("save", "post/a")
    assert first.exit_code == 0
    v1 = Site.open(cli.root).store.read_ref("current", "post/a")
    assert first.stdout == f"saved post/a {v1[:7]} (first version)\n"
    write(cli.root, "post/a", "title: A2\n")
    second = cli("save", "post/a")
    v2 = Site.open(cli.root).store.read_ref("current", "post/a")
    assert second.stdout == f"saved post/a {v2[:7]} (parent {v1[:7]})\n"
    before = store_files(cli.root)
    same = cli("save", "post/a")
    assert (same.exit_code, same.stdout) == (0, "nothing to save: content unchanged\n")
    code, env = cli.json("save", "post/a")
    assert (code, env["data"]["saved"], env["data"]["unchanged"]) == (0, [], ["post/a"])
    assert store_files(cli.root) == before


def test_save_all_and_model_save_only_what_changed(cli: Cli) -> None:
    write(cli.root, "post/a", "title: A\n")
    write(cli.root, "post/b", "title: B\n")
    write(cli.root, "author/c", "name: C\n")
    code, env = cli.json("save", "--model", "post")
    assert sorted(s["record"] for s in env["data"]["saved"]) == ["post/a", "post/b"]
    write(cli.root, "post/a", "title: A2\n")
    result = cli("save", "--all", "-m", "batch")
    assert result.exit_code == 0
    *saved, total = result.stdout.splitlines()
    assert [line.split()[1] for line in saved] == ["author/c", "post/a"]
    assert total == "2 record(s) saved, 1 unchanged skipped"
    site = Site.open(cli.root)
    logs = [site.store.read_log(r)[-1] for r in ("author/c", "post/a")]
    assert logs[0]["txn"] == logs[1]["txn"]  # one transaction
    assert {e["message"] for e in logs} == {"batch"}


def test_message_and_author_are_recorded(cli: Cli) -> None:
    write(cli.root, "post/a", "title: A\n")
    cli("save", "post/a", "-m", "first draft", "--author", "Ann <ann@example.com>")
    shown = cli.json("show", "post/a")[1]["data"]
    assert (shown["message"], shown["author"]) == ("first draft", "Ann <ann@example.com>")
    write(cli.root, "post/a", "title: B\n")
    cli("save", "post/a")
    assert cli.json("show", "post/a")[1]["data"]["author"] == "Test Author <test@example.com>"


def test_default_author_is_the_git_identity(site_dir: Path) -> None:
    subprocess.run(["git", "init", "-q", str(site_dir)], check=True)
    subprocess.run(["git", "-C", str(site_dir), "config", "user.name", "Grace Hopper"], check=True)
    subprocess.run(["git", "-C", str(site_dir), "config", "user.email", "grace@example.com"], check=True)
    write(site_dir, "post/a", "title: A\n")
    assert run_press(site_dir, "save", "post/a").returncode == 0
    assert Site.open(site_dir).show("post/a").author == "Grace Hopper <grace@example.com>"


def test_the_site_is_found_from_a_subfolder_and_from_pressroom_dir(site_dir: Path, tmp_path: Path) -> None:
    write(site_dir, "post/a", "title: A\n")
    env = {k: v for k, v in os.environ.items() if k != "PRESSROOM_DIR"}
    deep = site_dir / "content" / "post"
    result = subprocess.run([str(PRESS), "save", "post/a"], cwd=deep, capture_output=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([str(PRESS), "status", "--json"], cwd=elsewhere, capture_output=True, timeout=60,
                            env={**env, "PRESSROOM_DIR": str(site_dir)})
    assert result.returncode == 0, result.stderr.decode()
    assert [r["record"] for r in json.loads(result.stdout)["data"]["records"]] == ["post/a"]


def test_status_shows_statuses_and_unsaved_changes(cli: Cli) -> None:
    write(cli.root, "post/saved", "title: S\n")
    write(cli.root, "post/edited", "title: E\n")
    write(cli.root, "post/gone", "title: G\n")
    cli("save", "--all")
    write(cli.root, "post/edited", "title: E2\n")
    (cli.root / "content" / "post" / "gone.yaml").unlink()
    write(cli.root, "post/fresh", "title: F\n")
    code, env = cli.json("status")
    rows = {r["record"]: r for r in env["data"]["records"]}
    assert {r: (row["status"], row["changes"]) for r, row in rows.items()} == {
        "post/edited": ("draft", "modified"), "post/fresh": ("new", "untracked"),
        "post/gone": ("draft", "missing"), "post/saved": ("draft", None)}
    assert env["data"]["counts"]["draft"] == 3 and env["data"]["counts"]["new"] == 1
    assert rows["post/saved"]["updated_by"] == "Test Author <test@example.com>"
    text = cli("status").stdout
    assert text.splitlines()[0].split() == ["record", "status", "changes", "current", "published", "last",
                                            "change", "by"]
    assert "post/edited  draft   modified" in text
    assert "4 record(s): 1 new, 3 draft" in text
    assert [r["record"] for r in cli.json("status", "post/saved")[1]["data"]["records"]] == ["post/saved"]


def test_status_of_an_empty_site(cli: Cli) -> None:
    result = cli("status")
    assert (result.exit_code, result.stdout) == (0, "no records yet: write content/<model>/<id>.yaml, "
                                                    "then press save\n")


def test_show_prints_exact_bytes_of_any_version(cli: Cli) -> None:
    one = "# first\ntitle: 'One'   # spaced\n".encode()
    two = "title: Two ✓\r\nbody: |\r\n  crlf\r\n".encode()
    write(cli.root, "post/a", one)
    cli("save", "post/a")
    write(cli.root, "post/a", two)
    cli("save", "post/a")
    assert cli("show", "post/a").stdout_bytes == two
    assert cli("show", "post/a@current").stdout_bytes == two
    assert cli("show", "post/a@~1").stdout_bytes == one
    first = Site.open(cli.root).log("post/a").entries[-1].version
    assert cli("show", f"post/a@{first[:7]}").stdout_bytes == one
    assert cli("show", f"post/a@{first}").stdout_bytes == one
    assert cli.json("show", "post/a@~1")[1]["data"]["content"] == one.decode()


def test_log_lists_versions_newest_first(cli: Cli) -> None:
    for i, message in enumerate(["first", "second", "third"]):
        write(cli.root, "post/a", f"title: {i}\n")
        cli("save", "post/a", "-m", message)
    entries = Site.open(cli.root).log("post/a").entries
    text = cli("log", "post/a").stdout
    positions = [text.index(e.version[:7]) for e in entries]
    assert positions == sorted(positions)
    assert [text.index(m) for m in ("third", "second", "first")] == sorted(text.index(m) for m in
                                                                             ("third", "second", "first"))
    assert "Test Author" in text
    assert text.count(entries[0].version[:7]) == 1
    limited = cli("log", "post/a", "-n", "1").stdout
    assert entries[0].version[:7] in limited and entries[1].version[:7] not in limited


def test_record_text_is_printed_as_text_never_as_markup(cli: Cli) -> None:
    write(cli.root, "post/a", 'title: "[red]x[/red]"\n')
    cli("save", "post/a", "-m", "[bold]not bold[/bold]")
    log = cli("log", "post/a")
    assert "[bold]not bold[/bold]" in log.stdout
    assert "\x1b[" not in log.stdout  # not a terminal: no colour codes either
    assert cli("show", "post/a").stdout == 'title: "[red]x[/red]"\n'
    status = cli("status")
    assert "\x1b[" not in status.stdout


@pytest.mark.parametrize("command", ["init", "save", "status", "show", "log"])
def test_every_command_has_help(cli: Cli, command: str) -> None:
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "--json" in result.stdout
    assert len(result.stdout.splitlines()) > 3
