"""Time ``press audit`` against ``grep -rFf`` of the same strings over the same built site.

A synthetic site of N records (benchmarks/gensite.py) is saved and published,
10% of its records are edited and saved again (unpublished edits), and one
HTML page is built for every published record, as a generator would (title,
then every string field as escaped paragraphs); 1% of the pages get the
draft text of an edited record planted in them. The baseline is grep given
the very fragments the audit searches for (one a line), in the same run, on
the same folder; the target is at most 3x (docs/performance.md).

    python benchmarks/audit.py               # N = 10,000
    python benchmarks/audit.py --n 1000 --repeat 1
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import gensite
from run import Bench, Row, bench_env, disk, find_press, machine, table

TARGET = 3.0


def page(record: str, data: dict, planted: list[str]) -> str:
    """One record's page: its string fields as escaped paragraphs, then any planted text."""
    from pressroom.audit import strings

    paragraphs = [f"<p>{html.escape(value)}</p>" for _path, value in strings(data)]
    paragraphs += [f'<p class="planted">{html.escape(value)}</p>' for value in planted]
    title = html.escape(str(data.get("title") or data.get("name") or record))
    return (f"<!doctype html>\n<html><head><title>{title}</title></head>\n<body><article>\n<h1>{title}</h1>\n"
            + "\n".join(paragraphs) + "\n</article></body></html>\n")


def build(root: Path, out: Path, plant: int) -> int:
    """One page for every published record; the current text of ``plant`` edited records planted in pages."""
    from pressroom import Site
    from pressroom.audit import strings

    site = Site.open(root)
    edited = [r for r in site.records(preview=True) if r.status == "updated"][:plant]
    drafts = [[value for _path, value in strings(r.data)] for r in edited]
    pages = 0
    for i, rec in enumerate(site.published()):
        path = out / rec.model / f"{rec.id}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page(rec.record, rec.data, drafts[i] if i < len(drafts) else []))
        pages += 1
    return pages


def rows(bench: Bench, n: int) -> list[Row]:
    site = bench.work / "site"
    site.mkdir(parents=True)
    bench.run(bench.press_cmd(site, "init"), site)
    gensite.generate(site, n)
    bench.run(bench.press_cmd(site, "save", "--all", "-m", "first"), site)
    bench.run(bench.press_cmd(site, "publish", "--all", "--cascade", "-m", "publish"), site)
    gensite.write_records(site, n, gensite.sample(n, 0.1), revision=1)
    bench.run(bench.press_cmd(site, "save", "--all", "-m", "edit"), site)
    out = bench.work / "public"
    plant = max(1, n // 100)
    pages = build(site, out, plant)
    from pressroom import Site
    from pressroom.audit import collect

    fragments = collect(Site.open(site)).texts
    patterns = bench.work / "patterns.txt"
    patterns.write_text("".join(f"{text}\n" for text in fragments))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    bench.say(f"N={n}: {pages} pages ({size / 1e6:.1f} MB), {len(fragments)} fragments, "
              f"{plant} pages with draft text planted")
    # One untimed run each: the pages are in the page cache for both.
    bench.run(["grep", "-rFf", str(patterns), str(out)], bench.work, ok=(0, 1))
    bench.run(bench.press_cmd(site, "audit", str(out)), site, ok=(1,))
    grep = bench.median(["grep", "-rFf", str(patterns), str(out)], bench.work, ok=(0, 1))
    press = bench.median(bench.press_cmd(site, "audit", str(out)), site, ok=(1,))
    bench.say(f"audit: {press.wall:.2f}s (grep -rFf {grep.wall:.2f}s)")
    return [Row(f"audit ({pages:,} pages, {len(fragments):,} fragments)", f"{n:,}", press,
                "grep -rFf FRAGMENTS OUT", grep, TARGET)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10000, help="site size (default 10,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (median)")
    parser.add_argument("--press", default=None, help="the press executable (default: next to this Python)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the site goes (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the site and the pages afterwards")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    parser.add_argument("--json", type=Path, default=None, help="also write the row and the machine as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.n < 10 or args.repeat < 1:
        parser.error("--n must be at least 10 and --repeat 1 or more")
    work = Path(tempfile.mkdtemp(prefix="press-audit-bench-", dir=args.workdir))
    env = bench_env(PRESSROOM_AUTHOR="Bench Mark <bench@example.org>")
    bench = Bench(press=args.press or find_press(), python=sys.executable, work=work, repeat=args.repeat,
                  env=env, verbose=not args.quiet)
    info = {**machine(), "disk": disk(work), "grep locale": env.get("LC_ALL") or env.get("LANG") or "C"}
    started = time.perf_counter()
    try:
        found = rows(bench, args.n)
    finally:
        if args.keep:
            print(f"site and pages kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    print(", ".join(f"{k}: {v}" for k, v in info.items()))
    print(table(found, args.markdown))
    print(f"{len(found)} row in {elapsed:.0f}s; ratio = press / baseline (wall time); MB = peak RSS")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "seconds": elapsed,
                                         "rows": [{**asdict(r), "ratio": r.ratio, "met": r.met} for r in found]},
                                        indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
