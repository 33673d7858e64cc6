"""One colour per training method, and the styles of reference lines, for every plot picffm draws.

Plain data (no matplotlib import): training reports, studies and the
free-space runs all colour a method the same way, so a figure can be read
beside another without its legend. Colours are from the colour-blind-safe
Okabe-Ito set (Okabe & Ito, "Color Universal Design", 2008) plus greys.
"""

from __future__ import annotations

__all__ = ["METHOD_COLORS", "method_color", "CHANCE", "REFERENCE", "THRESHOLD", "BAND_ALPHA"]

#: colour of each method (names as in ``picffm train --method`` and the studies)
METHOD_COLORS = {
    "ideal": "#333333",      # ideal model: black-grey, the upper bound
    "insilico": "#D55E00",   # in silico deployed: vermillion
    "ffm": "#0072B2",        # FFM, matrix level: blue
    "ffm-phase": "#009E73",  # FFM, phase level: bluish green
    "spsa": "#CC79A7",       # SPSA: reddish purple
    "fd": "#8C6D31",         # finite differences: brown
    "pat": "#E69F00",        # physics-aware training: orange
    "insitu-bp": "#56B4E9",  # in-situ backpropagation: sky blue
    "ffm-twin": "#00345C",   # FFM reprogrammed through the twin: dark blue, beside ffm's
    "recal": "#6A3D9A",      # in silico + recalibration (drift study): purple
    "pso": "#B15928",        # particle swarm optimisation (free-space focusing): brown
    "random": "#999999",     # random-partition search (free-space focusing): grey
}
_SPARE = ("#1B9E77", "#999933", "#A6761D", "#666666")

#: chance level (1 / classes): grey dotted
CHANCE = {"color": "0.45", "ls": ":", "lw": 1.0}
#: a published or target value: grey dashed
REFERENCE = {"color": "0.35", "ls": "--", "lw": 1.0}
#: a survival threshold: dark red dash-dot
THRESHOLD = {"color": "#8B0000", "ls": "-.", "lw": 1.0}
#: opacity of a band (mean +- std, or min..max) around a mean curve
BAND_ALPHA = 0.18


def method_color(method: str) -> str:
    """The colour of ``method`` (a fixed spare colour for a method not listed, by its name)."""
    if method in METHOD_COLORS:
        return METHOD_COLORS[method]
    return _SPARE[sum(map(ord, method)) % len(_SPARE)]
