"""The general route: S-matrix of any netlist from its connection equations.

Feed-forward meshes compile to a schedule (:mod:`picffm.schedule`); every
other valid netlist -- loops, connections that reflect light (output to
output), terminators, more inputs than outputs -- is solved here, with
scipy.sparse. The same code also evaluates meshes, which gives an independent
check of the schedule (both routes agree to 1e-12).

Waves: at every instance port p, ``a[p]`` enters the instance and ``b[p]``
leaves it. Each instance scatters ``b = S_inst a`` over its own ports; a
connection p <-> q sets ``a[p] = b[q]`` and ``a[q] = b[p]``; an external port
e bound to p injects ``a[p] = x[e]`` and reads ``y[e] = b[p]``. With the
block-diagonal S of all instances, the connection matrix C and the injection
matrix E::

    a = C b + E x,  b = S a   =>   (I - S C) b = S E x,   S_circuit = E^T b / x

Instance S-matrices follow :mod:`picffm.models` and the port convention of
:mod:`picffm.components`. For a two-mode element with 2x2 transfer T (rows and
columns 0 = mode m, 1 = mode m+1)::

    S[o4, o1] = T00   S[o4, o2] = T01   S[o3, o1] = T10   S[o3, o2] = T11

and, by reciprocity, ``S[p, q] = S[q, p]`` (light sent backwards sees T.T).
Single-mode elements have ``S[o2, o1] = S[o1, o2] = t``; a terminator
absorbs (S = 0). No element reflects. The circuit S-matrix is indexed by the
external ports in file order; :func:`transfer_matrix_general` returns the
block ``T[outputs, inputs]`` with :attr:`Netlist.input_ports` /
:attr:`Netlist.output_ports`, the same layout as :meth:`Circuit.matrix`.

:func:`compile_any` is the one entry point used by the CLI: it compiles to a
schedule when the netlist is feed-forward and falls back to this route
otherwise, and says which route it took.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .components import COMPONENTS
from .errors import CompileError
from .netlist import Netlist
from .parameters import Params, as_params
from .schedule import compile_netlist, element_table

__all__ = [
    "GeneralCircuit",
    "CompiledNetlist",
    "circuit_smatrix",
    "transfer_matrix_general",
    "compile_any",
    "ROUTES",
]

#: the two ways a netlist is evaluated
ROUTES = ("feed-forward", "general")

# (row port, col port, T row, T col) for a two-mode element, ports o1..o4 = 0..3
_TWO_MODE = ((3, 0, 0, 0), (3, 1, 0, 1), (2, 0, 1, 0), (2, 1, 1, 1))


class GeneralCircuit:
    """A netlist analysed for the sparse S-matrix solve (any topology).

    The port numbering and the connection matrices are built once; each call
    of :meth:`smatrix` evaluates the element models (vectorised per
    component), assembles the sparse system and solves it.

    Attributes:
        netlist: the source netlist.
        port_names: external ports, in file order (S-matrix index order).
        input_ports, output_ports: external ports bound to instance inputs /
            outputs (the columns / rows of :meth:`matrix`).
        table: the element table (:func:`picffm.schedule.element_table`: the
            same element order as the feed-forward route, whatever the file order).
    """

    route = "general"

    def __init__(self, netlist: Netlist, table=None):
        import scipy.sparse as sp  # imported on first use: most commands never need it

        self.netlist = netlist
        self.table = element_table(netlist) if table is None else table
        port_index: dict[tuple[str, str], int] = {}
        for inst_name in self.table.names:
            for p in COMPONENTS[netlist.instances[inst_name].component].ports:
                port_index[(inst_name, p)] = len(port_index)
        self.n_ports = len(port_index)
        self.names = self.table.by_component
        # per component: (k, n_ports_of_component) global indices of o1, o2, ...
        self._port_idx = {
            c: np.array([[port_index[(n, p)] for p in COMPONENTS[c].ports] for n in lst], dtype=np.int64)
            for c, lst in self.names.items()
        }
        pairs = np.array([[port_index[tuple(a.split(","))], port_index[tuple(b.split(","))]]
                          for a, b in netlist.connections.items()], dtype=np.int64).reshape(-1, 2)
        rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
        cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
        self._c = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(self.n_ports, self.n_ports))
        self.port_names = tuple(netlist.ports)
        self._ext = np.array([port_index[tuple(netlist.ports[e].split(","))] for e in self.port_names],
                             dtype=np.int64)
        self.input_ports = netlist.input_ports
        self.output_ports = netlist.output_ports
        pos = {e: i for i, e in enumerate(self.port_names)}
        self._in = np.array([pos[e] for e in self.input_ports], dtype=np.int64)
        self._out = np.array([pos[e] for e in self.output_ports], dtype=np.int64)

    # -------------------------------------------------------------- settings
    def params(self, params: Any = None) -> Params:
        """:class:`Params` of this circuit (None, Params, parameter file or instance mapping)."""
        return as_params(self.table, params)

    # ------------------------------------------------------------ evaluation
    def instance_entries(self, params: Any = None, wl_um: Any = None
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Non-zero entries ``(rows, cols, values)`` of the instances' block-diagonal S.

        ``wl_um`` (um, scalar or array of shape (W,)) is the wavelength of
        evaluation (None: each element's design wavelength); with an array,
        ``values`` has shape (W, nnz), one row per wavelength.
        """
        p = self.params(params)
        wl = None if wl_um is None else np.asarray(wl_um, float)
        lead = () if wl is None else wl.shape
        rows, cols, vals = [], [], []
        for comp_name, idx in self._port_idx.items():
            comp = COMPONENTS[comp_name]
            if not comp.outputs:  # terminator: absorbs, S = 0
                continue
            m = comp.model(**p.component(comp_name), wl_um=None if wl is None else wl[..., None])
            if len(comp.ports) == 3:  # splitter / combiner: o1 <-> o2 and o1 <-> o3
                for k, q in ((0, 1), (1, 2)):
                    v = np.broadcast_to(m[..., k], lead + (idx.shape[0],))
                    rows += [idx[:, 0], idx[:, q]]
                    cols += [idx[:, q], idx[:, 0]]
                    vals += [v, v]
            elif comp.n_modes == 2:
                for rp, cp, i, j in _TWO_MODE:
                    v = np.broadcast_to(m[..., i, j], lead + (idx.shape[0],))
                    rows += [idx[:, rp], idx[:, cp]]
                    cols += [idx[:, cp], idx[:, rp]]
                    vals += [v, v]
            else:
                m = np.broadcast_to(m, lead + (idx.shape[0],))
                rows += [idx[:, 1], idx[:, 0]]
                cols += [idx[:, 0], idx[:, 1]]
                vals += [m, m]
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(lead + (0,), complex)
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals, axis=-1).astype(complex)

    def connection_matrix(self) -> "sp.csr_matrix":
        """C over all instance ports: ``C[p, q] = 1`` when p and q are connected (symmetric)."""
        return self._c

    def external_index(self) -> np.ndarray:
        """Instance-port index of each external port, in ``port_names`` order."""
        return self._ext

    def instance_smatrix(self, params: Any = None, wl_um: float | None = None) -> "sp.csr_matrix":
        """Block-diagonal S of all instances over all instance ports (sparse)."""
        import scipy.sparse as sp

        rows, cols, vals = self.instance_entries(params, wl_um)
        return sp.csr_matrix((vals, (rows, cols)), shape=(self.n_ports, self.n_ports))

    def smatrix(self, params: Any = None, wl_um: float | None = None) -> np.ndarray:
        """Circuit S-matrix over the external ports (``port_names`` order).

        ``wl_um``: wavelength of evaluation in um (None: design wavelengths).
        """
        import scipy.sparse as sp
        import scipy.sparse.linalg as spla

        s = self.instance_smatrix(params, wl_um)
        n = self.n_ports
        a = (sp.identity(n, dtype=complex, format="csc") - (s @ self._c).tocsc()).tocsc()
        rhs = s[:, self._ext].toarray()
        try:
            lu = spla.splu(a)
        except RuntimeError as exc:
            where = f"{self.netlist.source}: " if self.netlist.source else ""
            raise CompileError(
                where + f"the connection equations are singular ({exc}): "
                "a closed lossless loop on resonance has no unique solution"
            ) from None
        b = lu.solve(rhs)
        return b[self._ext]

    def matrix(self, params: Any = None) -> np.ndarray:
        """Transfer matrix ``T[outputs, inputs]`` (the block of the S-matrix)."""
        s = self.smatrix(params)
        return s[np.ix_(self._out, self._in)]


