"""Synthetic sites for the benchmarks: N records over three linked models.

``author`` and ``tag`` records are linked from ``post`` records (``author``,
``tags``) and posts link to older posts (``related``), so a cascade publish
has links to follow. Every record is a realistic 1-3 KB YAML file: comments,
nested fields, a date, a list, and a markdown body. The text is chosen by a
seeded random generator, so the same ``(n, seed)`` always gives the same bytes.

``revision`` rewrites a record as an editor would: the title, one paragraph
and a comment change, everything else stays. ``python benchmarks/gensite.py
DIR --n 1000`` writes a site (``press init`` is left to the caller).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

MODELS: dict[str, str] = {
    "author": """\
# People who write posts.
description: Authors of posts
schema:
  type: object
  required: [name, email]
  additionalProperties: false
  properties:
    name: {type: string, maxLength: 120}
    email: {type: string, maxLength: 200}
    joined: {type: string}
    role: {type: string, enum: [staff, contributor, editor]}
    social:
      type: object
      properties:
        site: {type: string}
        handle: {type: string}
    bio: {type: string}
""",
    "tag": """\
# Topics that group posts.
description: Topics
schema:
  type: object
  required: [name]
  additionalProperties: false
  properties:
    name: {type: string, maxLength: 80}
    colour: {type: string, pattern: "^#[0-9a-f]{6}$"}
    featured: {type: boolean}
    description: {type: string}
""",
    "post": """\
# Articles: each links to its author, its tags and older related posts.
description: Articles
schema:
  type: object
  required: [title, author, body]
  additionalProperties: false
  properties:
    title: {type: string, maxLength: 200}
    slug: {type: string, pattern: "^[a-z0-9-]+$"}
    author: {type: string, x-link: author}
    tags:
      type: array
      items: {type: string, x-link: tag}
    related:
      type: array
      items: {type: string, x-link: post}
    date: {type: string}
    draft_note: {type: string}
    reading_minutes: {type: integer, minimum: 1}
    seo:
      type: object
      properties:
        description: {type: string, maxLength: 300}
        keywords: {type: array, items: {type: string}}
    summary: {type: string}
    body: {type: string}
