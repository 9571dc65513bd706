"""The git hooks `press git setup` installs: post-merge, post-rewrite and post-checkout run the
published-view check after git acts, chain to hooks already there, and honour core.hooksPath.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.githooks import CHAINED_SUFFIX, HOOKS, MARK, PRE_COMMIT_MARK
from tests.automation.conftest import AUTHOR, POST, git, init_repo, write_models
from tests.conftest import run_press, write


def _site_repo(top: Path, site_dir: Path | None = None) -> Path:
    """A repository with a site (at ``site_dir``, default its root), committed on main: author/ada
    published with post/a, her only referrer; post/b a draft linking her."""
    init_repo(top)
    site_dir = site_dir or top
    Site.init(site_dir)
    write_models(site_dir, author=AUTHOR, post=POST)
    write(site_dir, "author/ada", "name: Ada\n")
    write(site_dir, "post/a", "title: A\nauthor: ada\n")
    write(site_dir, "post/b", "title: B\nauthor: ada\n")
    site = Site.open(site_dir)
    site.save(all=True)
    site.publish("post/a", cascade=True)
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "site")
    return site_dir


def _setup(site_dir: Path) -> dict:
    result = run_press(site_dir, "git", "setup", "--json")
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)["data"]


def _hook_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.endswith(".sample")}


def _recording_hook(path: Path, log: Path, exit_code: int = 0) -> None:
    """A hook of the user's: appends its name, arguments and stdin to ``log``, exits ``exit_code``."""
    path.write_text(f'#!/bin/sh\n{{ echo "$(basename "$0") $*"; cat; }} >> {log}\nexit {exit_code}\n')
    path.chmod(0o755)


def _commit_change(top: Path, site_dir: Path, text: str, message: str) -> None:
    write(site_dir, "post/b", text)
    Site.open(site_dir).save("post/b")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", message)


def _diverge(top: Path, site_dir: Path) -> None:
    """Branch `withdraw` unpublishes ada and post/a; main publishes post/b, which links ada.

    Each is a change press allows; git merges them without a conflict into a published post/b
    linking an unpublished author.
    """
    git(top, "checkout", "-q", "-b", "withdraw")
    assert run_press(site_dir, "unpublish", "author/ada", "post/a").returncode == 0
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "withdraw ada with her only referrer")
    git(top, "checkout", "-q", "main")
    assert run_press(site_dir, "publish", "post/b").returncode == 0
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "publish b")


def _broken_branch(top: Path, site_dir: Path) -> None:
    """Branch `broken` holds the merge of ``_diverge``; main is left as it was."""
    _diverge(top, site_dir)
    git(top, "checkout", "-q", "-b", "broken")
    git(top, "merge", "-q", "--no-edit", "withdraw")
    git(top, "checkout", "-q", "main")


def _names_the_violation(said: str, hook: str) -> None:
    assert f"pressroom: after git {hook}, `press fsck --view-only` exited 5:" in said
    assert "post/b" in said and "author/ada" in said and "press publish author/ada --cascade" in said


def test_setup_installs_the_three_hooks_once(tmp_path: Path, git_home: Path) -> None:
    site_dir = _site_repo(tmp_path / "repo")
    data = _setup(site_dir)
    hooks_dir = site_dir / ".git" / "hooks"
    assert data["hooks"]["installed"] == list(HOOKS) and data["hooks"]["hooks_dir"] == str(hooks_dir)
    assert data["hooks"]["command"].startswith(sys.executable) and " -m pressroom -C . " in data["hooks"]["command"]
    for hook in HOOKS:
        script = (hooks_dir / hook).read_text()
        assert script.startswith("#!/bin/sh\n") and MARK in script and data["hooks"]["command"] in script
        assert os.stat(hooks_dir / hook).st_mode & stat.S_IXUSR
    before = _hook_files(hooks_dir)
    again = _setup(site_dir)
    assert again["hooks"]["unchanged"] == list(HOOKS) and again["hooks"]["installed"] == []
    assert _hook_files(hooks_dir) == before
    # A clean checkout prints nothing: the hooks speak only when something is wrong.
    switched = git(site_dir, "checkout", "-b", "other")
    assert "pressroom" not in switched.stderr


