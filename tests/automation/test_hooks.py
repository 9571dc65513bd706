"""Hooks: the JSON and environment a hook gets, a failing hook, --no-hooks, and the setting's checks."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from pressroom import BadContentError, Site
from tests.automation.conftest import python_hook, set_config
from tests.conftest import run_press, write

# A hook that records what it got: its stdin, its PRESSROOM_* environment, its working directory.
RECORDER = """\
import json, os, sys
from pathlib import Path
doc = json.load(sys.stdin)
env = {k: v for k, v in os.environ.items() if k.startswith("PRESSROOM_")}
out = Path(sys.argv[1])
runs = json.loads(out.read_text()) if out.exists() else []
runs.append({"doc": doc, "env": env, "cwd": os.getcwd()})
out.write_text(json.dumps(runs))
"""
FAILING = """\
import sys
print("building the site...")
print("error: template missing", file=sys.stderr)
sys.exit(3)
"""


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[str, Path]:
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER)
    out = tmp_path / "hook-runs.json"
    return f"{python_hook(script)} {out}", out


def _runs(out: Path) -> list[dict]:
    return json.loads(out.read_text()) if out.exists() else []


def test_a_hook_gets_the_change_as_json_and_environment(news: Site, recorder, cli) -> None:
    hook, out = recorder
    set_config(news.root, f'hooks:\n  after_publish: ["{hook}"]\n')
    write(news.root, "post/hello", "title: Hello\nauthor: ada\n")
    news.save("post/hello")
    code, env = cli.json("publish", "post/hello", "--cascade", "-m", "launch")
    assert code == 0
    (run,) = _runs(out)
    doc = run["doc"]
    versions = {m["record"]: m["version"] for m in env["data"]["moves"]}
    assert (doc["event"], doc["command"], doc["message"], doc["version"]) == ("after_publish", "publish", "launch", 1)
    assert doc["records"] == ["post/hello", "author/ada"]
    assert [(c["action"], c["record"], c["version"], c["reason"], c["via"]) for c in doc["changes"]] == [
        ("publish", "post/hello", versions["post/hello"], "named", None),
        ("publish", "author/ada", versions["author/ada"], "cascade", "post/hello"),
    ]
    assert doc["site"] == str(news.root) and doc["commit"] is None
    assert doc["author"] == "Test Author <test@example.com>"
    assert run["cwd"] == str(news.root)
    assert run["env"]["PRESSROOM_EVENT"] == "after_publish"
    assert run["env"]["PRESSROOM_RECORDS"] == "post/hello author/ada"
    assert run["env"]["PRESSROOM_VERSIONS"].split() == [f"post/hello@{versions['post/hello']}",
                                                        f"author/ada@{versions['author/ada']}"]
    assert run["env"]["PRESSROOM_COUNT"] == "2"
    assert run["env"]["PRESSROOM_ACTIONS"] == "publish:post/hello publish:author/ada"
    (ran,) = env["data"]["after"]["hooks"]
    assert (ran["event"], ran["exit_code"], ran["timed_out"], ran["timeout"]) == ("after_publish", 0, False, 600)


def test_each_event_runs_its_own_hooks(news: Site, recorder) -> None:
    hook, out = recorder
    set_config(news.root, "hooks:\n" + "".join(f'  {e}: ["{hook}"]\n' for e in (
        "after_publish", "after_unpublish", "after_archive", "after_delete")))
    site = Site.open(news.root)
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    site.publish("post/a")
    site.unpublish("post/a")
    site.publish("post/a")
    site.archive("post/a")
    site.delete("post/a")
    site.publish("author/ada", dry_run=True)  # a dry run changes nothing: no hook
    assert [r["doc"]["event"] for r in _runs(out)] == ["after_publish", "after_unpublish", "after_publish",
                                                       "after_archive", "after_delete"]


def test_every_hook_runs_with_sh(news: Site) -> None:
    (news.root / "web").mkdir()
    set_config(news.root, 'hooks:\n  after_publish:\n    - echo "$PRESSROOM_RECORDS" > published.txt\n'
                          '    - touch "second hook ran"\n'
                          '    - cd web && touch built\n'
                          '  after_unpublish: ["exit 3"]\n')
    result = Site.open(news.root).publish("author/ada")
    assert [r.exit_code for r in result.after.hooks] == [0, 0, 0]
    assert (news.root / "published.txt").read_text() == "author/ada\n"
    assert (news.root / "second hook ran").exists()
    assert (news.root / "web" / "built").exists()
    (run,) = Site.open(news.root).unpublish("author/ada").after.hooks
    assert (run.command, run.exit_code) == ("exit 3", 3)  # the shell's builtin, not "command not found"


def test_a_hooks_output_is_shown_and_kept(news: Site, cli) -> None:
    set_config(news.root, 'hooks:\n  after_publish: ["echo built 3 pages; echo warning: slow >&2"]\n')
    code, env = cli.json("publish", "author/ada")
    assert code == 0
    (run,) = env["data"]["after"]["hooks"]
    assert run["output"] == "built 3 pages\nwarning: slow\n"
    cli.json("unpublish", "author/ada")
    human = cli("publish", "author/ada")
    assert human.exit_code == 0
    assert "built 3 pages\nwarning: slow\n" in human.stderr and "built" not in human.stdout


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (waiting a little: an orphan is reaped by init, not at once)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return True  # a zombie has ended; only its exit status waits to be read
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("setting", [
    "hooks_timeout: 1\nhooks:\n  after_publish: ['{hook}']\n",
    "hooks:\n  after_publish:\n    - {{run: '{hook}', timeout: 0.5}}\n",
])
def test_a_hook_that_runs_too_long_is_stopped_with_what_it_started(news: Site, cli, setting: str) -> None:
    hook = "sleep 60 & echo $! > child.pid; echo started; wait"
    set_config(news.root, setting.format(hook=hook))
    code, env = cli.json("publish", "author/ada")
    assert code == 1
    (error,) = env["errors"]
    assert error["code"] == "hook_failed" and "timed out after" in error["message"] and "started" in error["message"]
    assert "hooks_timeout" in error["hint"]
    (run,) = env["data"]["after"]["hooks"]
    assert (run["timed_out"], run["exit_code"]) == (True, 124)
    assert _gone(int((news.root / "child.pid").read_text()))  # the background child went with the hook
    assert Site.open(news.root).status("author/ada").records[0].status == "published"


def test_a_failing_hook_is_reported_and_the_change_stays(news: Site, tmp_path: Path, cli) -> None:
    failing = tmp_path / "failing.py"
    failing.write_text(FAILING)
    never = tmp_path / "never"
    set_config(news.root, f'hooks:\n  after_publish: ["{python_hook(failing)}", "touch {never}"]\n')
    code, env = cli.json("publish", "author/ada")
    assert code == 1
    (error,) = env["errors"]
    assert error["code"] == "hook_failed" and "exit code 3" in error["message"]
    assert "error: template missing" in error["message"] and "content change was made" in error["hint"]
    (run,) = env["data"]["after"]["hooks"]  # the next hook did not run
    assert run["exit_code"] == 3 and "building the site" in run["output"]
    assert not never.exists()
    # The publish happened and stays.
    assert news.status("author/ada").records[0].status == "published"
    human = run_press(news.root, "unpublish", "author/ada")  # no hook for unpublish: fine
    assert human.returncode == 0
    human = run_press(news.root, "publish", "author/ada")
    assert human.returncode == 1
    assert b"exit code 3" in human.stderr and b"template missing" in human.stderr


def test_no_hooks_skips_them(news: Site, recorder, cli) -> None:
    hook, out = recorder
    set_config(news.root, f'hooks:\n  after_publish: ["{hook}"]\n  after_unpublish: ["{hook}"]\n')
    code, env = cli.json("publish", "author/ada", "--no-hooks")
    assert code == 0 and env["data"]["after"]["hooks"] == []
    assert cli.json("unpublish", "author/ada", "--no-hooks")[0] == 0
    assert _runs(out) == []
    Site.open(news.root).publish("author/ada", hooks=False)
    assert _runs(out) == []


def test_a_save_that_publishes_runs_after_publish(site: Site, recorder) -> None:
    hook, out = recorder
    (site.root / "models").mkdir(exist_ok=True)
    (site.root / "models" / "page.yaml").write_text("draft_published: false\n")
    set_config(site.root, f'hooks:\n  after_publish: ["{hook}"]\n')
    write(site.root, "page/about", "title: About\n")
    Site.open(site.root).save("page/about")
    (run,) = _runs(out)
    assert run["doc"]["command"] == "save"
    assert [(c["action"], c["record"], c["reason"]) for c in run["doc"]["changes"]] == [
        ("publish", "page/about", "save")]


def test_schedule_run_hooks(news: Site, recorder) -> None:
    hook, out = recorder
    set_config(news.root, f'hooks:\n  after_publish: ["{hook}"]\n  after_schedule_run: ["{hook}"]\n')
    site = Site.open(news.root)
    site.schedule("publish", "author/ada", at="2030-01-01T00:00:00Z")
    site.run_schedule(now="2030-01-01T00:00:00Z")
    runs = _runs(out)
    assert [r["doc"]["event"] for r in runs] == ["after_publish", "after_schedule_run"]
    (sched,) = runs[1]["doc"]["schedules"]
    assert (sched["record"], sched["outcome"]) == ("author/ada", "done")
    assert runs[0]["doc"]["changes"][0]["reason"] == "schedule"
    site.run_schedule(now="2030-01-02T00:00:00Z")  # nothing due: no hook
    assert len(_runs(out)) == 2


@pytest.mark.parametrize(("setting", "says"), [
    ("hooks: [make]", "must map an event"),
    ("hooks: {after_lunch: [make]}", "unknown hook event 'after_lunch'"),
    ("hooks: {after_publish: []}", "a command or a list"),
    ("hooks: {after_publish: [3]}", "command line"),
    ("hooks: {after_publish: [{run: make, when: always}]}", "unknown key 'when'"),
    ("hooks: {after_publish: [{run: make, timeout: 0}]}", "hooks.after_publish[0].timeout must be a positive"),
    ("hooks_timeout: soon", "hooks_timeout must be a positive number of seconds"),
    ("git: {commit: yes please}", "git.commit must be true or false"),
    ("git: {push: true}", "unknown git setting"),
])
def test_bad_settings_are_refused_when_the_config_loads(site: Site, setting: str, says: str) -> None:
    set_config(site.root, f"# settings\n{setting}\n")
    with pytest.raises(BadContentError) as caught:
        Site.open(site.root)
    assert says in caught.value.message
    assert caught.value.where.line == 2
    result = run_press(site.root, "status", "--json")
    assert result.returncode == 1 and says in json.loads(result.stdout)["errors"][0]["message"]


def test_the_hook_command_does_not_exist(news: Site) -> None:
    set_config(news.root, 'hooks:\n  after_publish: ["no-such-command-anywhere --now"]\n')
    result = Site.open(news.root).publish("author/ada")
    (run,) = result.after.hooks
    assert run.exit_code == 127 and result.after.problems[0].code == "hook_failed"
    assert Site.open(news.root).status("author/ada").records[0].status == "published"
