"""Layers import downward only: every import in the package, read from the source, against the
layer table of docs/architecture.md ('## Layers'), which this test reads, so that the page and
the test are one table.

A module may import its own layer and the layers below it. A module that fits no layer fails
the test: give it a row of the table (or name it in the row of its layer).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "pressroom"
PAGE = REPO / "docs" / "architecture.md"


def parse_layers(text: str) -> list[list[str]]:
    """The layers of the table under '## Layers' in ``text``, lowest first: per row, the
    modules and packages its layer cell names (in backticks, ``pressroom...``)."""
    section = re.search(r"^## Layers\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section, "docs/architecture.md has no '## Layers' section"
    rows = re.findall(r"^\| *(\d+) *\| *([^|]*?) *\|", section.group(1), re.M)
    numbers = [int(n) for n, _ in rows]
    assert numbers == list(range(1, len(rows) + 1)), (
        f"the layer table in docs/architecture.md is numbered {numbers}: number its rows 1, 2, 3, ...")
    return [re.findall(r"`(pressroom[\w.]*)`", cell) for _, cell in rows]


# Lowest first, as the page has them.
LAYERS = parse_layers(PAGE.read_text(encoding="utf-8"))
# Leaves of the package root that any layer may read.
ROOT_LEAVES = {"__version__"}


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["pressroom", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def rank(module: str) -> int:
    """The layer of ``module``: the row of the table that names it or its nearest package."""
    best, found = -1, None
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, found = len(name), i
    if found is None:
        raise AssertionError(f"{module} is in no layer: name it in its row of the layer table in docs/architecture.md")
    return found


def imports(module: str, path: Path) -> list[tuple[str, int]]:
    """The package modules ``module`` imports (at any depth of its code), with their lines."""
    is_package = path.name == "__init__.py"
    base = module.split(".") if is_package else module.split(".")[:-1]
    out: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                target = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("pressroom"):
                continue
            names = {alias.name for alias in node.names}
            if target == "pressroom" and names <= ROOT_LEAVES:
                continue
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            out.extend((t, node.lineno) for t in (subs or [target]))
        elif isinstance(node, ast.Import):
            out.extend((alias.name, node.lineno) for alias in node.names if alias.name.startswith("pressroom"))
    return out


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_only(module: str) -> None:
    own = rank(module)
    upward = [f"line {line}: {target}" for target, line in imports(module, MODULES[module]) if rank(target) > own]
    assert not upward, f"{module} imports from layers above it: {', '.join(upward)}"


def test_the_layers_are_checked() -> None:
    """The check sees an upward import where there is one (the API imports the workflow)."""
    targets = {t for t, _ in imports("pressroom.api", MODULES["pressroom.api"])}
    assert "pressroom.workflow.saving" in targets and rank("pressroom.workflow.saving") < rank("pressroom.api")


def test_the_table_is_read() -> None:
    """Each row names a layer, each name is a module or package of the source, and none is named twice."""
    assert len(LAYERS) >= 10 and all(LAYERS)
    named = [name for layer in LAYERS for name in layer]
    assert len(named) == len(set(named)), "a module is in two rows of the layer table"
    packages = {m.rsplit(".", 1)[0] for m in MODULES}
    gone = [name for name in named if name not in MODULES and name not in packages]
    assert not gone, f"the layer table in docs/architecture.md names modules that do not exist: {gone}"


def test_the_parser_sees_a_table() -> None:
    page = ("# A\n\n## Layers\n\n| # | layer | imports |\n|---|---|---|\n"
            "| 1 | `pressroom.errors` | nothing |\n| 2 | `pressroom.store`, `pressroom.x` | errors |\n\n## Next\n"
            "| 3 | `pressroom.api` | all |\n")
    assert parse_layers(page) == [["pressroom.errors"], ["pressroom.store", "pressroom.x"]]
    with pytest.raises(AssertionError, match="numbered"):
        parse_layers(page.replace("| 2 |", "| 3 |"))
