"""The ideal model behind the chip interface: the design with no imperfections.

:class:`IdealChip` is picffm's one form of "the design, exactly": what
in-silico training trains on, what a digital model of a chip evaluates
before calibration, what matrix-level programming assumes. Build it from a
netlist, or from an already compiled :class:`~picffm.simulation.Circuit` to
share one compilation between many models.
"""

from __future__ import annotations

import numpy as np

from ..netlist import Netlist
from ..parameters import Params
from ..simulation import Circuit, Taps
from .adjoint import heater_fields
from .interface import PassCounter, check_program

__all__ = ["IdealChip"]


class IdealChip(PassCounter):
    """Exact, noiseless, drift-free chip: what in-silico training sees.

    It implements :class:`~picffm.chip.interface.Chip`; on top of the protocol
    it also offers :meth:`matrix` (an ideal model can be read exactly).
    """

    has_monitors = True
    has_backward_light = True

    def __init__(self, design: Netlist | Circuit):
        self.circuit = design if isinstance(design, Circuit) else Circuit.from_netlist(design)
        self.netlist = self.circuit.schedule.netlist
        self.schedule = self.circuit.schedule
        self.n_modes = self.schedule.n_modes
        self._params = self.schedule.params()
        self._matrix: np.ndarray | None = None  # transfer matrix of _params, read-only once computed

    def program(self, params) -> None:
        """Set the programmable settings (rad): :class:`Params`, a parameter file or a mapping.

        Programming the settings already programmed (the same bits) keeps the
        transfer matrix, as :meth:`SimulatedChip.program` does (and, like it,
        counts the call's settling time in :attr:`busy_s`).
        """
        new = check_program(self._params, params)
        self._programmed()
        if new.tobytes() == self._params.programmable.tobytes():
            return
        self._params.programmable[:] = new
        self._matrix = None

    def params(self) -> Params:
        """Current values (a copy). The ideal model has nothing to hide."""
        return self._params.copy()

    def matrix(self, params=None) -> np.ndarray:
        """The exact transfer matrix as programmed, or at ``params`` (programmable settings, as
        :meth:`program` takes them) without changing what is programmed."""
        if params is None:
            return self._realised().copy()
        p = self._params.copy()
        p.programmable[:] = check_program(p, params)
        return self.circuit.matrix(p)

    def run(self, x: np.ndarray) -> np.ndarray:
        self._count(x)
        return self._through(x)

    def intensities(self, x: np.ndarray) -> np.ndarray:
        return np.abs(self.run(x)) ** 2

    def monitors(self, x: np.ndarray, *, read: str = "all") -> tuple[np.ndarray, Taps]:
        self._count(x)
        return self.circuit.taps(x, self._params, read=read)

    def run_backward(self, v: np.ndarray) -> np.ndarray:
        """Fields at the inputs for fields ``v`` launched into the outputs: ``T^T v``."""
        self._count(v)
        return self._through(v, transpose=True)

    def heater_powers(self, x: np.ndarray, *, backward: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Far-side fields and the powers at every heater's monitor point (:mod:`picffm.chip.adjoint`)."""
        self._count(x)
        y, f = heater_fields(self.circuit, self._params, x, backward=backward)
        return y, np.abs(f) ** 2

    def advance(self, dt_s: float) -> None:
        self._tick(dt_s)

    def _through(self, x: np.ndarray, *, transpose: bool = False) -> np.ndarray:
        """``T @ x`` (or ``T.T @ x``) as :meth:`Circuit.propagate` computes it, bit for bit.

        For a batch of at least N vectors that is the matrix then one matmul,
        and the matrix is kept until the next :meth:`program` instead of being
        rebuilt for every pass; smaller batches walk the circuit.
        """
        xb = np.asarray(x)
        if xb.ndim == 2 and xb.shape[0] == self.n_modes and xb.shape[1] >= self.n_modes:
            m = self._realised()
            return (m.T if transpose else m) @ xb
        return self.circuit.propagate(x, self._params, transpose=transpose)

    def _realised(self) -> np.ndarray:
        """The transfer matrix of the programmed settings, computed once per :meth:`program`."""
        if self._matrix is None:
            m = self.circuit.matrix(self._params)
            m.flags.writeable = False
            self._matrix = m
        return self._matrix
