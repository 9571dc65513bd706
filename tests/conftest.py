"""Shared fixtures: a real site under tmp_path, the CLI, and the real `press`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from pressroom import Site
from pressroom.cli.app import app

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("ci")

PRESS = Path(sys.executable).with_name("press")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRESSROOM_DIR", raising=False)
    monkeypatch.setenv("PRESSROOM_AUTHOR", "Test Author <test@example.com>")
    monkeypatch.setenv("PRESSROOM_LOCK_TIMEOUT", "20")


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    Site.init(root)
    return root


@pytest.fixture
def site(site_dir: Path) -> Site:
    return Site.open(site_dir)


def write(root: Path, record: str, text: str | bytes) -> Path:
    """Write a working file content/<model>/<id>.yaml."""
    model, rid = record.split("/")
    path = root / "content" / model / f"{rid}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def store_files(root: Path) -> dict[str, bytes]:
    """Every file of the store except the lock and the local cache: to assert that nothing changed."""
    out = {}
    for p in sorted((root / ".press").rglob("*")):
        if p.is_file() and p.name != "lock" and "cache" not in p.relative_to(root / ".press").parts[:1]:
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


class Cli:
    """typer's CliRunner on a site, returning (exit code, parsed JSON or text)."""

    def __init__(self, root: Path):
        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None):
        result = self.runner.invoke(app, ["-C", str(self.root), *args], input=input, catch_exceptions=False)
        return result

    def json(self, *args: str, input: str | bytes | None = None) -> tuple[int, dict]:
        result = self(*args, "--json", input=input)
        return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def cli(site_dir: Path) -> Cli:
    return Cli(site_dir)


def run_press(root: Path, *args: str, input: bytes | None = None, timeout: float = 60,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The real `press` executable, as CI and users run it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([str(PRESS), "-C", str(root), *args], input=input, capture_output=True,
                          timeout=timeout, env=full_env)


def strings(value: object) -> list[str]:
    """Every string in a record's data, nested lists and mappings included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []
