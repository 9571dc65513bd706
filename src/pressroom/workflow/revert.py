"""``press revert REF --to V``: a new version holding V's exact bytes; history is never rewritten.

Revert has a plan of its own (``plan_revert``), built from save's parts, so
save's rules apply: a model with ``draft_published: false`` publishes (and so
validates) the revert at once, and the event log gets one ``revert`` event
naming V. A revert to the published version's bytes moves ``published``
along, so the record stays published, not updated. Content whose
links name records that no longer exist is still restored as a draft, with a
warning per link: publishing it then fails validation, naming the links.

A deleted record keeps its versions until gc: reverting it to one of them
(by id) brings it back as a draft, an undelete. The new version's parent is
the version that was current when it was deleted, so its history goes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotFoundError, Problem, RefusedError, UsageError, Where
from ..models import Model, load_models
from ..naming import resolve_version
from ..outcome import Outcome
from ..records import RecordKey, load_record, parse_ref
from ..site import SiteCore
from ..store import OID_RE, Snapshot, hash_bytes
from ..store.fsio import write_atomic
from .common import event, now_iso, refusal
from .plan import Action, Plan, RefKind, StoreReader, execute
from . import saving
from .saving import SaveInput, Stamp, add_version, check_size, clash_problem, guard_links
from .validation import gate_saves


@dataclass(frozen=True)
class RevertResult(Outcome):
    """What ``revert`` did.

    ``version`` is the new version (or current, when only the working file
    was reset: ``created`` False); ``published``: the model publishes every
    save, so the revert is public.
    """

    record: str
    version: str
    parent: str | None
    reverted_to: str
    blob: str
    created: bool
    published: bool
    working_file: str
    message: str
    warnings: list[Problem] = field(default_factory=list)
    txn: str | None = None


@dataclass(frozen=True)
class RevertRequest:
    """A new version of ``content.key`` holding version ``target``'s bytes (``content.data``).

    ``keep_published``: when those bytes are the published version's,
    ``published`` moves along. ``undeleting``: the version current had when
    the record was deleted, the new version's parent (None: not a deleted
    record, or gc removed it).
    """

    content: SaveInput
    target: str
    stamp: Stamp
    keep_published: bool = False
    undeleting: str | None = None


def revert(site: SiteCore, ref: str, to: str, *, author: str, message: str = "",
           force: bool = False) -> RevertResult:
    """Make a new version of ``ref`` whose content is version ``to``'s exact bytes.

    ``to`` is any version name (id or 7+ character prefix, ``published``,
    ``~N``, …). Unsaved changes in the working file are refused unless
    ``force``. Reverting to the content current already has is refused
    (nothing to do), unless ``force`` and the working file differs: then the
    working file alone is reset.
    """
    key, spec = parse_ref(ref)
    record = str(key)
    if spec is not None:
        raise UsageError("name the version to go back to with to, not with @", hint=f"pass to='@{spec}'",
                         cause="revert.version_in_ref", data={"record": record, "spec": spec})
    if not to:
        raise UsageError("to names the version to go back to", hint="e.g. to='published'", cause="revert.no_to",
                         data={"record": record})
    refs = site.store.record_refs(record)
    events = site.store.read_log(record) if refs["current"] is None else []
    if refs["current"] is None and not events:
        raise NotFoundError(f"{record} has no current version to revert",
                            hint="save it first (Site.save)", cause="save_first", data={"record": record})
    target = resolve_version(site, key, to)
    target_version = site.store.get_version(target)
    data = site.store.get_blob(target_version.blob)
    working = site.read_working(key)
    current = refs["current"]
    if current is None:
        text = _message(message, target[:7], None, target_version.message)
        return _undelete(site, key, target, data, working, events, text, author=author, force=force)
    current_blob = site.store.get_version(current).blob
    _refuse_unsaved(site, key, working, current_blob, force)
    if target_version.blob == current_blob:
        return _reset_working_file(site, key, target, data, working, current, refs["published"])
    text = _message(message, target[:7], "published" if to.lstrip("@") == "published" else None,
                    target_version.message)
    return _save_revert(site, key, target, data, working, text, author=author, keep_published=True)


def _refuse_unsaved(site: SiteCore, key: RecordKey, working: bytes | None, current_blob: str, force: bool) -> None:
    if working is not None and hash_bytes(working) != current_blob and not force:
        raise RefusedError(
            "has unsaved changes that revert would overwrite",
            where=Where(file=site.rel(site.working_path(key)), record=str(key)),
            hint="save them first (Site.save), or pass force=True to drop them", cause="unsaved_changes",
            data={"record": str(key)},
        )


def _reset_working_file(site: SiteCore, key: RecordKey, target: str, data: bytes, working: bytes | None,
                        current: str, published: str | None) -> RevertResult:
    """Current already holds the target's bytes: only the working file goes back (or nothing to do)."""
    current_blob = hash_bytes(data)
    if working is not None and hash_bytes(working) == current_blob:
        raise RefusedError(
            f"nothing to revert: current already has the content of {target[:7]}",
            where=Where(record=str(key)),
            hint="see the versions with Site.log", cause="revert.nothing_to_do", data={"record": str(key)},
        )
    path = site.working_path(key)
    write_atomic(path, data, durable=False)
    return RevertResult(record=str(key), version=current, parent=site.store.get_version(current).parent,
                        reverted_to=target, blob=current_blob, created=False, published=published == current,
                        working_file=site.rel(path), message="")


