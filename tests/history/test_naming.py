"""Naming versions: ids, prefixes (and ambiguous ones), @current/@published/@archived, ~N."""

from __future__ import annotations

import hashlib

import pytest

from pressroom import NotFoundError, Site, UsageError
from pressroom.store import RefUpdate, Version
from tests.conftest import write


def _save(site: Site, text: str) -> str:
    write(site.root, "post/x", text)
    return site.save("post/x").saved[0].version


def test_every_way_to_name_a_version(site: Site) -> None:
    v1 = _save(site, "title: 1\n")
    site.publish("post/x")
    v2 = _save(site, "title: 2\n")
    v3 = _save(site, "title: 3\n")
    names = {"": v3, "@current": v3, "current": v3, "@published": v1, "published": v1, "~0": v3, "~1": v2,
             "~2": v1, "current~1": v2, v2: v2, v2[:7]: v2, v1[:20]: v1}
    for name, want in names.items():
        ref = f"post/x@{name}" if name else "post/x"
        assert site.show(ref).version == want, name
    assert site.log("post/x@~1").entries[0].version == v2
    assert site.diff("post/x", v1[:7], f"post/x@{v3[:9]}").changes[0].new == 3


def test_names_that_do_not_resolve(site: Site) -> None:
    _save(site, "title: 1\n")
    cases = [("post/x@~5", NotFoundError, "fewer than 6 versions"),
             ("post/x@archived", NotFoundError, "has no archived version"),
             ("post/x@published", NotFoundError, "has no published version"),
             ("post/x@abc12", UsageError, "too short"),
             ("post/x@0000000", NotFoundError, "has no version 0000000"),
             ("post/x@latest", UsageError, "cannot read 'latest'"),
             ("post/x@", UsageError, "names no version")]
    for ref, kind, text in cases:
        with pytest.raises(kind, match=text):
            site.show(ref)


def _colliding_versions(record: str, blob: str) -> tuple[Version, Version]:
    """Two root versions whose ids share 7 hex characters (a birthday search, ~20k hashes)."""
    seen: dict[str, Version] = {}
    i = 0
    while True:
        v = Version(record=record, blob=blob, parent=None, author="a", time="2024-01-01T00:00:00Z", message=str(i))
        prefix = hashlib.sha256(v.encode()).hexdigest()[:7]
        if prefix in seen:
            return seen[prefix], v
        seen[prefix] = v
        i += 1


def test_an_ambiguous_prefix_lists_the_candidates(site: Site) -> None:
    blob = site.store.put_blob(b"title: x\n")
    a, b = _colliding_versions("post/x", blob)
    oa, ob = site.store.put_version(a), site.store.put_version(b)
    site.store.commit([RefUpdate("current", "post/x", None, oa), RefUpdate("archived", "post/x", None, ob)])
    with pytest.raises(UsageError) as err:
        site.show(f"post/x@{oa[:7]}")
    assert err.value.message == (f"version prefix {oa[:7]} is ambiguous in post/x: "
                                 f"{', '.join(sorted([oa[:12], ob[:12]]))}")
    assert site.show(f"post/x@{ob[:12]}").version == ob
