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

import importlib

#: public name -> the module that defines it; loaded on first use, so that a
#: command importing one small module (e.g. the CLI's choices) pays for no other
_PUBLIC = {
    "Grid": "grid", "Propagator": "propagation", "SLM": "devices", "Camera": "devices", "PHASE_SLM": "devices",
    "AMPLITUDE_SLM": "devices", "CAMERA": "devices", "EXACT_CAMERA": "devices", "Imperfections": "imperfections",
    "NONE": "imperfections", "TYPICAL": "imperfections", "DiffractiveDesign": "system",
    "DiffractiveSystem": "system", "IdealSystem": "system", "SimulatedSystem": "system", "Readout": "ffm",
    "detector_masks": "ffm", "forward": "ffm", "ffm_gradients": "ffm", "FreespaceError": "errors",
}
__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module 'picffm.freespace' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
