"""The commands people most often see fail name each record once per line ("post/hello: post/hello has ..."
is the record twice), in the text output and in --json, where the record is in ``where``."""

from __future__ import annotations

import pytest

from tests.conftest import Cli, write

RECORDS = ("post/hello", "author/ann", "page/about", "post/nope")


@pytest.fixture
def cli(cli: Cli) -> Cli:
    models = cli.root / "models"
    (models / "author.yaml").write_text("schema: {type: object, properties: {name: {type: string}}}\n")
    (models / "post.yaml").write_text(
        "schema:\n  type: object\n  required: [title]\n  properties:\n    title: {type: string}\n"
        "    author: {type: string, x-link: author}\n")
    (models / "page.yaml").write_text(
        "draft_published: false\nschema:\n  type: object\n  properties:\n    author: {type: string, x-link: author}\n")
    write(cli.root, "author/ann", "name: Ann\n")
    write(cli.root, "post/hello", "title: Hello\nauthor: ann\n")
    assert cli("save", "author/ann", "post/hello").exit_code == 0
    return cli


def _published_pair(cli: Cli) -> None:
    assert cli("publish", "post/hello", "author/ann").exit_code == 0


def _bad_post(cli: Cli) -> None:
    write(cli.root, "post/hello", "titel: Hello\nauthor: bob\n")


def _bad_yaml(cli: Cli) -> None:
    write(cli.root, "post/hello", "title: [\n")


def _page_on_a_draft(cli: Cli) -> None:
    write(cli.root, "page/about", "author: ann\n")


def _garbage_ref(cli: Cli) -> None:
    (cli.root / ".press" / "refs" / "current" / "post" / "hello").write_bytes(b"garbage\n")


CASES = [
    ("publish of a draft link", None, ["publish", "post/hello"]),
    ("unpublish with referrers", _published_pair, ["unpublish", "author/ann"]),
    ("delete refused", _published_pair, ["delete", "author/ann", "--yes"]),
    ("validate errors", _bad_post, ["validate", "post/hello"]),
    ("save invalid", _bad_post, ["save", "post/hello"]),
    ("save of bad YAML", _bad_yaml, ["save", "post/hello"]),
    ("save of a missing file", None, ["save", "post/nope"]),
    ("save publishing a draft link", _page_on_a_draft, ["save", "page/about"]),
    ("publish of a missing record", None, ["publish", "post/nope"]),
    ("nothing to publish", _published_pair, ["publish", "post/hello"]),
    ("a damaged ref", _garbage_ref, ["show", "post/hello"]),
]


@pytest.mark.parametrize(("setup", "args"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_no_line_names_its_record_twice(cli: Cli, setup, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    if setup is not None:
        setup(cli)
    result = cli(*args)
    assert result.exit_code != 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(("error:", "warning:"))]
    assert lines, result.output
    for line in lines:
        # A working file's path (content/post/hello.yaml) names its record too.
        assert all(line.count(record) <= 1 for record in RECORDS), line

    code, doc = cli.json(*args)
    assert code == result.exit_code
    for problem in doc["errors"] + doc["warnings"]:
        for subject in (problem.get("record"), problem.get("file")):
            assert subject is None or subject not in problem["message"], problem
        assert all(problem["message"].count(record) <= 1 for record in RECORDS), problem
