"""Concurrent press processes: no lost version, no torn file, conflicts as exit 3.

Each round starts several real processes that load press, then wait for a
go file, so their commands run at the same instant; each runs press's entry
point (the one the ``press`` script calls) with ``--json``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from pressroom import ConflictError, Site
from pressroom.store import RefUpdate, Version
from tests.conftest import PRESS, run_press, store_files, write

_AT_GO = textwrap.dedent("""
    import os, sys, time
    from pressroom.cli.app import main
    go = sys.argv[1]
    open(go + "." + str(os.getpid()), "w").close()
    while not os.path.exists(go):
        time.sleep(0.0005)
    main(sys.argv[2:])
""")


def _race(root: Path, go: Path, commands: list[list[str]]) -> list[tuple[int, dict]]:
    """Run each command in its own process, all released at once; (exit code, envelope) each."""
    procs = [subprocess.Popen([sys.executable, "-c", _AT_GO, str(go), "-C", str(root), *cmd, "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for cmd in commands]
    ready = [go.with_name(f"{go.name}.{p.pid}") for p in procs]
    deadline = time.monotonic() + 60
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.005)
    go.touch()
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert b"Traceback" not in stderr, stderr.decode()
        out.append((proc.returncode, json.loads(stdout)))
    for r in [go, *ready]:
        r.unlink()
    return out


def _check_store_whole(root: Path) -> None:
    """Every object is named by its hash, every ref names a version, status works."""
    for path in (root / ".press" / "objects").rglob("*"):
        if path.is_file():
            assert path.parent.name + path.name == hashlib.sha256(path.read_bytes()).hexdigest()
    site = Site.open(root)
    snap = site.store.snapshot()
    for kind in ("current", "published", "archived"):
        for record, oid in getattr(snap, kind).items():
            for _oid, version in site.store.history(oid):
                assert version.record == record
    status = run_press(root, "status", "--json")
    assert status.returncode == 0, status.stderr.decode()


def _chain(site: Site, record: str) -> list[str]:
    return [oid for oid, _version in site.store.history(site.store.read_ref("current", record))]


def _outcomes(results: list[tuple[int, dict]]) -> tuple[list[str], int]:
    """Versions of the saves that went through, and how many were conflicts; nothing else happens."""
    versions, conflicts = [], 0
    for code, env in results:
        assert env["exit_code"] == code
        if code == 0:
            versions.extend(s["version"] for s in env["data"]["saved"])
        else:
            assert code == 3, env
            assert env["status"] == "conflict"
            assert env["errors"][0]["code"] == "conflict"
            assert env["errors"][0]["record"].startswith("post/")
            conflicts += 1
    return versions, conflicts


ROUNDS = 6
PROCS = 4


def test_same_record_from_files_loses_no_version(tmp_path: Path, site_dir: Path) -> None:
    write(site_dir, "post/shared", "title: start\n")
    start = Site.open(site_dir).save("post/shared").saved[0].version
    go = tmp_path / "go"
    won, conflicts = [], 0
    for r in range(ROUNDS):
        commands = []
        for i in range(PROCS):
            src = tmp_path / f"in-{r}-{i}.yaml"
            src.write_text(f"title: round {r} process {i}\n")
            commands.append(["save", "post/shared", "-f", str(src), "-m", f"r{r} p{i}"])
        versions, lost = _outcomes(_race(site_dir, go, commands))
        assert versions, "in each round one save at least goes through"
        won += versions
        conflicts += lost
    site = Site.open(site_dir)
    chain = _chain(site, "post/shared")
    assert sorted(chain) == sorted([*won, start])  # every success is in the history, once
    assert chain[-1] == start
    print(f"\nsame record: {len(won)} saved, {conflicts} conflicts")
    assert conflicts >= 1, "four processes saving one record at once never conflicted"
    # The working file holds what current holds: no save wrote it after a later one.
    row = site.status("post/shared").records[0]
    assert (row.current, row.changes) == (chain[0], None)
    _check_store_whole(site_dir)


def test_different_records_all_go_through(tmp_path: Path, site_dir: Path) -> None:
    go = tmp_path / "go"
    won: dict[str, list[str]] = {f"post/p{i}": [] for i in range(PROCS)}
    for r in range(4):
        commands = []
        for i in range(PROCS):
            src = tmp_path / f"in-{r}-{i}.yaml"
            src.write_text(f"title: record {i} round {r}\n")
            commands.append(["save", f"post/p{i}", "-f", str(src), "-m", f"r{r}"])
        for (code, env), i in zip(_race(site_dir, go, commands), range(PROCS)):
            assert code == 0, env
            won[f"post/p{i}"].append(env["data"]["saved"][0]["version"])
    site = Site.open(site_dir)
    for record, versions in won.items():
        assert _chain(site, record) == versions[::-1]
        assert site.show(record).content == f"title: record {record[-1]} round 3\n".encode()
    _check_store_whole(site_dir)


def test_concurrent_field_edits_lose_no_update(tmp_path: Path, site_dir: Path) -> None:
    """Each process sets its own field with --set; every accepted edit is in the final content."""
    write(site_dir, "post/shared", "# kept\ntitle: start\n")
    Site.open(site_dir).save("post/shared")
    go = tmp_path / "go"
    last_ok: dict[str, int] = {}
    conflicts = 0
    for r in range(ROUNDS):
        results = _race(site_dir, go, [["save", "post/shared", "--set", f"p{i}={r}", "-m", f"r{r} p{i}"]
                                       for i in range(PROCS)])
        versions, lost = _outcomes(results)
        conflicts += lost
        for i, (code, _env) in enumerate(results):
            if code == 0:
                last_ok[f"p{i}"] = r
    site = Site.open(site_dir)
    print(f"\n--set: {ROUNDS * PROCS - conflicts} saved, {conflicts} conflicts")
    final = YAML(typ="safe").load(site.show("post/shared").content)
    assert {k: v for k, v in final.items() if k != "title"} == last_ok
    assert site.show("post/shared").content.startswith(b"# kept\ntitle: start\n")
    assert site.status("post/shared").records[0].changes is None
    assert len(_chain(site, "post/shared")) == 1 + ROUNDS * PROCS - conflicts
    _check_store_whole(site_dir)


def test_readers_see_a_batch_whole_or_not_at_all(site_dir: Path) -> None:
    """The API reads refs while a press process saves 200 records in one transaction."""
    records = [f"post/r{i:03d}" for i in range(200)]
    for r in records:
        write(site_dir, r, f"title: {r} old\n")
    site = Site.open(site_dir)
    site.save(all=True)
    old = site.store.snapshot().current
    for r in records:
        write(site_dir, r, f"title: {r} new\n")
    writer = subprocess.Popen([str(PRESS), "-C", str(site_dir), "save", "--all"], stderr=subprocess.PIPE)
    reads = 0
    while writer.poll() is None:
        now = site.store.snapshot().current
        moved = sum(now[r] != old[r] for r in records)
        assert moved in (0, len(records)), f"a reader saw {moved} of {len(records)} records moved"
        reads += 1
    assert writer.wait() == 0, writer.stderr.read().decode()
    assert reads, "the writer finished before the first read"
    assert all(site.store.snapshot().current[r] != old[r] for r in records)


_READ_LOOP = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pressroom import Site
    site, stop = Site.open(sys.argv[1]), Path(sys.argv[2])
    while not stop.exists():
        site.store.snapshot()
""")


