"""The review-stages CI recipe in docs/recipes.md, run step by step.

Its workflow, pressroom.yaml and Makefile are read from the page; each job's
`run:` steps are run with bash as GitHub Actions would for the event (step
`if:` conditions, `always()`, a failed step skipping the rest), with the real
`press` and `git`, in clones of a bare `origin`. The workflow's block is
fenced as ```yml so that the first CI recipe's test, which takes the page's
one ```yaml block holding `jobs:`, keeps finding its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from pressroom import Site
from tests.automation.conftest import AUTHOR, git, write_models
from tests.conftest import PRESS, store_files, write

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "recipes.md").read_text()
TITLE = "## Review stages, a build hook, and commits by press"


def _section() -> str:
    start = PAGE.index(TITLE)
    end = PAGE.find("\n## ", start + len(TITLE))
    return PAGE[start:end]


def _block(fence: str, first_line: str | None = None) -> str:
    blocks = re.findall(rf"```{fence}\n(.*?)```", _section(), re.S)
    (block,) = [b for b in blocks if first_line is None or b.startswith(first_line)]
    return block


def workflow() -> dict:
    return YAML(typ="safe").load(_block("yml"))


@pytest.fixture
def origin(tmp_path: Path, git_home: Path) -> Path:
    """A bare origin holding a site (the recipe's post model, pressroom.yaml and Makefile), and a
    developer's clone of it in tmp_path/dev: author/ada published, post/a and post/b saved as drafts."""
    bare, dev = tmp_path / "origin.git", tmp_path / "dev"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(tmp_path, "clone", "-q", str(bare), str(dev))
    git(dev, "config", "user.name", "Ed Itor")
    git(dev, "config", "user.email", "ed@example.org")
    Site.init(dev)
    write_models(dev, author=AUTHOR, post=_block("yaml", "stages:"))
    (dev / "pressroom.yaml").write_text(_block("yaml", "# pressroom.yaml"))
    (dev / "Makefile").write_text(_block("make"))
    (dev / ".gitignore").write_text("public-data/\n")
    write(dev, "author/ada", "name: Ada\n")
    write(dev, "author/grace", "name: Grace\n")
    write(dev, "post/a", "title: A\nauthor: ada\n")
    write(dev, "post/b", "title: B\nauthor: grace\n")
    site = Site.open(dev)
    site.save(all=True)
    site.publish("author/ada", hooks=False)
    _push(dev, "the site")
    return bare


def _press(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PRESS), *args], cwd=cwd, capture_output=True, text=True, env=_env())


def _push(dev: Path, message: str) -> None:
    git(dev, "add", "-A")
    git(dev, "commit", "-q", "-m", message)
    git(dev, "push", "-q", "origin", "HEAD")


def _env() -> dict[str, str]:
    # As on a runner: no PRESSROOM_AUTHOR (the job's git config names the bot), press on PATH.
    env = {k: v for k, v in os.environ.items() if k not in ("PRESSROOM_DIR", "PRESSROOM_AUTHOR")}
    env.update(PATH=f"{PRESS.parent}{os.pathsep}{env['PATH']}", GITHUB_SHA="0123456789abcdef")
    return env


def _runs(condition: str | None, event: str, failed: bool) -> bool:
    """GitHub's rules for the conditions the recipe uses: a failed step skips the rest but always()."""
    if condition is None:
        return not failed
    if condition == "always()":
        return True
    events = re.findall(r"github\.event_name == '(\w+)'", condition)
    assert events and condition == " || ".join(f"github.event_name == '{e}'" for e in events), condition
    return not failed and event in events


def run_job(name: str, event: str, cwd: Path) -> tuple[bool, str]:
    """Run a job's `run:` steps for ``event`` (checkout, setup and install steps left out): (ok, output)."""
    job = workflow()["jobs"][name]
    condition = job["if"]
    assert condition in ("github.event_name == 'pull_request'", "github.event_name != 'pull_request'")
    assert (event == "pull_request") == (condition == "github.event_name == 'pull_request'")
    failed, output = False, []
    for step in job["steps"]:
        run = step.get("run")
        if run is None or "pip install" in run or not _runs(step.get("if"), event, failed):
            continue
        result = subprocess.run(["bash", "-eo", "pipefail", "-c", run], cwd=cwd, capture_output=True, text=True,
                                env=_env(), timeout=300)
        output.append(f"$ {run}\n{result.stdout}{result.stderr}")
        failed = failed or result.returncode != 0
    return not failed, "\n".join(output)


def _ci_clone(origin: Path, tmp_path: Path, name: str, branch: str = "main") -> Path:
    clone = tmp_path / name
    git(tmp_path, "clone", "-q", "-b", branch, str(origin), str(clone))
    return clone


