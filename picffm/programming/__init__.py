"""Programming: find the phases that make a mesh implement a target matrix.

* :func:`decompose_clements`, :func:`decompose_reck`: unitary -> MZI and
  phase-screen phases of :func:`picffm.meshes.clements` / :func:`~picffm.meshes.reck`.
* :func:`takagi`: ``W = V diag(s) V^T`` for complex symmetric W.
* :func:`program_unitary` (Clements/Reck), :func:`program_symmetric`
  (symmetric core, returns the scale), :func:`program_svd` (general matrix on
  :func:`svd_mesh`), and :func:`program_matrix`, which dispatches by mesh kind
  and reports the reconstruction error.
* :func:`load_target`: read a target matrix from ``.npy`` or ``.csv``.

All phases in rad; exact for ideal 50:50 couplers and lossless elements.
"""

from .checks import as_target, check_unitary, relative_symmetry_error, unitarity_error
from .clements import decompose_clements
from .general import ProgramResult, program_matrix, relative_error
from .plans import PROGRAMMABLE_KINDS, MeshPlan, mesh_plan
from .reck import decompose_reck
from .svd import program_svd, svd_mesh
from .symmetric import core_phases, program_symmetric, set_core, symmetric_phases
from .takagi import takagi
from .target import TARGET_SUFFIXES, load_target
from .unitary import program_unitary

__all__ = [
    "decompose_clements",
    "decompose_reck",
    "takagi",
    "program_unitary",
    "program_symmetric",
    "symmetric_phases",
    "core_phases",
    "set_core",
    "program_svd",
    "svd_mesh",
    "program_matrix",
    "ProgramResult",
    "PROGRAMMABLE_KINDS",
    "MeshPlan",
    "mesh_plan",
    "as_target",
    "check_unitary",
    "relative_symmetry_error",
    "unitarity_error",
    "relative_error",
    "load_target",
    "TARGET_SUFFIXES",
]
