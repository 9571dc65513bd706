"""Where the CPU of a first ``press export`` (json) goes, against ``cp -r content/ out/``.

On a site whose records are published, in one process and on a warm page
cache, each step a first export takes for every record is timed on its own
(CPU time: user + sys), in the order export takes them, each on the previous
step's results:

- read objects: each published version and its blob (two files a record);
- read logs: each record's event log, for when its version was published;
- parse: each blob's YAML (``yamlread``, rapidyaml);
- labels: the names of the records each one links to (``Reader.labels``, names known);
- encode: the record's document as JSON (``json.dumps``, indented);
- create files: each output file created and written in a fresh folder;

then a whole first export (``Site.export`` into a fresh folder) and ``cp -r``
of ``content/`` (as a child process). Parse + encode + create files is the
floor this design keeps whatever export's own code does; reading the objects
and logs is the rest of what a record's published form costs to find.

    python benchmarks/export_floor.py SITE [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pressroom import Site
from pressroom.delivery import Reader
from pressroom.records import load_record


_T = TypeVar("_T")


def _cpu(step: Callable[[], _T]) -> tuple[float, _T]:
    before = os.times()
    result = step()
    after = os.times()
    return (after.user - before.user) + (after.system - before.system), result


def _cp_cpu(content: Path, target: Path) -> float:
    before = os.times()
    subprocess.run(["cp", "-r", str(content), str(target)], check=True)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def _create(folder: Path, outputs: dict[str, bytes]) -> None:
    made: set[str] = set()
    for record, data in outputs.items():
        model = record.partition("/")[0]
        if model not in made:
            os.makedirs(folder / model, exist_ok=True)
            made.add(model)
        fd = os.open(f"{folder}/{record}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


def one_pass(site: Site, scratch: Path) -> dict[str, float]:
    """CPU seconds of each step over every published record, then of a whole export and of cp -r."""
    reader = Reader(site, "published")
    reader.read_whole()
    versions = {r: oid for r in reader.keys() if (oid := reader.version_of(r)) is not None}
    store = site.store
    times: dict[str, float] = {}
    times["read objects"], blobs = _cpu(lambda: {r: store.get_blob(store.get_version(o).blob)
                                                 for r, o in versions.items()})
    times["read logs"], _ = _cpu(lambda: [reader.published_at(r, o) for r, o in versions.items()])
    times["parse"], datas = _cpu(lambda: {r: load_record(b, r) for r, b in blobs.items()})
    docs: list[dict[str, Any]] = [reader.read(r, o).document() for r, o in versions.items()]
    # After every record was read, as export reads linked models first: the names are known.
    times["labels"], _ = _cpu(lambda: [reader.labels(r.partition("/")[0], d) for r, d in datas.items()])
    times["encode"], encoded = _cpu(lambda: [(json.dumps(d, indent=2, ensure_ascii=False, allow_nan=False)
                                              + "\n").encode() for d in docs])
    outputs = dict(zip(versions, encoded))
    times["create files"], _ = _cpu(lambda: _create(scratch / "files", outputs))
    times["whole export"], _ = _cpu(lambda: site.export(scratch / "export"))
    times["cp -r content"] = _cp_cpu(site.root / "content", scratch / "copy")
    for name in ("files", "export", "copy"):
        shutil.rmtree(scratch / name)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path, help="a site whose records are published (gensite)")
    parser.add_argument("--repeat", type=int, default=3, help="passes (the median of each step is shown)")
    args = parser.parse_args()
    site = Site.open(args.site)
    with tempfile.TemporaryDirectory(prefix="export-floor-") as tmp:
        site.export(Path(tmp) / "warm")  # the page cache holds the store's files, as in the runs after
        shutil.rmtree(Path(tmp) / "warm")
        passes = [one_pass(site, Path(tmp)) for _ in range(args.repeat)]
    median = {name: statistics.median(p[name] for p in passes) for name in passes[0]}
    whole, cp = median["whole export"], median["cp -r content"]
    floor = median["parse"] + median["encode"] + median["create files"]
    # os.times counts in clock ticks: a tiny site's steps may take none.
    print(f"{'step':<16}{'CPU s':>8}{'of export':>11}")
    for name, seconds in median.items():
        print(f"{name:<16}{seconds:>8.3f}" + (f"{seconds / whole:>10.0%}" if whole > 0 else f"{'-':>10}"))
    print(f"floor (parse + encode + create files): {floor:.3f} s"
          + (f", {floor / whole:.0%} of the export" if whole > 0 else "")
          + (f", {floor / cp:.1f}x cp -r" if cp > 0 else ""))
    print(f"export / cp -r: {whole / cp:.1f}x" if cp > 0 else "cp -r took no measurable CPU")


if __name__ == "__main__":
    main()
