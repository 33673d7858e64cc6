"""GDS chip layout of picffm netlists, placed from the same schedule the simulator runs.

Public API::

    layout = build_layout(netlist)             # gdstk library + plan
    write_gds(layout.library, "chip.gds")      # deterministic bytes
    drc = check_drc(layout.library)            # width, spacing, bend radius
    lvs = check_lvs(gdstk.read_gds("chip.gds"), netlist)  # layout vs netlist

A netlist with ``placements`` (any netlist, e.g. a ring) is drawn from them
(:mod:`picffm.layout.explicit`), every other one from its schedule.

See ``docs/layout.md`` for the layer map, the rules and the CLI.
"""

from .build import Layout, build_layout
from .cells import (
    attenuator_cell,
    bend_cell,
    coupler_cell,
    grating_coupler_cell,
    mzi_cell,
    phase_shifter_cell,
    waveguide_cell,
)
from .explicit import plan_placed
from .export import GDS_TIMESTAMP, lyp_path, lyp_text, write_gds, write_lyp, write_png
from .layers import LAYERS, get_layer
from .lengths import LengthReport, check_lengths, drawn_paths
from .options import LayoutOptions, check_options, options_from_dict
from .place import plan_layout
from .plan import LayoutPlan
from .rules import DEFAULT_RULES, Rule, rules_from_dict

__all__ = [
    "DEFAULT_RULES",
    "GDS_TIMESTAMP",
    "LAYERS",
    "Layout",
    "LayoutOptions",
    "LayoutPlan",
    "LengthReport",
    "Rule",
    "attenuator_cell",
    "bend_cell",
    "build_layout",
    "check_options",
    "coupler_cell",
    "check_lengths",
    "drawn_paths",
    "get_layer",
    "grating_coupler_cell",
    "lyp_path",
    "lyp_text",
    "mzi_cell",
    "options_from_dict",
    "phase_shifter_cell",
    "plan_layout",
    "plan_placed",
    "rules_from_dict",
    "waveguide_cell",
    "write_gds",
    "write_lyp",
    "write_png",
]
