"""A gdsfactory netlist, flat or recursive (``{cell: netlist}``), flattened to its leaf instances and nets.

An instance of a cell that has a netlist of its own is replaced by that
netlist's instances, named ``parent__child``; names become identifiers; the
nets are resolved to ``"leaf,port"`` pairs with the component map's port
renaming applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import NetlistError
from .gf_map import CellMap

__all__ = ["Leaf", "netlists_of", "flatten"]

_GF_KEYS = ("instances", "placements", "ports", "nets", "connections", "name", "info", "warnings",
            "schema_version", "pdk")
_IDENT_BAD = re.compile(r"[^A-Za-z0-9_]")


@dataclass
class Leaf:
    name: str
    cell: str
    settings: Mapping[str, Any]
    info: Mapping[str, Any]
    placement: Mapping[str, Any] | None


def netlists_of(doc: Any, top: str | None, w: str) -> tuple[dict[str, Mapping], str]:
    if not isinstance(doc, Mapping) or not doc:
        raise NetlistError(w + "a gdsfactory netlist must be a non-empty mapping")
    if "instances" in doc:
        return {"": doc}, ""
    cells = {str(k): v for k, v in doc.items()}
    for name, net in cells.items():
        if not isinstance(net, Mapping) or "instances" not in net:
            raise NetlistError(w + f"cell {name!r}: not a netlist (no 'instances'); expected one netlist or "
                               "gdsfactory's recursive form {cell: netlist}")
    if top is None:
        used = {i.get("component") for net in cells.values() for i in (net.get("instances") or {}).values()
                if isinstance(i, Mapping)}
        roots = [c for c in cells if c not in used]
        if len(roots) != 1:
            raise NetlistError(w + f"cannot tell the top cell among {', '.join(roots) or 'none'}: name it (top)")
        top = roots[0]
    if top not in cells:
        raise NetlistError(w + f"no cell {top!r}; cells: {', '.join(cells)}")
    return cells, top


def flatten(cells: Mapping[str, Mapping], top: str, cmap: Mapping[str, CellMap], w: str):
    leaves: dict[str, Leaf] = {}
    pairs: list[tuple[str, str]] = []

    def walk(cell: str, prefix: str, depth: int, stack: tuple[str, ...]) -> dict[str, str]:
        net = cells[cell]
        bad = [k for k in net if k not in _GF_KEYS]
        if bad:
            hint = " (routes are instructions for gdsfactory; export the built component's get_netlist())" \
                if bad[0] == "routes" else ""
            raise NetlistError(w + f"{_where(cell)}unknown key {bad[0]!r}; gdsfactory keys read: "
                               f"{', '.join(_GF_KEYS)}{hint}")
        placements = net.get("placements") or {}
        instances = net.get("instances") or {}
        for key, value in (("instances", instances), ("placements", placements)):
            if not isinstance(value, Mapping):
                raise NetlistError(w + f"{_where(cell)}'{key}' must be a mapping of instance names, got "
                                   f"{type(value).__name__}")
        unplaced = [str(k) for k in placements if k not in instances]
        if unplaced:
            raise NetlistError(w + f"{_where(cell)}placements: no instance {unplaced[0]!r}")
        redirect: dict[str, str] = {}  # "inst,port" of a hierarchical instance -> flattened ref
        for name, inst in instances.items():
            if not isinstance(inst, Mapping) or not isinstance(inst.get("component"), str):
                raise NetlistError(w + f"{_where(cell)}instance {name!r}: expected a mapping with 'component'")
            comp = inst["component"]
            flat = prefix + _ident(str(name))
            if comp in cmap:
                if flat in leaves:
                    raise NetlistError(w + f"instance name {flat!r} occurs twice after flattening")
                leaves[flat] = Leaf(flat, comp, inst.get("settings") or {}, inst.get("info") or {},
                                     placements.get(name) if depth == 0 else None)
                continue
            if comp in cells and comp not in stack:
                sub_ports = walk(comp, flat + "__", depth + 1, stack + (comp,))
                for p, ref in sub_ports.items():
                    redirect[f"{name},{p}"] = ref
                continue
            raise NetlistError(
                w + f"{_where(cell)}instance {name!r}: no picffm component for gdsfactory cell {comp!r}; "
                "map it in a component map file (--map) or pass the recursive netlist "
                f"(get_netlist(recursive=True)); mapped cells: {', '.join(sorted(cmap))}")

        def resolve(ref: Any, what: str) -> str:
            if not isinstance(ref, str) or ref.count(",") != 1:
                raise NetlistError(w + f"{_where(cell)}{what}: {ref!r} is not 'instance,port'")
            if ref in redirect:
                return redirect[ref]
            inst, port = ref.split(",")
            flat = prefix + _ident(inst)
            if flat not in leaves:
                raise NetlistError(w + f"{_where(cell)}{what}: no instance {inst!r}")
            m = cmap[leaves[flat].cell]
            return f"{flat},{m.ports.get(port, port)}"

        nets = net.get("nets") or []
        if not isinstance(nets, list):
            raise NetlistError(w + f"{_where(cell)}'nets' must be a list of {{p1, p2}}")
        for k, n in enumerate(nets):
            if not isinstance(n, Mapping) or not {"p1", "p2"} <= set(n):
                raise NetlistError(w + f"{_where(cell)}nets[{k}]: expected {{p1, p2}}, got {n!r}")
            pairs.append((resolve(n["p1"], f"nets[{k}]"), resolve(n["p2"], f"nets[{k}]")))
        for a, b in (net.get("connections") or {}).items():
            pairs.append((resolve(a, f"connection {a!r}"), resolve(b, f"connection {a!r}")))
        return {str(p): resolve(ref, f"port {p!r}") for p, ref in (net.get("ports") or {}).items()}

    ports = walk(top, "", 0, (top,))
    return leaves, pairs, ports


def _where(cell: str) -> str:
    return f"cell {cell!r}: " if cell else ""


def _ident(name: str) -> str:
    out = _IDENT_BAD.sub("_", name)
    return "_" + out if not out or out[0].isdigit() else out
