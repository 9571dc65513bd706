"""The tests the npm examples (examples/eleventy, examples/astro) share, as a class each test
module subclasses: a copy of the sample site with a draft, an unpublished edit, a newly
published post and an unsaved working-file edit planted in it, each with sentences of its
own, built by the example's real `build` script three times (published, preview, and
published into the folder the preview used), and what each build must hold."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PRESS, run_press

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

# Each planted text is a plain sentence (no quotes, dashes or markup), so that a
# generator's typography cannot change how it appears in the built pages.
DRAFT_TITLE = "Notes on the quiet lamplighter registry"
DRAFT_TEXT = "Draft sentence about forty brass lanterns kept in the harbour archive."
EDIT_TEXT = "Unpublished edit about a second committee meeting held in a snowed in library."
NEWS_TITLE = "A newly published note on punched cards"
NEWS_TEXT = "Published sentence about a deck of punched cards sorted by a patient clerk."
WORKING_TEXT = "Working file sentence that was typed but never saved by anyone."
# Liquid or Nunjucks would render these; the examples must print them as written.
TEMPLATE_TEXT = "Template text {{ page.url }} and {% if true %}both branches{% endif %} stay as typed."

UNPUBLISHED = (DRAFT_TITLE, DRAFT_TEXT, EDIT_TEXT)
PREVIEW_BANNER = "Preview: current versions, drafts included."


def _write(site: Path, record: str, text: str) -> None:
    model, rid = record.split("/")
    (site / "content" / model / f"{rid}.yaml").write_text(text)


def _press(site: Path, *args: str) -> None:
    result = run_press(site, *args)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


def planted_site(tmp: Path) -> Path:
    """A copy of sample-site/ with a new draft, an unpublished edit of a published post, a
    newly published post and an unsaved edit of a working file."""
    site = tmp / "site"
    shutil.copytree(REPO / "sample-site", site, ignore=shutil.ignore_patterns("_site", "lock"))
    _write(site, "post/lamplighters", (
        f"title: {DRAFT_TITLE}\nauthor: ada\ntags: [history]\n"
        f"summary: A draft summary that names the lamplighter registry.\n"
        f"body: |\n  {DRAFT_TEXT}\n"))
    _press(site, "save", "post/lamplighters", "-m", "a new draft")
    cobol = site / "content" / "post" / "cobol.yaml"
    cobol.write_text(cobol.read_text() + f"\n  {EDIT_TEXT}\n")
    _press(site, "save", "post/cobol", "-m", "an edit not published yet")
    _write(site, "post/punched-cards", (
        f"title: {NEWS_TITLE}\ndate: 1890-06-01\nauthor: grace\ntags: [languages, hardware]\n"
        f"body: |\n  {NEWS_TEXT}\n\n  Some **bold words** here.\n\n  {TEMPLATE_TEXT}\n"))
    _press(site, "save", "post/punched-cards", "-m", "a new post")
    _press(site, "publish", "post/punched-cards", "-m", "published now")
    bug = site / "content" / "post" / "first-bug.yaml"
    bug.write_text(bug.read_text() + f"\n  {WORKING_TEXT}\n")
    return site


def require_npm() -> None:
    """Skip when Node.js or npm is not installed at all: the examples cannot run."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not on PATH: install Node.js 18.20.8 or later to test the npm examples")


def build(example: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run examples/<example>/build with `press` from this environment on PATH, as a user would.

    Skips, naming npm's error, only when the example's packages are not installed and the
    npm registry cannot be reached; any other failure is the test's to report."""
    env = {k: v for k, v in os.environ.items() if k != "PRESSROOM_DIR"}
    env["PATH"] = f"{PRESS.parent}{os.pathsep}{env['PATH']}"
    script = EXAMPLES / example / "build"
    result = subprocess.run([str(script), *map(str, args)], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=600)
    installed = (EXAMPLES / example / "node_modules" / ".package-lock.json").is_file()
    if result.returncode != 0 and not installed:
        ping = subprocess.run(["npm", "ping"], capture_output=True, text=True, timeout=120)
        if ping.returncode != 0:
            pytest.skip(f"npm cannot install {example}'s packages (registry unreachable): {ping.stderr.strip()}")
    return result


def all_text(folder: Path) -> str:
    """Every file under folder (hidden ones too), as text: what a deploy would publish."""
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(folder.rglob("*")) if p.is_file())


def page(out: Path, path: str) -> str:
    """One built page, e.g. posts/cobol: the text of its index.html."""
    return (out / path / "index.html").read_text()


