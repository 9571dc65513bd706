"""The planners of the schedule commands and of resolve, on an in-memory store.

As in test_planners.py: build a store in dicts, ask a planner for its plan,
check the plan itself (store files, events, guards, ref updates, site files,
refusals), then let ``execute`` apply it to the same in-memory store.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pressroom import ConflictError, NotFoundError, RefusedError, StoreDamagedError
from pressroom.errors import Problem, Where
from pressroom.records import RecordKey
from pressroom.store import RefConflict, RefKind, RefUpdate, SiteFile, Snapshot, Version, hash_bytes
from pressroom.store.memory import MemoryStore
from pressroom.workflow.plan import Action, Guard, execute
from pressroom.workflow.resolve import Resolved, ResolveRequest, WorkingText, plan_resolve
from pressroom.workflow.schedule import (Schedule, ScheduleRequest, plan_acknowledge, plan_cancel, plan_finish,
                                         plan_schedule)
from pressroom.workflow.view import Violation

TIME = "2026-01-02T03:04:05Z"
AT = "2026-02-01T09:00:00Z"
# A Schedule holds its times as aware UTC datetimes; its file and events, the text above.
TIME_DT, AT_DT = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc), dt.datetime(2026, 2, 1, 9, tzinfo=dt.timezone.utc)
POST, ADA = RecordKey("post", "hello"), RecordKey("author", "ada")


def put(store: MemoryStore, key: RecordKey, text: str, *, parent: str | None = None) -> str:
    """A version of ``key`` holding ``text`` (its blob and version objects stored), not on any ref."""
    blob = store.put_blob(text.encode())
    return store.put_version(Version(str(key), blob, parent, "ada", TIME, ""))


def refs(current: str | None = None, published: str | None = None,
         archived: str | None = None) -> dict[str, str | None]:
    return {"current": current, "published": published, "archived": archived}


def request(action: str = "publish", *, latest: bool = False, message: str = "") -> ScheduleRequest:
    return ScheduleRequest(id="s1", action=action, record=POST, at=AT, latest=latest, author="ada", time=TIME,
                           message=message)


def pending(store: MemoryStore, **changes: object) -> tuple[Schedule, str]:
    """A pending schedule of post/hello already in the store's files, and the hash of its text."""
    doc = {"id": "s1", "action": "publish", "record": "post/hello", "version": "v" * 64, "at": AT_DT,
           "created": TIME_DT, "author": "ada", **changes}
    schedule = Schedule(**doc)  # type: ignore[arg-type]
    store.files[schedule.path] = schedule.encode()
    return schedule, hash_bytes(schedule.encode().encode())


# schedule


def test_schedule_plans_the_file_its_event_and_guards_the_version_it_pins(store: MemoryStore) -> None:
    v = put(store, POST, "title: Hi\n")
    store.refs["current"]["post/hello"] = v
    plan, schedule = plan_schedule(refs(current=v), request(message="launch"))
    assert schedule == Schedule(id="s1", action="publish", record="post/hello", version=v, at=AT_DT, created=TIME_DT,
                                author="ada", message="launch")
    assert (json.loads(schedule.encode())["at"], json.loads(schedule.encode())["created"]) == (AT, TIME)
    assert plan.action is Action.SCHEDULE
    assert [(f.path, f.old, f.new) for f in plan.files] == [("schedules/s1", None, schedule.encode())]
    assert [(e.record, e.data) for e in plan.events] == [("post/hello", {
        "action": "schedule", "author": "ada", "time": TIME, "old": None, "new": v,
        "message": f"publish at {AT} (s1): launch", "schedule": "s1", "scheduled": "publish", "at": AT})]
    assert plan.guards == [Guard(RefKind.CURRENT, POST, v)]
    assert plan.updates == []

    txn = execute(store, plan)
    assert json.loads(store.files["schedules/s1"])["version"] == v
    assert store.read_log("post/hello") == [{**plan.events[0].data, "txn": txn}]


