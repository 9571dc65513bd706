"""fsck: each kind of damage a test can do is found, named precisely, and exits 4."""

from __future__ import annotations

import json
from pathlib import Path

from pressroom import Site
from tests.conftest import write


def _site_with_history(root: Path) -> tuple[Site, list[str]]:
    site = Site.open(root)
    versions = []
    for title in ("one", "two", "three"):
        write(root, "post/x", f"title: {title}\n")
        versions.append(site.save("post/x").saved[0].version)
    write(root, "author/a", "name: A\n")
    site.save("author/a")
    return site, versions


def _obj(root: Path, oid: str) -> Path:
    return root / ".press/objects" / oid[:2] / oid[2:]


def _fsck(cli) -> tuple[int, list[tuple[str, str | None]], dict]:
    code, env = cli.json("fsck")
    return code, [(e["code"], e.get("file")) for e in env["errors"]], env


def test_a_healthy_store_is_clean(cli, site_dir) -> None:
    _site_with_history(site_dir)
    code, errors, env = _fsck(cli)
    assert (code, errors) == (0, [])
    data = env["data"]
    assert (data["objects"], data["refs"], data["versions"], data["log_lines"]) == (8, 2, 4, 4)


def test_flipped_byte_in_a_blob(cli, site_dir) -> None:
    site, versions = _site_with_history(site_dir)
    blob = site.store.get_version(versions[-1]).blob
    path = _obj(site_dir, blob)
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01
    path.write_bytes(bytes(data))
    code, errors, env = _fsck(cli)
    rel = f".press/objects/{blob[:2]}/{blob[2:]}"
    assert code == 4 and env["status"] == "damaged"
    assert errors == [("object_damaged", rel), ("blob_damaged", rel)]
    assert env["errors"][1]["record"] == "post/x" and "git checkout" in env["errors"][0]["hint"]


def test_flipped_byte_in_a_version(cli, site_dir) -> None:
    site, versions = _site_with_history(site_dir)
    path = _obj(site_dir, versions[1])
    data = bytearray(path.read_bytes())
    data[-2] ^= 0x20
    path.write_bytes(bytes(data))
    code, errors, _ = _fsck(cli)
    rel = f".press/objects/{versions[1][:2]}/{versions[1][2:]}"
    assert code == 4 and errors == [("object_damaged", rel), ("version_damaged", rel)]


def test_ref_to_a_missing_object(cli, site_dir) -> None:
    _site_with_history(site_dir)
    missing = "ab" * 32
    (site_dir / ".press/refs/current/author/a").write_text(missing + "\n")
    code, errors, env = _fsck(cli)
    assert code == 4 and errors == [("version_missing", f".press/objects/ab/{missing[2:]}")]
    assert "named by the current ref" in env["errors"][0]["message"]
    assert env["errors"][0]["record"] == "author/a"


def test_truncated_ref(cli, site_dir) -> None:
    _site_with_history(site_dir)
    ref = site_dir / ".press/refs/current/post/x"
    ref.write_text(ref.read_text()[:20])
    code, errors, env = _fsck(cli)
    assert code == 4 and errors == [("ref_unreadable", ".press/refs/current/post/x")]
    assert "git checkout -- .press/refs/current/post/x" in env["errors"][0]["hint"]


def test_broken_parent(cli, site_dir) -> None:
    _site, versions = _site_with_history(site_dir)
    _obj(site_dir, versions[0]).unlink()
    code, errors, env = _fsck(cli)
    assert code == 4 and errors == [("version_missing", f".press/objects/{versions[0][:2]}/{versions[0][2:]}")]
    error = env["errors"][0]
    assert f"version {versions[1][:12]} (as its parent)" in error["message"]
    assert ".press/pruned/post/x" in error["hint"]


def test_missing_blob(cli, site_dir) -> None:
    site, versions = _site_with_history(site_dir)
    _obj(site_dir, site.store.get_version(versions[0]).blob).unlink()
    code, errors, _ = _fsck(cli)
    assert code == 4 and [c for c, _ in errors] == ["blob_missing"]


def test_half_written_transaction(cli, site_dir) -> None:
    _site, versions = _site_with_history(site_dir)
    journal = {"txn": "f" * 32, "updates": [["current", "post/x", versions[2], versions[1]]], "events": []}
    (site_dir / ".press/journal").write_text(json.dumps(journal))
    code, errors, env = _fsck(cli)
    assert code == 4 and errors == [("journal_pending", ".press/journal")]
    assert "press status" in env["errors"][0]["hint"]
    # fsck changed nothing; any reading command finishes the transaction.
    assert (site_dir / ".press/journal").exists()
    assert cli("status").exit_code == 0
    assert _fsck(cli)[:2] == (0, [])


def test_unreadable_journal(cli, site_dir) -> None:
    _site_with_history(site_dir)
    (site_dir / ".press/journal").write_bytes(b'{"txn": "abc", "upd')
    code, errors, env = _fsck(cli)
    assert code == 4 and errors == [("journal_pending", ".press/journal")]
    assert "unreadable" in env["errors"][0]["message"]


def test_event_log_lines_that_do_not_parse(cli, site_dir) -> None:
    _site_with_history(site_dir)
    log = site_dir / ".press/logs/post/x"
    lines = log.read_bytes().splitlines(keepends=True)
    lines[1] = b"not json\n"
    log.write_bytes(b"".join(lines) + b'{"action": "save", "ti')
    code, errors, env = _fsck(cli)
    assert code == 4 and errors == [("log_line", ".press/logs/post/x")] * 2
    assert [e["line"] for e in env["errors"]] == [2, 4]
    assert "cut short" in env["errors"][1]["message"]


def test_several_kinds_of_damage_are_all_listed(cli, site_dir) -> None:
    _site, versions = _site_with_history(site_dir)
    _obj(site_dir, versions[0]).unlink()
    (site_dir / ".press/refs/current/author/a").write_text("")
    code, errors, _ = _fsck(cli)
    assert code == 4 and sorted(c for c, _ in errors) == ["ref_unreadable", "version_missing"]
    human = cli("fsck")
    assert human.exit_code == 4 and "2 problem(s)" in human.stdout


def test_leftover_temp_files_warn_but_do_not_fail(cli, site_dir) -> None:
    _site_with_history(site_dir)
    (site_dir / ".press/objects/.tmp-abc~").write_bytes(b"half")
    code, errors, env = _fsck(cli)
    assert (code, errors) == (0, [])
    assert [(w["code"], w["file"]) for w in env["warnings"]] == [("temp_file", ".press/objects/.tmp-abc~")]


def test_a_version_a_schedule_pins_that_is_gone(cli, site_dir) -> None:
    """gc keeps what schedules pin; one gone is damage, found by fsck before the schedule runs."""
    site, versions = _site_with_history(site_dir)
    sid = site.schedule("publish", "post/x", at="+1d").schedule.id
    write(site_dir, "post/x", "title: four\n")
    site.save("post/x")
    assert _fsck(cli)[:2] == (0, [])
    _obj(site_dir, versions[-1]).unlink()
    code, errors, env = _fsck(cli)
    assert code == 4 and ("schedule_version", f".press/schedules/{sid}") in errors
    problem = next(e for e in env["errors"] if e["code"] == "schedule_version")
    assert problem["record"] == "post/x" and f"press schedule cancel {sid}" in problem["hint"]
    code, env = cli.json("gc", "--prune-now", "--dry-run")
    assert code == 4 and "a schedule pins it" in env["errors"][0]["message"]
