"""Git: identity from the repository, and --commit committing the command's files and nothing else."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pressroom import Site
from tests.automation.conftest import AUTHOR, POST, committed_files, git, init_repo, set_config, write_models
from tests.conftest import PRESS, Cli, run_press, write


@pytest.fixture
def repo(tmp_path: Path, git_home: Path) -> Path:
    """A git repository holding a site in site/, with a first commit of everything."""
    root = tmp_path / "repo"
    init_repo(root)
    site_dir = root / "site"
    Site.init(site_dir)
    write_models(site_dir, author=AUTHOR, post=POST)
    (root / "README.md").write_text("notes\n")
    (root / "other.txt").write_text("one\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    return site_dir


def test_the_author_is_the_repositorys_identity(repo: Path) -> None:
    write(repo, "author/ada", "name: Ada\n")
    # PRESSROOM_AUTHOR is set (tests/conftest.py), but git's identity comes first in a work tree.
    result = Site.open(repo).save("author/ada")
    version = Site.open(repo).store.get_version(result.saved[0].version)
    assert version.author == "Repo User <repo@example.com>"
    git(repo, "config", "user.name", "Other Name")
    git(repo, "config", "user.email", "other@example.com")
    cli = Cli(repo)
    code, env = cli.json("publish", "author/ada")
    assert code == 0
    assert Site.open(repo).store.read_log("author/ada")[-1]["author"] == "Other Name <other@example.com>"
    # --author still wins when given.
    write(repo, "author/ada", "name: Ada L.\n")
    cli.json("save", "author/ada", "--author", "Guest <guest@example.com>")
    assert Site.open(repo).store.read_log("author/ada")[-1]["author"] == "Guest <guest@example.com>"


def test_the_author_is_whom_git_would_sign_a_commit_as(repo: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """git's own reading of its config (GIT_CONFIG_GLOBAL) and GIT_AUTHOR_*, as for the --commit commit."""
    git(repo, "config", "--unset", "user.name")
    git(repo, "config", "--unset", "user.email")
    (tmp_path / "gitconfig").write_text("[user]\n\tname = Global G\n\temail = g@example.com\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    write(repo, "author/ada", "name: Ada\n")
    version = Site.open(repo).save("author/ada").saved[0].version
    assert Site.open(repo).store.get_version(version).author == "Global G <g@example.com>"
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Env Author")
    write(repo, "author/ada", "name: Ada L.\n")
    version = Site.open(repo).save("author/ada").saved[0].version
    assert Site.open(repo).store.get_version(version).author == "Env Author <g@example.com>"


def test_outside_git_the_author_comes_from_the_environment(site: Site, git_home: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    assert site.store.read_log("post/a")[-1]["author"] == "Test Author <test@example.com>"
    monkeypatch.delenv("PRESSROOM_AUTHOR")
    write(site.root, "post/a", "title: A2\n")
    Site.open(site.root).save("post/a")
    assert Site.open(site.root).store.read_log("post/a")[-1]["author"]  # the OS user


def test_commit_takes_only_the_commands_files(repo: Path) -> None:
    root = repo.parent
    write(repo, "author/ada", "name: Ada\n")
    # The user's own work in progress: staged, unstaged and untracked changes elsewhere.
    (root / "README.md").write_text("notes, staged\n")
    git(root, "add", "README.md")
    (root / "other.txt").write_text("one, unstaged\n")
    (root / "scratch.txt").write_text("untracked\n")
    write(repo, "post/draft", "title: not saved yet\n")  # a working file the command does not touch

    result = run_press(repo, "save", "author/ada", "--commit", "--json")
    assert result.returncode == 0, result.stderr.decode()
    env = json.loads(result.stdout)
    commit = env["data"]["after"]["commit"]
    version = env["data"]["saved"][0]["version"]
    blob = env["data"]["saved"][0]["blob"]
    expected = {
        "site/content/author/ada.yaml",
        f"site/.press/objects/{version[:2]}/{version[2:]}",
        f"site/.press/objects/{blob[:2]}/{blob[2:]}",
        "site/.press/refs/current/author/ada",
        "site/.press/logs/author/ada",
    }
    assert committed_files(root) == expected
    assert git(root, "rev-parse", "HEAD").stdout.strip() == commit["sha"]
    assert git(root, "log", "-1", "--format=%s").stdout.strip() == "save author/ada"
    assert git(root, "log", "-1", "--format=%an <%ae>").stdout.strip() == "Repo User <repo@example.com>"
    # Everything else of the user's is as it was.
    assert git(root, "diff", "--cached", "--name-only").stdout.split() == ["README.md"]
    assert git(root, "diff", "--name-only").stdout.split() == ["other.txt"]
    untracked = git(root, "ls-files", "--others", "--exclude-standard").stdout.split()
    assert untracked == ["scratch.txt", "site/content/post/draft.yaml"]
    assert git(root, "status", "--porcelain", "--", "site/.press", "site/content/author").stdout == ""


def test_the_first_commit_after_init_holds_the_store_format(tmp_path: Path, git_home: Path) -> None:
    """Without .press/format, a checkout of the commit would be a store no command opens."""
    root = tmp_path / "fresh"
    init_repo(root)
    Site.init(root)
    write(root, "note/a", "title: A\n")
    result = run_press(root, "save", "note/a", "--commit", "--json")
    assert result.returncode == 0, result.stderr.decode()
    files = set(json.loads(result.stdout)["data"]["after"]["commit"]["files"])
    assert {".press/format", ".press/.gitignore", ".gitattributes", ".press/.gitattributes",
            "content/.gitattributes", "models/.gitattributes"} <= files
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(root), str(clone))
    # The clone has the attributes that keep git from converting the store's and the records' bytes.
    assert (clone / "content" / ".gitattributes").read_bytes() == (root / "content" / ".gitattributes").read_bytes()
    (clone / "pressroom.yaml").write_bytes((root / "pressroom.yaml").read_bytes())
    assert run_press(clone, "status", "note/a").returncode == 0
    write(root, "note/a", "title: B\n")
    again = json.loads(run_press(root, "save", "note/a", "--commit", "--json").stdout)
    assert ".press/format" not in again["data"]["after"]["commit"]["files"]


def test_publish_commit_message_says_what_happened(repo: Path) -> None:
    root = repo.parent
    site = Site.open(repo)
    write(repo, "author/ada", "name: Ada\n")
    write(repo, "post/hello", "title: Hello\nauthor: ada\n")
    site.save("author/ada", "post/hello", commit=True)
    result = site.publish("post/hello", cascade=True, message="launch day", commit=True)
    assert result.after.ok and result.after.commit is not None
    message = git(root, "log", "-1", "--format=%B").stdout
    # The message given is the subject, as with git commit -m; what press did follows.
    assert message.splitlines()[:3] == ["launch day", "", "publish post/hello (+1 by cascade)"]
    assert "author/ada" in message
    assert committed_files(root) == {"site/.press/refs/published/author/ada", "site/.press/refs/published/post/hello",
                                     "site/.press/logs/author/ada", "site/.press/logs/post/hello"}
    assert git(root, "status", "--porcelain").stdout == ""


def test_git_commit_setting_and_no_commit(repo: Path) -> None:
    root = repo.parent
    set_config(repo, "git:\n  commit: true\n")
    git(root, "commit", "-q", "-am", "commit every change")
    head = git(root, "rev-parse", "HEAD").stdout
    write(repo, "author/ada", "name: Ada\n")
    assert run_press(repo, "save", "author/ada", "--no-commit").returncode == 0
    assert git(root, "rev-parse", "HEAD").stdout == head
    published = run_press(repo, "publish", "author/ada")
    assert published.returncode == 0 and b"committed" in published.stdout
    assert git(root, "log", "-1", "--format=%s").stdout.strip() == "publish author/ada"
    assert "site/.press/refs/published/author/ada" in committed_files(root)


def test_a_delete_commits_the_removed_files(repo: Path) -> None:
    root = repo.parent
    site = Site.open(repo)
    write(repo, "author/ada", "name: Ada\n")
    site.save("author/ada", commit=True)
    site.delete("author/ada", commit=True)
    assert git(root, "log", "-1", "--format=%s").stdout.strip() == "delete author/ada"
    files = committed_files(root)
    assert {"site/content/author/ada.yaml", "site/.press/refs/current/author/ada"} <= files
    assert git(root, "ls-files", "site/content/author").stdout == ""
    assert git(root, "status", "--porcelain").stdout == ""


def test_commit_needs_a_work_tree_and_changes_nothing_without_one(site: Site, git_home: Path, cli) -> None:
    write(site.root, "post/a", "title: A\n")
    before = site.status().records[0].current
    code, env = cli.json("save", "post/a", "--commit")
    assert code == 2 and "git work tree" in env["errors"][0]["message"]
    assert Site.open(site.root).status().records[0].current == before is None


def test_a_commit_whose_earlier_objects_were_never_committed_brings_them(repo: Path) -> None:
    root = repo.parent
    site = Site.open(repo)
    write(repo, "author/ada", "name: Ada\n")
    saved = site.save("author/ada").saved[0]  # no --commit: its objects are untracked
    site.publish("author/ada", commit=True)
    files = committed_files(root)
    # The published ref names a version: the commit holds it, so a checkout of it is whole.
    assert f"site/.press/objects/{saved.version[:2]}/{saved.version[2:]}" in files
    assert f"site/.press/objects/{saved.blob[:2]}/{saved.blob[2:]}" in files


def test_a_commit_git_refuses_is_reported_and_the_change_stays(tmp_path: Path, git_home: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "bare-runner"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")  # no user.name / user.email anywhere
    Site.init(root)
    write(root, "post/a", "title: A\n")
    monkeypatch.setenv("PRESSROOM_AUTHOR", "runner")
    code, env = Cli(root).json("save", "post/a", "--commit")
    assert code == 1
    assert env["errors"][0]["code"] == "git_commit" and "git commit failed" in env["errors"][0]["message"]
    assert env["data"]["saved"][0]["record"] == "post/a"
    assert Site.open(root).status("post/a").records[0].status == "draft"
    # A press author with an e-mail stands in for git's missing identity.
    write(root, "post/a", "title: A2\n")
    code, env = Cli(root).json("save", "post/a", "--commit", "--author", "CI Bot <ci@example.com>")
    assert code == 0 and env["data"]["after"]["commit"]["sha"]
    assert git(root, "log", "-1", "--format=%an <%ae>|%cn <%ce>").stdout.strip() == (
        "CI Bot <ci@example.com>|CI Bot <ci@example.com>")


def test_a_large_batch_is_committed_whole(repo: Path) -> None:
    """Thousands of paths and a long commit message pass through git's stdin and a file, not its argv.

    The kernel caps the argument list (ARG_MAX, a quarter of the stack limit)
    and each argument (128 KiB). The stack limit is lowered for this run, so
    1,000 records with long ids exceed the first cap (as 8,000 records do
    with the usual limit); their commit message alone exceeds the second.
    """
    root = repo.parent
    content = repo / "content" / "post"
    content.mkdir(parents=True)
    ids = [f"p{i:04d}-" + "x" * 120 for i in range(1000)]
    for rid in ids:
        (content / f"{rid}.yaml").write_text(f"title: {rid[:5]}\n")
    command = 'ulimit -s 2048 && exec "$0" -C "$1" save --all --commit --json'
    result = subprocess.run(["sh", "-c", command, str(PRESS), str(repo)], capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    env = json.loads(result.stdout)
    assert len(env["data"]["saved"]) == 1000
    assert env["data"]["after"]["commit"]["sha"] == git(root, "rev-parse", "HEAD").stdout.strip()
    files = committed_files(root)
    assert len(files) == 5 * 1000  # working file, ref, log, version and blob of each
    assert {f"site/content/post/{rid}.yaml" for rid in ids} <= files
    assert git(root, "log", "-1", "--format=%s").stdout.strip() == f"save post/{ids[0]}, post/{ids[1]}, " \
                                                                    f"post/{ids[2]} and 997 more"
    assert git(root, "status", "--porcelain").stdout == ""
