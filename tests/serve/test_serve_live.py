"""`press serve` follows the store: sync deltas, server-sent events, other writers, a broken view."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from pressroom import Site
from tests.conftest import PRESS, run_press
from tests.serve.conftest import TOKEN, preview


def records_of(docs: list[dict]) -> list[str]:
    return [d["record"] for d in docs]


def test_sync_initial_then_deltas(blog: Site, serve) -> None:
    server = serve(blog.root)
    first = server.get("/api/sync?initial=true").json()
    assert first["initial"] is True
    assert records_of(first["published"]) == ["author/ada", "author/grace", "post/a", "post/b", "post/c", "tag/math"]
    assert first["changed"] == first["unpublished"] == first["deleted"] == []
    token = first["next_token"]
    nothing = server.get(f"/api/sync?token={token}").json()
    assert nothing["published"] == nothing["changed"] == nothing["unpublished"] == nothing["deleted"] == []

    blog.publish("post/a", "post/draft")  # a changed record, and a new one
    blog.unpublish("post/b")
    blog.unpublish("post/c")
    blog.delete("post/c")
    time.sleep(1.0)
    delta = server.get(f"/api/sync?token={nothing['next_token']}").json()
    assert records_of(delta["published"]) == ["post/draft"]
    assert records_of(delta["changed"]) == ["post/a"]
    assert delta["changed"][0]["data"]["title"] == "Alpha (edited)"
    assert delta["unpublished"] == ["post/b"]
    assert delta["deleted"] == ["post/c"]
    # The old token still answers exactly: the difference from its view, whatever came between.
    again = server.get(f"/api/sync?token={token}").json()
    assert records_of(again["published"]) == ["post/draft"] and again["deleted"] == ["post/c"]
    following = server.get(f"/api/sync?token={delta['next_token']}").json()
    assert following["published"] == following["changed"] == following["deleted"] == []


def test_sync_token_this_server_cannot_answer_is_gone(blog: Site, serve) -> None:
    server = serve(blog.root)
    token = server.get("/api/sync?initial=true").json()["next_token"]
    server.stop()
    # Another replica (no shared cache) has never seen the view the token names.
    cache = blog.root / ".press" / "cache"
    for path in sorted(cache.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    other = serve(blog.root)
    gone = other.get(f"/api/sync?token={token}")
    assert gone.status == 410
    assert "initial=true" in gone.json()["errors"][0]["hint"]
    # The same server restarted with its cache answers it.
    fresh = other.get("/api/sync?initial=true").json()["next_token"]
    other.stop()
    third = serve(blog.root)
    assert third.get(f"/api/sync?token={fresh}").status == 200


def test_drafts_sync_needs_the_token(blog: Site, serve) -> None:
    server = serve(blog.root, env={"PRESSROOM_PREVIEW_TOKEN": TOKEN})
    assert server.get("/api/sync?initial=true", {"X-Mode": "preview"}).status == 401
    drafts = server.get("/api/sync?initial=true", preview()).json()
    assert "post/draft" in records_of(drafts["published"])
    published_token = server.get("/api/sync?initial=true").json()["next_token"]
    assert server.get(f"/api/sync?token={published_token}", preview()).status == 400


def read_events(url: str, count: int, timeout: float = 15) -> list[tuple[str, dict]]:
    """The first ``count`` events of a server-sent event stream."""
    out: list[tuple[str, dict]] = []
    with urllib.request.urlopen(url, timeout=timeout) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        name = None
        while len(out) < count:
            line = stream.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: ") and name:
                out.append((name, json.loads(line[len("data: "):])))
                name = None
    return out


def test_an_event_stream_sees_a_publish(blog: Site, serve) -> None:
    server = serve(blog.root, env={"PRESSROOM_PREVIEW_TOKEN": TOKEN})
    # EventSource sends no headers: the token and the preview go in the query string.
    assert server.get("/api/events?preview=true").status == 401
    assert server.get("/api/events?preview=true&token=wrong").status == 401
    writer = subprocess.Popen([sys.executable, "-c", (
        "import time, sys; from pressroom import Site; time.sleep(1.5); s = Site.open(sys.argv[1]); "
        "s.publish('post/draft'); time.sleep(0.5); open(sys.argv[1] + '/content/post/b.yaml', 'a').write('# x\\n'); "
        "s.save('post/b', message='edit')"), str(blog.root)])
    try:
        public = read_events(server.url + "/api/events", 1)
        assert public == [("publish", {"record": "post/draft", "version": blog.get("post/draft").version,
                                       "old": None})]
    finally:
        assert writer.wait(timeout=30) == 0
    # A preview stream also gets the saves.
    writer = subprocess.Popen([sys.executable, "-c", (
        "import time, sys; from pressroom import Site; time.sleep(1.5); s = Site.open(sys.argv[1]); "
        "open(sys.argv[1] + '/content/post/b.yaml', 'a').write('# y\\n'); s.save('post/b', message='edit')"),
        str(blog.root)])
    try:
        drafts = read_events(server.url + f"/api/events?preview=true&token={TOKEN}", 1)
        assert drafts[0][0] == "save" and drafts[0][1]["record"] == "post/b"
    finally:
        assert writer.wait(timeout=30) == 0


def test_a_publish_by_another_process_is_visible_within_a_second(blog: Site, serve) -> None:
    server = serve(blog.root)
    assert server.get("/api/records/post/draft").status == 404
    result = run_press(blog.root, "publish", "post/draft")
    assert result.returncode == 0, result.stderr
    published = time.monotonic()
    while server.get("/api/records/post/draft").status != 200:
        assert time.monotonic() - published < 1.0, "not visible within a second"
        time.sleep(0.02)
    result = run_press(blog.root, "unpublish", "post/draft")
    assert result.returncode == 0, result.stderr
    unpublished = time.monotonic()
    while server.get("/api/records/post/draft").status != 404:
        assert time.monotonic() - unpublished < 1.0, "not gone within a second"
        time.sleep(0.02)


def test_a_git_pull_is_visible_without_a_restart(blog: Site, serve, tmp_path: Path) -> None:
    def git(cwd: Path, *args: str) -> None:
        subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args], cwd=cwd,
                       check=True, capture_output=True)

    git(blog.root, "init", "-q", "-b", "main")
    git(blog.root, "add", "-A")
    git(blog.root, "commit", "-qm", "site")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(blog.root), str(clone))
    server = serve(clone)
    assert server.get("/api/records/post/draft").status == 404
    blog.publish("post/draft")
    git(blog.root, "add", "-A")
    git(blog.root, "commit", "-qm", "publish the draft")
    git(clone, "pull", "-q", "--ff-only")
    pulled = time.monotonic()
    while server.get("/api/records/post/draft").status != 200:
        assert time.monotonic() - pulled < 1.0, "a pull not visible within a second"
        time.sleep(0.02)


def test_a_broken_view_is_refused_with_503(blog: Site, serve) -> None:
    server = serve(blog.root)
    assert server.get("/api/records/post/a").status == 200
    # What a git merge can leave: post/a is published, the author it links to is not.
    (blog.root / ".press" / "refs" / "published" / "author" / "ada").unlink()
    time.sleep(1.0)
    reply = server.get("/api/records/post/a")
    assert reply.status == 503
    body = reply.json()
    assert body["exit_code"] == 5 and body["status"] == "view_broken"
    assert any(p.get("record") == "post/a" and "author/ada" in p["message"] for p in body["errors"])
    assert server.get("/api/records/post").status == 503
    assert server.get("/api/sync?initial=true").status == 503


def _unprivileged() -> list[str]:
    """A prefix that runs a command as an ordinary user: root writes to read-only folders."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, and setpriv (util-linux) is not installed to drop to another user")
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*prefix, str(PRESS), "--version"], capture_output=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"the user nobody cannot run press from here: {probe.stderr.decode()[-200:]}")
    return prefix


