"""Time ``press`` against git and the disk on synthetic sites, and print one table.

Each operation runs as a real process, next to a baseline measured in the
same run on the same files: wall time (median of ``--repeat`` runs for the
operations that change nothing) and peak memory (the max RSS of the process
and its children). The ratio is press / baseline, and the
target is the one the project set for it (docs/performance.md).

    python benchmarks/run.py                 # N = 1,000 and 10,000
    python benchmarks/run.py --n 100000      # the large run
    python benchmarks/run.py --n 200 --markdown
    python benchmarks/run.py --only everyday --n 1000 --n 10000   # the one-record rows alone
    python benchmarks/run.py --only export --n 10000      # the export rows alone

Needs only ``press`` (next to this Python, or on PATH), ``git``, ``cp`` and ``sh``; peak
memory is read with GNU time (``/usr/bin/time``) where it is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import gensite

MEMORY_CEILING_MB = 300
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


@dataclass
class Measure:
    """One timed process (or the median of several): seconds and peak MB."""

    wall: float
    peak_mb: float


@dataclass
class Row:
    """One line of the table."""

    op: str
    n: str
    press: Measure
    baseline: str
    base: Measure
    target: float | None
    memory_capped: bool = False

    @property
    def ratio(self) -> float:
        return self.press.wall / self.base.wall if self.base.wall > 0 else float("inf")

    @property
    def met(self) -> bool | None:
        if self.target is None and not self.memory_capped:
            return None
        ok = self.target is None or self.ratio <= self.target
        if self.memory_capped:
            ok = ok and self.press.peak_mb < MEMORY_CEILING_MB
        return ok


@dataclass
class Bench:
    """The tools and options of one benchmark run."""

    press: str
    python: str
    work: Path
    repeat: int
    env: dict[str, str] = field(default_factory=dict)
    verbose: bool = True

    def say(self, text: str) -> None:
        if self.verbose:
            print(f"  {text}", file=sys.stderr, flush=True)

    def run(self, args: list[str] | str, cwd: Path, ok: tuple[int, ...] = (0,)) -> Measure:
        """Run one process to the end; fail loudly if it fails (a failed run measures nothing).

        ``ok``: the exit codes that are not failures (``press audit`` exits 1 on what it finds).

        Peak memory comes from GNU time (``/usr/bin/time -f %M``): a child forked
        from this runner starts with the runner's own peak RSS in its rusage, so
        wait4 alone over-counts; time's child is forked from time, which is small.
        """
        argv = ["sh", "-c", args] if isinstance(args, str) else list(args)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
                tempfile.NamedTemporaryFile(mode="r") as peak:
            if GNU_TIME:
                argv = [GNU_TIME, "-f", "%M", "-o", peak.name, *argv]
            start = time.perf_counter()
            proc = subprocess.Popen(argv, cwd=cwd, env=self.env, stdout=out, stderr=err)
            # wait4, not wait: its rusage is this child's (and its own children's) alone.
            _pid, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode not in ok:
                err.seek(0)
                out.seek(0)
                raise SystemExit(f"benchmark step failed (exit {proc.returncode}): {args}\n"
                                 f"{out.read()[-2000:].decode(errors='replace')}"
                                 f"{err.read()[-2000:].decode(errors='replace')}")
            kb = int(peak.read().split()[-1]) if GNU_TIME else usage.ru_maxrss
        return Measure(wall=wall, peak_mb=kb / 1024)

    def median(self, args: list[str] | str, cwd: Path, times: int | None = None,
               ok: tuple[int, ...] = (0,)) -> Measure:
        return _median([self.run(args, cwd, ok) for _ in range(times or self.repeat)])

    def press_cmd(self, root: Path, *args: str) -> list[str]:
        return [self.press, "-C", str(root), *args]


GIT_COMMIT = "git add -A && git commit -q -m bench"


def _median(runs: list[Measure]) -> Measure:
    return Measure(wall=statistics.median(m.wall for m in runs), peak_mb=max(m.peak_mb for m in runs))


def _git_init(bench: Bench, root: Path) -> None:
    bench.run(["git", "init", "-q"], root)
    bench.run(["git", "config", "user.name", "Bench Mark"], root)
    bench.run(["git", "config", "user.email", "bench@example.org"], root)
    # A detached auto-gc would run on while press is being timed: it is switched off.
    bench.run(["git", "config", "gc.auto", "0"], root)
    # The store is press's own copy; git's baseline is the working files alone.
    (root / ".git" / "info" / "exclude").write_text(".press/\n")


def site_rows(bench: Bench, n: int, versions: int) -> list[Row]:
    """Every row measured on a site of ``n`` records."""
    base = bench.work / f"n{n}"
    site = base / "site"
    site.mkdir(parents=True)
    bench.run(bench.press_cmd(site, "init"), site)
    size = gensite.generate(site, n)
    _git_init(bench, site)
    bench.say(f"N={n}: generated {n} records, {size / n:.0f} bytes each on average")
    rows = []
    label = f"{n:,}"

    git = bench.run(GIT_COMMIT, site)
    press = bench.run(bench.press_cmd(site, "save", "--all", "-m", "first"), site)
    rows.append(Row("save --all (N new)", label, press, "git add -A && git commit", git, 2.0, memory_capped=True))
    bench.say(f"save --all of {n} new records: {press.wall:.2f}s (git {git.wall:.2f}s)")

    # One untimed run each first: git refreshes its index, press fills its stat cache
    # (.press/cache/stat); the row is the steady state a user sees from then on.
    bench.run(["git", "status"], site)
    bench.run(bench.press_cmd(site, "status"), site)
    git = bench.median(["git", "status"], site)
    press = bench.median(bench.press_cmd(site, "status"), site)
    rows.append(Row("status (nothing changed)", label, press, "git status", git, 3.0, memory_capped=True))
    bench.say(f"status: {press.wall:.2f}s (git {git.wall:.2f}s)")

    gensite.write_records(site, n, gensite.sample(n, 0.1), revision=1)
    git = bench.run(GIT_COMMIT, site)
    press = bench.run(bench.press_cmd(site, "save", "--all", "-m", "edit"), site)
    rows.append(Row("save --all (10% edited)", label, press, "git add -A && git commit", git, 2.0, memory_capped=True))
    bench.say(f"save --all of {n // 10} edits: {press.wall:.2f}s (git {git.wall:.2f}s)")

    # Fresh repositories of the same files: git's cost of committing N records, measured next
    # to the publish (median of --repeat, each in a new copy).
    runs = []
    for i in range(bench.repeat):
        scratch = base / f"scratch{i}"
        shutil.copytree(site / "content", scratch / "content")
        _git_init(bench, scratch)
        runs.append(bench.run(GIT_COMMIT, scratch))
        shutil.rmtree(scratch, ignore_errors=True)
    git = _median(runs)
    press = bench.run(bench.press_cmd(site, "publish", "--all", "--cascade", "-m", "publish"), site)
    rows.append(Row("publish --all --cascade", label, press, "git add -A && git commit", git, 1.5,
                    memory_capped=True))
    bench.say(f"publish --all --cascade: {press.wall:.2f}s (git {git.wall:.2f}s)")

    rows.extend(_export_rows(bench, base, site, label))

    # Every record up to `versions` versions (the 10% edited above have one more).
    for revision in range(2, versions + 1):
        gensite.write_records(site, n, revision=revision)
        bench.run(GIT_COMMIT, site)
        m = bench.run(bench.press_cmd(site, "save", "--all", "-m", f"revision {revision}"), site)
        bench.say(f"revision {revision} of every record saved in {m.wall:.2f}s")
    git = bench.median(["git", "fsck", "--no-progress"], site)
    press = bench.median(bench.press_cmd(site, "fsck"), site)
    rows.append(Row(f"fsck ({versions} versions each)", label, press, "git fsck", git, None, memory_capped=True))
    bench.say(f"fsck: {press.wall:.2f}s (git {git.wall:.2f}s)")
    return rows


def _export_rows(bench: Bench, base: Path, site: Path, label: str) -> list[Row]:
    """The export rows, on a site whose records are all published."""
    rows = []
    cp = _median([bench.run(["cp", "-r", str(site / "content") + "/", str(base / f"cp-out{i}") + "/"], base)
                  for i in range(bench.repeat)])
    export = bench.press_cmd(site, "export", "--out", str(base / "export"))
    first = bench.run(export, site)
    rows.append(Row("export (first run)", label, first, "cp -r content/ out/", cp, 2.0, memory_capped=True))
    # export keeps the stat of the files it saw in .press/cache, but not of a file changed in the
    # last 2 s (racy files): the first run again reads what the first export just wrote (cold),
    # and remembers it; the runs after it are what a user who exports again later sees (warm).
    time.sleep(2.5)
    cold = bench.run(export, site)
    rows.append(Row("export (nothing changed, cold)", label, cold, "the first export", first, None,
                    memory_capped=True))
    again = bench.median(export, site)
    rows.append(Row("export (nothing changed)", label, again, "the first export", first, 0.1, memory_capped=True))
    bench.say(f"export: {first.wall:.2f}s first (cp {cp.wall:.2f}s), {cold.wall:.2f}s again cold, "
              f"{again.wall:.2f}s again")
    return rows


def export_rows(bench: Bench, n: int) -> list[Row]:
    """The export rows alone (``--only export``): the site is saved and published untimed."""
    base = bench.work / f"n{n}"
    site = base / "site"
    published_site(bench, site, n)
    return _export_rows(bench, base, site, f"{n:,}")


def published_site(bench: Bench, site: Path, n: int) -> None:
    """A gensite site of ``n`` records at ``site``, a git repository, saved and published (untimed)."""
    site.mkdir(parents=True)
    bench.run(bench.press_cmd(site, "init"), site)
    gensite.generate(site, n)
    _git_init(bench, site)
    bench.run(bench.press_cmd(site, "save", "--all", "-m", "first"), site)
    bench.run(bench.press_cmd(site, "publish", "--all", "--cascade", "-m", "publish"), site)


FLOOR = str(Path(__file__).with_name("floor.py"))


def _commit_file(path: Path) -> str:
    return f"git commit -q -m edit -- {path}"


def everyday_rows(bench: Bench, n: int) -> list[Row]:
    """The commands people run dozens of times a day, on a site of ``n`` published records, all in git.

    The site's ``.press/`` is committed with it, as users have it. Each
    one-record command gets its own record, edited by gensite (a new revision
    of its text), so each timed run changes something real.
    """
    base = bench.work / f"everyday{n}"
    site = base / "site"
    site.mkdir(parents=True)
    bench.run(bench.press_cmd(site, "init"), site)
    gensite.generate(site, n)
    bench.run(["git", "init", "-q"], site)
    bench.run(["git", "config", "gc.auto", "0"], site)
    bench.run(bench.press_cmd(site, "save", "--all", "-m", "first"), site)
    first_publish = bench.run(bench.press_cmd(site, "publish", "--all", "--cascade", "-m", "first"), site)
    bench.run(GIT_COMMIT, site)
    bench.say(f"N={n}: everyday site ready (first publish --all --cascade {first_publish.wall:.2f}s)")
    label = f"{n:,}"
    rows: list[Row] = []
    posts = iter([i for model, i in gensite.keys(n) if model == "post"])

    def edit() -> tuple[str, Path]:
        i = next(posts)
        gensite.write_records(site, n, [("post", i)], revision=1)
        return f"post/{gensite.record_id('post', i)}", gensite.content_path(site, "post", i)

    validate_cold = bench.run(bench.press_cmd(site, "validate", "--all"), site)
    rows.append(Row("validate --all (cold)", label, validate_cold, "first publish --all --cascade", first_publish,
                    0.5))
    # Whatever validate left in .press/ (outside its git-ignored cache) is committed, as a user would.
    bench.run("git add -A && (git diff --cached --quiet || git commit -q -m validate)", site)

    bench.run(["git", "status"], site)
    bench.run(bench.press_cmd(site, "status"), site)
    git_status = bench.median(["git", "status"], site)
    status = bench.median(bench.press_cmd(site, "status"), site)
    rows.append(Row("status (warm, in git)", label, status, "git status", git_status, 3.0))

    floor = bench.median([bench.python, FLOOR, "hello"], site, max(5, bench.repeat))
    ref, _path = edit()
    show = bench.median(bench.press_cmd(site, "show", f"{ref}@published"), site)
    rows.append(Row("show REF@published", label, show, "floor.py (bare typer)", floor, 1.5))
    log = bench.median(bench.press_cmd(site, "log", ref), site)
    rows.append(Row("log REF", label, log, "floor.py (bare typer)", floor, 1.5))
    diff = bench.median(bench.press_cmd(site, "diff", ref), site, ok=(0, 1))
    rows.append(Row("diff REF (edited)", label, diff, "floor.py (bare typer)", floor, 2.0))
    status_one = bench.median(bench.press_cmd(site, "status", ref), site)
    rows.append(Row("status REF", label, status_one, "floor.py (bare typer)", floor, None))

    saves, publishes, commits, after_publish = [], [], [], []
    for _ in range(bench.repeat):
        ref, _path = edit()
        saves.append(bench.run(bench.press_cmd(site, "save", ref, "-m", "edit"), site))
        publishes.append(bench.run(bench.press_cmd(site, "publish", ref, "--cascade", "-m", "edit"), site))
        # The first whole-view check after a publish: it must not read every published version again.
        after_publish.append(bench.run(bench.press_cmd(site, "status", ref), site))
        _other, path = edit()
        commits.append(bench.run(_commit_file(path), site))
    git_commit = _median(commits)
    rows.append(Row("save REF (one edited file)", label, _median(saves), "git commit -- FILE", git_commit, 2.0))
    rows.append(Row("publish REF --cascade", label, _median(publishes), "git commit -- FILE", git_commit, 2.5))
    rows.append(Row("status REF after a publish", label, _median(after_publish), "floor.py (bare typer)", floor,
                    None))

    edit()
    validate_edit = bench.run(bench.press_cmd(site, "validate", "--all"), site)
    rows.append(Row("validate --all (after one edit)", label, validate_edit, "press status", status, 1.5))
    for row in rows:
        bench.say(f"{row.op}: {row.press.wall:.3f}s ({row.baseline} {row.base.wall:.3f}s, {row.ratio:.2f}x)")
    return rows


# The one-record rows whose cost must not grow with N, and their limits against N = 1,000.
SCALING = {"save REF (one edited file)": {10_000: 1.3, 100_000: 1.6},
           "publish REF --cascade": {10_000: 1.3, 100_000: 1.6},
           "show REF@published": {10_000: 1.3, 100_000: 1.6},
           "log REF": {10_000: 1.3, 100_000: 1.6},
           "diff REF (edited)": {10_000: 1.3, 100_000: 1.6},
           "status (warm, in git)": {10_000: 1.3, 100_000: 1.6},
           "status REF": {10_000: 1.3, 100_000: 1.6},
           "status REF after a publish": {10_000: 1.3, 100_000: 1.6}}


def scaling_rows(rows: list[Row]) -> list[Row]:
    """Each one-record row at N against the same row at 1,000 (when both were measured in this run)."""
    out = []
    small = {r.op: r for r in rows if r.n == "1,000"}
    for row in rows:
        limits = SCALING.get(row.op, {})
        n = int(row.n.replace(",", "")) if row.n.replace(",", "").isdigit() else 0
        if row.op in small and n in limits:
            out.append(Row(f"{row.op} at N vs 1,000", row.n, row.press, "the same at 1,000", small[row.op].press,
                           limits[n]))
    return out


def log_rows(bench: Bench, versions: int) -> list[Row]:
    """``press log`` of a record with ``versions`` versions, against ``git log`` of a file with as many commits."""
    root = bench.work / "log" / "site"
    root.mkdir(parents=True)
    bench.run(bench.press_cmd(root, "init"), root)
    from pressroom import Site  # the project's own API, to build the history fast

    site = Site.open(root)
    path = root / "content" / "post" / "p000001.yaml"
    path.parent.mkdir(parents=True)
    stream: list[bytes] = []
    for revision in range(versions):
        data = gensite.record_text(3, "post", 1, revision)
        path.write_bytes(data)
        site.save("post/p000001", message=f"revision {revision}", author="Bench Mark <bench@example.org>")
        message = f"revision {revision}".encode()
        stream += [f"commit refs/heads/main\ncommitter Bench Mark <bench@example.org> {1700000000 + revision} "
                   f"+0000\ndata {len(message)}\n".encode(), message,
                   f"\nM 100644 inline content/post/p000001.yaml\ndata {len(data)}\n".encode(), data, b"\n"]
    repo = bench.work / "log" / "git"
    repo.mkdir()
    _git_init(bench, repo)
    proc = subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, env=bench.env,
                          input=b"".join(stream), capture_output=True)
    if proc.returncode:
        raise SystemExit(f"git fast-import failed: {proc.stderr.decode()}")
    bench.run(["git", "checkout", "-q", "main"], repo)
    git = bench.median(["git", "log", "--", "content/post/p000001.yaml"], repo)
    press = bench.median(bench.press_cmd(root, "log", "post/p000001"), root)
    bench.say(f"log of {versions} versions: {press.wall:.2f}s (git {git.wall:.2f}s)")
    return [Row(f"log REF ({versions:,} versions)", "-", press, "git log FILE", git, None)]


def startup_rows(bench: Bench) -> list[Row]:
    """``press --version`` and ``--help`` against the import of press's CLI libraries."""
    here = bench.work
    times = max(5, bench.repeat)
    base = bench.median([bench.python, "-c", "import typer, rich"], here, times)
    version = bench.median([bench.press, "--version"], here, times)
    helped = bench.median([bench.press, "--help"], here, times)
    bench.say(f"start-up: --version {version.wall:.3f}s, --help {helped.wall:.3f}s "
              f"(import typer, rich {base.wall:.3f}s)")
    return [Row("--version", "-", version, "python -c 'import typer, rich'", base, 1.3),
            Row("--help", "-", helped, "python -c 'import typer, rich'", base, None)]


