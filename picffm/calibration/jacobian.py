"""Derivatives of a circuit's transfer matrix with respect to element values.

:func:`matrix_jacobian` returns ``dT / d values[k]`` for chosen entries ``k``
of a :class:`~picffm.parameters.Params` value vector (phases in rad, coupling
ratios, losses in dB), for the feed-forward route of
:class:`picffm.simulation.Circuit`. The method is the product rule over the
schedule's columns: with ``P_s`` the field after the stages before stage
``s`` (for the N unit-vector inputs) and ``S_s`` the transfer of the stages
after it, ``dT = S_s[:, modes] @ dB @ P_s[modes, :]`` where ``dB`` is the
derivative of one element's 2x2 (or 1x1) matrix. ``dB`` comes from a central
difference of the element model (step ``1e-6``, error ~1e-12 relative), all
elements of a setting at once (each element's matrix depends on its own
values only), so the cost is two model calls per setting plus one
``(N, 2) @ (2, 2) @ (2, N)`` product per element: no Python loop over
elements.
"""

from __future__ import annotations

import numpy as np

from ..components import COMPONENTS
from ..parameters import Params
from ..simulation import Circuit, element_matrices

__all__ = ["matrix_jacobian", "stage_products"]

_STEP = 1e-6


def _apply_rows(stage, m: np.ndarray, state: np.ndarray) -> None:
    """``state <- B_stage @ state`` in place (state (N, K))."""
    if m.ndim == 1:
        state[stage.modes] *= m[:, None]
        return
    a, b = stage.modes[:, 0], stage.modes[:, 1]
    xa, xb = state[a].copy(), state[b].copy()
    state[a] = m[:, 0, 0, None] * xa + m[:, 0, 1, None] * xb
    state[b] = m[:, 1, 0, None] * xa + m[:, 1, 1, None] * xb


def _apply_cols(stage, m: np.ndarray, state: np.ndarray) -> None:
    """``state <- state @ B_stage`` in place (state (K, N))."""
    if m.ndim == 1:
        state[:, stage.modes] *= m[None, :]
        return
    a, b = stage.modes[:, 0], stage.modes[:, 1]
    xa, xb = state[:, a].copy(), state[:, b].copy()
    state[:, a] = xa * m[None, :, 0, 0] + xb * m[None, :, 1, 0]
    state[:, b] = xa * m[None, :, 0, 1] + xb * m[None, :, 1, 1]


def stage_products(circuit: Circuit, params: Params, mats=None):
    """``(before, after)``: lists over stages of ``P_s`` (N, N) and ``S_s`` (N, N), output rows permuted.

    ``T = S_s @ B_s @ P_s`` for every stage ``s``.
    """
    sched = circuit.schedule
    n = circuit.n
    if mats is None:
        mats = element_matrices(sched, params)
    stages = sched.stages
    before = []
    state = np.eye(n, dtype=complex)
    for st in stages:
        before.append(state.copy())
        _apply_rows(st, mats[st.component][st.start:st.stop], state)
    after = [None] * len(stages)
    suffix = np.eye(n, dtype=complex)[sched.output_modes]
    for i in range(len(stages) - 1, -1, -1):
        after[i] = suffix.copy()
        st = stages[i]
        _apply_cols(st, mats[st.component][st.start:st.stop], suffix)
    return before, after


def _element_derivatives(params: Params, component: str, key: str) -> np.ndarray:
    """d(element matrix)/d(key) of every element of ``component``: (n, 2, 2) or (n,)."""
    spec = COMPONENTS[component]
    vals = params.component(component)
    plus = dict(vals)
    minus = dict(vals)
    plus[key] = vals[key] + _STEP
    minus[key] = vals[key] - _STEP
    return (spec.model(**plus) - spec.model(**minus)) / (2 * _STEP)


def matrix_jacobian(circuit: Circuit, params: Params, entries: np.ndarray) -> np.ndarray:
    """``(len(entries), N, N)`` complex: ``dT/d values[entries[j]]`` at ``params``.

    ``entries`` index :attr:`Params.values` (any mix of programmable and
    fixed entries of float settings).
    """
    entries = np.asarray(entries, dtype=int)
    table = circuit.table
    n = circuit.n
    out = np.zeros((entries.size, n, n), dtype=complex)
    if entries.size == 0:
        return out
    before, after = stage_products(circuit, params)
    where = np.full(table.size, -1, dtype=int)
    where[entries] = np.arange(entries.size)
    # stage of every element (component-local index -> stage)
    for b in table.blocks:
        sel = where[b.start:b.stop]
        if not np.any(sel >= 0):
            continue
        d = _element_derivatives(params, b.component, b.key)
        for si, st in enumerate(circuit.schedule.stages):
            if st.component != b.component:
                continue
            rows = sel[st.start:st.stop]
            keep = rows >= 0
            if not keep.any():
                continue
            dm = d[st.start:st.stop][keep]
            S, P = after[si], before[si]
            if dm.ndim == 1:
                mo = st.modes[keep]
                out[rows[keep]] = S[:, mo].T[:, :, None] * dm[:, None, None] * P[mo][:, None, :]
            else:
                mo = st.modes[keep]
                sl = np.stack([S[:, mo[:, 0]], S[:, mo[:, 1]]], axis=-1).transpose(1, 0, 2)  # (k, N, 2)
                pr = np.stack([P[mo[:, 0]], P[mo[:, 1]]], axis=1)  # (k, 2, N)
                out[rows[keep]] = sl @ dm @ pr
    return out
