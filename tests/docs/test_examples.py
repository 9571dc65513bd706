"""The examples in the help (and the man page) work: each command's, run in order on a copy of sample-site/."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressroom.cli.app import app
from pressroom.cli.examples import EXAMPLES

SAMPLE = Path(__file__).resolve().parents[2] / "sample-site"

# What an example needs that the sample site does not have, said once here.
NOT_RUN = {
    "serve": "serves until stopped (tests/serve runs the server)",
    "resolve": "needs a git merge that left a conflict (tests/automation covers resolve)",
    "merge-driver run": "git runs it on a merge's temporary files",
    "schedule ack": "needs a schedule that two clones both carried out",
}


def _git_init(site: Path) -> None:
    subprocess.run(["git", "init", "-q", str(site)], check=True)


def _declare_stages(site: Path) -> None:
    # The sample's post model declares no review stages.
    model = site / "models" / "post.yaml"
    model.write_text(model.read_text(encoding="utf-8") + "stages: [draft, review, ready]\n", encoding="utf-8")


def _a_release(site: Path) -> None:
    for args in (["release", "create", "spring"], ["release", "add", "spring", "post/ace"]):
        code, out = _invoke(site, args)
        assert code == 0, out


SETUP: dict[str, Callable[[Path], None]] = {
    "git": _git_init,
    "git setup": _git_init,
    "merge-driver": _git_init,
    "merge-driver install": _git_init,
    "stage": _declare_stages,
    **{f"release {sub}": _a_release for sub in ("add", "remove", "show", "publish", "delete")},
}


def _invoke(site: Path, args: list[str]) -> tuple[int, str]:
    while args[:1] in (["-C"], ["--directory"]):
        args = args[2:]  # every example runs in the copy
    result = CliRunner().invoke(app, ["-C", str(site), *args], catch_exceptions=False)
    return result.exit_code, result.output


def _with_a_schedule(site: Path, line: str) -> str:
    """schedule cancel's example, naming a schedule that exists: its id is made when it is scheduled."""
    code, out = _invoke(site, ["schedule", "publish", "post/apollo", "--at", "2030-01-01T09:00:00Z", "--json"])
    assert code == 0, out
    schedule_id = json.loads(out)["data"]["schedule"]["id"]
    return line.replace("3f2a9c1", schedule_id)


def test_not_run_names_only_commands_with_examples() -> None:
    assert set(NOT_RUN) <= set(EXAMPLES)
    assert len(NOT_RUN) < len(EXAMPLES) // 8, "most examples must run"


@pytest.mark.parametrize("key", sorted(set(EXAMPLES) - set(NOT_RUN)), ids=lambda k: k or "press")
def test_the_examples_run_on_the_sample_site(key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site)
    # init DIR is read against the current folder, not -C: keep what it makes in tmp_path.
    monkeypatch.chdir(tmp_path)
    SETUP.get(key, lambda _site: None)(site)
    # press edit's editor: appends a comment line, as a user's edit would change the file.
    monkeypatch.setenv("VISUAL", f"{shlex.quote(sys.executable)} -c "
                                 "\"import sys; open(sys.argv[1], 'a').write('# edited\\n')\"")
    for example in EXAMPLES[key]:
        line = _with_a_schedule(site, example.line) if key == "schedule cancel" else example.line
        code, out = _invoke(site, shlex.split(line)[1:])
        assert code == 0, f"{line} exited {code}:\n{out}"
