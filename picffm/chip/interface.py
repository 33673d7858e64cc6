"""The chip protocol (DESIGN section 5): a measurement-only interface.

A trainer can, and can only:

* read the chip's *design* (``netlist``, ``schedule``: what was drawn, not
  what was fabricated) and its size ``n_modes``;
* ``program(settings)``: set the programmable settings (heater phases and
  attenuators, see :data:`PROGRAMMABLE`);
* ``run(x)``: send a batch of input fields and read the output fields by
  coherent detection (complex amplitudes against the laser as phase
  reference, with the chip's detector noise); ``intensities(x)`` reads
  ``|y|**2`` with direct detection instead;
* ``monitors(x, read="all")``: same as ``run`` but also read the monitor taps
  at every MZI phase shifter (:class:`picffm.simulation.Taps`), if
  ``has_monitors``; ``read="gradient"`` reads only those the phase gradient
  uses;
* ``advance(dt_s)``: let time pass (drift);
* read ``passes`` (input vectors sent so far; one vector through the chip is
  one optical pass, whatever the call) and ``time_s``.

Nothing else: a chip never exposes its true couplers, phase errors or drift
state. A real instrument driver could implement the same protocol.
"""

from __future__ import annotations

from typing import Mapping, Protocol, runtime_checkable

import numpy as np

from ..errors import ParamsError
from ..netlist import Netlist
from ..schedule import Schedule, Settings
from ..simulation import Taps

__all__ = ["Chip", "PROGRAMMABLE", "programmable_settings", "check_program", "PassCounter"]

#: Settings a user can program on a chip, per component (phases in rad).
#: Everything else (coupling ratios, losses, mirror flags) is fabrication.
PROGRAMMABLE: Mapping[str, tuple[str, ...]] = {
    "mzi": ("theta", "phi"),
    "phase_shifter": ("phi",),
    "attenuator": ("theta", "psi"),
}


def programmable_settings(schedule: Schedule, settings: Settings) -> Settings:
    """The programmable part of a settings set (copies)."""
    return {
        comp: {k: np.array(settings[comp][k], dtype=float) for k in PROGRAMMABLE[comp]}
        for comp in schedule.names
        if comp in PROGRAMMABLE
    }


def check_program(settings: Settings, current: Settings) -> dict[tuple[str, str], np.ndarray]:
    """Validate a ``program()`` request against a chip's current settings.

    Returns ``{(component, setting): array}`` (copies) only if every entry is
    a programmable setting of an element the chip has, with the right length
    and finite values, so a chip can apply the request all at once or not at
    all. Raises :class:`~picffm.errors.ParamsError` naming the entry.
    """
    checked = {}
    for comp, values in settings.items():
        allowed = PROGRAMMABLE.get(comp, ())
        if comp not in current:
            raise ParamsError(f"this chip has no {comp!r} elements; it has {', '.join(current)}")
        for k, v in values.items():
            if k not in allowed:
                raise ParamsError(f"{comp}.{k} is not programmable; programmable: {', '.join(allowed) or 'none'}")
            v = np.array(v, dtype=float)
            if v.shape != current[comp][k].shape:
                raise ParamsError(f"{comp}.{k}: expected {current[comp][k].shape[0]} values, got {v.shape}")
            if not np.all(np.isfinite(v)):
                raise ParamsError(f"{comp}.{k}: values must be finite")
            checked[(comp, k)] = v
    return checked


class PassCounter:
    """The optical-pass counter and clock every chip implementation keeps."""

    _passes: int = 0
    _time: float = 0.0

    @property
    def passes(self) -> int:
        """Input vectors sent through the chip so far."""
        return self._passes

    @property
    def time_s(self) -> float:
        """Chip clock in seconds."""
        return self._time

    def _count(self, x) -> None:
        """Count the passes of an input batch (N,) or (N, B)."""
        x = np.asarray(x)
        self._passes += 1 if x.ndim == 1 else x.shape[1]

    def _tick(self, dt_s: float) -> None:
        if not dt_s >= 0:
            raise ParamsError(f"time step must be >= 0 s, got {dt_s}")
        self._time += float(dt_s)


@runtime_checkable
class Chip(Protocol):
    """What a trainer may touch. See the module docstring."""

    netlist: Netlist
    schedule: Schedule
    n_modes: int
    has_monitors: bool

    def program(self, settings: Settings) -> None:
        """Set programmable settings: component -> setting -> array (rad)."""

    def run(self, x: np.ndarray) -> np.ndarray:
        """Output fields (N, B) measured by coherent detection for inputs (N, B)."""

    def intensities(self, x: np.ndarray) -> np.ndarray:
        """Output powers |y|^2 (N, B) by direct detection."""

    def monitors(self, x: np.ndarray, *, read: str = "all") -> tuple[np.ndarray, Taps]:
        """Output fields and monitor-tap fields at the MZI phase shifters.

        ``read="gradient"`` reads only the taps the tied-pair phase gradient
        uses (see :meth:`picffm.simulation.Circuit.taps`).
        """

    def advance(self, dt_s: float) -> None:
        """Let ``dt_s`` seconds pass (drift evolves)."""

    @property
    def passes(self) -> int:
        """Input vectors sent through the chip so far."""

    @property
    def time_s(self) -> float:
        """Chip clock in seconds."""
