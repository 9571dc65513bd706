"""A mistyped name is not found, with the closest names offered; it never passes for a new record."""

from __future__ import annotations

import pytest

from pressroom import Site
from tests.conftest import Cli, store_files, write


@pytest.fixture
def cli(cli: Cli) -> Cli:
    (cli.root / "models" / "post.yaml").write_text("schema: {type: object}\n")
    (cli.root / "models" / "author.yaml").write_text("schema: {type: object}\n")
    for record in ("post/kernel", "post/hello", "author/ada"):
        write(cli.root, record, "title: T\n")
    assert cli("save", "--all").exit_code == 0
    return cli


def _error(cli: Cli, *args: str) -> dict:
    before = store_files(cli.root)
    code, env = cli.json(*args)
    assert code == 2 and env["status"] == "usage"
    assert store_files(cli.root) == before
    (error,) = env["errors"]
    return error


@pytest.mark.parametrize("command", [["status"], ["show"], ["log"], ["diff"]])
def test_a_typo_in_a_record_is_not_found_with_the_closest_names(cli: Cli, command: list[str]) -> None:
    error = _error(cli, *command, "post/kernl")
    assert (error["code"], error["record"], error["message"]) == ("not_found", "post/kernl", "no such record")
    assert error["hint"] == "did you mean post/kernel?"


def test_a_typo_in_the_model_finds_the_record_in_the_right_one(cli: Cli) -> None:
    assert _error(cli, "status", "psot/kernel")["hint"] == "did you mean post/kernel?"


def test_nothing_close_says_how_to_make_the_record(cli: Cli) -> None:
    for args in (["status", "nope/x"], ["show", "post/zzz"]):
        error = _error(cli, *args)
        record = args[1]
        model, rid = record.split("/")
        assert error["hint"] == f"to make it: write content/{model}/{rid}.yaml, then press save {record}"


def test_status_lists_every_unknown_name_and_reads_nothing_else(cli: Cli) -> None:
    result = cli("status", "post/kernel", "post/kernl", "author/adaa")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: 2 records do not exist",
        "error: author/adaa: no such record",
        "  hint: did you mean author/ada?",
        "error: post/kernl: no such record",
        "  hint: did you mean post/kernel?",
    ]


def test_records_that_exist_in_any_way_are_not_refused(cli: Cli, site: Site) -> None:
    write(cli.root, "post/fresh", "title: F\n")  # a working file, never saved
    site.delete("author/ada")  # no refs and no file, but a log
    code, env = cli.json("status", "post/fresh", "author/ada", "post/kernel")
    assert code == 0
    assert {r["record"]: r["status"] for r in env["data"]["records"]} == {
        "post/fresh": "new", "author/ada": "deleted", "post/kernel": "draft"}
    # A record that exists but was never saved: show says so, as before.
    error = _error(cli, "show", "post/fresh")
    assert (error["code"], error["hint"]) == ("not_found", "save it first: press save post/fresh")


@pytest.mark.parametrize("args", [["new", "psot", "x"], ["model", "show", "psot"], ["status", "--model", "psot"],
                                  ["save", "--model", "psot"]])
def test_an_unknown_model_offers_the_closest(cli: Cli, args: list[str]) -> None:
    error = _error(cli, *args)
    assert "unknown model 'psot'" in error["message"]
    assert error["hint"] == "did you mean post?"
