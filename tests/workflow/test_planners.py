"""The planners of publish, unpublish, archive, delete, save and revert, on an in-memory store.

Each test builds a store in dicts, asks a planner for its plan and checks
the plan itself: the moves and why, the ref updates, the events, the guards
and the problems. Nothing touches a disk; ``execute`` then applies a plan to
the same in-memory store, as it applies one to ``.press/``.
"""

from __future__ import annotations

import pytest

from pressroom import ConflictError, RefusedError
from pressroom.models import Model, _parse_model
from pressroom.records import RecordKey
from pressroom.store import RefUpdate, SiteFile, Version, hash_bytes
from pressroom.store.memory import MemoryStore
from pressroom.workflow.plan import Action, Guard, Plan, RefKind, Status, execute
from pressroom.workflow.publishing import (Move, PublishRequest, Referrer, Skipped, Stamp, WithdrawRequest,
                                           WorkingFile, plan_archive, plan_delete, plan_publish, plan_unpublish)
from pressroom.workflow.revert import RevertRequest, plan_revert
from pressroom.workflow.saving import SaveInput, SaveRequest, plan_save
from pressroom.workflow.stages import plan_stage
from pressroom.workflow.saving import Stamp as SaveStamp
from pressroom.workflow.validation import Reader

TIME = "2026-01-02T03:04:05Z"
STAMP = Stamp("ada", TIME, "why")
MODELS = {
    "author": _parse_model("author", "models/author.yaml", b"""\
schema:
  type: object
  required: [name]
  properties:
    name: {type: string, minLength: 1}
"""),
    "post": _parse_model("post", "models/post.yaml", b"""\
schema:
  type: object
  required: [title]
  properties:
    title: {type: string}
    author: {type: string, x-link: author}
"""),
    # Every save of a note is published at once.
    "note": _parse_model("note", "models/note.yaml", b"""\
draft_published: false
schema:
  type: object
  properties:
    author: {type: string, x-link: author}
"""),
}

ADA, POST, NOTE = RecordKey("author", "ada"), RecordKey("post", "hello"), RecordKey("note", "n1")


def put(store: MemoryStore, key: RecordKey, text: str, *, parent: str | None = None) -> str:
    """A version of ``key`` holding ``text``, made current (its blob and version objects stored)."""
    blob = store.put_blob(text.encode())
    oid = store.put_version(Version(str(key), blob, parent, "ada", TIME, ""))
    store.refs["current"][str(key)] = oid
    return oid


def publish_ref(store: MemoryStore, key: RecordKey, oid: str | None = None) -> str:
    oid = oid or store.refs["current"][str(key)]
    store.refs["published"][str(key)] = oid
    return oid


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def reader(store: MemoryStore, models: dict[str, Model] | None = None) -> Reader:
    return Reader.over(store, MODELS if models is None else models)


def withdraw(*keys: RecordKey, **options: object) -> WithdrawRequest:
    return WithdrawRequest(list(keys), STAMP, **options)  # type: ignore[arg-type]


def events_of(plan: Plan) -> list[tuple[str, dict[str, object]]]:
    """Events without the fields every event carries."""
    common = {"author": "ada", "time": TIME, "message": "why"}
    out = []
    for e in plan.events:
        assert {k: e.data[k] for k in common} == common
        out.append((e.record, {k: v for k, v in e.data.items() if k not in common}))
    return out


# publish


def test_publish_plans_the_named_record_its_ref_its_event_and_the_refs_it_relied_on(store: MemoryStore) -> None:
    v = put(store, ADA, "name: Ada\n")
    plan = plan_publish(reader(store), PublishRequest([(ADA, None)], STAMP))
    assert plan.problems == []
    assert plan.moves == [Move("author/ada", Action.PUBLISH, "named", v, None, Status.DRAFT, Status.PUBLISHED)]
    assert plan.updates == [RefUpdate("published", "author/ada", None, v)]
    assert events_of(plan) == [("author/ada", {"action": "publish", "old": None, "new": v, "reason": "named"})]
    assert plan.guards == [Guard(RefKind.CURRENT, ADA, v), Guard(RefKind.ARCHIVED, ADA, None)]

    txn = execute(store, plan)
    assert store.refs["published"] == {"author/ada": v}
    assert store.read_log("author/ada") == [{**plan.events[0].data, "txn": txn}]


