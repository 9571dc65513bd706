"""The first promise of export: a draft never leaves the site unless --preview is asked for."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write

DRAFT_MARKER = "draft-text-7f3a"


def exported_text(out: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(out.rglob("*")) if p.is_file())


def test_export_of_drafts_only_is_empty_unless_preview(cli, site_dir: Path, tmp_path: Path) -> None:
    write(site_dir, "post/secret", f"title: {DRAFT_MARKER}\nbody: {DRAFT_MARKER} body\n")
    assert cli("save", "post/secret").exit_code == 0
    out = tmp_path / "out"
    for fmt in ("json", "yaml", "markdown"):
        code, env = cli.json("export", "--out", str(out), "--format", fmt)
        assert code == 0, env
        assert env["data"]["records"] == 0
        assert DRAFT_MARKER not in exported_text(out)
        assert json.loads((out / "manifest.json").read_text())["records"] == {}

    code, env = cli.json("export", "--out", str(out), "--preview")
    assert code == 0, env
    assert env["data"]["records"] == 1
    assert DRAFT_MARKER in (out / "post" / "secret.json").read_text()


def test_api_published_view_has_no_drafts(site, site_dir: Path) -> None:
    write(site_dir, "post/secret", f"title: {DRAFT_MARKER}\n")
    site.save("post/secret")
    assert list(site.published("post")) == []
    [rec] = site.records("post")
    assert (rec.record, rec.status, rec.published_at, rec.data) == ("post/secret", "draft", None,
                                                                   {"title": DRAFT_MARKER})
