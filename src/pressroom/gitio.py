"""What git knows: the author's identity (and, later, commits).

GitPython is imported only when it is needed: it is slow to import, and most
commands never ask git anything.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path


def git_identity(root: Path) -> str | None:
    """``user.name <user.email>`` from the git config of the work tree holding ``root``."""
    try:
        import git
    except ImportError:
        return None
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        return None
    try:
        reader = repo.config_reader()
        name = reader.get_value("user", "name", default="")
        email = reader.get_value("user", "email", default="")
    except Exception:  # noqa: BLE001 - a broken git config must not stop a save
        return None
    finally:
        repo.close()
    if not name:
        return None
    return f"{name} <{email}>" if email else str(name)


def default_author(root: Path) -> str:
    """Who is acting: git's user, then ``PRESSROOM_AUTHOR``, then the OS user."""
    return git_identity(root) or os.environ.get("PRESSROOM_AUTHOR") or _os_user()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
