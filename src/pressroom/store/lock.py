"""The store lock: an OS file lock (flock) on ``.press/lock``.

Writers hold it exclusively, readers shared. The kernel drops a flock when
its process dies, so a killed ``press`` never leaves a lock that blocks: the
file stays, the lock does not.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LockTimeoutError, Where

DEFAULT_TIMEOUT = 30.0


def lock_timeout() -> float:
    """Seconds to wait for the lock: ``PRESSROOM_LOCK_TIMEOUT`` or 30."""
    try:
        return float(os.environ.get("PRESSROOM_LOCK_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


# Shared holds of this process, per lock file and thread: (fd, depth).
_reading: dict[tuple[str, int], tuple[int, int]] = {}


def _take(fd: int, mode: int, deadline: float, timeout: float, path: Path) -> None:
    delay = 0.001
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockTimeoutError(
                    f"the store is locked by another press process (waited {timeout:g}s)",
                    where=Where(file=str(path)),
                    hint="wait for the other command to finish and try again; "
                    "set PRESSROOM_LOCK_TIMEOUT to wait longer",
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


@contextmanager
def locked(path: Path, *, exclusive: bool, timeout: float | None = None) -> Iterator[int]:
    """Hold the lock on ``path``; raise LockTimeoutError after ``timeout`` seconds.

    A stream of readers must not starve a writer, so the lock's folder is a
    turnstile: a writer holds it exclusively while it waits for the lock, and
    a reader passes it shared, queueing behind a waiting writer. A thread that
    already reads reads on under its hold: waiting at the turnstile then would
    wait for a writer that waits for this very hold.
    """
    timeout = lock_timeout() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    key = (os.path.abspath(path), threading.get_ident())
    if not exclusive and key in _reading:
        fd, depth = _reading[key]
        _reading[key] = (fd, depth + 1)
        try:
            yield fd
        finally:
            _reading[key] = (fd, depth)
        return
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        gate = os.open(path.parent, os.O_RDONLY)
        try:
            _take(gate, mode, deadline, timeout, path)
            _take(fd, mode, deadline, timeout, path)
        finally:
            os.close(gate)
        if not exclusive:
            _reading[key] = (fd, 1)
        try:
            yield fd
        finally:
            if not exclusive:
                del _reading[key]
    finally:
        os.close(fd)