def test_existing_hooks_are_kept_and_run_first(tmp_path: Path, git_home: Path) -> None:
    top = tmp_path / "repo"
    site_dir = _site_repo(top)
    hooks_dir = top / ".git" / "hooks"
    log = tmp_path / "calls.log"
    for hook in HOOKS:
        _recording_hook(hooks_dir / hook, log)
    originals = {hook: (hooks_dir / hook).read_bytes() for hook in HOOKS}
    data = _setup(site_dir)
    assert data["hooks"]["chained"] == list(HOOKS)
    for hook in HOOKS:
        assert (hooks_dir / f"{hook}{CHAINED_SUFFIX}").read_bytes() == originals[hook]
    assert _setup(site_dir)["hooks"]["unchanged"] == list(HOOKS)  # and not chained to itself

    git(top, "checkout", "-q", "-b", "feature")
    _commit_change(top, site_dir, "title: B2\nauthor: ada\n", "b2")
    git(top, "checkout", "-q", "main")
    git(top, "merge", "-q", "--ff-only", "feature")
    git(top, "commit", "-q", "--amend", "-m", "two, amended")
    calls = log.read_text()
    assert "post-checkout.before-pressroom " in calls and "post-merge.before-pressroom 0" in calls
    # post-rewrite's list of rewritten commits reaches the user's hook on stdin.
    rewritten = calls.split("post-rewrite.before-pressroom amend\n", 1)[1].split()
    assert len(rewritten) >= 2 and all(len(sha) == 40 for sha in rewritten[:2])


def test_a_hook_in_another_language_is_chained(tmp_path: Path, git_home: Path) -> None:
    top = tmp_path / "repo"
    site_dir = _site_repo(top)
    marker = tmp_path / "python-hook-ran"
    hook = top / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!{sys.executable}\nimport pathlib, sys\npathlib.Path({str(marker)!r}).write_text(sys.argv[3])\n")
    hook.chmod(0o755)
    _setup(site_dir)
    git(top, "checkout", "-q", "-b", "other")
    assert marker.read_text() == "1"


@pytest.mark.parametrize("chained_exit", [0, 3])
def test_git_keeps_the_chained_hooks_exit_status_not_the_checks(tmp_path: Path, git_home: Path,
                                                                chained_exit: int) -> None:
    """post-checkout's status is git checkout's: a broken view must not fail a checkout, the user's hook may."""
    top = tmp_path / "repo"
    site_dir = _site_repo(top)
    _broken_branch(top, site_dir)
    _recording_hook(top / ".git" / "hooks" / "post-checkout", tmp_path / "calls.log", exit_code=chained_exit)
    _setup(site_dir)
    checkout = git(top, "checkout", "broken", check=False)
    assert (checkout.returncode == 0) == (chained_exit == 0)
    assert (top / ".git" / "HEAD").read_text() == "ref: refs/heads/broken\n"
    _names_the_violation(checkout.stderr, "post-checkout")
    back = git(top, "checkout", "main", check=False)  # a whole view again: nothing said
    assert "pressroom" not in back.stderr


def test_a_clean_merge_that_breaks_the_view_is_named_by_post_merge(tmp_path: Path, git_home: Path) -> None:
    top = tmp_path / "repo"
    site_dir = _site_repo(top)
    _setup(site_dir)
    _diverge(top, site_dir)
    merged = git(top, "merge", "--no-edit", "withdraw", check=False)
    assert merged.returncode == 0  # git saw no conflict, and the hook does not make one
    _names_the_violation(merged.stderr, "post-merge")
    assert git(top, "rev-parse", "HEAD^2").stdout == git(top, "rev-parse", "withdraw").stdout
    # A checkout that changes neither the store nor the models leaves the view as it was: no
    # check runs (it was named when it broke; fsck and export still refuse).
    same = git(top, "checkout", "-b", "same-view")
    assert "pressroom" not in same.stderr
    assert run_press(site_dir, "fsck", "--view-only").returncode == 5
    git(top, "checkout", "-q", "main")
    # The fix the hook named makes the view whole.
    assert run_press(site_dir, "publish", "author/ada", "--cascade").returncode == 0
    assert run_press(site_dir, "fsck", "--view-only").returncode == 0


def test_a_rebase_that_breaks_the_view_is_named_by_post_rewrite(tmp_path: Path, git_home: Path) -> None:
    top = tmp_path / "repo"
    site_dir = _site_repo(top)
    _setup(site_dir)
    _diverge(top, site_dir)
    rebased = git(top, "rebase", "withdraw", check=False)
    assert rebased.returncode == 0, rebased.stdout + rebased.stderr
    _names_the_violation(rebased.stderr, "post-rewrite")


def test_core_hooks_path_is_honoured(tmp_path: Path, git_home: Path) -> None:
    """husky sets core.hooksPath to .husky/_ (relative to the work tree): the hooks go there and run."""
    top = tmp_path / "repo"
    site_dir = _site_repo(top, top / "site")
    husky = top / ".husky" / "_"
    husky.mkdir(parents=True)
    log = tmp_path / "calls.log"
    _recording_hook(husky / "post-merge", log)
    git(top, "config", "core.hooksPath", ".husky/_")
    data = _setup(site_dir)
    assert Path(data["hooks"]["hooks_dir"]).resolve() == husky.resolve()
    assert data["hooks"]["installed"] == ["post-rewrite", "post-checkout"] and data["hooks"]["chained"] == [
        "post-merge"]
    assert " -C site " in data["hooks"]["command"]
    assert not any((top / ".git" / "hooks" / hook).exists() for hook in HOOKS)

    _diverge(top, site_dir)
    merged = git(top / "site", "merge", "--no-edit", "withdraw", check=False)  # run from a subfolder
    assert merged.returncode == 0
    assert "post-merge.before-pressroom 0" in log.read_text()
    _names_the_violation(merged.stderr, "post-merge")


