"""The README's quick-start code runs as written, and its commands match .ci/run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _block_after(marker: str, lang: str) -> str:
    tail = README[README.index(marker) :]
    m = re.search(rf"```{lang}\n(.*?)```", tail, re.S)
    assert m, f"no ```{lang} block after {marker!r}"
    return m.group(1)


def test_quick_start_runs():
    exec(compile(_block_after("## Quick start", "python"), "README-quick-start", "exec"), {})


def test_ci_reads_the_readme_test_command():
    cmd = _block_after("<!-- test-command -->", "bash").strip()
    assert "pytest" in cmd and "pip install" in cmd and "venv" in cmd
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci and "eval" in ci
