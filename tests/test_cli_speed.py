"""The command line's speed settings: one BLAS thread when run as a program (unless the user set a
number), nothing changed for in-process use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sdtheory import cli

ROOT = Path(__file__).resolve().parents[1]

# ``main()`` as the program runs it (argv from sys.argv), then what NumPy's BLAS reports
_PROBE = """
import json, os, sys
from sdtheory.cli import main
sys.argv = ["sdtheory", "list"]
rc = main()
import numpy  # noqa: F401
from threadpoolctl import threadpool_info
blas = [d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"]
print(json.dumps({"rc": rc, "env": os.environ.get("OPENBLAS_NUM_THREADS"), "blas": blas}))
"""


def _probe(**env_set):
    # threadpoolctl is a test dependency (the root conftest.py imports it): no skip
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (*cli.BLAS_THREAD_VARS, "OMP_NUM_THREADS", "PYTHONPATH")
    }
    env.update(env_set, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    p = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_program_run_uses_one_blas_thread():
    out = _probe()
    assert out["rc"] == 0
    assert out["env"] == "1"
    assert out["blas"] and all(n == 1 for n in out["blas"])


@pytest.mark.parametrize("var", ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
def test_user_thread_setting_is_kept(var):
    out = _probe(**{var: "2"})
    assert out["rc"] == 0
    assert out["env"] == ("2" if var == "OPENBLAS_NUM_THREADS" else None)


def test_in_process_use_changes_nothing(monkeypatch):
    # NumPy is already loaded here: the BLAS has read its settings, so nothing is set
    for v in cli.BLAS_THREAD_VARS:
        monkeypatch.delenv(v, raising=False)
    assert "numpy" in sys.modules
    assert cli.one_blas_thread() is False
    assert all(v not in os.environ for v in cli.BLAS_THREAD_VARS)
