"""Registry of the components a netlist may use.

Each component declares its ports, its settings (type, default, allowed range,
unit) and its model function from :mod:`picffm.models`. Netlist validation,
the compiler, the parameter files and the layout all read this one table.

Port conventions (gdsfactory names):

* two-mode elements (``coupler``, ``mzi``) on a mode pair ``(m, m+1)``:
  ``o1`` input of mode ``m`` (row 0), ``o2`` input of mode ``m+1`` (row 1),
  ``o3`` output of mode ``m+1``, ``o4`` output of mode ``m``;
* single-mode elements (``phase_shifter``, ``waveguide``, ``attenuator``):
  ``o1`` input, ``o2`` output;
* ``splitter``: ``o1`` input, ``o2``, ``o3`` outputs (gdsfactory's ``mmi1x2``);
  ``combiner``, the same device used backwards: ``o2``, ``o3`` in, ``o1`` out.
  Both go through the general route (they change the number of modes);
* ``terminator``: one port ``o1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import models

__all__ = ["Setting", "Component", "COMPONENTS", "get_component"]


@dataclass(frozen=True)
class Setting:
    """One setting of a component: type, default, inclusive range and unit."""

    name: str
    type: type
    default: float | bool
    low: float = -math.inf
    high: float = math.inf
    unit: str = ""
    doc: str = ""
    programmable: bool = False

    def describe(self) -> str:
        rng = "" if self.type is bool else f" in [{self.low:g}, {self.high:g}]"
        return f"{self.name} ({self.type.__name__}{rng}{', ' + self.unit if self.unit else ''})"

    def check(self, value):
        """``value`` as this setting's type, or ``ValueError`` with the reason (no location).

        The one check of a setting value, used by netlists, parameter sets and
        chips: a boolean setting takes ``True``/``False`` only; a number
        setting takes a finite real number (not a boolean) in
        ``[low, high]``, returned as a float.
        """
        if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
            value = value.item()
        if self.type is bool:
            if not isinstance(value, bool):
                raise ValueError(f"setting {self.name!r} must be true or false, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"setting {self.name!r} must be a number ({self.unit or 'no unit'}), got {value!r}")
        try:
            f = float(value)
        except OverflowError:  # an integer beyond float range
            f = math.inf if value > 0 else -math.inf
        if not math.isfinite(f) or not self.low <= f <= self.high:
            raise ValueError(f"setting {self.name!r} = {f!r} is out of range; valid: {self.describe()}")
        return f


@dataclass(frozen=True)
class Component:
    """A registered component: its ports, settings and model."""

    name: str
    ports: tuple[str, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    settings: tuple[Setting, ...]
    model: Callable
    doc: str = ""

    @property
    def n_modes(self) -> int:
        """Modes the element spans in a feed-forward schedule (0 for terminators)."""
        return len(self.inputs)

    @property
    def setting_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.settings)

    def setting(self, name: str) -> Setting:
        for s in self.settings:
            if s.name == name:
                return s
        raise KeyError(name)

    def defaults(self) -> dict:
        return {s.name: s.default for s in self.settings}


_PHASE = dict(type=float, low=-1e4, high=1e4, unit="rad", programmable=True)
_KAPPA = dict(type=float, default=0.5, low=0.0, high=1.0, unit="power coupling")
_LOSS = dict(type=float, default=0.0, low=0.0, high=100.0, unit="dB")

_FOUR = ("o1", "o2", "o3", "o4")
_TWO = ("o1", "o2")

COMPONENTS: dict[str, Component] = {
    c.name: c
    for c in (
        Component(
            "coupler", _FOUR, ("o1", "o2"), ("o4", "o3"),
            (Setting("kappa", doc="power coupling ratio at the design wavelength", **_KAPPA),
             Setting("loss_db", doc="excess loss", **_LOSS),
             Setting("gap_um", type=float, default=models.DEFAULT_GAP_UM, low=0.0, high=10.0, unit="um",
                     doc="edge-to-edge gap; sets the dispersion of the coupling (0: achromatic)"),
             Setting("wavelength_um", type=float, default=models.DESIGN_WAVELENGTH_UM, low=0.1, high=20.0,
                     unit="um", doc="design wavelength, where the coupling is kappa")),
            models.coupler, "directional coupler",
        ),
        Component(
            "mzi", _FOUR, ("o1", "o2"), ("o4", "o3"),
            (Setting("theta", default=0.0, doc="internal phase", **_PHASE),
             Setting("phi", default=0.0, doc="external (input-side) phase", **_PHASE),
             Setting("kappa1", doc="input coupler", **_KAPPA),
             Setting("kappa2", doc="output coupler", **_KAPPA),
             Setting("loss_db", doc="insertion loss", **_LOSS),
             Setting("mirror", type=bool, default=False, doc="mirror image (matrix transposed)")),
            models.mzi, "Mach-Zehnder interferometer C(k2) P(theta) C(k1) P(phi)",
        ),
        Component(
            "phase_shifter", _TWO, ("o1",), ("o2",),
            (Setting("phi", default=0.0, doc="phase", **_PHASE),
             Setting("loss_db", doc="insertion loss", **_LOSS)),
            models.phase_shifter, "thermo-optic phase shifter",
        ),
        Component(
            "waveguide", _TWO, ("o1",), ("o2",),
            (Setting("length_um", type=float, default=10.0, low=0.0, high=1e6, unit="um", doc="length"),
             Setting("neff", type=float, default=2.4, low=1.0, high=4.0,
                     doc="effective index at the design wavelength"),
             Setting("loss_db_per_cm", type=float, default=2.0, low=0.0, high=100.0, unit="dB/cm",
                     doc="propagation loss"),
             Setting("wavelength_um", type=float, default=1.55, low=0.1, high=20.0, unit="um",
                     doc="design wavelength, where the effective index is neff"),
             Setting("ng", type=float, default=4.2, low=1.0, high=6.0,
                     doc="group index neff - wl dneff/dwl")),
            models.waveguide, "straight waveguide",
        ),
        Component(
            "attenuator", _TWO, ("o1",), ("o2",),
            (Setting("theta", default=math.pi, doc="MZI internal phase, |t| = |sin(theta/2)|", **_PHASE),
             Setting("psi", default=0.0, doc="output phase", **_PHASE),
             Setting("kappa1", doc="input coupler", **_KAPPA),
             Setting("kappa2", doc="output coupler", **_KAPPA),
             Setting("loss_db", doc="insertion loss", **_LOSS)),
            models.attenuator, "MZI variable attenuator with output phase",
        ),
        Component("splitter", ("o1", "o2", "o3"), ("o1",), ("o2", "o3"),
                  (Setting("loss_db", doc="excess loss", **_LOSS),),
                  models.splitter, "1x2 splitter (Y-branch, 1x2 MMI): o1 -> o2, o3"),
        Component("combiner", ("o1", "o2", "o3"), ("o2", "o3"), ("o1",),
                  (Setting("loss_db", doc="excess loss", **_LOSS),),
                  models.splitter, "2x1 combiner: a splitter used backwards, o2, o3 -> o1"),
        Component("terminator", ("o1",), ("o1",), (), (), models.terminator, "absorbing termination"),
    )
}


def get_component(name: str) -> Component:
    """Look a component up by name; unknown names list the valid ones."""
    try:
        return COMPONENTS[name]
    except KeyError:
        from .errors import NetlistError

        raise NetlistError(
            f"unknown component {name!r}; valid components: {', '.join(sorted(COMPONENTS))}"
        ) from None
