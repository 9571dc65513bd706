"""Review stages: transitions, reset on save, publish --stage, and publish_requires."""

from __future__ import annotations

import json

import pytest

from pressroom import BadContentError, RefusedError, Site
from tests.automation.conftest import AUTHOR, POST, REVIEWED_POST, write_models
from tests.conftest import write


@pytest.fixture
def reviewed(site: Site) -> Site:
    """post has stages [draft, in_review, ready] and publish_requires: ready; post/a and post/b saved."""
    write_models(site.root, author=AUTHOR, post=REVIEWED_POST)
    write(site.root, "post/a", "title: A\n")
    write(site.root, "post/b", "title: B\n")
    site.save("post/a", "post/b")
    return Site.open(site.root)


def _stage(site: Site, record: str) -> str | None:
    return site.status(record).records[0].stage


def test_stage_transitions_are_logged_with_author_and_time(reviewed: Site, cli) -> None:
    assert _stage(reviewed, "post/a") == "draft"
    code, env = cli.json("stage", "post/a", "in_review", "-m", "please look")
    assert code == 0
    assert (env["data"]["previous"], env["data"]["stage"], env["data"]["changed"]) == ("draft", "in_review", True)
    assert cli.json("stage", "post/a", "ready", "--author", "Rev <rev@example.com>")[0] == 0
    assert cli.json("stage", "post/a", "in_review")[0] == 0  # back a step: any declared stage
    assert cli.json("stage", "post/a", "ready")[0] == 0
    code, env = cli.json("status", "post/a")
    assert env["data"]["records"][0]["stage"] == "ready"
    stages = [e for e in reviewed.store.read_log("post/a") if e["action"] == "stage"]
    current = reviewed.status("post/a").records[0].current
    assert [(e["previous"], e["stage"]) for e in stages] == [
        ("draft", "in_review"), ("in_review", "ready"), ("ready", "in_review"), ("in_review", "ready")]
    assert all(e["new"] == current and e["time"] for e in stages)
    assert [e["author"] for e in stages][:2] == ["Test Author <test@example.com>", "Rev <rev@example.com>"]
    assert stages[0]["message"] == "draft -> in_review: please look"
    # The human status shows a stage column.
    assert "ready" in cli("status").stdout.splitlines()[1]


def test_what_stage_refuses(reviewed: Site, cli) -> None:
    code, env = cli.json("stage", "post/a", "approved")
    assert code == 2 and "in_review" in env["errors"][0]["hint"]
    code, env = cli.json("stage", "author/ada", "ready")
    assert code == 2 and "no review stages" in env["errors"][0]["message"]
    code, env = cli.json("stage", "post/nothing", "ready")
    assert code == 2 and env["errors"][0]["code"] == "not_found"
    code, env = cli.json("stage", "post/a", "draft")  # already there
    assert code == 1 and env["errors"][0]["code"] == "nothing_to_do"
    code, env = cli.json("stage", "post/a@~0", "ready")
    assert code == 2


def test_a_new_save_goes_back_to_the_first_stage(reviewed: Site) -> None:
    reviewed.stage("post/a", "ready")
    assert _stage(reviewed, "post/a") == "ready"
    write(reviewed.root, "post/a", "title: A, edited after review\n")
    reviewed.save("post/a")
    assert _stage(reviewed, "post/a") == "draft"
    # Saving the reviewed content again makes a new version: it needs a new review.
    write(reviewed.root, "post/a", "title: A\n")
    reviewed.save("post/a")
    assert _stage(reviewed, "post/a") == "draft"


def test_publish_is_refused_until_the_required_stage(reviewed: Site, cli) -> None:
    code, env = cli.json("publish", "post/a")
    assert code == 1
    (error,) = env["errors"]
    assert (error["code"], error["record"]) == ("stage", "post/a")
    assert "needs ready" in error["message"] and error["hint"] == "review it, then: press stage post/a ready"
    reviewed.stage("post/a", "in_review")
    with pytest.raises(RefusedError):
        reviewed.publish("post/a")
    reviewed.stage("post/a", "ready")
    assert reviewed.publish("post/a").moves[0].record == "post/a"
    assert _stage(reviewed, "post/a") == "ready"


