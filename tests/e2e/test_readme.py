"""The README works as written: its "A first site" steps, run by bash with the
real ``press``, do what its comments say, and its other claims hold.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from tests.conftest import PRESS, run_press

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()
MARK = "@@@ step done @@@"


def _blocks(section: str | None = None) -> list[str]:
    """The ```sh blocks of the README, or of one ## section of it."""
    text = README
    if section is not None:
        text = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def _run_steps(block: str, cwd: Path) -> list[tuple[str, str]]:
    """Run a README block in one bash, line by line; (line, its output) for each."""
    lines = [line for line in block.splitlines() if line.strip()]
    script = "set -euo pipefail\n" + "".join(f"{line}\necho '{MARK}'\n" for line in lines)
    env = {k: v for k, v in os.environ.items() if k != "PRESSROOM_DIR"}
    env["PATH"] = f"{PRESS.parent}{os.pathsep}{env['PATH']}"
    result = subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, f"a README step failed:\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    outputs = result.stdout.split(f"{MARK}\n")
    assert len(outputs) == len(lines) + 1 and outputs[-1] == ""
    return list(zip(lines, outputs))


def test_a_first_site_as_the_readme_shows_it(tmp_path: Path) -> None:
    (block,) = _blocks("A first site")
    steps = dict(_run_steps(block, tmp_path))
    site = tmp_path / "mysite"

    def output_of(command: str) -> str:
        (out,) = [out for line, out in steps.items() if line.startswith(command)]
        return out

    assert (site / "content" / "post" / "hello.yaml").read_text() == "title: Hello, world\n"
    # press log: two versions, newest first.
    log = output_of("press log post/hello")
    assert log.index("better title") < log.index("first draft")
    code, env = _json(site, "log", "post/hello")
    versions = [item for item in env["data"].get("items", env["data"].get("entries", []))
                if item.get("type", "version") == "version"]
    assert [v["message"] for v in versions] == ["better title", "first draft"]
    for v in versions:
        assert v["version"][:7] in log
    # press status: post/hello, a draft, nothing unsaved.
    status = output_of("press status")
    assert re.search(r"^post/hello\s+draft\s", status, re.M), status
    code, env = _json(site, "status")
    (row,) = env["data"]["records"]
    assert (row["record"], row["status"], row["changes"], row["current"]) == (
        "post/hello", "draft", None, versions[0]["version"])
    # press show post/hello@~1: the first version, byte for byte.
    assert output_of("press show post/hello@~1") == "title: Hello\n"


def _json(site: Path, *args: str) -> tuple[int, dict]:
    result = run_press(site, *args, "--json")
    assert result.returncode == 0, result.stderr.decode()
    return result.returncode, json.loads(result.stdout)


def test_the_envelope_the_readme_names(site_dir: Path) -> None:
    named = re.search(r"prints one stable envelope\s*\(([^)]*)\)", README).group(1)
    keys = re.findall(r"`(\w+)`", named)
    assert set(keys) == set(_json(site_dir, "status")[1])


def test_the_sample_site_command_works(tmp_path: Path) -> None:
    """The README's first command, after its set-up part: press on sample-site."""
    (first, _tests) = _blocks()[:2]
    # The build step after it is run by tests/delivery/test_sample_site.py.
    assert ".venv/bin/press -C sample-site status" in first.strip().split(" && ")
    result = subprocess.run([str(PRESS), "-C", str(REPO / "sample-site"), "status"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\d+ record\(s\): ", result.stdout, re.M), result.stdout


def test_ci_runs_the_readme_test_command() -> None:
    (_first, tests) = _blocks()[:2]
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    for step in tests.strip().split(" && "):
        assert step in ci, f"{step!r} is in the README's test command but not in .ci/run"