def test_a_pinned_schedule_is_a_conflict_when_the_current_version_moved(store: MemoryStore) -> None:
    v = put(store, POST, "title: Hi\n")
    store.refs["current"]["post/hello"] = v
    plan, _ = plan_schedule(refs(current=v), request())
    store.refs["current"]["post/hello"] = put(store, POST, "title: Later\n", parent=v)
    with pytest.raises(ConflictError):
        execute(store, plan)
    assert store.files == {} and store.logs == {}


def test_latest_and_unpublish_pin_nothing_and_guard_nothing() -> None:
    for req in (request(latest=True), request("unpublish")):
        plan, schedule = plan_schedule(refs(current="c" * 64, published="c" * 64), req)
        assert schedule.version is None
        assert plan.guards == []
        assert plan.events[0].data["new"] is None
        assert plan.events[0].data["scheduled"] == req.action


def test_schedule_refuses_a_record_never_saved_and_a_publish_without_current() -> None:
    with pytest.raises(NotFoundError) as gone:
        plan_schedule(refs(), request())
    assert (gone.value.message, gone.value.problems[0].cause) == ("does not exist (never saved, or deleted)",
                                                                 "save_first")
    with pytest.raises(NotFoundError, match="has no current version to publish"):
        plan_schedule(refs(archived="a" * 64), request())


# cancel and acknowledge


def test_cancel_plans_the_cancelled_file_against_the_text_it_read_and_an_unschedule_event(store: MemoryStore) -> None:
    schedule, old = pending(store)
    plan, cancelled = plan_cancel(schedule, old, author="bob", time=TIME, message="not yet")
    assert (cancelled.state, cancelled.finished, cancelled.finished_by, cancelled.note) == (
        "cancelled", TIME_DT, "bob", "not yet")
    assert [(f.path, f.old, f.new) for f in plan.files] == [("schedules/s1", old, cancelled.encode())]
    assert [(e.record, e.data["action"], e.data["old"], e.data["message"]) for e in plan.events] == [
        ("post/hello", "unschedule", "v" * 64, f"cancelled publish at {AT} (s1): not yet")]
    execute(store, plan)
    assert json.loads(store.files["schedules/s1"])["state"] == "cancelled"


def test_cancel_is_a_conflict_when_the_file_changed_since_it_was_read(store: MemoryStore) -> None:
    schedule, old = pending(store)
    plan, _ = plan_cancel(schedule, old, author="bob", time=TIME)
    pending(store, note="a run got there first")
    with pytest.raises(ConflictError):
        execute(store, plan)
    assert json.loads(store.files["schedules/s1"])["state"] == "pending"
    assert store.logs == {}


@pytest.mark.parametrize("state", ["done", "cancelled"])
def test_cancel_refuses_a_finished_schedule(store: MemoryStore, state: str) -> None:
    schedule, old = pending(store, state=state, finished=TIME_DT)
    with pytest.raises(RefusedError) as refused:
        plan_cancel(schedule, old, author="bob", time=TIME)
    assert refused.value.message == f"schedule s1 is already {state} ({TIME})"
    assert refused.value.problems[0].cause == "schedule.finished"


def test_acknowledge_plans_only_the_file_and_refuses_what_ran_once(store: MemoryStore) -> None:
    schedule, old = pending(store, state="done")
    with pytest.raises(RefusedError, match="ran 1 time"):
        plan_acknowledge(schedule, old, ["t1"], author="bob", time=TIME)
    plan, acked = plan_acknowledge(schedule, old, ["t1", "t2"], author="bob", time=TIME, message="seen")
    assert (acked.acknowledged, acked.note) == (2, f"acknowledged 2 runs ({TIME}, bob): seen")
    assert plan.events == [] and plan.updates == []
    assert [(f.path, f.old) for f in plan.files] == [("schedules/s1", old)]
    execute(store, plan)
    assert json.loads(store.files["schedules/s1"])["acknowledged"] == 2
    # Acknowledged at two runs: nothing more until a third is merged in.
    with pytest.raises(RefusedError, match="was acknowledged at 2 time"):
        plan_acknowledge(acked, hash_bytes(acked.encode().encode()), ["t1", "t2"], author="bob", time=TIME)


