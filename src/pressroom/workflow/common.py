"""What every workflow command shares: the time of an action and its event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import Problem, RefusedError


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