def test_the_workflow_runs_on_pull_requests_merges_and_every_15_minutes() -> None:
    wf = workflow()
    triggers = wf["on"]
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"] == [{"cron": "*/15 * * * *"}]
    runs = [s.get("run", "") for job in wf["jobs"].values() for s in job["steps"]]
    assert "press publish --stage ready --dry-run" in runs
    assert any(r.startswith("press publish --stage ready --commit") for r in runs)
    assert "press schedule run --commit" in runs
    hooks = YAML(typ="safe").load(_block("yaml", "# pressroom.yaml"))["hooks"]
    assert hooks["after_publish"] == ["make build"]


def test_the_pull_request_check(origin: Path, tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    git(dev, "checkout", "-q", "-b", "review")
    assert _press(dev, "stage", "post/a", "ready").returncode == 0
    _push(dev, "post/a is reviewed")
    pr = _ci_clone(origin, tmp_path, "pr", "review")
    before = store_files(pr)
    ok, output = run_job("check", "pull_request", pr)
    assert ok, output
    assert "would be published post/a" in output
    assert store_files(pr) == before  # a check changes nothing

    # post/b links to author/grace, a draft: merging would refuse to publish it, so the check fails.
    assert _press(dev, "stage", "post/b", "ready").returncode == 0
    _push(dev, "post/b is reviewed")
    git(pr, "pull", "-q")
    ok, output = run_job("check", "pull_request", pr)
    assert not ok
    assert "links to author/grace, which is not published" in output


def test_a_merge_publishes_what_is_marked_ready_and_builds(origin: Path, tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    assert _press(dev, "stage", "post/a", "ready").returncode == 0
    assert _press(dev, "stage", "post/b", "in_review").returncode == 0
    _push(dev, "merge the review branch")
    ci = _ci_clone(origin, tmp_path, "ci-push")
    ok, output = run_job("publish", "push", ci)
    assert ok, output

    # The hook built the site from the published view.
    assert json.loads((ci / "public-data" / "post" / "a.json").read_text())["data"]["title"] == "A"
    assert not (ci / "public-data" / "post" / "b.json").exists()
    # press's own commit reached origin, with only the store files the publish moved.
    git(dev, "pull", "-q")
    log = git(dev, "log", "-3", "--format=%s|%an").stdout.splitlines()
    # The recipe's -m is the commit's subject; what press did is the body.
    assert log[0] == "merged 0123456|press-bot"
    assert "publish post/a" in git(dev, "log", "-1", "--format=%b").stdout
    files = git(dev, "show", "--name-only", "--format=", "HEAD").stdout.split()
    assert files == [".press/logs/post/a", ".press/refs/published/post/a"]
    status = {r.record: r.status for r in Site.open(dev).status().records}
    assert (status["post/a"], status["post/b"]) == ("published", "draft")
    assert Site.open(dev).store.read_log("post/a")[-1]["author"] == "press-bot <press-bot@users.noreply.github.com>"


def test_the_scheduled_run_carries_out_due_actions_and_pushes_even_when_one_fails(origin: Path,
                                                                                  tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    assert _press(dev, "stage", "post/a", "ready").returncode == 0
    assert _press(dev, "schedule", "publish", "post/a", "--at", "+0m").returncode == 0
    # post/b was never reviewed: its scheduled publish will be refused.
    assert _press(dev, "schedule", "publish", "post/b", "--at", "+0m").returncode == 0
    assert _press(dev, "schedule", "publish", "post/b", "--at", "+1w").returncode == 0  # not due
    _push(dev, "schedule the launch")

    ci = _ci_clone(origin, tmp_path, "ci-cron")
    ok, output = run_job("publish", "schedule", ci)
    assert not ok  # the failed action makes the run exit 1 ...
    assert "press publish --stage" not in output  # (the publish step is for pushes only)
    assert (ci / "public-data" / "post" / "a.json").exists()  # ... the hook built what was done ...
    git(dev, "pull", "-q")  # ... and the push still ran
    assert git(dev, "log", "-1", "--format=%s").stdout.strip() == "schedule run: publish post/a"
    listed = json.loads(_press(dev, "schedule", "list", "--json").stdout)["data"]["schedules"]
    assert [(s["record"], s["state"]) for s in listed] == [("post/b", "failed"), ("post/b", "pending")]
    assert {e["code"] for e in listed[0]["errors"]} == {"stage", "unpublished_link"}
    assert Site.open(dev).status("post/a").records[0].status == "published"
    assert git(dev, "status", "--porcelain").stdout == ""

    # The next run, 15 minutes later, has nothing due: it succeeds and pushes nothing new.
    head = git(dev, "rev-parse", "HEAD").stdout
    git(ci, "pull", "-q")
    ok, output = run_job("publish", "schedule", ci)
    assert ok, output
    git(dev, "pull", "-q")
    assert git(dev, "rev-parse", "HEAD").stdout == head
