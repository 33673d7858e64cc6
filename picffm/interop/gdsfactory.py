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

from typing import Any, Mapping

from ..components import COMPONENTS
from ..errors import NetlistError
from ..netlist import Netlist
from .gf_flatten import Leaf, flatten, netlists_of
from .gf_map import BUILTIN_MAP, CROSSOVER_GAP_UM, CROSSOVER_LENGTH_UM, CellMap, instance_settings, load_component_map
from .gf_orient import REVERSE_PORTS, orient

__all__ = ["CellMap", "BUILTIN_MAP", "load_component_map", "from_gdsfactory", "to_sax_netlist",
           "CROSSOVER_LENGTH_UM", "CROSSOVER_GAP_UM"]


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
    cells, top = netlists_of(doc, top, w)
    leaves, pairs, ports = flatten(cells, top, cmap, w)
    inputs, outputs = list(inputs or []), list(outputs or [])
    for p in inputs + outputs:
        if p not in ports:
            raise NetlistError(w + f"no chip port {p!r}; ports: {', '.join(ports)}")
    dup = [p for p in inputs if p in outputs]
    if dup:
        raise NetlistError(w + f"port {dup[0]!r} is given as both an input and an output")
    comps = {n: cmap[leaf.cell].component for n, leaf in leaves.items()}
    flip = orient(leaves, comps, pairs, ports, inputs, outputs, w)
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
            p = REVERSE_PORTS[len(COMPONENTS[comps[inst]].ports)].get(p, p)
        return f"{inst},{p}"

    instances = {}
    for name, leaf in leaves.items():
        settings = instance_settings(leaf, cmap[leaf.cell], w)
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
            wrong = [k for k in ("x", "y", "rotation", "mirror") if pl.get(k) is not None and k not in kept
                     and not (k == "mirror" and isinstance(pl[k], bool))]
            if wrong:
                k = wrong[0]
                what = "true or false" if k == "mirror" else "a number (um)" if k != "rotation" else \
                    "a number (degrees)"
                raise NetlistError(w + f"placements of {name!r}: {k} = {pl[k]!r} is not {what}")
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
    cells, top = netlists_of(doc, None, "")

    def key(cell: str) -> str:  # hierarchical cells renamed: gdsfactory's 'mzi' is not picffm's mzi
        return cell if cell == top else f"gdsfactory_{cell}"

    out = {}
    for cell in [top] + [c for c in cells if c != top]:  # sax takes the first netlist as the top
        net = cells[cell]
        new = {k: v for k, v in net.items() if k in ("instances", "ports", "nets", "connections", "placements")}
        insts = {}
        instances = net.get("instances") or {}
        if not isinstance(instances, Mapping):
            raise NetlistError(f"cell {cell!r}: 'instances' must be a mapping of instance names, got "
                               f"{type(instances).__name__}")
        for name, inst in instances.items():
            if not isinstance(inst, Mapping) or not isinstance(inst.get("component"), str):
                raise NetlistError(f"cell {cell!r}: instance {name!r}: expected a mapping with 'component'")
            comp = inst["component"]
            if comp in cmap:
                m = cmap[comp]
                if m.ports:
                    raise NetlistError(f"cell {comp!r}: port renaming is not supported by to_sax_netlist")
                leaf = Leaf(name, comp, inst.get("settings") or {}, inst.get("info") or {}, None)
                insts[name] = {"component": m.component, "settings": instance_settings(leaf, m, "")}
            else:
                insts[name] = {"component": key(comp)}
        new["instances"] = insts
        if "nets" in new:
            new["connections"] = {n["p1"]: n["p2"] for n in new.pop("nets")}
        out[key(cell) or "top_level"] = new
    return out if len(out) > 1 else next(iter(out.values()))