def test_runs_on_a_read_only_checkout(blog: Site, serve) -> None:
    as_user = _unprivileged()
    # A copy in a folder every user may read (tmp_path's parents are root's own).
    shared = Path(tempfile.mkdtemp(prefix="pressroom-ro-"))
    shared.chmod(0o755)
    root = shared / "site"
    shutil.copytree(blog.root, root, symlinks=True)
    paths = [root, *root.rglob("*")]
    try:
        for path in paths:
            if not path.is_symlink():
                path.chmod((path.stat().st_mode | 0o444 | (0o111 if path.is_dir() else 0)) & ~0o222)
        # The server's user truly cannot write there, or the test would prove nothing.
        probe = subprocess.run([*as_user, "sh", "-c", f"touch '{root / 'probe'}'"], capture_output=True)
        assert probe.returncode != 0
        server = serve(root, as_user=as_user)
        assert server.get("/api/records/post/a").json()["data"]["title"] == "Alpha"
        token = server.get("/api/sync?initial=true").json()["next_token"]
        assert server.get(f"/api/sync?token={token}").status == 200
        assert server.get("/api/records/post").status == 200
    finally:
        for path in paths:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)
        shutil.rmtree(shared)


def test_a_port_in_use_is_a_clear_error(blog: Site) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_press(blog.root, "serve", "--port", str(port), "--json", timeout=30)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["errors"][0]["message"].startswith(f"cannot listen on 127.0.0.1:{port}")


def test_the_cli_start_up_does_not_load_the_web_stack(blog: Site) -> None:
    probe = ("import sys\nfrom pressroom.cli.entry import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print('LOADED', sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules), file=sys.stderr)\n")
    for args in (["--help"], ["-C", str(blog.root), "status"], ["serve", "--help"]):
        result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
        assert "LOADED []" in result.stderr, (args, result.stderr[-500:])
