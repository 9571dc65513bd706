"""status builds its rows without RecordStatus.__init__ (a frozen dataclass's is slow): each row
must still be what the __init__ makes, every field set, and as frozen."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.workflow.status import RecordStatus
from tests.conftest import write


def test_rows_are_what_the_dataclass_init_makes(site_dir: Path) -> None:
    write(site_dir, "post/a", "title: one\n")
    write(site_dir, "post/b", "title: two\n")
    site = Site.open(site_dir)
    site.save("post/a", author="Ada <ada@example.org>")
    site.publish("post/a")
    write(site_dir, "post/c", "title: three\n")
    rows = Site.open(site_dir).status().records
    assert [r.record for r in rows] == ["post/a", "post/b", "post/c"]
    for row in rows:
        made = RecordStatus(**{f.name: getattr(row, f.name) for f in dataclasses.fields(RecordStatus)})
        assert row == made and vars(row) == vars(made)
        assert row.conflicts is not rows[0].conflicts or row is rows[0]  # a list of its own, as the default gives
        with pytest.raises(dataclasses.FrozenInstanceError):
            row.status = "draft"  # type: ignore[misc]
    assert (rows[0].status, rows[0].updated_by, rows[1].changes) == ("published", "Ada <ada@example.org>",
                                                                     "untracked")
