"""The generator recipes are the example projects: each file a page shows is the file in examples/.

The convention: a fenced block that shows a file is preceded, on the line right above its fence,
by the marker ``<!-- file: examples/NAME/PATH -->``; the block (any fence of three or more
backticks, any language) holds the file's text exactly, to its last newline. Every example
with a ``build`` script shows that script in docs/recipes.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]
MARKER = re.compile(r"^<!-- file: (?P<path>\S+) -->$", re.M)
BLOCK = re.compile(r"(?P<fence>`{3,})[^\n`]*\n(?P<text>.*?)^(?P=fence)[ \t]*$", re.M | re.S)


def shown() -> list[tuple[str, str, str]]:
    """Every file a page shows: (page, path, the block's text)."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in MARKER.finditer(text):
            block = BLOCK.match(text, m.end() + 1)
            assert block is not None, f"{page.name}: {m.group(0)} is not followed by a fenced block on the next line"
            found.append((page.name, m.group("path"), block.group("text")))
        starts = len(re.findall(r"^<!-- file:", text, re.M))
        assert starts == len(MARKER.findall(text)), f"{page.name}: a malformed file marker"
    return found


SHOWN = shown()


def test_the_recipes_show_example_files() -> None:
    assert any(path.startswith("examples/hugo/") for _page, path, _text in SHOWN)


@pytest.mark.parametrize(("page", "path", "text"), SHOWN, ids=[f"{p}:{f}" for p, f, _t in SHOWN])
def test_a_file_shown_is_the_file_in_examples(page: str, path: str, text: str) -> None:
    assert path.startswith("examples/") and ".." not in path.split("/"), f"{page}: {path} is not in examples/"
    file = REPO / path
    assert file.is_file(), f"{page} shows {path}, which does not exist"
    assert text == file.read_text(encoding="utf-8"), f"{page} shows {path} differently: copy the file into the page"


def test_every_example_shows_its_build_script() -> None:
    in_recipes = {path for page, path, _text in SHOWN if page == "recipes.md"}
    builds = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "examples").glob("*/build"))
    assert builds, "no examples/*/build"
    assert [b for b in builds if b not in in_recipes] == []