def test_readers_reading_without_pause_do_not_starve_a_writer(tmp_path: Path, site_dir: Path) -> None:
    """Three processes hold the shared lock in turn, never all letting go; a save still gets in."""
    for i in range(50):
        write(site_dir, f"post/r{i:02d}", f"title: {i}\n")
    Site.open(site_dir).save(all=True)
    stop = tmp_path / "stop"
    readers = [subprocess.Popen([sys.executable, "-c", _READ_LOOP, str(site_dir), str(stop)]) for _ in range(3)]
    try:
        time.sleep(0.5)  # let them load press and start reading
        write(site_dir, "post/r00", "title: new\n")
        saved = run_press(site_dir, "save", "post/r00", env={"PRESSROOM_LOCK_TIMEOUT": "15"})
    finally:
        stop.touch()
        for reader in readers:
            reader.wait(timeout=60)
    assert saved.returncode == 0, saved.stderr.decode()
    assert all(reader.returncode == 0 for reader in readers)


def test_a_nested_read_does_not_wait_for_a_writer_that_waits_for_it(site_dir: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Readers queue behind a waiting writer, except a reader that already holds the lock."""
    write(site_dir, "post/a", "title: A\n")
    site = Site.open(site_dir)
    site.save("post/a")
    write(site_dir, "post/a", "title: B\n")
    monkeypatch.setenv("PRESSROOM_LOCK_TIMEOUT", "5")
    with site.store.reading():
        writer = subprocess.Popen([str(PRESS), "-C", str(site_dir), "save", "post/a"], stderr=subprocess.PIPE)
        # Wait until the writer holds the turnstile (the lock file) and waits for the lock (the folder).
        gate = os.open(site_dir / ".press" / "lock", os.O_RDONLY)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    fcntl.flock(gate, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    fcntl.flock(gate, fcntl.LOCK_UN)
                    time.sleep(0.01)
                except BlockingIOError:
                    break
            else:
                pytest.fail("the writer never queued at the turnstile")
        finally:
            os.close(gate)
        assert writer.poll() is None
        assert site.store.snapshot().current["post/a"] == site.status("post/a").records[0].current
    assert writer.wait(timeout=60) == 0, writer.stderr.read().decode()


_SLOW_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pressroom import Site
    from pressroom.store.journal import Journal

    root, marker = sys.argv[1], Path(sys.argv[2])
    real_write = Journal._apply_site_file
    def slow_write(*args, **kwargs):
        marker.touch()       # current has moved; the working file is next
        time.sleep(1.0)      # a process preempted at that instant
        return real_write(*args, **kwargs)
    Journal._apply_site_file = slow_write
    Site.open(root).save("post/shared", set={"p0": 1}, message="slow")
""")


