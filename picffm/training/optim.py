"""Optimisers over lists of real or complex arrays: Adam and SGD (with momentum).

A complex parameter ``w`` is a pair of real parameters ``(Re w, Im w)``; the
gradient passed in is the Wirtinger gradient ``G = dL/dw*``, and
``dL/dRe w + 1j dL/dIm w = 2 G``. Both optimisers take that factor 2 into
account, so a step is the same for a complex parameter and for its real and
imaginary parts treated separately. Adam's second moment is ``|grad|^2``
element-wise for real arrays and per real component otherwise.

State (moments, step count) is plain numpy data: :meth:`state_dict` /
:meth:`load_state_dict` for checkpoints.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..errors import ConfigError

__all__ = ["Adam", "SGD", "make_optimizer", "OPTIMIZERS"]

OPTIMIZERS = ("adam", "sgd")


def _real_grad(p: np.ndarray, g: np.ndarray) -> np.ndarray:
    return 2.0 * g if np.iscomplexobj(p) else np.asarray(g, dtype=float)


class Adam:
    """Adam (Kingma and Ba, 2015) with bias correction.

    Args:
        lr: step size (units of the parameters: rad for phases).
        betas: decay rates of the first and second moments.
        eps: added to the root second moment.
    """

    def __init__(self, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.lr, self.betas, self.eps = float(lr), betas, float(eps)
        self.t = 0
        self.m: list | None = None
        self.v: list | None = None

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> list[np.ndarray]:
        """New parameters (the inputs are not modified)."""
        b1, b2 = self.betas
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros(np.shape(p)) if not np.iscomplexobj(p) else np.zeros_like(p) for p in params]
        self.t += 1
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            gr = _real_grad(p, g)
            self.m[i] = b1 * self.m[i] + (1 - b1) * gr
            if np.iscomplexobj(p):
                sq = gr.real ** 2 + 1j * gr.imag ** 2
            else:
                sq = gr ** 2
            self.v[i] = b2 * self.v[i] + (1 - b2) * sq
            mhat = self.m[i] / (1 - b1 ** self.t)
            vhat = self.v[i] / (1 - b2 ** self.t)
            if np.iscomplexobj(p):
                upd = mhat.real / (np.sqrt(vhat.real) + self.eps) + 1j * mhat.imag / (np.sqrt(vhat.imag) + self.eps)
            else:
                upd = mhat / (np.sqrt(vhat) + self.eps)
            out.append(p - self.lr * upd)
        return out

    def state_dict(self) -> dict:
        return {"kind": "adam", "t": self.t, "m": self.m, "v": self.v}

    def load_state_dict(self, state: dict) -> None:
        self.t, self.m, self.v = int(state["t"]), state["m"], state["v"]


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum.

    Args:
        lr: step size.
        momentum: 0 for plain SGD.
    """

    def __init__(self, lr: float, momentum: float = 0.9):
        self.lr, self.momentum = float(lr), float(momentum)
        self.buf: list | None = None

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> list[np.ndarray]:
        if self.buf is None:
            self.buf = [np.zeros_like(p) for p in params]
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            self.buf[i] = self.momentum * self.buf[i] + _real_grad(p, g)
            out.append(p - self.lr * self.buf[i])
        return out

    def state_dict(self) -> dict:
        return {"kind": "sgd", "buf": self.buf}

    def load_state_dict(self, state: dict) -> None:
        self.buf = state["buf"]


def make_optimizer(name: str, lr: float):
    """``adam`` or ``sgd`` with learning rate ``lr``."""
    if name == "adam":
        return Adam(lr)
    if name == "sgd":
        return SGD(lr)
    raise ConfigError(f"unknown optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}")
