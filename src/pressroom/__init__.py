"""pressroom: a draft/published content workflow for file-based sites.

``from pressroom import Site`` is the front door; the result types its methods
return are exported here too, for annotations (``def build(site: Site) -> None``).
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
    StoreFormatError,
    UnfinishedError,
    UsageError,
    ViewBrokenError,
    Where,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import (
        ActionResult,
        AfterResult,
        AuditResult,
        DiffResult,
        DiffSide,
        DriverInstall,
        DriverOutcome,
        DroppedJournal,
        ExportResult,
        FieldChange,
        Finding,
        FsckReport,
        GcReport,
        GitCommit,
        GitSetup,
        HookRun,
        HooksInstall,
        InitResult,
        JournalState,
        LogEntry,
        LogResult,
        Model,
        Move,
        NewResult,
        NextResult,
        Outcome,
        Progress,
        RecordStatus,
        Referrer,
        ResolveResult,
        Resolved,
        RevertResult,
        RunAction,
        RunResult,
        SaveResult,
        SavedRecord,
        Schedule,
        ScheduleList,
        ScheduleResult,
        ShowResult,
        Site,
        Skipped,
        StageResult,
        StatusResult,
        ValidateResult,
        ViewReport,
    )
    from .delivery import Record

__all__ = [
    "ActionResult",
    "AfterResult",
    "AuditResult",
    "BadContentError",
    "ConflictError",
    "DiffResult",
    "DiffSide",
    "DiskFullError",
    "DriverInstall",
    "DriverOutcome",
    "DroppedJournal",
    "ExportResult",
    "FieldChange",
    "Finding",
    "FsckReport",
    "GcReport",
    "GitCommit",
    "GitSetup",
    "HistoryBrokenError",
    "HookRun",
    "HooksInstall",
    "InitResult",
    "JournalConflictError",
    "JournalState",
    "LockTimeoutError",
    "LogEntry",
    "LogResult",
    "Model",
    "Move",
    "NewResult",
    "NextResult",
    "NotFoundError",
    "Outcome",
    "PressError",
    "Problem",
    "Progress",
    "Record",
    "RecordStatus",
    "Referrer",
    "RefusedError",
    "ResolveResult",
    "Resolved",
    "RevertResult",
    "RunAction",
    "RunResult",
    "SaveResult",
    "SavedRecord",
    "Schedule",
    "ScheduleList",
    "ScheduleResult",
    "ShowResult",
    "Site",
    "Skipped",
    "StageResult",
    "StatusResult",
    "StoreDamagedError",
    "StoreFormatError",
    "UnfinishedError",
    "UsageError",
    "ValidateResult",
    "ViewBrokenError",
    "ViewReport",
    "Where",
    "__version__",
]

# The rest is loaded on first use, from api: `press --version` and the store alone need none of it.
_LAZY = frozenset(name for name in __all__ if name not in globals())


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
