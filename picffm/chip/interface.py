"""The chip protocol (docs/conventions.md §7): a measurement-only interface.

A trainer can, and can only:

* read the chip's *design* (``netlist``, ``schedule``: what was drawn, not
  what was fabricated) and its size ``n_modes``;
* ``program(params)``: set the programmable settings (heater phases and
  attenuator settings: the programmable slice of a
  :class:`~picffm.parameters.Params`), from a ``Params`` of the chip's
  netlist as :func:`picffm.programming.program_matrix` returns it, a
  parameter file, or a mapping ``{instance: {setting: value}}``;
* ``run(x)``: send a batch of input fields and read the output fields by
  coherent detection (complex amplitudes against the laser as phase
  reference, with the chip's detector noise); ``intensities(x)`` reads
  ``|y|**2`` with direct detection instead;
* ``monitors(x, read="all")``: same as ``run`` but also read the monitor taps
  at every MZI phase shifter (:class:`picffm.simulation.Taps`), if
  ``has_monitors``; ``read="gradient"`` reads only those the phase gradient
  uses;
* ``advance(dt_s)``: let time pass (drift);
* optionally, if ``has_backward_light`` (:class:`BackwardLightChip`):
  ``run_backward(v)`` launches fields into the *outputs* and reads what
  reaches the inputs, ``heater_powers(x, backward=...)`` reads the power at
  every heater's monitor point for light sent either way (in-situ
  backpropagation, :mod:`picffm.chip.adjoint`);
* read ``passes`` (input vectors sent so far; one vector through the chip is
  one optical pass, whatever the call), ``time_s`` (the drift clock) and
  ``busy_s`` (the estimated time the chip has spent working).

**Two clocks.** ``time_s`` is the chip's physical clock: it moves only through
``advance(dt_s)``, and drift evolves with it alone. ``busy_s`` is an
*estimate* of the laboratory time the operations so far would take on the
hardware, from the chip's time model (:class:`~picffm.chip.spec.TimingSpec`):
``pass_s`` per optical pass (every call above that sends light, per input
vector) plus ``program_s`` per ``program()`` call (thermal settling). The two
are kept apart on purpose: results never depend on the time model, and a
study that wants the chip to drift while it is measured advances the drift
clock by the busy time explicitly (``chip.advance(chip.busy_s - t0)``).

Nothing else: a chip never exposes its true couplers, phase errors or drift
state. A real instrument driver could implement the same protocol.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol, runtime_checkable

import numpy as np

from ..errors import ParamsError
from ..netlist import Netlist
from ..parameters import Params, as_params
from ..schedule import Schedule
from ..simulation import Taps
from .spec import TimingSpec

__all__ = ["Chip", "BackwardLightChip", "check_program", "PassCounter"]


def check_program(current: Params, request: Any) -> np.ndarray:
    """Validate a ``program()`` request against a chip's programmed :class:`Params`.

    ``request`` is a :class:`Params` of the chip's netlist (its fixed part
    must be the design's: couplers and losses are fabrication, a chip cannot
    set them), a parameter file (path or :class:`~picffm.params.ParamFile`,
    refused if written for another netlist) or a mapping ``{instance:
    {setting: value}}`` of programmable settings (instances not listed keep
    their programmed values). Returns the new programmable vector (a copy)
    only if every entry is valid, so a chip applies a request all at once or
    not at all. Raises :class:`~picffm.errors.ParamsError` naming the entry.
    """
    table = current.table
    if isinstance(request, Params):
        p = as_params(table, request)
        if not np.array_equal(p.fixed, table.defaults[table.n_programmable:]):
            i = table.n_programmable + int(np.argmax(p.fixed != table.defaults[table.n_programmable:]))
            b = next(b for b in table.blocks if b.start <= i < b.stop)
            name = table.by_component[b.component][i - b.start]
            raise ParamsError(f"instance {name!r}: {b.key!r} differs from the design and is not programmable "
                              "(fabrication); a chip takes the programmable settings only")
    elif isinstance(request, Mapping):
        p = current.copy().update(request, programmable_only=True)
    else:
        p = as_params(table, request, programmable_only=True)
    v = p.programmable.copy()
    if not np.all(np.isfinite(v)):
        raise ParamsError("programmed values must be finite")
    return v


class PassCounter:
    """The optical-pass counter, the drift clock and the busy-time estimate every chip implementation keeps.

    ``timing`` (a :class:`~picffm.chip.spec.TimingSpec`) is the time model:
    the defaults, unless the implementation sets its spec's.
    """

    _passes: int = 0
    _time: float = 0.0
    _busy: float = 0.0
    timing: TimingSpec = TimingSpec()

    @property
    def passes(self) -> int:
        """Input vectors sent through the chip so far."""
        return self._passes

    @property
    def time_s(self) -> float:
        """Chip clock in seconds."""
        return self._time

    @property
    def busy_s(self) -> float:
        """Estimated chip time of the work so far (s): ``passes * pass_s + programs * program_s``.

        An estimate from ``timing``, separate from the drift clock :attr:`time_s`.
        """
        return self._busy

    def _count(self, x) -> None:
        """Count the passes of an input batch (N,) or (N, B)."""
        x = np.asarray(x)
        n = 1 if x.ndim == 1 else x.shape[1]
        self._passes += n
        self._busy += n * self.timing.pass_s

    def _programmed(self) -> None:
        """Count one reprogramming (its settling time)."""
        self._busy += self.timing.program_s

    def _tick(self, dt_s: float) -> None:
        if not dt_s >= 0:
            raise ParamsError(f"time step must be >= 0 s, got {dt_s}")
        self._time += float(dt_s)

    def get_state(self) -> dict:
        """What evolves while the chip is used, as plain data (for checkpoints): clock and pass counter.

        Not part of the chip protocol (a real chip cannot be checkpointed);
        the simulated chip adds its drift and detector-noise streams.
        """
        return {"time_s": float(self._time), "passes": int(self._passes), "busy_s": float(self._busy)}

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`get_state` returned (a state without ``busy_s``, from before it existed: 0)."""
        self._time = float(state["time_s"])
        self._passes = int(state["passes"])
        self._busy = float(state.get("busy_s", 0.0))


