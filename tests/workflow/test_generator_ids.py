"""Ids static site generators misread (index, _index, a leading _) are refused for new records;
records saved with one before are reported by validate, whose hint's steps rename them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressroom import RefusedError, Site
from pressroom.records import ID_RE, generator_clash, generator_safe_id, parse_key
from pressroom.workflow import saving
from tests.conftest import run_press, write

POST = """\
schema:
  type: object
  required: [title]
  properties:
    title: {type: string}
    author: {type: string, x-link: author}
"""

CLASHING = ["index", "_index", "_draft", "__x", "_"]


@pytest.fixture
def blog(site: Site) -> Site:
    (site.root / "models/post.yaml").write_text(POST)
    (site.root / "models/author.yaml").write_text("schema: {type: object}\n")
    return site


@pytest.mark.parametrize("rid", CLASHING)
def test_save_refuses_a_new_record_whose_id_generators_misread(blog: Site, rid: str) -> None:
    write(blog.root, f"post/{rid}", "title: T\n")
    result = run_press(blog.root, "save", f"post/{rid}")
    assert result.returncode == 1
    err = result.stderr.decode()
    assert f"post/{rid}" in err and repr(rid) in err and "rename the file to content/post/" in err
    assert [r.status for r in blog.status().records] == ["new"]  # the file is there, unsaved


def test_save_all_refuses_the_batch_and_names_the_file(blog: Site) -> None:
    write(blog.root, "post/hello", "title: Hello\n")
    write(blog.root, "post/index", "title: Home\n")
    with pytest.raises(RefusedError) as e:
        blog.save(all=True)
    [problem] = e.value.problems
    assert (problem.code, problem.where.record, problem.where.file) == ("reserved_id", "post/index",
                                                                        "content/post/index.yaml")
    assert "content/post/post-index.yaml" in problem.hint
    assert {r.record: r.status for r in blog.status().records} == {"post/hello": "new", "post/index": "new"}
    # Ids that merely contain the words are fine.
    (blog.root / "content/post/index.yaml").rename(blog.root / "content/post/index-of-posts.yaml")
    write(blog.root, "post/my_index", "title: x\n")
    blog.save(all=True)
    assert {r.record for r in blog.status().records} == {"post/hello", "post/index-of-posts", "post/my_index"}


@pytest.mark.parametrize("rid", CLASHING)
def test_new_refuses_such_an_id_and_writes_nothing(blog: Site, rid: str) -> None:
    result = run_press(blog.root, "new", "post", rid)
    assert result.returncode == 1
    assert "choose another id, e.g. press new post " in result.stderr.decode()
    assert not (blog.root / f"content/post/{rid}.yaml").exists()


def _saved_before_the_rule(site: Site, monkeypatch: pytest.MonkeyPatch, *records: str) -> None:
    """Save records as a press without the id rule did (its stores hold such records)."""
    with monkeypatch.context() as m:
        m.setattr(saving, "generator_clash", lambda key: None)
        site.save(*records)


def test_a_record_saved_before_the_rule_still_saves_and_validate_says_how_to_rename_it(
        blog: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write(blog.root, "author/_index", "name: Ada Lovelace\n")
    write(blog.root, "post/hello", "title: Hello\nauthor: _index\n")
    _saved_before_the_rule(blog, monkeypatch, "author/_index", "post/hello")
    blog.publish("post/hello", cascade=True)
    # Editing it goes on working: only new records are refused.
    write(blog.root, "author/_index", "name: Ada King\n")
    blog.save("author/_index")

    for args in (["validate", "--all"], ["validate", "author/_index"], ["validate", "--published"]):
        result = run_press(blog.root, *args)
        assert result.returncode == 1, args
        err = result.stderr.decode()
        assert "author/_index" in err and "there is no rename command" in err
        assert "post/hello" not in err.split("author/_index", 1)[0]  # only the clashing record is reported
    # The command line names its commands; the Python API names the Site methods.
    assert ("rename it (there is no rename command): copy content/author/_index.yaml to "
            "content/author/author-index.yaml (or any free id) and press save author/author-index; make "
            "every link to author/_index name author-index and save those records; if author/_index was "
            "published, press publish author/author-index and them; then press delete author/_index") in err
    hint = blog.validate(all=True).problems[0].hint
    assert hint == ("rename it (there is no rename command): copy content/author/_index.yaml to "
                    "content/author/author-index.yaml (or any free id) and save author/author-index (Site.save); "
                    "make every link to author/_index name author-index and save those records; if author/_index "
                    "was published, publish author/author-index and them (Site.publish); then delete "
                    "author/_index (Site.delete)")
    # The steps, as the hint says them.
    shutil.copy(blog.root / "content/author/_index.yaml", blog.root / "content/author/author-index.yaml")
    write(blog.root, "post/hello", "title: Hello\nauthor: author-index\n")
    for args in (["save", "author/author-index", "post/hello"], ["publish", "author/author-index", "post/hello"],
                 ["delete", "author/_index", "--yes"]):
        result = run_press(blog.root, *args)
        assert result.returncode == 0, (args, result.stderr.decode())
    assert run_press(blog.root, "validate", "--all").returncode == 0
    assert run_press(blog.root, "validate", "--published").returncode == 0
    out = tmp_path / "export"
    blog.export(out, format="markdown")
    assert sorted(p.name for p in (out / "author").iterdir()) == ["author-index.md", "index.json"]
    assert "author: author-index" in (out / "post/hello.md").read_text()
    assert "Ada King" in (out / "author/author-index.md").read_text()
    assert subprocess.run(["grep", "-r", "_index", str(out / "post")], capture_output=True).returncode == 1


@given(st.from_regex(ID_RE, fullmatch=True).filter(lambda rid: ".." not in rid))
def test_the_suggested_id_is_a_valid_id_generators_read(rid: str) -> None:
    """Whatever id a hint replaces, the one it suggests is a record id and clashes with nothing."""
    key = parse_key(f"post/{rid}")
    safe = parse_key(f"post/{generator_safe_id(key)}")
    assert generator_clash(safe) is None
    assert (generator_clash(key) is None) == (not rid.startswith("_") and rid != "index")
