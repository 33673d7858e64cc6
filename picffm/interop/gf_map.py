"""Which picffm component each gdsfactory cell becomes: :class:`CellMap`, the built-in map and map files.

A map entry gives the picffm component, its settings (numbers, fields of the
gdsfactory instance such as ``"info.length"``, or from Python a callable) and
any port renaming; :func:`instance_settings` evaluates them for one instance.
Lengths in um.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any, Mapping

from ..components import COMPONENTS
from ..errors import NetlistError
from ..models import COUPLER_DECAY_PER_UM
from ..netlist import read_document

__all__ = ["CellMap", "BUILTIN_MAP", "load_component_map", "instance_settings", "CROSSOVER_LENGTH_UM",
           "CROSSOVER_GAP_UM"]

#: cross-over length (um) of a directional coupler at :data:`CROSSOVER_GAP_UM`
#: (a placeholder for generic 220 nm SOI, the same as picffm's layout; calibrate per process)
CROSSOVER_LENGTH_UM = 20.0
CROSSOVER_GAP_UM = 0.2

_REF = re.compile(r"^(settings|info)\.([A-Za-z_][A-Za-z0-9_]*)$")


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



def instance_settings(leaf, m: CellMap, w: str) -> dict[str, Any]:
    """The picffm settings of ``leaf`` (a :class:`~picffm.interop.gf_flatten.Leaf`) under its map entry ``m``."""
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