@runtime_checkable
class Chip(Protocol):
    """What a trainer may touch. See the module docstring."""

    netlist: Netlist
    schedule: Schedule
    n_modes: int
    has_monitors: bool

    def program(self, params: Any) -> None:
        """Set the programmable settings (rad) from Params, a parameter file or a mapping."""

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
        """Chip clock in seconds (the drift clock: moves only through :meth:`advance`)."""

    @property
    def busy_s(self) -> float:
        """Estimated chip time of the passes and reprogrammings so far (s); never moves the drift clock."""


@runtime_checkable
class BackwardLightChip(Chip, Protocol):
    """A chip that can also send light backward (optional capability, ``has_backward_light``).

    Physically it needs: sources (IQ modulators) on the output ports as well
    as on the inputs, coherent receivers on the input ports as well as on
    the outputs, all locked to one laser (a phase-stable reference for both
    directions, so a field read on one side can be re-launched coherently
    on the other), and a power tap with a photodiode just after every heater
    (or a camera imaging light scattered there, as Pai et al. did). The
    backward transfer matrix is the transpose of the forward one
    (reciprocity); the backward transceivers have their own errors.
    """

    has_backward_light: bool

    def run_backward(self, v: np.ndarray) -> np.ndarray:
        """Fields ``(N, B)`` read at the inputs for fields ``v`` launched into the outputs (output order)."""

    def heater_powers(self, x: np.ndarray, *, backward: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Far-side fields ``(N, B)`` and powers ``(n_programmable, B)`` just after every heater."""
