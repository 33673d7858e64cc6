"""Netlists: the structure of a circuit, validated at the file boundary.

The format is the subset of the sax / gdsfactory netlist that both read
(docs/conventions.md §8)::

    instances:            # name -> {component, settings}
      mzi_c0_m0: {component: mzi, settings: {theta: 0.5, phi: 0.0}}
    connections:          # "inst,port": "inst,port"
      mzi_c0_m0,o3: mzi_c1_m1,o1
    ports:                # external port -> "inst,port"
      in0: mzi_c0_m0,o1
    placements: {}        # optional: inst -> {x, y, rotation, mirror} (um, deg)
    info: {}              # picffm metadata (mesh kind, size, ...)

gdsfactory's spellings are read too: ``nets`` (a list of ``{p1: "inst,port",
p2: "inst,port"}``, gdsfactory's form of ``connections``) and a free-form
``info`` mapping per instance (kept and written back). Netlists that use PDK
cell names go through :mod:`picffm.interop.gdsfactory` first.

Files are YAML (``*.pic.yml``, ``*.yml``, ``*.yaml``) or JSON (``*.json``),
chosen by extension. :func:`load_netlist` rejects, with one message naming the
file, the instance or port and the valid choices: unknown keys, unknown
components, unknown or ill-typed settings, references to ports that do not
exist, ports connected twice, dangling instance ports, duplicate external
ports, non-identifier instance names, empty or non-mapping documents and
unparsable files.

The circuit's inputs are the external ports bound to instance *input* ports,
in the order they appear under ``ports``; likewise the outputs. Mesh
generators name them ``in0..in{N-1}`` and ``out0..out{N-1}``: mode ``k``
enters at ``in{k}`` and leaves at ``out{k}``.
"""

from ..atomic import atomic_write_bytes, atomic_write_text  # noqa: F401 (re-exported)
from ..documents import JSON_SUFFIXES, YAML_SUFFIXES  # noqa: F401 (re-exported)
from .checks import PLACEMENT_KEYS, TOP_LEVEL_KEYS  # noqa: F401 (re-exported)
from .files import dump_document, load_netlist, netlist_argument, read_document, save_netlist  # noqa: F401 (re-exported)
from .instance import Instance
from .model import Netlist
from .schema import netlist_json_schema


__all__ = [
    "Instance",
    "Netlist",
    "load_netlist",
    "save_netlist",
    "netlist_json_schema",
    "atomic_write_text",
]
