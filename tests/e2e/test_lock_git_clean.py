"""``git clean -fdX`` removes the ignored ``.press/lock`` while a writer holds the lock.

A second writer must still not get in: the lock is a flock on the ``.press``
folder, which git never removes (it holds tracked files). Two real
processes, a real ``git clean`` between them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from pressroom import Site
from tests.conftest import run_press, write
from tests.e2e.test_journal_git import GIT_ENV, git

# A save that, once it holds the lock and has written its journal, waits for a go file.
_HOLDING_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pressroom import Site
    from pressroom.store.journal import Journal

    root, inside, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    real_apply = Journal._apply
    def held_apply(self, *args, **kwargs):
        inside.touch()
        deadline = time.monotonic() + 60
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return real_apply(self, *args, **kwargs)
    Journal._apply = held_apply
    Site.open(root).save("post/a", message="held")
""")


def _wait_for(path: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the writer never took the lock"
        time.sleep(0.01)


def test_git_clean_removing_the_held_lock_file_lets_no_second_writer_in(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    git(root, "init", "-q")
    Site.init(root)
    write(root, "post/a", "title: A\n")
    write(root, "post/b", "title: B\n")
    assert run_press(root, "save", "--all").returncode == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "site")
    write(root, "post/a", "title: A2\n")
    write(root, "post/b", "title: B2\n")

    inside, go = tmp_path / "inside", tmp_path / "go"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDING_WRITER, str(root), str(inside), str(go)],
                              stderr=subprocess.PIPE)
    try:
        _wait_for(inside, holder)
        cleaned = git(root, "clean", "-fdX")
        assert "Removing .press/lock" in cleaned
        assert not (root / ".press" / "lock").exists()
        second = run_press(root, "save", "post/b", "--json", env={**GIT_ENV, "PRESSROOM_LOCK_TIMEOUT": "0.5"})
        reader = run_press(root, "status", env={"PRESSROOM_LOCK_TIMEOUT": "0.5"})
        still_holding = holder.poll() is None
    finally:
        go.touch()
        assert holder.wait(timeout=60) == 0, holder.stderr.read().decode()
    assert still_holding
    assert second.returncode == 3, second.stdout.decode()
    assert b'"lock_timeout"' in second.stdout
    assert reader.returncode == 3, "a reader saw the store while a transaction was half-applied"
    # Once the first is done, the second gets in.
    assert run_press(root, "save", "post/b").returncode == 0
    assert run_press(root, "fsck").returncode == 0
    logs = Site.open(root).store.read_log("post/a")
    assert [e.get("message") for e in logs if e["action"] == "save"][-1] == "held"
