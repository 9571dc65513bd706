"""``press serve`` on loopback: throughput and p99 against a static file server, listing, memory.

For each site of N published records (``gensite``: posts linking authors, tags
and older posts), in the same run on the same machine:

- **one record by id**: ``GET /api/records/post/{id}`` on ``press serve``
  against uvicorn + Starlette's ``StaticFiles`` serving the same documents
  from ``press export --format json`` (``GET /post/{id}.json``). Each server
  first gets every post once (cold: each server reads or renders each
  document for the first time; reported as ``cold req/s``), then ``--seconds``
  of requests from ``--concurrency`` keep-alive connections on ids drawn at
  random from every post (warm: the steady state the target is about). Requests per second, the ratio press / static (target >= 0.8),
  and the median and p99 latency.
- **listing**: every page of ``GET /api/records/post?limit=100``, following
  ``next`` (cold: first walk after start; warm: the second walk), and the
  first page of ``?order=-date&limit=100`` (cold and warm).
- **memory**: the peak resident memory (VmHWM) of the ``press serve``
  process after all of the above (target < 200 MB at 100,000 records).

The load generator runs in this process (asyncio, raw HTTP/1.1), on the
same cores as the servers: the figures are for comparing the two servers
within one run, not absolute capacities.

    python benchmarks/serve.py                       # N = 10,000
    python benchmarks/serve.py --n 1000 --seconds 3  # a quick look
    python benchmarks/serve.py --n 100000 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gensite
from run import bench_env, find_press, machine

STATIC_APP = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
app = Starlette(routes=[Mount("/", StaticFiles(directory=sys.argv[1]))])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(root: Path, n: int) -> dict[str, float]:
    """A site of ``n`` records, every one published, and its JSON export (timed, for the record)."""
    from pressroom import Site

    out: dict[str, float] = {}
    start = time.perf_counter()
    gensite.generate(root, n)
    Site.init(root)
    site = Site.open(root)
    site.save(all=True, message="import")
    out["save_s"] = time.perf_counter() - start
    start = time.perf_counter()
    site.publish(all=True, cascade=True)
    out["publish_s"] = time.perf_counter() - start
    start = time.perf_counter()
    site.export(root.parent / "export", format="json")
    out["export_s"] = time.perf_counter() - start
    return out


def wait_up(port: int, path: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            status, _ = asyncio.run(one_request(port, path))
            if status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not come up")


async def one_request(port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await _exchange(reader, writer, path)
    finally:
        writer.close()


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple[int, bytes]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    found = re.search(rb"(?i)content-length: *(\d+)", head)
    body = await reader.readexactly(int(found.group(1))) if found else b""
    return status, body


async def load(port: int, paths: list[str], seconds: float, concurrency: int) -> dict[str, float]:
    """Requests for ``seconds`` from ``concurrency`` keep-alive connections; counts and latencies."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    rng = random.Random(7)

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop:
                path = paths[rng.randrange(len(paths))]
                t = time.perf_counter()
                status, _ = await _exchange(reader, writer, path)
                latencies.append(time.perf_counter() - t)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
            "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]}


async def touch_all(port: int, paths: list[str], concurrency: int) -> float:
    """Ask for every path once (the warm-up: the server's caches, the page cache); its seconds."""
    start = time.perf_counter()
    queue = list(paths)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                status, body = await _exchange(reader, writer, queue.pop())
                assert status == 200, body[:300]
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start


def throughput(port: int, paths: list[str], seconds: float, concurrency: int) -> dict[str, float]:
    """Every path once (cold, timed apart), then ``seconds`` of random requests (warm)."""
    cold = asyncio.run(touch_all(port, paths, concurrency))
    warm = asyncio.run(load(port, paths, seconds, concurrency))
    return {**warm, "cold_rps": len(paths) / cold}


