"""A deleted record's versions stay nameable until gc: show, diff, and revert (undelete)."""

from __future__ import annotations

import pytest

from pressroom import NotFoundError, Site
from tests.conftest import write


@pytest.fixture
def deleted(site: Site) -> tuple[Site, list[str]]:
    """post/x saved three times, published, then deleted; returns its versions, oldest first."""
    versions = []
    for i in range(3):
        write(site.root, "post/x", f"# comment {i}\ntitle: v{i}\n")
        versions.append(site.save("post/x").saved[0].version)
        if i == 0:
            site.publish("post/x")
    site.unpublish("post/x")
    site.delete("post/x")
    return site, versions


def test_the_versions_log_lists_can_be_shown_by_id_and_prefix(deleted: tuple[Site, list[str]], cli) -> None:
    site, versions = deleted
    listed = {e.version for e in site.log("post/x").items if e.version}
    assert set(versions) <= listed
    for i, oid in enumerate(versions):
        for name in (oid, oid[:7]):
            code, out = cli.json("show", f"post/x@{name}")
            assert code == 0, out
            assert out["data"]["version"] == oid
            assert site.show(f"post/x@{name}").content == f"# comment {i}\ntitle: v{i}\n".encode()
    assert site.diff("post/x", versions[0][:7], versions[2][:7]).changes[0].new == "v2"


def test_revert_of_a_deleted_record_brings_it_back(deleted: tuple[Site, list[str]], cli) -> None:
    site, versions = deleted
    code, out = cli.json("revert", "post/x", "--to", versions[1][:9])
    assert code == 0, out
    data = out["data"]
    assert data["reverted_to"] == versions[1] and data["created"] is True
    # History goes on from the version that was current when it was deleted.
    assert data["parent"] == versions[2]
    assert (site.root / "content/post/x.yaml").read_bytes() == b"# comment 1\ntitle: v1\n"
    row = site.status("post/x").records[0]
    assert (row.status, row.current, row.changes) == ("draft", data["version"], None)
    log = site.log("post/x")
    assert [e.version for e in log.entries] == [data["version"], *reversed(versions)]
    assert site.store.read_log("post/x")[-1]["action"] == "revert"
    assert site.fsck().ok


def test_revert_of_a_deleted_record_keeps_a_new_working_file(deleted: tuple[Site, list[str]], cli) -> None:
    site, versions = deleted
    write(site.root, "post/x", "title: written since\n")
    code, out = cli.json("revert", "post/x", "--to", versions[0])
    assert code == 1, out
    assert "post/x" not in site.store.snapshot().current
    assert (site.root / "content/post/x.yaml").read_bytes() == b"title: written since\n"
    code, out = cli.json("revert", "post/x", "--to", versions[0], "--force")
    assert code == 0, out
    assert (site.root / "content/post/x.yaml").read_bytes() == b"# comment 0\ntitle: v0\n"


def test_after_gc_the_versions_are_gone_and_say_so(deleted: tuple[Site, list[str]]) -> None:
    site, versions = deleted
    site.gc(grace=0)
    with pytest.raises(NotFoundError, match="has no version"):
        site.show(f"post/x@{versions[0]}")
    with pytest.raises(NotFoundError):
        site.revert("post/x", to=versions[0])
