"""The element matrices of a setting, and the column walk that applies them to a state.

:func:`element_matrices` evaluates every element model once; :func:`_run`
and :func:`_apply` walk the stages on an ``(N, B)`` state (numpy's stacked
2x2 matmuls, one Python step per column); :func:`_element_ops` and
:func:`_stacked` give the same walk as the flat arrays of the compiled
:func:`picffm.compiled.matrix_walk`.
"""

from __future__ import annotations

import numpy as np

from ..components import COMPONENTS
from ..parameters import Params
from ..schedule import Schedule


def element_matrices(schedule: Schedule, params: Params) -> dict[str, np.ndarray]:
    """Evaluate every element model once: component -> ``(n, 2, 2)`` or ``(n,)``."""
    return {comp: COMPONENTS[comp].model(**params.component(comp)) for comp in schedule.names}


def _two_and_one(schedule: Schedule) -> tuple[list[str], list[str]]:
    """Two-mode and single-mode components of a schedule, in a fixed order."""
    names = list(schedule.names)
    return [c for c in names if COMPONENTS[c].n_modes == 2], [c for c in names if COMPONENTS[c].n_modes == 1]


def _element_ops(schedule: Schedule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every element in stage order: its modes ``(a, b)`` (``b = -1`` single-mode) and row in :func:`_stacked`."""
    two, one = _two_and_one(schedule)
    start, acc = {}, 0
    for group in (two, one):
        acc = 0
        for c in group:
            start[c] = acc
            acc += len(schedule.names[c])
    op_a, op_b, op_k = [], [], []
    for st in schedule.stages:
        k = np.arange(st.start, st.stop) + start[st.component]
        if st.modes.ndim == 2:
            op_a.append(st.modes[:, 0])
            op_b.append(st.modes[:, 1])
        else:
            op_a.append(st.modes)
            op_b.append(np.full(len(st), -1))
        op_k.append(k)
    cat = (lambda v: np.concatenate(v).astype(np.int64)) if op_a else (lambda v: np.zeros(0, np.int64))
    return cat(op_a), cat(op_b), cat(op_k)


def _stacked(schedule: Schedule, mats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All two-mode element matrices ``(n2, 2, 2)`` and single-mode transmissions ``(n1,)``, stacked."""
    two, one = _two_and_one(schedule)
    t = mats[two[0]] if len(two) == 1 else np.concatenate([mats[c] for c in two]) if two else np.zeros((0, 2, 2), complex)
    o = (np.concatenate([mats[c] for c in one]) if one else np.zeros(0)).astype(complex, copy=False)
    return np.ascontiguousarray(t, dtype=complex), o


def _transposed(m: np.ndarray) -> np.ndarray:
    return np.swapaxes(m, -1, -2) if m.ndim == 3 else m


def _run(stages, mats: dict[str, np.ndarray], state: np.ndarray) -> np.ndarray:
    """Apply every stage to ``state`` (N, B); may return a different buffer.

    Same arithmetic as :func:`_apply` stage by stage (bit-identical results),
    but contiguous two-mode stages write their matmul straight into a second
    buffer (ping-pong) instead of computing a temporary and copying it back.
    """
    spare = None
    n = state.shape[0]
    for st in stages:
        m = mats[st.component][st.start:st.stop]
        off = st.offset
        if m.ndim == 1 or off is None:
            _apply(st, m, state)
            continue
        if spare is None:
            spare = np.empty_like(state)
        k = m.shape[0]
        end = off + 2 * k
        np.matmul(m, state[off:end].reshape(k, 2, -1), out=spare[off:end].reshape(k, 2, -1))
        if off:
            spare[:off] = state[:off]
        if end < n:
            spare[end:] = state[end:]
        state, spare = spare, state
    return state


def _apply(stage, m: np.ndarray, state: np.ndarray) -> None:
    """Apply one stage's element matrices ``m`` to ``state`` (N, B) in place."""
    off = stage.offset
    if m.ndim == 1:  # single-mode elements
        if off is not None:
            state[off:off + m.shape[0]] *= m[:, None]
        else:
            state[stage.modes] *= m[:, None]
        return
    k = m.shape[0]
    if off is not None:
        view = state[off:off + 2 * k]
        state[off:off + 2 * k] = np.matmul(m, view.reshape(k, 2, -1)).reshape(2 * k, -1)
    else:
        a, b = stage.modes[:, 0], stage.modes[:, 1]
        xa, xb = state[a], state[b]
        state[a] = m[:, 0, 0, None] * xa + m[:, 0, 1, None] * xb
        state[b] = m[:, 1, 0, None] * xa + m[:, 1, 1, None] * xb
