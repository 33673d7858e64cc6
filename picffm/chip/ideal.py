"""The ideal model behind the chip interface: the netlist with no imperfections."""

from __future__ import annotations

import numpy as np

from ..netlist import Netlist
from ..parameters import Params
from ..simulation import Circuit, Taps
from .interface import PassCounter, check_program

__all__ = ["IdealChip"]


class IdealChip(PassCounter):
    """Exact, noiseless, drift-free chip: what in-silico training sees.

    It implements :class:`~picffm.chip.interface.Chip`; on top of the protocol
    it also offers :meth:`matrix` (an ideal model can be read exactly).
    """

    has_monitors = True

    def __init__(self, netlist: Netlist):
        self.netlist = netlist
        self.circuit = Circuit.from_netlist(netlist)
        self.schedule = self.circuit.schedule
        self.n_modes = self.schedule.n_modes
        self._params = self.schedule.params()

    def program(self, params) -> None:
        """Set the programmable settings (rad): :class:`Params`, a parameter file or a mapping."""
        self._params.programmable[:] = check_program(self._params, params)

    def params(self) -> Params:
        """Current values (a copy). The ideal model has nothing to hide."""
        return self._params.copy()

    def matrix(self) -> np.ndarray:
        return self.circuit.matrix(self._params)

    def run(self, x: np.ndarray) -> np.ndarray:
        self._count(x)
        return self.circuit.propagate(x, self._params)

    def intensities(self, x: np.ndarray) -> np.ndarray:
        return np.abs(self.run(x)) ** 2

    def monitors(self, x: np.ndarray, *, read: str = "all") -> tuple[np.ndarray, Taps]:
        self._count(x)
        return self.circuit.taps(x, self._params, read=read)

    def advance(self, dt_s: float) -> None:
        self._tick(dt_s)
