"""``press init``: make a folder a pressroom site."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..attributes import write_attributes
from ..site import CONFIG_NAME, DEFAULT_CONFIG, STORE_NAME
from ..store import Store
from ..store.fsio import write_atomic


@dataclass(frozen=True)
class InitResult:
    """What ``init`` created (empty when the site was complete already)."""

    root: str
    created: list[str]

    @property
    def changed(self) -> bool:
        """True when init created anything."""
        return bool(self.created)


def init_site(path: Path) -> InitResult:
    """Create ``pressroom.yaml``, ``models/``, ``content/`` and ``.press/`` where missing.

    And pressroom's lines in ``.gitattributes``, and in ``.press/``, ``content/``
    and ``models/.gitattributes``, so that git, once the site is in a repository,
    never converts the store's bytes or the working files' line endings (see ``gitio``).
    """
    root = path.absolute()
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} is not a folder")
    root.mkdir(parents=True, exist_ok=True)
    created = []
    if not (root / CONFIG_NAME).exists():
        write_atomic(root / CONFIG_NAME, DEFAULT_CONFIG)
        created.append(CONFIG_NAME)
    for folder in ("models", "content"):
        if not (root / folder).exists():
            (root / folder).mkdir()
            created.append(f"{folder}/")
    store = root / STORE_NAME
    if not store.exists() or _unfinished(store):
        Store.init(store)
        created.append(f"{STORE_NAME}/")
    written = write_attributes(root)
    if written.site:
        created.append(".gitattributes")
    created.extend(written.nested)
    return InitResult(root=str(root), created=created)


def _unfinished(store: Path) -> bool:
    """A ``.press/`` without its format file and with nothing in it yet: an init cut
    short (the format is written last) or a folder made by hand; init completes it.
    One that holds data is left alone for ``Store.open`` to report."""
    if not store.is_dir() or (store / "format").exists():
        return False
    return all(set(files) <= {".gitignore", ".gitattributes"} for _dir, _dirs, files in os.walk(store))
