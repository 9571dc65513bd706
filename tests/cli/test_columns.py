"""`press status` lays its rows out in columns, wide characters included."""

from __future__ import annotations

from rich.cells import cell_len

from pressroom import Site
from tests.conftest import Cli, write


def test_status_columns_line_up(cli: Cli, site: Site) -> None:
    write(site.root, "post/a-long-record-name", "title: A\n")
    write(site.root, "post/b", "title: B\n")
    site.save("post/a-long-record-name", author="山田 太郎 <t@example.org>")
    site.save("post/b", author="Bo <b@example.org>")
    write(site.root, "post/b", "title: B2\n")
    write(site.root, "note/new", "title: N\n")

    lines = cli("status").stdout.splitlines()
    header, rows = lines[0], lines[1:4]
    assert header.split() == ["record", "status", "changes", "current", "published", "last", "change"]
    starts = [header.index(col) for col in ("status", "changes", "current", "published", "last change")]
    for row in rows:
        cells = [row[start:end].strip() for start, end in zip([0, *starts], [*starts, None])]
        assert cells[0] in ("note/new", "post/a-long-record-name", "post/b"), row
        assert cells[1] in ("new", "draft"), row
    by_record = {row.split()[0]: row for row in rows}
    assert by_record["post/b"][starts[1]:].startswith("modified")
    assert by_record["note/new"][starts[1]:].startswith("untracked")
    assert by_record["post/a-long-record-name"].rstrip().endswith("山田 太郎")
    # Every line is as wide as the widest, in terminal cells (a CJK character takes two).
    assert len({cell_len(line) for line in lines[:4]}) == 1
