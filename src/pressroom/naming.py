"""Naming versions: full id, a unique prefix of 7+ characters, ``@current``,
``@published``, ``@archived`` (the ``@`` is optional), and ``~N`` (N saves
before current).
"""

from __future__ import annotations

import re

from .errors import NotFoundError, UsageError
from .records import RecordKey
from .site import SiteCore

MIN_PREFIX = 7
_TILDE = re.compile(r"^(current|@current)?~(\d+)$")
_HEX = re.compile(r"^[0-9a-f]+$")


def resolve_version(site: SiteCore, key: RecordKey, spec: str | None) -> str:
    """The version id that ``spec`` names for record ``key`` (None means current)."""
    record = str(key)
    refs = site.store.record_refs(record)
    name = (spec or "current").lstrip("@")
    if name in refs:
        oid = refs[name]
        if oid is None:
            raise NotFoundError(
                f"{record} has no {name} version",
                hint=_hint_for(name, record),
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
    raise UsageError(
        f"cannot read {spec!r} as a version",
        hint="name a version by id (7+ characters), @current, @published, @archived or ~N",
    )


def _hint_for(name: str, record: str) -> str:
    if name == "current":
        return f"save it first: press save {record}"
    if name == "published":
        return f"publish it first: press publish {record}"
    return "only archived records have an archived version"


def _nth_parent(site: SiteCore, record: str, current: str | None, n: int) -> str:
    if current is None:
        raise NotFoundError(f"{record} has no saved version", hint=f"save it first: press save {record}")
    last = None
    for i, (oid, version) in enumerate(site.store.history(current)):
        if i == n:
            return oid
        last = version
    pruned = " (older history was pruned by gc: max_versions)" if last and last.parent else ""
    raise NotFoundError(f"{record} has fewer than {n + 1} versions{pruned}",
                        hint=f"see them with: press log {record}")


def _by_prefix(site: SiteCore, record: str, refs: dict[str, str | None], prefix: str) -> str:
    seen: set[str] = set()
    for head in refs.values():
        for oid, _version in site.store.history(head):
            if oid in seen:
                break
            seen.add(oid)
    found = sorted(oid for oid in seen if oid.startswith(prefix))
    if not found:
        raise NotFoundError(f"{record} has no version {prefix}", hint=f"see its versions with: press log {record}")
    if len(found) > 1:
        raise UsageError(
            f"version prefix {prefix} is ambiguous in {record}: {', '.join(o[:12] for o in found)}",
            hint="give more characters of the id",
        )
    return found[0]
