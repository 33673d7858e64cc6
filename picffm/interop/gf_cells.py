"""gdsfactory Components for picffm's cells and whole meshes (optional ``interop`` extra).

The geometry is picffm's own layout (:mod:`picffm.layout`, the same cells,
layers and rules as ``picffm layout``); this module hands it to gdsfactory as
``gf.Component`` objects with optical ports, so a gdsfactory user places a
picffm mesh in a chip and routes to it with gdsfactory's tools::

    import gdsfactory as gf
    from picffm import clements
    from picffm.interop.gf_cells import mesh_component

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

Ports are gdsfactory ``optical`` ports on the waveguide layer (1, 0), of the
waveguide width; layer numbers follow gdsfactory's generic PDK, so the
polygons keep their meaning. Polygons are flattened into the Component.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ..layout import LAYERS, LayoutOptions, build_layout
from ..layout import cells as _cells
from ..netlist import Netlist, netlist_argument

__all__ = ["cell_component", "mesh_component", "to_component"]


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
    return to_component(cell, _cells.cell_ports(cell), f"picffm_{cell.name}", o.wg_width)


def mesh_component(netlist: Netlist | str | os.PathLike, options: LayoutOptions | None = None,
                   name: str | None = None):
    """A netlist (or a netlist file path) drawn by picffm's layout, as a ``gf.Component`` with one port per chip port.

    The grating couplers of ``picffm layout`` are left out; each chip port
    sits where its grating coupler joined the fan-in/out and faces away from
    the mesh, so gdsfactory routes, grating couplers or edge couplers connect
    to it directly.
    """
    import gdstk

    from ..layout.geometry import ref_matrix
    from ..layout.plan import ref_params

    netlist = netlist_argument(netlist, "mesh_component netlist")
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
    return to_component(body, ports, name or f"picffm_{netlist.info.get('kind', 'mesh')}", o.wg_width)


def _find(lib, name):
    for cell in lib.cells:
        if cell.name == name:
            return cell
    raise KeyError(name)
