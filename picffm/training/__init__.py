"""Training optical networks of symmetric cores: FFM on the chip, in silico, ideal.

See ``docs/training.md``. Layers: :mod:`.iris` (data), :mod:`.encoding`,
:mod:`.network`, :mod:`.gradients` (FFM, chip protocol only), :mod:`.optim`,
:mod:`.trainers`, :mod:`.run` (units, experiments, run directory),
:mod:`.report`; :mod:`.truth` is evaluation-only (uses ``chip.reveal()``).
"""

from .config import METHODS, TrainConfig
from .run import (Experiment, TrainResult, deploy, evaluate_states, gradient_errors, resolve_spec,
                  run_experiment, train_network)
from .trainers import Dataset, Trainer, make_chips, make_dataset, make_trainer

__all__ = [
    "METHODS",
    "TrainConfig",
    "Experiment",
    "TrainResult",
    "deploy",
    "evaluate_states",
    "gradient_errors",
    "resolve_spec",
    "run_experiment",
    "train_network",
    "Dataset",
    "Trainer",
    "make_chips",
    "make_dataset",
    "make_trainer",
]
