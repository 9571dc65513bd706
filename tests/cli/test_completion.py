"""Shell completion through the real `press`, as bash, zsh and fish call it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pressroom import Site
from tests.conftest import PRESS, write


def press(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PRESS), *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def complete(cwd: Path, shell: str, line: str) -> list[str]:
    """What `press` offers for ``line`` (the cursor at its end), by the protocol typer's script for ``shell`` uses."""
    words = line.split(" ")
    if shell == "bash":
        env = {"_PRESS_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    else:
        env = {"_PRESS_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": line}
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    proc = press(cwd, env=env)
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.splitlines() if line]


@pytest.fixture
def site_with_records(site: Site) -> Site:
    write(site.root, "post/hello", "title: Hello\n")
    write(site.root, "author/ada", "name: Ada\n")
    site.save("post/hello", "author/ada")
    return site


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o default -F _press_completion press"),
                                           ("zsh", "#compdef press"), ("fish", "complete --command press")])
def test_completion_script_per_shell(site: Site, shell: str, marker: str) -> None:
    proc = press(site.root, "completion", shell)
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout
    assert "_PRESS_COMPLETE" in proc.stdout


def test_show_completion_takes_the_shell_press_runs_in(site: Site) -> None:
    # typer (with shellingham) reads the shell from the process tree: here, bash.
    shown = subprocess.run(["bash", "-c", f"'{PRESS}' --show-completion; exit $?"], cwd=site.root,
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == press(site.root, "completion", "bash").stdout.strip()


def test_completion_of_an_unknown_shell_is_a_usage_error(site: Site) -> None:
    proc = press(site.root, "completion", "tcsh")
    assert proc.returncode == 2
    assert "bash, zsh, fish" in proc.stderr


def test_install_completion_is_an_option(site: Site) -> None:
    assert "--install-completion" in press(site.root, "--help").stdout


def test_bash_completes_commands_options_records_versions_models_and_paths(site_with_records: Site) -> None:
    root = site_with_records.root
    assert complete(root, "bash", "press pub") == ["publish"]
    assert "--dry-run" in complete(root, "bash", "press publish --d")
    assert complete(root, "bash", "press show po") == ["post/hello"]
    versions = complete(root, "bash", "press show post/hello@")
    assert {"post/hello@current", "post/hello@published"} <= set(versions)
    assert any(len(v.split("@")[1]) == 7 for v in versions)
    assert complete(root, "bash", "press publish --model ") == ["author", "post"]
    assert complete(root, "bash", "press save content/po") == ["content/post/"]
    assert complete(root, "bash", "press save content/post/") == ["content/post/hello.yaml"]


def test_zsh_completes_records_with_their_descriptions(site_with_records: Site) -> None:
    out = "\n".join(complete(site_with_records.root, "zsh", "press show au"))
    assert "author/ada" in out and "post/hello" not in out


def test_fish_completes_commands_and_records(site_with_records: Site) -> None:
    root = site_with_records.root
    assert any(line.startswith("unpublish") for line in complete(root, "fish", "press unp"))
    assert [line.split("\t")[0] for line in complete(root, "fish", "press diff post/")] == ["post/hello"]


def test_outside_a_site_nothing_is_offered_and_nothing_fails(tmp_path: Path) -> None:
    assert complete(tmp_path, "bash", "press show po") == []
