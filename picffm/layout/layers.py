"""The layer map: one table, layer name -> GDS (layer, datatype).

Numbers follow gdsfactory's generic PDK (``gdsfactory.gpdk.LAYER``), and so
does the electrical stack (heater and M1 at one level; VIA1 to M2; VIA2 to
M3 = MTOP; PADOPEN over the pads), so a picffm GDS opens with the usual
colours in a gdsfactory/KLayout setup and its pads connect to its heaters
under that stack:

========== ======== ==================================================
name       (l, d)   what is drawn
========== ======== ==================================================
WG         (1, 0)   silicon waveguide core (220 nm SOI, full etch)
PORT       (1, 10)  port markers: one label per cell port, text = port
                    name (o1..o4), rotation = direction light leaves by
HEATER     (47, 0)  thermo-optic heater (TiN) over a waveguide, with a
                    contact square at each end
VIA1       (44, 0)  via from the heater contacts up to M2
M2         (45, 0)  routing metal from the heater contacts to the pads
VIA2       (43, 0)  via from M2 up to the pad metal
MTOP       (49, 0)  pad metal (gdsfactory's M3 / MTOP)
PADOPEN    (46, 0)  bond-pad opening in the passivation
FLOORPLAN  (64, 0)  chip outline
TEXT       (66, 0)  labels: instance names, chip I/O port names
========== ======== ==================================================

Colours are used by the KLayout layer-properties file and the PNG preview;
TEXT is a strong pink (#e91e63), readable on KLayout's dark background and on
white paper alike (contrast about 5:1 against black and 4:1 against white).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from ..errors import LayoutError

__all__ = ["Layer", "LAYERS", "get_layer", "layer_of"]


@dataclass(frozen=True)
class Layer:
    """One layer of the map: GDS numbers, a description and display colours."""

    name: str
    layer: int
    datatype: int
    doc: str
    color: str  # "#rrggbb"
    fill: bool = True

    @property
    def spec(self) -> tuple[int, int]:
        return (self.layer, self.datatype)


LAYERS = MappingProxyType({
    ly.name: ly
    for ly in (
        Layer("WG", 1, 0, "silicon waveguide core (220 nm SOI)", "#1f5fd0"),
        Layer("PORT", 1, 10, "port markers (labels o1..o4, rotation = direction)", "#ff00ff", fill=False),
        Layer("HEATER", 47, 0, "thermo-optic heater over a waveguide", "#e8a33d"),
        Layer("VIA1", 44, 0, "via, heater contact to M2", "#5d3a9b"),
        Layer("M2", 45, 0, "routing metal to the pads", "#9a9a9a"),
        Layer("VIA2", 43, 0, "via, M2 to the pad metal", "#2e7d32"),
        Layer("MTOP", 49, 0, "pad metal", "#c0392b"),
        Layer("PADOPEN", 46, 0, "bond-pad opening in the passivation", "#7b1f1f", fill=False),
        Layer("FLOORPLAN", 64, 0, "chip outline", "#444444", fill=False),
        Layer("TEXT", 66, 0, "instance and port name labels", "#e91e63", fill=False),
    )
})

_BY_SPEC = {ly.spec: ly for ly in LAYERS.values()}


def get_layer(name: str) -> Layer:
    """The layer called ``name``; unknown names raise LayoutError listing the valid ones."""
    try:
        return LAYERS[name]
    except (KeyError, TypeError):
        raise LayoutError(f"unknown layer {name!r}; valid layers: {', '.join(LAYERS)}") from None


def layer_of(layer: int, datatype: int) -> Layer | None:
    """The map entry of GDS numbers ``(layer, datatype)``, or None if not in the map."""
    return _BY_SPEC.get((layer, datatype))
