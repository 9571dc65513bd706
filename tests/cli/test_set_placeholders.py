"""save --set on a press new template fills the placeholder lines, not a second key at the end."""

from __future__ import annotations

from pressroom import Site
from tests.conftest import Cli

POST = """\
schema:
  type: object
  required: [title]
  properties:
    title: {type: string}
    summary: {type: string, description: One line}
    tags: {type: array, items: {type: string}}
    seo: {type: object}
"""


def test_set_fills_commented_placeholders_in_place(cli: Cli, site: Site) -> None:
    (cli.root / "models" / "post.yaml").write_text(POST)
    assert cli("new", "post", "x").exit_code == 0
    result = cli("save", "post/x", "--set", "title=T", "--set", "summary=Short", "--set", "tags[0]=news",
                 "--set", "seo.title=S")
    assert result.exit_code == 0, result.stderr
    text = (cli.root / "content" / "post" / "x.yaml").read_text()
    assert text.splitlines() == [
        "# post/x: fill in the fields, then run: press save post/x",
        'title: "T" # required',
        'summary: "Short" # One line',
        "tags:",
        "- news",
        "seo:",
        "  title: S",
    ]
    assert site.get("post/x", version="current").data == {"title": "T", "summary": "Short", "tags": ["news"],
                                                          "seo": {"title": "S"}}


def test_a_template_of_comments_only_becomes_a_plain_mapping(cli: Cli) -> None:
    (cli.root / "models" / "note.yaml").write_text(
        'schema: {type: object, properties: {body: {type: string}, "odd key": {type: string}}}\n')
    assert cli("new", "note", "a").exit_code == 0
    assert cli("save", "note/a", "--set", "body=hello", "--set", "odd key=v").exit_code == 0
    text = (cli.root / "content" / "note" / "a.yaml").read_text()
    assert text.splitlines()[1:] == ['body: "hello"', '"odd key": "v"']


def test_a_comment_that_is_not_a_placeholder_stays_a_comment(cli: Cli) -> None:
    path = cli.root / "content" / "post" / "y.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("title: Y\n# summary: [not yaml\n# tags is left for later\n")
    assert cli("save", "post/y", "--set", "summary=S", "--set", "tags[0]=a").exit_code == 0
    assert path.read_text().splitlines() == ["title: Y", "# summary: [not yaml", "# tags is left for later",
                                             "summary: S", "tags:", "- a"]


def test_an_existing_field_is_set_where_it_is(cli: Cli) -> None:
    path = cli.root / "content" / "post" / "z.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("# summary: old idea\ntitle: Z  # keep me\nsummary: first\n")
    assert cli("save", "post/z", "--set", "summary=second").exit_code == 0
    assert path.read_text() == "# summary: old idea\ntitle: Z  # keep me\nsummary: second\n"
