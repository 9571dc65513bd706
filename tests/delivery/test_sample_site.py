"""sample-site/ is a real site: every status, real history, and a build that never leaks a draft."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from markupsafe import escape

from pressroom import Site
from tests.conftest import strings

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample-site"
# Phrases the sample puts only in drafts and in unpublished changes (see make-history.sh).
MARKERS = ["Work in progress", "Not yet published", "Withdrawn for corrections", "Margaret Hamilton",
           "Reading Enigma", "The Bombe", "Codebreaking", "COBOL at sixty (and counting)",
           "though engineers said bug long before"]


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("_site", "lock"))
    return root


def build(root: Path, out: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, str(root / "build.py"), "--out", str(out), *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def html_of(out: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(out.rglob("*.html")))


def unpublished_text(site: Site) -> set[str]:
    """Lines of text a reader of the published site must never see: every line of a record that
    is not published, and every line an updated record's current version adds."""
    public = {line.strip() for rec in site.published() for s in strings(rec.data) for line in s.splitlines()}
    hidden = set()
    for rec in site.records():
        for s in strings(rec.data):
            hidden |= {line.strip() for line in s.splitlines() if len(line.strip()) > 12}
    archived = [r.record for r in site.status().records if r.status == "archived"]
    for record in archived:
        for s in strings(site.get(record, version="archived").data):
            hidden |= {line.strip() for line in s.splitlines() if len(line.strip()) > 12}
    return {line for line in hidden if line not in public}


def test_the_sample_site_is_real(sample: Path) -> None:
    site = Site.open(sample)
    rows = site.status().records
    counts = Counter(r.status for r in rows)
    assert 15 <= len(rows) <= 30
    assert {"draft", "published", "updated", "archived"} <= set(counts), counts
    assert {r.record.partition("/")[0] for r in rows} == {"post", "author", "tag"}
    assert all(r.changes is None for r in rows), "working files differ from the store: rerun make-history.sh"
    versions = {r.record: len(site.log(r.record).entries) for r in rows if r.current}
    assert max(versions.values()) >= 3 and sum(v > 1 for v in versions.values()) >= 5
    actions = Counter(e["action"] for r in rows for e in site.store.read_log(r.record))
    assert actions["revert"] >= 2 and actions["unpublish"] >= 1 and actions["archive"] >= 3
    assert site.fsck().ok
    assert site.validate(all=True).ok


def test_the_built_site_has_no_draft_text(sample: Path, tmp_path: Path) -> None:
    site = Site.open(sample)
    hidden = unpublished_text(site)
    out = tmp_path / "public"
    said = build(sample, out)
    html = html_of(out)
    published_posts = sorted(r.id for r in site.published("post"))
    assert sorted(p.stem for p in (out / "posts").glob("*.html")) == published_posts
    assert f"built {len(published_posts) + 1} pages" in said
    for post in site.published("post", resolve_links=1):
        page = (out / "posts" / f"{post.id}.html").read_text()
        assert post.data["author"]["data"]["name"] in page
        for tag in post.data.get("tags", []):
            assert tag["data"]["name"] in page
    assert len(hidden) >= 10
    leaked = sorted(line for line in hidden if line in html or str(escape(line)) in html)
    assert leaked == []
    for marker in MARKERS:
        assert marker not in html, marker

    preview = tmp_path / "preview"
    build(sample, preview, "--preview")
    preview_html = html_of(preview)
    shown = [line for line in hidden if line in preview_html or str(escape(line)) in preview_html]
    assert len(shown) >= 10, shown
    # The markers are real: the preview build shows drafts and unpublished changes.
    for marker in ("Work in progress", "Not yet published", "Withdrawn for corrections", "Margaret Hamilton"):
        assert marker in preview_html, marker
    # Archived records are in neither.
    for marker in ("Reading Enigma", "The Bombe"):
        assert marker not in preview_html


def test_build_refuses_to_wipe_a_folder_it_did_not_make(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")
    result = subprocess.run([sys.executable, str(sample / "build.py"), "--out", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and (out / "keep.txt").read_text() == "mine\n"


def test_export_of_the_sample_site_is_its_published_view(sample: Path, tmp_path: Path) -> None:
    site = Site.open(sample)
    site.export(tmp_path / "out")
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    assert sorted(manifest["records"]) == sorted(r.record for r in site.published())
    text = "\n".join(p.read_text() for p in (tmp_path / "out").rglob("*.json"))
    for marker in MARKERS:
        assert marker not in text, marker


def test_the_readme_main_command_builds_the_sample_site() -> None:
    readme = (REPO / "README.md").read_text()
    first = re.findall(r"```sh\n(.*?)```", readme, re.S)[0].strip()
    steps = first.split(" && ")
    assert ".venv/bin/press -C sample-site status" in steps
    assert steps[-1] == ".venv/bin/python sample-site/build.py"
