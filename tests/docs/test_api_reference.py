"""docs/api.md is current, and every public name of pressroom, with its methods and properties, has a docstring."""

from __future__ import annotations

import pressroom
from tests.docs.generators import DOCS, load_generator

REGENERATE = "run `python docs/gen_api.py` to regenerate docs/api.md"

gen = load_generator("gen_api")


def test_the_reference_is_exactly_what_the_generator_writes() -> None:
    assert (DOCS / "api.md").read_text(encoding="utf-8") == gen.render(), REGENERATE


def test_every_public_name_method_and_property_has_a_docstring() -> None:
    assert gen.missing_docstrings() == []


def test_every_public_name_has_a_section_and_site_lists_its_methods() -> None:
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    names = [n for n in pressroom.__all__ if not n.startswith("__")]
    assert len(names) > 40
    for name in names:
        assert f"\n### {name}\n" in page, name
    for method in ("open", "save", "publish", "records", "published", "export", "status", "log", "diff"):
        assert f"#### `Site.{method}(" in page, method


def test_a_dataclass_without_a_docstring_counts_as_missing() -> None:
    from dataclasses import dataclass

    @dataclass
    class Bare:
        x: int

    assert gen.own_doc(Bare) == ""