def test_publish_refuses_a_link_to_an_unpublished_record_and_cascade_takes_it_along(store: MemoryStore) -> None:
    ada = put(store, ADA, "name: Ada\n")
    post = put(store, POST, "title: Hi\nauthor: ada\n")
    alone = plan_publish(reader(store), PublishRequest([(POST, None)], STAMP))
    assert [(p.code, p.where.record, p.where.path) for p in alone.problems] == [
        ("unpublished_link", "post/hello", "author")]
    assert "links to author/ada, which is not published (draft)" in alone.problems[0].message
    with pytest.raises(RefusedError):
        execute(store, alone)
    assert store.refs["published"] == {}

    plan = plan_publish(reader(store), PublishRequest([(POST, None)], STAMP, cascade=True))
    assert plan.problems == []
    assert [(m.record, m.reason, m.via) for m in plan.moves] == [("post/hello", "named", None),
                                                                 ("author/ada", "cascade", "post/hello")]
    assert sorted((u.record, u.new) for u in plan.updates) == [("author/ada", ada), ("post/hello", post)]
    assert [e.data["reason"] for e in plan.events] == ["named", "cascade"]
    assert plan.events[1].data["via"] == "post/hello"


def test_publish_guards_the_published_target_it_links_to(store: MemoryStore) -> None:
    ada = publish_ref(store, ADA, put(store, ADA, "name: Ada\n"))
    put(store, POST, "title: Hi\nauthor: ada\n")
    plan = plan_publish(reader(store), PublishRequest([(POST, None)], STAMP))
    assert Guard(RefKind.PUBLISHED, ADA, ada) in plan.guards
    # Another command unpublishes the author meanwhile: the publish is a conflict, nothing moves.
    del store.refs["published"]["author/ada"]
    with pytest.raises(ConflictError):
        execute(store, plan)
    assert "post/hello" not in store.refs["published"]


def test_publish_skips_what_is_already_published_and_brings_an_archived_record_back(store: MemoryStore) -> None:
    ada = publish_ref(store, ADA, put(store, ADA, "name: Ada\n"))
    post = put(store, POST, "title: Hi\n")
    store.refs["archived"]["post/hello"] = post
    plan = plan_publish(reader(store), PublishRequest([(ADA, None), (POST, None)], STAMP))
    assert plan.skipped == [Skipped("author/ada", "is already published at that version")]
    assert [(m.record, m.status_before, m.status_after) for m in plan.moves] == [
        ("post/hello", Status.ARCHIVED, Status.PUBLISHED)]
    assert plan.updates == [RefUpdate("published", "post/hello", None, post),
                            RefUpdate("archived", "post/hello", post, None)]
    assert events_of(plan)[0][1]["archived"] == post
    assert ada == store.refs["published"]["author/ada"]


# unpublish


def test_unpublish_is_refused_while_a_published_record_links_to_it_and_naming_both_passes(
        store: MemoryStore) -> None:
    ada = publish_ref(store, ADA, put(store, ADA, "name: Ada\n"))
    post = publish_ref(store, POST, put(store, POST, "title: Hi\nauthor: ada\n"))
    plan = plan_unpublish(reader(store), withdraw(ADA))
    assert plan.referrers == [Referrer("post/hello", "author", "author/ada")]
    assert [(p.code, p.where.record) for p in plan.problems] == [("referrer", "author/ada")]

    both = plan_unpublish(reader(store), withdraw(ADA, POST))
    assert both.problems == []
    assert [(m.record, m.status_after) for m in both.moves] == [("author/ada", Status.DRAFT),
                                                                ("post/hello", Status.DRAFT)]
    assert both.updates == [RefUpdate("published", "author/ada", ada, None),
                            RefUpdate("published", "post/hello", post, None)]
    assert [(r, e["action"], e["old"], e["new"]) for r, e in events_of(both)] == [
        ("author/ada", "unpublish", ada, None), ("post/hello", "unpublish", post, None)]
    # It read the whole published view: any change to it before the commit is a conflict.
    assert both.unchanged == {RefKind.PUBLISHED: {"author/ada": ada, "post/hello": post}}


def test_unpublish_cascade_takes_the_records_nothing_else_needs(store: MemoryStore) -> None:
    publish_ref(store, ADA, put(store, ADA, "name: Ada\n"))
    publish_ref(store, POST, put(store, POST, "title: Hi\nauthor: ada\n"))
    plan = plan_unpublish(reader(store), withdraw(POST, cascade=True))
    assert [(m.record, m.reason, m.via) for m in plan.moves] == [("post/hello", "named", None),
                                                                 ("author/ada", "cascade", "post/hello")]
    execute(store, plan)
    assert store.refs["published"] == {}


