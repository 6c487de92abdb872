"""The layering of DESIGN.md: imports only go downward.

``_core`` imports nothing of cardiokit; ``io`` and ``dsp`` import only ``_core``;
analysis packages (ecg, ppg, pcg, rppg, quality, models, sim) never import ``io``,
``store``, ``pipeline``, ``batch``, ``service`` or ``cli``; heavy optional packages are
imported only where DESIGN.md allows them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "cardiokit"

ALLOWED = {
    "_core": {"_core"},
    "io": {"_core", "io"},
    "dsp": {"_core", "dsp"},
}
ANALYSIS = {"ecg", "ppg", "pcg", "rppg", "quality", "models", "sim", "interpret"}
FORBIDDEN_FOR_ANALYSIS = {"io", "store", "pipeline", "batch", "service", "cli"}
# heavy optional imports and the only top-level packages allowed to use them
HEAVY = {"torch": set(), "onnxruntime": {"models"}, "matplotlib": {"report"}}


def _imports(path: Path, source: str | None = None) -> list[tuple[str, int]]:
    """(absolute module name, line) for each import in a file of the package."""
    tree = ast.parse(path.read_text() if source is None else source, filename=str(path))
    pkg_parts = list(path.relative_to(PKG).parts[:-1])
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg_parts[: len(pkg_parts) - node.level + 1]
                mod = ".".join(["cardiokit", *base, *([node.module] if node.module else [])])
                if not node.module:
                    out += [(f"{mod}.{a.name}".rstrip("."), node.lineno) for a in node.names]
                    continue
            else:
                mod = node.module or ""
            out.append((mod, node.lineno))
    return out


def _top(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "cardiokit":
        return None
    return parts[1] if len(parts) > 1 else ""


FILES = sorted(PKG.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_only_go_downward(path: Path):
    layer = path.relative_to(PKG).parts[0].removesuffix(".py")
    problems = []
    for mod, line in _imports(path):
        top = _top(mod)
        if top is None:
            root = mod.split(".")[0]
            if root in HEAVY and layer not in HEAVY[root]:
                problems.append(f"line {line}: {mod} is only allowed in {sorted(HEAVY[root]) or 'training/'}")
            continue
        if layer in ALLOWED and top not in ALLOWED[layer]:
            problems.append(f"line {line}: {layer} may not import cardiokit.{top}")
        if layer in ANALYSIS and top in FORBIDDEN_FOR_ANALYSIS:
            problems.append(f"line {line}: analysis package {layer} may not import cardiokit.{top}")
    assert not problems, "\n".join(problems)


def test_layering_checker_catches_violations():
    """The checker itself must be able to fail: a probe source in ecg/ importing io and store."""
    probe = PKG / "ecg" / "_probe.py"
    mods = _imports(probe, "from ..io import read\nimport cardiokit.store\nfrom . import qrs\n")
    assert {_top(m) for m, _ in mods} == {"io", "store", "ecg"}


def test_torch_never_imported_by_the_package():
    for path in FILES:
        for mod, _ in _imports(path):
            assert mod.split(".")[0] != "torch", f"{path} imports torch; inference must not need it"
