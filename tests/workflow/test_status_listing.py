"""The listing of content/ status and save read: a folder is tested at once when every .yaml file
in it is a record (the usual case), one file at a time otherwise; both give the same answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom import Site
from tests.conftest import write


@pytest.mark.parametrize("odd", ["a..b.yaml", "Upper.yaml", "x.yml"])
def test_one_file_that_is_no_record_among_records_is_passed_over_and_named(site_dir: Path, odd: str) -> None:
    for i in range(5):
        write(site_dir, f"post/p{i}", f"title: {i}\n")
    (site_dir / "content" / "post" / odd).write_text("title: odd\n")
    result = Site.open(site_dir).status()
    assert [r.record for r in result.records] == [f"post/p{i}" for i in range(5)]
    assert [w.where.file if w.where else None for w in result.warnings] == [f"content/post/{odd}"]


def test_a_folder_of_records_only_lists_them_all(site_dir: Path) -> None:
    for name in ("a.b", "a-b", "a_b", "0"):
        write(site_dir, f"post/{name}", "title: x\n")
    result = Site.open(site_dir).status()
    assert [r.record for r in result.records] == ["post/0", "post/a-b", "post/a.b", "post/a_b"]
    assert result.warnings == []
