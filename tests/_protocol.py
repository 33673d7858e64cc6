"""A chip seen only through its protocol, for the tests that check trainers and calibration touch nothing else."""

from picffm.chip.interface import Chip

#: what the Chip protocol offers: its declared attributes, methods and properties
PROTOCOL = frozenset(Chip.__annotations__) | {name for name in vars(Chip) if not name.startswith("_")}


class ProtocolOnly:
    """Forwards the protocol to a chip and fails loudly on anything else (reveal(), truth, private state).

    ``touched`` collects the protocol names read; ``programs`` counts ``program()`` calls (for the time model).
    """

    def __init__(self, chip):
        object.__setattr__(self, "_chip", chip)
        object.__setattr__(self, "touched", set())
        object.__setattr__(self, "programs", 0)

    def __getattr__(self, name):
        if name not in PROTOCOL:
            raise AssertionError(f"read {name!r}, which a real chip does not offer")
        self.touched.add(name)
        if name == "program":  # counted, for the time model's check
            def program(params):
                object.__setattr__(self, "programs", self.programs + 1)
                return self._chip.program(params)
            return program
        return getattr(self._chip, name)