def machine() -> dict[str, str]:
    """What the numbers were taken on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpus": str(os.cpu_count()), "cpu": cpu, "system": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "git": git}


def disk(path: Path) -> str:
    found = subprocess.run(["df", "-T", str(path)], capture_output=True, text=True).stdout.splitlines()
    if len(found) < 2:
        return "unknown"
    device, fstype = found[1].split()[:2]
    return f"{fstype} on {device}"


def _fmt_ratio(row: Row) -> str:
    return f"{row.ratio:.2f}x"


def _fmt_target(row: Row) -> str:
    parts = [f"<= {row.target}x"] if row.target is not None else []
    if row.memory_capped:
        parts.append(f"< {MEMORY_CEILING_MB} MB at 100,000")
    return ", ".join(parts) or "-"


def _fmt_met(row: Row) -> str:
    return {True: "yes", False: "NO", None: "-"}[row.met]


HEADERS = ("operation", "N", "press s", "press MB", "baseline", "baseline s", "baseline MB", "ratio", "target",
           "met")


def cells(row: Row) -> tuple[str, ...]:
    return (row.op, row.n, f"{row.press.wall:.3f}", f"{row.press.peak_mb:.0f}", row.baseline,
            f"{row.base.wall:.3f}", f"{row.base.peak_mb:.0f}", _fmt_ratio(row), _fmt_target(row), _fmt_met(row))


def table(rows: list[Row], markdown: bool) -> str:
    data = [HEADERS, *(cells(r) for r in rows)]
    if markdown:
        lines = ["| " + " | ".join(data[0]) + " |", "|" + "---|" * len(HEADERS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in data[1:]]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in data) for i in range(len(HEADERS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in data)


GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Bench Mark", "GIT_AUTHOR_EMAIL": "bench@example.org",
                "GIT_COMMITTER_NAME": "Bench Mark", "GIT_COMMITTER_EMAIL": "bench@example.org", "GIT_PAGER": "cat"}


def bench_env(**extra: str) -> dict[str, str]:
    """The environment every timed command runs in: this one less pressroom's and git's settings, plus ``extra``.

    PYTHONDONTWRITEBYTECODE is dropped too: it would make every press run compile its own
    modules again, as no installed package does (pip compiles them); the first run writes them.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PRESSROOM_", "GIT_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(COLUMNS="120", **extra)
    return env


