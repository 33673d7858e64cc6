"""picffm: photonic integrated circuits of MZI meshes, simulated, programmed and
trained on the chip with fully forward mode (FFM) learning.

Conventions (docs/conventions.md): ``y = T @ x`` with ``T[out, in]``; phases in rad,
lengths in um, loss in dB. See :mod:`picffm.models` for the 2x2 matrices.

The curated API below covers the pipeline netlist -> schedule -> simulation ->
programming -> chip. Training, studies and layout live in their subpackages
(``picffm.training``, ``picffm.studies``, ``picffm.layout``). Every name and
subpackage is imported on first use, so ``import picffm`` costs next to
nothing and a command imports only what it runs (no matplotlib, no gdstk,
no numba until needed).
"""

from __future__ import annotations

import importlib
import importlib.util

__version__ = "0.1.0"

#: public name -> the module that defines it (imported on first use)
_API = {
    "PRESETS": "chip",
    "Chip": "chip",
    "ChipSpec": "chip",
    "IdealChip": "chip",
    "SimulatedChip": "chip",
    "fidelity": "chip",
    "load_spec": "chip",
    "measure_matrix": "chip",
    "preset": "chip",
    "save_spec": "chip",
    "CompileError": "errors",
    "ConfigError": "errors",
    "LayoutError": "errors",
    "NetlistError": "errors",
    "ParamsError": "errors",
    "PicffmError": "errors",
    "ProgrammingError": "errors",
    "SpecError": "errors",
    "clements": "meshes",
    "mesh_netlist": "meshes",
    "mzi_netlist": "meshes",
    "reck": "meshes",
    "symmetric_core": "meshes",
    "Instance": "netlist",
    "Netlist": "netlist",
    "load_netlist": "netlist",
    "netlist_json_schema": "netlist",
    "save_netlist": "netlist",
    "ElementTable": "elements",
    "Params": "parameters",
    "params_from_file": "parameters",
    "load_params": "params",
    "save_params": "params",
    "program_matrix": "programming",
    "program_symmetric": "programming",
    "program_unitary": "programming",
    "takagi": "programming",
    "Schedule": "schedule",
    "compile_netlist": "schedule",
    "Circuit": "simulation",
    "Taps": "simulation",
    "circuit_smatrix": "smatrix",
    "compile_any": "smatrix",
}

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
    """The public names and every submodule, imported on first use (PEP 562)."""
    if name in _API:
        value = getattr(importlib.import_module(f".{_API[name]}", __name__), name)
        globals()[name] = value  # found directly from now on
        return value
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'picffm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
