"""A mistyped field or command gets a did-you-mean."""

from __future__ import annotations

from pressroom import Site
from tests.conftest import Cli, write


def test_a_mistyped_field_names_the_field_meant(site: Site, cli: Cli) -> None:
    (site.root / "models" / "post.yaml").write_text(
        "schema:\n  type: object\n  additionalProperties: false\n  properties:\n    title: {type: string}\n")
    write(site.root, "post/a", "titel: Hello\n")
    code, doc = cli.json("validate", "post/a")
    assert code == 1
    (error,) = doc["errors"]
    assert error["hint"].startswith("did you mean title?")
    write(site.root, "post/a", "zzzz: Hello\n")
    code, doc = cli.json("validate", "post/a")
    assert "did you mean" not in doc["errors"][0]["hint"]


def test_a_mistyped_command_names_the_command_meant(cli: Cli) -> None:
    result = cli("pubish")
    assert result.exit_code == 2
    assert "Did you mean 'publish'" in result.output
