"""Optical input encoding: F numeric features -> an N-mode complex field vector.

The choice (documented in ``docs/training.md``):

1. standardise each feature with the *training* split's mean and standard
   deviation: ``z = (x - mean) / std`` (the test split never informs the
   encoding; a constant feature gets std 1);
2. optionally project: with ``projection="pca"`` the standardised features
   are reduced to their first ``K`` principal components (scikit-learn's
   ``PCA``, fitted on the training split), each rescaled to unit standard
   deviation on the training split, ``K`` = as many as the modes hold
   (``N // channels``). Without a projection, a table whose encoding needs
   more modes than the chip has is refused;
3. one mode per feature and channel, mode ``F * channel + feature``; the
   channels of each ``encoder`` kind:

   * ``amplitude``: one channel, ``z / 2`` (a real, signed field amplitude,
     as an amplitude/IQ modulator makes);
   * ``phase``: three channels ``exp(1j * s * z)`` for ``s`` in
     :data:`PHASE_SCALES` = (1/4, 1/2, 1) rad per standard deviation (a phase
     modulator on a constant carrier);
   * ``mixture`` (the default): the amplitude channel, then the three phase
     channels (4 channels).

   A linear optical layer sees ``1``, ``z`` and, through the phase channels'
   Taylor terms ``1 + i s z - s^2 z^2 / 2 ...``, a richer basis than the
   amplitudes alone; the constant carrier of the phase channels gives the
   layer a bias term for free. Several scales avoid having to tune one.
   Modes beyond ``channels * F`` carry no light (dark inputs);
4. normalise every sample to unit optical power (``sum |x|^2 = 1``), so every
   sample uses the same laser power and detector range.

For Iris (4 features, ``mixture``) that is the 16-mode encoding of the
reference experiment. Fields are ``(N, B)``: one column per sample (the
chip's batch layout).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

__all__ = ["Encoder", "fit_encoder", "encoded_width", "ENCODERS", "PROJECTIONS", "PHASE_SCALES", "N_MODES"]

#: phase-channel scales in rad per standard deviation
PHASE_SCALES = (0.25, 0.5, 1.0)
#: channels per feature of each encoder kind
ENCODERS = {"mixture": 4, "amplitude": 1, "phase": 3}
#: feature projections before the encoding
PROJECTIONS = ("none", "pca")
#: modes of the Iris encoding: 4 features x (1 amplitude + 3 phase channels)
N_MODES = 16


def _check_kind(kind: str) -> int:
    if kind not in ENCODERS:
        raise ConfigError(f"unknown encoder {kind!r}; valid: {', '.join(ENCODERS)}")
    return ENCODERS[kind]


def encoded_width(n_features: int, kind: str = "mixture") -> int:
    """Modes the encoding of ``n_features`` features needs without a projection."""
    return _check_kind(kind) * int(n_features)


@dataclass(frozen=True)
class Encoder:
    """Feature standardisation (training statistics), projection and the optical encoding.

    Attributes:
        mean, std: ``(F,)`` per-feature statistics of the training split
            (the features' own units).
        kind: encoder kind (:data:`ENCODERS`).
        n_modes: modes of the encoded field (``None``: exactly the encoding's width).
        components: ``(K, F)`` projection applied to the standardised
            features (PCA, rows scaled to unit variance on the training
            split), or ``None``.
    """

    mean: tuple
    std: tuple
    kind: str = "mixture"
    n_modes: int | None = None
    components: tuple | None = None

    @property
    def n_inputs(self) -> int:
        """Encoded features (after the projection)."""
        return len(self.components) if self.components is not None else len(self.mean)

    @property
    def width(self) -> int:
        """Modes carrying light."""
        return encoded_width(self.n_inputs, self.kind)

    @property
    def modes(self) -> int:
        return self.width if self.n_modes is None else int(self.n_modes)

    def encode(self, features: np.ndarray) -> np.ndarray:
        """Encode ``(B, F)`` features into ``(N, B)`` unit-power complex fields."""
        features = np.asarray(features, dtype=float)
        if features.ndim != 2 or features.shape[1] != len(self.mean):
            raise ConfigError(f"features must have shape (B, {len(self.mean)}), got {features.shape}")
        z = (features - np.asarray(self.mean)) / np.asarray(self.std)
        if self.components is not None:
            z = z @ np.asarray(self.components).T
        channels = {"amplitude": [z / 2.0], "phase": [], "mixture": [z / 2.0]}[self.kind]
        if self.kind != "amplitude":
            channels = channels + [np.exp(1j * s * z) for s in PHASE_SCALES]
        x = np.concatenate(channels, axis=1).T.astype(complex)
        if self.modes > x.shape[0]:
            x = np.concatenate([x, np.zeros((self.modes - x.shape[0], x.shape[1]), complex)])
        norm = np.linalg.norm(x, axis=0, keepdims=True)
        return x / np.where(norm > 0, norm, 1.0)

    def to_dict(self) -> dict:
        return {"mean": list(self.mean), "std": list(self.std), "kind": self.kind, "n_modes": self.n_modes,
                "components": None if self.components is None else [list(r) for r in self.components]}

    @classmethod
    def from_dict(cls, doc: dict) -> "Encoder":
        comp = doc.get("components")
        return cls(tuple(float(v) for v in doc["mean"]), tuple(float(v) for v in doc["std"]), doc["kind"],
                   None if doc.get("n_modes") is None else int(doc["n_modes"]),
                   None if comp is None else tuple(tuple(float(v) for v in r) for r in comp))


def fit_encoder(train_features: np.ndarray, kind: str = "mixture", n_modes: int | None = None,
                projection: str = "none") -> Encoder:
    """An :class:`Encoder` with the statistics of ``train_features`` ``(B, F)``.

    ``n_modes``: the chip's modes (default: the encoding's width). Raises
    :class:`ConfigError` if the encoding needs more modes than ``n_modes``
    and ``projection`` is ``"none"``.
    """
    channels = _check_kind(kind)
    if projection not in PROJECTIONS:
        raise ConfigError(f"unknown projection {projection!r}; valid: {', '.join(PROJECTIONS)}")
    f = np.asarray(train_features, dtype=float)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ConfigError(f"need at least 2 training samples of shape (B, F), got {f.shape}")
    std = f.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    mean = f.mean(axis=0)
    width = channels * f.shape[1]
    components = None
    if projection == "pca":
        k = (n_modes if n_modes is not None else width) // channels
        k = min(k, f.shape[1], f.shape[0])
        if k < 1:
            raise ConfigError(f"{n_modes} modes cannot hold one {kind} channel set of {channels} modes")
        from sklearn.decomposition import PCA  # on first use: scikit-learn is slow to import

        z = (f - mean) / std
        pca = PCA(n_components=k, svd_solver="full").fit(z)
        scale = (z @ pca.components_.T).std(axis=0)  # the same (population) std as the features'
        comp = pca.components_ / np.where(scale > 0, scale, 1.0)[:, None]
        components = tuple(tuple(float(v) for v in row) for row in comp)
    elif n_modes is not None and width > n_modes:
        other = "" if kind == "amplitude" else ", the amplitude encoder (one mode per feature)"
        raise ConfigError(f"{f.shape[1]} features x {channels} channel{'s' if channels != 1 else ''} ({kind} "
                          f"encoder) need {width} modes, more than the {n_modes} of the chip; give {width} modes"
                          f"{other} or the pca projection")
    return Encoder(tuple(float(v) for v in mean), tuple(float(v) for v in std), kind, n_modes, components)
