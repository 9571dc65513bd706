"""Hooks: commands ``pressroom.yaml`` names to run after a command changed the published view.

::

    hooks:
      after_publish: ["make build"]
      after_unpublish: ["make build"]
      after_schedule_run: ["./notify.sh"]

A hook runs once per event of a successful command, with the site root as
its working directory. It gets the change as a JSON document on stdin and as
environment variables (``PRESSROOM_EVENT``, ``PRESSROOM_RECORDS``, ...). A
command's hooks run in order and stop at the first that fails, like a
Makefile recipe; the failure is reported with its exit code and output and
makes the command exit 1, but the content change stays (it has happened).

A hook string runs without a shell when it is a plain command line (split
like a shell would, quotes included): ``make build``, ``./deploy.sh "my site"``.
One that uses shell syntax (pipes, ``&&``, redirection, variables, globs,
``VAR=value cmd``) runs with ``/bin/sh -c``.

This module knows nothing of the workflow: the caller builds the document.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadContentError, Where

HOOK_EVENTS = ("after_publish", "after_unpublish", "after_archive", "after_delete", "after_schedule_run")
# A failing hook's output is reported; its end is what says why.
OUTPUT_LIMIT = 64 * 1024
_SHELL_SYNTAX = re.compile(r"[|&;<>()$`\\*?\[\]{}~!#\n]")


@dataclass(frozen=True)
class HookRun:
    """One hook that ran: its event, command, exit code and output (stdout and stderr, interleaved)."""

    event: str
    command: str
    exit_code: int
    output: str
    shell: bool

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def parse_hooks(value: Any, label: str, line: int | None = None) -> dict[str, list[str]]:
    """The ``hooks`` setting as ``{event: [command, ...]}``; a BadContentError says what is wrong."""
    if value is None:
        return {}

    def bad(message: str, path: str = "hooks") -> BadContentError:
        return BadContentError(message, where=Where(file=label, line=line, path=path),
                               hint='e.g. hooks: {after_publish: ["make build"]}; events: ' + ", ".join(HOOK_EVENTS))

    if not isinstance(value, dict):
        raise bad(f"hooks must map an event to commands, not {type(value).__name__}")
    out: dict[str, list[str]] = {}
    for event, commands in value.items():
        if event not in HOOK_EVENTS:
            raise bad(f"unknown hook event {event!r}", f"hooks.{event}")
        if isinstance(commands, str):
            commands = [commands]
        if not isinstance(commands, list) or not commands:
            raise bad(f"hooks.{event} must be a command or a list of commands", f"hooks.{event}")
        for i, command in enumerate(commands):
            if not isinstance(command, str) or not command.strip():
                raise bad(f"hooks.{event}[{i}] must be a command line (text)", f"hooks.{event}[{i}]")
            if not needs_shell(command):
                try:
                    shlex.split(command)
                except ValueError as e:
                    raise bad(f"hooks.{event}[{i}] cannot be read as a command line: {e}",
                              f"hooks.{event}[{i}]") from None
        out[event] = list(commands)
    return out


def needs_shell(command: str) -> bool:
    """Whether ``command`` uses shell syntax (then it runs with ``sh -c``)."""
    if _SHELL_SYNTAX.search(command):
        return True
    first = command.split(None, 1)[0] if command.split() else ""
    return "=" in first  # VAR=value cmd


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


def run_hooks(root: Path, event: str, commands: list[str], document: Mapping[str, Any]) -> list[HookRun]:
    """Run ``commands`` in order with ``document`` on stdin; stop after the first that fails."""
    stdin = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False).encode() + b"\n"
    env = {**os.environ, **environment(document)}
    runs: list[HookRun] = []
    for command in commands:
        run = _run_one(root, event, command, stdin, env)
        runs.append(run)
        if not run.ok:
            break
    return runs


def _run_one(root: Path, event: str, command: str, stdin: bytes, env: dict[str, str]) -> HookRun:
    shell = needs_shell(command)
    args: str | list[str] = command if shell else shlex.split(command)
    try:
        proc = subprocess.run(args, shell=shell, cwd=root, env=env, input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
    except FileNotFoundError:
        return HookRun(event, command, 127, f"command not found: {args[0]}", shell)
    except PermissionError:
        return HookRun(event, command, 126, f"permission denied: {args[0]}", shell)
    output = proc.stdout[-OUTPUT_LIMIT:].decode("utf-8", errors="replace")
    code = proc.returncode
    # A hook killed by a signal: report it as the shell would (128 + signal).
    return HookRun(event, command, 128 - code if code < 0 else code, output, shell)
