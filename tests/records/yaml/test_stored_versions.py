"""Nothing stored changes in silence: validate --published and fsck name every stored
version the YAML 1.2 reading refuses or reads differently from the earlier reading."""

from __future__ import annotations

from pathlib import Path

from pressroom import Site
from pressroom.store import Event, RefUpdate, Version
from pressroom.workflow.common import event
from tests.conftest import Cli, write


def _stored(site: Site, record: str, content: bytes, *, published: bool) -> str:
    """A version as an earlier press stored it: its bytes written to the store as they were."""
    (site.root / "content" / record.partition("/")[0]).mkdir(parents=True, exist_ok=True)
    blob = site.store.put_blob(content)
    oid = site.store.put_version(Version(record=record, blob=blob, parent=None, author="a",
                                         time="2024-01-01T00:00:00Z", message="old"))
    old = site.store.read_ref("current", record)
    updates = [RefUpdate("current", record, old, oid)]
    events = [Event(record, event("save", author="a", time="2024-01-01T00:00:00Z", old=old, new=oid))]
    if published:
        updates.append(RefUpdate("published", record, None, oid))
        events.append(Event(record, event("publish", author="a", time="2024-01-01T00:00:00Z", old=None, new=oid)))
    site.store.commit(updates, events)
    return oid


def test_a_published_version_read_differently_fails_validate_published_with_how_to_fix(site: Site, cli: Cli) -> None:
    oid = _stored(site, "post/a", b"title: A\ncount: 1_000\n", published=True)
    _stored(site, "post/b", b"title: B\n", published=True)
    code, doc = cli.json("validate", "--published")
    assert code == 1
    [error] = doc["errors"]
    assert error["code"] == "yaml_reading_changed" and error["record"] == "post/a"
    assert oid[:12] in error["message"] and 'count: 1000 before, "1_000" now' in error["message"]
    assert "press save post/a" in error["hint"]


def test_a_stored_version_now_refused_is_reported(site: Site, cli: Cli) -> None:
    _stored(site, "post/a", b"title: A\nkey: \"value\"# was accepted\n", published=True)
    code, doc = cli.json("validate", "--published")
    assert code == 1
    assert "comment not preceded by whitespace" in doc["errors"][0]["message"]
    code, doc = cli.json("fsck")
    assert code == 0  # no damage: the bytes are intact
    [warning] = [w for w in doc["warnings"] if w["code"] == "yaml_reading_changed"]
    assert "refused by the YAML 1.2 reading" in warning["message"]


def test_fsck_names_every_stored_version_read_differently_history_included(site: Site, site_dir: Path,
                                                                           cli: Cli) -> None:
    _stored(site, "post/a", b"n: 0b101\n", published=False)
    write(site_dir, "post/a", "n: 5\n")
    assert cli("save", "post/a").exit_code == 0
    _stored(site, "post/c", b"tags: !!set {a, b}\n", published=False)
    _stored(site, "post/d", b"title: same either way\n", published=False)
    code, doc = cli.json("fsck")
    assert code == 0
    found = sorted((w["record"], w["message"]) for w in doc["warnings"] if w["code"] == "yaml_reading_changed")
    assert [record for record, _m in found] == ["post/a", "post/c"]
    assert 'reads differently under YAML 1.2 at n: 5 before, "0b101" now' in found[0][1]
    assert "is refused by the YAML 1.2 reading" in found[1][1] and "!!set" in found[1][1]
    # Worked out once per content: the second fsck answers from the cache, the same.
    assert cli.json("fsck")[1]["warnings"] == doc["warnings"]
    result = cli("fsck")
    assert "yaml_reading_changed" not in result.output and "reads differently under YAML 1.2" in result.output
