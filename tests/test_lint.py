"""The code is clean by the project's own rules: ``ruff check`` and ``ruff format --check``.

The rules are in ``pyproject.toml`` (``[tool.ruff]``); the same checks run as pre-commit hooks
(``.pre-commit-config.yaml``). Ruff is in the ``test`` extra; without it the test is skipped
locally and fails in CI.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests._env import missing_tool

ROOT = Path(__file__).resolve().parents[1]


def _ruff():
    exe = Path(sys.executable).with_name("ruff")
    path = str(exe) if exe.exists() else shutil.which("ruff")
    if path is None:
        msg = 'ruff is not installed (pip install -e ".[test]")'
        missing_tool(msg)
    return path


@pytest.mark.parametrize(
    "args", [["check", "--no-cache"], ["format", "--check", "--no-cache"]], ids=["check", "format"]
)
def test_ruff(args):
    proc = subprocess.run(
        [_ruff(), *args, "."], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    report = proc.stdout[-6000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, f"ruff {' '.join(args)}:\n{report}"


def test_pre_commit_config_pins_the_tested_ruff():
    """The pre-commit hooks use the ruff version that the ``test`` extra pins."""
    import tomllib

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["test"]
    pins = [r for r in extra if r.replace(" ", "").startswith("ruff==")]
    assert len(pins) == 1, extra
    config = (ROOT / ".pre-commit-config.yaml").read_text()
    assert config.count(pins[0].replace(" ", "")) == 2, "pin ruff-check and ruff-format alike"
