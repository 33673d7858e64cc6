"""Trainers touch a chip only through its measurement interface (DESIGN §5)."""

import numpy as np
import pytest

from picffm.chip import preset
from picffm.training.config import TrainConfig
from picffm.training.trainers import make_chips, make_dataset, make_trainer

#: what the Chip protocol offers a trainer
PROTOCOL = {"netlist", "schedule", "n_modes", "has_monitors", "program", "run", "intensities", "monitors",
            "advance", "passes", "time_s", "busy_s"}


class MeasurementOnly:
    """Forwards the protocol to a chip and fails loudly on anything else (reveal(), truth, ...)."""

    def __init__(self, chip):
        object.__setattr__(self, "_chip", chip)
        object.__setattr__(self, "touched", set())

    def __getattr__(self, name):
        if name not in PROTOCOL:
            raise AssertionError(f"trainer read {name!r}, which a real chip does not offer")
        self.touched.add(name)
        return getattr(self._chip, name)


@pytest.mark.parametrize("method", ["ffm", "ffm-phase", "spsa"])
def test_trainers_use_only_the_chip_protocol(method):
    config = TrainConfig(epochs=1, layers=2)
    chips = [MeasurementOnly(c) for c in make_chips(preset("typical"), 0, config.layers)]
    trainer = make_trainer(method, chips, make_dataset(0, config), config, 0)
    losses = trainer.train_steps(2)
    assert len(losses) == 2 and np.all(np.isfinite(losses))
    assert all("program" in c.touched for c in chips)
    assert sum(c.passes for c in chips) > 0  # every measurement went through the chips