def test_unpublish_of_a_model_without_drafts_is_refused_when_named_and_skipped_otherwise(
        store: MemoryStore) -> None:
    publish_ref(store, NOTE, put(store, NOTE, "{}\n"))
    named = plan_unpublish(reader(store), withdraw(NOTE))
    assert [(p.code, p.where.record) for p in named.problems] == [("refused", "note/n1")]
    assert named.moves == [] and named.updates == []
    selected = plan_unpublish(reader(store), withdraw(NOTE, named=False))
    assert selected.problems == []
    assert selected.skipped == [Skipped("note/n1", "its model has no drafts (draft_published: false)")]


def test_unpublish_skips_a_draft(store: MemoryStore) -> None:
    put(store, ADA, "name: Ada\n")
    plan = plan_unpublish(reader(store), withdraw(ADA))
    assert plan.skipped == [Skipped("author/ada", "is not published (draft)")]
    assert plan.empty and execute(store, plan) is None


# archive


def test_archive_keeps_the_public_version_and_guards_current_and_archived(store: MemoryStore) -> None:
    old = publish_ref(store, ADA, put(store, ADA, "name: Ada\n"))
    new = put(store, ADA, "name: Ada King\n", parent=old)
    plan = plan_archive(reader(store), withdraw(ADA))
    assert plan.moves == [Move("author/ada", Action.ARCHIVE, "named", old, old, Status.UPDATED, Status.ARCHIVED)]
    assert plan.updates == [RefUpdate("published", "author/ada", old, None),
                            RefUpdate("archived", "author/ada", None, old)]
    assert events_of(plan) == [("author/ada", {"action": "archive", "old": old, "new": None, "archived": old,
                                               "reason": "named"})]
    assert plan.guards == [Guard(RefKind.CURRENT, ADA, new), Guard(RefKind.ARCHIVED, ADA, None)]
    execute(store, plan)
    assert store.record_refs("author/ada") == {"current": new, "published": None, "archived": old}


def test_archive_of_a_draft_keeps_its_current_version_and_skips_an_archived_one(store: MemoryStore) -> None:
    ada = put(store, ADA, "name: Ada\n")
    post = put(store, POST, "title: Hi\n")
    store.refs["archived"]["post/hello"] = post
    plan = plan_archive(reader(store), withdraw(ADA, POST))
    assert plan.skipped == [Skipped("post/hello", "is already archived")]
    assert plan.updates == [RefUpdate("archived", "author/ada", None, ada)]


# delete


def test_delete_removes_every_ref_and_the_working_file_in_one_plan(store: MemoryStore) -> None:
    text = b"name: Ada\n"
    ada = publish_ref(store, ADA, put(store, ADA, text.decode()))
    working = {ADA: WorkingFile("content/author/ada.yaml", hash_bytes(text))}
    plan = plan_delete(reader(store), withdraw(ADA, working=working))
    assert plan.problems == []
    assert plan.moves == [Move("author/ada", Action.DELETE, "named", ada, ada, Status.PUBLISHED, Status.DELETED)]
    assert plan.updates == [RefUpdate("published", "author/ada", ada, None),
                            RefUpdate("current", "author/ada", ada, None)]
    assert events_of(plan)[0][1] == {"action": "delete", "old": ada, "new": None, "published": ada,
                                     "archived": None, "reason": "named"}
    assert plan.site_files == [SiteFile("content/author/ada.yaml", hash_bytes(text), None)]
    execute(store, plan)
    assert store.record_refs("author/ada") == {"current": None, "published": None, "archived": None}
    assert store.site_files == {"content/author/ada.yaml": None}


def test_delete_refuses_to_lose_unsaved_changes_unless_forced(store: MemoryStore) -> None:
    put(store, ADA, "name: Ada\n")
    working = {ADA: WorkingFile("content/author/ada.yaml", hash_bytes(b"name: edited\n"))}
    plan = plan_delete(reader(store), withdraw(ADA, working=working))
    assert [(p.code, p.where.file) for p in plan.problems] == [("refused", "content/author/ada.yaml")]
    forced = plan_delete(reader(store), withdraw(ADA, working=working, force=True))
    assert forced.problems == [] and [m.record for m in forced.moves] == ["author/ada"]


