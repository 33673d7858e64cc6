"""What ``picffm train iris`` runs: an :class:`Experiment` (config, methods, chips, seeds) and its units.

An experiment is pure description: it is saved as the run directory's
``config.json`` and compared field by field on ``--resume``
(:func:`experiment_differences`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..chip import resolve_spec
from ..errors import ConfigError
from .config import TrainConfig, config_from_dict
from .results import MODEL
from .trainers import method_names

__all__ = ["Experiment", "resolve_spec", "experiment_differences", "DEFAULT_METHODS", "DEFAULT_SPECS"]

DEFAULT_METHODS = ("ideal", "insilico", "ffm", "ffm-phase", "spsa")
#: the three calibration qualities, then the chip calibrated per MZI whose splitting ratios were never
#: measured (the chip the targets are read on: :data:`picffm.training.paper.TARGET_CHIP`)
DEFAULT_SPECS = ("mild", "typical", "harsh", "phase-calibrated")


@dataclass(frozen=True)
class Experiment:
    """What ``picffm train iris`` runs.

    Attributes:
        config: training hyper-parameters.
        methods: trained methods (registered names, :data:`~picffm.training.trainers.METHODS`).
        chips: ``(label, spec)`` of every chip configuration.
        seeds: seeds (each: split, initialisation, minibatches, chip draw);
            every seed is trained once per cross-validation fold
            (``config.folds``).
        passes_methods: methods whose passes per update are measured (one
            update each) even if not trained.
    """

    config: TrainConfig
    methods: tuple
    chips: tuple
    seeds: tuple
    passes_methods: tuple = ("ffm", "ffm-phase", "spsa", "fd")

    def __post_init__(self):
        bad = [m for m in self.methods if m not in method_names()]
        if bad:
            raise ConfigError(f"unknown method {bad[0]!r}; valid: {', '.join(method_names())}")
        if not self.methods:
            raise ConfigError("no method to train")
        if not self.chips:
            raise ConfigError("no chip configuration")
        if not self.seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in self.seeds):
            raise ConfigError(f"seeds must be integers >= 0, got {self.seeds!r}")
        labels = [c[0] for c in self.chips]
        if len(set(labels)) != len(labels):
            raise ConfigError(f"chip configurations must have distinct names, got {labels}")

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), "methods": list(self.methods),
                "chips": {label: spec.to_dict() for label, spec in self.chips}, "seeds": list(self.seeds),
                "passes_methods": list(self.passes_methods)}

    @classmethod
    def from_dict(cls, doc: dict) -> "Experiment":
        """Inverse of :meth:`to_dict`; raises ConfigError/SpecError/KeyError/TypeError on a bad document."""
        from ..chip.spec import spec_from_dict

        if not isinstance(doc, dict) or not isinstance(doc.get("chips"), dict):
            raise ConfigError("'chips' must be a table of chip label -> spec")
        return cls(config_from_dict(doc["config"]), tuple(doc["methods"]),
                   tuple((label, spec_from_dict(s, name=label)) for label, s in doc["chips"].items()),
                   tuple(int(s) for s in doc["seeds"]), tuple(doc.get("passes_methods", ())))

    def replicates(self) -> list[tuple[int, int]]:
        """``(seed, fold)`` of every trained network of one method and chip."""
        return [(s, f) for s in self.seeds for f in range(self.config.folds)]

    def units(self) -> list[tuple[str, str, int, int]]:
        """``(chip label, method, seed, fold)`` in run order (ideal units first: in silico reuses them)."""
        out = []
        reps = self.replicates()
        if "ideal" in self.methods or "insilico" in self.methods:
            out += [(MODEL, "ideal", s, f) for s, f in reps]
        for label, _ in self.chips:
            for m in self.methods:
                if m == "ideal":
                    continue
                out += [(label, m, s, f) for s, f in reps]
        return out


def experiment_differences(stored: Experiment, given: Experiment) -> list[tuple[str, Any, Any]]:
    """``(field, stored value, given value)`` for every field where two experiments differ.

    Fields are ``config.<name>`` (a :class:`TrainConfig` field), ``methods``,
    ``chips`` (the labels), ``chips.<label>`` (a spec's content), ``seeds``
    and ``passes_methods``.
    """
    a, b = stored.to_dict(), given.to_dict()
    out = []
    for k in sorted(set(a["config"]) | set(b["config"])):
        if a["config"].get(k) != b["config"].get(k):
            out.append((f"config.{k}", a["config"].get(k), b["config"].get(k)))
    for k in ("methods", "seeds", "passes_methods"):
        if a[k] != b[k]:
            out.append((k, a[k], b[k]))
    if list(a["chips"]) != list(b["chips"]):
        out.append(("chips", list(a["chips"]), list(b["chips"])))
    else:
        out += [(f"chips.{k}", "(stored spec)", "(another spec)") for k in a["chips"] if a["chips"][k] != b["chips"][k]]
    return out
