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
(``PRESSROOM_EVENT``, ``PRESSROOM_RECORDS``, ...). A command's hooks run in
order and stop at the first that fails, like a Makefile recipe; the failure
is reported with its exit code and output and makes the command exit 1, but
the content change stays (it has happened). Each hook's output (stdout and
stderr together) is kept in its ``HookRun``, whether it failed or not.

A hook that runs longer than its timeout is stopped: its process group gets
SIGTERM, then SIGKILL a few seconds later, so what it started goes too; it
is reported as failed.

This module knows nothing of the workflow: the caller builds the document.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadContentError, Where

HOOK_EVENTS = ("after_publish", "after_unpublish", "after_archive", "after_delete", "after_schedule_run")
DEFAULT_TIMEOUT = 600.0
SHELL = "/bin/sh"
# A hook's output is reported; its end is what says why.
OUTPUT_LIMIT = 64 * 1024
# After SIGTERM, how long a timed-out hook's processes have to end before SIGKILL.
KILL_GRACE = 5.0
TIMED_OUT = 124  # the exit code timeout(1) reports


@dataclass(frozen=True)
class Hook:
    """One hook line of ``pressroom.yaml`` and the seconds it may run."""

    command: str
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class HookRun:
    """One hook that ran: its event, command, exit code and output (stdout and stderr, interleaved)."""

    event: str
    command: str
    exit_code: int
    output: str
    timed_out: bool = False
    timeout: float = DEFAULT_TIMEOUT  # the seconds it was allowed

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def parse_timeout(value: Any, label: str, path: str, line: int | None = None) -> float:
    """A positive number of seconds; a BadContentError says what is wrong."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise BadContentError(f"{path} must be a positive number of seconds, not {value!r}",
                              where=Where(file=label, line=line, path=path), hint=f"e.g. {path}: 600")
    return float(value)


def parse_hooks(value: Any, label: str, line: int | None = None,
                timeout: float = DEFAULT_TIMEOUT) -> dict[str, list[Hook]]:
    """The ``hooks`` setting as ``{event: [Hook, ...]}``; ``timeout`` is the default (``hooks_timeout``)."""
    if value is None:
        return {}

    def bad(message: str, path: str = "hooks") -> BadContentError:
        return BadContentError(message, where=Where(file=label, line=line, path=path),
                               hint='e.g. hooks: {after_publish: ["make build"]}; events: ' + ", ".join(HOOK_EVENTS))

    if not isinstance(value, dict):
        raise bad(f"hooks must map an event to commands, not {type(value).__name__}")
    out: dict[str, list[Hook]] = {}
    for event, commands in value.items():
        if event not in HOOK_EVENTS:
            raise bad(f"unknown hook event {event!r}", f"hooks.{event}")
        if isinstance(commands, (str, dict)):
            commands = [commands]
        if not isinstance(commands, list) or not commands:
            raise bad(f"hooks.{event} must be a command or a list of commands", f"hooks.{event}")
        hooks = []
        for i, item in enumerate(commands):
            at = f"hooks.{event}[{i}]"
            seconds = timeout
            if isinstance(item, dict):
                unknown = sorted(set(item) - {"run", "timeout"})
                if unknown:
                    raise bad(f"{at} has an unknown key {unknown[0]!r} (it knows run and timeout)", at)
                if "timeout" in item:
                    seconds = parse_timeout(item["timeout"], label, f"{at}.timeout", line)
                item = item.get("run")
            if not isinstance(item, str) or not item.strip():
                raise bad(f"{at} must be a command line (text), or {{run: command, timeout: seconds}}", at)
            hooks.append(Hook(item, seconds))
        out[event] = hooks
    return out


def environment(document: Mapping[str, Any]) -> dict[str, str]:
    """The ``PRESSROOM_*`` variables a hook gets: the document's summary."""
    changes = document.get("changes", [])
    return {
        "PRESSROOM_EVENT": str(document.get("event", "")),
        "PRESSROOM_COMMAND": str(document.get("command", "")),
        "PRESSROOM_SITE": str(document.get("site", "")),
        "PRESSROOM_RECORDS": " ".join(document.get("records", [])),
        "PRESSROOM_VERSIONS": " ".join(f"{c['record']}@{c['version']}" for c in changes if c.get("version")),
        "PRESSROOM_COUNT": str(len(document.get("records", []))),
        "PRESSROOM_COMMIT": str(document.get("commit") or ""),
        "PRESSROOM_AUTHOR": str(document.get("author", "")),
    }


def run_hooks(root: Path, event: str, hooks: list[Hook], document: Mapping[str, Any]) -> list[HookRun]:
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
