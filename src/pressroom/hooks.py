"""Hooks: commands ``pressroom.yaml`` names to run after a command changed the published view.

::

    hooks_timeout: 600                 # seconds a hook may run (the default)
    hooks:
      after_publish: ["make build"]
      after_unpublish: ["cd site && make build"]
      after_schedule_run:
        - {run: ./notify.sh, timeout: 30}

A hook runs once per event of a successful command, with the site root as
its working directory. Every hook line runs with ``/bin/sh -c``, as git runs
a ``!`` alias and make and npm run their recipes and scripts: quotes, ``&&``,
pipes, redirections and variables all mean what they mean in a shell. It
gets the change as a JSON document on stdin and as environment variables
(``PRESSROOM_EVENT``, ``PRESSROOM_RECORDS``, ``PRESSROOM_SCHEDULE_IDS``: the
schedules a ``schedule run`` carried out, ...). A command's hooks run in
order and stop at the first that fails, like a Makefile recipe; the failure
is reported with its exit code and output and makes the command exit 1, but
the content change stays (it has happened). Each hook's output (stdout and
stderr together) is kept in its ``HookRun``, whether it failed or not.

A hook that runs longer than its timeout is stopped: its process group gets
SIGTERM, then SIGKILL a few seconds later, so what it started goes too; it
is reported as failed.

The settings are checked and parsed when the site opens (``settings``);
this module runs what they name. It knows nothing of the workflow: the
caller builds the document.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import NotRequired, TypedDict

from .outcome import HookRun
from .settings import Hook

SHELL = "/bin/sh"
# A hook's output is reported; its end is what says why.
OUTPUT_LIMIT = 64 * 1024
# After SIGTERM, how long a timed-out hook's processes have to end before SIGKILL.
KILL_GRACE = 5.0
TIMED_OUT = 124  # the exit code timeout(1) reports


class ChangeDocument(TypedDict):
    """One thing the command did to one record (``automation.Change``)."""

    action: str
    record: str
    version: str | None
    old: str | None
    reason: str
    via: str | None
    schedule: str | None
    stage: str | None
    path: str | None


class ScheduleDocument(TypedDict):
    """One due schedule of a ``schedule run`` and what the run did with it."""

    id: str
    action: str
    record: str
    version: str | None
    at: str
    outcome: str
    note: str | None
    errors: list[dict[str, object]]


class HookDocument(TypedDict):
    """The JSON a hook reads on stdin; ``schedules`` only for ``schedule run``."""

    version: int
    event: str
    command: str
    site: str
    time: str
    author: str
    message: str
    records: list[str]
    changes: list[ChangeDocument]
    schedule_ids: list[str]
    commit: str | None
    schedules: NotRequired[list[ScheduleDocument]]


def environment(document: HookDocument) -> dict[str, str]:
    """The ``PRESSROOM_*`` variables a hook gets: the document's summary."""
    changes = document["changes"]
    return {
        "PRESSROOM_EVENT": document["event"],
        "PRESSROOM_COMMAND": document["command"],
        "PRESSROOM_SITE": document["site"],
        "PRESSROOM_RECORDS": " ".join(document["records"]),
        "PRESSROOM_VERSIONS": " ".join(f"{c['record']}@{c['version']}" for c in changes if c["version"]),
        # What happened to each record, for a run that both publishes and unpublishes.
        "PRESSROOM_ACTIONS": " ".join(f"{c['action']}:{c['record']}" for c in changes),
        "PRESSROOM_COUNT": str(len(document["records"])),
        "PRESSROOM_COMMIT": document["commit"] or "",
        "PRESSROOM_AUTHOR": document["author"],
        "PRESSROOM_SCHEDULE_IDS": " ".join(document["schedule_ids"]),
    }


def run_hooks(root: Path, event: str, hooks: list[Hook], document: HookDocument) -> list[HookRun]:
    """Run ``hooks`` in order with ``document`` on stdin; stop after the first that fails."""
    stdin = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False).encode() + b"\n"
    env = {**os.environ, **environment(document)}
    runs: list[HookRun] = []
    for hook in hooks:
        run = _run_one(root, event, hook, stdin, env)
        runs.append(run)
        if not run.ok:
            break
    return runs


def _run_one(root: Path, event: str, hook: Hook, stdin: bytes, env: dict[str, str]) -> HookRun:
    try:
        # A process group of its own, so a timeout stops what the hook started too.
        proc = subprocess.Popen([SHELL, "-c", hook.command], cwd=root, env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as e:
        return HookRun(event, hook.command, 127, f"cannot run {SHELL}: {e.strerror or e}", timeout=hook.timeout)
    timed_out = False
    try:
        data, _ = proc.communicate(stdin, timeout=hook.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        data = _stop(proc)
    except BaseException:
        # press itself interrupted (Ctrl-C): the hook's group would go on without it.
        _signal_group(proc, signal.SIGKILL)
        raise
    output = data[-OUTPUT_LIMIT:].decode("utf-8", errors="replace")
    if timed_out:
        return HookRun(event, hook.command, TIMED_OUT, output, timed_out=True, timeout=hook.timeout)
    code = proc.returncode
    # A hook killed by a signal: report it as the shell would (128 + signal).
    return HookRun(event, hook.command, 128 - code if code < 0 else code, output, timeout=hook.timeout)


def _stop(proc: subprocess.Popen[bytes]) -> bytes:
    """End a timed-out hook's process group (SIGTERM, then SIGKILL); the output it wrote."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        _signal_group(proc, sig)
        try:
            data, _ = proc.communicate(timeout=KILL_GRACE)
            return data
        except subprocess.TimeoutExpired:
            continue
    # Something outside the group still holds the output pipe open: stop waiting for it.
    proc.kill()
    proc.wait()
    return b"(output lost: a process the hook started outside its process group still holds it)\n"


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
