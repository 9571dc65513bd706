"""Naming versions: full id, a unique prefix of 7+ characters, ``@current``,
``@published``, ``@archived`` (the ``@`` is optional), and ``~N`` (N saves
before current; typed in a shell as ``@~N`` or ``current~N``, since bash
expands a bare ``~0``, ``~1`` to a folder).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from .errors import NotFoundError, Problem, StoreDamagedError, UsageError, Where, close_names, did_you_mean
from .records import RecordKey, list_working
from .site import SiteCore
from .store import OID_RE

MIN_PREFIX = 7
_TILDE = re.compile(r"^(current|@current)?~(\d+)$")
_HEX = re.compile(r"^[0-9a-f]+$")


def resolve_version(site: SiteCore, key: RecordKey, spec: str | None) -> str:
    """The version id that ``spec`` names for record ``key`` (None means current)."""
    record = str(key)
    refs = site.store.record_refs(record)
    if not any(refs.values()):
        require_records(site, [key])
    name = (spec or "current").lstrip("@")
    if name in refs:
        oid = refs[name]
        if oid is None:
            raise NotFoundError(
                f"{record} has no {name} version",
                hint=_hint_for(name, record),
                cause={"current": "save_first", "published": "publish_first"}.get(name), data={"record": record},
            )
        return oid
    m = _TILDE.match(name)
    if m:
        return _nth_parent(site, record, refs["current"], int(m.group(2)))
    if _HEX.match(name):
        if len(name) < MIN_PREFIX:
            raise UsageError(
                f"version id {name!r} is too short", hint=f"give at least {MIN_PREFIX} characters of the id"
            )
        return _by_prefix(site, record, refs, name)
    check_not_a_path(name)
    raise UsageError(
        f"cannot read {spec!r} as a version",
        hint="name a version by id (7+ characters), @current, @published, @archived or @~N",
    )


def check_not_a_path(spec: str) -> None:
    """Refuse a version that arrived as an absolute path: the shell expanded a bare ``~N``."""
    if spec.startswith("/"):
        raise UsageError(
            f"cannot read {spec!r} as a version: it is a path",
            hint="the shell expanded ~N to a folder: write @~N or current~N (e.g. to='@~1')",
            cause="naming.path_as_version",
        )


def _hint_for(name: str, record: str) -> str:
    if name == "current":
        return "save it first (Site.save)"
    if name == "published":
        return "publish it first (Site.publish)"
    return "only archived records have an archived version"


def _nth_parent(site: SiteCore, record: str, current: str | None, n: int) -> str:
    if current is None:
        raise NotFoundError(f"{record} has no saved version", hint="save it first (Site.save)",
                            cause="save_first", data={"record": record})
    last = None
    for i, (oid, version) in enumerate(site.store.history(current)):
        if i == n:
            return oid
        last = version
    pruned = " (older history was pruned by gc: max_versions)" if last and last.parent else ""
    raise NotFoundError(f"{record} has fewer than {n + 1} versions{pruned}",
                        hint=f"see them with: Site.log('{record}')", cause="naming.fewer_versions",
                        data={"record": record})


def _by_prefix(site: SiteCore, record: str, refs: dict[str, str | None], prefix: str) -> str:
    found = versions_by_prefix(site, record, prefix, [oid for oid in refs.values() if oid])
    if not found:
        # Versions no ref reaches: a deleted record's (history stays until gc), named by its events.
        found = versions_by_prefix(site, record, prefix, logged_versions(site, record), partial=True)
    if not found:
        raise NotFoundError(f"{record} has no version {prefix}", hint=f"see its versions with: Site.log('{record}')",
                            cause="naming.no_such_version", data={"record": record})
    if len(found) > 1:
        raise UsageError(
            f"version prefix {prefix} is ambiguous in {record}: {', '.join(o[:12] for o in found)}",
            hint="give more characters of the id",
        )
    return found[0]


def versions_by_prefix(site: SiteCore, record: str, prefix: str, heads: Iterable[str], *,
                       partial: bool = False) -> list[str]:
    """The versions of ``record`` whose id starts with ``prefix``, in the history behind ``heads``.

    A head that is not in the store is skipped (gc removed it, or a merge has
    not brought it yet). ``partial``: a chain may end at a missing parent
    (gc removes a deleted record's versions as each grows old): the walk
    stops there instead of calling the store damaged.
    """
    seen: set[str] = set()
    for head in heads:
        if head in seen or not site.store.has_object(head):
            continue
        try:
            for oid, version in site.store.history(head):
                if oid in seen or version.record != record:
                    break
                seen.add(oid)
        except StoreDamagedError:
            if not partial:
                raise
    return sorted(oid for oid in seen if oid.startswith(prefix))


def logged_versions(site: SiteCore, record: str) -> list[str]:
    """Every version id the record's event log names, newest first."""
    out: dict[str, None] = {}
    for ev in reversed(site.store.read_log(record)):
        for value in ev.values():
            if isinstance(value, str) and OID_RE.match(value):
                out[value] = None
    return list(out)


def require_records(site: SiteCore, keys: Iterable[RecordKey], with_refs: Collection[str] = ()) -> None:
    """Refuse records that do not exist at all: no ref, no working file, no event log.

    A typo (post/kernl) must not pass for a new record: each one is reported
    with the closest names the site has. ``with_refs`` are records the caller
    knows to have refs; any other key is taken to have none.
    """
    missing = [k for k in keys if str(k) not in with_refs and not _on_disk(site, k)]
    if not missing:
        return
    snapshot = site.store.snapshot(conflicts_ok=True)
    known = {*snapshot.records(), *(c.record for c in snapshot.conflicts), *map(str, list_working(site.root))}
    problems = [_no_such_record(site, k, did_you_mean(_close_records(k, known))) for k in missing]
    if len(problems) == 1:
        p = problems[0]
        raise NotFoundError(p.message, where=p.where, hint=p.hint, cause=p.cause, data=p.data)
    raise NotFoundError(f"{len(problems)} records do not exist", problems=problems)


def _close_records(key: RecordKey, known: set[str]) -> list[str]:
    # Ids are compared within the model (the shared "post/" would make any two posts look
    # alike); whole names only across models, for a mistyped model (psot/hello).
    ids = {r.partition("/")[2]: r for r in known if r.partition("/")[0] == key.model}
    return [ids[i] for i in close_names(key.id, ids)] or close_names(str(key), set(known) - set(ids.values()))


def _on_disk(site: SiteCore, key: RecordKey) -> bool:
    path = site.working_path(key)
    return path.exists() or path.is_symlink() or bool(site.store.read_log(str(key)))


def _no_such_record(site: SiteCore, key: RecordKey, close: str | None) -> Problem:
    """``key`` does not exist: the names it may be a typo of, or how to make it."""
    if close is not None:
        return Problem("no such record", code="not_found", where=Where(record=str(key)), hint=close)
    file = site.rel(site.working_path(key))
    return Problem("no such record", code="not_found", where=Where(record=str(key)),
                   hint=f"to make it: write {file}, then save it (Site.save)", cause="naming.no_such_record",
                   data={"file": file, "record": str(key)})