def test_delete_refuses_while_a_published_record_links_to_it(store: MemoryStore) -> None:
    publish_ref(store, ADA, put(store, ADA, "name: Ada\n"))
    publish_ref(store, POST, put(store, POST, "title: Hi\nauthor: ada\n"))
    plan = plan_delete(reader(store), withdraw(ADA))
    assert [(p.code, p.where.record) for p in plan.problems] == [("referrer", "author/ada")]
    # The CLI words it as `press delete author/ada post/hello` from the cause and its data.
    assert (plan.problems[0].cause, plan.problems[0].data) == (
        "publishing.referrer", {"action": "delete", "target": "author/ada", "record": "post/hello", "path": "author"})
    assert plan.problems[0].hint == "name post/hello in the same call (Site.delete)"


# save


def save_input(key: RecordKey, text: str, **options: object) -> SaveInput:
    return SaveInput(key, text.encode(), f"content/{key.model}/{key.id}.yaml",
                     f"content/{key.model}/{key.id}.yaml", **options)  # type: ignore[arg-type]


SAVE_STAMP = SaveStamp("ada", TIME, "why")


def test_save_plans_a_new_version_moving_current(store: MemoryStore) -> None:
    old = put(store, ADA, "name: Ada\n")
    planned = plan_save(store, MODELS, store.snapshot(), SaveRequest([save_input(ADA, "name: Ada King\n")],
                                                                    SAVE_STAMP))
    plan = planned.plan
    assert plan.problems == [] and planned.unchanged == []
    [new] = plan.versions
    assert new.version == Version("author/ada", hash_bytes(b"name: Ada King\n"), old, "ada", TIME, "why")
    assert new.reason == Action.SAVE
    assert plan.updates == [RefUpdate("current", "author/ada", old, new.oid)]
    assert [(r, e["action"], e["old"], e["new"]) for r, e in events_of(plan)] == [("author/ada", "save", old,
                                                                                   new.oid)]
    assert [s.version for s in planned.saved] == [new.oid]
    assert plan.site_files == []  # the working file already holds these bytes
    execute(store, plan)
    assert store.get_blob(store.get_version(store.refs["current"]["author/ada"]).blob) == b"name: Ada King\n"


def test_save_leaves_unchanged_content_and_refuses_invalid_content(store: MemoryStore) -> None:
    put(store, ADA, "name: Ada\n")
    unchanged = plan_save(store, MODELS, store.snapshot(), SaveRequest([save_input(ADA, "name: Ada\n")],
                                                                       SAVE_STAMP))
    assert unchanged.unchanged == ["author/ada"] and unchanged.plan.empty
    invalid = plan_save(store, MODELS, store.snapshot(), SaveRequest([save_input(ADA, "name: ''\n")], SAVE_STAMP))
    assert [(p.code, p.where.record, p.where.path) for p in invalid.plan.problems] == [
        ("invalid", "author/ada", "name")]
    assert invalid.plan.updates == []  # a refused record gets no ref update
    broken = plan_save(store, MODELS, store.snapshot(), SaveRequest([save_input(ADA, "name: [\n")], SAVE_STAMP))
    assert [p.where.file for p in broken.plan.problems] == ["content/author/ada.yaml"]
    assert broken.plan.versions == []


def test_save_passes_over_a_stale_working_file_with_a_warning(store: MemoryStore) -> None:
    old = put(store, ADA, "name: Ada\n")
    new = put(store, ADA, "name: Ada King\n", parent=old)
    planned = plan_save(store, MODELS, store.snapshot(),
                        SaveRequest([save_input(ADA, "name: Ada\n")], SAVE_STAMP, skip_stale=True))
    assert planned.stale == ["author/ada"] and planned.plan.empty
    [warning] = planned.plan.warnings
    assert warning.code == "stale_working_file" and old[:7] in warning.message and new[:7] in warning.message
    # Named (no skip_stale), the same bytes are an edit.
    edit = plan_save(store, MODELS, store.snapshot(), SaveRequest([save_input(ADA, "name: Ada\n")], SAVE_STAMP))
    assert [v.version.parent for v in edit.plan.versions] == [new]


def test_save_of_a_model_without_drafts_publishes_and_guards_its_link_targets(store: MemoryStore) -> None:
    ada = publish_ref(store, ADA, put(store, ADA, "name: Ada\n"))
    given = save_input(NOTE, "author: ada\n", write_working=True, working=None)
    planned = plan_save(store, MODELS, store.snapshot(), SaveRequest([given], SAVE_STAMP))
    plan = planned.plan
    [new] = plan.versions
    assert plan.updates == [RefUpdate("current", "note/n1", None, new.oid),
                            RefUpdate("published", "note/n1", None, new.oid)]
    assert [(e["action"], e.get("reason")) for _r, e in events_of(plan)] == [("save", None), ("publish", "save")]
    assert planned.published == ["note/n1"]
    assert plan.guards == [Guard(RefKind.PUBLISHED, ADA, ada)]
    assert plan.site_files == [SiteFile("content/note/n1.yaml", None, new.blob)]


