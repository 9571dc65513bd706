"""--set values are read once: a quoted value stays text, a plain one follows YAML 1.2's core schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom import Site
from pressroom.records import load_record
from tests.conftest import Cli, write


@pytest.mark.parametrize(("value", "stored"), [
    ('"007"', "007"), ("'007'", "007"), ("007", 7), ("0o14", 12), ("0x1F", 31), ("1_000", "1_000"),
    ("yes", "yes"), ("true", True), ('"true"', "true"), ("null", None), ("", ""), ("1.5", 1.5),
    ("[a, '1']", ["a", "1"]), ("2024-01-02", "2024-01-02"), ("a: b: c", "a: b: c"), ("# just a comment", "# just a comment"),
])
def test_a_set_value_is_read_once(cli: Cli, site_dir: Path, value: str, stored: object) -> None:
    path = write(site_dir, "post/a", "title: Hi\n")
    assert cli("save", "post/a", "--set", f"title={value}").exit_code == 0
    assert load_record(path.read_bytes(), "x")["title"] == stored
    assert load_record(Site.open(site_dir).show("post/a").content, "x")["title"] == stored


def test_the_python_api_reads_a_string_value_the_same_way(site: Site) -> None:
    write(site.root, "post/a", "title: Hi\n")
    site.save("post/a", set={"title": '"007"', "n": "007", "s": 7})
    assert load_record(site.show("post/a").content, "x") == {"title": "007", "n": 7, "s": 7}


def test_a_value_json_cannot_hold_is_refused(cli: Cli, site_dir: Path) -> None:
    path = write(site_dir, "post/a", "title: Hi\n")
    code, doc = cli.json("save", "post/a", "--set", "title=!!binary aGk=")
    assert code == 1 and "!!binary" in doc["errors"][0]["message"]
    assert path.read_bytes() == b"title: Hi\n"


def test_help_says_how_to_quote(cli: Cli) -> None:
    text = " ".join(cli("save", "--help").output.split())
    assert "quote it to keep it text" in text and "stores the string 007" in text


def test_a_comment_layout_the_editor_cannot_keep_still_edits_to_the_same_data(cli: Cli, site_dir: Path) -> None:
    path = write(site_dir, "post/a", "key:    # c\n# more\n# more\n  value\n")
    assert cli("save", "post/a", "--set", "title=x").exit_code == 0
    assert load_record(path.read_bytes(), "x") == {"key": "value", "title": "x"}


@pytest.mark.parametrize("text", ['{"foo"\n: bar}\n', "{ ?foo: bar }\n"])
def test_a_file_the_editor_would_misread_is_refused_and_left_as_it_was(cli: Cli, site_dir: Path, text: str) -> None:
    path = write(site_dir, "post/a", text)
    code, doc = cli.json("save", "post/a", "--set", "title=x")
    assert code == 1
    assert "--set cannot edit it in place" in doc["errors"][0]["message"]
    assert doc["errors"][0]["file"] == "content/post/a.yaml"
    assert path.read_bytes() == text.encode()
    assert cli("save", "post/a").exit_code == 0  # the file itself is fine to save
