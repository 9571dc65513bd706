"""A reader sees a transaction whole or not at all, while another process publishes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pressroom import Site
from tests.conftest import PRESS, run_press, write

N = 200
ITEM = """\
schema:
  type: object
  required: [title]
  properties:
    title: {type: string}
    next: {type: string, x-link: item}
"""


def chain(site: Site) -> tuple[frozenset[str], frozenset[str]]:
    """item/i000 -> i001 -> ... -> i199; only the last one published. Returns (before, after)."""
    (site.root / "models/item.yaml").write_text(ITEM)
    for i in range(N):
        nxt = f"\nnext: i{i + 1:03d}" if i + 1 < N else ""
        write(site.root, f"item/i{i:03d}", f"title: Item {i}{nxt}\n")
    site.save(all=True)
    site.publish(f"item/i{N - 1:03d}")
    before = frozenset({f"item/i{N - 1:03d}"})
    return before, frozenset(f"item/i{i:03d}" for i in range(N))


def start_cascade(root: Path, logs: Path) -> subprocess.Popen[bytes]:
    """The cascade in another process, printing into files under ``logs``: the JSON of 199
    moves outgrows a pipe's buffer, and the writer would block on it while the test polls."""
    logs.mkdir()
    with open(logs / "out", "wb") as out, open(logs / "err", "wb") as err:
        return subprocess.Popen([str(PRESS), "-C", str(root), "publish", "item/i000", "--cascade", "--json"],
                                stdout=out, stderr=err)


def test_api_reader_sees_a_cascade_whole_or_not_at_all(site: Site, tmp_path: Path) -> None:
    before, after = chain(site)
    writer = start_cascade(site.root, tmp_path / "logs")
    seen = []
    while True:
        done = writer.poll() is not None
        records = list(Site.open(site.root).published("item"))
        observed = frozenset(r.record for r in records)
        seen.append(observed)
        # Closed under links in every view a reader can see.
        assert all(f"item/{r.data['next']}" in observed for r in records if "next" in r.data)
        if done:
            break
    assert writer.wait() == 0, (tmp_path / "logs" / "err").read_text()
    moves = json.loads((tmp_path / "logs" / "out").read_text())["data"]["moves"]
    assert len(moves) == N - 1
    assert set(seen) <= {before, after}, [len(s) for s in seen if s not in (before, after)]
    assert seen[-1] == after
    assert len(seen) >= 2


def test_export_sees_a_cascade_whole_or_not_at_all(site: Site, tmp_path: Path) -> None:
    before, after = chain(site)
    out = tmp_path / "out"
    writer = start_cascade(site.root, tmp_path / "logs")
    seen = []
    while True:
        done = writer.poll() is not None
        result = run_press(site.root, "export", "--out", str(out), "--json")
        assert result.returncode == 0, result.stderr.decode()
        manifest = json.loads((out / "manifest.json").read_text())
        files = frozenset(p.relative_to(out).as_posix()[: -len(".json")] for p in out.glob("item/*.json")
                          if p.name != "index.json")
        assert files == frozenset(manifest["records"])
        seen.append(files)
        if done:
            break
    assert writer.wait() == 0
    assert set(seen) <= {before, after}
    assert seen[-1] == after
