"""The ideal model behind the chip interface: the netlist with no imperfections."""

from __future__ import annotations

import numpy as np

from ..netlist import Netlist
from ..schedule import Settings
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
        self._settings = self.schedule.settings()

    def program(self, settings: Settings) -> None:
        for (comp, k), v in check_program(settings, self._settings).items():
            self._settings[comp][k] = v

    def settings(self) -> Settings:
        """Current settings (a copy). The ideal model has nothing to hide."""
        return {c: {k: v.copy() for k, v in d.items()} for c, d in self._settings.items()}

    def matrix(self) -> np.ndarray:
        return self.circuit.matrix(self._settings)

    def run(self, x: np.ndarray) -> np.ndarray:
        self._count(x)
        return self.circuit.propagate(x, self._settings)

    def intensities(self, x: np.ndarray) -> np.ndarray:
        return np.abs(self.run(x)) ** 2

    def monitors(self, x: np.ndarray, *, read: str = "all") -> tuple[np.ndarray, Taps]:
        self._count(x)
        return self.circuit.taps(x, self._settings, read=read)

    def advance(self, dt_s: float) -> None:
        self._tick(dt_s)
