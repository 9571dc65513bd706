"""`press status` lays its rows out in columns, wide characters included; piped, as
plain lines; on a narrow terminal, without cutting a cell."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
from pathlib import Path

from rich.cells import cell_len

from pressroom import Site
from pressroom.cli.output import local_time
from tests.conftest import PRESS, Cli, write


def test_status_columns_line_up(cli: Cli, site: Site) -> None:
    write(site.root, "post/a-long-record-name", "title: A\n")
    write(site.root, "post/b", "title: B\n")
    site.save("post/a-long-record-name", author="山田 太郎 <t@example.org>")
    site.save("post/b", author="Bo <b@example.org>")
    write(site.root, "post/b", "title: B2\n")
    write(site.root, "note/new", "title: N\n")

    lines = cli("status").stdout.splitlines()
    header, rows = lines[0], lines[1:4]
    assert header.split() == ["record", "status", "changes", "current", "published", "last", "change", "by"]
    starts = [header.index(col) for col in ("status", "changes", "current", "published", "last change", "by")]
    for row in rows:
        cells = [row[start:end].strip() for start, end in zip([0, *starts], [*starts, None])]
        assert cells[0] in ("note/new", "post/a-long-record-name", "post/b"), row
        assert cells[1] in ("new", "draft"), row
    by_record = {row.split()[0]: row for row in rows}
    assert by_record["post/b"][starts[1]:].startswith("modified")
    assert by_record["note/new"][starts[1]:].startswith("untracked")
    # The author column starts at the same terminal cell on every row (a CJK character takes two).
    assert cell_len(by_record["post/a-long-record-name"][:-len("山田 太郎")]) == cell_len(header[:starts[-1]])
    assert by_record["post/a-long-record-name"].endswith("山田 太郎")


def test_piped_status_is_plain_lines(cli: Cli, site: Site) -> None:
    """No padding to a width, no trailing spaces, no wrapping: one line per record."""
    long_id = "a-very-long-record-id-" + "x" * 100
    write(site.root, f"post/{long_id}", "title: A\n")
    site.save(f"post/{long_id}")
    write(site.root, "post/b", "title: B\n")  # untracked: its last cells are empty
    lines = cli("status").stdout.splitlines()
    assert len(lines) == 4  # header, two records, the counts
    assert all(line == line.rstrip() for line in lines)
    assert lines[1].startswith(f"post/{long_id}  draft")
    assert lines[2].split() == ["post/b", "new", "untracked", "-", "-"]


def test_piped_model_and_schedule_lists_are_plain_lines(cli: Cli, site: Site) -> None:
    (site.root / "models" / "post.yaml").write_text(
        "description: |\n  A long description\n  over two lines\nschema: {type: object}\n")
    write(site.root, "post/a", "title: A\n")
    site.save("post/a")
    assert cli("schedule", "publish", "post/a", "--at", "+1h").exit_code == 0
    models = cli("model", "list").stdout.splitlines()
    assert models[1].split() == ["post", "models/post.yaml", "yes", "A", "long", "description", "over", "two",
                                 "lines"]
    schedules = cli("schedule", "list").stdout.splitlines()
    assert schedules[0].split() == ["id", "action", "record", "version", "at", "state", "by"]
    assert len(schedules) == 2
    for line in models + schedules:
        assert line == line.rstrip()


def test_log_and_schedule_list_name_authors_without_their_e_mail(cli: Cli, site: Site) -> None:
    write(site.root, "post/a", "title: A\n")
    version = site.save("post/a", author="Bo Li <bo@example.org>").saved[0].version
    site.schedule("unpublish", "post/a", at="+1h", author="Bo Li <bo@example.org>")
    events = cli("log").stdout.splitlines()
    assert [line.split("  ")[2:4] for line in events] == [["schedule", "by Bo Li: " + events[0].split(": ", 1)[1]],
                                                          [f"save {version[:7]}", "by Bo Li"]]
    assert "example.org" not in "".join(events)
    events_of_a = cli("log", "post/a").stdout.split("\n\n")[0]
    assert events_of_a.startswith("  schedule by Bo Li at ") and "example.org" not in events_of_a
    schedules = cli("schedule", "list").stdout.splitlines()
    assert schedules[1].endswith("  Bo Li") and "example.org" not in "".join(schedules)


def _on_a_terminal(root: Path, columns: int, *args: str) -> list[str]:
    """What the real press prints on a terminal ``columns`` wide."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([str(PRESS), "-C", str(root), *args], stdout=slave, stderr=slave,
                            env={**env, "TERM": "xterm-256color"})
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 0
    # The colours and bold are not what these tests look at.
    return re.sub(r"\x1b\[[0-9;]*m", "", out.decode()).replace("\r\n", "\n").splitlines()


def test_status_fits_an_80_column_terminal_without_cutting_times(site: Site) -> None:
    for rid in ("a-long-record-name", "b"):
        write(site.root, f"post/{rid}", "title: A\n")
        site.save(f"post/{rid}", author="Somebody Withalongname <s@example.org>")
    site.publish("post/b")
    times = {r.record: f"{r.updated_at:%Y-%m-%dT%H:%M:%SZ}" for r in site.status().records}
    lines = _on_a_terminal(site.root, 80, "status")
    assert lines[0].split() == ["record", "status", "changes", "current", "last", "change"]
    for line in lines[1:3]:
        record = line.split()[0]
        assert line.endswith(local_time(times[record]))  # the whole time, nothing cut
    assert all(len(line) <= 80 for line in lines[:3])
    assert lines[3] == "2 record(s): 1 draft, 1 published (left out to fit the terminal: by, published; see --json)"

    wide = _on_a_terminal(site.root, 160, "status")
    assert wide[0].split()[-4:] == ["published", "last", "change", "by"]
    assert wide[3] == "2 record(s): 1 draft, 1 published"
