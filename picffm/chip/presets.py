"""Named chip specs: ``ideal``, ``mild``, ``typical`` and ``harsh``.

Values are typical of fabricated silicon-photonics MZI meshes after a routine
calibration; sources and the reasoning per value are in ``docs/chip.md``.
``typical`` is set so that a network trained on the ideal model and deployed
on the chip loses much of its accuracy, while training on the chip (FFM) is
not hurt (small detector noise, small mirror asymmetry); its drift gives a
relative std of programmed matrix elements of ~0.01 % over minutes, the
scale measured by Xue et al. (Nature 632, 280 (2024)).
"""

from __future__ import annotations

from types import MappingProxyType

from ..errors import SpecError
from .spec import ChipSpec, spec_from_dict

__all__ = ["PRESETS", "preset", "preset_names"]

_PRESET_DATA = {
    "ideal": {},
    "mild": {
        "mirror_asymmetry": 0.02,
        "coupler": {"kappa_std": 0.02},
        "phase": {"offset_std_rad": 0.04},
        "heater": {"efficiency_std": 0.005, "crosstalk_same_column": 0.002, "crosstalk_next_column": 0.001,
                   "dac_bits": 16},
        "loss": {"mzi_db": 0.1, "mzi_db_std": 0.02, "phase_shifter_db": 0.02, "phase_shifter_db_std": 0.005},
        "drift": {"model": "ou", "sigma_rad": 1.5e-5, "tau_s": 600.0},
        "detector": {"shot": 5e-4, "thermal": 5e-5, "adc_bits": 14},
    },
    "typical": {
        "mirror_asymmetry": 0.05,
        "coupler": {"kappa_std": 0.035},
        "phase": {"offset_std_rad": 0.1},
        "heater": {"efficiency_std": 0.01, "crosstalk_same_column": 0.005, "crosstalk_next_column": 0.0025,
                   "dac_bits": 14},
        "loss": {"mzi_db": 0.2, "mzi_db_std": 0.05, "phase_shifter_db": 0.05, "phase_shifter_db_std": 0.01},
        "drift": {"model": "ou", "sigma_rad": 3e-5, "tau_s": 600.0},
        "detector": {"shot": 1e-3, "thermal": 1e-4, "adc_bits": 12},
    },
    "harsh": {
        "mirror_asymmetry": 0.2,
        "coupler": {"kappa_std": 0.05},
        "phase": {"offset_std_rad": 0.15},
        "heater": {"efficiency_std": 0.03, "crosstalk_same_column": 0.01, "crosstalk_next_column": 0.005,
                   "dac_bits": 12},
        "loss": {"mzi_db": 0.3, "mzi_db_std": 0.1, "phase_shifter_db": 0.1, "phase_shifter_db_std": 0.03},
        "drift": {"model": "random_walk", "rate_rad_per_sqrt_s": 1e-5},
        "detector": {"shot": 3e-3, "thermal": 3e-4, "adc_bits": 10},
    },
}

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
