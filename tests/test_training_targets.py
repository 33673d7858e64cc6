"""The targets block of ``picffm train iris``: every target read on one chip, the target chip, whatever the order."""

from picffm.training.paper import PAPER_ACCURACY, TARGET_CHIP, TARGETS
from picffm.training.tables import format_targets, target_rows


def _chip(ideal, ffm, insilico, grad, fitted):
    s = lambda v: {"mean": v, "std": 0.0, "n": 9}  # noqa: E731
    return {"ideal": {"test_acc": s(ideal)},
            "ffm": {"test_acc": s(ffm), "minus_ideal": s(ffm - ideal), "grad_error": s(grad),
                    "insilico_grad_error": s(fitted)},
            "insilico": {"test_acc": s(insilico)}}


def _rows(chips: dict) -> dict:
    return {r[0]: r for r in target_rows({"chips": chips})}


def test_targets_are_read_on_the_target_chip_in_any_order():
    target = _chip(94.0, 94.5, PAPER_ACCURACY["insilico"][0] + 1.0, 3.0, 9.0)
    other = _chip(60.0, 50.0, 90.0, 20.0, 30.0)
    for chips in ({"typical": other, TARGET_CHIP: target}, {TARGET_CHIP: target, "typical": other}):
        rows = _rows(chips)
        assert rows["ideal"][1:] == ["94.0", f"{PAPER_ACCURACY['ideal'][0]:.1f}",
                                     f"{PAPER_ACCURACY['ideal'][0]:.1f} ± {TARGETS['ideal_points']:g}", "yes"]
        assert rows["ffm - ideal"][1] == "+0.5" and rows["ffm - ideal"][-1] == "yes"
        assert rows["insilico on the chip"][-1] == "yes"
        assert rows["ffm gradient error"][1] == "3.0 %" and rows["ffm gradient error"][-1] == "yes"
        assert rows["in-silico (fitted) gradient error"][-1] == "no"  # 9 % is above 4-8 %
        head = format_targets({"chips": chips})[1]
        assert head.startswith(f"Targets on chip {TARGET_CHIP} (every target on this one chip")


def test_without_the_target_chip_the_first_chip_is_read_and_no_rule_is_claimed():
    chips = {"typical": _chip(94.0, 94.5, 90.0, 4.0, 11.0), "harsh": _chip(60.0, 50.0, 60.0, 20.0, 30.0)}
    rows = _rows(chips)
    assert rows["insilico on the chip"][1] == "90.0" and rows["insilico on the chip"][-1] == "no"
    head = format_targets({"chips": chips})[1]
    assert head.startswith("Targets on chip typical (accuracy") and "one chip" not in head