def find_press() -> str:
    beside = Path(sys.executable).with_name("press")
    if beside.exists():
        return str(beside)
    found = shutil.which("press")
    if not found:
        raise SystemExit("press is not installed: pip install -e . (or pass --press PATH)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append",
                        help="site size; repeat for several (default: 1000 and 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each read-only operation (median)")
    parser.add_argument("--versions", type=int, default=5, help="versions of every record before fsck")
    parser.add_argument("--log-versions", type=int, default=1000, help="versions of the record press log reads")
    parser.add_argument("--press", default=None, help="the press executable (default: next to this Python)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the sites go (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the sites afterwards")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows and the machine as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--only", choices=("all", "everyday", "bulk", "export"), default="all",
                        help="everyday: the one-record rows alone; bulk: the rest; export: the export rows alone")
    parser.add_argument("--show", type=Path, default=None, help="print the table of a run saved with --json")
    args = parser.parse_args(argv)
    if args.show:
        saved = json.loads(args.show.read_text())
        rows = [Row(**{**r, "press": Measure(**r["press"]), "base": Measure(**r["base"])})
                for r in ({k: v for k, v in r.items() if k not in ("ratio", "met")} for r in saved["rows"])]
        print(", ".join(f"{k}: {v}" for k, v in saved["machine"].items()))
        print(table(rows, args.markdown))
        return 0
    sizes = args.n or [1000, 10000]
    if args.versions < 1 or args.log_versions < 1 or args.repeat < 1 or min(sizes) < 10:
        parser.error("--versions, --log-versions and --repeat must be 1 or more, and --n at least 10")

    work = Path(tempfile.mkdtemp(prefix="press-bench-", dir=args.workdir))
    env = bench_env(**GIT_IDENTITY)
    bench = Bench(press=args.press or find_press(), python=sys.executable, work=work, repeat=args.repeat,
                  env=env, verbose=not args.quiet)
    info = {**machine(), "disk": disk(work)}
    bench.run([bench.press, "--version"], work)
    started = time.perf_counter()
    rows: list[Row] = []
    try:
        if args.only in ("all", "everyday"):
            for n in sizes:
                rows.extend(everyday_rows(bench, n))
            rows.extend(scaling_rows(rows))
        if args.only in ("all", "bulk"):
            for n in sizes:
                rows.extend(site_rows(bench, n, args.versions))
            rows.extend(log_rows(bench, args.log_versions))
        if args.only == "export":
            rows.extend(row for n in sizes for row in export_rows(bench, n))
        rows.extend(startup_rows(bench))
    finally:
        if args.keep:
            print(f"sites kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    print(", ".join(f"{k}: {v}" for k, v in info.items()))
    print(table(rows, args.markdown))
    print(f"{len(rows)} rows in {elapsed:.0f}s; ratio = press / baseline (wall time); MB = peak RSS")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "seconds": elapsed,
                                         "rows": [{**asdict(r), "ratio": r.ratio, "met": r.met} for r in rows]},
                                        indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
