"""model list, schedule list and the site log fit the terminal's width (COLUMNS honoured) and say
what they left out or cut; piped, they stay whole lines."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from rich.cells import cell_len
from rich.console import Console

from pressroom import Site
from pressroom.cli import output
from pressroom.cli.output import local_time
from tests.cli.terminal import run_in_terminal
from tests.conftest import run_press, write

DESCRIPTION = "Blog posts written by the editorial team, published on the front page and in the feed"
MESSAGE = "the launch post, reviewed by legal and by the editors of the front page"
AUTHOR = "Somebody Withaverylongname <s@example.org>"


@pytest.fixture
def busy(site: Site) -> Site:
    (site.root / "models" / "post.yaml").write_text(f"description: {DESCRIPTION}\nschema: {{type: object}}\n")
    write(site.root, "post/launch", "title: Launch\n")
    site.save("post/launch", author=AUTHOR)
    site.publish("post/launch", message=MESSAGE, author=AUTHOR)
    site.schedule("unpublish", "post/launch", at="2030-07-01T12:00:00Z", author=AUTHOR)
    return site


def _lines(root: Path, columns: int, *args: str) -> list[str]:
    # A pager that passes the text through: the site log is paged on a terminal, and must fit there too.
    code, out = run_in_terminal(root, *args, env={"COLUMNS": str(columns), "PRESS_PAGER": "cat -"})
    assert code == 0, out
    return out.splitlines()


def test_model_list_cuts_its_description_then_leaves_columns_out(busy: Site) -> None:
    wide = _lines(busy.root, 200, "model", "list")
    assert wide == ["model  file              drafts  links  description",
                    f"post   models/post.yaml  yes            {DESCRIPTION}"]

    at_80 = _lines(busy.root, 80, "model", "list")
    assert at_80[0].split() == ["model", "file", "drafts", "links", "description"]
    assert cell_len(at_80[1]) == 80 and at_80[1].endswith("…")
    assert DESCRIPTION.startswith(at_80[1].split("  ")[-1].strip()[:-1])
    assert at_80[2] == "(cut to fit the terminal: description; see --json)"

    at_40 = _lines(busy.root, 40, "model", "list")
    assert at_40[:2] == ["model  file              drafts  links", "post   models/post.yaml  yes"]
    assert at_40[2] == "(left out to fit the terminal: description; see --json)"
    assert all(cell_len(line) <= 40 for line in at_40[:2])


def test_schedule_list_leaves_out_columns_but_never_cuts_a_time(busy: Site) -> None:
    at = local_time("2030-07-01T12:00:00Z")
    wide = _lines(busy.root, 200, "schedule", "list")
    assert wide[0].split() == ["id", "action", "record", "version", "at", "state", "by"]
    assert wide[1].endswith(f"{at}  pending  Somebody Withaverylongname")
    assert len(wide) == 2

    at_80 = _lines(busy.root, 80, "schedule", "list")
    assert at_80[0].split() == ["id", "action", "record", "version", "at", "state"]
    assert at_80[1].endswith(f"{at}  pending")
    assert at_80[2] == "(left out to fit the terminal: by; see --json)"
    assert all(cell_len(line) <= 80 for line in at_80[:2])

    # Too narrow for what must stay whole: the action, the record and its time are left,
    # and the terminal wraps what is still too long.
    at_40 = _lines(busy.root, 40, "schedule", "list")
    assert at_40[0].split() == ["action", "record", "at"]
    assert at_40[1].split("  ") == ["unpublish", "post/launch", at]
    assert at_40[2] == "(left out to fit the terminal: by, version, state, id; see --json)"


def test_the_site_log_cuts_messages_then_leaves_out_authors(busy: Site) -> None:
    write(busy.root, "post/b", "title: B\n")
    busy.save("post/b")
    busy.publish("post/b", message=MESSAGE, author="Al <al@example.org>")
    b, launch = busy.log(None, published=True).items
    head_b = f"{local_time(b.time)}  post/b  publish {b.version[:7]}"
    head = f"{local_time(launch.time)}  post/launch  publish {launch.version[:7]}"
    wide = _lines(busy.root, 200, "log", "--site")
    assert wide == [f"{head_b}  by Al: {MESSAGE}", f"{head}  by Somebody Withaverylongname: {MESSAGE}"]

    at_80 = _lines(busy.root, 80, "log", "--site")
    # Room for a readable part of the message beside a short name; a long name makes way for it.
    room_b = 80 - cell_len(f"{head_b}  by Al")
    assert at_80[0] == f"{head_b}  by Al" + f": {MESSAGE}"[:room_b - 1] + "…"
    assert at_80[1] == head + f": {MESSAGE}"[:80 - cell_len(head) - 1] + "…"
    assert [cell_len(line) for line in at_80[:2]] == [80, 80]
    assert at_80[2] == "(cut to fit the terminal: messages; left out: authors; see --json)"

    at_40 = _lines(busy.root, 40, "log", "--site")
    assert at_40 == [head_b, head, "(left out to fit the terminal: messages, authors; see --json)"]
    assert _lines(busy.root, 40, "--no-pager", "log", "--site") == at_40


def test_columns_do_not_shorten_piped_output(busy: Site) -> None:
    """A script reads whole lines whatever COLUMNS says."""
    for args, whole in ((["model", "list"], DESCRIPTION), (["log", "--site"], MESSAGE),
                        (["schedule", "list"], "Somebody Withaverylongname")):
        result = run_press(busy.root, *args, env={"COLUMNS": "40"})
        out = result.stdout.decode()
        assert result.returncode == 0 and whole in out, out
        assert "to fit the terminal" not in out


HEADERS = ["name", "kind", "note", "owner", "when"]
cell = st.text(alphabet=st.sampled_from("abc xyz-語"), max_size=30).map(str.strip)


@given(rows=st.lists(st.lists(cell, min_size=5, max_size=5), max_size=6), width=st.integers(20, 160),
       drop=st.permutations(["owner", "kind", "note"]).flatmap(lambda p: st.integers(0, 3).map(lambda n: p[:n])),
       cut=st.sampled_from([None, "note"]))
def test_a_table_fits_by_cutting_then_dropping_and_says_so(rows: list[list[str]], width: int, drop: list[str],
                                                           cut: str | None) -> None:
    """Lines fit the width unless every column that may go has gone; no other cell is ever cut;
    a column goes only in the order given and only while the table is too wide; the note says what went."""
    console = Console(file=io.StringIO(), force_terminal=True, width=width, color_system=None, markup=False,
                      highlight=False, soft_wrap=True)
    saved, output.stdout = output.stdout, console
    columns = os.environ.pop("COLUMNS", None)
    try:
        fitted = output.print_columns(HEADERS, [(r, None) for r in rows], drop=drop, cut=cut)
    finally:
        output.stdout = saved
        if columns is not None:
            os.environ["COLUMNS"] = columns
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    kept = [h for h in HEADERS if h not in fitted.left_out]
    assert fitted.left_out == drop[:len(fitted.left_out)]
    assert lines[0].split() == kept and len(lines) == len(rows) + 1
    if fitted.left_out != drop:
        assert all(cell_len(line) <= width for line in lines)
    for cells, line in zip(rows, lines[1:]):
        for header, text in zip(HEADERS, cells):
            if header in kept and header not in fitted.cut:
                assert text in line
            elif header in fitted.cut:
                assert text in line or any(text[:k] + "…" in line for k in range(len(text)))
    if fitted.left_out:
        # The last column to go had to go: with it the table was too wide.
        full = [max([cell_len(h), *(cell_len(r[i]) for r in rows)]) for i, h in enumerate(HEADERS)]
        back = [i for i, h in enumerate(HEADERS) if h in kept or h == fitted.left_out[-1]]
        assert sum(min(full[i], output.MIN_CUT) if HEADERS[i] == cut else full[i] for i in back) \
            + 2 * (len(back) - 1) > width
    assert (fitted.note() == "") == (not fitted.left_out and not fitted.cut)


def test_a_cut_never_halves_a_wide_character() -> None:
    assert output.cut_to("語語語", 4) == "語…"
    assert output.cut_to("語語語", 5) == "語語…"
    assert output.cut_to("語語語", 6) == "語語語"
    assert output.cut_to("abc", 1) == "…" and output.cut_to("abc", 0) == ""


def test_columns_line_up_with_wide_characters_in_any_column() -> None:
    """Each column starts at the same terminal cell on every line, whatever the widths of the cells before it."""
    console = Console(file=io.StringIO(), force_terminal=False, color_system=None, markup=False, highlight=False,
                      soft_wrap=True)
    saved, output.stdout = output.stdout, console
    try:
        output.print_columns(["name", "kind", "note"], [(["山田", "x", "z"], None), (["abcdef", "語語語語", "w"], None),
                                                         (["é", "yy", "q"], None)])
    finally:
        output.stdout = saved
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines == ["name    kind      note", "山田    x         z", "abcdef  語語語語  w", "é       yy        q"]
    assert {cell_len(line) - cell_len(line.split()[-1]) for line in lines} == {18}