def listing(port: int) -> dict[str, float]:
    out: dict[str, float] = {}
    for label in ("cold", "warm"):
        pages, times, cursor = 0, [], None
        start = time.perf_counter()
        while True:
            path = "/api/records/post?limit=100" + (f"&cursor={cursor}" if cursor else "")
            t = time.perf_counter()
            status, body = asyncio.run(one_request(port, path))
            times.append(time.perf_counter() - t)
            assert status == 200, body[:300]
            doc = json.loads(body)
            assert len(doc["records"]) <= 100
            pages += 1
            cursor = doc["next"]
            if cursor is None:
                break
        out[f"walk_{label}_s"] = time.perf_counter() - start
        out[f"pages"] = pages
        out[f"page_{label}_median_ms"] = 1000 * statistics.median(times)
        out[f"page_{label}_p99_ms"] = 1000 * sorted(times)[min(len(times) - 1, int(len(times) * 0.99))]
    for label in ("cold", "warm"):
        t = time.perf_counter()
        status, body = asyncio.run(one_request(port, "/api/records/post?order=-date&limit=100"))
        assert status == 200, body[:300]
        out[f"ordered_first_page_{label}_ms"] = 1000 * (time.perf_counter() - t)
    return out


def peak_rss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(found.group(1)) / 1024 if found else float("nan")


def run_one(n: int, seconds: float, concurrency: int, work: Path) -> dict[str, Any]:
    root = work / f"n{n}" / "site"
    root.mkdir(parents=True)
    result: dict[str, Any] = {"n": n, "setup": build(root, n)}
    export = root.parent / "export"
    posts = [gensite.record_id("post", i) for i in range(gensite.counts(n)["post"])]
    env = bench_env()
    press_port, static_port = free_port(), free_port()
    press = subprocess.Popen([find_press(), "-C", str(root), "serve", "--port", str(press_port)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    static = subprocess.Popen([sys.executable, "-c", STATIC_APP, str(export), str(static_port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        wait_up(press_port, f"/api/records/post/{posts[0]}", press)
        wait_up(static_port, f"/post/{posts[0]}.json", static)
        result["static"] = throughput(static_port, [f"/post/{p}.json" for p in posts], seconds, concurrency)
        result["press"] = throughput(press_port, [f"/api/records/post/{p}" for p in posts], seconds, concurrency)
        result["ratio"] = result["press"]["rps"] / result["static"]["rps"]
        result["listing"] = listing(press_port)
        result["press_peak_rss_mb"] = peak_rss_mb(press.pid)
    finally:
        for proc in (press, static):
            proc.terminate()
            proc.wait(timeout=30)
    return result


def report(r: dict[str, Any]) -> str:
    s, p, li = r["static"], r["press"], r["listing"]
    met = "met" if r["ratio"] >= 0.8 else "MISSED"
    mem = r["press_peak_rss_mb"]
    lines = [
        f"N = {r['n']:,} (setup: save {r['setup']['save_s']:.0f} s, publish {r['setup']['publish_s']:.0f} s, "
        f"export {r['setup']['export_s']:.0f} s)",
        f"  one record, cold (each post once): static {s['cold_rps']:.0f} req/s, press serve {p['cold_rps']:.0f} "
        f"req/s; ratio {p['cold_rps'] / s['cold_rps']:.2f}",
        f"  one record, warm: static {s['rps']:.0f} req/s (p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms), "
        f"press serve {p['rps']:.0f} req/s (p50 {p['p50_ms']:.1f} ms, p99 {p['p99_ms']:.1f} ms); "
        f"ratio {r['ratio']:.2f} (target >= 0.8: {met}); errors {s['errors']} / {p['errors']}",
        f"  listing {li['pages']} pages of 100: cold walk {li['walk_cold_s']:.2f} s "
        f"(page median {li['page_cold_median_ms']:.1f} ms, p99 {li['page_cold_p99_ms']:.1f} ms), warm walk "
        f"{li['walk_warm_s']:.2f} s (median {li['page_warm_median_ms']:.1f} ms, p99 {li['page_warm_p99_ms']:.1f} ms)",
        f"  ordered (-date) first page: cold {li['ordered_first_page_cold_ms']:.0f} ms, "
        f"warm {li['ordered_first_page_warm_ms']:.1f} ms",
        f"  press serve peak memory {mem:.0f} MB" + (f" (target < 200 MB at 100,000: "
                                                      f"{'met' if mem < 200 else 'MISSED'})" if r["n"] >= 100_000 else ""),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="records in the site (repeatable; default 10000)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each timed load (and its warm-up)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="press-serve-bench-") as tmp:
        for n in args.n or [10_000]:
            r = run_one(n, args.seconds, args.concurrency, Path(tmp))
            results.append(r)
            print(report(r), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
