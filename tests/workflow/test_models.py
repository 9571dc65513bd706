"""Model files: options, schema checks, links, and `new` from a schema."""

from __future__ import annotations

import pytest

from pressroom import BadContentError, NotFoundError, RefusedError, Site
from pressroom.records import RecordKey, load_record
from tests.conftest import write
from tests.workflow.test_publish import AUTHOR, POST, TAG, write_model

NESTED = """\
schema:
  type: object
  $defs:
    author_id: {type: string, x-link: author}
  properties:
    credits:
      type: array
      items:
        type: object
        properties:
          who: {$ref: "#/$defs/author_id"}
    seo:
      type: object
      properties:
        reviewer: {type: string, x-link: author}
    editors: {type: array, x-link: author, items: {type: string}}
"""


@pytest.fixture
def blog_site(site: Site) -> Site:
    for name, text in (("author", AUTHOR), ("tag", TAG), ("post", POST)):
        write_model(site.root, name, text)
    return site


def test_defaults_and_options(blog_site: Site) -> None:
    models = blog_site.models()
    assert set(models) == {"author", "tag", "post"}
    post = models["post"]
    assert (post.draft_published, post.allow_invalid_drafts, post.max_versions) == (True, True, 0)
    assert models["author"].allow_invalid_drafts is False
    assert [(lf.field, lf.target) for lf in post.link_fields] == [("author", "author"), ("tags[]", "tag")]


def test_links_give_field_paths_and_record_keys(blog_site: Site) -> None:
    post = blog_site.models()["post"]
    data = {"title": "x", "author": "ada", "tags": ["a", "b", "c"]}
    assert post.links(data) == [
        ("author", RecordKey("author", "ada")),
        ("tags[0]", RecordKey("tag", "a")),
        ("tags[1]", RecordKey("tag", "b")),
        ("tags[2]", RecordKey("tag", "c")),
    ]
    # Values that are not ids are no links (validation reports them).
    assert post.links({"author": 3, "tags": ["ok", "Not An Id", None]}) == [("tags[0]", RecordKey("tag", "ok"))]


def test_links_in_nested_objects_arrays_and_local_refs(site: Site) -> None:
    write_model(site.root, "author", AUTHOR)
    write_model(site.root, "page", NESTED)
    page = site.models()["page"]
    data = {"credits": [{"who": "ada"}, {"who": "bob"}], "seo": {"reviewer": "eve"}, "editors": ["x", "y"]}
    assert sorted(page.links(data)) == [
        ("credits[0].who", RecordKey("author", "ada")),
        ("credits[1].who", RecordKey("author", "bob")),
        ("editors[0]", RecordKey("author", "x")),
        ("editors[1]", RecordKey("author", "y")),
        ("seo.reviewer", RecordKey("author", "eve")),
    ]


def test_validate_names_path_rule_and_value(blog_site: Site) -> None:
    post = blog_site.models()["post"]
    problems = post.validate({"title": "t" * 41, "tags": ["ok", 7, "Bad Id"]}, record="post/x")
    found = [(p.where.path, p.rule, p.as_dict().get("value")) for p in problems]
    assert ("author", "required", None) in found
    assert ("title", "maxLength", "t" * 41) in found
    assert ("tags[1]", "type", 7) in found
    assert ("tags[2]", "x-link", "Bad Id") in found
    assert all(p.where.record == "post/x" for p in problems)
    assert "value" not in next(p for p in problems if p.rule == "required").as_dict()


@pytest.mark.parametrize("text, path, message", [
    ("schema: {type: object}\ndraft_publish: true\n", "draft_publish", "unknown model option"),
    ("draft_published: yes please\n", "draft_published", "must be true or false"),
    ("max_versions: -1\n", "max_versions", "whole number"),
    ("schema: [not, a, mapping]\n", "schema", "JSON Schema mapping"),
    ("schema: {type: object, properties: {title: {type: strin}}}\n", "schema.properties.title.type",
     "not valid JSON Schema"),
    ("schema: {properties: {a: {type: string, x-link: nobody}}}\n", "schema.properties.a.x-link",
     "'nobody', which does not exist"),
    ("schema: {properties: {a: {type: integer, x-link: author}}}\n", "schema.properties.a.x-link",
     "goes on a string"),
    ("schema: {properties: {a: {$ref: 'https://example.com/schema.json'}}}\n", "schema.properties.a.$ref",
     "never fetches"),
    ("schema: {properties: {a: {$ref: '#/$defs/missing'}}}\n", "schema.properties.a.$ref", "does not resolve"),
])
def test_a_bad_model_file_is_a_clear_error_naming_file_and_key(site: Site, text: str, path: str,
                                                               message: str) -> None:
    write_model(site.root, "author", AUTHOR)
    write_model(site.root, "post", text)
    with pytest.raises(BadContentError, match=message) as err:
        site.models()
    assert err.value.where.file == "models/post.yaml"
    assert err.value.where.path == path


def test_a_model_file_with_a_bad_name_is_refused(site: Site) -> None:
    (site.root / "models" / "Post.yaml").write_text("{}\n")
    with pytest.raises(BadContentError, match="not a model name"):
        site.models()


def test_the_meta_schema_ref_resolves_without_fetching(site: Site) -> None:
    write_model(site.root, "meta", "schema:\n  properties:\n"
                "    s: {$ref: 'https://json-schema.org/draft/2020-12/schema'}\n")
    assert site.models()["meta"].validate({"s": {"type": "string"}}) == []


def test_a_schema_is_compiled_once(blog_site: Site) -> None:
    first = blog_site.models()["post"].validator
    assert blog_site.models()["post"].validator is first


