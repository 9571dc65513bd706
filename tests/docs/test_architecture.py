"""docs/architecture.md cannot drift from the code: it names every module file under
src/pressroom/ in the section of its folder and names no file that is gone; and the project
cites no outside design document. (Its layer table is the one tests/test_layers.py checks the
imports against: the test reads it from the page.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "pressroom"
PAGE = REPO / "docs" / "architecture.md"
TEXT = PAGE.read_text(encoding="utf-8")
# Built from parts, so that this file does not mention them itself.
FORBIDDEN = ("DESIGN" + ".md", "../" + "shared")


def _module_files() -> list[str]:
    """Every module file of the package, as ``src/pressroom/...py``."""
    return sorted(p.relative_to(REPO).as_posix() for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


MODULE_FILES = _module_files()


def _section(title: str, level: str = "##") -> str:
    """The text under the heading ``title`` up to the next heading of the same level."""
    m = re.search(rf"^{level} {re.escape(title)}\n(.*?)(?=^{level} |\Z)", TEXT, re.M | re.S)
    assert m, f"docs/architecture.md has no section {level} {title!r}"
    return m.group(1)


def _module_sections() -> dict[str, str]:
    """The subsections of '## Modules', by the folder their heading names (``src/pressroom/store/``)."""
    body = _section("Modules")
    return {m.group(1): m.group(2)
            for m in re.finditer(r"^### `(src/pressroom/[\w/]*)`\n(.*?)(?=^### |\Z)", body, re.M | re.S)}


def test_there_are_modules_to_name() -> None:
    assert {"src/pressroom/api.py", "src/pressroom/store/journal.py", "src/pressroom/cli/app.py"} <= set(MODULE_FILES)


@pytest.mark.parametrize("path", MODULE_FILES)
def test_page_names_the_module_in_its_folder_section(path: str) -> None:
    folder = path.rsplit("/", 1)[0] + "/"
    line = f"- `{path}`: what it holds, in a line or two"
    sections = _module_sections()
    assert folder in sections, (
        f"docs/architecture.md does not name {path}: add a section \"### `{folder}`\" under "
        f"'## Modules' holding the line \"{line}\"")
    named = set(re.findall(r"^- `(src/pressroom/[\w/]+\.py)`", sections[folder], re.M))
    assert path in named, (
        f"docs/architecture.md does not name {path}: add the line \"{line}\" to the section "
        f"\"### `{folder}`\" under '## Modules'")


def test_page_names_no_file_that_is_gone() -> None:
    """A module renamed or removed must leave the page too (paths from the repository or the package)."""
    gone = sorted({name for name in re.findall(r"`([\w./-]+\.py)`", TEXT)
                   if not (REPO / name).is_file() and not (PACKAGE / name).is_file()})
    assert not gone, f"docs/architecture.md names files that do not exist: {', '.join(gone)}"


def _mentions(text: str) -> list[tuple[int, str]]:
    """(line, what) for each outside design document ``text`` cites, case-insensitively."""
    return [(number, what) for number, line in enumerate(text.splitlines(), 1)
            for what in FORBIDDEN if what.lower() in line.lower()]


def _tracked() -> list[str]:
    try:
        proc = subprocess.run(["git", "ls-files", "-z", "--", "src", "tests", "docs", "README.md"], cwd=REPO,
                              capture_output=True, check=False)
    except FileNotFoundError:
        pytest.skip("git is not installed: the tracked files cannot be listed")
    if proc.returncode != 0:
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    return [name for name in proc.stdout.decode().split("\0") if name]


def test_the_mention_check_sees_a_mention() -> None:
    assert _mentions("x\nas " + FORBIDDEN[0].lower() + " says") == [(2, FORBIDDEN[0])]
    assert _mentions("see " + FORBIDDEN[1] + "/notes") == [(1, FORBIDDEN[1])]
    assert _mentions("docs/architecture.md") == []


def test_no_tracked_file_cites_an_outside_design_document() -> None:
    files = _tracked()
    assert "README.md" in files and "docs/architecture.md" in files and "src/pressroom/api.py" in files
    found = [f"{name}:{line}: {what}" for name in files if (REPO / name).is_file()
             for line, what in _mentions((REPO / name).read_text(encoding="utf-8", errors="replace"))]
    assert not found, ("these files cite a document outside the repository; cite docs/architecture.md "
                       "(or say it plainly) instead:\n" + "\n".join(found))
