"""An error names its subject once: in where (file, record), not again in the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli, write


@pytest.fixture
def cli(cli: Cli) -> Cli:
    (cli.root / "models" / "post.yaml").write_text("schema: {type: object}\n")
    (cli.root / "models" / "page.yaml").write_text("draft_published: false\nschema: {type: object}\n")
    write(cli.root, "post/x", "title: X\n")
    write(cli.root, "page/about", "title: About\n")
    assert cli("save", "--all").exit_code == 0
    return cli


def _errors(cli: Cli, *args: str) -> list[dict]:
    code, env = cli.json(*args)
    assert code != 0 and env["errors"]
    return env["errors"]


@pytest.mark.parametrize(("args", "message"), [
    (["new", "post", "x"], "already exists"),
    (["resolve", "post/x", "--ours"], "has no merge conflict"),
    (["publish", "post/gone"], "does not exist (never saved, or deleted)"),
    (["schedule", "publish", "post/gone", "--at", "+1h"], "does not exist (never saved, or deleted)"),
    (["unpublish", "page/about"], "cannot be a draft: its model publishes every save (draft_published: false)"),
    (["validate", "post/gone"], "does not exist"),
])
def test_the_subject_is_in_where_and_not_in_the_message(cli: Cli, args: list[str], message: str) -> None:
    if args[0] == "publish" or args[0] == "schedule":
        write(cli.root, "post/gone", "title: G\n")  # exists as a file, never saved
    (error,) = _errors(cli, *args)
    assert error["message"] == message
    subject = error.get("file") or error.get("record")
    assert subject and subject not in error["message"]


def test_the_text_output_names_the_subject_once(cli: Cli) -> None:
    result = cli("new", "post", "x")
    assert result.stderr.splitlines()[0] == "error: content/post/x.yaml: already exists"
    result = cli("resolve", "post/x", "--ours")
    assert result.stderr.splitlines()[0] == "error: post/x: has no merge conflict"


def test_a_bad_model_option_names_the_field_once(cli: Cli) -> None:
    (cli.root / "models" / "post.yaml").write_text("max_versions: lots\nschema: {type: object}\n")
    (error,) = _errors(cli, "validate", "post/x")
    assert (error["file"], error["path"]) == ("models/post.yaml", "max_versions")
    assert error["message"] == "must be a whole number, 0 or more (0 keeps every version), not 'lots'"


def test_a_foreign_manifest_in_the_export_folder_is_named_once(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("not ours\n")
    (error,) = _errors(cli, "export", "--out", str(out))
    assert (error["file"], error["message"]) == (str(out / "manifest.json"), "was not written by press export")