def visible(html: str) -> str:
    """The text of a page with tags dropped and whitespace runs joined: what a reader sees."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class NodeExampleTests:
    """The checks every npm example passes; a subclass names the example."""

    example: str

    @pytest.fixture(scope="class")
    @classmethod
    def builds(cls, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
        """The three builds of one planted site: published, preview, and published into the preview's folder."""
        require_npm()
        tmp = tmp_path_factory.mktemp(cls.example)
        site = planted_site(tmp)
        # From a folder of its own, with relative paths, as a user in their project would run it.
        published = build(cls.example, Path("site"), Path("published"), cwd=tmp)
        assert published.returncode == 0, published.stdout + published.stderr
        preview = build(cls.example, site, tmp / "reused", "--preview", cwd=tmp)
        assert preview.returncode == 0, preview.stdout + preview.stderr
        shutil.copytree(tmp / "reused", tmp / "preview")
        (tmp / "reused" / "left-by-hand.html").write_text(f"<p>{DRAFT_TEXT}</p>")
        again = build(cls.example, site, tmp / "reused", cwd=tmp / "site" / "content")
        assert again.returncode == 0, again.stdout + again.stderr
        return {"published": tmp / "published", "preview": tmp / "preview", "reused": tmp / "reused"}

    @pytest.mark.parametrize("which", ["published", "reused"])
    def test_a_published_build_has_the_published_text_and_no_draft_text_in_any_file(
            self, builds: dict[str, Path], which: str) -> None:
        out = builds[which]
        text = all_text(out)
        assert NEWS_TITLE in text and NEWS_TEXT in text
        for unpublished in (*UNPUBLISHED, WORKING_TEXT):
            assert unpublished not in text, f"{unpublished!r} is in the {which} build"
        assert not (out / "posts" / "lamplighters").exists()
        assert not (out / "left-by-hand.html").exists()
        assert PREVIEW_BANNER not in page(out, "")

    def test_the_preview_build_has_every_current_version_but_no_unsaved_working_file(
            self, builds: dict[str, Path]) -> None:
        text = all_text(builds["preview"])
        for current in (DRAFT_TITLE, DRAFT_TEXT, EDIT_TEXT, NEWS_TEXT):
            assert current in text
        assert WORKING_TEXT not in text
        assert DRAFT_TEXT in page(builds["preview"], "posts/lamplighters")
        assert PREVIEW_BANNER in page(builds["preview"], "")

    def test_a_post_page_shows_title_date_names_and_the_body_rendered_from_markdown(
            self, builds: dict[str, Path]) -> None:
        html = page(builds["published"], "posts/punched-cards")
        assert f"<h1>{NEWS_TITLE}</h1>" in html
        assert "1890-06-01" in visible(html)
        assert 'by <a href="/authors/grace/">Grace Hopper</a>' in html
        assert '<a class="tag" href="/tags/languages/">Languages</a>' in html
        assert '<a class="tag" href="/tags/hardware/">Hardware</a>' in html
        assert "<strong>bold words</strong>" in html
        # The body is Markdown, never a template: {{ page.url }} is printed as typed.
        assert TEMPLATE_TEXT in html

    def test_index_author_and_tag_pages_list_posts_by_title(self, builds: dict[str, Path]) -> None:
        out = builds["published"]
        for where in ("", "authors/grace", "tags/languages", "tags/hardware"):
            assert f'<a href="/posts/punched-cards/">{NEWS_TITLE}</a>' in page(out, where), where
        assert "<h1>Grace Hopper</h1>" in page(out, "authors/grace")
        assert "<h1>Languages</h1>" in page(out, "tags/languages")
        assert "punched-cards" not in page(out, "authors/ada")
        # An author who is only a draft has a page in the preview only.
        assert not (out / "authors" / "margaret").exists()
        assert (builds["preview"] / "authors" / "margaret" / "index.html").is_file()

    @pytest.mark.parametrize("out", ["site", ".", "site/content/post", "site/models/new", "notes"])
    def test_build_refuses_an_out_folder_it_would_have_to_destroy(self, tmp_path: Path, out: str) -> None:
        """The site, what holds it, its own folders, and a folder of other files are never replaced."""
        site = tmp_path / "site"
        shutil.copytree(REPO / "sample-site", site, ignore=shutil.ignore_patterns("_site", "lock"))
        (tmp_path / "notes").mkdir()
        (tmp_path / "notes" / "keep.txt").write_text("mine")
        before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
        result = build(self.example, Path("site"), Path(out), cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.startswith("build: OUT") and "Traceback" not in result.stderr
        assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before

    def test_build_without_site_and_out_prints_its_usage(self, tmp_path: Path) -> None:
        result = build(self.example, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith("usage: build SITE OUT [--preview]")

    def test_the_recipes_page_shows_this_examples_files_as_they_are(self) -> None:
        page = (REPO / "docs" / "recipes.md").read_text()
        shown = dict(re.findall(
            rf"<!-- file: examples/{self.example}/(\S+) -->\n```\w*\n(.*?)```\n", page, re.S))
        assert {"build", "package.json"} <= shown.keys()
        for path, text in shown.items():
            assert text == (EXAMPLES / self.example / path).read_text(), f"docs/recipes.md shows an old {path}"
