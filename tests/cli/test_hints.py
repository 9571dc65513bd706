"""The CLI's wording of the core's problems (pressroom.cli.hints): every cause the core
raises has a wording, every template names only data its raise sites pass, and the
wording reaches the text output and the JSON envelope while the Python caller keeps the
core's own terms."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from pressroom.cli.hints import WORDING, Wording, word, word_error
from pressroom.errors import Problem, UsageError, Where

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "pressroom"


def _cause_sites() -> list[tuple[str, str, set[str] | None]]:
    """Each ``cause="..."`` the package passes outside cli/: (file:line, cause, the data keys
    when ``data`` is a dict literal of constant keys, else None)."""
    out: list[tuple[str, str, set[str] | None]] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("cli/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            cause = kw.get("cause")
            if not (isinstance(cause, ast.Constant) and isinstance(cause.value, str)):
                continue
            data = kw.get("data")
            keys: set[str] | None = set()
            if isinstance(data, ast.Dict):
                if all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in data.keys):
                    keys = {k.value for k in data.keys if isinstance(k, ast.Constant)}
                else:
                    keys = None
            elif data is not None:
                keys = None
            out.append((f"{rel}:{node.lineno}", cause.value, keys))
    return out


SITES = _cause_sites()


def _fields(template: str | None) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template or "") if name}


def test_the_core_passes_causes() -> None:
    assert SITES, "no raise site outside cli/ passes a cause: the scan is blind"


@pytest.mark.parametrize(("site", "cause", "keys"), SITES, ids=[s[0] for s in SITES])
def test_every_cause_has_a_wording_over_the_data_passed(site: str, cause: str, keys: set[str] | None) -> None:
    assert cause in WORDING, f"{site}: cause {cause!r} has no wording in pressroom.cli.hints"
    wording = WORDING[cause]
    if keys is not None:
        missing = (_fields(wording.message) | _fields(wording.hint)) - keys
        assert not missing, f"{site}: the wording of {cause!r} needs data {sorted(missing)} the site does not pass"


def test_every_wording_is_used() -> None:
    """A cause is passed as ``cause="..."`` or picked from literals (``{...}.get(spec)``)."""
    texts = {node.value for path in PACKAGE.rglob("*.py") if "cli" not in path.relative_to(PACKAGE).parts
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert set(WORDING) <= texts, f"wordings no raise site uses: {sorted(set(WORDING) - texts)}"


def test_word_formats_the_templates_and_keeps_the_rest() -> None:
    WORDING["test.example"] = Wording(message="--limit {value} is too small", hint=None)
    try:
        p = Problem("limit 0 is too small", "usage", Where(record="post/a"), "pass 1 or more",
                    cause="test.example", data={"value": 0})
        worded = word(p)
        assert (worded.message, worded.hint, worded.code, worded.where) == (
            "--limit 0 is too small", "pass 1 or more", "usage", Where(record="post/a"))
        assert word(Problem("plain", hint="h")) == Problem("plain", hint="h")
        own, problems = word_error(UsageError("limit 0 is too small", cause="test.example", data={"value": 0}))
        assert own.message == problems[0].message == "--limit 0 is too small"
    finally:
        del WORDING["test.example"]
