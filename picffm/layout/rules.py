"""Design rules, in one place: minimum width, spacing and bend radius per layer.

The defaults describe a *generic* 220 nm silicon-on-insulator process with a
TiN heater, vias, one aluminium routing layer and pad metal (values typical of public
multi-project-wafer PDKs, rounded; not any foundry's numbers). Replace them
with your foundry's rules through :func:`rules_from_dict`.

=========  ==========  ============  ===============  ========================
layer      min width   min spacing   min bend radius  note
=========  ==========  ============  ===============  ========================
WG         0.15 um     0.15 um       5 um             nominal width 0.5 um
HEATER     1 um        2 um          -
VIA1       1 um        1 um          -
M2         2 um        3 um          -
VIA2       1 um        1 um          -
MTOP       10 um       10 um         -                pad metal
PADOPEN    10 um       10 um         -
=========  ==========  ============  ===============  ========================

How they are measured (:mod:`picffm.layout.drc`): width between facing edges
of one polygon; spacing between polygons of one layer that neither touch nor
overlap (touching polygons form one shape); bend radius on every smoothly
curved run of a polygon edge, where the inner edge of a waveguide of nominal
width w bent with centre-line radius R has radius R - w/2, so an edge radius
below ``min_bend_radius - nominal_width/2`` is a violation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import Any, Mapping

from ..errors import LayoutError
from .layers import LAYERS, get_layer

__all__ = ["Rule", "DEFAULT_RULES", "rules_from_dict", "Rules"]


@dataclass(frozen=True)
class Rule:
    """Design rules of one layer (um); ``None`` means not checked."""

    layer: str
    min_width: float | None = None
    min_spacing: float | None = None
    min_bend_radius: float | None = None
    nominal_width: float | None = None

    def __post_init__(self) -> None:
        get_layer(self.layer)
        for f in ("min_width", "min_spacing", "min_bend_radius", "nominal_width"):
            v = getattr(self, f)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                  or not v > 0 or not v <= MAX_RULE_UM):
                raise LayoutError(f"rule {f} of layer {self.layer!r} must be a number in (0, {MAX_RULE_UM:g}] um, "
                                  f"got {v!r}")
        if self.min_bend_radius is not None and self.nominal_width is None:
            raise LayoutError(f"layer {self.layer!r}: a min_bend_radius rule needs the nominal_width")

    @property
    def min_edge_radius(self) -> float | None:
        """Smallest allowed radius of a curved polygon edge (um)."""
        if self.min_bend_radius is None:
            return None
        return self.min_bend_radius - self.nominal_width / 2


#: largest rule value (um): 10 cm, beyond any reticle
MAX_RULE_UM = 1e5

#: layer name -> Rule
Rules = Mapping[str, Rule]

DEFAULT_RULES: Rules = MappingProxyType({
    r.layer: r
    for r in (
        Rule("WG", min_width=0.15, min_spacing=0.15, min_bend_radius=5.0, nominal_width=0.5),
        Rule("HEATER", min_width=1.0, min_spacing=2.0),
        Rule("VIA1", min_width=1.0, min_spacing=1.0),
        Rule("M2", min_width=2.0, min_spacing=3.0),
        Rule("VIA2", min_width=1.0, min_spacing=1.0),
        Rule("MTOP", min_width=10.0, min_spacing=10.0),
        Rule("PADOPEN", min_width=10.0, min_spacing=10.0),
    )
})

_RULE_KEYS = tuple(f.name for f in fields(Rule) if f.name != "layer")


def rules_from_dict(doc: Mapping[str, Any] | None, base: Rules = DEFAULT_RULES) -> Rules:
    """Rules updated from ``{layer: {min_width: .., min_spacing: .., ...}}``.

    Unknown layers or keys raise :class:`LayoutError` naming the valid ones;
    a value of ``null`` switches a check off.
    """
    out = dict(base)
    if doc is not None and not isinstance(doc, Mapping):
        raise LayoutError(f"rules must be a mapping of layer names ({', '.join(LAYERS)}) to rules, "
                          f"got {type(doc).__name__}")
    for name, values in (doc or {}).items():
        if name not in LAYERS:
            raise LayoutError(f"rules: unknown layer {name!r}; valid layers: {', '.join(LAYERS)}")
        if not isinstance(values, Mapping):
            raise LayoutError(f"rules of layer {name!r} must be a mapping of {', '.join(_RULE_KEYS)}")
        bad = [k for k in values if k not in _RULE_KEYS]
        if bad:
            raise LayoutError(f"rules of layer {name!r}: unknown key {bad[0]!r}; valid: {', '.join(_RULE_KEYS)}")
        out[name] = replace(out.get(name, Rule(name)), **dict(values))
    return MappingProxyType(out)
