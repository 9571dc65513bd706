"""status reads a model file's stage options from the derived cache, keyed by pressroom's version,
the file's path and its sha256; an entry that is not what parsing gives is never believed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from pressroom import Site, __version__
from pressroom.workflow import stages
from tests.automation.conftest import AUTHOR, POST, write_models
from tests.conftest import write


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each status as a new press process: nothing parsed in memory."""
    monkeypatch.setattr(stages, "_DECLARED", {})


def _stage(root: Path) -> str | None:
    stages._DECLARED.clear()
    return Site.open(root).status().records[0].stage


def _site(root: Path, declared: str) -> None:
    write_models(root, author=AUTHOR, post=declared + POST)
    write(root, "post/a", "title: A\n")
    Site.open(root).save("post/a")


def _forge(root: Path, value: Any, version: str = __version__) -> None:
    path = root / "models" / "post.yaml"
    key = f"{version}:models/post.yaml:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    Site.open(root).store.cache.put_many(stages._OPTIONS_KIND, {key: value})


LIE = {"stages": ["lied", "about"], "publish_requires": None, "draft_published": True}


def test_the_options_are_remembered_and_follow_the_file(site_dir: Path) -> None:
    _site(site_dir, "stages: [draft, ready]\n")
    assert _stage(site_dir) == "draft"
    assert _stage(site_dir) == "draft"
    (site_dir / "models" / "post.yaml").write_text("stages: [todo, done]\n" + POST)
    assert _stage(site_dir) == "todo"


def test_an_entry_is_believed_for_its_file_s_bytes(site_dir: Path) -> None:
    """The premise of the tests below: what the entry says is what status shows."""
    _site(site_dir, "stages: [draft, ready]\n")
    _forge(site_dir, LIE)
    assert _stage(site_dir) == "lied"


def test_an_entry_of_another_pressroom_version_is_not_read(site_dir: Path) -> None:
    _site(site_dir, "stages: [draft, ready]\n")
    _forge(site_dir, LIE, version="0.0.0-other")
    assert _stage(site_dir) == "draft"


@pytest.mark.parametrize("value", [
    ["lied"],
    {"stages": ["lied"], "publish_requires": None},
    {**LIE, "extra": 1},
    {**LIE, "stages": "lied"},
    {**LIE, "stages": ["lied", "lied"]},
    {**LIE, "publish_requires": 5},
    {**LIE, "draft_published": "yes"},
], ids=["not-a-mapping", "an-option-missing", "an-option-too-many", "stages-not-a-list", "stages-twice",
        "requires-not-text", "draft-published-not-a-bool"])
def test_an_entry_parsing_could_not_give_is_parsed_again(site_dir: Path, value: object) -> None:
    _site(site_dir, "stages: [draft, ready]\n")
    _forge(site_dir, value)
    assert _stage(site_dir) == "draft"


def test_a_bad_option_is_still_a_warning_and_never_remembered(site_dir: Path) -> None:
    _site(site_dir, "stages: [draft, ready]\n")
    path = site_dir / "models" / "post.yaml"
    path.write_text("stages: [Draft]\n" + POST)
    for _ in range(2):
        stages._DECLARED.clear()
        declared, warning = stages.stage_view(Site.open(site_dir))
        assert declared == {}
        assert warning is not None and warning.where is not None and warning.where.path == "stages"
    key = f"{__version__}:models/post.yaml:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    assert Site.open(site_dir).store.cache.get_many(stages._OPTIONS_KIND, [key]) == {}
