"""A text of comments and blank lines holds no document: read as None without rapidyaml (every
command reads ``pressroom.yaml``, which ``init`` writes as comments alone), as rapidyaml reads it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ryml
from hypothesis import given, settings
from hypothesis import strategies as st

from pressroom import BadContentError, Site
from pressroom.records import load_record

# Printable text (YAML refuses control characters, in comments too: tested below).
COMMENT = st.text(st.characters(max_codepoint=0x2FFF, exclude_categories=("Cc", "Cs")), max_size=20)
LINE = st.one_of(st.just(""), st.integers(0, 4).map(" ".__mul__),
                 st.tuples(st.integers(0, 4), COMMENT).map(lambda t: " " * t[0] + "#" + t[1]))


def rapidyaml_reads_nothing(text: str) -> bool:
    tree = ryml.parse_in_arena(text.encode("utf-8"))
    root = tree.root_id()
    return tree.num_children(root) == 0 and not tree.is_map(root) and not tree.is_seq(root) and tree.val(root) is None


@given(st.lists(LINE, max_size=8), st.booleans())
@settings(max_examples=200, deadline=None)
def test_comments_and_blank_lines_are_no_document(lines: list[str], newline_at_end: bool) -> None:
    text = "\n".join(lines) + ("\n" if newline_at_end else "")
    assert rapidyaml_reads_nothing(text)
    assert load_record(text.encode(), "x", allow_empty=True) == {}
    # What follows the comments is read as ever.
    assert load_record(f"{text}\nk: v\n".encode(), "x") == {"k": "v"}


def test_a_record_of_comments_alone_is_still_refused_as_empty() -> None:
    try:
        load_record(b"# nothing here\n\n   # at all\n", "x")
    except BadContentError as e:
        assert "must hold a YAML mapping" in e.message and "empty" in e.message
    else:
        raise AssertionError("a record of comments alone was accepted")


def test_a_control_character_in_a_comment_is_still_refused() -> None:
    try:
        load_record(b"# a \x01 b\n", "x", allow_empty=True)
    except BadContentError as e:
        assert "control characters are not allowed" in e.message
    else:
        raise AssertionError("a control character in a comment was accepted")


def test_opening_a_site_whose_settings_are_comments_loads_no_yaml_parser(site_dir: Path) -> None:
    probe = ("import sys; from pressroom import Site; Site.open(sys.argv[1]); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ryml', 'ruamel')))")
    out = subprocess.run([sys.executable, "-c", probe, str(site_dir)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]"]
    assert Site.open(site_dir).config.raw == {}