# a run's marks


def test_finish_marks_done_or_failed_with_the_problems_in_the_file(store: MemoryStore) -> None:
    schedule, old = pending(store)
    done = plan_finish(schedule, old, state="done", author="cron", time=TIME, note="nothing to do: x")
    assert done.events == [] and done.updates == []
    problem = Problem("does not exist", "not_found", Where(record="post/hello"), "save it")
    failed = plan_finish(schedule, old, state="failed", author="cron", time=TIME, note=None, errors=[problem])
    doc = json.loads(failed.files[0].new or "")
    assert (doc["state"], doc["finished"], doc["finished_by"], doc["errors"]) == (
        "failed", TIME, "cron", [problem.as_dict()])
    assert json.loads(done.files[0].new or "")["note"] == "nothing to do: x"
    execute(store, failed)
    # The other mark was planned against the same text: it can no longer commit.
    with pytest.raises(ConflictError):
        execute(store, done)
    assert json.loads(store.files["schedules/s1"])["state"] == "failed"


# resolve


def conflicted(store: MemoryStore) -> tuple[str, str, str]:
    """post/hello with a base and two sides, the current ref in conflict (ours on disk)."""
    base = put(store, POST, "title: Base\n")
    ours = put(store, POST, "title: Ours\n", parent=base)
    theirs = put(store, POST, "title: Theirs\n", parent=base)
    store.refs["current"]["post/hello"] = ours
    return base, ours, theirs


def resolving(side: str, conflicts: list[RefConflict], *, chosen: str | None = None,
              in_git: list[RefConflict] | None = None, working: WorkingText | None = None) -> ResolveRequest:
    return ResolveRequest(record=POST, side=side, chosen=chosen, conflicts=conflicts, in_git=in_git or [],
                          author="ada", time=TIME, message="merged", working=working)


def no_violations(_snapshot: Snapshot) -> list[Violation]:
    return []


@pytest.mark.parametrize("side", ["ours", "theirs"])
def test_resolve_plans_each_conflicted_ref_its_event_and_ends_the_conflict(store: MemoryStore, side: str) -> None:
    base, ours, theirs = conflicted(store)
    conflict = RefConflict(RefKind.CURRENT, "post/hello", ours, theirs, base)
    plan, resolved = plan_resolve(store, store.snapshot(), resolving(side, [conflict]), no_violations)
    chosen = ours if side == "ours" else theirs
    assert resolved == [Resolved(RefKind.CURRENT, ours, theirs, base, chosen)]
    assert plan.action is Action.RESOLVE
    # A conflict in the ref file: the store clears it, so the update names no old value.
    assert plan.updates == [RefUpdate("current", "post/hello", None, chosen)]
    assert plan.resolving == [conflict]
    assert [(e.record, e.data["action"], e.data["new"], e.data["message"]) for e in plan.events] == [
        ("post/hello", "resolve", chosen, f"current: took {side} {chosen[:7]}: merged")]
    assert plan.site_files == []


def test_resolve_moves_a_ref_git_alone_holds_in_conflict_from_what_is_on_disk(store: MemoryStore) -> None:
    base, ours, _theirs = conflicted(store)
    store.refs["published"]["post/hello"] = ours
    # Their side deleted the published ref: only git's index shows the conflict.
    in_git = RefConflict(RefKind.PUBLISHED, "post/hello", ours, None, base)
    plan, _ = plan_resolve(store, store.snapshot(), resolving("theirs", [], in_git=[in_git]), no_violations)
    assert plan.updates == [RefUpdate("published", "post/hello", ours, None)]
    assert plan.resolving == []
    execute(store, plan)
    assert "post/hello" not in store.refs["published"]


