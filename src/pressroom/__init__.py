"""pressroom: a draft/published content workflow for file-based sites.

``from pressroom import Site`` is the front door.
"""

from typing import TYPE_CHECKING, Any

from .errors import (
    BadContentError,
    ConflictError,
    DiskFullError,
    HistoryBrokenError,
    JournalConflictError,
    LockTimeoutError,
    NotFoundError,
    PressError,
    Problem,
    RefusedError,
    StoreDamagedError,
    UnfinishedError,
    UsageError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import Site
    from .delivery import Record

# Loaded on first use: `press --version` and the store alone need none of it.
_LAZY = {"Site": ".api", "Record": ".delivery"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BadContentError",
    "ConflictError",
    "DiskFullError",
    "HistoryBrokenError",
    "JournalConflictError",
    "LockTimeoutError",
    "NotFoundError",
    "PressError",
    "Problem",
    "Record",
    "RefusedError",
    "Site",
    "StoreDamagedError",
    "UnfinishedError",
    "UsageError",
    "__version__",
]
