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
    write(site.root, "post/hello", "title: Hello\nauthor: ada\n")
    site.save(all=True)
    # Fails when it runs: the post links to an author that is still a draft.
    code, env = cli.json("schedule", "publish", "post/hello", "--at", "2030-01-01T09:00:00Z")
    assert code == 0
    sid = env["data"]["schedule"]["id"]
    code, env = cli.json("schedule", "run", "--now", "2030-01-01T09:00:00Z")
    assert (code, env["data"]["actions"][0]["outcome"]) == (1, "failed")

    # The file keeps the core's wording, and the cause and data to word it again.
    (error,) = json.loads((site.root / ".press" / "schedules" / sid).read_text())["errors"]
    assert (error["message"], error["hint"]) == ("links to author/ada, which is not published (draft)",
                                                 "publish it in the same call (Site.publish), or pass cascade=True")
    assert (error["cause"], error["data"]) == ("publishing.link_unpublished",
                                               {"record": "post/hello", "target": "author/ada"})

    listed = cli("schedule", "list")
    assert f"{sid} failed: post/hello: links to author/ada, which is not published (draft)" in listed.stderr
    assert ("hint: publish it in the same command (press publish post/hello author/ada), or add --cascade"
            in listed.stderr)
    assert "Site.publish" not in listed.stderr

    # --json reports the stored problem as it always did: no cause or data keys.
    code, env = cli.json("schedule", "list")
    (listed_error,) = env["data"]["schedules"][0]["errors"]
    assert code == 0 and set(listed_error) == {"code", "message", "hint", "record", "path"}
