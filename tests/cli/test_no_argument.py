"""validate and diff with no argument: every record with working changes, as status lists them."""

from __future__ import annotations

from pressroom import Site
from tests.conftest import Cli, write


def _saved(site: Site, *records: str) -> None:
    for record in records:
        write(site.root, record, f"title: {record}\n")
    site.save(*records)


def test_with_no_working_changes_both_exit_0(site: Site, cli: Cli) -> None:
    _saved(site, "post/a")
    code, doc = cli.json("validate")
    assert (code, doc["data"]["records"]) == (0, [])
    code, doc = cli.json("diff")
    assert (code, doc["data"]["records"]) == (0, [])
    assert "no working changes" in cli("diff").stdout


def test_diff_covers_every_changed_record_and_only_those(site: Site, cli: Cli) -> None:
    _saved(site, "post/a", "post/b", "post/c")
    write(site.root, "post/a", "title: changed\n")
    write(site.root, "post/new", "title: new\n")
    (site.root / "content/post/c.yaml").unlink()
    code, doc = cli.json("diff")
    assert code == 0
    assert sorted(d["record"] for d in doc["data"]["records"]) == ["post/a", "post/c", "post/new"]
    text = cli("diff").stdout
    assert "title" in text and "changed" in text and "post/b" not in text
    assert cli("diff", "--exit-code").exit_code == 1


def test_validate_covers_every_changed_record(site: Site, cli: Cli) -> None:
    _saved(site, "post/a", "post/b")
    write(site.root, "post/a", "title: [unclosed\n")
    write(site.root, "post/new", "title: fine\n")
    code, doc = cli.json("validate")
    assert code == 1
    assert sorted(r["record"] for r in doc["data"]["records"]) == ["post/a", "post/new"]
    assert {e["file"] for e in doc["errors"]} == {"content/post/a.yaml"}
