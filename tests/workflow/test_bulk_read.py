"""A large save reads its working files the short way (plain paths, one open each); the answers
must be the ones a save of a few records gives: links refused, no regular file refused, the size
limit kept, a missing file reported, and nothing saved when any of them is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.errors import PressError
from pressroom.store import RefKind
from pressroom.workflow.saving import STAT_CACHE_FROM
from tests.conftest import write

MANY = STAT_CACHE_FROM + 6


def _site_of_many(site_dir: Path) -> list[str]:
    names = [f"post/p{i:03}" for i in range(MANY)]
    for name in names:
        write(site_dir, name, f"title: {name}\n")
    return names


def _link(site_dir: Path) -> str:
    secret = site_dir.parent / "secret.yaml"
    secret.write_text("title: secret\n")
    os.symlink(secret, site_dir / "content/post/odd.yaml")
    return "post/odd"


def _dangling_link(site_dir: Path) -> str:
    os.symlink(site_dir / "nowhere.yaml", site_dir / "content/post/odd.yaml")
    return "post/odd"


def _folder(site_dir: Path) -> str:
    (site_dir / "content/post/odd.yaml").mkdir()
    return "post/odd"


def _fifo(site_dir: Path) -> str:
    os.mkfifo(site_dir / "content/post/odd.yaml")
    return "post/odd"


def _too_big(site_dir: Path) -> str:
    (site_dir / "pressroom.yaml").write_text("max_file_size: 1KiB\n")
    write(site_dir, "post/odd", "title: big\nbody: " + "x" * 2000 + "\n")
    return "post/odd"


def _missing(site_dir: Path) -> str:
    return "post/odd"


def _linked_model_folder(site_dir: Path) -> str:
    elsewhere = site_dir.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "odd.yaml").write_text("title: elsewhere\n")
    os.symlink(elsewhere, site_dir / "content/page")
    return "page/odd"


ODD: dict[str, Callable[[Path], str]] = {
    "link": _link, "dangling link": _dangling_link, "folder": _folder, "fifo": _fifo, "too big": _too_big,
    "missing": _missing, "linked model folder": _linked_model_folder,
}


def _refusal(site: Site, names: list[str]) -> list[tuple[str, str | None, str | None, str | None]]:
    with pytest.raises(PressError) as caught:
        site.save(*names)
    problems = caught.value.problems or []
    return [(p.message, p.code, p.where.file, p.where.record) for p in problems]


@pytest.mark.parametrize("case", sorted(ODD))
def test_a_large_save_refuses_what_a_small_one_refuses(site_dir: Path, case: str) -> None:
    names = _site_of_many(site_dir)
    odd = ODD[case](site_dir)
    site = Site.open(site_dir)
    alone = _refusal(site, [odd])
    among_many = _refusal(site, [*names, odd])
    assert alone, case
    assert among_many == alone
    # Nothing was saved: every other record is still new.
    assert [n for n in names if site.store.read_ref(RefKind.CURRENT, n) is not None] == []


def test_a_large_save_stores_the_bytes_of_each_file(site_dir: Path) -> None:
    names = _site_of_many(site_dir)
    site = Site.open(site_dir)
    result = site.save(*names)
    assert sorted(s.record for s in result.saved) == names
    for saved in result.saved:
        assert site.store.get_blob(saved.blob) == (site_dir / f"content/{saved.record}.yaml").read_bytes()
