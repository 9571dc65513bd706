"""The typed sample generator (build.py here, checked with ``mypy --strict`` by .ci/run) on a copy
of the sample site: the published view, and a preview whose drafts link to records not saved."""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pressroom import Site, Status
from tests.conftest import write

REPO = Path(__file__).resolve().parents[2]
GENERATOR = Path(__file__).with_name("build.py")


@pytest.fixture
def sample(tmp_path: Path) -> Site:
    root = tmp_path / "sample"
    shutil.copytree(REPO / "sample-site", root, ignore=shutil.ignore_patterns("_site", "lock"))
    return Site.open(root)


def generate(site: Site, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(GENERATOR), str(site.root), "--out", str(out), *args],
                          capture_output=True, text=True, timeout=120)


def test_it_builds_the_published_posts_with_their_authors_and_publish_dates(sample: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = generate(sample, out)
    assert result.returncode == 0, result.stderr
    published = list(sample.published("post", resolve_links=1))
    assert result.stdout == f"built {len(published) + 1} pages\n"
    assert sorted(p.stem for p in (out / "posts").glob("*.html")) == sorted(r.id for r in published)
    for rec in published:
        page = (out / "posts" / f"{rec.id}.html").read_text()
        assert rec.published_at is not None
        assert f"<h1>{html.escape(rec.data['title'])}</h1>" in page
        assert f"{rec.published_at:%Y-%m-%d} · by {html.escape(rec.data['author']['data']['name'])}" in page
    index = (out / "index.html").read_text()
    # Newest first, by the publish time the API gives as a datetime.
    order = [r.id for r in sorted(published, key=lambda r: (r.published_at, r.id), reverse=True)]
    assert [index.index(f'href="posts/{rid}.html"') for rid in order] == sorted(
        index.index(f'href="posts/{rid}.html"') for rid in order)
    unpublished = [r for r in sample.status(model="post").records
                   if r.status not in (Status.PUBLISHED, Status.UPDATED)]
    assert unpublished, "the sample site has posts that are not published"
    for row in unpublished:
        assert f"posts/{row.record.partition('/')[2]}.html" not in index


def test_a_preview_with_links_to_records_not_saved_builds(sample: Site, tmp_path: Path) -> None:
    write(sample.root, "post/wip", "title: Not ready\nauthor: nobody-yet\ntags: [history, someday]\nbody: Soon.\n")
    sample.save("post/wip")
    out = tmp_path / "preview"
    result = generate(sample, out, "--preview")
    assert result.returncode == 0, result.stderr
    page = (out / "posts" / "wip.html").read_text()
    assert '<h1>Not ready <span class="status">draft</span></h1>' in page
    history = sample.get("tag/history", version="current").data["name"]
    assert f"not published · by nobody-yet · {history} · someday" in page
    assert sorted(p.stem for p in (out / "posts").glob("*.html")) == sorted(r.id for r in sample.records("post"))
