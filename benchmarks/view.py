"""Time the whole-view check on sites of N published records, against ``git status``.

Each site comes from ``gensite`` (posts link their author, tags and older
posts), saved and published whole (``publish --all --cascade``) and committed
to git. Then, in the same run on the same tree:

- ``press fsck --view-only`` cold: ``.press/cache`` removed before each run
  (untimed), so every published version is read and its links checked;
- ``press fsck --view-only`` cached: the refs did not move, so the answer
  comes from the cache (what status, export and the read API pay each call);
- ``press status``, nothing changed (warm: one untimed run first), which
  runs the cached check too;

each next to ``git status`` (warm, median). Figures are medians of
``--repeat`` runs; the ratio is press / git status.

    python benchmarks/view.py                    # N = 10,000
    python benchmarks/view.py --n 10000 --n 100000
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from run import GIT_IDENTITY, Bench, Row, _median, bench_env, disk, find_press, machine, published_site, table


def view_rows(bench: Bench, n: int) -> list[Row]:
    """The rows of one site of ``n`` records, every one of them published."""
    site = bench.work / f"n{n}" / "site"
    published_site(bench, site, n)
    bench.run("git add -A && git commit -q -m bench", site)
    bench.say(f"N={n}: {n} records saved and published")
    label = f"{n:,}"

    bench.run(["git", "status"], site)
    git = bench.median(["git", "status"], site)
    cache = site / ".press" / "cache"
    cold = []
    for _ in range(bench.repeat):
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(bench.run(bench.press_cmd(site, "fsck", "--view-only"), site))
    cold_m = _median(cold)
    cached = bench.median(bench.press_cmd(site, "fsck", "--view-only"), site)
    bench.run(bench.press_cmd(site, "status"), site)
    status = bench.median(bench.press_cmd(site, "status"), site)
    bench.say(f"view check: {cold_m.wall:.2f}s cold, {cached.wall:.2f}s cached; status {status.wall:.2f}s "
              f"(git status {git.wall:.3f}s)")
    return [Row("fsck --view-only (cold)", label, cold_m, "git status", git, None),
            Row("fsck --view-only (cached)", label, cached, "git status", git, None),
            Row("status (nothing changed)", label, status, "git status", git, None)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="published records; repeat for several "
                        "(default: 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each row (median)")
    parser.add_argument("--press", default=None, help="the press executable (default: next to this Python)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the sites go (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the sites afterwards")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows and the machine as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    sizes = args.n or [10000]
    if args.repeat < 1 or min(sizes) < 10:
        parser.error("--repeat must be 1 or more, and --n at least 10")

    work = Path(tempfile.mkdtemp(prefix="press-bench-view-", dir=args.workdir))
    env = bench_env(**GIT_IDENTITY)
    bench = Bench(press=args.press or find_press(), python=sys.executable, work=work, repeat=args.repeat,
                  env=env, verbose=not args.quiet)
    info = {**machine(), "disk": disk(work)}
    bench.run([bench.press, "--version"], work)
    started = time.perf_counter()
    rows: list[Row] = []
    try:
        for n in sizes:
            rows.extend(view_rows(bench, n))
    finally:
        if args.keep:
            print(f"sites kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    print(", ".join(f"{k}: {v}" for k, v in info.items()))
    print(table(rows, args.markdown))
    for cold, cached, status in zip(rows[0::3], rows[1::3], rows[2::3]):
        print(f"N={cold.n}: cached / cold {cached.press.wall / cold.press.wall:.2f}x, "
              f"status / cached check {status.press.wall / cached.press.wall:.2f}x")
    print(f"{len(rows)} rows in {elapsed:.0f}s; ratio = press / git status (wall time); MB = peak RSS")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "seconds": elapsed,
                                         "rows": [{**asdict(r), "ratio": r.ratio, "met": r.met} for r in rows]},
                                        indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
