#!/usr/bin/env python3
"""A small static site generator written against pressroom's public API alone, fully typed.

    python tests/typed_generator/build.py SITE --out OUT [--preview]

It writes ``OUT/index.html`` (posts newest first, what is scheduled next, the
latest publishing events) and ``OUT/posts/<id>.html``. CI checks it with
``mypy --strict`` (``.ci/run``), so a change to the API's types that would
break a typed client fails there; tests/typed_generator/test_typed_generator.py
runs it on the sample site.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from pressroom import Link, LogEntry, PressError, Record, Schedule, Site, Status

MARK = ".built-by-typed-generator"


@dataclass(frozen=True)
class Post:
    """What a page shows of one post record."""

    id: str
    title: str
    author: str
    tags: list[str]
    body: str
    status: Status
    published_at: dt.datetime | None


def name_of(link: Link) -> str:
    """A linked record's name, or its id while the link is unresolved (a preview's
    link to a record not saved yet): every link has ``resolved`` and ``id``."""
    data = link.get("data")
    if link["resolved"] and data is not None and isinstance(data.get("name"), str):
        return str(data["name"])
    return link["id"]


def links(value: object) -> list[Link]:
    """A link field's value as links: one link, a list of them, or none (field absent)."""
    if value is None:
        return []
    return [_link(v) for v in value] if isinstance(value, list) else [_link(value)]


def _link(value: object) -> Link:
    # resolve_links=1 makes every link a Link; checked, so a bare id or another shape fails loudly here.
    if not (isinstance(value, dict) and isinstance(value.get("id"), str) and isinstance(value.get("resolved"), bool)):
        raise TypeError(f"not a link: {value!r}")
    return cast(Link, value)


def post_of(record: Record) -> Post:
    data = record.data
    return Post(id=record.id, title=str(data.get("title", record.id)),
                author=", ".join(name_of(a) for a in links(data.get("author"))),
                tags=[name_of(t) for t in links(data.get("tags"))], body=str(data.get("body", "")),
                status=record.status, published_at=record.published_at)


def day(when: dt.datetime | None) -> str:
    """A publish time as a page shows it (UTC date); a draft has none."""
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%d") if when is not None else "not published"


def newest_first(posts: Iterable[Post]) -> list[Post]:
    # Never-published drafts first, then by publish time: a datetime, so no string parsing.
    epoch = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return sorted(posts, key=lambda p: (p.published_at is None, p.published_at or epoch, p.id), reverse=True)


def post_page(post: Post, preview: bool) -> str:
    shown = preview and post.status is not Status.PUBLISHED
    badge = f' <span class="status">{post.status.value}</span>' if shown else ""
    paragraphs = "".join(f"<p>{html.escape(b.strip())}</p>\n" for b in post.body.split("\n\n") if b.strip())
    return (f"<!doctype html>\n<title>{html.escape(post.title)}</title>\n<h1>{html.escape(post.title)}{badge}</h1>\n"
            f'<p class="meta">{day(post.published_at)} · by {html.escape(post.author)}'
            f'{"".join(f" · {html.escape(t)}" for t in post.tags)}</p>\n{paragraphs}')


def index_page(posts: Sequence[Post], coming: Sequence[Schedule], events: Sequence[LogEntry]) -> str:
    items = "".join(f'<li><a href="posts/{html.escape(p.id)}.html">{html.escape(p.title)}</a> '
                    f"({day(p.published_at)}, {html.escape(p.author)})</li>\n" for p in posts)
    soon = "".join(f"<li>{html.escape(s.action)} {html.escape(s.record)} on {day(s.at)}</li>\n" for s in coming)
    feed = "".join(f"<li>{e.time:%Y-%m-%d %H:%M} {html.escape(e.action)} {html.escape(e.record)}</li>\n"
                   for e in events)
    return (f"<!doctype html>\n<title>Posts</title>\n<h1>Posts</h1>\n<ul>\n{items}</ul>\n"
            f"<h2>Coming up</h2>\n<ul>\n{soon}</ul>\n<h2>Latest changes</h2>\n<ul>\n{feed}</ul>\n")


def build(root: Path, out: Path, *, preview: bool = False) -> list[Path]:
    """Write the pages of ``root``'s posts (``preview``: current versions, drafts included) under ``out``."""
    site = Site.open(root)
    records = site.records("post", resolve_links=1) if preview else site.published("post", resolve_links=1)
    posts = newest_first(post_of(r) for r in records)
    coming = [s for s in site.schedules().schedules if s.state == "pending"]
    events = site.log(published=True, limit=5).items
    if out.exists() and not (out / MARK).exists():
        raise SystemExit(f"{out} exists and was not made by this generator; choose another --out")
    (out / "posts").mkdir(parents=True, exist_ok=True)
    (out / MARK).write_text("made by tests/typed_generator/build.py\n")
    pages = [out / "index.html"]
    pages[0].write_text(index_page(posts, coming, events), encoding="utf-8")
    for post in posts:
        page = out / "posts" / f"{post.id}.html"
        page.write_text(post_page(post, preview), encoding="utf-8")
        pages.append(page)
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build HTML pages from a pressroom site's posts.")
    parser.add_argument("site", type=Path, help="the site's folder")
    parser.add_argument("--out", type=Path, required=True, help="the folder to write the pages to")
    parser.add_argument("--preview", action="store_true", help="current versions, drafts included")
    args = parser.parse_args(argv)
    try:
        pages = build(args.site, args.out, preview=args.preview)
    except PressError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"built {len(pages)} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
