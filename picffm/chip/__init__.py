"""Chips: what a trainer may touch (program, send light, read detectors, wait).

:class:`~picffm.chip.interface.Chip` is the protocol; :class:`IdealChip` is the
ideal model behind it; :class:`SimulatedChip` is a fabricated chip with hidden
imperfections described by a :class:`ChipSpec` (presets: :data:`PRESETS`).
``SimulatedChip.reveal()`` is an evaluation-only oracle: trainers must not
call it.
"""

from .interface import Chip
from .ideal import IdealChip
from .spec import ChipSpec, load_spec, save_spec, spec_from_dict
from .presets import PRESETS, preset, resolve_spec
from .simulated import SimulatedChip, TrueState
from .calibration import fidelity, measure_matrix, relative_error, relative_symmetry_error
from .stats import drift_statistics, inspect_chip

__all__ = [
    "Chip",
    "IdealChip",
    "ChipSpec",
    "load_spec",
    "save_spec",
    "spec_from_dict",
    "PRESETS",
    "preset",
    "resolve_spec",
    "SimulatedChip",
    "TrueState",
    "measure_matrix",
    "fidelity",
    "relative_error",
    "relative_symmetry_error",
    "drift_statistics",
    "inspect_chip",
]
