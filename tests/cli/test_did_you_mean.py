"""A mistyped field or command gets a did-you-mean."""

from __future__ import annotations

import json

from pressroom import Site
from tests.conftest import Cli, run_press, write


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


def test_a_mistyped_command_or_subcommand_is_named_in_json_too(site: Site) -> None:
    """click's own did-you-mean, through the lazy command table and the real `press`."""
    for args, meant in ((["stauts"], "status"), (["schedule", "lsit"], "list"), (["model", "lst"], "list")):
        result = run_press(site.root, *args)
        assert result.returncode == 2
        assert f"Did you mean '{meant}'?" in result.stderr.decode()
        doc = json.loads(run_press(site.root, *args, "--json").stdout)
        assert doc["exit_code"] == 2 and doc["errors"][0]["message"].endswith(f"Did you mean '{meant}'?")
    assert "Did you mean" not in run_press(site.root, "xyzzy").stderr.decode()
