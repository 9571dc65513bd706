"""Line endings across git: clones with ``core.autocrlf=true`` (Git for Windows' default) and
``text=auto`` attributes must check out the store and the working files byte for byte.

A site made by ``press init`` carries the attributes that ensure it; a site made
before them is recognised by fsck (``line_endings``), whose repair is run here.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pressroom import Site
from tests.automation.conftest import AUTHOR, POST, git, init_repo, write_models
from tests.conftest import run_press, write

ATTRIBUTE_FILES = [".gitattributes", ".press/.gitattributes", "content/.gitattributes", "models/.gitattributes"]


def _make_site(root: Path, *, attributes: bool = True, new_repo: bool = True) -> None:
    """A site (at the root of a new repository): author/ada and post/a published, post/win saved with CRLF.

    ``attributes=False``: as a site made before ``press init`` wrote .gitattributes.
    """
    if new_repo:
        init_repo(root)
    Site.init(root)
    if not attributes:
        for folder in (root, root / ".press", root / "content", root / "models"):
            (folder / ".gitattributes").unlink()
    write_models(root, author=AUTHOR, post=POST)
    write(root, "author/ada", "name: Ada\n")
    write(root, "post/a", "title: A\nauthor: ada\n")
    write(root, "post/win", b"title: saved on Windows\r\nauthor: ada\r\n")
    site = Site.open(root)
    site.save(all=True)
    site.publish("post/a", cascade=True)
    write(root, "post/a", "title: A, edited and not saved\nauthor: ada\n")


def _commit_all(root: Path, message: str = "site") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def _clone(origin: Path, dest: Path, *config: str) -> Path:
    git(origin.parent, "clone", "-q", *(arg for c in config for arg in ("-c", c)), str(origin), str(dest))
    git(dest, "config", "user.name", "Clone User")
    git(dest, "config", "user.email", "clone@example.com")
    return dest


def _statuses(root: Path) -> list[dict]:
    result = run_press(root, "status", "--json")
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)["data"]["records"]


def _fsck(root: Path) -> dict:
    return json.loads(run_press(root, "fsck", "--json").stdout)


def _store_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / ".press").rglob("*"))
            if p.is_file() and p.name != "lock" and "cache" not in p.parts}


def test_an_autocrlf_clone_of_a_new_site_is_the_same_site(tmp_path: Path, git_home: Path) -> None:
    origin = tmp_path / "origin"
    _make_site(origin)
    _commit_all(origin)
    clone = _clone(origin, tmp_path / "windows", "core.autocrlf=true")

    assert _fsck(clone)["exit_code"] == 0
    assert _statuses(clone) == _statuses(origin)
    assert [r["changes"] for r in _statuses(clone) if r["record"] == "post/a"] == ["modified"]
    assert _store_bytes(clone) == _store_bytes(origin)
    assert (clone / "content" / "post" / "a.yaml").read_bytes() == (origin / "content" / "post" / "a.yaml").read_bytes()
    assert git(clone, "status", "--porcelain").stdout == ""
    # The clone works on: a save there is byte for byte in the next clone too.
    write(clone, "post/a", "title: A2\nauthor: ada\n")
    assert run_press(clone, "save", "post/a", "--commit").returncode == 0
    again = _clone(clone, tmp_path / "again", "core.autocrlf=true")
    assert _fsck(again)["exit_code"] == 0 and _statuses(again) == _statuses(clone)


@pytest.mark.parametrize("where", ["after press's lines", "in the repository root"])
@pytest.mark.parametrize("line", ["* text=auto", "* text=auto eol=crlf", "* text eol=lf"])
def test_a_users_text_attribute_breaks_no_record(tmp_path: Path, git_home: Path, where: str, line: str) -> None:
    """``* text=auto`` would normalise the CRLF record's object when it is committed: .press/.gitattributes wins."""
    top = tmp_path / "origin"
    init_repo(top)
    site_dir = top / "site" if where == "in the repository root" else top
    _make_site(site_dir, new_repo=False)
    attributes = top / ".gitattributes"
    with open(attributes, "a") as f:
        f.write(f"{line}\n")
    _commit_all(top)
    assert _fsck(site_dir)["exit_code"] == 0
    for config in ((), ("core.autocrlf=true",)):
        clone = _clone(top, tmp_path / f"clone{len(config)}", *config)
        clone_site = clone / site_dir.relative_to(top)
        report = _fsck(clone_site)
        assert report["exit_code"] == 0, report["errors"]
        assert _statuses(clone_site) == _statuses(site_dir)
        assert _store_bytes(clone_site) == _store_bytes(site_dir)


