"""Calibration through the chip protocol, the digital twin, and programming through the twin.

* :func:`calibrate` characterises a chip (phase sweeps, crosstalk, attenuators
  through monitor taps; couplers, losses and transceiver factors by a global
  least-squares fit on probe matrices) and returns a :class:`Twin`.
* :class:`Twin`: the design plus fitted values; ``twin.params(programmed)``,
  ``matrix``, ``effective_matrix``, ``propagate``, ``encode``/``decode``,
  ``save``/``load``.
* :func:`program_twin` (error-aware programming on the twin alone) and
  :func:`program_through_twin` (then measured refinement on the chip).

Procedures and their sources: ``docs/calibration.md``.
"""

from .procedure import calibrate, measure_noise_floor
from .programming import TwinProgramResult, measure_corrected, program_through_twin, program_twin
from .twin import TWIN_FORMAT, CalibrationReport, Twin

__all__ = ["calibrate", "measure_noise_floor", "Twin", "CalibrationReport", "TWIN_FORMAT", "program_twin",
           "program_through_twin", "TwinProgramResult", "measure_corrected"]
