"""delete, unpublish and archive: asked on a terminal, --yes elsewhere, schedules cancelled, undo printed."""

from __future__ import annotations

from pathlib import Path

from pressroom import Site
from tests.cli.terminal import run_in_terminal
from tests.conftest import Cli, run_press, store_files, write


def _published(site: Site, *records: str) -> None:
    for record in records:
        write(site.root, record, f"title: {record}\n")
    site.save(*records)
    site.publish(*records)


def test_delete_off_a_terminal_needs_yes_and_changes_nothing(site: Site) -> None:
    _published(site, "post/a")
    before = store_files(site.root)
    proc = run_press(site.root, "delete", "post/a")
    assert proc.returncode == 2
    assert b"--yes" in proc.stderr
    assert store_files(site.root) == before
    assert (site.root / "content/post/a.yaml").exists()


def test_delete_json_refusal_names_the_flag(site: Site, cli: Cli) -> None:
    _published(site, "post/a")
    code, doc = cli.json("delete", "post/a")
    assert code == 2
    assert doc["errors"][0]["code"] == "usage"
    assert "--yes" in doc["errors"][0]["hint"]
    assert site.status("post/a").records[0].status == "published"


def test_delete_dry_run_needs_no_yes(site: Site) -> None:
    _published(site, "post/a")
    proc = run_press(site.root, "delete", "post/a", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert b"would be deleted post/a" in proc.stdout
    assert site.status("post/a").records[0].status == "published"


def test_delete_with_yes_prints_its_undo_and_the_undo_works(site: Site) -> None:
    _published(site, "post/a")
    proc = run_press(site.root, "delete", "post/a", "--yes")
    assert proc.returncode == 0, proc.stderr
    undo = [line.removeprefix("undo: ") for line in proc.stdout.decode().splitlines() if line.startswith("undo: ")]
    assert [u.split()[:2] for u in undo] == [["press", "revert"], ["press", "publish"]]
    assert not site.status().records
    for line in undo:
        assert run_press(site.root, *line.split()[1:]).returncode == 0, line
    assert site.status("post/a").records[0].status == "published"


def test_delete_on_a_terminal_asks_and_yes_deletes(site: Site) -> None:
    _published(site, "post/a")
    code, text = run_in_terminal(site.root, "delete", "post/a", answer=b"y\n")
    assert code == 0, text
    assert "would be deleted: post/a" in text
    assert "Delete 1 record(s)? [y/N]" in text
    assert "1 record(s) deleted" in text
    assert not site.status().records


def test_delete_on_a_terminal_declined_changes_nothing(site: Site) -> None:
    _published(site, "post/a")
    before = store_files(site.root)
    code, text = run_in_terminal(site.root, "delete", "post/a", answer=b"n\n")
    assert code == 1, text
    assert "not confirmed: nothing deleted" in text
    assert store_files(site.root) == before


def test_delete_on_a_terminal_with_yes_does_not_ask(site: Site) -> None:
    _published(site, "post/a")
    code, text = run_in_terminal(site.root, "delete", "post/a", "--yes")
    assert code == 0, text
    assert "[y/N]" not in text


def test_unpublish_all_asks_on_a_terminal(site: Site) -> None:
    _published(site, "post/a", "post/b")
    code, text = run_in_terminal(site.root, "unpublish", "--all", answer=b"n\n")
    assert code == 1, text
    assert "Unpublish 2 record(s)? [y/N]" in text
    assert {r.status for r in site.status().records} == {"published"}
    code, text = run_in_terminal(site.root, "unpublish", "--model", "post", answer=b"y\n")
    assert code == 0, text
    assert {r.status for r in site.status().records} == {"draft"}


def test_archive_model_asks_on_a_terminal_and_named_records_do_not(site: Site) -> None:
    _published(site, "post/a", "post/b")
    code, text = run_in_terminal(site.root, "archive", "post/a")
    assert code == 0, text
    assert "[y/N]" not in text
    code, text = run_in_terminal(site.root, "archive", "--model", "post", answer=b"y\n")
    assert code == 0, text
    assert "Archive 1 record(s)? [y/N]" in text
    assert {r.status for r in site.status().records} == {"archived"}


def test_unpublish_all_stays_scriptable_off_a_terminal(site: Site) -> None:
    _published(site, "post/a", "post/b")
    proc = run_press(site.root, "unpublish", "--all")
    assert proc.returncode == 0, proc.stderr
    assert {r.status for r in site.status().records} == {"draft"}
    undo = [line.removeprefix("undo: ") for line in proc.stdout.decode().splitlines() if line.startswith("undo: ")]
    assert sorted(u.split()[2].split("@")[0] for u in undo) == ["post/a", "post/b"]
    for line in undo:
        assert run_press(site.root, *line.split()[1:]).returncode == 0, line
    assert {r.status for r in site.status().records} == {"published"}


def test_pending_schedules_of_a_deleted_record_are_cancelled(site: Site, cli: Cli) -> None:
    _published(site, "post/a", "post/b")
    site.schedule("unpublish", "post/a", at="2099-01-01T00:00:00Z")
    kept = site.schedule("unpublish", "post/b", at="2099-01-01T00:00:00Z").schedule
    code, doc = cli.json("delete", "post/a", "--dry-run")
    assert code == 0
    assert [s["record"] for s in doc["data"]["cancelled_schedules"]] == ["post/a"]
    assert len(site.schedules().schedules) == 2
    code, doc = cli.json("delete", "post/a", "--yes")
    assert code == 0, doc
    assert [s["state"] for s in doc["data"]["cancelled_schedules"]] == ["cancelled"]
    assert doc["data"]["undo"][-1] == "press schedule unpublish post/a --at 2099-01-01T00:00:00Z"
    assert [s.id for s in site.schedules().schedules] == [kept.id]


def test_unpublish_and_archive_cancel_pending_schedules_too(site: Site) -> None:
    _published(site, "post/a", "post/b")
    site.schedule("unpublish", "post/a", at="2099-01-01T00:00:00Z")
    site.schedule("publish", "post/b", at="2099-01-01T00:00:00Z")
    result = site.unpublish("post/a")
    assert [s.record for s in result.cancelled_schedules] == ["post/a"]
    result = site.archive("post/b")
    assert [(s.record, s.state) for s in result.cancelled_schedules] == [("post/b", "cancelled")]
    assert site.schedules().schedules == []


def test_site_delete_from_python_needs_no_confirmation(site: Site, tmp_path: Path) -> None:
    _published(site, "post/a")
    assert [m.record for m in site.delete("post/a").moves] == ["post/a"]