def test_an_edit_is_not_lost_while_a_slow_save_writes_its_working_file(tmp_path: Path, site_dir: Path) -> None:
    """A --set save that commits, then is slow to write the working file, while another --set runs.

    The second edit must build on the first (or conflict): never save the old
    working file on top of the first's version, nor be overwritten by it.
    """
    write(site_dir, "post/shared", "title: start\n")
    Site.open(site_dir).save("post/shared")
    marker = tmp_path / "committed"
    slow = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(site_dir), str(marker)],
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    other = run_press(site_dir, "save", "post/shared", "--set", "p1=1", "--json")
    _stdout, stderr = slow.communicate(timeout=60)
    assert slow.returncode == 0, stderr.decode()
    assert other.returncode in (0, 3), other.stderr.decode()
    site = Site.open(site_dir)
    final = YAML(typ="safe").load(site.show("post/shared").content)
    assert final == ({"title": "start", "p0": 1, "p1": 1} if other.returncode == 0 else {"title": "start", "p0": 1})
    assert site.status("post/shared").records[0].changes is None


_PAUSED_READER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pressroom.cli.app import main
    from pressroom.store import Store

    read, go = Path(sys.argv[1]), Path(sys.argv[2])
    real_snapshot = Store.snapshot
    def paused_snapshot(self):
        snap = real_snapshot(self)
        read.touch()         # refs read; the working file is next
        while not go.exists():
            time.sleep(0.01)
        return snap
    Store.snapshot = paused_snapshot
    main(sys.argv[3:])
