"""Optimisers over one flat real or complex vector: Adam and SGD (with momentum).

The parameters are one 1-D array (a :class:`~picffm.training.paramvec.ParamVector`'s
``values``), the gradient an array of the same shape. A complex parameter
``w`` is a pair of real parameters ``(Re w, Im w)``; the gradient passed in
is the Wirtinger gradient ``G = dL/dw*``, and ``dL/dRe w + 1j dL/dIm w = 2 G``.
Both optimisers take that factor 2 into account, so a step is the same for a
complex parameter and for its real and imaginary parts treated separately.
Adam's second moment is ``|grad|^2`` element-wise for real arrays and per
real component otherwise.

State (moments, step count) is plain numpy data: :meth:`state_dict` /
:meth:`load_state_dict` for checkpoints.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError

__all__ = ["Adam", "SGD", "make_optimizer", "OPTIMIZERS"]

OPTIMIZERS = ("adam", "sgd")


def _real_grad(p: np.ndarray, g: np.ndarray) -> np.ndarray:
    return 2.0 * g if np.iscomplexobj(p) else np.asarray(g, dtype=float)


def _check(p: np.ndarray, g: np.ndarray) -> None:
    if np.shape(p) != np.shape(g) or np.ndim(p) != 1:
        raise ConfigError(f"optimiser step: parameters {np.shape(p)} and gradient {np.shape(g)} must be one "
                          "vector of the same length")


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
        self.m: np.ndarray | None = None
        self.v: np.ndarray | None = None

    def step(self, params: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """New parameters (the inputs are not modified)."""
        _check(params, grads)
        b1, b2 = self.betas
        cplx = np.iscomplexobj(params)
        if self.m is None:
            self.m = np.zeros_like(params)
            self.v = np.zeros_like(params) if cplx else np.zeros(np.shape(params))
        self.t += 1
        gr = _real_grad(params, grads)
        self.m = b1 * self.m + (1 - b1) * gr
        sq = gr.real ** 2 + 1j * gr.imag ** 2 if cplx else gr ** 2
        self.v = b2 * self.v + (1 - b2) * sq
        mhat = self.m / (1 - b1 ** self.t)
        vhat = self.v / (1 - b2 ** self.t)
        if cplx:
            upd = mhat.real / (np.sqrt(vhat.real) + self.eps) + 1j * mhat.imag / (np.sqrt(vhat.imag) + self.eps)
        else:
            upd = mhat / (np.sqrt(vhat) + self.eps)
        return params - self.lr * upd

    def state_dict(self) -> dict:
        return {"kind": "adam", "t": self.t, "m": self.m, "v": self.v}

    def load_state_dict(self, state: dict) -> None:
        self.t = int(state["t"])
        self.m = None if state["m"] is None else np.array(state["m"])
        self.v = None if state["v"] is None else np.array(state["v"])


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum.

    Args:
        lr: step size.
        momentum: 0 for plain SGD.
    """

    def __init__(self, lr: float, momentum: float = 0.9):
        self.lr, self.momentum = float(lr), float(momentum)
        self.buf: np.ndarray | None = None

    def step(self, params: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """New parameters (the inputs are not modified)."""
        _check(params, grads)
        if self.buf is None:
            self.buf = np.zeros_like(params)
        self.buf = self.momentum * self.buf + _real_grad(params, grads)
        return params - self.lr * self.buf

    def state_dict(self) -> dict:
        return {"kind": "sgd", "buf": self.buf}

    def load_state_dict(self, state: dict) -> None:
        self.buf = None if state["buf"] is None else np.array(state["buf"])


def make_optimizer(name: str, lr: float):
    """``adam`` or ``sgd`` with learning rate ``lr``."""
    if name == "adam":
        return Adam(lr)
    if name == "sgd":
        return SGD(lr)
    raise ConfigError(f"unknown optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}")
