"""gdsfactory Components for picffm's cells and whole meshes (optional ``interop`` extra).

The geometry is picffm's own layout (:mod:`picffm.layout`, the same cells,
layers and rules as ``picffm layout``); this module hands it to gdsfactory as
``gf.Component`` objects with optical ports, so a gdsfactory user places a
picffm mesh in a chip and routes to it with gdsfactory's tools::

    import gdsfactory as gf
    from picffm import clements
    from picffm.interop.gf_cells import mesh_component

    gf.gpdk.PDK.activate()                              # gdsfactory needs an active PDK
    chip = gf.Component()
    mesh = chip << mesh_component(clements(4))        # ports in0..in3, out0..out3
    gc = chip << gf.components.grating_coupler_elliptical()
    gc.connect("o1", mesh.ports["in0"])

* :func:`cell_component`: one picffm cell (``mzi``, ``coupler``,
  ``phase_shifter``, ``waveguide``, ``attenuator``) with ports o1..o4 /
  o1, o2 named and placed as in picffm (o1 = input of mode m at the origin).
* :func:`mesh_component`: a whole netlist as drawn by ``picffm layout``,
  without its grating couplers: one port per chip port, named like it,
  where the grating coupler joined the fan-in/out, facing outwards.

Names are one per geometry (``picffm_clements4_<digest>``, ``picffm_mzi_Lc10_10``):
meshes of one kind and several sizes coexist, and the same geometry asked for
again is the same Component.

Ports are gdsfactory ``optical`` ports on the waveguide layer (1, 0), of the
waveguide width; layer numbers follow gdsfactory's generic PDK, so the
polygons keep their meaning. Polygons are flattened into the Component.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict

import numpy as np

from ..layout import LAYERS, LayoutOptions, build_layout
from ..layout import cells as _cells
from ..netlist import Netlist, netlist_argument

__all__ = ["cell_component", "mesh_component", "to_component"]


#: the Components this module built: name -> (digest of the geometry, Component). Asking again for the same
#: geometry returns the same Component, as gdsfactory's own ``@gf.cell`` functions do (a second
#: ``gf.Component`` of one name is an error in gdsfactory's layout)
_BUILT: dict = {}


def _cached(name: str, key: str, build):
    """The Component ``name`` of geometry ``key`` built earlier (if gdsfactory's layout still holds it), else
    ``build()``; a name already given to another geometry is refused."""
    import gdsfactory as gf

    held = gf.kcl.layout.cell(name) is not None
    old = _BUILT.get(name)
    if held and old is not None and not old[1].destroyed():
        if old[0] == key:
            return old[1]
        raise ValueError(f"the gdsfactory cell name {name!r} is taken by another picffm geometry; pass another "
                         "name= (or leave it out: the default names differ for different geometries)")
    if held:
        raise ValueError(f"gdsfactory's layout already has a cell named {name!r} that picffm did not build; pass "
                         "another name=")
    comp = build()
    _BUILT[name] = (key, comp)
    return comp


def _digest(*parts) -> str:
    """8 hex digits of the SHA-256 of ``parts`` written as sorted JSON: one name per geometry."""
    import hashlib
    import json

    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def to_component(cell, ports: dict[str, tuple[float, float, float]], name: str, wg_width: float):
    """A ``gf.Component`` with ``cell``'s polygons (flattened) and ``ports`` name -> (x, y, angle rad)."""
    import gdsfactory as gf

    comp = gf.Component(name=name)
    floorplan = (LAYERS["FLOORPLAN"].layer, LAYERS["FLOORPLAN"].datatype)
    for poly in cell.get_polygons(apply_repetitions=True, include_paths=True):
        if (poly.layer, poly.datatype) == floorplan:
            continue
        comp.add_polygon(np.asarray(poly.points), layer=(poly.layer, poly.datatype))
    wg = (LAYERS["WG"].layer, LAYERS["WG"].datatype)
    for pname, (x, y, angle) in ports.items():
        comp.add_port(name=pname, center=(float(x), float(y)), width=wg_width,
                      orientation=float(round(math.degrees(angle)) % 360), layer=wg, port_type="optical")
    return comp


def cell_component(component: str, *, kappa: float = 0.5, kappa1: float = 0.5, kappa2: float = 0.5,
                   length_um: float = 10.0, mirror: bool = False, options: LayoutOptions | None = None):
    """One picffm cell as a ``gf.Component`` (couplings set the coupler lengths, as in picffm's layout)."""
    o = options or LayoutOptions()
    from ..components import COMPONENTS

    checks = {"kappa": ("coupler", kappa), "kappa1": ("mzi", kappa1), "kappa2": ("mzi", kappa2),
              "length_um": ("waveguide", length_um)}
    for key, (comp, value) in checks.items():  # the layout would clip a coupling above 1 silently
        try:
            COMPONENTS[comp].setting(key).check(value)
        except ValueError as exc:
            raise ValueError(f"cell_component({component!r}): {exc}") from None
    lc = lambda k: float(_cells.coupling_length(k, o))  # noqa: E731
    makers = {
        "mzi": lambda: _cells.mzi_cell(lc(kappa1), lc(kappa2), o, mirror=mirror),
        "coupler": lambda: _cells.coupler_cell(lc(kappa), o),
        "phase_shifter": lambda: _cells.phase_shifter_cell(o),
        "waveguide": lambda: _cells.waveguide_cell(length_um, o),
        "attenuator": lambda: _cells.attenuator_cell(lc(kappa1), lc(kappa2), o),
    }
    if component not in makers:
        raise ValueError(f"no picffm cell for {component!r}; cells: {', '.join(makers)}")
    cell = makers[component]()
    key = _digest(component, kappa, kappa1, kappa2, length_um, mirror, asdict(o))
    name = f"picffm_{cell.name}" + ("" if options is None else f"_{_digest(asdict(o))}")
    return _cached(name, key, lambda: to_component(cell, _cells.cell_ports(cell), name, o.wg_width))


def mesh_component(netlist: Netlist | str | os.PathLike, options: LayoutOptions | None = None,
                   name: str | None = None):
    """A netlist (or a netlist file path) drawn by picffm's layout, as a ``gf.Component`` with one port per chip port.

    The grating couplers of ``picffm layout`` are left out; each chip port
    sits where its grating coupler joined the fan-in/out and faces away from
    the mesh, so gdsfactory routes, grating couplers or edge couplers connect
    to it directly.
    """
    netlist = netlist_argument(netlist, "mesh_component netlist")
    key = _digest(netlist.to_dict(), asdict(options or LayoutOptions()))
    if name is None:  # kind, size and a digest of everything drawn: two geometries never share a name
        n = netlist.info.get("n")
        name = f"picffm_{netlist.info.get('kind', 'netlist')}{'' if n is None else n}_{key}"
    return _cached(name, key, lambda: _draw_mesh(netlist, options, name))


def _draw_mesh(netlist: Netlist, options: LayoutOptions | None, name: str):
    import gdstk

    from ..layout.geometry import ref_matrix
    from ..layout.plan import ref_params

    lay = build_layout(netlist, options)
    o = lay.options
    body = gdstk.Cell("picffm_mesh_body")
    for ref in lay.top.references:
        if not ref.cell.name.startswith("grating_coupler"):
            body.add(ref)
    body.add(*lay.top.polygons)
    ports = {}
    for pl in lay.plan.gratings:
        origin, rot, xref = ref_params(pl)
        x, y, angle = _cells.cell_ports(_find(lay.library, pl.cell))["o1"]
        px, py = ref_matrix(rot, xref) @ np.array([x, y]) + np.asarray(origin, float)
        ports[pl.name] = (float(px), float(py), (-angle if xref else angle) + rot + math.pi)
    order = list(netlist.ports)
    ports = {p: ports[p] for p in order if p in ports}
    return to_component(body, ports, name, o.wg_width)


def _find(lib, name):
    for cell in lib.cells:
        if cell.name == name:
            return cell
    raise KeyError(name)
