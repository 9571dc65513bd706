"""A schedule run in two clones, then merged: the hooks got its id, fsck and status report the second run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pressroom import Site
from tests.automation.conftest import AUTHOR, POST, git, init_repo, set_config, write_models
from tests.conftest import run_press, write

LATER = "2099-01-01T00:00:00Z"

DEPLOY = """\
import json, os, sys
doc = json.load(sys.stdin)
with open(sys.argv[1], "a") as f:
    f.write(json.dumps({"env": os.environ["PRESSROOM_SCHEDULE_IDS"], "doc": doc["schedule_ids"],
                        "event": doc["event"]}) + "\\n")
"""


def _clone(remote: Path, dest: Path, name: str) -> Path:
    git(remote.parent, "clone", "-q", str(remote), str(dest))
    git(dest, "config", "user.name", name)
    git(dest, "config", "user.email", f"{name.lower()}@example.com")
    # The merge driver's git config is each clone's own; its .gitattributes came with the clone.
    assert run_press(dest / "site", "merge-driver", "install").returncode == 0
    return dest / "site"


@pytest.fixture
def clones(tmp_path: Path, git_home: Path) -> tuple[Path, Path, str, Path]:
    """Two clones of a site with post/x scheduled for publishing; returns them, the schedule id, the deploy log."""
    origin = tmp_path / "origin"
    init_repo(origin)
    site = origin / "site"
    Site.init(site)
    write_models(site, author=AUTHOR, post=POST)
    (tmp_path / "deploy.py").write_text(DEPLOY)
    deploys = tmp_path / "deploys.jsonl"
    set_config(site, f"hooks:\n  after_publish: ['{sys.executable} {tmp_path / 'deploy.py'} {deploys}']\n")
    assert run_press(site, "merge-driver", "install").returncode == 0
    write(site, "post/x", "title: X\n")
    assert run_press(site, "save", "post/x").returncode == 0
    scheduled = run_press(site, "schedule", "publish", "post/x", "--at", "+1h", "--json")
    assert scheduled.returncode == 0, scheduled.stdout
    sid = json.loads(scheduled.stdout)["data"]["schedule"]["id"]
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "start")
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(origin), str(remote))
    return _clone(remote, tmp_path / "a", "Alice"), _clone(remote, tmp_path / "b", "Bob"), sid, deploys


def test_a_schedule_run_in_two_merged_clones_is_reported_until_acknowledged(
        clones: tuple[Path, Path, str, Path]) -> None:
    a, b, sid, deploys = clones
    for site in (a, b):
        ran = run_press(site, "schedule", "run", "--now", LATER, "--commit", "--json")
        assert ran.returncode == 0, ran.stdout.decode() + ran.stderr.decode()
        assert [x["outcome"] for x in json.loads(ran.stdout)["data"]["actions"]] == ["done"]
    # The deploy hook ran once per clone, each time told which schedule it ran for.
    runs = [json.loads(line) for line in deploys.read_text().splitlines()]
    assert runs == [{"env": sid, "doc": [sid], "event": "after_publish"}] * 2

    git(a.parent, "push", "-q", "origin", "main")
    pulled = git(b.parent, "pull", "--no-rebase", "-q", "origin", "main")
    assert "CONFLICT" not in pulled.stdout + pulled.stderr
    assert git(b.parent, "status", "--porcelain").stdout == ""

    fsck = run_press(b, "fsck", "--json")
    assert fsck.returncode == 5, fsck.stdout
    [error] = json.loads(fsck.stdout)["errors"]
    assert error["code"] == "duplicate_schedule_run" and error["record"] == "post/x"
    assert sid in error["message"] and "2 times" in error["message"]
    assert error["hint"].endswith(f"press schedule ack {sid}")
    assert run_press(b, "fsck", "--view-only").returncode == 5

    status = run_press(b, "status", "--json")
    assert status.returncode == 0
    assert [w["code"] for w in json.loads(status.stdout)["warnings"]] == ["duplicate_schedule_run"]
    text = run_press(b, "status")
    assert text.returncode == 0 and f"schedule {sid}".encode() in text.stderr

    acked = run_press(b, "schedule", "ack", sid, "-m", "second deploy was harmless", "--json")
    assert acked.returncode == 0, acked.stdout
    assert json.loads(acked.stdout)["data"]["schedule"]["acknowledged"] == 2
    assert run_press(b, "fsck").returncode == 0
    assert json.loads(run_press(b, "status", "--json").stdout)["warnings"] == []
    again = run_press(b, "schedule", "ack", sid, "--json")
    assert again.returncode == 1 and "nothing to acknowledge" in json.loads(again.stdout)["errors"][0]["message"]


def test_a_schedule_run_once_is_not_reported_and_cannot_be_acknowledged(
        clones: tuple[Path, Path, str, Path]) -> None:
    a, b, sid, _deploys = clones
    assert run_press(a, "schedule", "run", "--now", LATER, "--commit").returncode == 0
    git(a.parent, "push", "-q", "origin", "main")
    git(b.parent, "pull", "--no-rebase", "-q", "origin", "main")
    # b did not run it: the pull brought it done, and b's own run finds nothing due.
    assert json.loads(run_press(b, "schedule", "run", "--now", LATER, "--json").stdout)["data"]["actions"] == []
    assert run_press(b, "fsck").returncode == 0
    assert json.loads(run_press(b, "status", "--json").stdout)["warnings"] == []
    refused = run_press(b, "schedule", "ack", sid, "--json")
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["errors"][0]["message"] == f"schedule {sid} ran 1 time(s): nothing to acknowledge"
