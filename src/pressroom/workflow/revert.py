"""``press revert REF --to V``: a new version holding V's exact bytes; history is never rewritten.

Revert goes through ``save`` with V's content, so save's own rules apply: a
model with ``draft_published: false`` publishes (and so validates) the revert
at once, and the event log gets one ``revert`` event naming V. Content whose
links name records that no longer exist is still restored as a draft, with a
warning per link: publishing it then fails validation, naming the links.

A deleted record keeps its versions until gc: reverting it to one of them
(by id) brings it back as a draft, an undelete. The new version's parent is
the version that was current when it was deleted, so its history goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import NotFoundError, Problem, RefusedError, UsageError, Where
from ..naming import resolve_version
from ..outcome import Outcome
from ..records import RecordKey, parse_ref
from ..site import SiteCore
from ..store import OID_RE, hash_bytes
from ..store.fsio import write_atomic
from .saving import save


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
        raise UsageError("name the version to go back to with --to, not with @",
                         hint=f"press revert {key} --to @{spec}")  # @~1, not ~1, which a shell expands
    if not to:
        raise UsageError("--to names the version to go back to", hint=f"e.g. press revert {key} --to published")
    refs = site.store.record_refs(record)
    events = site.store.read_log(record) if refs["current"] is None else []
    if refs["current"] is None and not events:
        raise NotFoundError(f"{record} has no current version to revert",
                            hint=f"save it first: press save {record}")
    target = resolve_version(site, key, to)
    target_version = site.store.get_version(target)
    data = site.store.get_blob(target_version.blob)
    path = site.working_path(key)
    label = site.rel(path)
    working = site.read_working(key)
    if refs["current"] is None:
        text = _message(message, target[:7], None, target_version.message)
        return _undelete(site, key, target, data, working, events, text, author=author, force=force)
    current_blob = site.store.get_version(refs["current"]).blob
    unsaved = working is not None and hash_bytes(working) != current_blob
    if unsaved and not force:
        raise RefusedError(
            "has unsaved changes that revert would overwrite",
            where=Where(file=label, record=record),
            hint=f"save them first (press save {key}), or pass --force to drop them",
        )
    short = target[:7]
    if target_version.blob == current_blob:
        if working is not None and hash_bytes(working) == current_blob:
            raise RefusedError(
                f"nothing to revert: current already has the content of {short}",
                where=Where(record=record),
                hint=f"see the versions with: press log {key}",
            )
        write_atomic(path, data, durable=False)
        return RevertResult(record=record, version=refs["current"], parent=site.store.get_version(
            refs["current"]).parent, reverted_to=target, blob=current_blob, created=False,
            published=refs["published"] == refs["current"], working_file=label, message="")
    text = _message(message, short, "published" if to.lstrip("@") == "published" else None,
                    target_version.message)
    return _save_revert(site, key, target, data, text, author=author, keep_published=True)


def _save_revert(site: SiteCore, key: RecordKey, target: str, data: bytes, text: str, *, author: str,
                 keep_published: bool = False, undeleting: str | None = None) -> RevertResult:
    record = str(key)
    result = save(site, [key], author=author, message=text, content=data, force=True, action="revert",
                  extra={"reverted_to": target}, lenient_links=True, keep_published=keep_published,
                  undeleting=undeleting)
    saved = result.saved[0]
    published = site.store.read_ref("published", record) == saved.version
    return RevertResult(record=record, version=saved.version, parent=saved.parent, reverted_to=target,
                        blob=saved.blob, created=True, published=published,
                        working_file=site.rel(site.working_path(key)), message=text,
                        warnings=list(result.warnings), txn=result.txn)


def _undelete(site: SiteCore, key: RecordKey, target: str, data: bytes, working: bytes | None,
              events: list[dict[str, Any]], text: str, *, author: str, force: bool) -> RevertResult:
    """Revert of a deleted record: it comes back as a draft holding version ``target``'s bytes."""
    if working is not None and not force and hash_bytes(working) != hash_bytes(data):
        raise RefusedError(
            "has a working file (written since it was deleted) that revert would overwrite",
            where=Where(file=site.rel(site.working_path(key)), record=str(key)),
            hint=f"save it as the record instead (press save {key}), or pass --force to drop it",
        )
    # The version current had when the record was deleted (the last delete's ``old``), if gc left it.
    deleted = next((ev.get("old") for ev in reversed(events) if ev.get("action") == "delete"), None)
    if not (isinstance(deleted, str) and OID_RE.match(deleted) and site.store.has_object(deleted)):
        deleted = None
    return _save_revert(site, key, target, data, text, author=author, undeleting=deleted)


def _message(given: str, short: str, named: str | None, old_message: str) -> str:
    what = f"the published version {short}" if named else short
    if given:
        return f"{given} (revert to {what})"
    return f'Revert to {what} ("{old_message}")' if old_message else f"Revert to {what}"
