"""The type hints of the theory subpackages are consistent: ``mypy`` passes on them.

The files and the settings are in ``pyproject.toml`` (``[tool.mypy]``): ``sdtheory/problem.py``,
``sdtheory/_validate.py`` and the ``ridge``, ``iterated``, ``asymptotics`` and ``classification``
subpackages. mypy is in the ``test`` extra; without it the test is skipped locally and fails in CI.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

from tests._env import missing_tool

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_theory_subpackages(tmp_path):
    if importlib.util.find_spec("mypy") is None:
        msg = 'mypy is not installed (pip install -e ".[test]")'
        missing_tool(msg)
    cmd = [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-2000:]
    assert "Success" in proc.stdout
