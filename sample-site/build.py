#!/usr/bin/env python3
"""Build the sample site's HTML from its published records, through the Python API.

    python sample-site/build.py             # the published view -> sample-site/_site/
    python sample-site/build.py --preview   # current versions, drafts included

A static site generator needs nothing else from pressroom than this: open the
site, iterate what is published, with linked records (author, tags) inline.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from pressroom import Site

HERE = Path(__file__).resolve().parent
BUILD_MARK = ".built-by-sample-site"


def paragraphs(text: str | None) -> Markup:
    """Blank-line separated text as <p> elements, escaped (the sample has no Markdown renderer)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text or "") if b.strip()]
    return Markup("\n".join(f"<p>{escape(b)}</p>" for b in blocks))


def linked(value: dict) -> dict:
    """With resolve_links, a link is a dict: the linked record's document when ``resolved``;
    in a preview, a link to a record not saved yet is its name alone: show its id."""
    if value["resolved"]:
        return value
    return {**value, "data": {"name": value["id"]}}


def load(site: Site, preview: bool) -> list[dict]:
    """Posts newest first, each with its author and tags resolved inline."""
    posts = []
    for rec in site.records("post", preview=preview, resolve_links=1):
        post = {**rec.data, "id": rec.id, "status": rec.status, "published_at": rec.published_at}
        post["author"] = linked(post.get("author"))
        post["tags"] = [linked(t) for t in post.get("tags") or []]
        posts.append(post)
    return sorted(posts, key=lambda p: (str(p.get("date") or ""), p["id"]), reverse=True)


def build(root: Path, out: Path, *, preview: bool = False) -> list[Path]:
    """Write index.html and posts/<id>.html under ``out``; return the pages written."""
    site = Site.open(root)
    posts = load(site, preview)
    env = Environment(loader=FileSystemLoader(root / "templates"), autoescape=select_autoescape(),
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["paragraphs"] = paragraphs
    if out.exists():
        if not (out / BUILD_MARK).exists():
            raise SystemExit(f"{out} exists and was not made by this script; choose another --out")
        shutil.rmtree(out)
    (out / "posts").mkdir(parents=True)
    (out / BUILD_MARK).write_text("made by sample-site/build.py; removed and rebuilt on every build\n")
    shutil.copy(root / "templates" / "style.css", out / "style.css")
    pages = [out / "index.html"]
    pages[0].write_text(env.get_template("index.html").render(posts=posts, preview=preview, root=""))
    post_page = env.get_template("post.html")
    for post in posts:
        page = out / "posts" / f"{post['id']}.html"
        page.write_text(post_page.render(post=post, preview=preview, root="../"))
        pages.append(page)
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preview", action="store_true", help="build current versions, drafts included")
    parser.add_argument("--out", type=Path, default=HERE / "_site", help="output folder (default: sample-site/_site)")
    args = parser.parse_args(argv)
    pages = build(HERE, args.out, preview=args.preview)
    view = "current versions (preview, drafts included)" if args.preview else "the published view"
    where = args.out.resolve()
    try:
        where = where.relative_to(Path.cwd())
    except ValueError:
        pass
    print(f"built {len(pages)} pages from {view}: {len(pages) - 1} posts and an index")
    print(f"open {where / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
