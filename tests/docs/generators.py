"""The docs/gen_*.py scripts, loaded as modules: the tests compare each page with what its script writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

DOCS = Path(__file__).resolve().parents[2] / "docs"


def load_generator(name: str) -> ModuleType:
    """docs/``name``.py as a module (the docs folder is no package)."""
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
