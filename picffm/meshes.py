"""Mesh generators: Clements, Reck and the symmetric core, as netlists.

Layouts (mode m couples to m+1; an MZI on pair (m, m+1) is named by its column
c and lower mode m, zero-padded to the width of the largest index):

* **Clements** (rectangular, Clements et al., Optica 3, 1460 (2016)): N
  columns; column c holds MZIs on every pair (m, m+1) with m = c mod 2.
  N(N-1)/2 MZIs ``mzi_c{c}_m{m}``, then an output phase screen
  ``ps_m{m}`` (one phase shifter per mode). ``U = Phi @ L_{N-1} ... L_0``.
* **Reck** (triangular, Reck et al., PRL 73, 58 (1994)): diagonal k = 0..N-2
  holds MZIs on (m, m+1) for m = k, k-1, ..., 0, placed in column
  c = 2k - m (so 2N-3 columns of same-parity pairs), then the output phase
  screen ``ps_m{m}``.
* **Symmetric core** (docs/conventions.md §5): ``M = U0.T @ D @ U0``. A Clements
  mesh without phase screen (``u_c{c}_m{m}``), one column of attenuators with
  phase ``d_m{m}``, then the mirror image of the mesh (``ut_c{c}_m{m}``: the
  same MZIs in reverse column order, ``mirror: true``). A unitary's output
  phase screen commutes into D, so none is needed.
* **SVD** (any N x N matrix up to a scale, ``A = U diag(s) V^H``): a Clements
  mesh without phase screen (``vh_c{c}_m{m}``, V^H), one column of attenuators
  (``s_m{m}``, full transmission by default: theta = pi), a second Clements
  mesh (``u_c{c}_m{m}``, U) and the output phase screen ``ps_m{m}``.
  :func:`picffm.programming.program_svd` sets its phases for a target.

External ports are ``in0..in{N-1}`` and ``out0..out{N-1}``; ``info`` records the
mesh kind and size, and for the symmetric core the mirror twins as data
(``info.mirror_twins``: {copy: source}, read by the compiler into
:attr:`picffm.elements.ElementTable.twin`; nothing parses the names).
"""

from __future__ import annotations

from typing import Any, Iterable

from .errors import NetlistError
from .netlist import Netlist

__all__ = [
    "clements_layout",
    "reck_layout",
    "clements",
    "reck",
    "symmetric_core",
    "svd",
    "mzi_netlist",
    "mesh_netlist",
    "MESH_KINDS",
    "mzi_name",
]

MESH_KINDS = ("clements", "reck", "symmetric", "svd")


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise NetlistError(f"mesh size N must be an integer >= 2, got {n!r}")
    return n


def clements_layout(n: int) -> list[tuple[int, int]]:
    """(column, lower mode) of every MZI of an N-mode Clements mesh, column-major."""
    n = _check_n(n)
    return [(c, m) for c in range(n) for m in range(c % 2, n - 1, 2)]


def reck_layout(n: int) -> list[tuple[int, int]]:
    """(column, lower mode) of every MZI of an N-mode Reck mesh, column-major."""
    n = _check_n(n)
    cells = [(2 * k - m, m) for k in range(n - 1) for m in range(k, -1, -1)]
    return sorted(cells)


def _w(n: int) -> int:
    return len(str(max(n - 1, 1)))


def mzi_name(prefix: str, c: int, m: int, n_columns: int, n_modes: int) -> str:
    """Stable instance name of the MZI in column c on modes (m, m+1)."""
    return f"{prefix}_c{c:0{_w(n_columns)}d}_m{m:0{_w(n_modes)}d}"


def _mesh(cells: Iterable[tuple[int, int]], n: int, prefix: str, *, mirror: bool = False,
          settings: dict | None = None) -> tuple[dict, dict, list[str], list[str]]:
    """Instances and connections of a mesh; returns (instances, connections,
    input refs per mode, output refs per mode)."""
    cells = list(cells)
    n_cols = 1 + max(c for c, _ in cells)
    instances: dict[str, dict] = {}
    connections: dict[str, str] = {}
    front: list[str | None] = [None] * n  # current output ref on each mode
    first: list[str | None] = [None] * n
    order = sorted(cells, reverse=mirror)
    for c, m in order:
        name = mzi_name(prefix, c, m, n_cols, n)
        s = dict(settings or {"theta": 0.0, "phi": 0.0})
        if mirror:
            s["mirror"] = True
        instances[name] = {"component": "mzi", "settings": s}
        for mode, pin, pout in ((m, "o1", "o4"), (m + 1, "o2", "o3")):
            if front[mode] is None:
                first[mode] = f"{name},{pin}"
            else:
                connections[front[mode]] = f"{name},{pin}"
            front[mode] = f"{name},{pout}"
    return instances, connections, first, front


