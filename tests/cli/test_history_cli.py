"""history through the CLI: diff, log, revert, fsck and gc, with their JSON asserted exactly."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Cli, run_press, write

BEFORE = """\
title: A
seo:
  title: S
tags: [a, b]
count: 1
legacy: x
body: |
  one
  two
"""

AFTER = """\
title: A
seo:
  title: S2
tags: [a, c, d]
count: "1"
body: |
  one
  two!
"""


def _change(path, kind, old, new, old_type, new_type, text_diff=None, not_in_model=False) -> dict:
    return {"path": path, "kind": kind, "old": old, "new": new, "old_type": old_type, "new_type": new_type,
            "text_diff": text_diff, "not_in_model": not_in_model}


def test_diff_json_is_exact(cli, site_dir) -> None:
    (site_dir / "models/post.yaml").write_text(
        "allow_invalid_drafts: true\nschema:\n  type: object\n  properties:\n    title: {type: string}\n"
        "    seo: {type: object}\n    tags: {type: array}\n    count: {}\n    body: {type: string}\n")
    write(site_dir, "post/x", BEFORE)
    assert cli("save", "post/x").exit_code == 0
    write(site_dir, "post/x", AFTER)
    code, env = cli.json("diff", "post/x")
    assert code == 0 and env["status"] == "ok" and env["errors"] == []
    data = env["data"]
    assert data["changes"] == [
        _change("seo.title", "changed", "S", "S2", "string", "string"),
        _change("tags[1]", "changed", "b", "c", "string", "string"),
        _change("tags[2]", "added", None, "d", None, "string"),
        _change("count", "type_changed", 1, "1", "integer", "string"),
        _change("legacy", "removed", "x", None, "string", None, not_in_model=True),
        _change("body", "changed", "one\ntwo\n", "one\ntwo!\n", "string", "string",
                text_diff=["@@ -1,2 +1,2 @@", " one", "-two", "+two!"]),
    ]
    assert data["stat"] == {"added": 1, "removed": 1, "changed": 3, "type_changed": 1, "moved": 0}
    assert data["different"] is True and data["text"] is None
    assert data["new"] == {"label": "content/post/x.yaml", "version": None, "exists": True}
    assert data["old"]["label"] == f"post/x@{data['old']['version'][:7]}"


def test_diff_exit_code_text_and_stat(cli, site_dir) -> None:
    write(site_dir, "post/x", "title: A\n")
    cli("save", "post/x")
    assert cli("diff", "post/x", "--exit-code").exit_code == 0
    write(site_dir, "post/x", "title: B\n")
    assert cli("diff", "post/x").exit_code == 0
    result = cli("diff", "post/x", "--exit-code")
    assert result.exit_code == 1 and '~ title: "A" -> "B"' in result.stdout
    code, env = cli.json("diff", "post/x", "--text", "--exit-code")
    assert code == 1 and env["data"]["text"][2:] == ["@@ -1 +1 @@", "-title: A", "+title: B"]
    assert env["data"]["text"][1] == "+++ b/content/post/x.yaml"
    assert cli("diff", "post/x", "--stat").stdout == "post/x: 1 changed\n"
    assert cli("diff", "post/x", "--stat", "--text").exit_code == 2


def test_diff_of_a_missing_record_and_a_bad_version(cli, site_dir) -> None:
    code, env = cli.json("diff", "post/none")
    assert code == 2 and env["errors"][0]["code"] == "not_found"
    write(site_dir, "post/x", "title: A\n")
    cli("save", "post/x")
    code, env = cli.json("diff", "post/x", "zzz")
    assert code == 2 and env["errors"][0]["code"] == "usage"


def test_log_json_interleaves_events(cli, site_dir) -> None:
    write(site_dir, "post/x", "title: A\n")
    cli("save", "post/x", "-m", "first", "--author", "Ann")
    cli("publish", "post/x", "-m", "go", "--author", "Bob")
    write(site_dir, "post/x", "title: B\n")
    cli("save", "post/x", "-m", "second", "--author", "Ann")
    code, env = cli.json("log", "post/x")
    assert code == 0
    items = env["data"]["items"]
    assert [(i["type"], i["action"], i["author"], i["message"]) for i in items] == [
        ("version", "save", "Ann", "second"),
        ("event", "publish", "Bob", "go"),
        ("version", "save", "Ann", "first"),
    ]
    assert items[0]["refs"] == ["current"] and items[2]["refs"] == ["published"]
    assert items[1]["version"] == items[2]["version"]
    assert env["data"]["pruned"] is False and env["data"]["more"] is False
    code, env = cli.json("log", "post/x", "--limit", "1", "--patch")
    assert [i["message"] for i in env["data"]["items"]] == ["second"] and env["data"]["more"] is True
    assert env["data"]["items"][0]["changes"] == [
        _change("title", "changed", "A", "B", "string", "string")]
    human = cli("log", "post/x").stdout
    assert "published" in human and "by Bob" in human and "(current)" in human


def test_site_wide_feed(cli, site_dir) -> None:
    write(site_dir, "post/x", "title: A\n")
    write(site_dir, "author/a", "name: A\n")
    cli("save", "--all", "-m", "both")
    cli("publish", "author/a")
    code, env = cli.json("log")
    assert code == 0 and env["data"]["record"] is None
    got = [(i["record"], i["action"]) for i in env["data"]["items"]]
    assert got[0] == ("author/a", "publish")
    assert sorted(got[1:]) == [("author/a", "save"), ("post/x", "save")]
    code, env = cli.json("log", "--limit", "1")
    assert len(env["data"]["items"]) == 1 and env["data"]["more"] is True


def test_revert_cli(cli, site_dir) -> None:
    write(site_dir, "post/x", "title: A  # kept comment\n")
    cli("save", "post/x", "-m", "first")
    write(site_dir, "post/x", "title: B\n")
    cli("save", "post/x", "-m", "second")
    write(site_dir, "post/x", "title: unsaved\n")
    code, env = cli.json("revert", "post/x", "--to", "~1")
    assert code == 1 and "unsaved changes" in env["errors"][0]["message"]
    code, env = cli.json("revert", "post/x", "--to", "~1", "--force")
    assert code == 0
    data = env["data"]
    assert data["created"] is True and data["message"].startswith("Revert to ") and '("first")' in data["message"]
    assert (site_dir / "content/post/x.yaml").read_text() == "title: A  # kept comment\n"
    assert cli("show", "post/x").stdout == "title: A  # kept comment\n"
    code, env = cli.json("revert", "post/x", "--to", data["reverted_to"][:7])
    assert code == 1 and env["errors"][0]["message"].startswith("nothing to revert")
    code, env = cli.json("log", "post/x", "-n", "1")
    assert env["data"]["items"][0]["action"] == "revert"
    assert env["data"]["items"][0]["reverted_to"] == data["reverted_to"]
    assert cli("revert", "post/x@~1", "--to", "~1").exit_code == 2


def test_fsck_and_gc_cli(cli, site_dir) -> None:
    write(site_dir, "post/x", "title: A\n")
    cli("save", "post/x")
    code, env = cli.json("fsck")
    assert code == 0 and env["data"]["problems"] == [] and env["data"]["objects"] == 2
    code, env = cli.json("gc", "--dry-run", "--prune-now")
    assert code == 0 and env["data"]["removed"] == [] and env["data"]["reachable"] == 2
    assert cli("gc", "--grace", "soon").exit_code == 2
    assert cli("gc", "--grace", "1h", "--prune-now").exit_code == 2


def test_end_to_end_with_the_real_press(site_dir) -> None:
    write(site_dir, "post/x", "title: One\n")
    for title in ("One", "Two", "Three"):
        write(site_dir, "post/x", f"title: {title}\n")
        assert run_press(site_dir, "save", "post/x", "-m", title).returncode == 0
    proc = run_press(site_dir, "diff", "post/x", "~2", "@current", "--json")
    assert proc.returncode == 0
    assert [(c["path"], c["old"], c["new"]) for c in json.loads(proc.stdout)["data"]["changes"]] == [
        ("title", "One", "Three")]
    assert run_press(site_dir, "revert", "post/x", "--to", "~2").returncode == 0
    assert (site_dir / "content/post/x.yaml").read_text() == "title: One\n"
    proc = run_press(site_dir, "fsck")
    assert proc.returncode == 0 and b"no problems" in proc.stdout


@pytest.mark.parametrize(("size", "shown"), [(1023, "1023 B"), (1024, "1.0 KiB"), (3 * 1024 * 1024 + 1, "3.0 MiB")])
def test_gc_shows_sizes_in_the_largest_unit_that_fits(cli: Cli, size: int, shown: str) -> None:
    body = "title: " + "x" * (size - len("title: \n")) + "\n"
    write(cli.root, "post/gone", body)
    assert cli("save", "post/gone").exit_code == 0
    assert cli("delete", "post/gone", "--yes").exit_code == 0
    lines = cli("gc", "--dry-run", "--prune-now").stdout.splitlines()
    (blob,) = [line for line in lines if line.endswith("  blob")]
    assert " ".join(blob.split()[3:5]) == shown


def test_diff_text_without_differences_says_so_on_stderr(cli: Cli) -> None:
    write(cli.root, "post/a", "title: A\n")
    cli("save", "post/a")
    same = cli("diff", "post/a", "--text")
    assert (same.exit_code, same.stdout, same.stderr) == (0, "", "no differences\n")
    write(cli.root, "post/a", "title: B\n")
    changed = cli("diff", "post/a", "--text")
    assert changed.exit_code == 0 and changed.stderr == ""
    assert "-title: A" in changed.stdout.splitlines() and "+title: B" in changed.stdout.splitlines()
