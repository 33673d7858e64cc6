"""Free-space fully forward mode: diffractive networks and focusing through scattering media.

Beside the integrated (MZI-mesh) stack, sharing its conventions (complex
amplitudes, power ``|a|^2``, lengths in um, phases in rad) but none of its
circuit code; the integrated stack never imports this package.

* :mod:`~picffm.freespace.grid`, :mod:`~picffm.freespace.propagation`:
  real-size grids and band-limited angular-spectrum propagation (symmetric
  over pixels, ``P_z^T = P_z``);
* :mod:`~picffm.freespace.devices`: SLMs (pitch, bit depth, fill factor) and
  cameras (quantum efficiency, dark/read noise, full well, bit depth,
  phase-shifting holography);
* :mod:`~picffm.freespace.imperfections`: hidden system errors drawn from an
  explicit generator;
* :mod:`~picffm.freespace.system`: the measurement protocol of a diffractive
  system, its ideal and simulated implementations;
* :mod:`~picffm.freespace.ffm`: mask gradients from forward passes only.
"""

from .devices import AMPLITUDE_SLM, CAMERA, EXACT_CAMERA, PHASE_SLM, SLM, Camera
from .errors import FreespaceError
from .ffm import Readout, detector_masks, ffm_gradients, forward
from .grid import Grid
from .imperfections import NONE, TYPICAL, Imperfections
from .propagation import Propagator
from .system import DiffractiveDesign, DiffractiveSystem, IdealSystem, SimulatedSystem

__all__ = ["Grid", "Propagator", "SLM", "Camera", "PHASE_SLM", "AMPLITUDE_SLM", "CAMERA", "EXACT_CAMERA",
           "Imperfections", "NONE", "TYPICAL", "DiffractiveDesign", "DiffractiveSystem", "IdealSystem",
           "SimulatedSystem", "Readout", "detector_masks", "forward", "ffm_gradients", "FreespaceError"]
