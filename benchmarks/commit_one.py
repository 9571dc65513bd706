"""What ``--commit`` costs for one record in a large site whose store is in git.

``--commit`` commits a whole state of each record it touches (its refs, log,
objects HEAD lacks, working file, and the records a published version links
to), asking git about each path on one ``git cat-file --batch-check``
process instead of listing the store. This times, on a site of N records
committed whole:

- press: ``save REF --commit`` then ``publish REF --cascade --commit``;
- baseline, the same edit of another record: ``save REF`` and ``publish REF
  --cascade`` without ``--commit``, then ``git add`` and ``git commit`` of
  the files those commands changed (what a user would type).

    python benchmarks/commit_one.py --n 10000 --repeat 5

Prints the medians and the ratio press / baseline.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gensite

PRESS = str(Path(sys.executable).with_name("press")) if Path(sys.executable).with_name("press").exists() else "press"


def run(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pressroom-commit-one-"))
    try:
        site = work / "site"
        site.mkdir()
        run([PRESS, "-C", str(site), "init"], site)
        gensite.generate(site, args.n)
        for cmd in (["git", "init", "-q"], ["git", "config", "user.name", "Bench Mark"],
                    ["git", "config", "user.email", "bench@example.org"], ["git", "config", "gc.auto", "0"]):
            run(cmd, site)
        run([PRESS, "-C", str(site), "save", "--all"], site)
        run(["sh", "-c", "git add -A && git commit -q -m start"], site)
        posts = [i for model, i in gensite.keys(args.n) if model == "post"]
        press_times, base_times = [], []
        for r in range(args.repeat):
            # A different post each time, so each run saves and publishes a new version.
            for which, times in ((posts[2 * r], press_times), (posts[2 * r + 1], base_times)):
                gensite.write_records(site, args.n, [("post", which)], revision=1)
                ref = f"post/{gensite.record_id('post', which)}"
                if times is press_times:
                    times.append(run([PRESS, "-C", str(site), "save", ref, "--commit"], site)
                                 + run([PRESS, "-C", str(site), "publish", ref, "--cascade", "--commit"], site))
                else:
                    times.append(run([PRESS, "-C", str(site), "save", ref], site)
                                 + run([PRESS, "-C", str(site), "publish", ref, "--cascade"], site)
                                 + run(["sh", "-c", "git add -A -- .press content && git commit -q -m edit"], site))
        press, base = statistics.median(press_times), statistics.median(base_times)
        print(f"N={args.n:,}: save + publish --cascade of one post with --commit {press:.3f}s; "
              f"without, then git add -A && git commit {base:.3f}s; ratio {press / base:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
