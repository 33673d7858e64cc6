"""Training optical networks of symmetric cores: FFM on the chip, in silico, ideal.

See ``docs/training.md``. Layers: :mod:`.datasets` (Iris, digits, CSV/TSV
tables; :mod:`.iris` holds the shipped Iris and the splits), :mod:`.encoding`,
:mod:`.network`, :mod:`.gradients` (FFM, chip protocol only), :mod:`.optim`,
:mod:`.prepare` (seeds, split, chips, initial state), :mod:`.trainers` (one
module per method and the method registry); then the experiment (:mod:`.experiment`: what runs;
:mod:`.units`: one unit and its checkpoints; :mod:`.results`: what a unit
produces, data only), the store (:mod:`.store`: the run directory) and the
scheduler (:mod:`.run`, :mod:`.parallel`), and :mod:`.report`;
:mod:`.truth` is evaluation-only (uses ``chip.reveal()``). On top:
:mod:`.api` (train on arrays, save, load, evaluate on any chip: for
notebooks), :mod:`.deployment` (a run's networks on other chips: ``picffm
evaluate``) and :mod:`.plots`.
"""

from .config import TrainConfig
from .experiment import Experiment, resolve_spec
from .results import TrainResult
from .run import run_experiment
from .units import deploy, evaluate_states, gradient_errors, train_network
from .trainers import (METHODS, Dataset, Method, Trainer, get_method, make_chips, make_dataset, make_trainer,
                       passes_per_update, register_method)

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
    "Method",
    "register_method",
    "get_method",
    "passes_per_update",
]
