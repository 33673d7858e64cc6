"""Physics-aware training (``pat``): forward on the chip, backward through its twin.

Wright et al., Nature 601, 549 (2022). Every layer's chip is calibrated once
at the start (:func:`picffm.training.twinned.calibrate_chips`; its passes are
in the chips' counters and in ``calibration_passes``, not in the training
passes, so passes per update stay those of the updates) and then read through the twin's transceiver correction
(:class:`~picffm.training.twinned.TwinCorrectedChip`). An update sends the
batch through the chips (the data pass: the only optical passes, ``L B``);
the loss, its output gradient and every layer's input come from those
measurements, and the gradient is the exact backpropagation through the
twin's model of each layer evaluated at the measured inputs
(:func:`picffm.training.truth.phase_gradients_exact` with ``measured=``).
Parameters: the tied phases and gains, as for ``ffm-phase``; the gradient is
with respect to the actual phases the twin predicts (the same convention as
``ffm-phase`` and ``insitu-bp``).
"""

from __future__ import annotations

from ..network import forward
from ..truth import phase_gradients_exact
from ..twinned import twinned_chips
from ..paramvec import phase_layout
from .phase import PhaseSpaceTrainer
from .registry import Method, register_method

__all__ = ["PATTrainer"]


class PATTrainer(PhaseSpaceTrainer):
    """Physics-aware training (``pat``). ``twins``: one calibrated twin per chip (default: calibrate now)."""

    method = "pat"

    def __init__(self, chips, data, config, seed, method=None, twins=None):
        self.twins, corrected, self.calibration_passes = twinned_chips(chips, seed, twins)
        super().__init__(corrected, data, config, seed, method=method)

    def _gradient(self, x, labels):
        data = forward(self.chips, self._states, x, self.config.electronics)
        layers = [(t.circuit, t.params(st.params)) for t, st in zip(self.twins, self._states)]
        loss, per_layer = phase_gradients_exact(layers, self.cmap, [st.gain for st in self._states], x, labels,
                                                electronics=self.config.electronics,
                                                measured=data.y)
        return loss, phase_layout(self.cmap.n_mzi, self.cmap.n_att, len(self.chips)).pack(per_layer)


def _passes(layers: int, batch: int, n_modes: int) -> int:
    """``L B``: one data pass per layer on the chip; the backward pass is digital (calibration not included)."""
    return layers * batch


register_method(Method("pat", PATTrainer, _passes, {"adam": 0.02, "sgd": 0.002}, twin=True,
                       summary="physics-aware training: forward on the chip, backward through its twin"))
