"""Fabrication draw: the hidden, static truth of one simulated chip.

:func:`draw_fabrication` draws every static imperfection of a chip from a
generator, always in the same order and always the same number of standard
normals whatever the spec's values (a std of 0 just scales them away), so the
same seed gives the same chip and sweeping one std keeps the others' pattern.

For every element with a mirror twin (``ut_X`` of ``u_X``, from the element
table, :attr:`picffm.elements.ElementTable.twin`) the twin's draw is
``sqrt(1 - a**2) * z_source + a * z_own`` with ``a = mirror_asymmetry``
(:func:`picffm.chip.drift.mix_twins`): the same marginal law, identical twins
at ``a = 0``, independent at ``a = 1``.

Drawn values (design value from the netlist plus error):

* couplers: ``kappa = clip(kappa_design + kappa_std * z, 0, 1)`` for both
  couplers of every MZI and attenuator and every lone coupler;
* loss: ``loss_db = loss_design + max(0, mean + std * z)`` per MZI, attenuator
  and lone phase shifter;
* heaters: static offset ``offset_std_rad * z`` (rad) and efficiency factor
  ``max(0, 1 + efficiency_std * z)`` per heater.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..schedule import Schedule
from .drift import mix_twins
from .heaters import HeaterLayout
from .spec import ChipSpec

__all__ = ["Fabrication", "draw_fabrication"]

_KAPPAS = {"mzi": ("kappa1", "kappa2"), "attenuator": ("kappa1", "kappa2"), "coupler": ("kappa",)}
_LOSSY = {"mzi": "mzi", "attenuator": "mzi", "phase_shifter": "phase_shifter"}


@dataclass(frozen=True, eq=False)
class Fabrication:
    """Static truth: the true fixed values, and heater factors.

    Attributes:
        fixed: the true fixed (fabrication) part of the value vector
            (:attr:`picffm.parameters.Params.fixed` layout): the design's values
            with the drawn coupler and loss errors applied.
        offset_rad: ``(H,)`` static phase offset per heater.
        efficiency: ``(H,)`` efficiency factor per heater.
    """

    fixed: np.ndarray
    offset_rad: np.ndarray
    efficiency: np.ndarray


def draw_fabrication(schedule: Schedule, layout: HeaterLayout, spec: ChipSpec,
                     rng: np.random.Generator) -> Fabrication:
    """Draw a chip's static imperfections (see module docstring)."""
    a = spec.mirror_asymmetry
    table = schedule.table
    values = table.defaults.copy()
    for comp in sorted(schedule.names):
        n = len(schedule.names[comp])
        src, dst = table.twin_pairs(comp)
        for key in _KAPPAS.get(comp, ()):
            b = table.block(comp, key)
            z = mix_twins(rng.standard_normal(n), src, dst, a)
            values[b.start:b.stop] = np.clip(values[b.start:b.stop] + spec.coupler.kappa_std * z, 0.0, 1.0)
        if comp in _LOSSY:
            b = table.block(comp, "loss_db")
            z = mix_twins(rng.standard_normal(n), src, dst, a)
            if _LOSSY[comp] == "mzi":
                mean, std = spec.loss.mzi_db, spec.loss.mzi_db_std
            else:
                mean, std = spec.loss.phase_shifter_db, spec.loss.phase_shifter_db_std
            values[b.start:b.stop] = values[b.start:b.stop] + np.maximum(0.0, mean + std * z)
    h = layout.n
    tw = (layout.twin_src, layout.twin_dst)
    z_off = mix_twins(rng.standard_normal(h), *tw, a)
    z_eff = mix_twins(rng.standard_normal(h), *tw, a)
    return Fabrication(
        fixed=values[table.n_programmable:],
        offset_rad=spec.phase.offset_std_rad * z_off,
        efficiency=np.maximum(0.0, 1.0 + spec.heater.efficiency_std * z_eff),
    )
