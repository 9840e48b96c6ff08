"""Run every benchmark (``bench_*.py`` here) and write one CSV.

Usage::

    python benchmarks/run_all.py [--quick] [--out benchmarks/results.csv] [NAMES...]
    python benchmarks/run_all.py --tables-only      # README tables from results.csv, no runs

NAMES are module names without ``bench_`` (e.g. ``ridge``). Each row carries the machine info.
A full run of every benchmark into the default CSV also rewrites the tables in
``benchmarks/README.md`` (between the ``results:begin`` / ``results:end`` markers).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
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
    p.add_argument(
        "--tables-only",
        action="store_true",
        help="rewrite the README tables from the CSV at --out, run nothing",
    )
    args = p.parse_args(argv)
    if args.tables_only:
        write_readme_tables(pd_read(args.out))
        print(f"rewrote the tables in {README} from {args.out}")
        return 0
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
    failed = []
    for name in names:
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(f"bench_{name}")
            new = mod.run(quick=args.quick)
        except Exception:  # one broken benchmark must not discard the others' rows
            traceback.print_exc()
            failed.append(name)
            print(f"[{name}] FAILED after {time.perf_counter() - t0:.1f}s", flush=True)
            continue
        print(f"[{name}] {len(new)} rows in {time.perf_counter() - t0:.1f}s", flush=True)
        rows += new
    if not rows:
        print(f"run_all: error: every benchmark failed ({failed})", file=sys.stderr)
        return 1
    df = pd.DataFrame(rows)
    for k, v in info.items():
        df[k] = v
    write_csv(df, args.out)
    if (
        not failed
        and not args.quick
        and not args.names
        and Path(args.out).resolve() == HERE / "results.csv"
    ):
        write_readme_tables(df)
        print(f"rewrote the tables in {README}")
    cols = [
        "benchmark",
        "case",
        "method",
        "seconds",
        "best_baseline_seconds",
        "speedup_vs_best",
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
    if failed:
        print(
            f"run_all: error: failed benchmark(s) {failed}; their rows are missing", file=sys.stderr
        )
        return 1
    return 0


README = HERE / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def pd_read(path):
    import pandas as pd

    return pd.read_csv(path)


def _fmt(v, suffix=""):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return "—"
    if v != v:  # NaN
        return "—"
    return f"{v:.3g}{suffix}"


def tables_markdown(df) -> str:
    """The README's result tables from a results DataFrame (headline rows, then scaling)."""
    head = df[df["benchmark"] != "scaling"]
    lines = [
        "| benchmark | case | method | time (s) | best short baseline | its time (s) | "
        "speed-up vs best | naive baseline | its time (s) | speed-up vs naive | rounds |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in head.iterrows():
        extrap = " (extrap.)" if str(r.get("baseline_extrapolated")) == "True" else ""
        best = r.get("best_baseline")
        best = best if isinstance(best, str) and best else "—"
        base = r.get("baseline")
        base = base if isinstance(base, str) and base else "—"
        lines.append(
            f"| {r['benchmark']} | {r['case']} | {r['method']} | {_fmt(r['seconds'])} | "
            f"{best} | {_fmt(r.get('best_baseline_seconds'))} | "
            f"**{_fmt(r.get('speedup_vs_best'), '×')}** | {base} | "
            f"{_fmt(r.get('baseline_seconds'))}{extrap} | {_fmt(r.get('speedup'), '×')} | "
            f"{_fmt(r.get('rounds'))} |"
        )
    acc = [
        "",
        "Accuracy next to time (same rows; meaning per row in the CSV `notes`):",
        "",
        "| benchmark | case | method | error vs best baseline | error vs naive baseline |",
        "|---|---|---|---|---|",
    ]
    for _, r in head.iterrows():
        acc.append(
            f"| {r['benchmark']} | {r['case']} | {r['method']} | "
            f"{_fmt(r.get('best_baseline_error'))} | {_fmt(r.get('max_abs_error'))} |"
        )
    sc = df[df["benchmark"] == "scaling"]
    scal = []
    if len(sc):
        scal = [
            "",
            "Scaling (time ∝ size^exponent, least-squares fit over the sizes run):",
            "",
            "| study | sizes | method exponent | baseline exponent | speed-up at largest size |",
            "|---|---|---|---|---|",
        ]
        for method, g in sc.groupby("method", sort=False):
            scal.append(
                f"| {method} | {g['case'].iloc[0]} … {g['case'].iloc[-1]} | "
                f"{_fmt(g['scaling_exponent'].iloc[0])} | "
                f"{_fmt(g['baseline_scaling_exponent'].iloc[0])} | "
                f"{_fmt(g['speedup'].iloc[-1], '×')} |"
            )
    return "\n".join(lines + acc + scal)


def write_readme_tables(df) -> None:
    """Replace the text between the result markers of the README with fresh tables."""
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"run_all: {README} has no {BEGIN} ... {END} markers")
    pre, rest = text.split(BEGIN, 1)
    _, post = rest.split(END, 1)
    README.write_text(f"{pre}{BEGIN}\n{tables_markdown(df)}\n{END}{post}", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
