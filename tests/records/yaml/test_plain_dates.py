"""Plain dates read as they always did: ``2024-01-02`` is the text of the date, a day that does
not exist (``2024-02-30``) the text as written, as the earlier reading (ruamel's) made them.

The reading takes a date alone without ruamel (it is the commonest timestamp of a record);
ruamel's own timestamp code is the oracle here.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.util import create_timestamp, timestamp_regexp

from pressroom.records import load_record


def earlier_reading(text: str) -> str:
    match = timestamp_regexp.match(text)
    assert match is not None
    try:
        return str(create_timestamp(**match.groupdict()).isoformat())
    except ValueError:
        return text


@given(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99))
@settings(max_examples=300, deadline=None)
def test_a_plain_date_reads_as_the_earlier_reading_did(year: int, month: int, day: int) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}"
    assert load_record(f"date: {text}\n".encode(), "x") == {"date": earlier_reading(text)}


def test_dates_with_a_time_still_take_the_earlier_reading() -> None:
    for text in ("2024-01-02 10:00:00", "2024-1-2T3:04:05.5Z", "2024-01-02t10:00:00 +01:00"):
        assert load_record(f"at: {text}\n".encode(), "x") == {"at": earlier_reading(text)}


def test_a_day_that_does_not_exist_stays_text() -> None:
    assert load_record(b"a: 2024-02-30\nb: 2023-02-29\nc: 2024-02-29\n", "x") == {
        "a": "2024-02-30", "b": "2023-02-29", "c": "2024-02-29"}
