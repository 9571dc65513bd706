"""The quick schema check answers as jsonschema does, and errors stay jsonschema's.

``schemafast.quick_check`` lets ``Model.validate`` skip jsonschema's walk for
valid records. It is only sound if its yes/no is jsonschema's: checked here
on random schemas of the keywords it knows and random data (Hypothesis), on
the benchmark site's schemas, and through the public API (the problems of an
invalid record are the same as before).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from pressroom import Site
from pressroom.schemafast import quick_check

from pressroom.records import load_record


def _load_gensite() -> ModuleType:
    """The benchmarks' site generator, loaded from its file (benchmarks/ is no package)."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "gensite.py"
    spec = importlib.util.spec_from_file_location("bench_gensite", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the file runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gensite = _load_gensite()

KEYS = ["a", "b", "title", "x1", "tags"]
PATTERNS = ["^a", "[0-9]", "^$", "le"]
FORMATS = ["email", "date", "ipv4", "uri", "no-such-format"]


def _validator(schema: Any) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-5, 5, allow_nan=False) | st.sampled_from(
        ["", "a", "abc", "2024-01-02", "x@y.z", "1.2.3.4", "le1", "Title", "#00ff00"]) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=3),
                                                               inner, max_size=4),
    max_leaves=12,
)

TYPES = st.sampled_from(["string", "integer", "number", "boolean", "null", "object", "array"])


def _schemas() -> st.SearchStrategy[Any]:
    leaf = st.one_of(
        st.booleans(),
        st.fixed_dictionaries({"type": TYPES | st.lists(TYPES, min_size=1, max_size=3, unique=True)}),
        st.fixed_dictionaries({"minLength": st.integers(0, 3)}, optional={"maxLength": st.integers(0, 4)}),
        st.fixed_dictionaries({"pattern": st.sampled_from(PATTERNS)}),
        st.fixed_dictionaries({"format": st.sampled_from(FORMATS)}),
        st.fixed_dictionaries({}, optional={"minimum": st.integers(-3, 3), "maximum": st.floats(-3, 3),
                                            "exclusiveMinimum": st.integers(-3, 3),
                                            "exclusiveMaximum": st.integers(-3, 3)}),
        st.fixed_dictionaries({"enum": st.lists(st.sampled_from(["a", "abc", "", "Title"]), max_size=3)}),
        st.fixed_dictionaries({"const": st.sampled_from(["a", "le1"])}),
        st.fixed_dictionaries({"required": st.lists(st.sampled_from(KEYS), max_size=3, unique=True)}),
        st.fixed_dictionaries({}, optional={"minItems": st.integers(0, 3), "maxItems": st.integers(0, 3),
                                            "minProperties": st.integers(0, 3),
                                            "maxProperties": st.integers(0, 3)}),
        st.just({"title": "an annotation", "x-link": "author", "description": "ignored"}),
    )

    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.fixed_dictionaries({"properties": st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)},
                                  optional={"additionalProperties": st.booleans() | inner,
                                            "patternProperties": st.dictionaries(st.sampled_from(PATTERNS), inner,
                                                                                 max_size=2),
                                            "required": st.lists(st.sampled_from(KEYS), max_size=2, unique=True),
                                            "type": st.just("object")}),
            st.fixed_dictionaries({"items": inner}, optional={"type": st.just("array"),
                                                              "minItems": st.integers(0, 2)}),
            st.fixed_dictionaries({"propertyNames": inner}),
            st.fixed_dictionaries({"allOf": st.lists(inner, min_size=1, max_size=3)}),
            st.fixed_dictionaries({"anyOf": st.lists(inner, min_size=1, max_size=3)}),
            st.fixed_dictionaries({"oneOf": st.lists(inner, min_size=1, max_size=3)}),
            st.fixed_dictionaries({"not": inner}),
        )

    return st.recursive(leaf, extend, max_leaves=8)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=_schemas(), data=st.lists(json_values, min_size=1, max_size=6))
def test_quick_check_answers_as_jsonschema(schema: Any, data: list[Any]) -> None:
    validator = _validator(schema)
    check = quick_check(validator)
    assert check is not None, schema
    for value in data:
        assert check(value) == validator.is_valid(value), (schema, value)


def test_schemas_with_keywords_it_does_not_know_get_no_quick_check() -> None:
    for schema in ({"$defs": {"a": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/a"}}},
                   {"if": {"type": "string"}, "then": {"minLength": 1}},
                   {"type": "array", "uniqueItems": True},
                   {"multipleOf": 3},
                   {"prefixItems": [{"type": "string"}], "items": False},
                   {"enum": [1, True, None]},
                   {"unevaluatedProperties": False}):
        assert quick_check(_validator(schema)) is None, schema


def test_the_benchmark_records_and_their_edits_answer_as_jsonschema(tmp_path: Path) -> None:
    gensite.generate(tmp_path, 300)
    checked = invalid = 0
    for model in gensite.MODELS:
        schema = load_record(gensite.MODELS[model].encode(), model)["schema"]
        validator = _validator(schema)
        check = quick_check(validator)
        assert check is not None, model
        for path in sorted((tmp_path / "content" / model).iterdir()):
            data = load_record(path.read_bytes(), path.name)
            # Each record, and each record with one field broken in a way its schema refuses.
            variants = [data, {**data, "extra": 1}, {k: v for k, v in data.items() if k != "name"},
                        {**data, "title": "x" * 201}, {**data, "slug": "Not A Slug"},
                        {**data, "reading_minutes": 0}, {**data, "tags": ["t1", 3]},
                        {**data, "colour": "red"}, {**data, "role": "boss"}]
            for value in variants:
                valid = validator.is_valid(value)
                assert check(value) == valid, (model, path.name, value)
                checked += 1
                invalid += not valid
    assert checked > 1000 and invalid > 500


def test_invalid_records_report_jsonschema_problems(site: Site) -> None:
    """Through the API: a valid record passes, an invalid one gets jsonschema's messages, each at its field."""
    tmp_path = site.root
    for model, text in gensite.MODELS.items():
        (tmp_path / "models" / f"{model}.yaml").write_text(text, encoding="utf-8")
        (tmp_path / "content" / model).mkdir(parents=True, exist_ok=True)
    (tmp_path / "content" / "author" / "ada.yaml").write_text("name: Ada\nemail: ada@example.org\n", encoding="utf-8")
    (tmp_path / "content" / "post" / "good.yaml").write_text("title: Hi\nauthor: ada\nbody: text\n", encoding="utf-8")
    (tmp_path / "content" / "post" / "bad.yaml").write_text(
        "title: Hi\nbody: 3\nslug: Not A Slug\nreading_minutes: 0\nextra: 1\n", encoding="utf-8")
    problems = site.validate("post/bad", "post/good").problems
    got = sorted((p.where.record, p.where.path, p.message) for p in problems)
    assert got == [
        ("post/bad", "author", "'author' is required"),
        ("post/bad", "body", "3 is not of type 'string'"),
        ("post/bad", "extra", "'extra' is not a field of this model"),
        ("post/bad", "reading_minutes", "0 is less than the minimum of 1"),
        ("post/bad", "slug", "'Not A Slug' does not match '^[a-z0-9-]+$'"),
    ]