def test_an_old_site_cloned_with_autocrlf_is_recognised_and_repaired(tmp_path: Path, git_home: Path) -> None:
    origin = tmp_path / "origin"
    _make_site(origin, attributes=False)
    _commit_all(origin)
    clone = _clone(origin, tmp_path / "windows", "core.autocrlf=true")
    # As a clone some time ago: the index holds every file as clean (no racy entries).
    time.sleep(1.1)
    git(clone, "update-index", "--really-refresh")

    report = _fsck(clone)
    assert report["exit_code"] == 4
    assert [p["code"] for p in report["errors"]] == ["line_endings"]  # one cause, not damage per object
    problem = report["errors"][0]
    assert "object(s)" in problem["message"] and "ref(s)" in problem["message"]
    repair = "git rm -r -q --cached -- .press content models && git checkout HEAD -- .press content models"
    assert "press git setup" in problem["hint"] and repair in problem["hint"]
    # Reading a converted object says what happened and where to look.
    status = run_press(clone, "status", "--json")
    assert status.returncode == 4
    assert "checked out by git with CRLF" in json.loads(status.stdout)["errors"][0]["message"]

    # What the hint used to say restores nothing: git holds the files as clean.
    git(clone, "checkout", "--", ".press")
    assert _fsck(clone)["exit_code"] == 4

    setup = run_press(clone, "git", "setup", "--json")
    assert setup.returncode == 0, setup.stderr.decode()
    git(clone, "rm", "-r", "-q", "--cached", "--", ".press", "content", "models")
    git(clone, "checkout", "HEAD", "--", ".press", "content", "models")

    assert _fsck(clone)["exit_code"] == 0
    assert _statuses(clone) == _statuses(origin)
    assert _store_bytes(clone) == _store_bytes(origin) | {
        ".press/.gitattributes": (clone / ".press" / ".gitattributes").read_bytes()}
    # Committing the attributes is all that is left: the next Windows clone is right from the start.
    assert sorted(git(clone, "status", "--porcelain").stdout.splitlines()) == [f"?? {f}" for f in ATTRIBUTE_FILES]
    git(clone, "add", *ATTRIBUTE_FILES)
    git(clone, "commit", "-q", "-m", "pressroom attributes")
    fresh = _clone(clone, tmp_path / "fresh", "core.autocrlf=true")
    assert _fsck(fresh)["exit_code"] == 0 and _statuses(fresh) == _statuses(origin)


def test_an_object_committed_through_text_auto_is_recognised_and_renormalised(tmp_path: Path,
                                                                             git_home: Path) -> None:
    """An old site under ``* text=auto``: the CRLF record's object lost its CR in the repository."""
    origin = tmp_path / "origin"
    _make_site(origin, attributes=False)
    (origin / ".gitattributes").write_text("* text=auto\n")
    _commit_all(origin)
    assert _fsck(origin)["exit_code"] == 0  # the origin's files are right; the repository's are not
    clone = _clone(origin, tmp_path / "clone")
    report = _fsck(clone)
    assert report["exit_code"] == 4
    assert [p["code"] for p in report["errors"]] == ["line_endings"]
    problem = report["errors"][0]
    assert problem["file"].startswith(".press/objects/") and "git add --renormalize .press" in problem["hint"]

    # The repair the hint gives, on the machine that saved it; then the clone pulls.
    assert run_press(origin, "git", "setup").returncode == 0
    git(origin, "add", "--renormalize", ".press")
    git(origin, "add", *ATTRIBUTE_FILES)
    git(origin, "commit", "-q", "-m", "store bytes as press wrote them")
    git(clone, "pull", "-q", "--no-rebase")
    assert _fsck(clone)["exit_code"] == 0


def test_a_damaged_object_is_still_damage(tmp_path: Path, git_home: Path) -> None:
    """A CRLF that no conversion explains is not taken for line endings."""
    origin = tmp_path / "origin"
    _make_site(origin)
    obj = next(p for p in (origin / ".press" / "objects").rglob("*") if p.is_file() and b"\n" in p.read_bytes()
               and not p.read_bytes().startswith(b"{"))
    obj.write_bytes(obj.read_bytes().replace(b"\n", b"\r\n") + b"\r")
    codes = {p["code"] for p in _fsck(origin)["errors"]}
    assert "object_damaged" in codes and "line_endings" not in codes


def test_press_git_setup_upgrades_an_old_site_and_keeps_the_users_lines(tmp_path: Path, git_home: Path) -> None:
    root = tmp_path / "origin"
    _make_site(root, attributes=False)
    (root / ".gitattributes").write_text("*.png binary\n/.press/refs/** merge=pressroom-ref")  # no final newline
    first = run_press(root, "git", "setup", "--no-git-hooks", "--json")
    assert first.returncode == 0, first.stderr.decode()
    data = json.loads(first.stdout)["data"]
    assert data["hooks"] is None
    assert data["driver"]["added"] == ["/.press/schedules/** merge=pressroom-ref", "/.press/logs/** merge=union",
                                       "/.press/pruned/** merge=union"]
    assert data["driver"]["nested_added"] == {
        ".press/.gitattributes": ["* -text -filter -ident -working-tree-encoding"],
        "content/.gitattributes": ["* -text"], "models/.gitattributes": ["* -text"]}
    lines = (root / ".gitattributes").read_text().splitlines()
    assert lines[:2] == ["*.png binary", "/.press/refs/** merge=pressroom-ref"]
    before = {f: (root / f).read_bytes() for f in ATTRIBUTE_FILES}
    again = json.loads(run_press(root, "git", "setup", "--no-git-hooks", "--json").stdout)["data"]
    assert (again["driver"]["added"], again["driver"]["nested_added"]) == ([], {})
    assert {f: (root / f).read_bytes() for f in ATTRIBUTE_FILES} == before
    # `press init` in an old site writes what is missing too.
    (root / ".press" / ".gitattributes").unlink()
    assert Site.init(root).created == [".press/.gitattributes"]
    assert (root / ".press" / ".gitattributes").read_bytes() == before[".press/.gitattributes"]
    for path in (".press/format", "content/post/a.yaml", "models/post.yaml"):
        assert git(root, "check-attr", "text", "--", path).stdout.strip() == f"{path}: text: unset"
