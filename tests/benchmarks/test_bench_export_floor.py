"""benchmarks/export_floor.py runs on a tiny published site and prints every step (no timing is checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pressroom import Site
from tests.conftest import write

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "export_floor.py"
STEPS = ["read objects", "read logs", "parse", "labels", "encode", "create files", "whole export", "cp -r content"]


def test_a_small_run_prints_every_step_and_leaves_the_site_as_it_was(site: Site) -> None:
    (site.root / "models" / "post.yaml").write_text(
        "schema:\n  type: object\n  properties:\n    title: {type: string}\n    author: {type: string, x-link: author}\n")
    (site.root / "models" / "author.yaml").write_text("schema:\n  type: object\n")
    write(site.root, "author/ada", "name: Ada\n")
    for i in range(5):
        write(site.root, f"post/p{i}", f"title: Post {i}\nauthor: ada\n")
    site.save(all=True, message="all")
    site.publish(all=True)
    before = sorted(p.relative_to(site.root).as_posix() for p in site.root.rglob("*") if ".press" not in p.parts)
    result = subprocess.run([sys.executable, str(SCRIPT), str(site.root), "--repeat", "1"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["step", "CPU", "s", "of", "export"]
    assert [line[:16].strip() for line in lines[1:1 + len(STEPS)]] == STEPS
    assert lines[1 + len(STEPS)].startswith("floor (parse + encode + create files): ")
    after = sorted(p.relative_to(site.root).as_posix() for p in site.root.rglob("*") if ".press" not in p.parts)
    assert after == before