def test_a_regenerated_hook_is_chained_again(tmp_path: Path, git_home: Path) -> None:
    """husky writes its hooks again on install: setup again chains the same one, once."""
    top = tmp_path / "repo"
    site_dir = _site_repo(top)
    hooks_dir = top / ".git" / "hooks"
    _recording_hook(hooks_dir / "post-merge", tmp_path / "calls.log")
    husky_hook = (hooks_dir / "post-merge").read_bytes()
    _setup(site_dir)
    (hooks_dir / "post-merge").write_bytes(husky_hook)  # regenerated over pressroom's
    assert _setup(site_dir)["hooks"]["chained"] == ["post-merge"]
    assert (hooks_dir / f"post-merge{CHAINED_SUFFIX}").read_bytes() == husky_hook
    assert MARK in (hooks_dir / "post-merge").read_text()


def test_setup_refuses_to_overwrite_a_different_chained_hook(tmp_path: Path, git_home: Path) -> None:
    top = tmp_path / "repo"
    site_dir = _site_repo(top)
    hooks_dir = top / ".git" / "hooks"
    _recording_hook(hooks_dir / "post-checkout", tmp_path / "one.log")
    _recording_hook(hooks_dir / f"post-checkout{CHAINED_SUFFIX}", tmp_path / "two.log")
    before = _hook_files(hooks_dir)
    result = run_press(site_dir, "git", "setup", "--json")
    assert result.returncode == 1
    error = json.loads(result.stdout)["errors"][0]
    assert "already taken" in error["message"] and "press git setup" in error["hint"]
    assert _hook_files(hooks_dir) == before  # post-merge and post-rewrite, planned first, were not written either
    assert git(top, "config", "--get", "merge.pressroom-ref.driver", check=False).stdout == ""


def test_setup_outside_git_is_a_usage_error(tmp_path: Path, git_home: Path) -> None:
    Site.init(tmp_path / "site")
    result = run_press(tmp_path / "site", "git", "setup")
    assert result.returncode == 2 and b"git init" in result.stderr


def test_behind_the_pre_commit_frameworks_hook_it_goes_to_legacy(tmp_path: Path, git_home: Path) -> None:
    """pre-commit's hook runs ``<hook>.legacy`` first and refuses to be called from it again: pressroom's
    hook takes that place, and the hook pre-commit had moved there is chained behind it."""
    top = tmp_path / "repo"
    site_dir = _site_repo(top)
    hooks_dir = top / ".git" / "hooks"
    log = tmp_path / "calls.log"
    framework = (f"#!/bin/sh\n{PRE_COMMIT_MARK.decode()}\n"
                 f'legacy="$(dirname "$0")/$(basename "$0").legacy"\n'
                 f'[ -x "$legacy" ] && "$legacy" "$@"\necho "pre-commit $(basename "$0")" >> {log}\n')
    for hook in ("post-merge", "post-checkout"):
        (hooks_dir / hook).write_text(framework)
        (hooks_dir / hook).chmod(0o755)
    _recording_hook(hooks_dir / "post-checkout.legacy", log)  # the user's, moved aside by pre-commit
    data = _setup(site_dir)["hooks"]
    assert data["behind_pre_commit"] == ["post-merge", "post-checkout"]
    assert (hooks_dir / "post-merge").read_text() == framework  # pre-commit's own hook is left alone
    assert MARK in (hooks_dir / "post-merge.legacy").read_text()
    assert MARK in (hooks_dir / "post-checkout.legacy").read_text()
    assert (hooks_dir / f"post-checkout{CHAINED_SUFFIX}").exists()
    assert _setup(site_dir)["hooks"]["unchanged"] == list(HOOKS)

    _diverge(top, site_dir)
    merged = git(top, "merge", "--no-edit", "withdraw", check=False)
    assert merged.returncode == 0
    _names_the_violation(merged.stderr, "post-merge")
    git(top, "checkout", "-q", "HEAD^1")  # before the merge: a whole view
    checkout = git(top, "checkout", "main")
    _names_the_violation(checkout.stderr, "post-checkout")
    calls = log.read_text().splitlines()
    assert "pre-commit post-merge" in calls and "pre-commit post-checkout" in calls
    assert any(line.startswith("post-checkout.before-pressroom ") for line in calls)
