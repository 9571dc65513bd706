"""Layers import downward only (docs/architecture.md): every import in the package, read from the source.

A module may import its own layer and the layers below it. A module that
fits no layer fails the test: place it in LAYERS.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "pressroom"

# Lowest first. The layers that decide (models, workflow, history, delivery, export) never ask git;
# what git knows reaches them from the Site (api), through automation.
LAYERS = [
    ["pressroom.errors"],
    ["pressroom.store"],
    ["pressroom.records"],
    ["pressroom.settings"],
    ["pressroom.site", "pressroom.attributes"],
    ["pressroom.models"],
    ["pressroom.naming"],
    ["pressroom.workflow"],
    ["pressroom.diffing", "pressroom.history"],
    ["pressroom.delivery"],
    ["pressroom.export", "pressroom.audit", "pressroom.serve"],
    # Git is asked above every layer that decides: what it knows (unmerged refs) is passed down.
    ["pressroom.gitio", "pressroom.githooks", "pressroom.hooks", "pressroom.unmerged"],
    ["pressroom.automation"],
    ["pressroom.api"],
    ["pressroom.cli"],
    ["pressroom", "pressroom.__main__"],
]
# Leaves of the package root that any layer may read.
ROOT_LEAVES = {"__version__"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["pressroom", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def rank(module: str) -> int:
    """The layer of ``module``: the entry of LAYERS that names it or its nearest package."""
    best, found = -1, None
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, found = len(name), i
    if found is None:
        raise AssertionError(f"{module} is in no layer: place it in LAYERS of {__file__}")
    return found


def imports(module: str, path: Path) -> list[tuple[str, int]]:
    """The package modules ``module`` imports (at any depth of its code), with their lines."""
    is_package = path.name == "__init__.py"
    base = module.split(".") if is_package else module.split(".")[:-1]
    out = []
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
