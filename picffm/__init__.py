"""picffm: photonic integrated circuits of MZI meshes, simulated, programmed and
trained on the chip with fully forward mode (FFM) learning.

Conventions (DESIGN.md): ``y = T @ x`` with ``T[out, in]``; phases in rad,
lengths in um, loss in dB. See :mod:`picffm.models` for the 2x2 matrices.
"""

__version__ = "0.1.0"

from .errors import (  # noqa: E402
    CompileError,
    ConfigError,
    LayoutError,
    NetlistError,
    ParamsError,
    PicffmError,
    ProgrammingError,
    SpecError,
)
from .meshes import clements, mesh_netlist, mzi_netlist, reck, symmetric_core  # noqa: E402
from .netlist import Instance, Netlist, load_netlist, save_netlist  # noqa: E402
from .schedule import Schedule, compile_netlist  # noqa: E402
from .simulation import Circuit  # noqa: E402

__all__ = [
    "__version__",
    "Circuit",
    "CompileError",
    "ConfigError",
    "Instance",
    "LayoutError",
    "Netlist",
    "NetlistError",
    "ParamsError",
    "PicffmError",
    "ProgrammingError",
    "Schedule",
    "SpecError",
    "clements",
    "compile_netlist",
    "load_netlist",
    "mesh_netlist",
    "mzi_netlist",
    "reck",
    "save_netlist",
    "symmetric_core",
]
