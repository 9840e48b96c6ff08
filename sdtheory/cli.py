"""The ``sdtheory`` command line (also ``python -m sdtheory``). Thin: parse, check, call, print.

Subcommands
-----------
figures [--out DIR] [--quick] [--format png|pdf|svg] [--dpi N] [NAMES...]
                                           regenerate theory figures (image + CSV + JSON)
check [--quick] [--z Z] [--csv FILE] [NAMES...]
                                           theory vs Monte Carlo table; exit 1 on disagreement
list                                       list registered figures and checks
gallery [--out FILE] [--images DIR]        write the figure gallery (markdown) from the registry
bridge ...                                 deep-net self-distillation experiment
bridge-predict [--out DIR] ...             ridge-theory prediction vs measured best xi (bridge)

Rules every subcommand follows: output paths are checked before any computing (an existing file
where a folder belongs, a path under a file, or an unwritable folder is refused); a bad argument
prints one line on stderr and exits with status 2; Ctrl-C prints one line and exits with 130;
files are written atomically with mode 0644.

Run as a program, ``sdtheory`` uses one BLAS thread unless ``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS`` or ``OMP_NUM_THREADS`` is set (see ``one_blas_thread``).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
import time

__all__ = ["main", "build_parser"]

#: Thread-count variables of the BLAS libraries NumPy and SciPy load (OpenBLAS, MKL).
BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> bool:
    """Ask NumPy's and SciPy's BLAS for one thread, unless the user chose a number.

    The figures and checks solve many small NumPy/SciPy systems in the same process as JAX's own
    CPU thread pool. A multithreaded OpenBLAS then stalls: its threads wait for work by spinning
    and take the cores from XLA's threads (and from each other on a busy machine). Measured on a
    shared 2-core machine, ``sdtheory figures --quick`` took 56-86 s with the default BLAS
    threads and 16-20 s with one; the numbers agree to rounding. A number set in
    ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` or ``OMP_NUM_THREADS`` is left alone.

    It sets the environment variables, which the BLAS libraries read when they are loaded, so it
    acts only before NumPy is imported (as when ``sdtheory`` runs as a program).

    Returns
    -------
    bool
        Whether the variables were set.
    """
    if "numpy" in sys.modules:
        return False
    if any(os.environ.get(v, "").strip() for v in (*BLAS_THREAD_VARS, "OMP_NUM_THREADS")):
        return False
    for v in BLAS_THREAD_VARS:
        os.environ[v] = "1"
    return True


class _Parser(argparse.ArgumentParser):
    """Argument errors print one line and exit with status 2."""

    def error(self, message):
        sys.stderr.write(f"{self.prog}: error: {_one_line(message)}\n")
        raise SystemExit(2)


class CLIError(Exception):
    """A user error reported as one line with exit status 2."""


def _one_line(msg) -> str:
    return " ".join(str(msg).split())


def positive_float(text: str) -> float:
    """argparse type: a finite real number > 0."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a real number > 0, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite real number > 0, got {text!r}")
    return v


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return v


def dpi_value(text: str) -> int:
    """argparse type: a resolution in dots per inch, an integer in [10, 1200]."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an integer in [10, 1200], got {text!r}"
        ) from None
    if not 10 <= v <= 1200:
        raise argparse.ArgumentTypeError(f"must be an integer in [10, 1200], got {text!r}")
    return v


def _figures(args) -> int:
    from ._io import check_output_dir
    from .figures import REGISTRY, render

    names = args.names or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise CLIError(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(REGISTRY)}")
    check_output_dir(args.out, "--out")
    for name in names:
        t0 = time.perf_counter()
        paths = render(name, args.out, quick=args.quick, format=args.format, dpi=args.dpi)
        print(
            f"{name}: {', '.join(str(p) for p in paths)} ({time.perf_counter() - t0:.1f}s)",
            flush=True,
        )
    return 0


def _check(args) -> int:
    import pandas as pd

    from ._io import check_output_file, write_csv
    from .checks import REGISTRY, run_checks

    names = args.names or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise CLIError(f"unknown check(s) {', '.join(unknown)}; choose from {', '.join(REGISTRY)}")
    if args.csv is not None:
        check_output_file(args.csv, "--csv")
    df = run_checks(names, quick=args.quick, z_limit=args.z)
    with pd.option_context(
        "display.max_rows", None, "display.width", 200, "display.max_columns", 20
    ):
        print(df.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    bad = int((~df["ok"]).sum())
    print(f"{len(df) - bad} passed, {bad} failed (|z| <= {args.z:g})")
    if args.csv is not None:
        print(f"wrote {write_csv(df, args.csv)}")
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


def _gallery(args) -> int:
    import os
    from pathlib import Path

    from ._io import atomic_path, check_output_file
    from .figures import REGISTRY

    out = check_output_file(args.out, "--out")
    images = Path(args.images)
    if images.exists() and not images.is_dir():
        raise CLIError(f"--images must be a folder, but {str(images)!r} is an existing file")
    lines = [
        "# Figure gallery",
        "",
        "Every theory figure of `sdtheory`, regenerated by one command:",
        "",
        "```bash",
        f"sdtheory figures --out {images}        # all figures, full mode",
        "sdtheory figures --quick --out DIR    # all figures, small grids (about a minute)",
        "sdtheory figures NAME [NAME...]       # some of them",
        "sdtheory figures --format pdf NAME    # PDF (or svg) for a paper; --dpi N for rasters",
        "```",
        "",
        "Each image has its data beside it as CSV (same name) and the parameters that made it as "
        f"JSON (`NAME.json`). This page is written by `sdtheory gallery --out {out} "
        f"--images {images}`.",
        "",
    ]
    module = None
    for spec in REGISTRY.values():
        mod = spec.module.rsplit(".", 1)[-1]
        if mod != module:
            module = mod
            lines += [f"## {mod}", ""]
        rel = os.path.relpath(images / f"{spec.name}.png", out.parent)
        lines += [
            f"### `{spec.name}`",
            "",
            spec.description,
            "",
            f"Command: `sdtheory figures {spec.name} --out {images}`",
            "",
        ]
        if (images / f"{spec.name}.png").exists():
            lines += [f"![{spec.name}]({rel})", ""]
    with atomic_path(out) as tmp:
        tmp.write_text("\n".join(lines))
    print(f"wrote {out} ({len(REGISTRY)} figures)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``sdtheory`` (imports neither JAX nor the figures)."""
    from .bridge import _cli as bridge_cli

    p = _Parser(
        prog="sdtheory", description="Self-distillation theory: figures, checks, experiments."
    )
    from . import __version__

    p.add_argument("--version", action="version", version=f"sdtheory {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    f = sub.add_parser("figures", help="regenerate theory figures (image + CSV + JSON)")
    f.add_argument("names", nargs="*", help="figure names (default: all); see `sdtheory list`")
    f.add_argument("--out", default="figures-out", help="output folder (default: figures-out)")
    f.add_argument("--quick", action="store_true", help="small grids and few trials (seconds)")
    f.add_argument(
        "--format", default="png", choices=("png", "pdf", "svg"), help="image format (default png)"
    )
    f.add_argument(
        "--dpi",
        type=dpi_value,
        default=120,
        help="resolution of raster output, dots per inch, 10 to 1200 (default 120)",
    )
    f.set_defaults(func=_figures)
    c = sub.add_parser("check", help="theory vs Monte Carlo; exit 1 if any |z| exceeds the limit")
    c.add_argument("names", nargs="*", help="check names (default: all)")
    c.add_argument("--quick", action="store_true", help="fewer trials")
    c.add_argument(
        "--z", type=positive_float, default=4.0, help="z-score limit, a number > 0 (default 4)"
    )
    c.add_argument("--csv", default=None, metavar="FILE", help="also write the table as CSV")
    c.set_defaults(func=_check)
    ls = sub.add_parser("list", help="list figures and checks")
    ls.set_defaults(func=_list)
    g = sub.add_parser("gallery", help="write the markdown figure gallery from the registry")
    g.add_argument(
        "--out", default="docs/figures.md", help="markdown file (default docs/figures.md)"
    )
    g.add_argument(
        "--images", default="docs/figures", help="folder holding the PNGs (default docs/figures)"
    )
    g.set_defaults(func=_gallery)
    b = sub.add_parser("bridge", help="deep-net SD experiment on bundled data")
    bridge_cli.add_arguments(b)
    b.set_defaults(func=bridge_cli.run)
    from .bridge import _predict_cli as predict_cli

    bp = sub.add_parser(
        "bridge-predict", help="predicted (ridge theory) vs measured best xi of the deep-net bridge"
    )
    predict_cli.add_arguments(bp)
    bp.set_defaults(func=predict_cli.run)
    return p


def main(argv=None) -> int:
    """Run ``sdtheory`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status.

    0 success, 1 a check failed or a file could not be written, 2 a bad argument (one line on
    stderr), 130 interrupted (Ctrl-C). When ``argv`` is None (run as the ``sdtheory`` program)
    a SIGINT handler exits with 130 at once and BLAS gets one thread (``one_blas_thread``);
    with an explicit ``argv`` (in-process use) a ``KeyboardInterrupt`` makes it return 130.
    """
    if argv is None:
        one_blas_thread()
    if argv is None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except (CLIError, ValueError, TypeError) as exc:
        sys.stderr.write(f"sdtheory: error: {_one_line(exc)}\n")
        return 2
    except OSError as exc:
        sys.stderr.write(f"sdtheory: error: {_one_line(exc)}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("sdtheory: interrupted\n")
        if argv is None:
            _exit_interrupted()
        return 130


def _exit_interrupted(*_) -> None:
    """Leave at once with status 130, removing partial files.

    Run as a program, Ctrl-C does not rely on ``KeyboardInterrupt``: raised right after a long
    XLA compilation returns, the exception can land inside a library's bare ``except:`` and be
    swallowed, and a normal interpreter shutdown while XLA threads run can crash (SIGSEGV).
    """
    from ._io import remove_partial_files

    try:
        remove_partial_files()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(130)


def _on_sigint(signum, frame) -> None:
    try:
        sys.stderr.write("sdtheory: interrupted\n")
    finally:
        _exit_interrupted()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
