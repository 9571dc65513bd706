"""Schedules carried out more than once: two clones each ran ``schedule run``, then git merged both.

Within one store a schedule moves from ``pending`` once, by compare-and-swap
under the lock (``workflow/schedule.py``). Two clones share no lock: each
carries out the same pending schedule, each runs the hooks (a deploy), and
git merges the two results cleanly (the same ref moves, the event logs are
a ``union``). The trace left is in the record's log: the events of a
scheduled publish or unpublish name their schedule, and each run commits
its own transaction, so a schedule whose events span more than one
transaction ran more than once.

Nothing here is repaired (the ref is where the schedule wanted it): the
report says what ran twice, so that someone checks what the second run's
hooks did, then ``press schedule ack ID`` records that it was seen. A
schedule's ``acknowledged`` field holds the number of runs seen; a run
merged in later is reported again.

This module reads schedule files as plain JSON, without the schedule module:
``status`` calls it, and the schedule module imports the publishing module,
which imports ``status``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from ..errors import PressError
from ..site import SiteCore
from .view import Violation

FOLDER = "schedules"
_ACTIONS = ("publish", "unpublish")


@dataclass(frozen=True)
class Runs:
    """The transactions that carried out one schedule, in log order."""

    schedule: str
    action: str
    record: str
    at: str
    txns: list[str]
    acknowledged: int


def runs_of(site: SiteCore, sid: str, record: str) -> list[str]:
    """The transactions whose events in ``record``'s log carried out schedule ``sid``."""
    try:
        events = site.store.read_log(record)
    except (PressError, ValueError):
        return []
    txns = [e.get("txn") for e in events if e.get("schedule") == sid and e.get("action") in _ACTIONS]
    return [t for t in dict.fromkeys(txns) if isinstance(t, str)]


def repeated_runs(site: SiteCore) -> list[Runs]:
    """Every done schedule carried out more often than acknowledged (once, unless ``press schedule ack``)."""
    folder = site.store.root / FOLDER
    try:
        names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    except (FileNotFoundError, NotADirectoryError):
        return []
    out = []
    for name in names:
        try:
            raw = site.store.read_file(f"{FOLDER}/{name}")
            doc = json.loads(raw) if raw is not None else None
            if not isinstance(doc, dict) or doc.get("state") != "done":
                continue
            sid, record, action, at = (str(doc[k]) for k in ("id", "record", "action", "at"))
            acknowledged = int(doc.get("acknowledged") or 0)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # an unreadable schedule is `schedule list`'s to report, with its file
        txns = runs_of(site, sid, record)
        if len(txns) > max(1, acknowledged):
            out.append(Runs(schedule=sid, action=action, record=record, at=at, txns=txns, acknowledged=acknowledged))
    return out


def duplicate_run_violations(site: SiteCore) -> list[Violation]:
    """Each schedule that ran more than once, as a violation that names the command acknowledging it."""
    return [Violation(
        "duplicate_schedule_run", r.record,
        f"schedule {r.schedule} ({r.action} at {r.at}) was carried out {len(r.txns)} times "
        f"(transactions {', '.join(t[:12] for t in r.txns)}): two clones each ran the due schedules "
        "(Site.run_schedule) and git merged both, so its hooks (a deploy) ran once per run",
        f"check what the extra runs' hooks did, then: Site.acknowledge_schedule('{r.schedule}')",
        cause="schedule.duplicate_run",
        data={"schedule": r.schedule, "action": r.action, "record": r.record, "at": r.at, "times": len(r.txns),
              "txns": ", ".join(t[:12] for t in r.txns)})
        for r in repeated_runs(site)]
