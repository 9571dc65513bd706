"""Run the real `press` on a pseudo-terminal, as a person at a shell does, and answer its questions."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from pathlib import Path

from tests.conftest import PRESS


def run_in_terminal(root: Path, *args: str, answer: bytes | None = None, env: dict[str, str] | None = None,
                    timeout: float = 60) -> tuple[int, str]:
    """Exit code and everything `press` wrote to the terminal; ``answer`` is typed at its first ``[y/N]``."""
    master, slave = pty.openpty()
    full_env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200", **(env or {})}
    proc = subprocess.Popen([str(PRESS), "-C", str(root), *args], stdin=slave, stdout=slave, stderr=slave,
                            env=full_env, close_fds=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            out += chunk
            if answer is not None and b"[y/N]" in out:
                os.write(master, answer)
                answer = None
        else:
            proc.kill()
            raise AssertionError(f"press {' '.join(args)} did not finish: {out!r}")
        code = proc.wait(timeout=timeout)
    finally:
        os.close(master)
    return code, out.decode("utf-8", errors="replace").replace("\r\n", "\n")
