"""Run every benchmark (``bench_*.py`` here) and write one CSV.

Usage::

    python benchmarks/run_all.py [--quick] [--out benchmarks/results.csv] [NAMES...]

NAMES are module names without ``bench_`` (e.g. ``ridge``). Each row carries the machine info.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def main(argv=None) -> int:
    import pandas as pd
    from _common import machine_info

    from sdtheory._io import write_csv

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*")
    p.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    p.add_argument("--out", default=str(HERE / "results.csv"))
    args = p.parse_args(argv)
    available = sorted(f.stem[len("bench_") :] for f in HERE.glob("bench_*.py"))
    names = args.names or available
    unknown = [n for n in names if n not in available]
    if unknown:
        print(
            f"run_all: error: unknown benchmark(s) {unknown}; choose from {available}",
            file=sys.stderr,
        )
        return 2
    info = machine_info()
    rows = []
    for name in names:
        t0 = time.perf_counter()
        mod = importlib.import_module(f"bench_{name}")
        new = mod.run(quick=args.quick)
        print(f"[{name}] {len(new)} rows in {time.perf_counter() - t0:.1f}s", flush=True)
        rows += new
    df = pd.DataFrame(rows)
    for k, v in info.items():
        df[k] = v
    write_csv(df, args.out)
    cols = [
        "benchmark",
        "case",
        "method",
        "seconds",
        "baseline_seconds",
        "speedup",
        "max_abs_error",
    ]
    with pd.option_context(
        "display.width", 200, "display.max_columns", 20, "display.max_rows", 500
    ):
        print(
            df[[c for c in cols if c in df]].to_string(
                index=False, float_format=lambda v: f"{v:.4g}"
            )
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