def _save_revert(site: SiteCore, key: RecordKey, target: str, data: bytes, working: bytes | None, text: str, *,
                 author: str, keep_published: bool = False, undeleting: str | None = None) -> RevertResult:
    record = str(key)
    check_size(site, key, data)
    snapshot = site.store.snapshot()
    if snapshot.current.get(record) is None and undeleting is None:
        clash = saving.generator_clash(key)
        if clash is not None:
            raise refusal([clash_problem(site, key, clash)], "cannot be saved; nothing was saved")
    path = site.working_path(key)
    content = SaveInput(key, data, path.relative_to(site.root).as_posix(), "-f input", write_working=True,
                        working=hash_bytes(working) if working is not None else None)
    request = RevertRequest(content, target, Stamp(author, now_iso(), text), keep_published=keep_published,
                            undeleting=undeleting)
    plan = plan_revert(site.store, load_models(site), snapshot, request)
    if plan.problems:
        raise refusal(plan.problems, "cannot be saved; nothing was saved")
    txn = execute(site.store, plan, site=site)
    new = plan.versions[0]
    published = any(u.kind == RefKind.PUBLISHED and u.new == new.oid for u in plan.updates)
    return RevertResult(record=record, version=new.oid, parent=new.version.parent, reverted_to=target,
                        blob=new.blob, created=True, published=published, working_file=site.rel(path), message=text,
                        warnings=list(plan.warnings), txn=txn)


def plan_revert(store: StoreReader, models: Mapping[str, Model], snapshot: Snapshot,
                request: RevertRequest) -> Plan:
    """One new version holding the target's bytes, logged as a ``revert`` naming it.

    Links to records that no longer exist only warn (the content was valid
    when it was saved); the record is published at once if its model
    publishes every save, or kept published if the bytes are the published
    version's and ``keep_published``.
    """
    given = request.content
    key, record = given.key, str(given.key)
    data = given.data or b""
    plan = Plan(Action.REVERT)
    parsed = load_record(data, given.label)
    gate = gate_saves(store, models, snapshot, [(key, parsed, given.path)], lenient_links=True,
                      blobs={record: hash_bytes(data)}, sources={record: data})
    plan.problems.extend(gate.errors)
    plan.warnings.extend(gate.warnings)
    current = snapshot.current.get(record)
    saved = add_version(plan, snapshot, key, data, current, request.stamp, reason=Action.REVERT, gate=gate,
                        working=given, extra={"reverted_to": request.target}, history_parent=request.undeleting)
    guard_links(plan, gate)
    if record not in gate.publish and request.keep_published and _is_published_blob(store, snapshot, record,
                                                                                       saved.blob):
        old = snapshot.published[record]
        plan.move(RefKind.PUBLISHED, key, old, saved.version)
        plan.log(key, event(Action.PUBLISH.value, author=request.stamp.author, time=request.stamp.time, old=old,
                            new=saved.version, message=request.stamp.message, reason=Action.REVERT.value))
    return plan


def _is_published_blob(store: StoreReader, snapshot: Snapshot, record: str, blob: str) -> bool:
    published = snapshot.published.get(record)
    return (published is not None and record not in snapshot.archived
            and store.get_version(published).blob == blob)


def _undelete(site: SiteCore, key: RecordKey, target: str, data: bytes, working: bytes | None,
              events: list[dict[str, Any]], text: str, *, author: str, force: bool) -> RevertResult:
    """Revert of a deleted record: it comes back as a draft holding version ``target``'s bytes."""
    if working is not None and not force and hash_bytes(working) != hash_bytes(data):
        raise RefusedError(
            "has a working file (written since it was deleted) that revert would overwrite",
            where=Where(file=site.rel(site.working_path(key)), record=str(key)),
            hint="save it as the record instead (Site.save), or pass force=True to drop it",
            cause="revert.undelete_over_file", data={"record": str(key)},
        )
    # The version current had when the record was deleted (the last delete's ``old``), if gc left it.
    deleted = next((ev.get("old") for ev in reversed(events) if ev.get("action") == Action.DELETE), None)
    if not (isinstance(deleted, str) and OID_RE.match(deleted) and site.store.has_object(deleted)):
        deleted = None
    return _save_revert(site, key, target, data, working, text, author=author, undeleting=deleted)


def _message(given: str, short: str, named: str | None, old_message: str) -> str:
    what = f"the published version {short}" if named else short
    if given:
        return f"{given} (revert to {what})"
    return f'Revert to {what} ("{old_message}")' if old_message else f"Revert to {what}"
