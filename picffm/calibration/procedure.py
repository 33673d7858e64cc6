"""``calibrate(chip)``: characterise a chip through its protocol and fit its twin.

Stages, in order (each counts its passes into the report):

1. **noise floor**: the design settings are probed ``noise_repeats`` times
   with the N unit vectors; the spread of the reads about their mean,
   relative to the rms field, is the noise of one read;
2. **phase sweeps** (monitors): offsets and efficiencies of every MZI and
   phase-shifter heater (:func:`picffm.calibration.phases.sweep_heaters`);
3. **compressed crosstalk sweep** (monitors):
   :func:`picffm.calibration.phases.fit_crosstalk`;
4. **attenuators** (monitors): :func:`picffm.calibration.phases.sweep_attenuators`;
5. **global fit**: ``settings`` random settings, each measured with
   unit-vector probes averaged over ``repeats``; couplers, losses,
   transceiver factors (and the attenuators' heaters) by
   :func:`picffm.calibration.fit.global_fit`.

On a chip without monitors stages 2-4 are skipped: every heater starts at
offset 0, efficiency 1 and no crosstalk, and the global fit fits every
heater's offset and efficiency too. That converges only for calibrated
chips (offsets of a few 0.01 rad); an as-fabricated chip needs monitors.

Only protocol calls are used (``program``, ``run``, ``monitors``,
``passes``, ``busy_s``); the chip is left programmed with its design values.
The report's chip time is the chip's estimated busy time of the calibration
(its passes and reprogrammings under the chip's time model,
:class:`~picffm.chip.spec.TimingSpec`); the calibration does not advance the
drift clock.
"""

from __future__ import annotations

import time

import numpy as np

from ..chip.calibration import measure_matrix
from ..errors import CalibrationError
from ..parameters import Params
from .fit import global_fit
from .phases import fit_attenuator_crosstalk, fit_crosstalk, heater_map, sweep_attenuators, sweep_heaters
from .twin import CalibrationReport, Twin

__all__ = ["calibrate", "measure_noise_floor"]


def measure_noise_floor(chip, repeats: int = 8) -> float:
    """Relative field noise of one unit-vector probe read at the current settings (``N * repeats`` passes)."""
    n = chip.n_modes
    reads = chip.run(np.tile(np.eye(n, dtype=complex), (1, repeats))).reshape(n, repeats, n)
    mean = reads.mean(axis=1, keepdims=True)
    rms = np.sqrt(np.mean(np.abs(mean) ** 2))
    return float(np.sqrt(np.sum(np.abs(reads - mean) ** 2) / (reads.size - mean.size)) / max(rms, 1e-300))


def calibrate(chip, *, rng: np.random.Generator | None = None, settings: int = 6, repeats: int = 4,
              sweep_steps: int = 12, crosstalk_settings: int = 24, noise_repeats: int = 8,
              identity: dict | None = None, calibrated_transceivers: bool = False, progress=None) -> Twin:
    """Calibrate ``chip`` through its protocol and return its :class:`Twin` (see module docstring).

    Args:
        rng: source of the random probe settings (default ``default_rng(0)``).
        settings: random settings of the global fit (>= 1).
        repeats: probe reads averaged per setting of the global fit.
        sweep_steps: drive steps of each phase sweep.
        crosstalk_settings: random settings of the crosstalk sweep.
        noise_repeats: reads of the noise-floor stage.
        identity: what identifies the chip (saved in the twin file).
        calibrated_transceivers: probes cannot tell a common loss of the core
            from the transceiver gains; by default the fitted transceiver
            factors carry it (``decode`` then undoes the core's common
            loss); with ``True`` the transceivers are taken as calibrated
            (geometric mean of ``|e| |r|`` = 1) and the loss goes to the
            MZIs, so the twin's core has the chip's absolute transmission.
        progress: optional callable ``progress(stage_name)``.
    """
    for name, v, low in (("settings", settings, 1), ("repeats", repeats, 1), ("sweep_steps", sweep_steps, 4),
                         ("crosstalk_settings", crosstalk_settings, 1), ("noise_repeats", noise_repeats, 2)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise CalibrationError(f"{name} must be an integer >= {low}, got {v!r}")
    import scipy.sparse as sp

    rng = np.random.default_rng(0) if rng is None else rng
    say = progress or (lambda stage: None)
    t0 = time.perf_counter()
    p0, c0 = chip.passes, chip.busy_s
    stages = {}
    schedule = chip.schedule
    table = schedule.table
    h = table.n_programmable
    design = Params(table)

    def mark(name, start):
        stages[name] = chip.passes - start
        return chip.passes

    start = chip.passes
    say("noise floor")
    chip.program(design)
    floor = measure_noise_floor(chip, noise_repeats)
    start = mark("noise floor", start)
    hmap = heater_map(table)
    base = Twin(chip.netlist, table.defaults[h:], np.zeros(h), np.ones(h), None,
                chip_identity=identity)
    if chip.has_monitors:
        say("phase sweeps")
        g, b, _ = sweep_heaters(chip, table, hmap, sweep_steps)
        start = mark("phase sweeps", start)
        say("crosstalk")
        eff, off, x, q2, att2 = fit_crosstalk(chip, schedule, hmap, g, b, rng, crosstalk_settings)
        start = mark("crosstalk", start)
        say("attenuators")
        e_t, o_t, e_p, o_p, amp_cross, amp_bar = sweep_attenuators(chip, table, hmap, sweep_steps)
        eff[hmap.att_theta], off[hmap.att_theta] = e_t, o_t
        eff[hmap.att_psi], off[hmap.att_psi] = e_p, o_p
        start = mark("attenuators", start)
        xr, xc, xv = fit_attenuator_crosstalk(schedule, hmap, eff, off, amp_bar, amp_cross, q2, att2)
        x = x + sp.csr_matrix((xv, (xr, xc)), shape=x.shape)
        fixed = table.defaults[h:].copy()
        if hmap.att_theta.size:  # the circle's radius and centre: amp t1 t2 and amp k1 k2 (k1 = k2 taken)
            amp = amp_bar + amp_cross
            for key, v in (("kappa1", amp_cross / amp), ("kappa2", amp_cross / amp),
                           ("loss_db", -20.0 * np.log10(amp))):
                b = table.block("attenuator", key)
                fixed[b.start - h:b.stop - h] = v
        base = Twin(chip.netlist, fixed, off, eff, x, chip_identity=identity, circuit=base.circuit)
        fit_heaters = np.zeros(0, int)
        fit_x = None
        skip = ("attenuator",)
    else:
        fit_heaters = np.arange(h)
        fit_x = None
        skip = ()
    say("global fit")
    probes = []
    measured = []
    for _ in range(settings):
        p = Params(table)
        p.programmable[:] = rng.uniform(0.0, 2 * np.pi, h)
        chip.program(p)
        probes.append(p)
        measured.append(measure_matrix(chip, repeats))
    start = mark("global fit", start)
    twin, resid = global_fit(base, probes, np.stack(measured), fit_heaters, fit_x, skip=skip,
                              calibrated_transceivers=calibrated_transceivers)
    chip.program(design)
    report = CalibrationReport(passes=chip.passes - p0, chip_time_s=chip.busy_s - c0,
                               compute_s=time.perf_counter() - t0, noise_floor=floor, residual=resid,
                               stages=stages)
    twin.report = report
    return twin
