"""YAML and Markdown exports read back as exactly the data, by YAML 1.2 and YAML 1.1 readers alike."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from pressroom import Status
from pressroom.delivery import Record
from pressroom.export import markdown_bytes, yaml_bytes
from pressroom.times import utc, utc_or_none

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False) | text
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                      max_leaves=12)
documents = st.dictionaries(text, values, max_size=6)


def read(data: bytes, version: str) -> object:
    yaml = YAML(typ="safe", pure=True)
    prefix = b"%YAML 1.1\n---\n" if version == "1.1" else b""
    return yaml.load(prefix + data)


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isinf(a) and a == b)
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@given(documents)
def test_yaml_export_round_trips(doc: dict) -> None:
    data = yaml_bytes(doc)
    for version in ("1.2", "1.1"):
        assert same(read(data, version), doc), (version, data)


@given(documents, text, st.booleans(), st.none() | st.just("2024-01-01T00:00:00Z"))
def test_markdown_front_matter_and_body_round_trip(doc: dict, body: str, draft: bool,
                                                    published_at: str | None) -> None:
    doc = {k: v for k, v in doc.items() if k not in ("body", "pressroom")}
    # The API's times are datetimes; the front matter writes them as the store's text.
    rec = Record(record="post/x", model="post", id="x", version="a" * 64, status=Status.PUBLISHED,
                 published_at=utc_or_none(published_at), updated_at=utc("2024-01-01T00:00:00Z"),
                 data={**doc, "body": body}, draft=draft, labels={"author/ada": "Ada"})
    out = markdown_bytes(rec, "body")
    assert out.startswith(b"---\n")
    front, _, rest = out[4:].partition(b"\n---\n")
    meta = read(front + b"\n", "1.2")
    # Hugo's draft and lastmod keys come after the fields, unless a field has their name.
    expected = dict(doc)
    if draft:
        expected.setdefault("draft", True)
    if published_at is not None:
        expected.setdefault("lastmod", published_at)
    assert same({k: v for k, v in meta.items() if k != "pressroom"}, expected)
    assert meta["pressroom"]["version"] == "a" * 64
    assert (meta["pressroom"]["draft"], meta["pressroom"]["published_at"]) == (draft, published_at)
    assert meta["pressroom"]["labels"] == {"author/ada": "Ada"}
    expected_body = body if not body or body.endswith("\n") else body + "\n"
    assert rest.decode("utf-8") == expected_body
