"""The method registry: one module and one registration make a method trainable everywhere."""

import numpy as np
import pytest

from picffm.chip import preset
from picffm.errors import ConfigError
from picffm.training.config import TrainConfig
from picffm.training.experiment import Experiment
from picffm.training.trainers import (METHODS, Method, PhaseTrainer, get_method, make_chips, make_dataset,
                                      make_trainer, method_names, passes_per_update, register_method)
from picffm.training.trainers import registry


def test_builtin_methods_are_registered_in_order_with_their_capabilities():
    assert METHODS == ("ideal", "insilico", "ffm", "ffm-phase", "spsa", "fd", "insitu-bp", "pat",
                       "ffm-twin") == method_names()
    assert [m for m in METHODS if get_method(m).on_chip] == ["ffm", "ffm-phase", "spsa", "fd", "insitu-bp", "pat",
                                                             "ffm-twin"]
    assert [m for m in METHODS if get_method(m).monitors] == ["ffm-phase"]
    assert [m for m in METHODS if get_method(m).backward_light] == ["insitu-bp"]
    assert [m for m in METHODS if get_method(m).twin] == ["pat", "ffm-twin"]


def test_unknown_method_is_one_line_naming_the_valid_ones():
    with pytest.raises(ConfigError, match=r"unknown method 'nope'; valid: ideal, insilico, ffm, ffm-phase"):
        get_method("nope")
    with pytest.raises(ConfigError, match="unknown method"):
        passes_per_update("nope", 2, 35)


@pytest.fixture
def toy_method():
    class Toy(PhaseTrainer):
        method = "toy"

    m = register_method(Method("toy", Toy, lambda layers, batch, n: 2 * layers * batch, {"adam": 0.5, "sgd": 0.05},
                               monitors=True))
    try:
        yield m
    finally:
        registry._REGISTRY.pop("toy")


def test_a_registered_method_trains_and_is_accepted_by_the_experiment(toy_method):
    with pytest.raises(ValueError, match="registered twice"):
        register_method(toy_method)
    config = TrainConfig(epochs=1, batch_size=5)
    chips = make_chips(preset("mild"), 0, config.layers)
    tr = make_trainer("toy", chips, make_dataset(0, config), config, 0)
    assert tr.opt.lr == 0.5  # the registered default learning rate
    before = sum(c.passes for c in chips)
    loss = tr.step(np.arange(5))
    assert np.isfinite(loss)
    assert sum(c.passes for c in chips) - before == passes_per_update("toy", 2, 5) == 20
    Experiment(config, ("toy",), (("mild", preset("mild")),), (0,))  # accepted
