"""Chips used through their calibrated twin: what ``pat`` and ``ffm-twin`` train on.

:func:`calibrate_chips` calibrates every layer's chip once, through the chip
protocol only (:func:`picffm.calibration.calibrate`), from a generator seeded
by the unit's seed, so a resumed unit calibrates to the same twin bit for
bit. Its passes go to the chips' counters like every other pass.

:class:`TwinCorrectedChip` is a chip behind the twin's electronic pre- and
post-correction of its transceivers: every input is divided by the fitted
IQ-modulator factors before it is launched, every read field by the fitted
receiver factors (``twin.encode`` / ``twin.decode``). What a trainer then
sees is, to the calibration's accuracy, the core ``M`` itself, which is
symmetric: the condition for FFM's error pass. It implements the chip
protocol (it counts nothing itself: the passes are the chip's).
"""

from __future__ import annotations

import numpy as np

__all__ = ["calibrate_chips", "twinned_chips", "TwinCorrectedChip", "CALIBRATION"]

#: calibration settings for a training unit (passed to :func:`picffm.calibration.calibrate`)
CALIBRATION: dict = {"settings": 4, "repeats": 2}


def calibrate_chips(chips, seed: int, calibration: dict | None = None) -> list:
    """One twin per chip, calibrated through the protocol (seeded by ``seed``; passes counted by the chips).

    ``calibration``: keyword arguments of :func:`picffm.calibration.calibrate`
    (default :data:`CALIBRATION`, the training units' settings).
    """
    from ..calibration import calibrate

    kw = CALIBRATION if calibration is None else calibration
    rngs = np.random.default_rng(np.random.SeedSequence([int(seed), 0xCA11B])).spawn(len(chips))
    return [calibrate(c, rng=r, **kw) for c, r in zip(chips, rngs)]


def twinned_chips(chips, seed: int, twins=None) -> tuple[list, list, int]:
    """``(twins, corrected chips, calibration passes)`` for a trainer that works through twins.

    ``twins``: one per chip, or ``None`` to calibrate them now (:func:`calibrate_chips`); the
    passes that calibration spent on the chips' counters are returned apart from training's.
    """
    before = sum(c.passes for c in chips)
    twins = list(twins) if twins is not None else calibrate_chips(chips, seed)
    passes = sum(c.passes for c in chips) - before
    return twins, [TwinCorrectedChip(c, t) for c, t in zip(chips, twins)], passes


class TwinCorrectedChip:
    """``chip`` read through ``twin``'s transceiver correction (see module docstring).

    ``reveal()`` is evaluation-only, as on the chip: the truth of the
    corrected system (the chip's static factors divided by the twin's).
    """

    def __init__(self, chip, twin):
        self.chip = chip
        self.twin = twin
        self.netlist = chip.netlist
        self.schedule = chip.schedule
        self.n_modes = chip.n_modes
        self.has_monitors = False

    def program(self, params) -> None:
        self.chip.program(params)

    def run(self, x: np.ndarray) -> np.ndarray:
        return self.twin.decode(self.chip.run(self.twin.encode(x)))

    def intensities(self, x: np.ndarray) -> np.ndarray:
        return self.chip.intensities(self.twin.encode(x)) / np.abs(self.twin.output_factor[:, None]) ** 2

    def monitors(self, x, *, read: str = "all"):
        raise NotImplementedError("monitors are not read through a twin's correction")

    def advance(self, dt_s: float) -> None:
        self.chip.advance(dt_s)

    @property
    def passes(self) -> int:
        return self.chip.passes

    @property
    def time_s(self) -> float:
        return self.chip.time_s

    @property
    def busy_s(self) -> float:
        return self.chip.busy_s

    def get_state(self) -> dict:
        return self.chip.get_state()

    def set_state(self, state: dict) -> None:
        self.chip.set_state(state)

    def reveal(self):
        """EVALUATION ONLY: the chip's truth with the twin's correction folded into its factors."""
        from dataclasses import replace

        t = self.chip.reveal()
        e = np.ones(self.n_modes, complex) if t.input_factor is None else t.input_factor
        r = np.ones(self.n_modes, complex) if t.output_factor is None else t.output_factor
        return replace(t, input_factor=e / self.twin.input_factor, output_factor=r / self.twin.output_factor)
