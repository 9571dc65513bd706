"""pressroom: a draft/published content workflow for file-based sites.

``from pressroom import Site`` is the front door.
"""

from .api import Site
from .delivery import Record
from .errors import (
    BadContentError,
    ConflictError,
    LockTimeoutError,
    NotFoundError,
    PressError,
    Problem,
    RefusedError,
    StoreDamagedError,
    UsageError,
)

__version__ = "0.1.0"

__all__ = [
    "BadContentError",
    "ConflictError",
    "LockTimeoutError",
    "NotFoundError",
    "PressError",
    "Problem",
    "Record",
    "RefusedError",
    "Site",
    "StoreDamagedError",
    "UsageError",
    "__version__",
]
