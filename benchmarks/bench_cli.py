"""Command-line wall time in a fresh process: warm vs cold persistent compilation cache, and the
code before the performance work on the same checks and figures.

Every run is ``python -m sdtheory ...`` in a new process (``check --quick NAMES`` or
``figures --quick --out TMP NAMES``). Rows, for ``check`` and for ``figures``:

* like for like: the names registered in both the current code and the pre-change code (commit
  ``fb877cb~3``, extracted with ``git archive`` into a temporary folder and run from there),
  passed explicitly on the command line, so both trees do the same work. Method: the current
  code with a warm persistent JAX cache (``SDTHEORY_JAX_CACHE`` set to a folder that a cold run
  has just filled), median of ``ROUNDS`` runs; baseline: the pre-change code (no persistent
  cache: every run compiles), median of ``ROUNDS`` runs, interleaved with the warm runs so that
  both see the same machine load; best baseline: the current code with a cold cache (a new
  empty folder, one run).
* the same names, cold cache (one run) against the pre-change code;
* every registered name of the current code: warm (median of ``ROUNDS``) vs cold (one run).

The cold run cannot be repeated with the same cache, so it is one run. The environment is the
caller's, the same for both trees, except ``SDTHEORY_JAX_CACHE`` (set per row),
``JAX_COMPILATION_CACHE_DIR`` (removed) and ``MPLBACKEND=Agg``; ``notes`` record the BLAS
thread setting seen (the current command line defaults to one BLAS thread when
``OPENBLAS_NUM_THREADS`` is unset, the pre-change code does not) and the load average.
Accuracy: ``max_abs_error`` is 0 when all runs of the row exited with status 0 (and, for
``check``, reported no failures), else 1. When git or the old commit is not available, the
baseline columns are empty and ``notes`` say why.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from _common import row

OLD_COMMIT = "fb877cb~3"
ROUNDS = 3
QUICK_CHECK, QUICK_FIGURE = "ridge-sd", "ridge-xi-star-vs-noise"
_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def _env(tree: Path, cache: Path) -> dict:
    env = dict(os.environ, SDTHEORY_JAX_CACHE=str(cache), MPLBACKEND="Agg")
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    env["PYTHONPATH"] = str(tree) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _where(tree: Path) -> str:
    """The ``sdtheory`` package a process started in ``tree`` imports."""
    return subprocess.run(
        [sys.executable, "-c", "import sdtheory; print(sdtheory.__file__)"],
        env=_env(tree, tree / "no-cache"),
        cwd=str(tree),
        capture_output=True,
        text=True,
    ).stdout.strip()


def _registered(tree: Path) -> tuple[list[str], list[str]]:
    """(figures, checks) that ``sdtheory list`` of ``tree`` prints, in registration order."""
    out = subprocess.run(
        [sys.executable, "-m", "sdtheory", "list"],
        env=_env(tree, tree / "no-cache"),
        cwd=str(tree),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, list[str]] = {"figures": [], "checks": []}
    section = None
    for line in out.splitlines():
        if line.rstrip(":") in found and not line.startswith(" "):
            section = line.rstrip(":")
        elif section and line.startswith("  ") and line.strip():
            found[section].append(line.split()[0])
    return found["figures"], found["checks"]


def _run(kind: str, names, *, cache: Path, tree: Path, out_dir: Path):
    """(wall seconds, ok) of one ``python -m sdtheory KIND --quick [--out DIR] NAMES`` run."""
    cmd = [sys.executable, "-m", "sdtheory", kind, "--quick"]
    if kind == "figures":
        cmd += ["--out", str(out_dir)]
    cmd += list(names)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=_env(tree, cache), cwd=str(tree), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    last = (p.stdout.strip().splitlines() or [""])[-1]
    ok = p.returncode == 0 and not (kind == "check" and " 0 failed" not in last)
    return wall, ok


def _old_tree(tmp: Path):
    """Extract the pre-change code with ``git archive``; (path, None) or (None, reason)."""
    dest = tmp / "old"
    dest.mkdir()
    try:
        arch = subprocess.run(
            ["git", "-C", str(ROOT), "archive", OLD_COMMIT], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(dest)], input=arch.stdout, check=True)
        _registered(dest)
    except (OSError, subprocess.CalledProcessError) as exc:
        return None, f"pre-change code not available ({exc})"
    return dest, None


def _environment_note() -> str:
    blas = ", ".join(f"{v}={os.environ[v]}" for v in _BLAS_VARS if v in os.environ)
    try:
        load = "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        load = "load average unknown"
    return f"BLAS threads: {blas or 'unset'}; {load}"


def _shown(kind, names, n_all):
    base = f"sdtheory {kind} --quick" + (" --out TMP" if kind == "figures" else "")
    if names is None:
        return f"{base} (all {n_all} registered)"
    if len(names) <= 2:
        return f"{base} {' '.join(names)}"
    return f"{base} NAMES ({len(names)} {kind} registered in both trees)"


def _median(xs):
    return float(statistics.median(xs))


def run(quick: bool = False) -> list[dict]:
    rounds = 1 if quick else ROUNDS
    rows = []
    with tempfile.TemporaryDirectory(prefix="sdtheory-bench-cli-") as tmp:
        tmp = Path(tmp)
        old, why = _old_tree(tmp)
        figs, checks = _registered(ROOT)
        where = _where(ROOT)
        if old is not None:
            old_figs, old_checks = _registered(old)
            old_where = _where(old)
        for kind, current, before, pick in (
            ("check", checks, old_checks if old else [], QUICK_CHECK),
            ("figures", figs, old_figs if old else [], QUICK_FIGURE),
        ):
            common = [n for n in current if n in set(before)] if old else []
            if quick:
                common = [pick] if pick in common else []
            same_work = bool(common)
            names = common if same_work else ([pick] if quick else list(current))
            cache = tmp / f"cache-{kind}-common"
            out = tmp / f"out-{kind}"
            env_before = _environment_note()
            cold = _run(kind, names, cache=cache, tree=ROOT, out_dir=out)
            warm, base = [], []
            for r in range(rounds):
                warm.append(_run(kind, names, cache=cache, tree=ROOT, out_dir=out))
                if same_work:
                    base.append(
                        _run(kind, names, cache=tmp / f"old-{r}", tree=old, out_dir=tmp / "oo")
                    )
            env_after = _environment_note()
            ok = cold[1] and all(w[1] for w in warm) and all(b[1] for b in base)
            w_med = _median([w[0] for w in warm])
            b_med = _median([b[0] for b in base]) if base else None
            old_label = (
                f"pre-change code {OLD_COMMIT} (no persistent cache), median of {rounds}"
                if base
                else ""
            )
            set_note = (
                f"names run (registered in both trees, passed explicitly): {' '.join(names)}"
                if same_work
                else f"names run: {' '.join(names)} (no like-for-like set: {why})"
            )
            common_note = (
                f"current code imported from {where}"
                + (f"; pre-change code imported from {old_where}" if same_work else "")
                + f"; {set_note}; before: {env_before}; after: {env_after}"
                + f"; warm runs {', '.join(f'{w[0]:.2f}' for w in warm)} s"
                + (f"; pre-change runs {', '.join(f'{b[0]:.2f}' for b in base)} s" if base else "")
            )
            case = _shown(kind, names if same_work or quick else None, len(current))
            rows.append(
                row(
                    "cli",
                    case,
                    f"fresh process, warm persistent cache, median of {rounds}",
                    old_label,
                    w_med,
                    b_med,
                    0.0 if ok else 1.0,
                    best_baseline="same code, cold cache (compiles everything), one run",
                    best_baseline_seconds=cold[0],
                    best_baseline_error=0.0 if ok else 1.0,
                    rounds=rounds,
                    notes=common_note,
                )
            )
            rows.append(
                row(
                    "cli",
                    case,
                    "fresh process, cold cache, one run",
                    old_label,
                    cold[0],
                    b_med,
                    0.0 if ok else 1.0,
                    rounds=1,
                    notes=common_note,
                )
            )
            if quick or not same_work:
                continue
            # every registered name of the current code (more work than the pre-change code has)
            cache = tmp / f"cache-{kind}-all"
            env_before = _environment_note()
            cold = _run(kind, current, cache=cache, tree=ROOT, out_dir=out)
            warm = [_run(kind, current, cache=cache, tree=ROOT, out_dir=out) for _ in range(rounds)]
            ok = cold[1] and all(w[1] for w in warm)
            rows.append(
                row(
                    "cli",
                    _shown(kind, None, len(current)),
                    f"fresh process, warm persistent cache, median of {rounds}",
                    "",
                    _median([w[0] for w in warm]),
                    None,
                    0.0 if ok else 1.0,
                    best_baseline="same code, cold cache (compiles everything), one run",
                    best_baseline_seconds=cold[0],
                    best_baseline_error=0.0 if ok else 1.0,
                    rounds=rounds,
                    notes=(
                        f"current code imported from {where}; every registered "
                        f"{'figure' if kind == 'figures' else 'check'} of the current code "
                        f"({len(current)}; the pre-change code has "
                        f"{len(before)}, so no pre-change column); before: {env_before}; "
                        f"after: {_environment_note()}; warm runs "
                        f"{', '.join(f'{w[0]:.2f}' for w in warm)} s"
                    ),
                )
            )
    return rows


if __name__ == "__main__":
    import run_all

    raise SystemExit(run_all.main(["cli"] + sys.argv[1:]))
