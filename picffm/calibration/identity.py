"""Which chip a twin was measured on: its identity record, and rebuilding a simulated chip from it.

A twin file records ``chip``: for a simulated chip
``{"kind": "simulated", "spec": label, "spec_values": {...}, "seed": S}``,
the spec's full values (so a spec file need not be kept) and the seed whose
first child stream (``default_rng(S).spawn(2)[0]``) fabricated it; the
second child drives the calibration's random probe settings. The same
record rebuilds the same chip (same fabrication) for ``picffm program
--twin``. Any other chip has an identity its driver chooses, or none.
"""

from __future__ import annotations

import numpy as np

from ..chip.simulated import SimulatedChip
from ..chip.spec import ChipSpec, spec_from_dict
from ..errors import CalibrationError, SpecError
from ..netlist import Netlist

__all__ = ["simulated_identity", "simulated_streams", "chip_from_identity"]


def simulated_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """``(fabrication stream, calibration stream)`` of a simulated chip made from ``seed``."""
    chip_rng, cal_rng = np.random.default_rng(seed).spawn(2)
    return chip_rng, cal_rng


def simulated_identity(label: str, spec: ChipSpec, seed: int) -> dict:
    """The identity record of a simulated chip built with :func:`simulated_streams` from ``seed``."""
    return {"kind": "simulated", "spec": str(label), "spec_values": spec.to_dict(), "seed": int(seed)}


def chip_from_identity(identity: dict, netlist: Netlist, source: str = "twin") -> SimulatedChip:
    """Rebuild the simulated chip an identity record names (same fabrication); one-line errors otherwise."""
    if not isinstance(identity, dict) or identity.get("kind") != "simulated":
        raise CalibrationError(f"{source}: the twin was not measured on a simulated chip picffm can rebuild "
                               f"(chip kind {_kind(identity)}; picffm rebuilds 'simulated' chips); program "
                               "that chip through its own driver")
    seed = identity.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise CalibrationError(f"{source}: chip seed {seed!r} is not an integer in 0 .. 2**63 - 1")
    try:
        spec = spec_from_dict(identity.get("spec_values"), source=f"{source} (chip.spec_values)",
                              name=str(identity.get("spec", "custom")))
    except SpecError as exc:
        raise CalibrationError(str(exc)) from None
    return SimulatedChip(netlist, spec, simulated_streams(seed)[0])


def _kind(identity) -> str:
    """The ``kind`` of a chip record, shortened for a message."""
    if not isinstance(identity, dict):
        return f"unknown: the record is a {type(identity).__name__}, not a mapping"
    kind = repr(identity.get("kind"))
    return kind if len(kind) <= 40 else kind[:37] + "..."