""")


def test_a_save_from_a_file_that_another_save_overtakes_is_a_conflict(tmp_path: Path, site_dir: Path) -> None:
    """-f refuses to overwrite unsaved changes; changes that another save made meanwhile are a conflict."""
    write(site_dir, "post/shared", "title: start\n")
    Site.open(site_dir).save("post/shared")
    mine, theirs = tmp_path / "mine.yaml", tmp_path / "theirs.yaml"
    mine.write_text("title: mine\n")
    theirs.write_text("title: theirs\n")
    read, go = tmp_path / "read", tmp_path / "go"
    paused = subprocess.Popen([sys.executable, "-c", _PAUSED_READER, str(read), str(go), "-C", str(site_dir),
                               "save", "post/shared", "-f", str(mine), "--json"], stdout=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not read.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert run_press(site_dir, "save", "post/shared", "-f", str(theirs)).returncode == 0
    before = store_files(site_dir)
    go.touch()
    stdout, _stderr = paused.communicate(timeout=60)
    env = json.loads(stdout)
    assert (paused.returncode, env["errors"][0]["code"]) == (3, "conflict"), env
    assert store_files(site_dir) == before
    assert (site_dir / "content" / "post" / "shared.yaml").read_text() == "title: theirs\n"


def test_a_stale_expectation_is_a_conflict_and_changes_nothing(site: Site) -> None:
    """The conflict path without timing: read, let another save happen, commit on the stale read."""
    write(site.root, "post/a", "title: A\n")
    seen = site.save("post/a").saved[0].version
    # Another process saves meanwhile.
    write(site.root, "post/a", "title: theirs\n")
    assert run_press(site.root, "save", "post/a").returncode == 0
    theirs = site.store.read_ref("current", "post/a")
    # This writer prepared its version from what it had read.
    blob = site.store.put_blob(b"title: mine\n")
    mine = site.store.put_version(Version(record="post/a", blob=blob, parent=seen, author="me",
                                          time="2024-01-01T00:00:00Z", message="mine"))
    before = store_files(site.root)
    with pytest.raises(ConflictError) as err:
        site.store.commit([RefUpdate("current", "post/a", seen, mine)])
    assert err.value.where.record == "post/a"
    assert theirs[:12] in err.value.message and seen[:12] in err.value.message
    assert store_files(site.root) == before
    assert site.store.read_ref("current", "post/a") == theirs


@pytest.fixture
def lock_holder(site_dir: Path):
    """A separate process holding the store lock; yields it, kills it at the end."""
    code = ("import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(site_dir / ".press" / "lock")],
                            stdout=subprocess.PIPE)
    assert proc.stdout.readline() == b"locked\n"
    yield proc
    proc.kill()
    proc.wait()


SHORT_WAIT = {"PRESSROOM_LOCK_TIMEOUT": "0.3"}


def test_lock_held_by_this_process_times_out_with_exit_3(site_dir: Path) -> None:
    write(site_dir, "post/a", "title: A\n")
    before = store_files(site_dir)
    fd = os.open(site_dir / ".press" / "lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = run_press(site_dir, "save", "post/a", env=SHORT_WAIT)
        as_json = run_press(site_dir, "save", "post/a", "--json", env=SHORT_WAIT)
        reader = run_press(site_dir, "status", env=SHORT_WAIT)
    finally:
        os.close(fd)
    assert result.returncode == 3
    assert b"the store is locked by another press process (waited 0.3s)" in result.stderr
    assert b"PRESSROOM_LOCK_TIMEOUT" in result.stderr
    assert b"Traceback" not in result.stderr
    env = json.loads(as_json.stdout)
    assert (as_json.returncode, env["status"], env["errors"][0]["code"]) == (3, "conflict", "lock_timeout")
    assert env["errors"][0]["file"].endswith(".press/lock")
    assert reader.returncode == 3
    assert store_files(site_dir) == before
    assert run_press(site_dir, "save", "post/a", env=SHORT_WAIT).returncode == 0


def test_a_killed_lock_holder_does_not_block(site_dir: Path, lock_holder: subprocess.Popen) -> None:
    write(site_dir, "post/a", "title: A\n")
    blocked = run_press(site_dir, "save", "post/a", env=SHORT_WAIT)
    assert blocked.returncode == 3
    lock_holder.send_signal(signal.SIGKILL)
    lock_holder.wait()
    saved = run_press(site_dir, "save", "post/a", "--json", env=SHORT_WAIT)
    assert saved.returncode == 0, saved.stderr.decode()
    assert json.loads(saved.stdout)["data"]["saved"][0]["record"] == "post/a"
