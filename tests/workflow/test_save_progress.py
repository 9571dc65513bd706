"""save's progress: the callback of the Python API, and the bar the CLI draws from it on a terminal only."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom import RefusedError, Site
from tests.cli.terminal import run_in_terminal
from tests.conftest import run_press, store_files, write

MODEL = """\
schema:
  type: object
  required: [title]
  properties:
    title: {type: string, minLength: 1}
"""


def _posts(root: Path, ids: range, text: str = "title: Post {i}\n") -> list[str]:
    for i in ids:
        write(root, f"post/p{i:04d}", text.format(i=i))
    return [f"post/p{i:04d}" for i in ids]


def test_progress_is_called_per_record_while_checking_then_per_new_version_while_writing(site: Site) -> None:
    (site.root / "models" / "post.yaml").write_text(MODEL)
    _posts(site.root, range(5))
    site.save(all=True)
    # 3 edited, 2 unchanged, 600 new: more than one part of the check (256 records each).
    _posts(site.root, range(3), "title: Edited {i}\n")
    _posts(site.root, range(5, 605))
    calls: list[tuple[int, int]] = []
    result = site.save(all=True, progress=lambda done, total: calls.append((done, total)))
    assert len(result.saved) == 603 and len(result.unchanged) == 2
    checking, writing = calls[:605], calls[605:]
    assert checking == [(i, 605) for i in range(1, 606)]
    assert writing == [(i, 603) for i in range(1, 604)]


def test_a_refused_save_reports_its_checks_and_writes_nothing(site: Site) -> None:
    (site.root / "models" / "post.yaml").write_text(MODEL)
    _posts(site.root, range(300))
    write(site.root, "post/p0150", "title: ''\n")
    before = store_files(site.root)
    calls: list[tuple[int, int]] = []
    with pytest.raises(RefusedError):
        site.save(all=True, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 300) for i in range(1, 301)]
    assert store_files(site.root) == before


def test_save_off_a_terminal_prints_its_lines_and_total_and_no_bar(site: Site) -> None:
    records = _posts(site.root, range(320))
    proc = run_press(site.root, "save", "--all", "-m", "first")
    assert proc.returncode == 0 and proc.stderr == b""
    lines = proc.stdout.decode().splitlines()
    assert [line.split()[:2] for line in lines[:-1]] == [["saved", r] for r in records]
    assert all(line.endswith("(first version)") for line in lines[:-1])
    assert lines[-1] == "320 record(s) saved"


@pytest.mark.parametrize("quiet", [False, True])
def test_save_on_a_terminal_shows_a_bar_unless_quiet(site: Site, quiet: bool) -> None:
    _posts(site.root, range(320))
    args = ["-q"] if quiet else []
    code, text = run_in_terminal(site.root, *args, "save", "--all", env={"TERM": "xterm"})
    assert code == 0, text
    if quiet:
        assert "checking" not in text and "writing" not in text and "saved" not in text
    else:
        assert "checking" in text and "writing" in text, text[-2000:]
        assert "320 record(s) saved" in text


def test_save_json_on_a_terminal_has_no_bar(site: Site) -> None:
    _posts(site.root, range(320))
    code, text = run_in_terminal(site.root, "save", "--all", "--json", env={"TERM": "xterm"})
    assert code == 0, text
    assert "checking" not in text and "writing" not in text
    assert text.lstrip().startswith("{")
