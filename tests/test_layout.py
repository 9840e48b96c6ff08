"""The package layout keeps its promises: small modules, one-way imports, no pointers outside.

* every module in ``sdtheory/`` is at most 500 lines;
* imports point one way: ``cli → figures/checks → theory parts, simulate, bridge → problem →
  _validate/_io``; the theory never imports JAX, the simulators, the bridge, figures, checks or
  the CLI; ``simulate`` never imports the theory it checks; the subpackage graph has no cycle;
* no file a user sees speaks of "issue N", "note N", "theory note" or ``../shared``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "sdtheory"
MODULES = sorted(PKG.rglob("*.py"))

THEORY = {"ridge", "iterated", "asymptotics", "classification"}
# what each top-level unit of the package may import (besides itself)
ALLOWED = {
    "_validate": set(),
    "_io": set(),
    "_labels": {"_validate"},
    "problem": {"_validate"},
    "ridge": {"problem", "_validate", "_io"},
    "iterated": {"ridge", "problem", "_validate", "_io"},
    "asymptotics": {"ridge", "problem", "_validate", "_io"},
    "classification": {"_labels", "problem", "_validate", "_io"},
    "estimators": THEORY | {"problem", "_validate", "_io"},
    "simulate": {"problem", "_validate", "_io"},
    "bridge": THEORY | {"simulate", "problem", "_labels", "_validate", "_io"},
    "figures": THEORY | {"simulate", "bridge", "problem", "_labels", "_validate", "_io"},
    "checks": THEORY | {"simulate", "problem", "_labels", "_validate", "_io"},
    "cli": {"figures", "checks", "bridge", "_validate", "_io"},
    "__main__": {"cli"},
    "testing": {"ridge", "problem", "_validate"},
}


def _unit(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path):
    """(top-level sdtheory unit, imported external top-level name) pairs of one file."""
    tree = ast.parse(path.read_text())
    rel = path.relative_to(PKG)
    pkg_parts = ["sdtheory", *rel.parts[:-1]]
    units, external = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg_parts[: len(pkg_parts) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
            else:
                target = (node.module or "").split(".")
            if target[0] == "sdtheory":
                if len(target) > 1:
                    units.add(target[1])
                else:  # from sdtheory import x / from .. import x
                    units.update(a.name for a in node.names)
            else:
                external.add(target[0])
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "sdtheory" and len(parts) > 1:
                    units.add(parts[1])
                elif parts[0] != "sdtheory":
                    external.add(parts[0])
    return units, external


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PKG)) for p in MODULES])
def test_module_is_small(path):
    n = len(path.read_text().splitlines())
    assert n <= 500, f"{path.relative_to(ROOT)} has {n} lines (limit 500)"


def _resolve(name: str) -> str:
    """Map a name imported from the package root onto the unit that defines it."""
    import sdtheory

    obj = getattr(sdtheory, name, None)
    mod = getattr(obj, "__module__", None)
    if mod and mod.startswith("sdtheory."):
        return mod.split(".")[1]
    return name


def test_imports_point_one_way():
    bad = []
    for path in MODULES:
        unit = _unit(path)
        if path == PKG / "__init__.py":
            continue  # the package root re-exports the theory parts
        units, external = _imports(path)
        units = {_resolve(u) for u in units} - {unit, "__version__"}
        allowed = ALLOWED.get(unit)
        if allowed is None:
            continue  # a new top-level unit: listed in ALLOWED when it has a place in the layering
        for u in sorted(units - allowed):
            bad.append(f"{path.relative_to(ROOT)} imports sdtheory.{u}")
        if unit in THEORY | {"problem", "_validate", "_io", "_labels"} and "jax" in external:
            bad.append(f"{path.relative_to(ROOT)} imports jax (theory is NumPy/SciPy)")
    assert not bad, "\n".join(bad)


def test_subpackage_graph_has_no_cycle():
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        if path == PKG / "__init__.py":
            continue
        unit = _unit(path)
        units, _ = _imports(path)
        graph.setdefault(unit, set()).update({_resolve(u) for u in units} - {unit})
    seen, stack = set(), []

    def visit(u):
        if u in stack:
            raise AssertionError(f"import cycle: {' → '.join(stack[stack.index(u) :] + [u])}")
        if u in seen:
            return
        stack.append(u)
        for v in graph.get(u, ()):
            visit(v)
        stack.pop()
        seen.add(u)

    for u in graph:
        visit(u)


WORDS = re.compile(r"\.\./shared|\b[Ii]ssues? #?\d+|\b[Nn]otes? \d+\b|\btheory notes?\b")


def _user_facing_files():
    for base in ("sdtheory", "docs", "notebooks", "benchmarks", "tests"):
        for p in (ROOT / base).rglob("*"):
            if "_build" in p.parts or p.suffix not in {".py", ".md", ".rst", ".txt", ".toml"}:
                continue
            yield p
    yield ROOT / "README.md"


def test_no_pointers_outside_the_repository():
    hits = []
    for p in _user_facing_files():
        if p == Path(__file__):
            continue
        for i, line in enumerate(p.read_text(errors="replace").splitlines(), 1):
            if WORDS.search(line):
                hits.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()[:100]}")
    assert not hits, "\n".join(hits[:50])
