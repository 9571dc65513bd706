"""Times as the Python API gives them: timezone-aware ``datetime`` in UTC.

The store, the event logs, schedules, hook documents and every JSON output keep
times as ISO 8601 text in UTC to the second with a ``Z`` (``2026-12-01T19:15:03Z``);
``utc`` reads that text and ``iso_utc`` writes it back, byte for byte.
"""

from __future__ import annotations

import datetime as dt

from .errors import StoreDamagedError


def utc(text: str) -> dt.datetime:
    """A stored time as an aware UTC ``datetime``; text without an offset is read as UTC.

    StoreDamagedError when ``text`` is no ISO 8601 time: pressroom writes none such, so the
    file holding it was edited by hand or damaged.
    """
    try:
        when = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise StoreDamagedError(
            f"{text!r} is not a time (ISO 8601, like 2026-12-01T19:15:03Z)",
            hint="a version, an event log or a schedule in .press/ holds a time pressroom did not write "
                 "(edited by hand?): restore that file from git") from None
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc)


def utc_or_none(text: str | None) -> dt.datetime | None:
    """``utc(text)``, or None for None."""
    return None if text is None else utc(text)


def iso_utc(when: dt.datetime) -> str:
    """A time as the store and JSON write it: UTC, ISO 8601 to the second, with a ``Z``.

    A ``datetime`` without an offset is taken as UTC, as ``utc`` reads one.
    """
    aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def iso_or_none(when: dt.datetime | None) -> str | None:
    """``iso_utc(when)``, or None for None."""
    return None if when is None else iso_utc(when)
