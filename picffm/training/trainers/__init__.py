"""Trainers: the update loops, each touching its chips only through the chip protocol.

One module per method, each ending with its :func:`register_method` call:

* :mod:`.matrix`: ``ideal``, ``insilico`` and ``ffm`` (matrix-level FFM,
  reprogramming each update);
* :mod:`.phase`: ``ffm-phase`` (phase-level FFM from the monitor taps);
* :mod:`.spsa`, :mod:`.fd`: gradient-free in-situ baselines in the same
  phase space, which only read the loss.

:mod:`.registry` holds the records (:class:`Method`: trainer class,
closed-form passes per update, default learning rates, whether the method
needs monitors, backward light or a twin); :mod:`.base` the common loop.
A new method is one new module here plus its name in the import line below.
"""

# each module registers its methods, in this order
from . import matrix, phase, spsa, fd, insitu_bp, pat, ffm_twin  # noqa: F401
from ..prepare import (Dataset, design_netlist, ideal_model, initial_states, make_chips, make_dataset,
                       seed_streams)
from .base import Trainer
from .fd import FiniteDifferenceTrainer
from .matrix import MatrixTrainer
from .phase import PhaseSpaceTrainer, PhaseTrainer
from .registry import (Method, get_method, learning_rate, make_trainer, method_names, passes_per_update,
                       register_method)
from .spsa import SPSATrainer

#: every registered training method
METHODS = method_names()
#: methods whose updates are measured on the chip itself
TRAINED_ON_CHIP = tuple(m for m in METHODS if get_method(m).on_chip)

__all__ = [
    "METHODS",
    "TRAINED_ON_CHIP",
    "Method",
    "register_method",
    "get_method",
    "method_names",
    "learning_rate",
    "make_trainer",
    "passes_per_update",
    "Trainer",
    "MatrixTrainer",
    "PhaseSpaceTrainer",
    "PhaseTrainer",
    "SPSATrainer",
    "FiniteDifferenceTrainer",
    "Dataset",
    "seed_streams",
    "make_dataset",
    "design_netlist",
    "ideal_model",
    "make_chips",
    "initial_states",
]
