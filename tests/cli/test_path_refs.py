"""Records named by their working file's path, relative to the current folder (or to -C DIR)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.errors import UsageError
from tests.conftest import PRESS, write


def press_in(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real press, run from ``cwd`` without -C."""
    return subprocess.run([str(PRESS), *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})


def test_save_publish_show_diff_delete_by_path(site: Site) -> None:
    write(site.root, "post/hello", "title: Hello\n")
    root = site.root
    proc = press_in(root, "save", "content/post/hello.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "saved post/hello" in proc.stdout
    folder = root / "content" / "post"
    proc = press_in(folder, "publish", "hello.yaml")
    assert proc.returncode == 0, proc.stderr
    assert site.status("post/hello").records[0].status == "published"
    proc = press_in(folder, "show", "./hello.yaml@published")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "title: Hello\n"
    (folder / "hello.yaml").write_text("title: Hello again\n")
    proc = press_in(folder, "diff", "hello.yaml", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["data"]["record"] == "post/hello"
    proc = press_in(root / "content", "delete", "post/hello.yaml", "--yes", "--force")
    assert proc.returncode == 0, proc.stderr
    assert "deleted post/hello" in proc.stdout
    assert site.status().records == []


def test_paths_under_minus_c_are_read_against_dir(site: Site, tmp_path: Path) -> None:
    write(site.root, "post/hello", "title: Hello\n")
    proc = press_in(tmp_path, "-C", site.root.name, "save", "content/post/hello.yaml")
    assert proc.returncode == 0, proc.stderr
    assert site.status("post/hello").records[0].status == "draft"


@pytest.mark.parametrize("arg", ["pressroom.yaml", "content/post/hello.yml", "elsewhere/post/hello.yaml"])
def test_a_path_that_is_no_working_file_is_a_usage_error(site: Site, arg: str) -> None:
    write(site.root, "post/hello", "title: Hello\n")
    proc = press_in(site.root, "save", arg, "--json")
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert arg in doc["errors"][0]["message"]
    assert "content/<model>/<id>.yaml" in doc["errors"][0]["message"]


def test_ids_ending_in_yaml_are_refused(site: Site) -> None:
    for ref in ("post/x.yaml", "post/x.yml"):
        with pytest.raises(UsageError, match="may not end in .yaml or .yml"):
            site.status(ref)


def test_site_ref_turns_a_path_into_a_ref(site: Site) -> None:
    assert site.ref("content/post/x.yaml", base=site.root) == "post/x"
    assert site.ref("x.yaml@~1", base=site.root / "content" / "post") == "post/x@~1"
    assert site.ref("post/x@current") == "post/x@current"


def test_minus_c_reads_export_out_and_save_file_against_dir(site: Site, tmp_path: Path) -> None:
    (site.root / "incoming.yaml").write_text("title: From a file\n")
    proc = press_in(tmp_path, "-C", site.root.name, "save", "post/hello", "-f", "incoming.yaml")
    assert proc.returncode == 0, proc.stderr
    site.publish("post/hello")
    proc = press_in(tmp_path, "-C", site.root.name, "export", "--out", "build")
    assert proc.returncode == 0, proc.stderr
    assert (site.root / "build").is_dir() and not (tmp_path / "build").exists()
