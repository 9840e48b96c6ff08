"""The ``sdtheory`` command line (also ``python -m sdtheory``). Thin: parse, call, print.

Subcommands
-----------
figures [--out DIR] [--quick] [NAMES...]   regenerate theory figures (PNG + CSV)
check [--quick] [NAMES...]                 theory vs Monte Carlo table; non-zero exit on disagreement
list                                       list registered figures and checks
bridge ...                                 deep-net self-distillation experiment
"""

from __future__ import annotations

import argparse
import sys
import time

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """Argument errors print one line and exit with status 2."""

    def error(self, message):  # noqa: D401
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


class CLIError(Exception):
    """A user error reported as one line with exit status 2."""


def _figures(args) -> int:
    from .figures import REGISTRY, render

    names = args.names or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise CLIError(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(REGISTRY)}")
    for name in names:
        t0 = time.perf_counter()
        paths = render(name, args.out, quick=args.quick)
        print(f"{name}: {', '.join(str(p) for p in paths)} ({time.perf_counter() - t0:.1f}s)", flush=True)
    return 0


def _check(args) -> int:
    import pandas as pd

    from .checks import REGISTRY, run_checks

    names = args.names or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise CLIError(f"unknown check(s) {', '.join(unknown)}; choose from {', '.join(REGISTRY)}")
    df = run_checks(names, quick=args.quick, z_limit=args.z)
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_columns", 20):
        print(df.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    bad = int((~df["ok"]).sum())
    print(f"{len(df) - bad} passed, {bad} failed (|z| <= {args.z})")
    return 1 if bad else 0


def _list(args) -> int:
    from .checks import REGISTRY as CHECKS
    from .figures import REGISTRY as FIGS

    print("figures:")
    for spec in FIGS.values():
        print(f"  {spec.name:32s} {spec.description}")
    print("checks:")
    for spec in CHECKS.values():
        print(f"  {spec.name:32s} {spec.description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .bridge import _cli as bridge_cli

    p = _Parser(prog="sdtheory", description="Self-distillation theory: figures, checks, experiments.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    f = sub.add_parser("figures", help="regenerate theory figures (PNG + CSV)")
    f.add_argument("names", nargs="*", help="figure names (default: all); see `sdtheory list`")
    f.add_argument("--out", default="figures-out", help="output folder (default: figures-out)")
    f.add_argument("--quick", action="store_true", help="small grids and few trials (seconds)")
    f.set_defaults(func=_figures)
    c = sub.add_parser("check", help="theory vs Monte Carlo; exit 1 if any |z| exceeds the limit")
    c.add_argument("names", nargs="*", help="check names (default: all)")
    c.add_argument("--quick", action="store_true", help="fewer trials")
    c.add_argument("--z", type=float, default=4.0, help="z-score limit (default 4)")
    c.set_defaults(func=_check)
    ls = sub.add_parser("list", help="list figures and checks")
    ls.set_defaults(func=_list)
    b = sub.add_parser("bridge", help="deep-net SD experiment on bundled data")
    bridge_cli.add_arguments(b)
    b.set_defaults(func=bridge_cli.run)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CLIError as exc:
        sys.stderr.write(f"sdtheory: error: {exc}\n")
        return 2
    except (ValueError, TypeError) as exc:
        sys.stderr.write(f"sdtheory: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("sdtheory: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
