"""gdsfactory netlists to picffm netlists.

gdsfactory describes a circuit by PDK cells (``straight``, ``bend_euler``,
``mmi2x2``, ``coupler``, hierarchical cells such as ``mzi2x2_2x2``), wired by
``nets`` and placed with rotations and mirrors; port names say nothing about
the direction light travels (a cell rotated by 180 degrees has its outputs on
``o1``/``o2``). :func:`from_gdsfactory` makes a picffm :class:`Netlist` of it:

1. **Hierarchy.** A recursive netlist (``Component.get_netlist(recursive=True)``,
   ``{cell: netlist}``) is flattened: an instance of a cell that has its own
   netlist is replaced by that netlist's instances, named ``parent__child``.
2. **Component map.** Every leaf cell is mapped to a picffm component and its
   settings: a number, or ``"settings.NAME"`` / ``"info.NAME"`` (a field of
   the gdsfactory instance). :data:`BUILTIN_MAP` covers gdsfactory's generic
   PDK (straights, bends and tapers as waveguides of their drawn length, 2x2
   MMIs as achromatic 50:50 couplers, directional couplers from gap and
   length); a user map file adds to it or overrides it (:func:`load_component_map`).
3. **Direction from connectivity.** Each picffm component has an entry side
   and an exit side. Starting from the chip ports named as inputs (or, without
   ``inputs``/``outputs``, from the first chip port), the direction of light is
   propagated along the nets: a port joined to an exit is an entry. An
   instance traversed backwards gets its ports renamed (``o1 <-> o4``,
   ``o2 <-> o3``; ``o1 <-> o2`` for two-port cells) and, for an ``mzi``, its
   ``mirror`` flag toggled, because a device traversed backwards has the
   transposed matrix. The S-matrix is unchanged; the chip ports then split
   into inputs and outputs and the transfer matrix is ``T[outputs, inputs]``
   in the order given (or the netlist's order).

Circuits whose light paths do not orient consistently (light sent back to the
side it came from, e.g. a loop mirror) keep their mapped port names and are
evaluated by the general route; their full S-matrix is the result
(``picffm compile -o FILE.sNp``, ``picffm sweep``).

Placements (``x``, ``y``, ``rotation``, ``mirror``) of top-level instances are
kept for the layout; the gdsfactory cell of every instance is kept in its
``info``.
"""

from __future__ import annotations

import math
import os
import re
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..components import COMPONENTS
from ..errors import NetlistError
from ..models import COUPLER_DECAY_PER_UM
from ..netlist import Netlist, read_document

__all__ = ["CellMap", "BUILTIN_MAP", "load_component_map", "from_gdsfactory", "to_sax_netlist",
           "CROSSOVER_LENGTH_UM", "CROSSOVER_GAP_UM"]

#: cross-over length (um) of a directional coupler at :data:`CROSSOVER_GAP_UM`
#: (a placeholder for generic 220 nm SOI, the same as picffm's layout; calibrate per process)
CROSSOVER_LENGTH_UM = 20.0
CROSSOVER_GAP_UM = 0.2

_GF_KEYS = ("instances", "placements", "ports", "nets", "connections", "name", "info", "warnings",
            "schema_version", "pdk")
_REF = re.compile(r"^(settings|info)\.([A-Za-z_][A-Za-z0-9_]*)$")
_IDENT_BAD = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class CellMap:
    """How one gdsfactory cell becomes a picffm component.

    Attributes:
        component: picffm component name.
        settings: picffm setting -> a number, ``"settings.NAME"`` / ``"info.NAME"``
            (a field of the gdsfactory instance) or, from Python, a callable
            ``f(settings, info) -> number``.
        ports: gdsfactory port -> picffm port (identity for ports not listed).
    """

    component: str
    settings: Mapping[str, Any]
    ports: Mapping[str, str]


def _coupler_kappa(settings: Mapping, info: Mapping) -> float:
    """gdsfactory ``coupler(gap, length)``: kappa = sin^2(pi/2 L / Lx(gap)) (coupled-mode theory).

    ``Lx(gap) = CROSSOVER_LENGTH_UM * exp(gamma0 (gap - CROSSOVER_GAP_UM))``: the
    coupling coefficient falls with the evanescent decay constant gamma0 of
    :mod:`picffm.models`. The S-bends' extra coupling is neglected.
    """
    gap, length = float(settings["gap"]), float(settings["length"])
    lx = CROSSOVER_LENGTH_UM * math.exp(COUPLER_DECAY_PER_UM * (gap - CROSSOVER_GAP_UM))
    return math.sin(math.pi / 2 * length / lx) ** 2


def _cell(component: str, settings: Mapping[str, Any] | None = None, ports: Mapping[str, str] | None = None):
    return CellMap(component, dict(settings or {}), dict(ports or {}))


