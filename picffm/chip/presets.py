"""Named chip specs: ``ideal``, calibrated ``mild`` / ``typical`` / ``harsh``, ``phase-calibrated``, ``fabricated``.

``mild``, ``typical`` and ``harsh`` model chips **after** a routine
calibration (per-MZI phase calibration, splitting ratios measured and folded
into programming, thermal crosstalk compensated): their values are the
*residual* errors a trainer's model does not know, from best-in-class to a
poorly calibrated chip. ``fabricated`` is the same technology **as
fabricated**, before any calibration (phase offsets effectively random, raw
coupler and heater spreads, raw crosstalk); a calibration procedure starts
from it. ``phase-calibrated`` is the step between the two on the
calibration ladder fabricated -> phase-calibrated -> typical: ``typical``'s
residuals (phases calibrated per MZI, crosstalk compensated, transceivers
calibrated) except the splitting ratios, which were never measured and keep
the ``fabricated`` preset's as-fabricated coupler spread (taken from that
preset's data, not a separate number). :data:`PRESET_STATE` says which state
each preset models. Sources and the reasoning per value are in
``docs/chip.md``; where no measurement is cited a value is an
order-of-magnitude estimate and says so there.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import MappingProxyType

from ..errors import SpecError
from .spec import SPEC_SUFFIXES, ChipSpec, load_spec, spec_from_dict

__all__ = ["PRESETS", "PRESET_STATE", "preset", "preset_names", "resolve_spec"]

_T = "as typical"  # in the fabricated column: the technology's value, which calibration does not change

#: one row per spec field (section.field): (mild, typical, harsh, fabricated); None: not set. The first three
#: are the residuals after calibration; fabricated is the same technology before it: what calibration removes
#: (phase offsets, coupler, heater and transceiver spreads, crosstalk) is raw there, and loss, drift and the
#: detector and modulator noise are the technology's, as in typical
_LADDER = {
    "mirror_asymmetry": (0.05, 0.05, 0.1, 0.1),
    "coupler.kappa_std": (0.002, 0.005, 0.01, 0.03),
    "phase.offset_std_rad": (0.005, 0.01, 0.02, 3.14159),
    "heater.efficiency_std": (0.002, 0.005, 0.01, 0.05),
    "heater.crosstalk_same_column": (0.0005, 0.001, 0.002, 0.03),
    "heater.crosstalk_next_column": (0.00025, 0.0005, 0.001, 0.01),
    "heater.dac_bits": (16, 16, 14, _T),
    "loss.mzi_db": (0.1, 0.2, 0.3, _T),
    "loss.mzi_db_std": (0.02, 0.05, 0.1, _T),
    "loss.phase_shifter_db": (0.02, 0.05, 0.1, _T),
    "loss.phase_shifter_db_std": (0.005, 0.01, 0.03, _T),
    "drift.model": ("ou", "ou", "random_walk", _T),
    "drift.sigma_rad": (1.5e-5, 3e-5, None, _T),
    "drift.tau_s": (600.0, 600.0, None, _T),
    "drift.rate_rad_per_sqrt_s": (None, None, 1e-5, _T),
    "detector.shot": (5e-4, 1e-3, 3e-3, _T),
    "detector.thermal": (5e-5, 1e-4, 3e-4, _T),
    "detector.adc_bits": (14, 12, 10, _T),
    "detector.phase_offset_std_rad": (0.005, 0.01, 0.02, 1.0),
    "detector.phase_noise_rad": (0.002, 0.005, 0.01, _T),
    "modulator.gain_std": (0.005, 0.01, 0.02, 0.1),
    "modulator.phase_std_rad": (0.005, 0.01, 0.02, 0.3),
    "modulator.noise": (0.001, 0.003, 0.005, _T),
}


def _column(i: int) -> dict:
    """Column ``i`` of :data:`_LADDER` as the spec document ``{"section": {"field": v}}`` (None left out)."""
    doc: dict = {}
    for key, row in _LADDER.items():
        value = row[1] if row[i] is _T else row[i]
        if value is None:
            continue
        section, _, name = key.rpartition(".")
        (doc.setdefault(section, {}) if section else doc)[name] = value
    return doc


_MILD, _TYPICAL, _HARSH, _FABRICATED = (_column(i) for i in range(4))

_PRESET_DATA = {
    "ideal": {},
    "mild": _MILD,
    "typical": _TYPICAL,
    "harsh": _HARSH,
    # calibrated per MZI (phases, heaters, crosstalk, transceivers), splitting ratios never measured:
    # typical's residuals with the as-fabricated coupler spread
    "phase-calibrated": {**_TYPICAL, "coupler": dict(_FABRICATED["coupler"])},
    "fabricated": _FABRICATED,
}

#: preset name -> the state it models: "ideal", "calibrated", "calibrated, phases only" or "as fabricated"
PRESET_STATE: MappingProxyType = MappingProxyType({
    "ideal": "ideal", "mild": "calibrated", "typical": "calibrated", "harsh": "calibrated",
    "phase-calibrated": "calibrated, phases only", "fabricated": "as fabricated",
})

#: preset name -> ChipSpec (read-only)
PRESETS: MappingProxyType = MappingProxyType(
    {name: spec_from_dict(doc, name=name) for name, doc in _PRESET_DATA.items()}
)


def preset_names() -> tuple[str, ...]:
    return tuple(PRESETS)


def preset(name: str) -> ChipSpec:
    """The named preset spec; unknown names list the valid ones."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise SpecError(f"unknown chip preset {name!r}; valid presets: {', '.join(PRESETS)}") from None


def resolve_spec(value) -> tuple[str, ChipSpec]:
    """``(label, spec)`` of a preset name, a ``.toml``/``.json`` spec file or a :class:`ChipSpec`.

    The one place a user's chip choice becomes a spec (chips, training,
    studies and the CLI all call it). The label is the preset name, the spec
    file's stem or the spec's own name. Anything else raises
    :class:`~picffm.errors.SpecError` naming both valid kinds.
    """
    if isinstance(value, ChipSpec):
        return value.name, value
    if isinstance(value, (str, os.PathLike)):
        text = str(value)
        if text in PRESETS:
            return text, PRESETS[text]
        if Path(text).suffix.lower() in SPEC_SUFFIXES:
            return Path(text).stem, load_spec(text)
    raise SpecError(f"chip {value!r} is neither a preset ({', '.join(PRESETS)}) nor a .toml/.json spec file")
