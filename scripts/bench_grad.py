#!/usr/bin/env python3
"""Phase-level FFM gradient of one symmetric core, beside a hand adjoint and JAX.

For the N-mode symmetric core ``M = U^T D U`` with tied random phases and a
batch of B = 1024 input vectors, the loss is ``L = sum |M x - t|^2`` and the
gradient is taken with respect to the tied MZI phases (theta, phi of every
``u_*``/``ut_*`` pair) and the attenuators (theta, psi). Three ways, timed in
the same run (minimum over rounds; the machine is shared, so compare ratios):

* **picffm FFM**: two ``Circuit.taps(read="gradient")`` passes (data and
  error, both forward) plus :func:`picffm.training.gradients.phase_gradients_from_taps`;
* **numpy adjoint**: a hand-written reverse-mode pass (forward walk storing
  the field before every stage, backward walk with ``T^H``, per-stage
  ``sum_b conj(lambda) x^T`` by matmul);
* **jax**: ``jax.jit(jax.value_and_grad(loss))`` of the same function
  (complex128, compile time excluded and printed apart), when JAX is installed.

It also times one taps pass against a plain column walk of the same core
(``_run``: one stacked 2x2 matmul per column) and the full matrix from new
phases against that walk and one N x N matmul. The three gradients are
checked against each other. Run with ``OPENBLAS_NUM_THREADS=1``.

    python scripts/bench_grad.py        (or: python scripts/bench.py grad)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchtools import best  # noqa: E402
from picffm.meshes import symmetric_core  # noqa: E402
from picffm.models import attenuator  # noqa: E402
from picffm.simulation import Circuit, _run, element_matrices  # noqa: E402
from picffm.training.gradients import phase_gradients_from_taps  # noqa: E402
from picffm.training.network import core_map  # noqa: E402

BATCH = 1024
SIZES = (64, 128)
#: issue targets: FFM <= 1x the numpy adjoint, taps pass <= 3x a column walk
TARGET_RATIO = 1.0
TAPS_TARGET = 3.0


def problem(n: int, rng: np.random.Generator):
    circ = Circuit.from_netlist(symmetric_core(n))
    cmap = core_map(circ.schedule)
    p = (rng.uniform(0, np.pi, cmap.n_mzi), rng.uniform(0, 2 * np.pi, cmap.n_mzi),
         rng.uniform(0.2, np.pi - 0.2, n), rng.uniform(0, 2 * np.pi, n))
    settings = cmap.tie(*p)
    x = rng.normal(size=(n, BATCH)) + 1j * rng.normal(size=(n, BATCH))
    x /= np.linalg.norm(x, axis=0)
    t = 0.1 * (rng.normal(size=(n, BATCH)) + 1j * rng.normal(size=(n, BATCH)))
    return circ, cmap, settings, p, x, t


def ffm_gradient(circ, cmap, settings, x, t):
    y, td = circ.taps(x, settings, read="gradient")
    g = y - t
    _, te = circ.taps(np.conj(g), settings, read="gradient")
    att = settings.component("attenuator")
    d = attenuator(theta=att["theta"], psi=att["psi"])
    gr = phase_gradients_from_taps(cmap, td, te, att["theta"], d)
    return float(np.sum(np.abs(g) ** 2)), np.concatenate([gr["u_theta"], gr["u_phi"], gr["att_theta"],
                                                          gr["att_psi"]])


def _mzi_derivatives(theta, phi, mirror):
    """T, dT/dtheta, dT/dphi of ideal MZIs (closed form), transposed for mirrored ones."""
    h = 0.5 * theta
    s, c = np.sin(h), np.cos(h)
    g = 1j * np.exp(1j * h)
    ep = np.exp(1j * phi)
    t = np.empty(theta.shape + (2, 2), complex)
    t[:, 0, 0], t[:, 1, 0], t[:, 0, 1], t[:, 1, 1] = g * ep * s, g * ep * c, g * c, -g * s
    dth = 0.5j * t
    dth[:, 0, 0] += 0.5 * g * ep * c
    dth[:, 1, 0] -= 0.5 * g * ep * s
    dth[:, 0, 1] -= 0.5 * g * s
    dth[:, 1, 1] -= 0.5 * g * c
    dph = np.zeros_like(t)
    dph[:, :, 0] = 1j * t[:, :, 0]
    sw = mirror[:, None, None]
    return tuple(np.where(sw, np.swapaxes(m, 1, 2), m) for m in (t, dth, dph))


def adjoint_gradient(circ, cmap, settings, x, t):
    """Reverse mode by hand: store the field before each stage, walk back with T^H."""
    sched = circ.schedule
    mzi, att = settings.component("mzi"), settings.component("attenuator")
    tm, dth, dph = _mzi_derivatives(mzi["theta"], mzi["phi"], mzi["mirror"])
    e = np.exp(1j * (0.5 * att["theta"] + att["psi"]))
    d = 1j * e * np.sin(0.5 * att["theta"])
    dd_th, dd_ps = 0.5j * np.exp(1j * (att["theta"] + att["psi"])), 1j * d
    n, nb = x.shape
    saved = []
    state = x.copy()
    for st in sched.stages:
        saved.append(state)
        off, k = st.offset, len(st)
        new = state.copy()
        if st.component == "mzi":
            np.matmul(tm[st.start:st.stop], state[off:off + 2 * k].reshape(k, 2, nb),
                      out=new[off:off + 2 * k].reshape(k, 2, nb))
        else:
            new[off:off + k] *= d[st.start:st.stop, None]
        state = new
    g = state - t
    loss = float(np.sum(np.abs(g) ** 2))
    lam = g.copy()
    g_th, g_ph = np.zeros(len(tm)), np.zeros(len(tm))
    for st, xin in zip(reversed(sched.stages), reversed(saved)):
        off, k = st.offset, len(st)
        sl = slice(st.start, st.stop)
        if st.component == "mzi":
            lv = lam[off:off + 2 * k].reshape(k, 2, nb)
            s = np.matmul(lv.conj(), xin[off:off + 2 * k].reshape(k, 2, nb).swapaxes(1, 2))
            g_th[sl] = 2.0 * np.real(np.sum(dth[sl] * s, axis=(1, 2)))
            g_ph[sl] = 2.0 * np.real(np.sum(dph[sl] * s, axis=(1, 2)))
            lv[...] = np.matmul(tm[sl].conj().swapaxes(1, 2), lv)
        else:
            s = np.sum(lam[off:off + k].conj() * xin[off:off + k], axis=1)
            ga_th, ga_ps = 2.0 * np.real(dd_th * s), 2.0 * np.real(dd_ps * s)
            lam[off:off + k] *= d.conj()[:, None]
    u, ut = cmap.u, cmap.ut
    return loss, np.concatenate([g_th[u] + g_th[ut], g_ph[u] + g_ph[ut], ga_th, ga_ps])


def jax_gradient(circ, cmap):
    """``jit(value_and_grad)`` of the same loss, or None without JAX (even N only).

    Every stage is one 2x2 block per mode pair ``(o + 2j, o + 2j + 1)`` of
    the field rolled by its offset ``o`` (identity blocks where the stage has
    no element, diagonal blocks for the attenuators), so the stages form one
    ``lax.scan`` that compiles once; JAX differentiates through it.
    """
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    sched = circ.schedule
    n = circ.n
    half = n // 2
    n_st = len(sched.stages)
    mirror = np.asarray(circ.params().component("mzi")["mirror"], bool)
    offsets = np.zeros(n_st, int)
    # per stage and pair slot: the element feeding it (-1: identity) and its kind
    elem = -np.ones((n_st, half), int)
    is_att = np.zeros(n_st, bool)
    for i, st in enumerate(sched.stages):
        if st.component == "mzi":
            offsets[i] = st.offset % 2
            elem[i, (st.modes[:, 0] - offsets[i]) // 2] = np.arange(st.start, st.stop)
        else:
            is_att[i] = True
    n_mzi = 2 * cmap.n_mzi
    u, ut = cmap.u, cmap.ut
    eye = np.broadcast_to(np.eye(2, dtype=complex), (n_st, half, 2, 2))

    def loss(p, x, t):
        u_th, u_ph, a_th, a_ps = p
        theta = jnp.zeros(n_mzi).at[u].set(u_th).at[ut].set(u_th)
        phi = jnp.zeros(n_mzi).at[u].set(u_ph).at[ut].set(u_ph)
        h = 0.5 * theta
        s, c, g, ep = jnp.sin(h), jnp.cos(h), 1j * jnp.exp(1j * h), jnp.exp(1j * phi)
        tm = jnp.stack([jnp.stack([g * ep * s, g * c], -1), jnp.stack([g * ep * c, -g * s], -1)], -2)
        tm = jnp.where(mirror[:, None, None], jnp.swapaxes(tm, -1, -2), tm)
        d = 1j * jnp.exp(1j * (0.5 * a_th + a_ps)) * jnp.sin(0.5 * a_th)
        dm = jnp.zeros((half, 2, 2), complex).at[:, 0, 0].set(d[0::2]).at[:, 1, 1].set(d[1::2])
        blocks = jnp.where((elem >= 0)[..., None, None], tm[np.maximum(elem, 0)], eye)
        blocks = jnp.where(is_att[:, None, None, None], dm[None], blocks)

        def step(state, k):
            o, m = k
            r = jnp.roll(state, -o, axis=0).reshape(half, 2, -1)
            return jnp.roll(jnp.matmul(m, r).reshape(n, -1), o, axis=0), None

        out, _ = jax.lax.scan(step, x, (jnp.asarray(offsets), blocks))
        return jnp.sum(jnp.abs(out - t) ** 2)

    vg = jax.jit(jax.value_and_grad(loss))

    def run(p, x, t):
        val, gr = vg(p, x, t)
        return float(val), np.concatenate([np.asarray(v) for v in gr])

    return run


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"phase-level gradient of one symmetric core, B = {BATCH} (ms, min over rounds)")
    rows = []
    for n in SIZES:
        circ, cmap, settings, p, x, t = problem(n, rng)
        l_f, g_f = ffm_gradient(circ, cmap, settings, x, t)
        l_a, g_a = adjoint_gradient(circ, cmap, settings, x, t)
        err = np.linalg.norm(g_f - g_a) / np.linalg.norm(g_a)
        t_ffm = best(lambda: ffm_gradient(circ, cmap, settings, x, t), repeat=5)
        t_adj = best(lambda: adjoint_gradient(circ, cmap, settings, x, t), repeat=5)
        jg = jax_gradient(circ, cmap)
        t_jax = jerr = t_compile = None
        if jg is not None:
            t0 = time.perf_counter()
            l_j, g_j = jg(p, x, t)
            t_compile = time.perf_counter() - t0
            jerr = np.linalg.norm(g_j - g_a) / np.linalg.norm(g_a)
            t_jax = best(lambda: jg(p, x, t), repeat=5)
        mats = element_matrices(circ.schedule, settings)
        t_walk = best(lambda: _run(circ.schedule.stages, mats, x.astype(complex)), repeat=5)
        t_taps = best(lambda: circ.taps(x, settings, read="gradient"), repeat=5)
        rows.append((n, t_ffm, t_adj, t_jax, t_compile, err, jerr, t_walk, t_taps))
    print(f"{'N':>4} {'ffm':>8} {'adjoint':>8} {'ffm/adj':>8} {'jax':>8} {'(compile s)':>11} "
          f"{'|ffm-adj|':>10} {'|jax-adj|':>10}")
    for n, tf, ta, tj, tc, e, je, _, _ in rows:
        js = f"{tj * 1e3:8.1f} {tc:11.1f}" if tj is not None else f"{'-':>8} {'-':>11}"
        jes = f"{je:10.1e}" if je is not None else f"{'-':>10}"
        print(f"{n:>4} {tf * 1e3:8.1f} {ta * 1e3:8.1f} {tf / ta:8.2f} {js} {e:10.1e} {jes}")
    print(f"target: ffm/adjoint <= {TARGET_RATIO:g}")
    print(f"\none taps pass (read='gradient') vs a plain column walk of the same core, B = {BATCH}")
    print(f"{'N':>4} {'taps':>8} {'walk':>8} {'ratio':>8}")
    for n, *_, tw, tt in rows:
        print(f"{n:>4} {tt * 1e3:8.1f} {tw * 1e3:8.1f} {tt / tw:8.2f}")
    print(f"target: ratio <= {TAPS_TARGET:g}")


if __name__ == "__main__":
    main()
