"""Model files are checked in full once; later processes load them from the derived cache without
importing jsonschema, with the same link fields, and compile the schema on the first validation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pressroom import Site
from pressroom.errors import BadContentError
from tests.conftest import write

NESTED = """\
schema:
  type: object
  required: [title]
  properties:
    title: {type: string, maxLength: 10}
    author: {type: string, x-link: {model: author, on_unpublish: clear}}
    tags: {type: array, items: {type: string, x-link: tag}}
    credits:
      type: object
      properties: {lead: {type: string}}
      patternProperties: {"^x-": {type: string, x-link: tag}}
      additionalProperties: {$ref: '#/$defs/who'}
  $defs:
    who: {type: string, x-link: author}
"""

PROBE = """
import json, sys
from pressroom import Site
site = Site.open(sys.argv[1])
models = site.models()
before = "jsonschema" in sys.modules
post = models["post"]
links = [repr(lf) for lf in post.link_fields]
problems = [(p.where.path, p.rule, p.message) for p in post.validate({"title": "x" * 11, "tags": [3]}, record="post/a")]
print(json.dumps({"jsonschema_on_load": before, "links": links, "problems": problems}))
"""


def _probe(root: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(out.stdout)
    return result


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    Site.init(root)
    (root / "models").mkdir(exist_ok=True)
    (root / "models" / "author.yaml").write_text("schema: {type: object}\n")
    (root / "models" / "tag.yaml").write_text("schema: {type: object}\n")
    (root / "models" / "post.yaml").write_text(NESTED)
    write(root, "author/ada", "{}\n")
    return root


def test_a_checked_model_loads_without_jsonschema_and_the_same_links(root: Path) -> None:
    first = _probe(root)
    again = _probe(root)
    assert first["jsonschema_on_load"] is True
    assert again["jsonschema_on_load"] is False
    assert again["links"] == first["links"] and len(first["links"]) == 4  # type: ignore[arg-type]
    assert again["problems"] == first["problems"]
    assert {(path, rule) for path, rule, _m in first["problems"]} == {  # type: ignore[attr-defined]
        ("title", "maxLength"), ("tags[0]", "type")}


def test_a_model_file_changed_after_its_check_is_checked_again(root: Path) -> None:
    _probe(root)
    assert _probe(root)["jsonschema_on_load"] is False
    (root / "models" / "post.yaml").write_text("schema: {type: object, properties: {title: {type: strin}}}\n")
    with pytest.raises(BadContentError, match="not valid JSON Schema") as err:
        Site.open(root).models()
    assert err.value.where.file == "models/post.yaml"
    assert err.value.where.path == "schema.properties.title.type"


def test_a_link_to_a_model_removed_since_the_check_is_still_refused(root: Path) -> None:
    _probe(root)
    (root / "models" / "tag.yaml").unlink()
    with pytest.raises(BadContentError, match="'tag', which does not exist"):
        Site.open(root).models()


def test_without_the_cache_the_model_is_the_same(root: Path) -> None:
    first = _probe(root)
    for path in (root / ".press" / "cache").glob("derived.sqlite*"):
        path.unlink()
    again = _probe(root)
    assert again == first
