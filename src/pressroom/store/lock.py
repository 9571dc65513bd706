"""The store lock: an OS file lock (flock) on ``.press/lock``.

Writers hold it exclusively, readers shared. The kernel drops a flock when
its process dies, so a killed ``press`` never leaves a lock that blocks: the
file stays, the lock does not.
"""

from __future__ import annotations

import fcntl
import os
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


@contextmanager
def locked(path: Path, *, exclusive: bool, timeout: float | None = None) -> Iterator[int]:
    """Hold the lock on ``path``; raise LockTimeoutError after ``timeout`` seconds."""
    timeout = lock_timeout() if timeout is None else timeout
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        deadline = time.monotonic() + timeout
        delay = 0.001
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
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
        yield fd
    finally:
        os.close(fd)