_DRAWN = {"length_um": "info.length"}
#: gdsfactory generic-PDK cells (gdsfactory 9) -> picffm components
BUILTIN_MAP: dict[str, CellMap] = {
    "straight": _cell("waveguide", _DRAWN),
    "bend_euler": _cell("waveguide", _DRAWN),
    "bend_circular": _cell("waveguide", _DRAWN),
    "bend_s": _cell("waveguide", _DRAWN),
    "bend_euler_s": _cell("waveguide", _DRAWN),
    "taper": _cell("waveguide", {"length_um": "settings.length"}),
    "mmi2x2": _cell("coupler", {"kappa": 0.5, "gap_um": 0.0}),
    "mmi1x2": _cell("splitter"),
    "coupler": _cell("coupler", {"kappa": _coupler_kappa, "gap_um": "settings.gap"}),
}


def load_component_map(path: str | os.PathLike | None) -> dict[str, CellMap]:
    """The built-in map updated from a map file (YAML or JSON)::

        cells:
          my_dc: {component: coupler, settings: {kappa: 0.48, gap_um: settings.gap}}
          my_wg: {component: waveguide, settings: {length_um: info.length, neff: 2.44, ng: 4.18}}
          my_pd: {component: terminator, ports: {e1: o1}}
    """
    out = dict(BUILTIN_MAP)
    if path is None:
        return out
    doc = read_document(path, what="component map")
    w = f"{path}: "
    if not isinstance(doc, Mapping) or set(doc) - {"cells"} or not isinstance(doc.get("cells"), Mapping):
        raise NetlistError(w + "a component map is a mapping with one key 'cells': {cell: {component, settings, ports}}")
    for cell, raw in doc["cells"].items():
        if not isinstance(raw, Mapping) or set(raw) - {"component", "settings", "ports"}:
            raise NetlistError(w + f"cell {cell!r}: expected {{component, settings, ports}}, got {raw!r}")
        comp = raw.get("component")
        if comp not in COMPONENTS:
            raise NetlistError(w + f"cell {cell!r}: unknown picffm component {comp!r}; "
                               f"valid: {', '.join(sorted(COMPONENTS))}")
        settings = raw.get("settings") or {}
        ports = raw.get("ports") or {}
        if not isinstance(settings, Mapping) or not isinstance(ports, Mapping):
            raise NetlistError(w + f"cell {cell!r}: 'settings' and 'ports' must be mappings")
        for key, value in settings.items():
            if key not in COMPONENTS[comp].setting_names:
                raise NetlistError(w + f"cell {cell!r}: {comp} has no setting {key!r}; "
                                   f"valid: {', '.join(COMPONENTS[comp].setting_names)}")
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) or \
                (isinstance(value, bool) and COMPONENTS[comp].setting(key).type is bool) or \
                (isinstance(value, str) and _REF.match(value))
            if not ok:
                raise NetlistError(w + f"cell {cell!r}: setting {key!r} = {value!r}: give a number "
                                   "or 'settings.NAME' / 'info.NAME' (a field of the gdsfactory instance)")
        bad = [p for p in ports.values() if p not in COMPONENTS[comp].ports]
        if bad:
            raise NetlistError(w + f"cell {cell!r}: {comp} has no port {bad[0]!r}; "
                               f"its ports are {', '.join(COMPONENTS[comp].ports)}")
        out[str(cell)] = CellMap(comp, dict(settings), {str(k): str(v) for k, v in ports.items()})
    return out


# --------------------------------------------------------------------- flatten


@dataclass
class _Leaf:
    name: str
    cell: str
    settings: Mapping[str, Any]
    info: Mapping[str, Any]
    placement: Mapping[str, Any] | None


def _netlists(doc: Any, top: str | None, w: str) -> tuple[dict[str, Mapping], str]:
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


