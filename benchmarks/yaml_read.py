"""Time the YAML 1.2 reading of records (``pressroom.yamlread``, rapidyaml) against the
reading it replaced (ruamel's C loader, kept as ``read_before``), in the same run on
the same bytes.

The records are ``gensite``'s (posts with Markdown bodies, authors, tags), read
in memory: the cost of parsing alone, which save, validate, export and fsck pay
once per record. Figures are the median of ``--repeat`` passes over all records;
the ratio is new / old (below 1: the new reading is faster).

    python benchmarks/yaml_read.py                 # N = 2,000 records
    python benchmarks/yaml_read.py --n 10000 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gensite  # noqa: E402

from pressroom.records import load_record  # noqa: E402
from pressroom.yamlread import read_before, same_data  # noqa: E402


def _pass(read: Callable[[bytes], object], texts: list[bytes]) -> float:
    start = time.perf_counter()
    for text in texts:
        read(text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="records in the synthetic site")
    parser.add_argument("--repeat", type=int, default=3, help="passes per reading (median)")
    args = parser.parse_args()
    texts = [gensite.record_text(args.n, model, i) for model, i in gensite.keys(args.n)]
    # The two readings must agree on these records, or the timing compares different work.
    differ = sum(1 for t in texts if not same_data(load_record(t, "r"), read_before(t.decode("utf-8"))))
    size = sum(len(t) for t in texts)
    new = statistics.median(_pass(lambda t: load_record(t, "r"), texts) for _ in range(args.repeat))
    old = statistics.median(_pass(lambda t: read_before(t.decode("utf-8")), texts) for _ in range(args.repeat))
    print(f"{len(texts):,} records, {size / 1e6:.1f} MB; readings differ on {differ}")
    print(f"{'reading':<34}{'total s':>10}{'µs/record':>12}{'MB/s':>8}")
    for name, seconds in (("YAML 1.2 (rapidyaml, yamlread)", new), ("before (ruamel C loader)", old)):
        print(f"{name:<34}{seconds:>10.3f}{seconds / len(texts) * 1e6:>12.1f}{size / 1e6 / seconds:>8.1f}")
    print(f"ratio new / old: {new / old:.2f}")


if __name__ == "__main__":
    main()
