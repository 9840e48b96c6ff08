"""Command-line wall time in a fresh process: warm vs cold persistent compilation cache.

``sdtheory check --quick`` and ``sdtheory figures --quick --out TMP`` (every check / figure; one
of each with ``--quick`` of this script), each run as ``python -m sdtheory ...`` in a new process:

* method: the current code with a warm persistent JAX compilation cache (``SDTHEORY_JAX_CACHE``
  set to a folder that the cold run has just filled);
* best baseline: the same code with a cold cache (a new empty folder: every JIT compiles);
* baseline: the code before the persistent cache and the fast paths (commit ``fb877cb~3``,
  extracted with ``git archive`` into a temporary folder and run from there; it has no persistent
  cache, so every run compiles). When git or that commit is not available, the baseline columns
  are empty and ``notes`` say why.

Each wall time is one run (``rounds = 1``: every run takes tens of seconds to minutes; the cold
run cannot be repeated with the same cache anyway). Accuracy: ``max_abs_error`` is 0 when both
runs exited with status 0 (and, for ``check``, both reported no failures), else 1.
"""

from __future__ import annotations

import os
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
QUICK_CHECK, QUICK_FIGURE = "ridge-sd", "ridge-xi-star-vs-noise"


def _run(args, *, cache, tree, out_dir):
    """Wall seconds, exit status, last output line and the sdtheory path imported."""
    env = dict(os.environ, SDTHEORY_JAX_CACHE=str(cache), MPLBACKEND="Agg")
    env["PYTHONPATH"] = str(tree) + os.pathsep + env.get("PYTHONPATH", "")
    where = subprocess.run(
        [sys.executable, "-c", "import sdtheory; print(sdtheory.__file__)"],
        env=env,
        cwd=str(tree),
        capture_output=True,
        text=True,
    ).stdout.strip()
    cmd = [sys.executable, "-m", "sdtheory", *args]
    if args[0] == "figures":
        cmd[4:4] = ["--out", str(out_dir)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=str(tree), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    last = (p.stdout.strip().splitlines() or [""])[-1]
    return wall, p.returncode, last, where


def _old_tree(tmp: Path):
    """Extract the pre-change code with ``git archive``; (path, None) or (None, reason)."""
    dest = tmp / "old"
    dest.mkdir()
    try:
        arch = subprocess.run(
            ["git", "-C", str(ROOT), "archive", OLD_COMMIT], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(dest)], input=arch.stdout, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        return None, f"pre-change code not available ({exc})"
    return dest, None


def _ok(code, last, args):
    if code != 0:
        return False
    return not (args[0] == "check" and " 0 failed" not in last)


def run(quick: bool = False) -> list[dict]:
    jobs = [
        ["check", "--quick"] + ([QUICK_CHECK] if quick else []),
        ["figures", "--quick"] + ([QUICK_FIGURE] if quick else []),
    ]
    rows = []
    with tempfile.TemporaryDirectory(prefix="sdtheory-bench-cli-") as tmp:
        tmp = Path(tmp)
        old, why = _old_tree(tmp)
        for k, args in enumerate(jobs):
            cache = tmp / f"cache{k}"
            out = tmp / f"out{k}"
            cold = _run(args, cache=cache, tree=ROOT, out_dir=out)
            warm = _run(args, cache=cache, tree=ROOT, out_dir=out)
            base = None
            if old is not None:
                base = _run(args, cache=tmp / f"old-cache{k}", tree=old, out_dir=tmp / f"oo{k}")
            ok = _ok(cold[1], cold[2], args) and _ok(warm[1], warm[2], args)
            if base is not None:
                ok = ok and _ok(base[1], base[2], args)
            shown = " ".join(
                args[:2] + (["--out", "TMP"] if args[0] == "figures" else []) + args[2:]
            )
            notes = f"one run each; current code imported from {warm[3]}; last line: {warm[2][:80]}"
            if base is not None:
                notes += (
                    f"; pre-change code ({OLD_COMMIT}) imported from {base[3]}, last line: "
                    f"{base[2][:80]} (its registries hold fewer checks/figures: not the same "
                    "work)"
                )
            else:
                notes += f"; {why}"
            rows.append(
                row(
                    "cli",
                    f"sdtheory {shown}",
                    "fresh process, warm persistent cache",
                    f"pre-change code {OLD_COMMIT} (no persistent cache)" if base else "",
                    warm[0],
                    base[0] if base else None,
                    0.0 if ok else 1.0,
                    best_baseline="same code, cold cache (compiles everything)",
                    best_baseline_seconds=cold[0],
                    best_baseline_error=0.0 if ok else 1.0,
                    rounds=1,
                    notes=notes,
                )
            )
            rows.append(
                row(
                    "cli",
                    f"sdtheory {shown}",
                    "fresh process, cold cache",
                    f"pre-change code {OLD_COMMIT} (no persistent cache)" if base else "",
                    cold[0],
                    base[0] if base else None,
                    0.0 if ok else 1.0,
                    rounds=1,
                    notes=notes,
                )
            )
    return rows


if __name__ == "__main__":
    import run_all

    raise SystemExit(run_all.main(["cli"] + sys.argv[1:]))
