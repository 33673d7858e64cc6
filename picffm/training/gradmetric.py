"""EVALUATION ONLY: gradient error as Xue et al. compare it (per layer, over a window of updates).

Definition (``docs/training.md``, "Gradient error"), for a method that
updates the layers' symmetric weights (matrix level):

* **true gradient** ``G_true,l``: the exact, noiseless gradient of the
  chip's loss with respect to layer ``l``'s effective weight
  ``W_l = s_l A_l``, where ``A_l = diag(r) M_l diag(e)`` is the operator a
  noiseless probe reads (core ``M_l`` plus the static IQ-modulator and
  receiver errors, :meth:`picffm.chip.SimulatedChip.effective_matrix`),
  backpropagated exactly (``A^H``, not FFM's forward shortcut), projected
  on symmetric matrices: ``sym(g a^H)``. It needs ``reveal()``;
* **estimate** ``G_est,l``: what the method measured at the same parameters
  and batch (FFM: data and error passes through the chip);
* **in silico**: the same exact backpropagation through a digital model
  built from measurements through the protocol, never the uncalibrated
  design. Two models, reported apart:

  - *probe fit* (:func:`fitted_matrices`): each layer's matrix measured at
    that moment with the N unit-vector probes (``N * repeats`` passes per
    layer at every probed update), noise of the reads included;
  - *column-corrected probe fit* (:func:`corrected_matrices`, the default
    table's model): the same reads with each read's per-pass column
    factors removed against the port ratios of the earlier reads
    (:func:`picffm.training.reciprocal_fit.column_corrected`); no extra pass;
  - *calibrated twin* (:func:`twin_matrices`): the physical model
    :func:`picffm.calibration.calibrate` fits once, before training (its
    passes counted once), evaluated at the settings the method programmed:
    the model an in-silico experimenter would really train on. Its error is
    model error (calibration residuals), with no per-update read noise;
  - *reciprocal fit* (:func:`picffm.training.reciprocal_fit.reciprocal_fit`,
    reported by ``scripts/gradient_error.py``): the probe fit's reads
    projected onto the reciprocal form ``diag(q) S``, ``S`` symmetric. Tried
    and not adopted: on the presets it is a worse model of the chip than
    the raw reads (``docs/training.md``);
* per layer ``err_l = ||G_est,l - G_true,l||_F / ||G_true,l||_F`` and the
  cosine ``Re<G_est,l, G_true,l> / (||G_est,l|| ||G_true,l||)``, recorded at
  every update in a window (default 70..90, around the paper's update 80)
  on the method's own trajectory, averaged over the window's updates, then
  mean and std over seeds (:class:`GradientWindow`).

**Saturation.** Late in training most samples are classified with
``p_correct`` close to 1 and carry almost no gradient; ``G_true`` is then
the sum of a few samples' terms and small, so a fixed absolute error is a
large relative one. :func:`carrying_samples` counts the samples that carry
the gradient (report it beside the error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..chip.calibration import measure_matrix
from .truth import matrix_gradients_through

__all__ = ["true_matrices", "fitted_matrices", "corrected_matrices", "twin_matrices", "calibrated_twins",
           "matrix_gradients_through", "phase_gradients_true", "layer_errors", "carrying_samples", "GradientWindow",
           "probe_window"]


def true_matrices(chips: Sequence) -> list[np.ndarray]:
    """EVALUATION ONLY: each chip's noiseless effective operator (``reveal()``; ideal chips: their matrix)."""
    out = []
    for c in chips:
        out.append(c.reveal().effective_matrix() if hasattr(c, "reveal") else c.matrix())
    return out


def fitted_matrices(chips: Sequence, repeats: int = 1) -> list[np.ndarray]:
    """A digital model fitted through the protocol: each layer's measured matrix (``N * repeats`` passes)."""
    return [measure_matrix(c, repeats) for c in chips]


def corrected_matrices(reads: Sequence[np.ndarray], state: dict | None = None) -> tuple[list[np.ndarray], dict]:
    """``(models, state)``: each layer's probe read with its column factors removed (no pass of its own).

    ``reads``: this update's probe fit of every layer (:func:`fitted_matrices`).
    ``state``: what the previous call on the same chips returned (``None``
    before the first read): per layer the running mean of the port ratios
    and the number of reads, ``{"mean_q": [...], "reads": [...]}`` (plain
    data and arrays, stored in checkpoints). A new dict is returned; the
    given one is not changed. See
    :func:`picffm.training.reciprocal_fit.column_corrected`.
    """
    from .reciprocal_fit import column_corrected

    means = list(state["mean_q"]) if state else [None] * len(reads)
    counts = list(state["reads"]) if state else [0] * len(reads)
    out = []
    for i, read in enumerate(reads):
        model, means[i], counts[i] = column_corrected(read, means[i], counts[i])
        out.append(model)
    return out, {"mean_q": means, "reads": counts}


def twin_matrices(twins: Sequence, states: Sequence) -> list[np.ndarray]:
    """Each layer's effective operator as its calibrated twin predicts it at the programmed settings.

    ``twin.effective_matrix(state.params)``: ``diag(r) M diag(e)`` of the
    twin (no pass; what noiseless unit-vector probes would read if the twin
    were the chip), comparable with :func:`true_matrices`.
    """
    return [t.effective_matrix(s.params) for t, s in zip(twins, states)]