class CompiledNetlist:
    """A netlist compiled by whichever route fits it.

    Attributes:
        route: ``"feed-forward"`` (schedule, fast) or ``"general"`` (sparse solve).
        reason: why the schedule was not used (the CompileError message), or None.
        backend: a :class:`picffm.simulation.Circuit` or a :class:`GeneralCircuit`.
        input_ports, output_ports: the columns and rows of :meth:`matrix`.
    """

    def __init__(self, netlist: Netlist, route: str, backend: Any, reason: str | None = None):
        self.netlist = netlist
        self.route = route
        self.backend = backend
        self.reason = reason
        if route == "feed-forward":
            self.input_ports = backend.schedule.input_ports
            self.output_ports = backend.schedule.output_ports
        else:
            self.input_ports = backend.input_ports
            self.output_ports = backend.output_ports

    @property
    def table(self):
        """The element table (one element order on both routes)."""
        return self.backend.table

    def params(self, params: Any = None) -> Params:
        """:class:`Params` for ``params``; bad parameters raise ParamsError."""
        return self.backend.params(params)

    def matrix(self, params: Any = None) -> np.ndarray:
        """Transfer matrix ``T[outputs, inputs]``, whichever the route."""
        return self.backend.matrix(params)


def compile_any(netlist: Netlist) -> CompiledNetlist:
    """Compile ``netlist`` through the schedule if it is feed-forward, else generally."""
    from .simulation import Circuit  # same layer; imported here to keep the module light

    try:
        schedule = compile_netlist(netlist)
    except CompileError as exc:
        reason = str(exc)
        if netlist.source and reason.startswith(f"{netlist.source}: "):
            reason = reason[len(netlist.source) + 2:]
        return CompiledNetlist(netlist, "general", GeneralCircuit(netlist), reason=reason)
    return CompiledNetlist(netlist, "feed-forward", Circuit(schedule))


def circuit_smatrix(netlist: Netlist, params: Mapping[str, Mapping[str, Any]] | None = None
                    ) -> tuple[np.ndarray, tuple[str, ...]]:
    """S-matrix of any netlist over its external ports, and the port names (file order)."""
    gc = GeneralCircuit(netlist)
    return gc.smatrix(params), gc.port_names


def transfer_matrix_general(netlist: Netlist, params: Mapping[str, Mapping[str, Any]] | None = None
                            ) -> np.ndarray:
    """``T[outputs, inputs]`` of any netlist by the general (sparse S-matrix) route."""
    return GeneralCircuit(netlist).matrix(params)
