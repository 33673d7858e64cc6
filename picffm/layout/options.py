"""Geometry parameters of a layout (all lengths in um), checked against the rules.

One :class:`LayoutOptions` fixes the drawing of every cell: the waveguide
width, the mode pitch of the mesh, the directional couplers (gap, bend radius,
the cross-over length that maps a coupler's ``kappa`` to its coupling length),
the heaters and their pads, the gap between columns, and the grating couplers
at the fibre-array pitch. :func:`check_options` rejects geometry that cannot
be drawn or would break a design rule, naming the option and what is valid.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Mapping

from ..errors import LayoutError
from .rules import DEFAULT_RULES, Rules

__all__ = ["LayoutOptions", "check_options", "options_from_dict", "leads_between_pads"]


@dataclass(frozen=True)
class LayoutOptions:
    """Drawing parameters (um unless stated).

    Attributes:
        wg_width: waveguide width.
        pitch: distance between neighbouring modes of the mesh (y).
        gap: directional-coupler gap (edge to edge) in the coupling section.
        crossover_length: coupling length that transfers all power at this gap;
            a coupler of power coupling kappa gets the coupling length
            ``crossover_length * 2/pi * asin(sqrt(kappa))`` (coupled-mode
            theory, ignoring the coupling in the S-bends: calibrate it).
        bend_radius: radius of every waveguide arc (S-bends, fan-in/out).
        max_bend_angle_deg: S-bends turn at most this much, then run straight.
        heater_length, heater_width: thermo-optic heater over the waveguide.
        heater_margin: straight waveguide before and after each heater.
        contact: side of the metal contact square at each heater end.
        lead_width, lead_spacing: width of the M2 leads from the heater
            contacts to their pads, and the space between two leads.
        pad: side of each (square) bond pad; two pads per heater, in rows
            along the top and bottom chip edges.
        pad_pitch: centre-to-centre distance of neighbouring pads in a row
            (and of neighbouring rows): 100 um, a common wire-bond and
            probe-card pitch.
        pad_rows: at most this many pad rows along each edge; leads to the
            outer rows pass between the pads of the inner ones (between two
            pads of a row fit ``(pad_pitch - pad - lead_spacing) //
            (lead_width + lead_spacing)`` leads).
        pad_inset: the pad opening (PADOPEN) sits this far inside the pad metal.
        via_enclosure: each via (VIA1 in a heater contact, VIA2 in a pad)
            sits this far inside the metal around it.
        attenuator_offset: distance from an attenuator's waveguide to its
            second (terminated) MZI arm.
        terminator_length, terminator_tip: taper that ends an unused port.
        column_gap: routed straight waveguide between two columns.
        fiber_pitch: grating-coupler pitch of the fibre array (127 um).
        gc_period, gc_fill, gc_teeth, gc_taper_length, gc_half_angle_deg:
            focusing grating coupler (full etch) at each chip port.
        margin: chip outline distance from the drawn geometry.
        arc_tolerance: largest distance of an arc's chords from the true arc.
    """

    wg_width: float = 0.5
    pitch: float = 40.0
    gap: float = 0.2
    crossover_length: float = 20.0
    bend_radius: float = 10.0
    max_bend_angle_deg: float = 45.0
    heater_length: float = 50.0
    heater_width: float = 2.0
    heater_margin: float = 5.0
    contact: float = 4.0
    lead_width: float = 3.0
    lead_spacing: float = 3.0
    pad: float = 60.0
    pad_pitch: float = 100.0
    pad_rows: int = 6
    pad_inset: float = 1.0
    via_enclosure: float = 1.0
    attenuator_offset: float = 10.0
    terminator_length: float = 10.0
    terminator_tip: float = 0.2
    column_gap: float = 20.0
    fiber_pitch: float = 127.0
    gc_period: float = 0.63
    gc_fill: float = 0.5
    gc_teeth: int = 20
    gc_taper_length: float = 15.0
    gc_half_angle_deg: float = 20.0
    margin: float = 50.0
    arc_tolerance: float = 1e-3

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_NAMES = tuple(f.name for f in fields(LayoutOptions))
_INTEGERS = ("gc_teeth", "pad_rows")

#: largest length option (um): 10 cm, beyond any reticle (26 x 33 mm)
MAX_LENGTH_UM = 1e5
#: option -> (lowest, highest) where the generic (0, MAX_LENGTH_UM] does not apply
RANGES = {
    "gc_teeth": (1, 1000),
    "pad_rows": (1, 100),
    # a tenth of the 1 nm GDS grid at the fine end: finer chords only multiply the vertices
    "arc_tolerance": (1e-4, 1.0),
    "max_bend_angle_deg": (0.0, 90.0),
    "gc_half_angle_deg": (0.0, 60.0),
    "gc_fill": (0.0, 1.0),
}


def options_from_dict(doc: Mapping[str, Any] | None, base: LayoutOptions | None = None) -> LayoutOptions:
    """Options updated from a mapping; unknown keys and non-numbers raise LayoutError."""
    base = base or LayoutOptions()
    doc = dict(doc or {})
    bad = [k for k in doc if k not in _NAMES]
    if bad:
        raise LayoutError(f"unknown layout option {bad[0]!r}; valid options: {', '.join(_NAMES)}")
    for k, v in doc.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not _finite(v):
            raise LayoutError(f"layout option {k!r} must be a finite number (um), got {_show(v)}")
        if k in _INTEGERS:
            if v != int(v):
                raise LayoutError(f"layout option {k!r} must be an integer, got {v!r}")
            doc[k] = int(v)
        else:
            doc[k] = float(v)
    return replace(base, **doc)


def _finite(v) -> bool:
    try:
        return math.isfinite(v)
    except OverflowError:  # an integer beyond the float range
        return False


def _show(v) -> str:
    text = repr(v)
    return text if len(text) <= 40 else f"{text[:12]}... ({len(text)} characters)"


def leads_between_pads(o: LayoutOptions) -> int:
    """How many M2 leads fit between two neighbouring pads of a row (a lead-spacing clearance to each pad)."""
    return int((o.pad_pitch - o.pad - o.lead_spacing + 1e-9) // (o.lead_width + o.lead_spacing))


def check_options(o: LayoutOptions, rules: Rules = DEFAULT_RULES) -> None:
    """Raise :class:`LayoutError` if the options cannot be drawn within the rules."""
    default = LayoutOptions()
    for name in _NAMES:
        v = getattr(o, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not _finite(v) or v <= 0:
            raise LayoutError(f"layout option {name} = {_show(v)} is impossible: valid values are numbers > 0 "
                              f"(default {getattr(default, name)!r})")
        low, high = RANGES.get(name, (0.0, MAX_LENGTH_UM))
        if not low <= v <= high:
            unit = "" if name in _INTEGERS + ("gc_fill",) else (" deg" if name.endswith("_deg") else " um")
            raise LayoutError(f"layout option {name} = {v:g}{unit} is beyond the limit: valid {low:g} .. {high:g}"
                              f"{unit} (default {getattr(default, name)!r})")

    def need(cond: bool, msg: str) -> None:
        if not cond:
            raise LayoutError(msg)

    wg, ht, m1, pad = (rules.get(k) for k in ("WG", "HEATER", "M2", "PADOPEN"))
    for via, side in (("VIA1", o.contact), ("VIA2", o.pad)):
        vr = rules.get(via)
        if vr is not None and vr.min_width is not None:
            need_w = side - 2 * o.via_enclosure
            if need_w < vr.min_width:
                raise LayoutError(f"{via} = {'contact' if via == 'VIA1' else 'pad'} - 2 via_enclosure = {need_w:g} um "
                                  f"is below the {via} minimum width {vr.min_width:g} um")
    if wg is not None:
        if wg.min_width is not None:
            need(o.wg_width >= wg.min_width, f"wg_width = {o.wg_width:g} um is below the WG minimum width "
                 f"{wg.min_width:g} um; valid: >= {wg.min_width:g}")
            need(o.terminator_tip >= wg.min_width, f"terminator_tip = {o.terminator_tip:g} um is below the WG "
                 f"minimum width {wg.min_width:g} um; valid: >= {wg.min_width:g}")
        if wg.min_spacing is not None:
            need(o.gap >= wg.min_spacing, f"coupler gap = {o.gap:g} um is below the WG minimum spacing "
                 f"{wg.min_spacing:g} um; valid: gap >= {wg.min_spacing:g}")
            sp = o.gc_period * (1 - o.gc_fill)
            need(sp >= wg.min_spacing and o.gc_period * o.gc_fill >= (wg.min_width or 0),
                 f"grating teeth {o.gc_period * o.gc_fill:g} um wide, {sp:g} um apart break the WG rules; "
                 "change gc_period or gc_fill")
        if wg.min_bend_radius is not None:
            need(o.bend_radius >= wg.min_bend_radius, f"bend_radius = {o.bend_radius:g} um is below the WG "
                 f"minimum bend radius {wg.min_bend_radius:g} um; valid: >= {wg.min_bend_radius:g}")
    need(o.max_bend_angle_deg <= 90, f"max_bend_angle_deg = {o.max_bend_angle_deg:g}: valid: (0, 90]")
    need(o.gc_fill < 1, f"gc_fill = {o.gc_fill:g}: valid: (0, 1)")
    need(o.gc_half_angle_deg < 60, f"gc_half_angle_deg = {o.gc_half_angle_deg:g}: valid: (0, 60)")
    need(o.terminator_tip < o.wg_width, f"terminator_tip = {o.terminator_tip:g} um must be narrower than "
         f"the waveguide ({o.wg_width:g} um)")
    # couplers: the arms must come together from the pitch down to the gap
    need(o.pitch > o.gap + o.wg_width, f"pitch = {o.pitch:g} um leaves no room for the coupler S-bends "
         f"(gap {o.gap:g} + width {o.wg_width:g}); valid: pitch > {o.gap + o.wg_width:g}")
    need(o.attenuator_offset > o.gap + o.wg_width, f"attenuator_offset = {o.attenuator_offset:g} um must "
         f"exceed gap + width = {o.gap + o.wg_width:g} um")
    # heaters, leads and pads
    if ht is not None and ht.min_width is not None:
        need(o.heater_width >= ht.min_width, f"heater_width = {o.heater_width:g} um is below the HEATER "
             f"minimum width {ht.min_width:g} um")
    if m1 is not None and m1.min_width is not None:
        need(o.lead_width >= m1.min_width, f"lead_width = {o.lead_width:g} um is below the M2 minimum width "
             f"{m1.min_width:g} um")
    need(o.heater_width < o.contact and o.lead_width <= o.contact <= o.pad,
         f"need heater_width < contact, lead_width <= contact <= pad; got heater_width {o.heater_width:g}, "
         f"lead_width {o.lead_width:g}, contact {o.contact:g}, pad {o.pad:g} um")
    if pad is not None and pad.min_width is not None:
        need(o.pad - 2 * o.pad_inset >= pad.min_width, f"pad opening = pad - 2 pad_inset = "
             f"{o.pad - 2 * o.pad_inset:g} um is below the PADOPEN minimum width {pad.min_width:g} um")
    if m1 is not None and m1.min_spacing is not None:
        need(o.lead_spacing >= m1.min_spacing, f"lead_spacing = {o.lead_spacing:g} um is below the M2 minimum "
             f"spacing {m1.min_spacing:g} um; valid: >= {m1.min_spacing:g}")
    pad_sp = max(pad.min_spacing if pad and pad.min_spacing else 0,
                 (mt.min_spacing if (mt := rules.get("MTOP")) and mt.min_spacing else 0))
    need(o.pad_pitch - o.pad >= max(pad_sp, o.lead_width + 2 * o.lead_spacing),
         f"pad_pitch = {o.pad_pitch:g} um leaves {o.pad_pitch - o.pad:g} um between {o.pad:g} um pads; valid: "
         f"pad_pitch >= pad + {max(pad_sp, o.lead_width + 2 * o.lead_spacing):g}")
    fit = leads_between_pads(o)
    need(o.pad_rows <= fit + 1, f"pad_rows = {o.pad_rows} needs {o.pad_rows - 1} leads between two pads, but "
         f"{o.pad_pitch - o.pad:g} um between pads holds {fit}; valid: pad_rows <= {fit + 1} (or a wider "
         "pad_pitch, a smaller pad)")
    need(o.heater_length >= 2 * o.contact + o.lead_spacing, f"heater_length = {o.heater_length:g} um is too short "
         f"for its two {o.contact:g} um contacts; valid: >= {2 * o.contact + o.lead_spacing:g}")
    depth = o.contact / 2 + 4 * (o.lead_width + o.lead_spacing)  # four leads (two heaters) below a mode
    room = min(o.pitch - o.contact / 2, o.pitch - o.attenuator_offset - o.wg_width / 2) - o.lead_spacing
    need(depth <= room, f"pitch = {o.pitch:g} um cannot hold four heater leads ({depth:g} um) below a mode; "
         f"valid: pitch >= {depth + o.lead_spacing + max(o.contact / 2, o.attenuator_offset + o.wg_width / 2):g}")
    # chip ports
    gc_w = 2 * (o.gc_taper_length + o.gc_teeth * o.gc_period) * math.sin(math.radians(o.gc_half_angle_deg))
    need(o.fiber_pitch >= gc_w + o.column_gap, f"fiber_pitch = {o.fiber_pitch:g} um is narrower than a grating "
         f"coupler ({gc_w:.3g} um) plus {o.column_gap:g} um")