def test_save_of_a_model_without_drafts_refuses_a_link_to_a_draft(store: MemoryStore) -> None:
    put(store, ADA, "name: Ada\n")
    planned = plan_save(store, MODELS, store.snapshot(), SaveRequest([save_input(NOTE, "author: ada\n")],
                                                                    SAVE_STAMP))
    assert [(p.code, p.where.path) for p in planned.plan.problems] == [("unpublished_link", "author")]


# revert


def revert_request(key: RecordKey, text: str, target: str, **options: object) -> RevertRequest:
    content = save_input(key, text, write_working=True, working=hash_bytes(b"whatever was there\n"))
    return RevertRequest(content, target, SAVE_STAMP, **options)  # type: ignore[arg-type]


def test_revert_plans_a_new_version_with_its_own_event_and_rewrites_the_working_file(store: MemoryStore) -> None:
    first = put(store, POST, "title: One\n")
    second = put(store, POST, "title: Two\n", parent=first)
    plan = plan_revert(store, MODELS, store.snapshot(), revert_request(POST, "title: One\n", first))
    [new] = plan.versions
    assert new.reason == Action.REVERT and new.version.parent == second
    assert new.blob == hash_bytes(b"title: One\n")
    assert plan.updates == [RefUpdate("current", "post/hello", second, new.oid)]
    assert events_of(plan) == [("post/hello", {"action": "revert", "old": second, "new": new.oid,
                                               "reverted_to": first})]
    assert plan.site_files == [SiteFile("content/post/hello.yaml", hash_bytes(b"whatever was there\n"), new.blob)]


def test_revert_to_the_published_bytes_keeps_the_record_published(store: MemoryStore) -> None:
    first = publish_ref(store, POST, put(store, POST, "title: One\n"))
    second = put(store, POST, "title: Two\n", parent=first)
    plan = plan_revert(store, MODELS, store.snapshot(),
                       revert_request(POST, "title: One\n", first, keep_published=True))
    [new] = plan.versions
    assert plan.updates == [RefUpdate("current", "post/hello", second, new.oid),
                            RefUpdate("published", "post/hello", first, new.oid)]
    assert [(e["action"], e.get("reason")) for _r, e in events_of(plan)] == [("revert", None),
                                                                            ("publish", "revert")]
    without = plan_revert(store, MODELS, store.snapshot(), revert_request(POST, "title: One\n", first))
    assert [u.kind for u in without.updates] == ["current"]


def test_revert_of_a_deleted_record_continues_its_history_and_only_warns_of_gone_links(
        store: MemoryStore) -> None:
    gone = put(store, POST, "title: Hi\nauthor: ada\n")
    del store.refs["current"]["post/hello"]
    plan = plan_revert(store, MODELS, store.snapshot(),
                       revert_request(POST, "title: Hi\nauthor: ada\n", gone, undeleting=gone))
    assert plan.problems == []
    assert [(w.code, w.where.path) for w in plan.warnings] == [("link", "author")]
    [new] = plan.versions
    assert new.version.parent == gone
    assert plan.updates == [RefUpdate("current", "post/hello", None, new.oid)]
    execute(store, plan)
    assert store.refs["current"] == {"post/hello": new.oid}


# stage


def test_stage_plans_one_event_guarded_on_the_version_it_names(store: MemoryStore) -> None:
    current = put(store, POST, "title: Hi\n")
    plan = plan_stage(POST, current, "draft", "ready", author="ada", time=TIME, message="why")
    assert plan.updates == [] and not plan.empty
    [ev] = plan.events
    assert (ev.record, ev.data) == ("post/hello", {"action": "stage", "author": "ada", "time": TIME, "old": current,
                                                   "new": current, "message": "draft -> ready: why",
                                                   "stage": "ready", "previous": "draft"})
    assert plan.guards == [Guard(RefKind.CURRENT, POST, current)]
    # A save meanwhile makes the stage a conflict: it was of the version the reviewer looked at.
    put(store, POST, "title: Changed\n", parent=current)
    with pytest.raises(ConflictError):
        execute(store, plan)
    assert store.read_log("post/hello") == []
