"""press edit: $EDITOR on the working file, then save; a fake editor script plays the person."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pressroom import Site
from tests.conftest import run_press, store_files, write


def editor(tmp_path: Path, body: str) -> dict[str, str]:
    """An EDITOR whose shell body gets the file as $1."""
    script = tmp_path / "fake-editor"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"EDITOR": str(script), "VISUAL": ""}


@pytest.fixture
def saved(site: Site) -> Site:
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    return site


def test_edit_opens_the_working_file_and_saves_it(saved: Site, tmp_path: Path) -> None:
    env = editor(tmp_path, "printf 'title: Edited\\n' > \"$1\"")
    proc = run_press(saved.root, "edit", "post/a", "-m", "by hand", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().startswith("saved post/a ")
    assert saved.show("post/a").content == b"title: Edited\n"
    assert saved.show("post/a").message == "by hand"


def test_edit_by_path_and_with_visual_first(saved: Site, tmp_path: Path) -> None:
    env = editor(tmp_path, "printf 'title: V\\n' > \"$1\"")
    env = {"VISUAL": env["EDITOR"], "EDITOR": "false"}
    proc = run_press(saved.root, "edit", "content/post/a.yaml", env=env)
    assert proc.returncode == 0, proc.stderr
    assert saved.show("post/a").content == b"title: V\n"


def test_unchanged_file_saves_nothing(saved: Site, tmp_path: Path) -> None:
    before = store_files(saved.root)
    proc = run_press(saved.root, "edit", "post/a", env=editor(tmp_path, "true"))
    assert proc.returncode == 1
    assert b"unchanged: nothing saved" in proc.stderr
    assert store_files(saved.root) == before


def test_emptied_file_saves_nothing_and_is_put_back(saved: Site, tmp_path: Path) -> None:
    before = store_files(saved.root)
    proc = run_press(saved.root, "edit", "post/a", env=editor(tmp_path, ": > \"$1\""))
    assert proc.returncode == 1
    assert b"came back empty" in proc.stderr
    assert (saved.root / "content/post/a.yaml").read_text() == "title: A\n"
    assert store_files(saved.root) == before


def test_a_failing_editor_saves_nothing(saved: Site, tmp_path: Path) -> None:
    proc = run_press(saved.root, "edit", "post/a", env=editor(tmp_path, "printf 'title: X\\n' > \"$1\"; exit 3"))
    assert proc.returncode == 1
    assert b"exited with 3" in proc.stderr
    assert saved.show("post/a").content == b"title: A\n"


def test_a_missing_editor_is_a_clear_error(saved: Site) -> None:
    proc = run_press(saved.root, "edit", "post/a", env={"EDITOR": "/nonexistent/editor", "VISUAL": ""})
    assert proc.returncode == 2
    assert b"EDITOR" in proc.stderr


def test_a_record_without_working_file_gets_its_current_version(saved: Site, tmp_path: Path) -> None:
    (saved.root / "content/post/a.yaml").unlink()
    proc = run_press(saved.root, "edit", "post/a", env=editor(tmp_path, "printf 'body: more\\n' >> \"$1\""))
    assert proc.returncode == 0, proc.stderr
    assert saved.show("post/a").content == b"title: A\nbody: more\n"


def test_an_unknown_record_is_refused_with_how_to_start_it(site: Site, tmp_path: Path) -> None:
    proc = run_press(site.root, "edit", "post/nope", env=editor(tmp_path, "true"))
    assert proc.returncode == 2
    assert b"press new post nope" in proc.stderr
