"""The method registry: one record per training method, filled by the trainer modules.

A method is one module of :mod:`picffm.training.trainers` holding its trainer
class and ending with one :func:`register_method` call; its name is then
accepted by :func:`~picffm.training.trainers.make_trainer`,
:func:`passes_per_update`, ``picffm train --method`` and the run store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from ...errors import ConfigError
from ..encoding import N_MODES

__all__ = ["Method", "register_method", "get_method", "method_names", "passes_per_update", "learning_rate",
           "make_trainer"]


@dataclass(frozen=True)
class Method:
    """What the rest of picffm needs to know about one training method.

    Attributes:
        name: the method's name (``picffm train --method NAME``).
        trainer: its :class:`~picffm.training.trainers.base.Trainer` subclass
            (``insilico`` has ``ideal``'s: its units reuse the ``ideal`` result,
            programmed once onto the chip).
        passes: ``passes(layers, batch, n_modes) -> int``, the optical passes
            one update sends through the chips, in closed form (checked against
            the chips' pass counters by the tests).
        lr: default learning rate per optimiser name (used when
            ``TrainConfig.lr`` is ``None``); units are those of the method's
            parameters (weights and gains, or rad).
        on_chip: the updates are measured on the chip of the unit's spec
            (``False``: the unit trains on the ideal model).
        monitors: the method reads the monitor taps.
        backward_light: the method sends light backwards through the chips.
        twin: the method needs a calibrated digital twin of each chip.
        summary: one line for help texts.
    """

    name: str
    trainer: type
    passes: Callable[[int, int, int], int]
    lr: Mapping[str, float] = field(default_factory=dict)
    on_chip: bool = True
    monitors: bool = False
    backward_light: bool = False
    twin: bool = False
    summary: str = ""


_REGISTRY: dict[str, Method] = {}


def register_method(method: Method) -> Method:
    """Add ``method`` to the registry (each name once); returns it."""
    if method.name in _REGISTRY:
        raise ValueError(f"training method {method.name!r} is registered twice")
    _REGISTRY[method.name] = method
    return method


def method_names() -> tuple[str, ...]:
    """Every registered method, in registration order."""
    return tuple(_REGISTRY)


def get_method(name: str) -> Method:
    """The record of ``name``; an unknown name raises ConfigError listing the valid ones."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown method {name!r}; valid: {', '.join(_REGISTRY)}") from None


def passes_per_update(method: str, layers: int, batch: int, n_modes: int = N_MODES) -> int:
    """Optical passes one update of ``method`` sends through ``layers`` chips of ``n_modes`` modes
    for a batch of ``batch`` samples (closed form; see each method's module)."""
    return int(get_method(method).passes(layers, batch, n_modes))


def learning_rate(method: str, config) -> float:
    """``config.lr`` if set, else the method's default for ``config.optimizer``."""
    if config.lr is not None:
        return float(config.lr)
    return float(get_method(method).lr[config.optimizer])


def make_trainer(method: str, chips, data, config, seed: int, **options):
    """The trainer of ``method`` on ``chips`` (one per layer, the protocol only).

    ``options`` go to the trainer class (e.g. a twin for methods that need
    one). Methods with ``on_chip=False`` (``ideal``, ``insilico``) expect the
    ideal model's chips.
    """
    m = get_method(method)
    return m.trainer(chips, data, config, seed, method=method, **options)
