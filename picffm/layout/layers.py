"""The layer map: one table, layer name -> GDS (layer, datatype).

Numbers follow gdsfactory's generic PDK, so a picffm GDS opens with the usual
colours in a gdsfactory/KLayout setup:

========== ======== ==================================================
name       (l, d)   what is drawn
========== ======== ==================================================
WG         (1, 0)   silicon waveguide core (220 nm SOI, full etch)
PORT       (1, 10)  port markers: one label per cell port, text = port
                    name (o1..o4), rotation = direction light leaves by
HEATER     (47, 0)  thermo-optic heater (TiN) over a waveguide
M1         (41, 0)  metal routing from the heater ends to the pads
PAD        (49, 0)  bond-pad opening in the passivation
FLOORPLAN  (64, 0)  chip outline
TEXT       (66, 0)  labels: instance names, chip I/O port names
========== ======== ==================================================

Colours are used by the KLayout layer-properties file and the PNG preview.
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
        Layer("M1", 41, 0, "metal routing to the pads", "#9a9a9a"),
        Layer("PAD", 49, 0, "bond-pad opening", "#c0392b"),
        Layer("FLOORPLAN", 64, 0, "chip outline", "#444444", fill=False),
        Layer("TEXT", 66, 0, "instance and port name labels", "#000000", fill=False),
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