def test_a_later_stage_than_required_passes(site: Site) -> None:
    write_models(site.root, post="stages: [draft, ready, approved]\npublish_requires: ready\n" + POST,
                 author=AUTHOR)
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    site.stage("post/a", "approved")
    assert site.publish("post/a").moves


def test_a_cascade_does_not_skip_review(site: Site) -> None:
    write_models(site.root, author="stages: [draft, ready]\npublish_requires: ready\n" + AUTHOR, post=POST)
    write(site.root, "author/ada", "name: Ada\n")
    write(site.root, "post/a", "title: A\nauthor: ada\n")
    site.save("author/ada", "post/a")
    with pytest.raises(RefusedError) as caught:
        site.publish("post/a", cascade=True)
    assert [(p.code, p.where.record) for p in caught.value.problems] == [("stage", "author/ada")]
    site.stage("author/ada", "ready")
    assert {m.record for m in site.publish("post/a", cascade=True).moves} == {"post/a", "author/ada"}


def test_publish_by_stage_takes_every_record_at_that_stage(reviewed: Site, cli) -> None:
    write(reviewed.root, "post/c", "title: C\n")
    reviewed.save("post/c")
    for record in ("post/a", "post/c"):
        reviewed.stage(record, "ready")
    reviewed.stage("post/b", "in_review")
    reviewed.publish("post/c")
    code, env = cli.json("publish", "--stage", "ready", "--dry-run")
    assert code == 0 and [m["record"] for m in env["data"]["moves"]] == ["post/a"]
    code, env = cli.json("publish", "--stage", "ready")
    assert code == 0 and [m["record"] for m in env["data"]["moves"]] == ["post/a"]
    assert {r.record: r.status for r in reviewed.status().records if r.record.startswith("post/")} == {
        "post/a": "published", "post/b": "draft", "post/c": "published"}
    code, env = cli.json("publish", "--stage", "ready")  # nothing left at ready: nothing to do, not an error
    assert code == 0 and env["data"]["moves"] == []
    # Selecting by an earlier stage still meets publish_requires: refused, naming the record.
    code, env = cli.json("publish", "--stage", "in_review", "--model", "post")
    assert code == 1 and [(e["code"], e["record"]) for e in env["errors"]] == [("stage", "post/b")]
    code, env = cli.json("publish", "--stage", "approved")
    assert code == 2 and "no model has a stage" in env["errors"][0]["message"]
    code, env = cli.json("publish", "post/b", "--stage", "ready")
    assert code == 2


def test_publish_by_stage_publishes_the_reviewed_version(reviewed: Site) -> None:
    reviewed.stage("post/a", "ready")
    reviewed_version = reviewed.status("post/a").records[0].current
    result = reviewed.publish(stage="ready")
    assert [(m.record, m.version) for m in result.moves] == [("post/a", reviewed_version)]


def test_stage_settings_are_checked(site: Site) -> None:
    write_models(site.root, post="stages: [draft, ready]\npublish_requires: approved\n")
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    with pytest.raises(BadContentError) as caught:
        site.stage("post/a", "ready")
    assert caught.value.where.path == "publish_requires"
    write_models(site.root, post="stages: [draft, draft]\n")
    with pytest.raises(BadContentError):
        site.models()


def test_after_a_merge_the_latest_stage_by_time_wins(reviewed: Site) -> None:
    """git's union merge puts the other branch's log lines last, whatever their time."""
    reviewed.stage("post/a", "in_review")
    log = reviewed.root / ".press" / "logs" / "post" / "a"
    lines = log.read_text().splitlines()
    sent_back = json.loads(lines[-1])
    # Another branch marked it ready earlier; the merge appended that line after ours.
    theirs = {**sent_back, "stage": "ready", "previous": "draft", "time": "2000-01-01T00:00:00Z", "txn": "f" * 32}
    log.write_text("\n".join([*lines, json.dumps(theirs)]) + "\n")
    assert _stage(reviewed, "post/a") == "in_review"
    with pytest.raises(RefusedError, match="ready"):
        reviewed.publish("post/a")
