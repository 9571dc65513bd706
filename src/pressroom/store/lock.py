"""The store lock: an OS file lock (flock) on the ``.press`` folder itself.

Writers hold it exclusively, readers shared. The kernel drops a flock when
its process dies, so a killed ``press`` never leaves a lock that blocks.

The folder, not a file in it: a lock file is local to the machine, so it is
gitignored, and ``git clean -fdX`` removes ignored files. A writer holding a
flock on a file that was unlinked still holds it, but the next writer
creates a new file at the same path, locks that, and gets in beside the
first. Checking after the lock that the file is still the one at the path
does not help: the second writer's file is. The ``.press`` folder holds
tracked files, so git never removes it while press runs. (``.press/lock``
remains: the turnstile below, whose loss costs fairness for an instant,
never exclusion.)
"""

from __future__ import annotations

import errno
import fcntl
import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LockTimeoutError, RefusedError, UsageError, Where

DEFAULT_TIMEOUT = 30.0


def lock_timeout() -> float:
    """Seconds to wait for the lock: ``PRESSROOM_LOCK_TIMEOUT`` or 30; a value that is not one is a usage error."""
    text = os.environ.get("PRESSROOM_LOCK_TIMEOUT")
    if text is None or not text.strip():
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    # NaN would never time out, and a negative wait makes no sense: both are typos, not wishes.
    if math.isnan(seconds) or seconds < 0:
        raise UsageError(f"PRESSROOM_LOCK_TIMEOUT={text!r} is not a number of seconds",
                         hint="e.g. PRESSROOM_LOCK_TIMEOUT=60, or unset it for the default (30)")
    return seconds


# Shared holds of this process, per lock file and thread: (fd, depth).
_reading: dict[tuple[str, int], tuple[int, int]] = {}
# Exclusive holds of this process, per lock file and thread: their fd.
_writing: dict[tuple[str, int], int] = {}

# What the system says when a folder cannot be written: a read-only mount, or
# a checkout owned by someone else.
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


def is_read_only(error: OSError) -> bool:
    """Whether ``error`` says the store's folder cannot be written."""
    return error.errno in _READ_ONLY


def read_only_error(folder: Path, error: OSError) -> RefusedError:
    """The error for a command that must write to a store it cannot write."""
    return RefusedError(
        f"the store is read-only ({error.strerror}): this command changes it",
        where=Where(file=str(folder)),
        hint="run it where the store can be written; reading commands (status, show, log, export) work here",
    )


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
    """Hold the lock of the store whose lock file is ``path`` (a flock on its folder);
    raise LockTimeoutError after ``timeout`` seconds.

    A stream of readers must not starve a writer, so the lock file is a
    turnstile: a writer holds it exclusively while it waits for the lock, and
    a reader passes it shared, queueing behind a waiting writer. A thread that
    already reads reads on under its hold: waiting at the turnstile then would
    wait for a writer that waits for this very hold. A thread that holds the
    lock exclusively has whatever it asks for under that hold (gc reads the
    schedules under its own lock); a second flock would wait for itself.
    """
    timeout = lock_timeout() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    key = (os.path.abspath(path), threading.get_ident())
    if key in _writing:
        yield _writing[key]
        return
    if not exclusive and key in _reading:
        fd, depth = _reading[key]
        _reading[key] = (fd, depth + 1)
        try:
            yield fd
        finally:
            _reading[key] = (fd, depth)
        return
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        gate: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        if not is_read_only(e):
            raise
        if exclusive:
            raise read_only_error(path.parent, e) from None
        gate = _open_read_only(path)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except BaseException:
        if gate is not None:
            os.close(gate)
        raise
    try:
        try:
            if gate is not None:
                _take(gate, mode, deadline, timeout, path)
            _take(fd, mode, deadline, timeout, path)
        finally:
            if gate is not None:
                os.close(gate)
        if exclusive:
            _writing[key] = fd
        else:
            _reading[key] = (fd, 1)
        try:
            yield fd
        finally:
            if exclusive:
                del _writing[key]
            else:
                del _reading[key]
    finally:
        os.close(fd)


# A reader on a store it cannot write (a read-only mount, another user's
# checkout; the lock file is gitignored, so a fresh checkout has none).
# flock needs no write access: the folder is locked as usual, and a writer on
# another mount of the same files waits for the reader or is waited for. An
# existing lock file is opened read-only to pass the turnstile; without one
# the reader goes straight to the folder.


def _open_read_only(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
