"""picffm: photonic integrated circuits of MZI meshes, simulated, programmed and
trained on the chip with fully forward mode (FFM) learning.

Conventions (docs/conventions.md): ``y = T @ x`` with ``T[out, in]``; phases in rad,
lengths in um, loss in dB. See :mod:`picffm.models` for the 2x2 matrices.

The curated API below covers the pipeline netlist -> schedule -> simulation ->
programming -> chip. Training, studies and layout live in their subpackages
(``picffm.training``, ``picffm.studies``, ``picffm.layout``), imported on first
use so that ``import picffm`` stays light (no matplotlib, no gdstk).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

from .chip import (  # noqa: E402
    PRESETS,
    Chip,
    ChipSpec,
    IdealChip,
    SimulatedChip,
    fidelity,
    load_spec,
    measure_matrix,
    preset,
    save_spec,
)
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
from .netlist import Instance, Netlist, load_netlist, netlist_json_schema, save_netlist  # noqa: E402
from .elements import ElementTable  # noqa: E402
from .parameters import Params, params_from_file  # noqa: E402
from .params import load_params, save_params  # noqa: E402
from .programming import (  # noqa: E402
    program_matrix,
    program_symmetric,
    program_unitary,
    takagi,
)
from .schedule import Schedule, compile_netlist  # noqa: E402
from .simulation import Circuit, Taps  # noqa: E402
from .smatrix import circuit_smatrix, compile_any  # noqa: E402

_LAZY_SUBPACKAGES = ("training", "studies", "layout")

__all__ = [
    "__version__",
    # netlists and compilation
    "Instance",
    "Netlist",
    "load_netlist",
    "save_netlist",
    "netlist_json_schema",
    "load_params",
    "save_params",
    "ElementTable",
    "Params",
    "params_from_file",
    "Schedule",
    "compile_netlist",
    "compile_any",
    "circuit_smatrix",
    "Circuit",
    "Taps",
    # meshes and programming
    "clements",
    "reck",
    "symmetric_core",
    "mzi_netlist",
    "mesh_netlist",
    "program_matrix",
    "program_symmetric",
    "program_unitary",
    "takagi",
    # chips
    "Chip",
    "IdealChip",
    "SimulatedChip",
    "ChipSpec",
    "PRESETS",
    "preset",
    "load_spec",
    "save_spec",
    "measure_matrix",
    "fidelity",
    # errors
    "PicffmError",
    "NetlistError",
    "CompileError",
    "ParamsError",
    "ProgrammingError",
    "SpecError",
    "LayoutError",
    "ConfigError",
    # subpackages
    *_LAZY_SUBPACKAGES,
]


def __getattr__(name: str):
    if name in _LAZY_SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'picffm' has no attribute {name!r}")
