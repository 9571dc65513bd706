"""A small bounded load test: readers hammer the API while another process publishes batches.

Each batch is a chain of records linked one to the next, published by one
`press publish --cascade` (one transaction). A reader must see every batch
whole or not at all: a listing closed under links, never an error.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from pressroom import Site
from tests.conftest import write

BATCHES, SIZE = 6, 15
READERS = 3
MAX_SECONDS = 90.0
# One writer process for every batch: a CLI start-up per batch would time the interpreter, not the server.
WRITER = """
import sys
from pressroom import Site
site = Site.open(sys.argv[1])
for b in range(int(sys.argv[2])):
    site.publish(f"item/b{b}-00", cascade=True)
"""
ITEM = """\
schema:
  type: object
  required: [title]
  properties:
    title: {type: string}
    next: {type: string, x-link: item}
"""


def test_no_error_and_no_half_transaction_under_load(site: Site, serve) -> None:
    (site.root / "models" / "item.yaml").write_text(ITEM)
    for b in range(BATCHES):
        for i in range(SIZE):
            nxt = f"\nnext: b{b}-{i + 1:02d}" if i + 1 < SIZE else ""
            write(site.root, f"item/b{b}-{i:02d}", f"title: Batch {b} item {i}{nxt}\n")
    site.save(all=True)
    server = serve(site.root)

    failures: list[str] = []
    views: list[frozenset[str]] = []
    stop = threading.Event()
    counts = [0] * READERS

    def reader(n: int) -> None:
        while not stop.is_set():
            reply = server.get("/api/records/item?limit=1000")
            counts[n] += 1
            if reply.status != 200:
                failures.append(f"{reply.status}: {reply.body[:200]!r}")
                return
            docs = reply.json()["records"]
            seen = frozenset(d["record"] for d in docs)
            for d in docs:
                target = d["data"].get("next")
                if target is not None and f"item/{target}" not in seen:
                    failures.append(f"half a transaction: {d['record']} links to item/{target}, not in the answer")
                    return
            views.append(seen)
            one = server.get(f"/api/records/item/b{n % BATCHES}-00?hydrate=1")
            if one.status not in (200, 404):
                failures.append(f"{one.status}: {one.body[:200]!r}")
                return

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
    for t in threads:
        t.start()
    started = time.monotonic()
    try:
        result = subprocess.run([sys.executable, "-c", WRITER, str(site.root), str(BATCHES)],
                                capture_output=True, timeout=MAX_SECONDS)
        assert result.returncode == 0, result.stderr.decode()
        assert time.monotonic() - started < MAX_SECONDS, "the load test ran past its bound"
        time.sleep(1.0)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert failures == []
    assert sum(counts) >= 20, counts
    # Every view a reader saw is a whole number of batches, and the last holds them all.
    for seen in views:
        assert len(seen) % SIZE == 0
    assert views[-1] == frozenset(f"item/b{b}-{i:02d}" for b in range(BATCHES) for i in range(SIZE))
    assert len(set(views)) >= 2
