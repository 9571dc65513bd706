"""What publishing a release costs next to publishing the same records with ``press publish``.

On a site of N saved drafts (one model, no links), two copies of one store:

- press: ``release publish NAME`` of a release holding every record (made
  beforehand with ``release create`` and ``release add``, not timed);
- baseline: ``publish --all`` of the same records, in the same run.

Both are one transaction; the release reads its entry files and plans the
publish through the same planner.

    python benchmarks/release.py --n 2000 --repeat 3

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

PRESS = str(Path(sys.executable).with_name("press")) if Path(sys.executable).with_name("press").exists() else "press"


def run(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pressroom-release-"))
    try:
        site = work / "site"
        run([PRESS, "init", str(site)])
        folder = site / "content" / "item"
        folder.mkdir(parents=True)
        for i in range(args.n):
            (folder / f"i{i:05d}.yaml").write_text(f"n: {i}\ntitle: Item {i}\n")
        run([PRESS, "-C", str(site), "save", "--all"])
        run([PRESS, "-C", str(site), "release", "create", "all"])
        run([PRESS, "-C", str(site), "release", "add", "all", *(f"item/i{i:05d}" for i in range(args.n))])
        press_times, base_times = [], []
        for r in range(args.repeat):
            a, b = work / f"press{r}", work / f"base{r}"
            shutil.copytree(site, a)
            shutil.copytree(site, b)
            press_times.append(run([PRESS, "-C", str(a), "release", "publish", "all"]))
            base_times.append(run([PRESS, "-C", str(b), "publish", "--all"]))
            shutil.rmtree(a)
            shutil.rmtree(b)
        p, q = statistics.median(press_times), statistics.median(base_times)
        print(f"N={args.n}  release publish {p:.2f}s  publish --all {q:.2f}s  ratio {p / q:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
