"""Times printed for people are local (TZ honoured) with their offset; --json and scripts keep UTC."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from pressroom import Site
from pressroom.cli.output import jsonable, local_time, utc_time
from tests.conftest import run_press, write

NEW_YORK = {"TZ": "America/New_York"}


def _expected(utc: str | dt.datetime, zone: str) -> str:
    """The local form, worked out with zoneinfo rather than the function under test."""
    when = dt.datetime.fromisoformat(utc) if isinstance(utc, str) else utc
    local = when.astimezone(ZoneInfo(zone))
    offset = local.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{local:%Y-%m-%d %H:%M:%S} {sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@pytest.fixture
def in_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_local_time_takes_text_and_datetimes_alike(in_zone: None) -> None:
    winter = dt.datetime(2026, 12, 1, 19, 15, 3, tzinfo=dt.timezone.utc)
    assert local_time("2026-12-01T19:15:03Z") == local_time(winter) == "2026-12-01 14:15:03 -05:00"
    # Summer time, and a datetime with no offset read as the UTC the API means.
    assert local_time(dt.datetime(2030, 7, 1, 12, 0)) == "2030-07-01 08:00:00 -04:00"
    assert local_time("2030-07-01T14:00:00+02:00") == "2030-07-01 08:00:00 -04:00"
    assert local_time(None) == local_time("") == ""
    assert local_time("not a time") == "not a time"
    # Past the calendar's end in local time (schedule --at takes years 1 to 9999 UTC): shown in UTC.
    assert local_time("0001-01-01T00:00:00Z") == "0001-01-01T00:00:00Z"


def test_json_writes_any_time_as_utc_iso(in_zone: None) -> None:
    @dataclass
    class Result:
        at: dt.datetime
        text: str

    paris = dt.datetime(2026, 12, 1, 20, 15, 3, 500, tzinfo=ZoneInfo("Europe/Paris"))
    assert jsonable(Result(paris, "2026-12-01T19:15:03Z")) == {"at": "2026-12-01T19:15:03Z",
                                                               "text": "2026-12-01T19:15:03Z"}
    assert jsonable({"times": [paris]}) == {"times": ["2026-12-01T19:15:03Z"]}
    assert utc_time("2026-12-01T20:15:03+01:00") == utc_time(paris) == "2026-12-01T19:15:03Z"


@given(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2999, 12, 31),
                    timezones=st.just(dt.timezone.utc)),
       st.sampled_from(["America/New_York", "Asia/Kolkata", "Europe/Paris", "UTC", "Pacific/Chatham"]))
def test_the_local_form_reads_back_as_the_same_instant(when: dt.datetime, zone: str) -> None:
    """What a person copies from the output into --since or --at names the instant shown (to the second)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        shown = local_time(when)
        assert shown == _expected(when.isoformat(), zone)
        assert dt.datetime.fromisoformat(shown) == when.replace(microsecond=0)
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


def _out(site: Site, *args: str, env: dict[str, str] = NEW_YORK) -> str:
    result = run_press(site.root, "--no-pager", *args, env=env)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def _json(site: Site, *args: str) -> dict[str, object]:
    doc: dict[str, object] = json.loads(_out(site, *args, "--json"))
    return doc


def test_human_output_is_local_and_json_stays_utc(site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    site.publish("post/a")
    site.schedule("unpublish", "post/a", at="2030-07-01T12:00:00Z")
    (status,) = site.status().records
    assert status.updated_at is not None
    events = site.log().items
    version = site.log("post/a").entries[0]

    updated = _expected(status.updated_at, "America/New_York")
    assert updated.endswith(" -05:00") or updated.endswith(" -04:00")
    assert _out(site, "status").splitlines()[1].split("  ")[-2] == updated
    feed = _out(site, "log").splitlines()
    assert [line.split("  ")[0] for line in feed] == [_expected(e.time, "America/New_York") for e in events]
    # The schedule's own time, which its event's message holds in UTC, too; the message in --json as logged.
    assert feed[0].endswith(": unpublish at 2030-07-01 08:00:00 -04:00 (" + events[0].message.split(" (")[1])
    assert events[0].message.startswith("unpublish at 2030-07-01T12:00:00Z (")
    assert _out(site, "log", "--site").startswith(_expected(events[1].time, "America/New_York") + "  post/a  publish")
    assert f"  {_expected(version.time, 'America/New_York')}  " in _out(site, "log", "post/a")
    assert "2030-07-01 08:00:00 -04:00  pending" in _out(site, "schedule", "list")

    # The same times in --json, as the API gives them: UTC with a Z.
    status_doc = _json(site, "status")
    assert status_doc["data"]["records"][0]["updated_at"] == utc_time(status.updated_at)  # type: ignore[index]
    assert status_doc["data"]["records"][0]["updated_at"].endswith("Z")  # type: ignore[index]
    items = _json(site, "log")["data"]["items"]  # type: ignore[index]
    assert [(e["time"], e["message"]) for e in items] == [(utc_time(e.time), e.message) for e in events]
    assert _json(site, "schedule", "list")["data"]["schedules"][0]["at"] == "2030-07-01T12:00:00Z"  # type: ignore[index]

    # schedule next is read by pipelines: UTC on stdout, the local time in what it says on stderr.
    result = run_press(site.root, "schedule", "next", env=NEW_YORK)
    assert result.stdout.decode() == "2030-07-01T12:00:00Z\n"
    assert "at 2030-07-01 08:00:00 -04:00" in result.stderr.decode()


def test_a_time_copied_from_the_output_is_read_back(site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    shown = _out(site, "log").splitlines()[0].split("  ")[0]
    assert shown.endswith(("-05:00", "-04:00"))
    assert _out(site, "log", "--since", shown).splitlines()[0].startswith(shown)
    assert _out(site, "schedule", "publish", "post/a", "--at", "2030-07-01 08:00:00 -04:00").endswith(
        "at 2030-07-01 08:00:00 -04:00\n")
    assert _json(site, "schedule", "list")["data"]["schedules"][0]["at"] == "2030-07-01T12:00:00Z"  # type: ignore[index]


def test_tz_changes_only_the_human_form(site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    site.schedule("publish", "post/a", at="2030-01-15T23:30:00Z")
    kolkata = _out(site, "schedule", "list", env={"TZ": "Asia/Kolkata"})
    utc = _out(site, "schedule", "list", env={"TZ": "UTC"})
    assert "2030-01-16 05:00:00 +05:30" in kolkata
    assert "2030-01-15 23:30:00 +00:00" in utc
    assert (_out(site, "schedule", "list", "--json", env={"TZ": "Asia/Kolkata"})
            == _out(site, "schedule", "list", "--json", env={"TZ": "UTC"}))


def test_a_time_in_a_warning_is_local_in_text_and_utc_in_json(site: Site) -> None:
    write(site.root, "post/a", "title: One\n")
    site.save("post/a")
    write(site.root, "post/a", "title: Two\n")
    site.save("post/a")
    write(site.root, "post/a", "title: One\n")  # a stale checkout: the older version's bytes
    one = site.log("post/a").entries[-1]

    text = run_press(site.root, "save", "--all", env=NEW_YORK)
    assert text.returncode == 0
    assert f"(saved {_expected(one.time, 'America/New_York')})" in text.stderr.decode()
    assert utc_time(one.time) not in text.stderr.decode()

    (core,) = site.save(all=True).warnings
    (warning,) = _json(site, "save", "--all")["warnings"]  # type: ignore[misc]
    assert warning["message"] == core.message and f"(saved {utc_time(one.time)})" in core.message