def test_content_folders_without_a_model_file_are_schema_less_models(site: Site) -> None:
    write(site.root, "note/a", "x: 1\n")
    note = site.models()["note"]
    assert note.file is None and note.schema is None and note.draft_published is True
    assert note.validate({"anything": ["goes"]}) == [] and note.links({"x": "y"}) == []


def test_new_writes_defaults_required_fields_and_commented_optional_ones(blog_site: Site) -> None:
    write_model(blog_site.root, "post", POST.replace("tags: {type: array,", "tags: {type: array, default: [news],"))
    result = blog_site.new("post", "hello")
    text = (blog_site.root / "content/post/hello.yaml").read_text()
    assert result.file == "content/post/hello.yaml" and result.content.decode() == text
    assert load_record(result.content, "x") == {"title": "", "author": "", "tags": ["news"]}
    assert "# required" in text and "links to author" in text
    assert blog_site.status("post/hello").records[0].status == "new"


def test_new_leaves_optional_fields_as_comments(blog_site: Site) -> None:
    text = blog_site.new("author", "ada").content.decode()
    assert load_record(text.encode(), "x") == {"name": ""}
    write_model(blog_site.root, "tag", "schema: {properties: {name: {type: string}}}\n")
    text = blog_site.new("tag", "news").content.decode()
    assert "# name: \"\"" in text and load_record(text.encode(), "x") == {}


def test_new_refuses_to_overwrite_and_unknown_models(blog_site: Site) -> None:
    blog_site.new("author", "ada")
    with pytest.raises(RefusedError, match="already exists"):
        blog_site.new("author", "ada")
    with pytest.raises(NotFoundError, match="unknown model 'nope'") as err:
        blog_site.new("nope", "x")
    assert "models/nope.yaml" in err.value.hint
    write(blog_site.root, "note/a", "x: 1\n")
    with pytest.raises(NotFoundError, match="has no model file"):
        blog_site.new("note", "b")


CHOICES = """\
schema:
  type: object
  $defs:
    reviewer: {$id: "urn:example:reviewer", type: string, x-link: author}
  properties:
    editor: {anyOf: [{type: string, x-link: author}, {type: "null"}]}
    credits: {type: object, properties: {note: {type: string}}, additionalProperties: {type: string, x-link: author}}
    by_lang: {type: object, patternProperties: {"^[a-z]{2}$": {type: string, x-link: author}}}
    reviewer: {$ref: "urn:example:reviewer"}
    lead: {allOf: [{type: string}, {x-link: author}]}
"""


def test_links_under_choices_maps_and_refs_by_id_are_followed(site: Site) -> None:
    write_model(site.root, "author", AUTHOR)
    write_model(site.root, "page", CHOICES)
    page = site.models()["page"]
    assert sorted(lf.field for lf in page.link_fields) == ["by_lang.*", "credits.*", "editor", "lead", "reviewer"]
    data = {"editor": "ada", "credits": {"note": "not a link", "photo": "bob"}, "by_lang": {"en": "eve", "xx1": "no"},
            "reviewer": "kim", "lead": "lee"}
    assert sorted(page.links(data)) == [
        ("by_lang.en", RecordKey("author", "eve")),
        ("credits.photo", RecordKey("author", "bob")),
        ("editor", RecordKey("author", "ada")),
        ("lead", RecordKey("author", "lee")),
        ("reviewer", RecordKey("author", "kim")),
    ]
    assert page.validate({"editor": None}) == []


def test_a_link_under_a_choice_is_validated_and_blocks_publish(site: Site) -> None:
    write_model(site.root, "author", AUTHOR)
    write_model(site.root, "page", CHOICES)
    write(site.root, "page/home", "editor: ghost\ncredits: {photo: ghost2}\n")
    with pytest.raises(RefusedError) as err:
        site.save("page/home")
    assert sorted(p.where.path for p in err.value.problems) == ["credits.photo", "editor"]


@pytest.mark.parametrize("text, path, message", [
    ("schema: {properties: {p: {type: array, prefixItems: [{type: string, x-link: author}]}}}\n",
     "schema.properties.p.prefixItems[0].x-link", "does not follow this x-link"),
    ("schema: {$defs: {unused: {type: string, x-link: author}}, properties: {a: {type: string}}}\n",
     "schema.$defs.unused.x-link", "does not follow this x-link"),
    ("schema: {properties: {a: {not: {type: string, x-link: author}}}}\n",
     "schema.properties.a.not.x-link", "does not follow this x-link"),
    ("schema:\n  $defs:\n    node: {type: object, properties: {who: {type: string, x-link: author},"
     " kids: {type: array, items: {$ref: '#/$defs/node'}}}}\n  properties:\n    tree: {$ref: '#/$defs/node'}\n",
     "schema.properties.tree.$ref.properties.kids.items.$ref", "recursive"),
    ("schema: {properties: {a: {anyOf: [{type: string, x-link: author}, {type: string, x-link: post}]}}}\n",
     "schema.properties.a.anyOf[1].x-link", "links to both author and post"),
])
def test_a_link_press_would_not_check_is_refused(site: Site, text: str, path: str, message: str) -> None:
    """A link press did not see could put a dangling link into the published view."""
    write_model(site.root, "author", AUTHOR)
    write_model(site.root, "post", text)
    with pytest.raises(BadContentError, match=message) as err:
        site.models()
    assert (err.value.where.file, err.value.where.path) == ("models/post.yaml", path)


def test_a_recursive_schema_without_links_is_fine(site: Site) -> None:
    write_model(site.root, "doc", "schema:\n  $defs:\n    node: {type: object, properties: {title: {type: string},"
                " kids: {type: array, items: {$ref: '#/$defs/node'}}}}\n  $ref: '#/$defs/node'\n")
    assert site.models()["doc"].link_fields == ()
