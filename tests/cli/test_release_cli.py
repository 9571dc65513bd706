"""``press release ...`` through the CLI: the JSON envelope, text output, exit codes, and errors
worded in the CLI's terms without a traceback."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import Cli, run_press, write

POST = ("schema:\n  type: object\n  properties:\n    title: {type: string}\n"
        "    author: {type: string, x-link: author}\n")


def _site(root: Path, cli: Cli) -> None:
    (root / "models" / "post.yaml").write_text(POST)
    write(root, "author/ada", "name: Ada\n")
    write(root, "post/hello", "title: Hello\nauthor: ada\n")
    write(root, "post/other", "title: Other\n")
    assert cli("save", "--all").exit_code == 0


def test_the_commands_and_their_envelopes(site_dir: Path, cli: Cli) -> None:
    _site(site_dir, cli)
    code, env = cli.json("release", "create", "launch", "-m", "spring")
    assert (code, env["command"], env["status"]) == (0, "release create", "ok")
    assert env["data"]["release"]["name"] == "launch" and env["data"]["release"]["state"] == "open"
    code, env = cli.json("release", "add", "launch", "post/hello", "author/ada")
    assert code == 0 and [e["record"] for e in env["data"]["added"]] == ["author/ada", "post/hello"]
    assert all(e["action"] == "publish" and len(e["version"]) == 64 for e in env["data"]["added"])
    code, env = cli.json("release", "list")
    assert code == 0 and [(r["name"], len(r["entries"])) for r in env["data"]["releases"]] == [("launch", 2)]
    code, env = cli.json("release", "show", "launch")
    assert code == 0 and env["errors"] == [] and len(env["data"]["moves"]) == 2 and env["data"]["ok"]
    code, env = cli.json("release", "publish", "launch", "--dry-run")
    assert code == 0 and env["data"]["dry_run"] and env["data"]["txn"] is None
    code, env = cli.json("release", "publish", "launch")
    assert code == 0 and env["data"]["txn"] and env["data"]["release"]["state"] == "published"
    assert env["data"]["release"]["published_by"] == "Test Author <test@example.com>"
    text = cli("release", "list").stdout
    assert "launch" in text and "published" in text
    code, env = cli.json("release", "delete", "launch")
    assert code == 0 and env["data"]["deleted"]


def test_show_says_behind_current_and_other_releases(site_dir: Path, cli: Cli) -> None:
    _site(site_dir, cli)
    cli("release", "create", "a")
    cli("release", "create", "b")
    cli("release", "add", "a", "post/other")
    cli("release", "add", "b", "post/other")
    write(site_dir, "post/other", "title: Other, later\n")
    cli("save", "post/other")
    out = cli("release", "show", "a").stdout
    assert "behind current" in out and "also in b" in out
    code, env = cli.json("release", "show", "a")
    (entry,) = env["data"]["entries"]
    assert entry["behind"] is True and entry["others"] == ["b"]


def test_a_refused_release_exits_1_naming_each_problem(site_dir: Path, cli: Cli) -> None:
    _site(site_dir, cli)
    cli("release", "create", "r")
    cli("release", "add", "r", "post/hello")
    code, env = cli.json("release", "show", "r")
    assert code == 1 and [(e["record"], e["path"]) for e in env["errors"]] == [("post/hello", "author")]
    assert env["data"]["ok"] is False
    assert env["errors"][0]["hint"] == "add it to the release: press release add r author/ada"
    code, env = cli.json("release", "publish", "r")
    assert (code, env["status"]) == (1, "refused")
    assert "links to author/ada" in env["errors"][0]["message"]
    code, env = cli.json("release", "publish", "r", "--dry-run")
    assert code == 1 and env["errors"]
    result = cli("release", "publish", "r")
    assert result.exit_code == 1 and "press release add r author/ada" in result.output


def test_errors_are_clear_with_exit_codes_and_no_traceback(site_dir: Path, cli: Cli) -> None:
    _site(site_dir, cli)
    cases = [
        (("release", "show", "nope"), 2, "there is no release nope", "press release list"),
        (("release", "create", "Bad!"), 2, "is not a release name", None),
        (("release", "add", "nope", "post/hello"), 2, "there is no release nope", None),
    ]
    cli("release", "create", "r")
    cases += [
        (("release", "create", "r"), 1, "there is already a release r", "press release show r"),
        (("release", "add", "r", "post/ghost"), 2, "does not exist", None),
        (("release", "add", "r", "Not A Ref"), 2, None, None),
        (("release", "add", "r", "post/hello@zzzz"), 2, None, None),
        (("release", "add", "r", "post/hello", "--unpublish", "--archive"), 2, "pick one", None),
        (("release", "remove", "r", "post/hello"), 2, "does not hold post/hello", "press release show r"),
        (("release", "publish", "r", "--at", "+1h", "--dry-run"), 2, "--at schedules the release", None),
        (("release", "publish", "r", "--at", "yesterday"), 2, None, None),
    ]
    for args, exit_code, message, hint in cases:
        code, env = cli.json(*args)
        assert code == exit_code, (args, env)
        assert env["errors"], args
        if message:
            assert message in env["errors"][0]["message"], (args, env["errors"])
        if hint:
            assert hint in env["errors"][0]["hint"], (args, env["errors"])
    real = run_press(site_dir, "release", "show", "nope")
    assert real.returncode == 2 and b"Traceback" not in real.stderr
    assert b"there is no release nope" in real.stderr


def test_at_schedules_it_and_schedule_run_publishes_it(site_dir: Path, cli: Cli,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _site(site_dir, cli)
    cli("release", "create", "r")
    cli("release", "add", "r", "post/hello", "author/ada")
    code, env = cli.json("release", "publish", "r", "--at", "2031-05-01T10:00:00+02:00")
    assert code == 0
    schedule = env["data"]["schedule"]
    assert (schedule["action"], schedule["record"], schedule["at"]) == ("release", "r", "2031-05-01T08:00:00Z")
    code, env = cli.json("schedule", "list")
    assert [s["id"] for s in env["data"]["schedules"]] == [schedule["id"]]
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert "scheduled 2031-05-01 04:00:00 -04:00" in cli("release", "list").stdout  # human times are local
    finally:
        monkeypatch.undo()
        time.tzset()
    code, env = cli.json("schedule", "run", "--now", "2031-05-01T08:00:00Z")
    assert code == 0, env
    code, env = cli.json("release", "show", "r")
    assert env["data"]["release"]["state"] == "published"
    code, env = cli.json("status")
    assert {r["record"]: r["status"] for r in env["data"]["records"]}["post/hello"] == "published"


def test_export_release_previews_the_site_as_it_will_be(site_dir: Path, cli: Cli, tmp_path: Path) -> None:
    _site(site_dir, cli)
    cli("release", "create", "r")
    cli("release", "add", "r", "post/hello", "author/ada")
    code, env = cli.json("export", "--release", "r", "--out", str(tmp_path / "preview"))
    assert code == 0 and env["data"]["records"] == 2
    assert json.loads((tmp_path / "preview" / "post" / "hello.json").read_text())["data"]["author"] == "ada"
    code, env = cli.json("status")
    assert {r["status"] for r in env["data"]["records"]} == {"draft"}  # a preview publishes nothing
    cli("release", "create", "bad")
    cli("release", "add", "bad", "post/hello")
    code, env = cli.json("export", "--release", "bad", "--out", str(tmp_path / "bad"))
    assert code == 1 and "links to author/ada" in env["errors"][0]["message"]
    assert not (tmp_path / "bad").exists()
