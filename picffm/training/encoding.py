"""Optical input encoding: 4 Iris features -> a 16-mode complex field vector.

The choice (documented in ``docs/training.md``):

1. standardise each feature with the *training* split's mean and standard
   deviation: ``z = (x - mean) / std`` (the test split never informs the
   encoding);
2. four channels per feature, one mode each (4 x 4 = 16 modes), mode
   ``4 * channel + feature``:

   * channel 0, amplitude: ``z / 2`` (a real, signed field amplitude, as an
     amplitude/IQ modulator makes);
   * channels 1-3, phase: ``exp(1j * s * z)`` for ``s`` in
     :data:`PHASE_SCALES` = (1/4, 1/2, 1) rad per standard deviation (a phase
     modulator on a constant carrier).

   A linear optical layer sees ``1``, ``z`` and, through the phase channels'
   Taylor terms ``1 + i s z - s^2 z^2 / 2 ...``, a richer basis than four
   amplitudes alone; the constant carrier of the phase channels gives the
   layer a bias term for free. Several scales avoid having to tune one;
3. normalise every sample to unit optical power (``sum |x|^2 = 1``), so every
   sample uses the same laser power and detector range.

Fields are ``(16, B)``: one column per sample (the chip's batch layout).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

__all__ = ["Encoder", "fit_encoder", "PHASE_SCALES", "N_MODES"]

#: phase-channel scales in rad per standard deviation
PHASE_SCALES = (0.25, 0.5, 1.0)
#: modes of the encoded vector: 4 features x (1 amplitude + 3 phase channels)
N_MODES = 16


@dataclass(frozen=True)
class Encoder:
    """Feature standardisation (training statistics) and the optical encoding.

    Attributes:
        mean, std: ``(4,)`` per-feature statistics of the training split (cm).
    """

    mean: tuple[float, ...]
    std: tuple[float, ...]

    def encode(self, features: np.ndarray) -> np.ndarray:
        """Encode ``(B, 4)`` features (cm) into ``(16, B)`` unit-power complex fields."""
        features = np.asarray(features, dtype=float)
        if features.ndim != 2 or features.shape[1] != len(self.mean):
            raise ConfigError(f"features must have shape (B, {len(self.mean)}), got {features.shape}")
        z = (features - np.asarray(self.mean)) / np.asarray(self.std)
        channels = [z / 2.0] + [np.exp(1j * s * z) for s in PHASE_SCALES]
        x = np.concatenate(channels, axis=1).T.astype(complex)
        return x / np.linalg.norm(x, axis=0, keepdims=True)


def fit_encoder(train_features: np.ndarray) -> Encoder:
    """An :class:`Encoder` with the statistics of ``train_features`` ``(B, 4)``."""
    f = np.asarray(train_features, dtype=float)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ConfigError(f"need at least 2 training samples of shape (B, 4), got {f.shape}")
    std = f.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return Encoder(tuple(float(v) for v in f.mean(axis=0)), tuple(float(v) for v in std))
