"""Trainers touch a chip only through its measurement interface (DESIGN §5)."""

import numpy as np
import pytest

from picffm.chip import preset
from picffm.training.config import TrainConfig
from picffm.training.trainers import make_chips, make_dataset, make_trainer

from _protocol import ProtocolOnly


@pytest.mark.parametrize("method", ["ffm", "ffm-phase", "spsa"])
def test_trainers_use_only_the_chip_protocol(method):
    config = TrainConfig(epochs=1, layers=2)
    chips = [ProtocolOnly(c) for c in make_chips(preset("typical"), 0, config.layers)]
    trainer = make_trainer(method, chips, make_dataset(0, config), config, 0)
    losses = trainer.train_steps(2)
    assert len(losses) == 2 and np.all(np.isfinite(losses))
    assert all("program" in c.touched for c in chips)
    assert sum(c.passes for c in chips) > 0  # every measurement went through the chips
