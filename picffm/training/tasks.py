"""A training experiment as tasks of the shared executor (:mod:`picffm.runs.executor`).

Every unit (method, chip configuration, seed) and every passes measurement
is one :class:`~picffm.runs.executor.Task` whose function is here: it rebuilds
what it needs from plain data (the experiment as JSON in the task context),
so it runs the same in this process, in a worker process or on a Dask
worker, and returns plain JSON (the executor's contract; floats survive the
round trip bit for bit). A unit reports every epoch through
:func:`picffm.runs.channel.report`, stops at the end of an epoch when
:func:`picffm.runs.channel.stop_requested` (after writing its checkpoint)
and, when the context names a checkpoint directory, continues from the
checkpoint it finds there. ``insilico`` units take their seed's ``ideal``
result as task inputs.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..runs import channel
from .experiment import Experiment
from .prepare import ideal_model
from .results import MODEL, result_from_plain, result_to_plain, states_from_plain, states_to_plain, unit_key
from .store import load_checkpoint, save_checkpoint
from .units import insilico_unit, measure_passes, train_unit

__all__ = ["unit_task", "passes_task", "plain_json", "unit_from_json"]


def plain_json(obj: Any) -> Any:
    """``obj`` with numpy arrays and scalars as lists and Python numbers (exact for float64)."""
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biuf":
            raise TypeError(f"cannot send an array of dtype {obj.dtype} as JSON")
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {k: plain_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain_json(v) for v in obj]
    return obj


@lru_cache(maxsize=8)
def _experiment(text: str) -> Experiment:
    return Experiment.from_dict(json.loads(text))


def unit_from_json(doc: dict, n_modes: int) -> tuple:
    """``(TrainResult, snapshots or None)`` from a unit task's result (layers of ``n_modes`` ports)."""
    table = ideal_model(n_modes).schedule.table
    snaps = doc.get("snapshots")
    return (result_from_plain(doc["result"], table),
            None if snaps is None else [states_from_plain(s, table) for s in snaps])


def unit_task(point: dict, seed: int, context: dict, ideal: dict | None = None,
              snapshots: list | None = None) -> dict:
    """Train (or, for ``insilico``, deploy) one unit; ``{"result": ..., "snapshots": ...}`` as JSON."""
    exp = _experiment(context["experiment"])
    chip, method, fold = point["chip"], point["method"], int(point["fold"])
    spec = None if chip == MODEL else dict(exp.chips)[chip]
    if method == "insilico":
        table = ideal_model(exp.config.modes).schedule.table
        snaps = None if snapshots is None else [states_from_plain(s, table) for s in snapshots]
        res, snap = insilico_unit(result_from_plain(ideal, table), chip, spec, seed, exp.config, snaps), None
    else:
        unit = (chip, method, seed, fold)
        ckpt = Path(context["checkpoints"]) / f"{unit_key(*unit)}.npz" if context.get("checkpoints") else None

        def on_epoch(row):
            channel.report({"chip": chip, "method": method, "seed": seed, "fold": fold, "row": row})

        res, snap = train_unit(method, chip, spec, seed, exp.config, fold=fold,
                               saved=None if ckpt is None else load_checkpoint(ckpt, unit), on_epoch=on_epoch,
                               checkpoint=None if ckpt is None else (lambda state: save_checkpoint(ckpt, unit, state)),
                               should_stop=channel.stop_requested)
    return plain_json({"result": result_to_plain(res),
                       "snapshots": None if snap is None else [states_to_plain(s) for s in snap]})


def passes_task(point: dict, seed: int, context: dict) -> dict:
    """Passes per update of one method, in closed form: ``{"passes": float}``."""
    exp = _experiment(context["experiment"])
    return {"passes": measure_passes(point["method"], exp.chips[0][1], exp.seeds[0], exp.config)}
