"""The conformance corpus: YAML 1.2 specification examples and the shapes the earlier
reading got wrong, each with its expected data or expected refusal.

Each case goes through save, show (byte-exact), validate, export and --set, on a
model with no model file (any mapping is a record). ``expected.json`` holds, per
file of ``corpus/``: ``data`` (what the record holds) or ``refused`` (words the
refusal says); ``known_gap`` marks valid YAML the parser still refuses.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressroom import BadContentError
from pressroom.records import load_record
from tests.conftest import Cli, store_files, write

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
EXPECTED: dict[str, dict[str, object]] = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
FILE = "content/note/x.yaml"


def _cases() -> list[object]:
    out: list[object] = []
    for name, expected in sorted(EXPECTED.items()):
        gap = expected.get("known_gap")
        out.append(pytest.param(name, id=name, marks=[pytest.mark.xfail(strict=True, reason=str(gap))] if gap else []))
    return out


def test_every_corpus_file_has_an_expectation_and_the_other_way_round() -> None:
    assert sorted(p.stem for p in CORPUS.glob("*.yaml")) == sorted(EXPECTED)
    accepted = [n for n, e in EXPECTED.items() if "data" in e]
    refused = [n for n, e in EXPECTED.items() if "refused" in e]
    assert len(accepted) > 20 and len(refused) > 20


@pytest.mark.parametrize("name", _cases())
def test_reading(name: str) -> None:
    raw = (CORPUS / f"{name}.yaml").read_bytes()
    expected = EXPECTED[name]
    if "data" in expected:
        assert load_record(raw, name) == expected["data"]
    else:
        with pytest.raises(BadContentError) as e:
            load_record(raw, name)
        assert str(expected["refused"]) in str(e.value)


@pytest.mark.parametrize("name", _cases())
def test_save_show_validate_export_and_set(name: str, cli: Cli, site_dir: Path, tmp_path: Path) -> None:
    raw = (CORPUS / f"{name}.yaml").read_bytes()
    expected = EXPECTED[name]
    path = write(site_dir, "note/x", raw)
    if "data" not in expected:
        _refused_everywhere(cli, site_dir, path, raw, str(expected["refused"]))
        return
    data = expected["data"]
    assert cli("save", "note/x").exit_code == 0
    shown = cli("show", "note/x")
    assert (shown.exit_code, shown.stdout_bytes) == (0, raw)
    assert cli("validate", "note/x").exit_code == 0
    assert cli("publish", "note/x").exit_code == 0
    assert cli("export", "-o", str(tmp_path / "out")).exit_code == 0
    exported = json.loads((tmp_path / "out" / "note" / "x.json").read_text(encoding="utf-8"))
    assert exported["data"] == data
    # --set edits what the reader accepts, or refuses and leaves the file as it was.
    result = cli("save", "note/x", "--set", "zz_set='007'")
    if result.exit_code == 0:
        assert load_record(path.read_bytes(), FILE) == {**data, "zz_set": "007"}  # type: ignore[dict-item]
    else:
        assert result.exit_code == 1 and "--set cannot edit it in place" in result.output
        assert path.read_bytes() == raw


def _refused_everywhere(cli: Cli, site_dir: Path, path: Path, raw: bytes, words: str) -> None:
    before = store_files(site_dir)
    for args in (["save", "note/x"], ["validate", "note/x"], ["save", "note/x", "--set", "title=T"]):
        code, doc = cli.json(*args)
        error = doc["errors"][0]
        assert code == 1, (args, doc)
        assert words in error["message"], (args, error)
        assert error["file"] == FILE
        if "not valid YAML" in words:
            assert error["line"] is not None and error["column"] is not None
    assert store_files(site_dir) == before
    assert path.read_bytes() == raw
