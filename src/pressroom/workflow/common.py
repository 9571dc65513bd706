"""What every workflow command shares: times (now, and as ``schedule --at`` reads them) and events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import Problem, RefusedError, UsageError
from ..settings import duration_seconds


def now_iso() -> str:
    """The current UTC time, to the second, as ISO 8601 with a Z."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def event(action: str, *, author: str, time: str, old: str | None, new: str | None, message: str = "",
          **extra: Any) -> dict[str, Any]:
    """One event-log line (the store adds the transaction id)."""
    return {"action": action, "author": author, "time": time, "old": old, "new": new, "message": message, **extra}


def refusal(problems: list[Problem], what: str) -> RefusedError:
    """One error for a batch: the problem itself when alone, else a count and the list."""
    if len(problems) == 1:
        p = problems[0]
        return RefusedError(p.message, where=p.where, hint=p.hint, problems=problems, cause=p.cause, data=p.data)
    records = len({p.where.record or p.where.file for p in problems})
    return RefusedError(f"{len(problems)} problem(s) in {records} record(s): {what}", problems=problems)


def parse_time(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """ISO 8601 with an offset (``2025-06-01T09:00:00+02:00``, ``...Z``) or ``+30m``/``+2h``/``+3d``/``+1w``."""
    text = text.strip()
    try:
        return _parse_time(text, now)
    except OverflowError:
        raise UsageError(f"{text!r} is out of range", hint="a time between the years 1 and 9999 (UTC)") from None


def _parse_time(text: str, now: dt.datetime | None) -> dt.datetime:
    seconds = duration_seconds(text[1:]) if text.startswith("+") else None
    if seconds is not None:
        base = now or dt.datetime.now(dt.timezone.utc)
        return (base + dt.timedelta(seconds=seconds)).replace(microsecond=0)
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"cannot read {text!r} as a time",
                         hint="ISO 8601 with an offset (2025-06-01T09:00:00+02:00 or ...Z), or +30m, +2h, +3d, +1w"
                         ) from None
    if when.tzinfo is None:
        raise UsageError(f"{text!r} has no UTC offset, so it names no single instant",
                         hint=f"add one: {text}Z for UTC, or {text}+02:00")
    return when.astimezone(dt.timezone.utc).replace(microsecond=0)


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