def test_resolve_writes_the_chosen_content_over_conflict_markers_only(store: MemoryStore) -> None:
    base, ours, theirs = conflicted(store)
    conflict = RefConflict(RefKind.CURRENT, "post/hello", ours, theirs, base)
    marked = b"<<<<<<< ours\ntitle: Ours\n=======\ntitle: Theirs\n>>>>>>> theirs\n"
    text = WorkingText("content/post/hello.yaml", marked)
    plan, _ = plan_resolve(store, store.snapshot(), resolving("theirs", [conflict], working=text), no_violations)
    assert plan.site_files == [SiteFile("content/post/hello.yaml", hash_bytes(marked),
                                        store.get_version(theirs).blob)]
    mine = WorkingText("content/post/hello.yaml", b"title: Mine\n")
    plan, _ = plan_resolve(store, store.snapshot(), resolving("theirs", [conflict], working=mine), no_violations)
    assert plan.site_files == []


def test_resolve_takes_a_named_version_for_every_ref(store: MemoryStore) -> None:
    base, ours, theirs = conflicted(store)
    conflict = RefConflict(RefKind.CURRENT, "post/hello", ours, theirs, base)
    plan, resolved = plan_resolve(store, store.snapshot(), resolving("version", [conflict], chosen=base),
                                  no_violations)
    assert [r.chosen for r in resolved] == [base]
    assert plan.events[0].data["message"] == f"current: took version {base[:7]}: merged"


def test_resolve_refuses_a_state_no_command_makes(store: MemoryStore) -> None:
    base, ours, _theirs = conflicted(store)
    store.refs["published"]["post/hello"] = ours
    # Their side deleted the record: taking it would leave it published without a current version.
    conflict = RefConflict(RefKind.CURRENT, "post/hello", ours, None, base)
    with pytest.raises(RefusedError, match="published without a current version") as refused:
        plan_resolve(store, store.snapshot(), resolving("theirs", [conflict]), no_violations)
    assert refused.value.problems[0].cause == "resolve.bad_state"


def test_resolve_refuses_a_version_not_in_the_store_or_of_another_record(store: MemoryStore) -> None:
    base, ours, _theirs = conflicted(store)
    missing = RefConflict(RefKind.CURRENT, "post/hello", ours, "f" * 64, base)
    with pytest.raises(RefusedError, match="is not in the store"):
        plan_resolve(store, store.snapshot(), resolving("theirs", [missing]), no_violations)
    other = put(store, ADA, "name: Ada\n")
    stray = RefConflict(RefKind.CURRENT, "post/hello", ours, other, base)
    with pytest.raises(StoreDamagedError, match="belongs to another record"):
        plan_resolve(store, store.snapshot(), resolving("theirs", [stray]), no_violations)


def test_resolve_refuses_a_side_that_strands_a_referrer_judged_on_the_snapshot_after(store: MemoryStore) -> None:
    base, ours, _theirs = conflicted(store)
    store.refs["published"]["post/hello"] = ours
    conflict = RefConflict(RefKind.PUBLISHED, "post/hello", ours, None, base)
    seen: list[Snapshot] = []

    def referrer_needs_it(after: Snapshot) -> list[Violation]:
        seen.append(after)
        if "post/hello" in after.published:
            return []
        return [Violation("unpublished_link", "post/other", "links to post/hello, which is not published",
                          "publish post/hello", target="post/hello")]

    with pytest.raises(RefusedError) as refused:
        plan_resolve(store, store.snapshot(), resolving("theirs", [conflict]), referrer_needs_it)
    assert seen[0].published == {}
    assert refused.value.cause == "resolve.unclosed_referrers"
    assert "unpublish its referrers first (Site.unpublish: post/other)" in (refused.value.hint or "")
    assert [p.code for p in refused.value.problems] == ["unpublished_link"]
    plan, _ = plan_resolve(store, store.snapshot(), resolving("ours", [conflict]), referrer_needs_it)
    assert plan.updates == [RefUpdate("published", "post/hello", None, ours)]


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()
