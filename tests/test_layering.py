"""Layers flow one way: nothing lower imports anything higher.

netlist -> schedule -> simulation -> programming -> chip -> training ->
studies -> CLI, with the layout reading the schedule only. The check parses
every module's imports (including function-level ones) with ``ast``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "picffm"

#: rank of each top-level module or subpackage; a module may import only
#: modules of lower or equal rank.
RANK = {
    "errors": 0, "atomic": 0, "documents": 0, "models": 0, "components": 0,
    "netlist": 1, "params": 1, "matrix_io": 1, "matrix_metrics": 1,
    "schedule": 2, "meshes": 2, "elements": 2, "parameters": 2,
    "simulation": 3, "smatrix": 3,
    "programming": 4, "layout": 4,
    "chip": 5,
    "training": 6,
    "studies": 7,
    "freespace": 7,  # beside the integrated stack: may use training/studies helpers, never imported by them
    "interop": 4,
    "cli": 8, "__init__": 9, "__main__": 9,
}


def _unit(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imported_units(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    unit = _unit(path)
    depth_of_pkg = len(path.relative_to(PKG).parts) - 1  # 0 for top-level modules
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] == "picffm" and len(parts) > 1:
                    out.add(parts[1])
                elif parts == ["picffm"]:
                    out.update(a.name for a in node.names)
                continue
            up = node.level - 1  # how many packages above the module's own
            if up < depth_of_pkg:  # stays inside the same subpackage
                continue
            target = (node.module or "").split(".")[0] if node.module else None
            if target:
                out.add(target)
            else:
                out.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "picffm" and len(parts) > 1:
                    out.add(parts[1])
    out.discard(unit)
    return out


MODULES = sorted(p for p in PKG.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_module_imports_only_lower_layers(path):
    unit = _unit(path)
    assert unit in RANK, f"{unit} has no layer in RANK: add it"
    higher = {u for u in _imported_units(path) if u in RANK and RANK[u] > RANK[unit]}
    # programming and layout share a rank but must not depend on each other
    if unit in ("programming", "layout"):
        higher |= {u for u in _imported_units(path) if u in ("programming", "layout") and u != unit}
    assert not higher, f"{path.relative_to(PKG)} ({unit}) imports higher layer(s): {sorted(higher)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_integrated_stack_never_imports_freespace(path):
    if _unit(path) in ("freespace", "cli"):
        return
    assert "freespace" not in _imported_units(path), f"{path.relative_to(PKG)} imports picffm.freespace"


#: what the layout may read: the netlist and the schedule built from it (and what those rest on)
LAYOUT_MAY_IMPORT = {"errors", "atomic", "models", "components", "netlist", "schedule"}


def test_layout_reads_only_netlist_and_schedule_level_modules():
    used = set()
    for path in sorted((PKG / "layout").rglob("*.py")):
        bad = {u for u in _imported_units(path) if u in RANK} - LAYOUT_MAY_IMPORT
        assert not bad, f"{path.relative_to(PKG)} imports {sorted(bad)}; the layout may read only {sorted(LAYOUT_MAY_IMPORT)}"
        used |= _imported_units(path)
    assert {"netlist", "schedule"} <= used  # the check above looked at real imports


def _layout_module_graph() -> dict[str, set[str]]:
    """Module -> layout modules it imports (relative imports inside picffm.layout, any depth in the file)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((PKG / "layout").glob("*.py")):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                deps.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("picffm.layout."):
                deps.add(node.module.split(".")[2])
        graph[path.stem] = deps - {path.stem}
    return graph


def test_layout_modules_have_no_import_cycle():
    graph = _layout_module_graph()
    assert "plan" in graph["explicit"] and "explicit" in graph["place"]  # the graph sees real edges
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if dep == "__init__" or dep not in graph:
                continue
            assert state.get(dep) != 1, f"import cycle in picffm.layout: {' -> '.join(stack + [node, dep])}"
            if dep not in state:
                visit(dep, stack + [node])
        state[node] = 2

    for name in sorted(graph):
        if name != "__init__" and name not in state:
            visit(name, [])