def calibrated_twins(spec, seed: int, layers: int, n_modes: int, calibration: dict | None = None
                     ) -> tuple[list, int]:
    """``(twins, passes)``: the seed's chips calibrated through the protocol before any training.

    The chips are rebuilt from the seed's fabrication stream
    (:func:`picffm.training.prepare.make_chips`: the same fabrication draw as
    the chips a trainer gets, with their own noise stream, so calibrating
    them does not move the trainer's trajectory) and calibrated by
    :func:`picffm.training.twinned.calibrate_chips`. ``calibration``: keyword
    arguments of :func:`picffm.calibration.calibrate` (default ``{}``: its
    own defaults, what ``picffm chip calibrate`` runs). ``passes``: the
    optical passes the calibration spent, over all layers.
    """
    from .prepare import make_chips
    from .twinned import calibrate_chips

    chips = make_chips(spec, seed, layers, n_modes)
    twins = calibrate_chips(chips, seed, {} if calibration is None else calibration)
    return twins, int(sum(c.passes for c in chips))


def phase_gradients_true(chips: Sequence, cmap, gains: Sequence[float], x: np.ndarray, labels: np.ndarray, *,
                         electronics) -> tuple[float, list]:
    """EVALUATION ONLY: exact tied phase gradients of the chip's noiseless loss, transceivers included.

    :func:`picffm.training.truth.phase_gradients_exact` on each chip's true
    circuit with its static IQ-modulator factors ``e`` and receiver factors
    ``r`` (ones where the chip has none).
    """
    from .truth import phase_gradients_exact

    layers, fac = [], []
    for c in chips:
        t = c.reveal()
        layers.append((t.circuit, t.params))
        n = t.circuit.schedule.n_modes
        e = np.ones(n, complex) if t.input_factor is None else t.input_factor
        r = np.ones(n, complex) if t.output_factor is None else t.output_factor
        fac.append((e[:, None], r[:, None]))
    return phase_gradients_exact(layers, cmap, gains, x, labels, electronics=electronics, factors=fac)


def layer_errors(estimate: Sequence[np.ndarray], true: Sequence[np.ndarray]) -> tuple[list[float], list[float]]:
    """Per layer: relative Frobenius error (fraction) and cosine of ``estimate`` against ``true``."""
    errs, coss = [], []
    for e, t in zip(estimate, true):
        e, t = np.ravel(e), np.ravel(t)
        nt, ne = np.linalg.norm(t), np.linalg.norm(e)
        errs.append(float(np.linalg.norm(e - t) / nt) if nt > 0 else float("nan"))
        coss.append(float(np.real(np.vdot(t, e)) / (nt * ne)) if nt > 0 and ne > 0 else float("nan"))
    return errs, coss


def carrying_samples(logits: np.ndarray, labels: np.ndarray, tol: float = 0.01) -> int:
    """Samples whose ``1 - p_correct`` exceeds ``tol``: the ones that carry the gradient."""
    z = logits - logits.max(axis=0, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)
    return int(np.count_nonzero(1.0 - p[np.asarray(labels), np.arange(p.shape[1])] > tol))


@dataclass
class GradientWindow:
    """Gradient errors recorded per (seed, update, layer); summarised over a window of updates.

    Attributes:
        start, end: first and last update (counted from 1) of the window, inclusive.
        records: ``{(series, seed): {update: (errors per layer, cosines per layer)}}``.
    """

    start: int = 70
    end: int = 90
    records: dict = field(default_factory=dict)

    def add(self, series: str, seed: int, update: int, errors: Sequence[float], cosines: Sequence[float]) -> None:
        if self.start <= update <= self.end:
            self.records.setdefault((series, int(seed)), {})[int(update)] = (list(errors), list(cosines))

    def summary(self, series: str) -> dict:
        """Per layer and overall: mean over the window's updates per seed, then mean and std over seeds (%)."""
        per_seed = []
        for (name, _seed), rows in sorted(self.records.items()):
            if name != series or not rows:
                continue
            e = np.array([r[0] for r in rows.values()])  # (updates, layers)
            c = np.array([r[1] for r in rows.values()])
            per_seed.append((e.mean(axis=0), c.mean(axis=0), len(rows)))
        if not per_seed:
            return {"seeds": 0}
        e = 100.0 * np.array([p[0] for p in per_seed])  # (seeds, layers)
        c = np.array([p[1] for p in per_seed])
        overall = e.mean(axis=1)
        return {"seeds": len(per_seed), "window": [self.start, self.end],
                "updates_per_seed": [p[2] for p in per_seed], "seeds_error_pct": overall.tolist(),
                "error_pct_mean": float(overall.mean()), "error_pct_std": float(overall.std()),
                "layers_error_pct_mean": e.mean(axis=0).tolist(), "layers_error_pct_std": e.std(axis=0).tolist(),
                "cos_mean": float(c.mean()), "layers_cos_mean": c.mean(axis=0).tolist()}


def probe_window(trainer, start: int, end: int, fn: Callable) -> None:
    """Call ``fn(trainer, x, labels, grads)`` before every update ``start..end`` of ``trainer``.

    Uses the trainer's probe hook (one update at a time), so the trajectory is
    the trainer's own: the probe reads only the oracle and a fitted model.
    """
    step = trainer.step

    def stepping(idx):
        u = trainer.updates + 1
        if start <= u <= end:
            trainer.config = trainer.config.replace(grad_probe_step=u)
            trainer.probe = fn
        else:
            trainer.probe = None
        return step(idx)

    trainer.step = stepping
