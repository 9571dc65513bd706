"""No traceback: mutated corpus files (random byte edits) through save and validate end
in exit 0, 1 or 2 with a message, never an exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pressroom import Site
from pressroom.cli.app import app

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.yaml"))
# Bytes that steer a YAML parser: indicators, whitespace, quotes, and a few that are not UTF-8 or not allowed.
SHARP = b"-?:,[]{}#&*!|>'\"%@`\t\n\r \\\x00\x85\xc2\xff"


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(CORPUS)).read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data)))
        byte = draw(st.sampled_from(list(SHARP)) | st.integers(0, 255))
        action = draw(st.sampled_from(["insert", "replace", "delete"]))
        if action == "insert" or not data:
            data[pos:pos] = bytes([byte])
        elif action == "replace":
            data[min(pos, len(data) - 1)] = byte
        else:
            del data[min(pos, len(data) - 1)]
    return bytes(data)


@given(mutated())
@settings(max_examples=80, deadline=None)
def test_mutated_yaml_is_saved_or_refused_never_a_traceback(data: bytes) -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        Site.init(root)
        (root / "content" / "note").mkdir(parents=True)
        (root / "content" / "note" / "x.yaml").write_bytes(data)
        for args in (["save", "note/x"], ["validate", "--all"], ["save", "note/x", "--set", "t=1"]):
            result = runner.invoke(app, ["-C", str(root), *args, "--json"])
            assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
            assert result.exit_code in (0, 1, 2), result.output
            assert "Traceback" not in result.output
            doc = json.loads(result.stdout)
            assert doc["exit_code"] == result.exit_code
            if result.exit_code:
                assert doc["errors"] and all(e["message"] for e in doc["errors"])
