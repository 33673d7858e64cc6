"""Independent reference calculations for the core tests (no schedule involved).

Meshes are rebuilt from their documented layout (picffm.meshes docstring) by
embedding every 2x2 MZI matrix into an N x N identity and multiplying, one
MZI at a time, in column order.
"""

from __future__ import annotations

import numpy as np

from picffm import models
from picffm.meshes import clements_layout, mzi_name, reck_layout


def embed(n: int, m: int, t2: np.ndarray) -> np.ndarray:
    """N x N identity with the 2x2 ``t2`` on modes (m, m+1)."""
    out = np.eye(n, dtype=complex)
    out[m:m + 2, m:m + 2] = t2
    return out


def cells(kind: str, n: int) -> list[tuple[int, int]]:
    if n == 2:
        return [(0, 0)]
    return clements_layout(n) if kind in ("clements", "symmetric") else reck_layout(n)


def mesh_part(n: int, cells_: list[tuple[int, int]], prefix: str, params: dict, *, mirror: bool = False) -> np.ndarray:
    """Product of the embedded MZIs, applied in column order (reverse for the mirror image)."""
    n_cols = 1 + max(c for c, _ in cells_)
    u = np.eye(n, dtype=complex)
    for c, m in sorted(cells_, reverse=mirror):
        s = dict(params.get(mzi_name(prefix, c, m, n_cols, n), {}))
        s.setdefault("mirror", mirror)
        u = embed(n, m, models.mzi(**s)) @ u
    return u


def mesh_matrix(kind: str, n: int, params: dict) -> np.ndarray:
    """Transfer matrix of ``meshes.<kind>(n)`` with ``params`` {instance: {setting: value}}."""
    w = len(str(n - 1))
    if kind in ("clements", "reck"):
        u = mesh_part(n, cells(kind, n), "mzi", params)
        ps = np.array([models.phase_shifter(**params.get(f"ps_m{m:0{w}d}", {})) for m in range(n)])
        return ps[:, None] * u
    if kind == "symmetric":
        u = mesh_part(n, cells(kind, n), "u", params)
        d = np.array([models.attenuator(**{"theta": np.pi, **params.get(f"d_m{m:0{w}d}", {})}) for m in range(n)])
        ut = mesh_part(n, cells(kind, n), "ut", params, mirror=True)
        return ut @ (d[:, None] * u)
    raise ValueError(kind)


def random_mesh_params(names: dict, rng: np.random.Generator, *, kappa_std: float = 0.0,
                       loss_db: float = 0.0) -> dict:
    """Random settings for every element of a compiled mesh (``schedule.names``)."""
    p: dict = {}
    for name in names.get("mzi", ()):
        p[name] = {"theta": float(rng.uniform(-np.pi, 3 * np.pi)), "phi": float(rng.uniform(0, 2 * np.pi))}
        if kappa_std:
            p[name].update(kappa1=float(np.clip(0.5 + kappa_std * rng.normal(), 0, 1)),
                           kappa2=float(np.clip(0.5 + kappa_std * rng.normal(), 0, 1)))
        if loss_db:
            p[name]["loss_db"] = float(rng.uniform(0, loss_db))
    for name in names.get("phase_shifter", ()):
        p[name] = {"phi": float(rng.uniform(0, 2 * np.pi))}
    for name in names.get("attenuator", ()):
        p[name] = {"theta": float(rng.uniform(0, 2 * np.pi)), "psi": float(rng.uniform(0, 2 * np.pi))}
    return p


def tie_mirror(params: dict, prefix: str = "u", mirror_prefix: str = "ut") -> dict:
    """Give every mirror MZI the settings of its twin (the tied symmetric core)."""
    out = dict(params)
    for name, s in params.items():
        if name.startswith(prefix + "_"):
            out[mirror_prefix + name[len(prefix):]] = dict(s)
    return out
