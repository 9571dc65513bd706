"""Sites and git repositories for the automation tests (schedules, stages, hooks, git)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pressroom import Site
from tests.conftest import write

AUTHOR = """\
schema:
  type: object
  required: [name]
  properties:
    name: {type: string, minLength: 1}
"""
POST = """\
schema:
  type: object
  required: [title]
  properties:
    title: {type: string, maxLength: 40}
    author: {type: string, x-link: author}
"""
REVIEWED_POST = """\
stages: [draft, in_review, ready]
publish_requires: ready
schema:
  type: object
  required: [title]
  properties:
    title: {type: string, maxLength: 40}
    author: {type: string, x-link: author}
"""


def write_models(root: Path, **models: str) -> None:
    (root / "models").mkdir(exist_ok=True)
    for name, text in models.items():
        (root / "models" / f"{name}.yaml").write_text(text)


def set_config(root: Path, text: str) -> None:
    (root / "pressroom.yaml").write_text(text)


@pytest.fixture
def news(site: Site) -> Site:
    """author/ada saved (a draft); models author and post (post links to author)."""
    write_models(site.root, author=AUTHOR, post=POST)
    write(site.root, "author/ada", "name: Ada\n")
    site.save("author/ada")
    return Site.open(site.root)


def python_hook(script: Path) -> str:
    """A hook command line running ``script`` with this Python (no shell syntax in it)."""
    return f"{sys.executable} {script}"


# git


@pytest.fixture
def git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME and global git config, so the machine's git settings never leak in."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_DIR",
                 "GIT_WORK_TREE", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    return home


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The real git binary, in ``cwd``."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=os.environ.copy())
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stdout}{result.stderr}")
    return result


def init_repo(root: Path, name: str = "Repo User", email: str = "repo@example.com") -> None:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", name)
    git(root, "config", "user.email", email)


def repo_site(root: Path) -> None:
    """A new git repository at ``root`` whose root is a site with models author and post."""
    init_repo(root)
    Site.init(root)
    write_models(root, author=AUTHOR, post=POST)


def committed_files(root: Path, rev: str = "HEAD") -> set[str]:
    out = git(root, "show", "--name-only", "--format=", rev).stdout
    return {line for line in out.splitlines() if line}


def committed_site(root: Path) -> Path:
    """A git repository at ``root`` holding a site in site/ (models author and post), committed; the site."""
    init_repo(root)
    site_dir = root / "site"
    Site.init(site_dir)
    write_models(site_dir, author=AUTHOR, post=POST)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    return site_dir
