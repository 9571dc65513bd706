"""docs/settings.md is current and lists every key the code accepts, and what it shows is accepted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.errors import BadContentError
from pressroom.models import MODEL_OPTIONS, STRATEGIES
from pressroom.serve.service import SERVE_KEYS
from pressroom.settings import GIT_KEYS, HOOK_EVENTS, HOOK_KEYS
from pressroom.site import CONFIG_KEYS
from tests.docs.generators import DOCS, load_generator

PAGE = DOCS / "settings.md"
REGENERATE = "run `python docs/gen_settings.py` to regenerate docs/settings.md"

gen = load_generator("gen_settings")


def _rows(title: str) -> list[list[str]]:
    """The table rows of a section of the page, as their cells."""
    text = PAGE.read_text(encoding="utf-8").split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in text.splitlines()
            if line.startswith("| `")]


def test_the_page_is_exactly_what_the_generator_writes() -> None:
    assert PAGE.read_text(encoding="utf-8") == gen.render(), REGENERATE


def test_every_pressroom_yaml_key_the_code_accepts_is_listed() -> None:
    listed = {row[0].strip("`") for row in _rows("pressroom.yaml")}
    assert set(CONFIG_KEYS) <= listed
    assert {f"git.{k}" for k in GIT_KEYS} | {f"serve.{k}" for k in SERVE_KEYS} <= listed
    assert {f"hooks.<event>[].{k}" for k in HOOK_KEYS} <= listed
    page = PAGE.read_text(encoding="utf-8")
    assert all(f"`{event}`" in page for event in HOOK_EVENTS)


def test_every_model_option_and_link_strategy_is_listed() -> None:
    options = {row[0].strip("`") for row in _rows("Model files: models/<model>.yaml")}
    assert options == set(MODEL_OPTIONS)
    strategies = {(row[0].strip("`"), row[1].split("`")[1]) for row in _rows("Links: x-link") if len(row) == 3}
    assert strategies == {(key, s) for key, choices in STRATEGIES.items() for s in choices}


def test_a_key_the_generator_does_not_explain_stops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen, "CONFIG_KEYS", {*CONFIG_KEYS, "new_setting"})
    with pytest.raises(ValueError, match="new_setting"):
        gen.render()


def test_the_example_pressroom_yaml_is_accepted_and_a_misspelt_key_is_not(tmp_path: Path) -> None:
    (example,) = re.findall(r"```yaml\n(# pressroom\.yaml\n.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    Site.init(tmp_path)
    (tmp_path / "pressroom.yaml").write_text(example, encoding="utf-8")
    site = Site.open(tmp_path)
    assert site.status() is not None
    (tmp_path / "pressroom.yaml").write_text(example.replace("hooks_timeout", "hook_timeout"), encoding="utf-8")
    with pytest.raises(BadContentError, match="hook_timeout"):
        Site.open(tmp_path)
