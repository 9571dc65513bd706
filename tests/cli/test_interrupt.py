"""Ctrl-C: a message, exit 130, and a store that is whole either way."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from pressroom import Site
from tests.conftest import PRESS, Cli, store_files, write

MESSAGE = "interrupted: the store is consistent; run `press status` to see whether the change was made\n"


def _interrupt(*_args: object, **_kwargs: object) -> None:
    raise KeyboardInterrupt


def test_an_interrupted_command_says_so_and_exits_130(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Site, "save", _interrupt)
    write(cli.root, "post/a", "title: A\n")
    result = cli("save", "post/a")
    assert result.exit_code == 130
    assert result.stderr == MESSAGE
    assert result.stdout == ""


def test_an_interrupted_command_in_json(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Site, "status", _interrupt)
    code, env = cli.json("status")
    assert (code, env["exit_code"], env["status"], env["data"]) == (130, 130, "interrupted", None)
    assert env["errors"] == [{"code": "interrupted", "message": MESSAGE.rstrip("\n")}]


def _wait_until_it_opens(pid: int, path: Path, timeout: float = 30) -> None:
    """Until process ``pid`` has ``path`` open: then it is waiting for that lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                    return
            except FileNotFoundError:
                continue
        time.sleep(0.02)
    raise AssertionError(f"press never opened {path}")


@pytest.mark.parametrize("as_json", [False, True])
def test_ctrl_c_on_the_real_press_while_it_waits_for_the_lock(site_dir: Path, as_json: bool) -> None:
    write(site_dir, "post/a", "title: A\n")
    lock = site_dir / ".press" / "lock"
    before = store_files(site_dir)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        proc = subprocess.Popen([str(PRESS), "-C", str(site_dir), "save", "post/a", *(["--json"] if as_json else [])],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "PRESSROOM_LOCK_TIMEOUT": "60"})
        _wait_until_it_opens(proc.pid, lock)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        os.close(fd)
    assert proc.returncode == 130
    assert store_files(site_dir) == before
    if as_json:
        assert err == b""
        env = json.loads(out)
        assert (env["command"], env["status"], env["exit_code"]) == ("save", "interrupted", 130)
    else:
        assert (out, err.decode()) == (b"", MESSAGE)
