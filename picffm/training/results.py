"""What a training unit produces, as data: :class:`TrainResult`, unit keys, plain-data forms.

Data only: this module runs nothing. The scheduler (:mod:`.run`), the run
store (:mod:`.store`) and the reports (:mod:`.report`) all read it, so none of
them needs another.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..elements import ElementTable
from ..parameters import Params
from .network import LayerState

__all__ = ["TrainResult", "MODEL", "unit_key", "states_to_plain", "states_from_plain", "result_to_plain",
           "result_from_plain"]

#: label of the ideal model (the ``ideal`` units do not depend on a chip spec)
MODEL = "model"


@dataclass(frozen=True, eq=False)
class TrainResult:
    """Outcome of one unit (plain data; picklable for worker processes).

    Attributes:
        method, chip, seed: what was trained where (``chip`` is the spec label,
            :data:`MODEL` for the ideal model).
        fold: the cross-validation fold of the seed's split the unit was
            trained without and tested on (0 with a single split).
        states: final network (settings and gain per layer).
        history: per-epoch rows (epoch, loss, train_acc, test_acc, updates,
            train_passes); for ``insilico``, the ideal network of each epoch
            deployed on the chip.
        train_acc, test_acc: final accuracies (fractions) where it is tested.
        updates, train_passes: optimiser steps and optical passes they used.
        grad: gradient errors at ``config.grad_probe_step`` (or empty).
        train_busy_s: the chips' estimated busy time of the updates (s): their
            passes and reprogrammings under the chips' time model
            (:class:`~picffm.chip.spec.TimingSpec`); not the drift clock.
        seconds: wall time of the unit.
    """

    method: str
    chip: str
    seed: int
    states: list
    history: list
    train_acc: float
    test_acc: float
    updates: int
    train_passes: int
    grad: dict = field(default_factory=dict)
    seconds: float = 0.0
    fold: int = 0
    train_busy_s: float = 0.0

    @property
    def passes_per_update(self) -> float | None:
        return self.train_passes / self.updates if self.updates else None


def unit_key(chip: str, method: str, seed: int, fold: int = 0) -> str:
    """File-name-safe key of a unit, distinct for distinct ``(chip, method, seed, fold)``.

    A label made only of letters, digits, ``-``, ``_`` and ``.`` is used as
    it is (``typical__ffm__0__f2``: seed 0, fold 2); any other label is
    spelled with ``_`` for the other characters plus ``+`` and 8 hex digits
    of its SHA-256 (``spec_a+1b2c3d4e__ffm__0__f0``), so ``spec a`` and
    ``spec_a`` never share a file.
    """
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in chip)
    if safe != chip or not chip or chip.startswith("."):
        safe = f"{safe}+{hashlib.sha256(chip.encode('utf-8')).hexdigest()[:8]}"
    return f"{safe}__{method}__{int(seed)}__f{int(fold)}"


def states_to_plain(states: Sequence[LayerState]) -> list[dict]:
    """``[{"values": flat parameter vector, "netlist": [name, sha256], "gain": float}, ...]``."""
    return [{"values": np.asarray(st.params.values), "gain": float(st.gain),
             "netlist": [st.params.table.netlist_name, st.params.table.netlist_hash]} for st in states]


def states_from_plain(doc: Sequence[dict], table: ElementTable) -> list[LayerState]:
    """Inverse of :func:`states_to_plain` on the element ``table`` of the layers' netlist.

    Raises ValueError if a state was saved for another netlist (name or content hash).
    """
    out = []
    for st in doc:
        name, digest = st["netlist"]
        if digest != table.netlist_hash:
            raise ValueError(f"saved for netlist {name!r} (sha256 {str(digest)[:12]}), not {table.describe()}")
        out.append(LayerState(Params(table, st["values"]), float(st["gain"])))
    return out


def result_to_plain(r: TrainResult) -> dict[str, Any]:
    """A :class:`TrainResult` as a tree of plain values and arrays (for a state file)."""
    return {"method": r.method, "chip": r.chip, "seed": int(r.seed), "states": states_to_plain(r.states),
            "history": list(r.history), "train_acc": float(r.train_acc), "test_acc": float(r.test_acc),
            "updates": int(r.updates), "train_passes": int(r.train_passes), "grad": dict(r.grad),
            "seconds": float(r.seconds), "fold": int(r.fold), "train_busy_s": float(r.train_busy_s)}


def result_from_plain(doc: dict[str, Any], table: ElementTable) -> TrainResult:
    """Inverse of :func:`result_to_plain` (``table``: the element table of the layers' netlist)."""
    return TrainResult(str(doc["method"]), str(doc["chip"]), int(doc["seed"]), states_from_plain(doc["states"], table),
                       list(doc["history"]), float(doc["train_acc"]), float(doc["test_acc"]), int(doc["updates"]),
                       int(doc["train_passes"]), dict(doc["grad"]), float(doc["seconds"]), int(doc["fold"]),
                       float(doc.get("train_busy_s", 0.0)))
