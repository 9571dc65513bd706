"""A real `press serve` in a subprocess on a free loopback port, and a real HTTP client (urllib)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pressroom import Site
from tests.conftest import PRESS, write

TOKEN = "s3cret-preview-token"
MODELS = {
    "author": "schema:\n  type: object\n  required: [name]\n  properties:\n    name: {type: string}\n",
    "tag": "schema:\n  type: object\n  properties:\n    name: {type: string}\n",
    "post": """\
schema:
  type: object
  required: [title, author]
  properties:
    title: {type: string}
    rank: {type: integer}
    author: {type: string, x-link: author}
    tags: {type: array, items: {type: string, x-link: tag}}
""",
}


@pytest.fixture
def blog(site: Site) -> Site:
    """Published: author/ada, author/grace, tag/math, post/a (ada, math), post/b (grace), post/c (ada).
    Drafts only: post/draft (never published); post/a has an unpublished edit."""
    for name, text in MODELS.items():
        (site.root / "models" / f"{name}.yaml").write_text(text)
    write(site.root, "author/ada", "name: Ada\n")
    write(site.root, "author/grace", "name: Grace\n")
    write(site.root, "tag/math", "name: Math\n")
    write(site.root, "post/a", "title: Alpha\nrank: 3\nauthor: ada\ntags: [math]\n")
    write(site.root, "post/b", "title: Beta\nrank: 1\nauthor: grace\n")
    write(site.root, "post/c", "title: Gamma\nrank: 2\nauthor: ada\n")
    site.save(all=True)
    site.publish(all=True)
    write(site.root, "post/a", "title: Alpha (edited)\nrank: 3\nauthor: ada\ntags: [math]\n")
    write(site.root, "post/draft", "title: Secret draft\nauthor: ada\n")
    site.save(all=True)
    return site


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Server:
    """``press serve --port 0`` on a site; the address is read from what it prints once bound."""

    def __init__(self, root: Path, *args: str, env: dict[str, str] | None = None):
        full = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc = subprocess.Popen([str(PRESS), "-C", str(root), "serve", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full)
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline().decode()
        found = re.search(r"at (http://127\.0\.0\.1:\d+)/api", line)
        if found is None:
            self.proc.kill()
            raise AssertionError(f"press serve did not start: {line}{self.proc.stderr.read().decode()}")
        self.url = found.group(1)
        # Bound is not yet accepting: wait for the first answer.
        deadline = time.monotonic() + 20
        while True:
            try:
                self.get("/api/models")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def get(self, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
        request = urllib.request.Request(self.url + path, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return Reply(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as e:
            return Reply(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def serve() -> Iterator[Any]:
    """``serve(root, *args, env=...)`` starts a server; every one is stopped after the test."""
    started: list[Server] = []

    def start(root: Path, *args: str, env: dict[str, str] | None = None) -> Server:
        server = Server(root, *args, env=env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def preview(token: str = TOKEN, spelling: str = "dato") -> dict[str, str]:
    """The headers of a draft request: DatoCMS's or Flotiq's spelling, and the bearer token."""
    mode = {"X-Include-Drafts": "true"} if spelling == "dato" else {"X-Mode": "preview"}
    return {**mode, "Authorization": f"Bearer {token}"}
