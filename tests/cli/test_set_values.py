"""save --set reads each value as YAML once: a quoted value stays a string, as in the record file."""

from __future__ import annotations

import pytest

from pressroom import Site
from tests.conftest import Cli, write


@pytest.mark.parametrize(("value", "stored"), [
    ('"42"', "42"),
    ("42", 42),
    ('"[a, b]"', "[a, b]"),
    ("[a, b]", ["a", "b"]),
    ("'true'", "true"),
    ("true", True),
])
def test_a_set_value_is_read_as_yaml_once(cli: Cli, site: Site, value: str, stored: object) -> None:
    write(cli.root, "post/x", "title: X\n")
    result = cli("save", "post/x", "--set", f"field={value}")
    assert result.exit_code == 0, result.stderr
    assert site.get("post/x", version="current").data == {"title": "X", "field": stored}


def test_the_api_and_the_cli_read_a_set_value_alike(site: Site) -> None:
    write(site.root, "post/y", "title: Y\n")
    site.save("post/y", set={"field": '"42"'})
    assert site.get("post/y", version="current").data["field"] == "42"
