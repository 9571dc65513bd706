"""A site: its root folder, ``pressroom.yaml``, working files and store.

The root is found like git finds ``.git``: ``-C DIR`` or ``PRESSROOM_DIR``,
else the nearest folder up from the working directory that holds
``pressroom.yaml``.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from .errors import BadContentError, NotFoundError, UsageError, Where, close_names, did_you_mean
from .records import (DEFAULT_MAX_FILE_SIZE, RecordKey, check_inside, load_record, read_limited, site_file_path,
                      working_path)
from .settings import DEFAULT_HOOKS_TIMEOUT, Hook, parse_git, parse_hooks, parse_timeout
from .store import Store

CONFIG_NAME = "pressroom.yaml"
STORE_NAME = ".press"
CONFIG_MAX_SIZE = 1024 * 1024
_SIZE_RE = re.compile(r"^\s*(\d+)\s*(B|KiB|MiB|GiB)?\s*$")
_UNITS = {None: 1, "B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}
# Keys of pressroom.yaml this version knows; a typo is refused, not ignored.
CONFIG_KEYS = {"max_file_size", "hooks", "hooks_timeout", "git", "serve"}

DEFAULT_CONFIG = b"""\
# pressroom site settings
# max_file_size: 5MiB   # largest record file press will read
"""


@dataclass(frozen=True)
class Config:
    """The settings of ``pressroom.yaml``."""

    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    raw: dict[str, Any] = field(default_factory=dict)
    hooks: dict[str, list[Hook]] = field(default_factory=dict)  # event -> hooks, in order
    git_commit: bool = False  # git: {commit: true}


def find_root(start: Path | None = None) -> Path:
    """The site root: ``PRESSROOM_DIR``, or the nearest folder up holding pressroom.yaml."""
    env = os.environ.get("PRESSROOM_DIR")
    if start is None and env:
        start = Path(env)
        if not (start / CONFIG_NAME).is_file():
            raise UsageError(
                f"PRESSROOM_DIR={env} is not a pressroom site (no {CONFIG_NAME})",
                hint="point PRESSROOM_DIR at a site, or make one there (Site.init)",
                cause="site.env_not_site",
            )
        return start.absolute()
    here = (start or Path.cwd()).absolute()
    if start is not None:
        if here.exists() and not here.is_dir():
            # -C pressroom.yaml, or any file: suggesting `press -C FILE init` would fail too.
            raise UsageError(
                f"{here} is a file, not a folder: give the site's folder (the one holding {CONFIG_NAME})",
                hint=f"use its folder: {here.parent}" if here.name == CONFIG_NAME else None,
                cause="site.path_is_config" if here.name == CONFIG_NAME else None, data={"folder": str(here.parent)},
            )
        if not here.exists():
            raise UsageError(f"{here} does not exist",
                             hint=f"check the path, or make a site there: Site.init('{start}')",
                             cause="site.path_missing", data={"path": str(start)})
        if not (here / CONFIG_NAME).is_file():
            raise UsageError(
                f"{here} is not a pressroom site (no {CONFIG_NAME})",
                hint=f"make one there: Site.init('{start}')",
                cause="site.path_not_site", data={"path": str(start)},
            )
        return here
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise UsageError(
        f"not inside a pressroom site (no {CONFIG_NAME} here or in any parent folder)",
        hint="make one (Site.init), or open a site by its folder (Site.open(path), or PRESSROOM_DIR)",
        cause="site.not_inside",
    )


def parse_size(value: object, label: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    m = _SIZE_RE.match(str(value)) if isinstance(value, str) else None
    if not m or int(m.group(1)) <= 0:
        raise BadContentError(
            f"max_file_size must be a positive size like 5MiB, not {value!r}",
            where=Where(file=label, path="max_file_size"),
        )
    return int(m.group(1)) * _UNITS[m.group(2)]


def _key_line(data: bytes, key: str) -> int | None:
    """The line of a top-level ``key:``, to point at a typo (parsed data has no lines)."""
    m = re.search(rb"^[\"']?" + re.escape(key.encode()) + rb"[\"']?[ \t]*:", data, re.M)
    return data.count(b"\n", 0, m.start()) + 1 if m else None


def load_config(root: Path) -> Config:
    path = root / CONFIG_NAME
    label = str(path)
    raw = read_limited(path, CONFIG_MAX_SIZE)
    data = load_record(raw, label, allow_empty=True)
    unknown = sorted(set(data) - CONFIG_KEYS)
    if unknown:
        raise BadContentError(
            f"unknown setting {unknown[0]!r}",
            where=Where(file=label, line=_key_line(raw, unknown[0]), path=unknown[0]),
            hint=f"known settings: {', '.join(sorted(CONFIG_KEYS))}",
        )
    size = parse_size(data["max_file_size"], label) if "max_file_size" in data else DEFAULT_MAX_FILE_SIZE
    # Checked when the config loads, so a bad hook is reported before a command changes anything.
    timeout = (parse_timeout(data["hooks_timeout"], label, "hooks_timeout", _key_line(raw, "hooks_timeout"))
               if "hooks_timeout" in data else DEFAULT_HOOKS_TIMEOUT)
    hooks = parse_hooks(data.get("hooks"), label, _key_line(raw, "hooks"), timeout)
    git_commit = parse_git(data.get("git"), label, _key_line(raw, "git"))
    return Config(max_file_size=size, raw=data, hooks=hooks, git_commit=git_commit)


class SiteCore:
    """Paths, settings and store of one site; the layers above work through it."""

    def __init__(self, root: Path, store: Store, config: Config):
        self.root = root
        self.store = store
        self.config = config

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> Self:
        """Open the site at ``path`` (or found from the working directory)."""
        root = find_root(Path(path) if path is not None else None)
        config = load_config(root)
        store_dir = root / STORE_NAME
        if not store_dir.is_dir():
            raise UsageError(
                f"{root} has {CONFIG_NAME} but no {STORE_NAME}/ store",
                hint="Site.init there creates the store (it changes nothing else)",
                cause="site.no_store",
            )
        return cls(root, Store.open(store_dir, site_paths=functools.partial(site_file_path, root)), config)

    @property
    def content_dir(self) -> Path:
        """The folder of the working files, ``content/``."""
        return self.root / "content"

    @property
    def models_dir(self) -> Path:
        """The folder of the model files, ``models/``."""
        return self.root / "models"

    def working_path(self, key: RecordKey) -> Path:
        """The working file of a record, ``content/<model>/<id>.yaml``, whether it exists or not."""
        return working_path(self.root, key)

    def rel(self, path: Path) -> str:
        """A path as the user should see it: relative to the site root."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def read_working(self, key: RecordKey) -> bytes | None:
        """The working file's bytes, or None when there is none; links are refused."""
        path = self.working_path(key)
        if not path.exists() and not path.is_symlink():
            return None
        check_inside(self.root, path)
        if not path.is_file():
            raise BadContentError("is not a regular file", where=Where(file=self.rel(path)))
        return read_limited(path, self.config.max_file_size, label=self.rel(path))

    def require_model_dir(self, model: str) -> None:
        """Nothing when ``model`` has a content folder or a model file; else a NotFoundError naming the known ones."""
        if not (self.content_dir / model).is_dir() and not (self.models_dir / f"{model}.yaml").is_file():
            models = [n[:-len(".yaml")] for n in _names(self.models_dir) if n.endswith(".yaml")]
            known = [*_names(self.content_dir, dirs=True), *models]
            raise NotFoundError(
                f"unknown model {model!r}",
                hint=did_you_mean(close_names(model, known))
                or f"create models/{model}.yaml or content/{model}/ first",
            )


def _names(folder: Path, *, dirs: bool = False) -> list[str]:
    """The entries of ``folder`` (only folders, with ``dirs``); none when it is missing."""
    try:
        return [e.name for e in os.scandir(folder) if not dirs or e.is_dir()]
    except OSError:
        return []
