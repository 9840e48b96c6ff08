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


def test_documented_commands_are_the_tested_ones():
    """The README's docs and notebook commands are the ones the tests and CI run."""
    test_cmd = _block_after("<!-- test-command -->", "bash")
    docs_cmd = _block_after("<!-- docs-command -->", "bash")
    nb_cmd = _block_after("<!-- notebooks-command -->", "bash")
    sphinx = "sphinx-build -W --keep-going"
    assert sphinx in docs_cmd and sphinx in test_cmd  # CI builds the site as documented
    assert '".[docs]"' in docs_cmd and "docs" in test_cmd
    # tests/test_notebooks.py runs `jupytext --to notebook` and `jupyter lab --version`, and
    # `jupytext --to notebook --execute` on a notebook
    assert "jupytext --to notebook notebooks/" in nb_cmd and "jupyter lab" in nb_cmd
    assert '".[notebooks]"' in nb_cmd and "notebooks" in test_cmd
    assert "jupytext --to notebook --execute" in README


_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _relative_links(path: Path):
    for target in _LINK.findall(path.read_text()):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # a URL or an anchor in the same page
        yield target.split("#", 1)[0]


def test_links_resolve_inside_the_repository():
    pages = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "benchmarks" / "README.md"]
    pages += [p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts]
    missing = []
    for page in pages:
        for target in _relative_links(page):
            resolved = (page.parent / target).resolve()
            if not resolved.exists() or ROOT not in resolved.parents:
                missing.append(f"{page.relative_to(ROOT)} → {target}")
    assert not missing, "\n".join(missing)
