"""Execute every notebook in ``notebooks/`` (jupytext percent-format ``.py`` sources) in fast mode.

A notebook that raises fails the test (and so CI). Fast mode is switched on with the environment
variable ``SDTHEORY_FAST=1``, which each notebook reads to shrink its grids and trial counts.
The notebooks' output must carry no warning about progress bars (``TqdmWarning``).

The documented command that executes a notebook from the command line,
``jupytext --to notebook --execute notebooks/NAME.py``, needs nbconvert, which the
``notebooks`` extra installs; it is tested here too (skipped without the extra locally, failed
without it in CI).
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests._env import missing_tool

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    monkeypatch.setenv("SDTHEORY_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    stderr = "".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("name") == "stderr"
    )
    assert "TqdmWarning" not in stderr, stderr[-2000:]


def _need_notebooks_extra():
    missing = [
        m for m in ("nbconvert", "jupytext", "ipykernel") if importlib.util.find_spec(m) is None
    ]
    if missing:
        msg = f'the notebooks extra is not installed (pip install -e ".[notebooks]"): {missing}'
        missing_tool(msg)


def _tool(name):
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else shutil.which(name)


def test_documented_execute_command(tmp_path):
    """``jupytext --to notebook --execute notebooks/01_ridge_self_distillation.py`` works."""
    _need_notebooks_extra()
    import nbformat

    src = ROOT / "notebooks" / "01_ridge_self_distillation.py"
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(src, work / src.name)
    env = dict(os.environ, SDTHEORY_FAST="1", MPLBACKEND="Agg")
    cmd = [_tool("jupytext"), "--to", "notebook", "--execute", f"notebooks/{src.name}"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = work / (src.stem + ".ipynb")
    nb = nbformat.read(out, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code)
    assert not any(o.get("output_type") == "error" for c in code for o in c.get("outputs", []))


def test_documented_open_command(tmp_path):
    """``jupytext --to notebook notebooks/NAME.py`` and ``jupyter lab`` are there to open it."""
    _need_notebooks_extra()
    if importlib.util.find_spec("jupyterlab") is None:
        missing_tool("jupyterlab is not installed (the notebooks extra)")
    src = ROOT / "notebooks" / "01_ridge_self_distillation.py"
    shutil.copy(src, tmp_path / src.name)
    proc = subprocess.run(
        [_tool("jupytext"), "--to", "notebook", src.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / (src.stem + ".ipynb")).exists()
    proc = subprocess.run(
        [_tool("jupyter"), "lab", "--version"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0 and proc.stdout.strip()[:1].isdigit(), proc.stderr[-2000:]
