"""A full disk: a true exit code, a message naming the file, no temp file left behind.

The disk is real: a small tmpfs mounted for the test (root may mount here;
where mounting is not permitted the test is skipped, saying so). A filler
file leaves a chosen amount of room, swept so that ``save --all`` runs out of
room before its commit point (exit 1, nothing changed) and after it (exit 4,
the change made and finished by the next command once there is room). The
file size limit (``ulimit -f``, EFBIG) is a second real mechanism that needs
no mount.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from pressroom import Site
from tests.conftest import PRESS, run_press, write

RECORDS = 30


@pytest.fixture
def disk(tmp_path: Path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip()}); "
                    "test_file_size_limit covers running out of room without one")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def temp_files(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.name.startswith(".tmp-")]


def refs(root: Path) -> dict[str, str]:
    base = root / ".press" / "refs"
    return {str(p.relative_to(base)): p.read_text() for p in sorted(base.rglob("*")) if p.is_file()}


def fill(disk: Path, leave_kib: int) -> Path:
    """A file taking all the room on ``disk`` but ``leave_kib`` KiB."""
    st = os.statvfs(disk)
    filler = disk / "filler"
    size = max(0, st.f_bavail * st.f_frsize - leave_kib * 1024)
    with open(filler, "wb") as f:
        chunk = b"\0" * (1 << 20)
        while size > 0:
            size -= f.write(chunk[:min(size, len(chunk))])
    return filler


def test_save_all_on_a_full_disk_says_whether_the_change_was_made(disk: Path) -> None:
    outcomes: Counter[int] = Counter()
    for leave in range(0, 1024, 64):
        root = disk / "site"
        Site.init(root)
        for i in range(RECORDS):
            write(root, f"post/p{i:02d}", f"title: {i}\nbody: {'y' * 1500}\n")
        filler = fill(disk, leave)
        result = run_press(root, "save", "--all", "--json")
        env = json.loads(result.stdout)
        outcomes[result.returncode] += 1
        assert result.returncode in (0, 1, 4), (leave, result.stdout.decode(), result.stderr.decode())
        assert b"Traceback" not in result.stderr
        assert temp_files(root) == [], f"left {leave} KiB: temp files leaked"
        if result.returncode:
            (error,) = env["errors"]
            assert "the disk is full" in error["message"]
            assert error["file"].startswith(str(root)), error
        if result.returncode == 1:
            assert error["code"] == "disk_full" and "nothing was changed" in error["message"]
            assert refs(root) == {}
            assert not (root / ".press" / "journal").exists()
        if result.returncode == 4:
            assert error["code"] == "unfinished" and "the change was made" in error["message"]
            assert "press journal finish" in error["hint"]
            assert (root / ".press" / "journal").exists()
            # Still full: the next command cannot finish it either, says so, and leaks nothing.
            again = run_press(root, "status", "--json")
            assert again.returncode == 4 and "could not be finished" in again.stdout.decode()
            assert temp_files(root) == []
        filler.unlink()
        status = run_press(root, "status", "--json")
        assert status.returncode == 0, status.stderr.decode()
        rows = json.loads(status.stdout)["data"]["records"]
        saved = {r["status"] for r in rows}
        # Made (exit 0 or 4): every record saved once there is room; not made (exit 1): none.
        assert saved == ({"new"} if result.returncode == 1 else {"draft"}), (leave, result.returncode, saved)
        if result.returncode == 4:
            assert run_press(root, "fsck").returncode == 0
        assert temp_files(root) == []
        shutil.rmtree(root)
        if result.returncode == 0:
            break  # more room only succeeds again
    assert outcomes[1] and outcomes[4] and outcomes[0], outcomes


def test_file_size_limit(site_dir: Path) -> None:
    """``ulimit -f``: the kernel refuses a write past the limit with EFBIG (Python ignores SIGXFSZ)."""
    write(site_dir, "post/small", "title: small\n")
    write(site_dir, "post/big", "title: big\nbody: " + "z" * 200_000 + "\n")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    result = subprocess.run([str(PRESS), "-C", str(site_dir), "save", "--all", "--json"], capture_output=True,
                            preexec_fn=limit, timeout=60)
    env = json.loads(result.stdout)
    assert result.returncode == 1, env
    (error,) = env["errors"]
    assert error["code"] == "disk_full" and "file size limit" in error["message"]
    assert error["file"].startswith(str(site_dir / ".press" / "objects")), error
    assert temp_files(site_dir) == []
    assert {r["status"] for r in json.loads(run_press(site_dir, "status", "--json").stdout)["data"]["records"]} \
        == {"new"}
