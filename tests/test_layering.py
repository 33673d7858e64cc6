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
    "errors": 0, "atomic": 0, "wrapping": 0, "buffers": 0, "documents": 0, "gcpause": 0, "compiled": 0, "mzi_algebra": 0, "models": 0, "components": 0,
    "palette": 0,
    "netlist": 1, "params": 1, "matrix_io": 1, "matrix_metrics": 1,
    "schedule": 2, "flow": 2, "meshes": 2, "elements": 2, "parameters": 2,
    "simulation": 3, "smatrix": 3,
    "programming": 4, "layout": 4,
    "chip": 5,
    "calibration": 5,  # beside chip: uses the chip protocol; chip never imports it (checked below)
    "training": 6,
    "studies": 7,
    "freespace": 7,  # beside the integrated stack: may use training/studies helpers, never imported by them
    "interop": 4,
    "runs": 1,  # run directories, state files, executor, signals: generic, below every experiment
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


@pytest.mark.parametrize("path", sorted((PKG / "chip").rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_chip_never_imports_calibration(path):
    # calibration sits beside the chip and uses it only through its protocol; the chip knows nothing of it
    assert "calibration" not in _imported_units(path), f"{path.relative_to(PKG)} imports picffm.calibration"


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


# ---------------------------------------------------------------- no import cycles
#: known cycles still to be removed (each named by its modules); empty when none is left
KNOWN_CYCLES: list[set[str]] = []


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(name: str) -> str | None:
    """The picffm module (or package) ``name`` refers to, or None if it is not a file of picffm."""
    base = PKG.parent.joinpath(*name.split("."))
    if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
        return name
    return None


def _module_edges(path: Path) -> set[str]:
    """Every picffm module ``path`` imports (module-level and function-level)."""
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                target = ".".join(anchor + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("picffm"):
                continue
            for a in node.names:  # ``from pkg import module`` imports the module itself
                sub = _resolve(f"{target}.{a.name}")
                if sub is not None:
                    out.add(sub)
            resolved = _resolve(target)
            if resolved is not None and not all(_resolve(f"{target}.{a.name}") for a in node.names):
                out.add(resolved)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("picffm") and _resolve(a.name):
                    out.add(a.name)
    out.discard(me)
    return out


def _import_cycles() -> list[set[str]]:
    import networkx as nx

    g = nx.DiGraph()
    for path in MODULES:
        me = _module_name(path)
        g.add_node(me)
        for dst in _module_edges(path):
            g.add_edge(me, dst)
    return [set(c) for c in nx.strongly_connected_components(g) if len(c) > 1]


def test_no_import_cycles_between_modules():
    """Also inside a package: two modules that import each other (even inside a function) are one concept
    split badly; a data-only module breaks such a circle."""
    cycles = _import_cycles()
    new = [c for c in cycles if c not in KNOWN_CYCLES]
    assert not new, f"import cycles: {[sorted(c) for c in new]}"


def test_the_cycle_check_finds_a_cycle(tmp_path, monkeypatch):
    """The detector itself: two modules importing each other in a function are found."""
    import networkx as nx

    g = nx.DiGraph([("picffm.training.report", "picffm.training.run"),
                    ("picffm.training.run", "picffm.training.report")])
    assert [set(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    # and the real parser sees function-level relative imports
    edges = _module_edges(PKG / "training" / "run.py")
    assert "picffm.training.report" in edges and "picffm.training.store" in edges


def test_user_facing_text_cites_the_projects_own_documents():
    """README, docs and docstrings stand alone: no design notes, issues, leads or tasks of the project's history."""
    import re

    root = PKG.parent
    files = [root / "README.md", *sorted((root / "docs").glob("*.md")), *MODULES]
    pattern = re.compile(r"\bDESIGN\b|(?i:\bthe lead(?:'s)? (?:estimate|engineer|asked|said)|\bissue \d+|\bthe issue\b)")
    hits = [f"{p.relative_to(root)}:{i}: {line.strip()}" for p in files
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not hits, "\n".join(hits)
    assert (root / "docs" / "conventions.md").is_file()
