"""docs/getting-started.md works as written: its shell and Python blocks, run in order,
with the real `press`, end with a published post, an export and a built sample site."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import PRESS

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "getting-started.md").read_text()
REFUSED = "press publish post/hello\n"  # the page shows this one being refused


def section(title: str) -> str:
    return PAGE.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def run_bash(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PRESSROOM_DIR"}
    env["PATH"] = f"{PRESS.parent}{os.pathsep}{env['PATH']}"
    return subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=300)


def test_the_install_block_installs_the_site_extra() -> None:
    (install,) = blocks(section("1. Install"), "sh")
    assert "pip install -q -e '.[site]'" in install


def test_the_sample_site_steps(tmp_path: Path) -> None:
    shutil.copytree(REPO / "sample-site", tmp_path / "sample-site",
                    ignore=shutil.ignore_patterns("_site", "lock"))
    (steps,) = blocks(section("2. Look at the sample site first"), "sh")
    result = run_bash(steps, tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^22 record\(s\): 4 draft, 12 published, 3 updated, 3 archived$", result.stdout, re.M)
    assert (tmp_path / "sample-site/_site/index.html").is_file()
    assert "Work in progress" not in (tmp_path / "sample-site/_site/index.html").read_text()


def test_a_site_of_your_own_as_the_page_shows_it(tmp_path: Path) -> None:
    text = section("3. A site of your own")
    script = []
    for block in blocks(text, "sh"):
        if block == REFUSED:
            block = f"if {block.strip()}; then echo 'publish was not refused' >&2; exit 99; fi\n"
        script.append(block)
    result = run_bash("".join(script), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "links to author/ada, which is not published (draft)" in result.stderr
    assert '~ title: "Hello, world" -> "Hello again"' in result.stdout
    assert "4 written, 0 unchanged, 0 removed" in result.stdout
    hello = json.loads((tmp_path / "public-data/post/hello.json").read_text())
    assert hello["data"]["title"] == "Hello again"

    read, typed = blocks(text, "python")
    # Where the shell steps end: inside the new site. The typed example publishes what is
    # published already: nothing changes, so nothing is committed and it prints nothing.
    ran = subprocess.run([sys.executable, "-c", read + typed], cwd=tmp_path / "mysite", capture_output=True,
                         text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "hello Hello again by Ada Lovelace\n"
