"""The record loader reads every document exactly as ruamel's safe C loader does.

``load_record`` parses with a loader class built once (not one per document);
the data must be what ``YAML(typ="safe", pure=False).load`` gives, for the
scalars YAML 1.1 and 1.2 disagree on, too.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from pressroom import BadContentError
from pressroom.records import load_record, parse_scalar

# Plain scalars that some YAML version reads as something other than text.
TRICKY = ["yes", "No", "on", "OFF", "y", "n", "true", "False", "null", "~", "", "010", "0o10", "0x1F", "1_000",
          "1:30", "190:20:30", "+12", "-0", "1e3", "1.5e-3", ".inf", "-.Inf", ".nan", "2024-02-29",
          "2024-02-29 12:30:00", "2024-02-29T12:30:00+02:00", "0b101", "=", "<<", "12.", ".5", "1,000",
          "0.1.2", "'quoted'", '"dq"']


def _reference(text: str) -> object:
    yaml = YAML(typ="safe", pure=False)
    yaml.allow_duplicate_keys = False
    return yaml.load(text)


def _plain(value: object) -> object:
    """The reference data as load_record returns it (dates as ISO strings)."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _check(text: str) -> None:
    """load_record gives the reference's data, or refuses what the reference refuses."""
    try:
        expected = _plain(_reference(text))
    except Exception:  # noqa: BLE001 - whatever the reference cannot read, load_record refuses
        with pytest.raises(BadContentError):
            load_record(text.encode(), "x")
        return
    if isinstance(expected, dict):
        assert _same(load_record(text.encode(), "x"), expected)


@pytest.mark.filterwarnings("ignore::Warning")
@pytest.mark.parametrize("directive", ["", "%YAML 1.1\n---\n", "%YAML 1.2\n---\n"])
@pytest.mark.parametrize("value", TRICKY)
def test_tricky_scalars_read_as_the_reference_loader_reads_them(directive: str, value: str) -> None:
    _check(f"{directive}key: {value}\nlist: [{value}, x]\n")


@pytest.mark.filterwarnings("ignore::Warning")
@given(st.lists(st.tuples(st.sampled_from(TRICKY) | st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]),
                                                            max_size=12),
                          st.sampled_from(["plain", "list", "nested"])), min_size=1, max_size=8))
def test_documents_read_as_the_reference_loader_reads_them(items: list[tuple[str, str]]) -> None:
    lines = []
    for i, (value, shape) in enumerate(items):
        if shape == "plain":
            lines.append(f"f{i}: {value}")
        elif shape == "list":
            lines.append(f"f{i}: [{value}, x]")
        else:
            lines.append(f"f{i}:\n  inner: {value}")
    _check("\n".join(lines) + "\n")


def test_duplicate_keys_are_still_refused() -> None:
    with pytest.raises(BadContentError, match="not valid YAML"):
        load_record(b"title: a\ntitle: b\n", "post/x.yaml")


def test_set_values_read_as_yaml_scalars() -> None:
    assert parse_scalar("yes") == "yes"
    assert parse_scalar("3") == 3
    assert parse_scalar("[a, b]") == ["a", "b"]
    assert parse_scalar("2024-01-02") == "2024-01-02"
