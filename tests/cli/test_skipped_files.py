"""Files under content/ that look meant as records but are not read: named as warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli, write


@pytest.fixture
def cli(cli: Cli) -> Cli:
    write(cli.root, "post/fine", "title: F\n")
    post = cli.root / "content" / "post"
    (post / "UPPER.yaml").write_text("title: U\n")
    (post / "x.yml").write_text("title: X\n")
    (post / "My Post!.yaml").write_text("title: M\n")
    (post / "README.md").write_text("notes\n")  # not meant as a record: no warning
    (post / ".draft.yaml").write_text("title: hidden\n")  # hidden: no warning
    (cli.root / "content" / "Bad").mkdir()
    (cli.root / "content" / "Bad" / "a.yaml").write_text("title: A\n")
    return cli


EXPECTED = [
    ("content/Bad/", "not a model name (lowercase letters, digits, - and _), so no file in it is read",
     "rename it to content/bad/"),
    ("content/post/My Post!.yaml", "not a record name (ids are lowercase letters, digits, -, _ and .), so press "
     "skips it", "rename it to content/post/my-post.yaml"),
    ("content/post/UPPER.yaml", "not a record name (ids are lowercase letters, digits, -, _ and .), so press "
     "skips it", "rename it to content/post/upper.yaml"),
    ("content/post/x.yml", "not a record file (records end in .yaml), so press skips it",
     "rename it to content/post/x.yaml"),
]


def _warnings(env: dict) -> list[tuple[str, str, str]]:
    assert all(w["code"] == "not_a_record" for w in env["warnings"])
    return [(w["file"], w["message"], w["hint"]) for w in env["warnings"]]


@pytest.mark.parametrize("command", [["status"], ["save", "--all"]])
def test_skipped_files_are_warnings_in_the_envelope(cli: Cli, command: list[str]) -> None:
    code, env = cli.json(*command)
    assert code == 0
    assert _warnings(env) == EXPECTED


def test_the_records_that_are_fine_are_still_saved(cli: Cli) -> None:
    code, env = cli.json("save", "--all")
    assert [s["record"] for s in env["data"]["saved"]] == ["post/fine"]
    code, env = cli.json("status")
    assert [r["record"] for r in env["data"]["records"]] == ["post/fine"]


def test_status_prints_them_on_stderr(cli: Cli) -> None:
    result = cli("status")
    assert result.exit_code == 0
    assert "warning: content/post/UPPER.yaml: not a record name" in result.stderr
    assert "  hint: rename it to content/post/upper.yaml" in result.stderr.splitlines()
    assert "UPPER" not in result.stdout


def test_with_model_only_that_model_is_looked_at(cli: Cli) -> None:
    code, env = cli.json("save", "--model", "post")
    assert [w[0] for w in _warnings(env)] == [e[0] for e in EXPECTED[1:]]


def test_named_records_are_not_a_reason_to_look(cli: Cli) -> None:
    assert cli.json("status", "post/fine")[1]["warnings"] == []
    assert cli.json("save", "post/fine")[1]["warnings"] == []


def test_a_rename_onto_an_existing_record_is_not_suggested(cli: Cli, site_dir: Path) -> None:
    write(site_dir, "post/x", "title: X\n")
    warnings = {w[0]: w[2] for w in _warnings(cli.json("status")[1])}
    assert warnings["content/post/x.yml"] == ("content/post/x.yaml exists too: merge the two, then remove "
                                              "content/post/x.yml")
