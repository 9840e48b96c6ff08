"""The GPU check script runs without an accelerator (its own CPU fallback) and its comparison
path works when a second host device stands in for the accelerator."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gpu_check_self_test_on_cpu():
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), XLA_FLAGS="--xla_force_host_platform_device_count=2"
    )
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--quick", "--self-test"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUMMARY: all comparisons agree" in res.stdout
