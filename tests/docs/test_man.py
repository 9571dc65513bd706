"""docs/press.1 is current, covers every command, option and example, and renders as a man page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pressroom.cli.examples import EXAMPLES
from tests.docs.generators import DOCS, load_generator

REPO = Path(__file__).resolve().parents[2]
REGENERATE = "run `python docs/gen_man.py` to regenerate docs/press.1"

gen = load_generator("gen_man")


def test_the_man_page_is_exactly_what_the_generator_writes() -> None:
    assert (DOCS / "press.1").read_text(encoding="utf-8") == gen.render(), REGENERATE


def _rendered() -> str:
    """docs/press.1 as man shows it on an 80-column terminal, as plain text."""
    if shutil.which("groff") is None:
        pytest.skip("groff is not installed (apt-get install groff-base)")
    result = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-rLL=78n", "-P-cbou", str(DOCS / "press.1")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout


def test_it_renders_with_every_command_option_and_example_as_typed() -> None:
    text = _rendered()
    for path, cmd, _ctx in gen.contexts():
        assert f"PRESS {' '.join(path).upper()}" in text
        for param in cmd.params:
            if param.param_type_name == "option" and not param.hidden:
                # ASCII hyphens: an option copied from the page works.
                assert all(opt in text for opt in param.opts), (path, param.opts)
    lines = {line.strip() for line in text.splitlines()}
    for examples in EXAMPLES.values():
        for example in examples:
            assert example.line in lines, example.line


def test_the_environment_it_lists_is_what_press_reads() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "src" / "pressroom").rglob("*.py"))
    for var, _text in gen.ENVIRONMENT:
        # rich, which prints everything, reads NO_COLOR itself.
        assert var == "NO_COLOR" or re.search(rf"[\"']{var}[\"']", source), f"{var}: press does not read it"
