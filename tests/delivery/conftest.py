"""A small blog for the delivery tests, and the check that an export is the published view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressroom import Site
from tests.conftest import write

MODELS = {
    "author": """\
schema:
  type: object
  required: [name]
  properties:
    name: {type: string, minLength: 1}
    bio: {type: string}
""",
    "tag": """\
schema:
  type: object
  properties:
    name: {type: string}
""",
    "post": """\
allow_invalid_drafts: true
body_field: text
schema:
  type: object
  required: [title, author]
  properties:
    title: {type: string}
    date: {type: string}
    author: {type: string, x-link: author}
    tags: {type: array, items: {type: string, x-link: tag}}
    text: {type: string}
""",
}


@pytest.fixture
def blog(site: Site) -> Site:
    """author/ada, author/grace, tag/history, tag/math, post/hello (ada; history, math) and
    post/notes (grace), all saved as drafts; nothing published."""
    for name, text in MODELS.items():
        (site.root / "models" / f"{name}.yaml").write_text(text)
    write(site.root, "author/ada", "name: Ada\nbio: Wrote the first program.\n")
    write(site.root, "author/grace", "name: Grace\n")
    write(site.root, "tag/history", "name: History\n")
    write(site.root, "tag/math", "name: Math\n")
    write(site.root, "post/hello", "title: Hello\ndate: 2024-05-01\nauthor: ada\ntags: [history, math]\n"
                                   "text: |\n  First paragraph.\n\n  Second one.\n")
    write(site.root, "post/notes", "title: Notes\nauthor: grace\ntext: Short.\n")
    site.save(all=True, message="first drafts")
    return site


def exported_records(out: Path, ext: str = ".json") -> dict[str, Path]:
    """Record files of an export, by record (model/id); index.json and the manifest left out."""
    found = {}
    for path in sorted(out.rglob(f"*{ext}")):
        rel = path.relative_to(out).as_posix()
        if rel == "manifest.json" or path.name == "index.json":
            continue
        found[rel[: -len(ext)]] = path
    return found


def assert_export_is_published_view(site: Site, out: Path) -> None:
    """The JSON export holds exactly the published records, as the API reads them, and nothing else."""
    view = {r.record: r for r in Site.open(site.root).published()}
    status = {r.record for r in site.status().records if r.status in ("published", "updated")}
    assert set(view) == status
    files = exported_records(out)
    assert set(files) == set(view)
    for record, path in files.items():
        assert json.loads(path.read_text()) == view[record].document()
    manifest = json.loads((out / "manifest.json").read_text())
    assert {r: (e["version"], e["published_at"]) for r, e in manifest["records"].items()} == {
        r: (rec.version, rec.document()["published_at"]) for r, rec in view.items()}
    for index in out.glob("*/index.json"):
        listed = json.loads(index.read_text())
        assert [e["record"] for e in listed["records"]] == sorted(r for r in view if r.startswith(
            f"{index.parent.name}/"))
    everything = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert everything == {"manifest.json", *(f"{r}.json" for r in view),
                          *(p.relative_to(out).as_posix() for p in out.glob("*/index.json"))}
