"""The shapes of the ``pressroom.yaml`` settings that the layers above act on: hooks and git.

``site.load_config`` checks them when the site opens, so a bad setting is
reported (file, line, setting) before a command changes anything, and keeps
the parsed values in ``site.config``. ``hooks`` and ``automation`` act on
those values; they never read the file again. This module sits below the
site, next to the records, and knows nothing of running hooks or of git.
It also reads the durations that options are written in (``gc --grace``,
``schedule --at +2h``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import BadContentError, Where

HOOK_EVENTS = ("after_publish", "after_unpublish", "after_archive", "after_delete", "after_schedule_run")
DEFAULT_HOOKS_TIMEOUT = 600.0
# The keys of a hook given as a mapping, and of the git setting (docs/settings.md lists them).
HOOK_KEYS = ("run", "timeout")
GIT_KEYS = ("commit",)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class Hook:
    """One hook line of ``pressroom.yaml`` and the seconds it may run."""

    command: str
    timeout: float = DEFAULT_HOOKS_TIMEOUT


def parse_timeout(value: Any, label: str, path: str, line: int | None = None) -> float:
    """A positive number of seconds; a BadContentError says what is wrong."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise BadContentError(f"{path} must be a positive number of seconds, not {value!r}",
                              where=Where(file=label, line=line, path=path), hint=f"e.g. {path}: 600")
    return float(value)


def parse_hooks(value: Any, label: str, line: int | None = None,
                timeout: float = DEFAULT_HOOKS_TIMEOUT) -> dict[str, list[Hook]]:
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
                unknown = sorted(set(item) - set(HOOK_KEYS))
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


def duration_seconds(text: str) -> float | None:
    """``30s``, ``15m``, ``1.5h``, ``7d``, ``1w`` or plain seconds, as seconds; None when ``text`` is none of these."""
    m = _DURATION.match(text)
    return float(m.group(1)) * _UNIT_SECONDS[m.group(2)] if m else None


def parse_git(value: Any, label: str, line: int | None = None) -> bool:
    """``git: {commit: true}``: whether every command commits its files; a BadContentError says what is wrong."""
    if value is None:
        return False
    where = Where(file=label, line=line, path="git")
    if not isinstance(value, dict):
        raise BadContentError(f"git must be a mapping like {{commit: true}}, not {type(value).__name__}",
                              where=where)
    unknown = sorted(set(value) - set(GIT_KEYS))
    if unknown:
        raise BadContentError(f"unknown git setting {unknown[0]!r}",
                              where=Where(file=label, line=line, path=f"git.{unknown[0]}"),
                              hint="the git setting knows: commit (true: every command commits its files)")
    commit = value.get("commit", False)
    if not isinstance(commit, bool):
        raise BadContentError(f"git.commit must be true or false, not {commit!r}",
                              where=Where(file=label, line=line, path="git.commit"))
    return commit
