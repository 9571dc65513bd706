"""A failed scheduled action as `press schedule list` shows it: in the CLI's words, from what the
schedule file stores (the core's wording, with the problem's cause and data)."""

from __future__ import annotations

import json

from pressroom import Site
from tests.automation.conftest import AUTHOR, POST, write_models
from tests.conftest import write


def test_a_failed_action_is_listed_in_the_cli_s_words(site: Site, cli) -> None:
    write_models(site.root, author=AUTHOR, post=POST)
    write(site.root, "author/ada", "name: Ada\n")
    site.save("author/ada")
    code, env = cli.json("schedule", "publish", "author/ada", "--at", "2030-01-01T09:00:00Z")
    assert code == 0
    sid = env["data"]["schedule"]["id"]
    cli("delete", "author/ada")
    code, env = cli.json("schedule", "run", "--now", "2030-01-01T09:00:00Z")
    assert (code, env["data"]["actions"][0]["outcome"]) == (1, "failed")

    # The file keeps the core's wording, and the cause and data to word it again.
    (error,) = json.loads((site.root / ".press" / "schedules" / sid).read_text())["errors"]
    assert (error["message"], error["hint"]) == ("does not exist (never saved, or deleted)",
                                                 "save it first (Site.save)")
    assert (error["cause"], error["data"]) == ("save_first", {"record": "author/ada"})

    listed = cli("schedule", "list")
    assert f"{sid} failed: author/ada: does not exist (never saved, or deleted)" in listed.stderr
    assert "hint: save it first: press save author/ada" in listed.stderr
    assert "Site.save" not in listed.stderr

    # --json reports the stored problem as it always did: no cause or data keys.
    code, env = cli.json("schedule", "list")
    (listed_error,) = env["data"]["schedules"][0]["errors"]
    assert code == 0 and set(listed_error) == {"code", "message", "hint", "record"}