def _flatten(cells: Mapping[str, Mapping], top: str, cmap: Mapping[str, CellMap], w: str):
    leaves: dict[str, _Leaf] = {}
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
        redirect: dict[str, str] = {}  # "inst,port" of a hierarchical instance -> flattened ref
        for name, inst in (net.get("instances") or {}).items():
            if not isinstance(inst, Mapping) or not isinstance(inst.get("component"), str):
                raise NetlistError(w + f"{_where(cell)}instance {name!r}: expected a mapping with 'component'")
            comp = inst["component"]
            flat = prefix + _ident(str(name))
            if comp in cmap:
                if flat in leaves:
                    raise NetlistError(w + f"instance name {flat!r} occurs twice after flattening")
                leaves[flat] = _Leaf(flat, comp, inst.get("settings") or {}, inst.get("info") or {},
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


def _settings(leaf: _Leaf, m: CellMap, w: str) -> dict[str, Any]:
    out = {}
    for key, value in m.settings.items():
        if callable(value):
            try:
                value = value(leaf.settings, leaf.info)
            except (KeyError, TypeError, ValueError) as exc:
                raise NetlistError(w + f"instance {leaf.name!r} ({leaf.cell}): cannot derive {key!r}: {exc}") from None
        elif isinstance(value, str):
            src, field = _REF.match(value).groups()
            got = (leaf.settings if src == "settings" else leaf.info).get(field)
            if isinstance(got, bool) or not isinstance(got, (int, float)):
                raise NetlistError(w + f"instance {leaf.name!r} ({leaf.cell}): {key} comes from {value}, "
                                   f"which is {got!r}, not a number")
            value = got
        out[key] = value
    return out


# ------------------------------------------------------------------ direction


def _orient(leaves, comps, pairs, ports, inputs, outputs, w):
    """flip[inst] (True = traversed from its exit side), or None if not orientable."""
    side = {}  # (inst, picffm port) -> 0 entry side / 1 exit side
    for name, comp in comps.items():
        c = COMPONENTS[comp]
        for p in c.ports:
            side[(name, p)] = 0 if p in c.inputs else 1
    adj: dict[str, list[tuple[str, int]]] = {n: [] for n in leaves}
    for a, b in pairs:
        (ia, pa), (ib, pb) = a.split(","), b.split(",")
        if not COMPONENTS[comps[ia]].outputs or not COMPONENTS[comps[ib]].outputs:
            continue  # terminators absorb from either side
        # role(a) != role(b): flip[b] = side[a] ^ flip[a] ^ side[b] ^ 1
        rel = side[(ia, pa)] ^ side[(ib, pb)] ^ 1
        adj[ia].append((ib, rel))
        adj[ib].append((ia, rel))
    flip: dict[str, int] = {}
    seeds = [(p, 0) for p in inputs] + [(p, 1) for p in outputs]
    if not seeds and ports:
        seeds = [(next(iter(ports)), 0)]
    orientable = True

    def spread(start: str) -> bool:
        queue = deque([start])
        while queue:
            n = queue.popleft()
            for m, rel in adj[n]:
                want = flip[n] ^ rel
                if m not in flip:
                    flip[m] = want
                    queue.append(m)
                elif flip[m] != want:
                    return False
        return True

    for port, role in seeds:
        inst, p = ports[port].split(",")
        want = side[(inst, p)] ^ role
        if inst in flip:
            if flip[inst] != want:
                given = [q for q, _ in seeds[: seeds.index((port, role))]]
                raise NetlistError(w + f"port {port!r} cannot be an {'input' if role == 0 else 'output'}: "
                                   f"light entering {', '.join(given) or 'the first port'} leaves through it "
                                   "(or reaches it from the same side); check --inputs/--outputs")
            continue
        flip[inst] = want
        orientable &= spread(inst)
    for name in leaves:  # parts not reached from a chip port
        if name not in flip:
            flip[name] = 0
            orientable &= spread(name)
    return flip if orientable else None


_REVERSE = {4: {"o1": "o4", "o4": "o1", "o2": "o3", "o3": "o2"}, 2: {"o1": "o2", "o2": "o1"}}


def from_gdsfactory(doc: Any, *, component_map: Mapping[str, CellMap] | None = None,
                    inputs: list[str] | None = None, outputs: list[str] | None = None,
                    top: str | None = None, source: str | None = None) -> Netlist:
    """A picffm netlist from a gdsfactory netlist (flat or recursive); see the module docstring.

    Args:
        doc: ``Component.get_netlist()`` or ``get_netlist(recursive=True)`` as plain data.
        component_map: cell -> :class:`CellMap` (default :data:`BUILTIN_MAP`).
        inputs, outputs: chip ports that are inputs / outputs, in transfer-matrix order.
        top: top cell of a recursive netlist (default: the one no other cell uses).
        source: file name for messages.
    """
    w = f"{source}: " if source else ""
    cmap = dict(BUILTIN_MAP if component_map is None else component_map)
    cells, top = _netlists(doc, top, w)
    leaves, pairs, ports = _flatten(cells, top, cmap, w)
    inputs, outputs = list(inputs or []), list(outputs or [])
    for p in inputs + outputs:
        if p not in ports:
            raise NetlistError(w + f"no chip port {p!r}; ports: {', '.join(ports)}")
    dup = [p for p in inputs if p in outputs]
    if dup:
        raise NetlistError(w + f"port {dup[0]!r} is given as both an input and an output")
    comps = {n: cmap[leaf.cell].component for n, leaf in leaves.items()}
    flip = _orient(leaves, comps, pairs, ports, inputs, outputs, w)
    if flip is not None:  # a 1x2 device entered from its two-port side is the other device
        swap = {"splitter": "combiner", "combiner": "splitter"}
        for n in comps:
            if flip[n] and comps[n] in swap:
                comps[n] = swap[comps[n]]
                flip[n] = 0
    if flip is None and (inputs or outputs):
        raise NetlistError(w + "light paths do not orient consistently (light returns to the side it came "
                           "from): there is no input/output split; drop --inputs/--outputs and use the full "
                           "S-matrix (picffm compile -o FILE.sNp)")

    def rename(ref: str) -> str:
        inst, p = ref.split(",")
        if flip and flip[inst]:
            p = _REVERSE[len(COMPONENTS[comps[inst]].ports)].get(p, p)
        return f"{inst},{p}"

    instances = {}
    for name, leaf in leaves.items():
        settings = _settings(leaf, cmap[leaf.cell], w)
        if flip and flip[name] and comps[name] == "mzi":
            settings["mirror"] = not settings.get("mirror", False)
        turned = bool(flip and flip[name]) or comps[name] != cmap[leaf.cell].component
        instances[name] = {"component": comps[name], "settings": settings,
                           "info": {"gdsfactory_cell": leaf.cell, **({"reversed": True} if turned else {})}}
    connections = {rename(a): rename(b) for a, b in pairs}
    picffm_ports = {p: rename(ref) for p, ref in ports.items()}
    if flip is not None:  # order: the given inputs, other inputs, the given outputs, other outputs
        def is_input(p):
            inst, port = picffm_ports[p].split(",")
            return port in COMPONENTS[comps[inst]].inputs
        ins = inputs + [p for p in ports if p not in inputs and is_input(p)]
        outs = outputs + [p for p in ports if p not in outputs and not is_input(p)]
        wrong = [p for p in inputs if not is_input(p)] + [p for p in outputs if is_input(p)]
        if wrong:
            raise NetlistError(w + f"port {wrong[0]!r} is on the other side of the circuit from the "
                               "ports given with it; check --inputs/--outputs")
        picffm_ports = {p: picffm_ports[p] for p in ins + outs}
    placements = {}
    for name, leaf in leaves.items():
        pl = leaf.placement
        if isinstance(pl, Mapping):
            kept = {k: pl[k] for k in ("x", "y", "rotation") if isinstance(pl.get(k), (int, float))
                    and not isinstance(pl.get(k), bool)}
            if isinstance(pl.get("mirror"), bool):
                kept["mirror"] = pl["mirror"]
            if kept:
                placements[name] = kept
    out = {"instances": instances, "connections": connections, "ports": picffm_ports,
           "info": {"source": "gdsfactory", **({"top": top} if top else {}),
                    "oriented": flip is not None}}
    if placements:
        out["placements"] = placements
    return Netlist.from_dict(out, source=source)


def to_sax_netlist(doc: Any, *, component_map: Mapping[str, CellMap] | None = None) -> Any:
    """gdsfactory's netlist with each leaf cell replaced by its picffm component and settings.

    Hierarchy, nets, placements and port names stay as gdsfactory wrote them,
    so ``sax.circuit(to_sax_netlist(doc), models=picffm.interop.sax.models())``
    evaluates gdsfactory's own wiring with picffm's models: an independent
    check of :func:`from_gdsfactory`'s flattening and orientation.
    """
    cmap = dict(BUILTIN_MAP if component_map is None else component_map)
    cells, top = _netlists(doc, None, "")

    def key(cell: str) -> str:  # hierarchical cells renamed: gdsfactory's 'mzi' is not picffm's mzi
        return cell if cell == top else f"gdsfactory_{cell}"

    out = {}
    for cell in [top] + [c for c in cells if c != top]:  # sax takes the first netlist as the top
        net = cells[cell]
        new = {k: v for k, v in net.items() if k in ("instances", "ports", "nets", "connections", "placements")}
        insts = {}
        for name, inst in (net.get("instances") or {}).items():
            comp = inst["component"]
            if comp in cmap:
                m = cmap[comp]
                if m.ports:
                    raise NetlistError(f"cell {comp!r}: port renaming is not supported by to_sax_netlist")
                leaf = _Leaf(name, comp, inst.get("settings") or {}, inst.get("info") or {}, None)
                insts[name] = {"component": m.component, "settings": _settings(leaf, m, "")}
            else:
                insts[name] = {"component": key(comp)}
        new["instances"] = insts
        if "nets" in new:
            new["connections"] = {n["p1"]: n["p2"] for n in new.pop("nets")}
        out[key(cell) or "top_level"] = new
    return out if len(out) > 1 else next(iter(out.values()))