""",
}

WORDS = (
    "harbour light archive river signal garden winter paper engine market council station ledger orbit "
    "canvas meadow lantern quarry beacon violet thunder copper island valley circuit fabric glacier pocket "
    "window ribbon silver timber anchor summit prairie compass falcon mirror ember canyon orchard velvet "
    "the a of and in on with for from about over under between quietly rapidly newly carefully"
).split()


def counts(n: int) -> dict[str, int]:
    """How many records of each model a site of ``n`` records holds (10% authors, 10% tags)."""
    authors = max(1, n // 10)
    tags = max(1, n // 10)
    return {"author": authors, "tag": tags, "post": max(0, n - authors - tags)}


def record_id(model: str, i: int) -> str:
    return f"{model[0]}{i:06d}"


def keys(n: int) -> list[tuple[str, int]]:
    """Every ``(model, index)`` of a site of ``n`` records."""
    return [(model, i) for model, count in counts(n).items() for i in range(count)]


def _sentence(rng: random.Random, lo: int = 8, hi: int = 18) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def _wrap(text: str, indent: str, width: int = 88) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(indent + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(indent + line)
    return "\n".join(lines)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _markdown(rng: random.Random, paragraphs: int, revision: int) -> str:
    parts = []
    for p in range(paragraphs):
        if p and p % 2 == 0:
            parts.append(f"## {_sentence(rng, 2, 5)[:-1]}")
        if p == 1:
            parts.append(f"Revision {revision}: " + _paragraph(rng, 2) if revision else _paragraph(rng, 2))
        else:
            parts.append(_paragraph(rng, rng.randint(2, 4)))
        if p == 0:
            parts.append("\n".join(f"- **{rng.choice(WORDS)}** {_sentence(rng, 3, 7)}" for _ in range(3)))
        if p == 2:
            parts.append(f"See [the archive](https://example.org/{rng.choice(WORDS)}/{rng.randint(1, 999)}).")
    return "\n\n".join(parts)


def _block(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.split("\n"))


def record_text(n: int, model: str, i: int, revision: int = 0, seed: int = 7) -> bytes:
    """The bytes of record ``i`` of ``model`` in a site of ``n`` records, at ``revision``."""
    rng = random.Random(f"{seed}/{model}/{i}")
    date = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3650))
    edit = f" (revised {revision})" if revision else ""
    if model == "author":
        name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}"
        return (
            f"# Author {i}: keep the e-mail current, the newsletter uses it.\n"
            f"name: {_quote(name + edit)}\n"
            f"email: {record_id(model, i)}@example.org\n"
            f"joined: {date.isoformat()}\n"
            f"role: {rng.choice(['staff', 'contributor', 'editor'])}\n"
            f"social:\n"
            f"  site: https://example.org/people/{record_id(model, i)}  # personal page\n"
            f"  handle: \"@{rng.choice(WORDS)}{i}\"\n"
            f"# The bio is markdown.\n"
            f"bio: |\n{_block(_markdown(rng, 4, revision))}\n"
        ).encode()
    if model == "tag":
        return (
            f"# Tag {i}\n"
            f"name: {_quote(rng.choice(WORDS) + ' ' + rng.choice(WORDS) + edit)}\n"
            f"colour: \"#{rng.randrange(16**6):06x}\"  # shown on the tag page\n"
            f"featured: {str(rng.random() < 0.1).lower()}\n"
            f"description: |\n{_block(_markdown(rng, 4, revision))}\n"
        ).encode()
    c = counts(n)
    title = _sentence(rng, 4, 9)[:-1]
    author = record_id("author", rng.randrange(c["author"]))
    tags = sorted({record_id("tag", rng.randrange(c["tag"])) for _ in range(rng.randint(1, 4))})
    related = sorted({record_id("post", rng.randrange(i)) for _ in range(rng.randint(0, 3))}) if i else []
    related_line = f"related: [{', '.join(related)}]  # older posts\n" if related else ""
    keywords = ", ".join(rng.choice(WORDS) for _ in range(4))
    return (
        f"# Post {i}{' - edited' if revision else ''}\n"
        f"title: {_quote(title + edit)}\n"
        f"slug: {'-'.join(title.lower().split()[:5])}-{i}\n"
        f"author: {author}  # author/{author}\n"
        f"tags: [{', '.join(tags)}]\n"
        f"{related_line}"
        f"date: {date.isoformat()}\n"
        f"reading_minutes: {rng.randint(2, 12)}\n"
        f"seo:\n"
        f"  description: >-\n{_wrap(_sentence(rng, 12, 20), '    ')}\n"
        f"  keywords: [{keywords}]\n"
        f"summary: >\n{_wrap(_paragraph(rng, 2), '  ')}\n"
        f"# Markdown from here on.\n"
        f"body: |\n{_block(_markdown(rng, rng.randint(4, 6), revision))}\n"
    ).encode()


def content_path(root: Path, model: str, i: int) -> Path:
    return root / "content" / model / f"{record_id(model, i)}.yaml"


def write_models(root: Path) -> None:
    (root / "models").mkdir(parents=True, exist_ok=True)
    for name, text in MODELS.items():
        (root / "models" / f"{name}.yaml").write_text(text)


def write_records(root: Path, n: int, which: list[tuple[str, int]] | None = None, revision: int = 0,
                  seed: int = 7) -> int:
    """Write the working files of ``which`` records (default: all); return the bytes written."""
    total = 0
    for model, i in which if which is not None else keys(n):
        path = content_path(root, model, i)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = record_text(n, model, i, revision, seed)
        path.write_bytes(data)
        total += len(data)
    return total


def sample(n: int, fraction: float, seed: int = 7) -> list[tuple[str, int]]:
    """A fixed ``fraction`` of the records, spread over the models (the edits of a benchmark)."""
    everything = keys(n)
    count = max(1, round(len(everything) * fraction))
    return sorted(random.Random(f"{seed}/sample/{fraction}").sample(everything, count))


def generate(root: Path, n: int, seed: int = 7) -> int:
    """Write models and ``n`` records under ``root``; return the bytes of content written."""
    write_models(root)
    return write_records(root, n, seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    size = generate(args.root, args.n, args.seed)
    print(f"wrote {args.n} records ({size / args.n:.0f} bytes each on average) under {args.root}")


if __name__ == "__main__":
    main()
