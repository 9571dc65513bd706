"""``folder_states`` of a snapshot: the ref folders' states, given only when the index vouches for
every folder (its racy rule: a folder's mtime strictly before the stamp it was recorded with)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pressroom import Site
from pressroom.store.refindex import LazyRefs
from tests.automation.conftest import AUTHOR, POST, write_models
from tests.conftest import write


def _states(root: Path) -> dict[str, tuple[int, int]] | None:
    snap = Site.open(root).store.snapshot()
    assert isinstance(snap.current, LazyRefs)
    states = snap.current.folder_states()
    assert states == snap.published.folder_states() == snap.archived.folder_states()  # type: ignore[attr-defined]
    return states


def _site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    Site.init(root)
    write_models(root, author=AUTHOR, post=POST)
    write(root, "author/ada", "name: Ada\n")
    write(root, "post/a", "title: A\nauthor: ada\n")
    site = Site.open(root)
    site.save(all=True)
    site.publish("post/a", cascade=True)
    return root


def test_every_ref_folder_has_its_state_once_the_index_vouches_for_it(tmp_path: Path) -> None:
    root = _site(tmp_path)
    _states(root)
    states = _states(root)
    refs = root / ".press" / "refs"
    on_disk = {f"{k.name}/{m.name}" for k in refs.iterdir() if k.is_dir() for m in k.iterdir() if m.is_dir()}
    assert states is not None and set(states) == on_disk == {"current/author", "current/post",
                                                             "published/author", "published/post"}
    for name, (mtime, ino) in states.items():
        st = os.stat(refs / name)
        assert (st.st_mtime_ns, st.st_ino) == (mtime, ino)


def test_a_folder_whose_mtime_is_not_before_the_stamp_is_not_vouched_for(tmp_path: Path) -> None:
    root = _site(tmp_path)
    assert _states(root) is not None
    folder = root / ".press" / "refs" / "current" / "post"
    later = time.time_ns() + 3_600 * 10**9
    os.utime(folder, ns=(later, later))
    # However often it is read, a folder changed "after" every stamp stays untrusted.
    assert _states(root) is None
    assert _states(root) is None
    report = Site.open(root).check_view()
    assert report.ok


def test_a_ref_created_behind_presss_back_changes_the_states(tmp_path: Path) -> None:
    root = _site(tmp_path)
    _states(root)
    before = _states(root)
    assert before is not None
    (root / ".press" / "refs" / "published" / "post" / "b").write_text("0" * 64 + "\n")
    after = _states(root)
    assert after is None or after["published/post"] != before["published/post"]