def _assemble(n: int, parts: list[tuple[dict, dict, list, list]], info: dict) -> Netlist:
    instances: dict[str, dict] = {}
    connections: dict[str, str] = {}
    ins: list[str | None] = [None] * n
    outs: list[str | None] = [None] * n
    for inst, conn, first, last in parts:
        instances.update(inst)
        connections.update(conn)
        for k in range(n):
            if first[k] is None:
                continue
            if outs[k] is None:
                if ins[k] is None:
                    ins[k] = first[k]
                else:  # mode k untouched so far: impossible for our meshes
                    raise AssertionError("mesh part leaves a gap")
            else:
                connections[outs[k]] = first[k]
            outs[k] = last[k]
    ports = {f"in{k}": ins[k] for k in range(n)}
    ports.update({f"out{k}": outs[k] for k in range(n)})
    return Netlist.from_dict({"instances": instances, "connections": connections, "ports": ports, "info": info})


def _diag(n: int, prefix: str, component: str, settings: dict) -> tuple[dict, dict, list, list]:
    inst, first, last = {}, [], []
    for m in range(n):
        name = f"{prefix}_m{m:0{_w(n)}d}"
        inst[name] = {"component": component, "settings": dict(settings)}
        first.append(f"{name},o1")
        last.append(f"{name},o2")
    return inst, {}, first, last


def clements(n: int) -> Netlist:
    """N-mode Clements mesh with output phase screen; all phases 0."""
    n = _check_n(n)
    if n == 2:
        cells = [(0, 0)]
    else:
        cells = clements_layout(n)
    return _assemble(n, [_mesh(cells, n, "mzi"), _diag(n, "ps", "phase_shifter", {"phi": 0.0})],
                     {"kind": "clements", "n": n})


def reck(n: int) -> Netlist:
    """N-mode Reck (triangular) mesh with output phase screen; all phases 0."""
    n = _check_n(n)
    return _assemble(n, [_mesh(reck_layout(n), n, "mzi"), _diag(n, "ps", "phase_shifter", {"phi": 0.0})],
                     {"kind": "reck", "n": n})


def symmetric_core(n: int) -> Netlist:
    """N-mode symmetric core U0^T D U0 (docs/conventions.md §5); identity-like defaults.

    ``u_*`` MZIs form a Clements mesh U0, ``d_m*`` attenuators (theta = pi:
    full transmission) form D, ``ut_*`` MZIs are the mirror image of U0.
    """
    n = _check_n(n)
    cells = clements_layout(n) if n > 2 else [(0, 0)]
    n_cols = 1 + max(c for c, _ in cells)
    twins = {mzi_name("ut", c, m, n_cols, n): mzi_name("u", c, m, n_cols, n) for c, m in cells}
    return _assemble(
        n,
        [_mesh(cells, n, "u"), _diag(n, "d", "attenuator", {"theta": 3.141592653589793, "psi": 0.0}),
         _mesh(cells, n, "ut", mirror=True)],
        {"kind": "symmetric", "n": n, "mesh": "clements", "mirror_twins": twins},
    )


def svd(n: int) -> Netlist:
    """N-mode SVD mesh: Clements ``vh_*``, attenuators ``s_m*`` (theta = pi: full transmission),
    Clements ``u_*``, output phase screen ``ps_m*``; ``info.kind = 'svd'``; all phases 0."""
    n = _check_n(n)
    cells = clements_layout(n) if n > 2 else [(0, 0)]
    return _assemble(
        n,
        [_mesh(cells, n, "vh"), _diag(n, "s", "attenuator", {"theta": 3.141592653589793, "psi": 0.0}),
         _mesh(cells, n, "u"), _diag(n, "ps", "phase_shifter", {"phi": 0.0})],
        {"kind": "svd", "n": n, "mesh": "clements"},
    )


def mzi_netlist() -> Netlist:
    """A single MZI between two input and two output ports."""
    return _assemble(2, [_mesh([(0, 0)], 2, "mzi")], {"kind": "mzi", "n": 2})


def mesh_netlist(kind: str, n: int) -> Netlist:
    """Netlist of a mesh by kind name: one of :data:`MESH_KINDS`."""
    gens = {"clements": clements, "reck": reck, "symmetric": symmetric_core, "svd": svd}
    if kind not in gens:
        raise NetlistError(f"unknown mesh kind {kind!r}; valid: {', '.join(MESH_KINDS)}")
    return gens[kind](n)
