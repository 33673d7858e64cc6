"""Chips: what a trainer may touch (program, send light, read detectors, wait).

:class:`~picffm.chip.interface.Chip` is the protocol; :class:`IdealChip` is the
ideal model behind it.
"""

from .interface import PROGRAMMABLE, Chip, programmable_settings
from .ideal import IdealChip

__all__ = ["Chip", "IdealChip", "PROGRAMMABLE", "programmable_settings"]
