"""Scheduled publish and unpublish: due and not due, pinned and latest, failures, exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pressroom import NotFoundError, Site, UsageError
from tests.automation.conftest import write_models, AUTHOR, POST
from tests.conftest import PRESS, run_press, write

T0 = "2030-01-01T09:00:00Z"


def _post(site: Site, rid: str, title: str, author: str | None = None) -> str:
    text = f"title: {title}\n" + (f"author: {author}\n" if author else "")
    write(site.root, f"post/{rid}", text)
    return site.save(f"post/{rid}").saved[0].version


def _events(site: Site, record: str, action: str) -> list[dict]:
    return [e for e in site.store.read_log(record) if e["action"] == action]


def test_an_action_runs_when_due_and_not_before(news: Site, cli) -> None:
    version = _post(news, "a", "A")
    code, env = cli.json("schedule", "publish", "post/a", "--at", "2030-01-01T10:00:00+01:00")
    assert code == 0
    sid = env["data"]["schedule"]["id"]
    assert env["data"]["schedule"]["at"] == T0 and env["data"]["schedule"]["version"] == version

    code, env = cli.json("schedule", "run", "--now", "2030-01-01T08:59:59Z")
    assert (code, env["data"]["actions"], env["data"]["not_due"]) == (0, [], 1)
    assert env["data"]["next_at"] == T0
    assert news.status("post/a").records[0].status == "draft"

    code, env = cli.json("schedule", "next")
    assert (code, env["data"]["at"], env["data"]["next"]["id"]) == (0, T0, sid)

    code, env = cli.json("schedule", "run", "--now", T0)
    assert code == 0
    (action,) = env["data"]["actions"]
    assert (action["schedule"], action["outcome"], action["record"]) == (sid, "done", "post/a")
    assert news.status("post/a").records[0].published == version
    # Done once: a later run has nothing to do, and the list no longer shows it.
    code, env = cli.json("schedule", "run", "--now", "2030-02-01T00:00:00Z")
    assert (code, env["data"]["actions"]) == (0, [])
    assert cli.json("schedule", "list")[1]["data"]["schedules"] == []
    (done,) = cli.json("schedule", "list", "--all")[1]["data"]["schedules"]
    assert (done["id"], done["state"], done["finished_by"]) == (sid, "done", "Test Author <test@example.com>")
    assert [e["message"] for e in _events(news, "post/a", "publish")] == [f"scheduled publish ({sid})"]


def test_actions_run_in_time_order(news: Site) -> None:
    v1 = _post(news, "a", "A")
    # Scheduled out of order: the unpublish comes after the publish in time.
    news.schedule("unpublish", "post/a", at="2030-01-01T12:00:00Z")
    news.schedule("publish", "post/a", at="2030-01-01T11:00:00Z")
    result = news.run_schedule(now="2030-01-01T13:00:00Z")
    assert [(a.action, a.outcome) for a in result.actions] == [("publish", "done"), ("unpublish", "done")]
    assert news.status("post/a").records[0].status == "draft"
    assert [e["new"] for e in _events(news, "post/a", "publish")] == [v1]


def test_pinned_publishes_the_version_scheduled_latest_the_one_current_then(news: Site) -> None:
    a1 = _post(news, "a", "A one")
    b1 = _post(news, "b", "B one")
    pinned = news.schedule("publish", "post/a", at=T0).schedule
    latest = news.schedule("publish", "post/b", at=T0, latest=True).schedule
    assert (pinned.version, latest.version, latest.latest) == (a1, None, True)
    a2 = _post(news, "a", "A two")
    b2 = _post(news, "b", "B two")
    assert b1 != b2 and a1 != a2
    news.run_schedule(now=T0)
    rows = {r.record: r for r in news.status().records}
    # What was reviewed is what goes live: the later save of post/a stays a draft change.
    assert (rows["post/a"].published, rows["post/a"].status) == (a1, "updated")
    assert (rows["post/b"].published, rows["post/b"].status) == (b2, "published")


def test_a_failing_action_is_marked_failed_and_the_rest_still_runs(news: Site, cli) -> None:
    _post(news, "linked", "Linked", author="ada")  # author/ada is not published
    _post(news, "plain", "Plain")
    bad = news.schedule("publish", "post/linked", at="2030-01-01T08:00:00Z")
    assert [w.code for w in bad.warnings] == ["schedule_check"]  # said at scheduling time
    news.schedule("publish", "post/plain", at=T0)

    code, env = cli.json("schedule", "run", "--now", T0)
    assert code == 1
    outcomes = {a["record"]: a["outcome"] for a in env["data"]["actions"]}
    assert outcomes == {"post/linked": "failed", "post/plain": "done"}
    assert [e["code"] for e in env["errors"]] == ["unpublished_link"]
    assert env["errors"][0]["record"] == "post/linked"
    rows = {r.record: r.status for r in news.status().records}
    assert (rows["post/linked"], rows["post/plain"]) == ("draft", "published")

    # It stays listed, failed, with its error; no later run retries it.
    code, env = cli.json("schedule", "list")
    (listed,) = env["data"]["schedules"]
    assert (listed["id"], listed["state"]) == (bad.schedule.id, "failed")
    assert "author/ada" in listed["errors"][0]["message"]
    assert cli.json("schedule", "run", "--now", "2030-06-01T00:00:00Z")[0] == 0
    human = cli("schedule", "list")
    assert "failed" in human.stdout and "author/ada" in human.stderr
    # Cancelling dismisses it.
    assert cli.json("schedule", "cancel", bad.schedule.id)[0] == 0
    assert cli.json("schedule", "list")[1]["data"]["schedules"] == []


def test_an_action_with_nothing_left_to_do_is_done_with_a_note(news: Site) -> None:
    _post(news, "a", "A")
    news.schedule("publish", "post/a", at=T0)
    news.publish("post/a")
    (action,) = news.run_schedule(now=T0).actions
    assert action.outcome == "done" and "already published" in action.note and action.moves == []


def test_times_are_checked(news: Site, cli) -> None:
    _post(news, "a", "A")
    code, env = cli.json("schedule", "publish", "post/a", "--at", "2030-01-01T09:00:00")
    assert code == 2 and "offset" in env["errors"][0]["message"]
    code, env = cli.json("schedule", "publish", "post/a", "--at", "tomorrow")
    assert code == 2
    for far in ("+99999999d", "+999999999999999999999d", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"):
        code, env = cli.json("schedule", "publish", "post/a", "--at", far)
        assert (code, env["errors"][0]["message"]) == (2, f"{far!r} is out of range")
    code, env = cli.json("schedule", "run", "--now", "+99999999d")
    assert code == 2 and "out of range" in env["errors"][0]["message"]
    code, env = cli.json("schedule", "publish", "post/a", "--at", "+2h")
    assert code == 0 and env["data"]["schedule"]["at"] > env["data"]["schedule"]["created"]
    with pytest.raises(NotFoundError):
        news.schedule("publish", "post/nothing", at=T0)
    with pytest.raises(UsageError):
        news.schedule("unpublish", "post/a", at=T0, latest=True)
    assert cli.json("schedule", "cancel", "0000000000")[0] == 2


def test_schedule_at_and_gc_grace_read_one_duration_grammar(news: Site, cli) -> None:
    _post(news, "a", "A")
    for text, seconds in (("90", 90), ("90s", 90), ("1.5h", 5400), ("2d", 172800), ("1w", 604800)):
        s = news.schedule("publish", "post/a", at=f"+{text}").schedule
        gap = s.at - s.created
        assert abs(gap.total_seconds() - seconds) <= 2, (text, gap)
        code, env = cli.json("gc", "--dry-run", "--grace", text)
        assert code == 0 and env["data"]["grace_seconds"] == seconds
    for bad in ("", "h", "-1h", "1y", "1.h", "1h2m"):
        code, env = cli.json("schedule", "publish", "post/a", "--at", f"+{bad}")
        assert code == 2 and f"cannot read '+{bad}' as a time" in env["errors"][0]["message"], bad
        code, env = cli.json("gc", "--dry-run", "--grace", bad)
        assert code == 2 and env["errors"][0]["message"] == f"--grace {bad!r} is not a duration", bad


def test_cancel_stops_an_action_and_a_done_one_cannot_be_cancelled(news: Site, cli) -> None:
    _post(news, "a", "A")
    _post(news, "b", "B")
    keep = news.schedule("publish", "post/a", at=T0).schedule
    drop = news.schedule("publish", "post/b", at=T0).schedule
    assert cli.json("schedule", "cancel", drop.id, "-m", "not yet")[0] == 0
    assert [a.record for a in news.run_schedule(now=T0).actions] == ["post/a"]
    assert news.status("post/b").records[0].status == "draft"
    code, env = cli.json("schedule", "cancel", keep.id)
    assert code == 1 and "already done" in env["errors"][0]["message"]
    assert [e["action"] for e in news.store.read_log("post/b")][-2:] == ["schedule", "unschedule"]


def test_gc_keeps_the_version_a_pending_schedule_pins(site: Site) -> None:
    write_models(site.root, post="max_versions: 1\n" + POST, author=AUTHOR)
    pinned = _post(site, "a", "reviewed")
    site.schedule("publish", "post/a", at=T0)
    _post(site, "a", "edited after scheduling")
    report = site.gc(grace=0)
    assert pinned not in {o.oid for o in report.removed}
    assert site.fsck().ok
    site.run_schedule(now=T0)
    assert site.status("post/a").records[0].published == pinned
    assert site.show(f"post/a@{pinned}").content == b"title: reviewed\n"


# exactly once: overlapping runs, killed runs

N_RECORDS = 12


def _many(root: Path) -> list[str]:
    """N posts, each scheduled: publish at 10:00, unpublish at 11:00 (so a second publish would show)."""
    site = Site.open(root)
    write_models(root, author=AUTHOR, post=POST)
    for i in range(N_RECORDS):
        write(root, f"post/p{i:02d}", f"title: P{i}\n")
    site.save(model="post")
    ids = []
    for i in range(N_RECORDS):
        ids.append(site.schedule("publish", f"post/p{i:02d}", at="2030-01-01T10:00:00Z").schedule.id)
        ids.append(site.schedule("unpublish", f"post/p{i:02d}", at="2030-01-01T11:00:00Z").schedule.id)
    return ids


def _check_each_once(root: Path, ids: list[str]) -> None:
    site = Site.open(root)
    states = {s.id: s.state for s in site.schedules(all=True).schedules}
    assert states == {sid: "done" for sid in ids}
    for i in range(N_RECORDS):
        record = f"post/p{i:02d}"
        log = site.store.read_log(record)
        assert [e["action"] for e in log if e["action"] in ("publish", "unpublish")] == ["publish", "unpublish"], log
        assert site.status(record).records[0].status == "draft"
    assert site.fsck().ok


def test_two_overlapping_runs_carry_out_each_action_once(tmp_path: Path) -> None:
    root = tmp_path / "site"
    Site.init(root)
    ids = _many(root)
    args = [str(PRESS), "-C", str(root), "schedule", "run", "--now", "2030-01-01T12:00:00Z", "--json"]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    envs = [json.loads(out) for out, _err in outs]
    for proc, (_out, err) in zip(procs, outs):
        assert proc.returncode == 0, err.decode()
    done = [a["schedule"] for env in envs for a in env["data"]["actions"] if a["outcome"] == "done"]
    assert sorted(done) == sorted(ids)  # each action carried out by exactly one of the runs
    _check_each_once(root, ids)


# A run that kills itself at a chosen transaction: before its journal is written
# ("before": that action did not happen) or right after ("after": it did).
_KILLED_RUN = textwrap.dedent("""
    import os, signal, sys
    from pressroom import Site
    from pressroom.store import journal

    root, point, at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    calls = []
    real_commit, real_apply = journal.Journal.commit, journal.Journal._apply

    def commit(self, *args, **kwargs):
        calls.append(1)
        if point == "before" and len(calls) == at:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_commit(self, *args, **kwargs)

    def apply(self, doc):
        if point == "after" and len(calls) == at:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_apply(self, doc)

    journal.Journal.commit, journal.Journal._apply = commit, apply
    Site.open(root).run_schedule(now="2030-01-01T12:00:00Z")
""")


@pytest.mark.parametrize("point", ["before", "after"])
def test_a_killed_run_leaves_the_rest_to_the_next_run(tmp_path: Path, point: str) -> None:
    root = tmp_path / "site"
    Site.init(root)
    ids = _many(root)
    child = subprocess.run([sys.executable, "-c", _KILLED_RUN, str(root), point, "5"], capture_output=True,
                           timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    done_before = {s.id for s in Site.open(root).schedules(all=True).schedules if s.state == "done"}
    # Four actions were committed; the fifth is whole ("after") or not there at all ("before").
    assert len(done_before) == (5 if point == "after" else 4)

    again = run_press(root, "schedule", "run", "--now", "2030-01-01T12:00:00Z", "--json")
    assert again.returncode == 0, again.stderr.decode()
    carried = [a["schedule"] for a in json.loads(again.stdout)["data"]["actions"] if a["outcome"] == "done"]
    assert sorted(carried) == sorted(set(ids) - done_before)
    _check_each_once(root, ids)
