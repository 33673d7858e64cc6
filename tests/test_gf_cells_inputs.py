"""cell_component refuses settings the layout would otherwise clip or draw meaninglessly.

The check runs before anything is drawn, so these cases need no gdsfactory.
"""

import pytest

from picffm.interop.gf_cells import cell_component


@pytest.mark.parametrize("component,kwargs,msg", [
    ("mzi", {"kappa1": 3.0}, "setting 'kappa1' = 3.0 is out of range; valid: kappa1 (float in [0, 1]"),
    ("attenuator", {"kappa2": -0.5}, "setting 'kappa2' = -0.5 is out of range"),
    ("coupler", {"kappa": float("nan")}, "setting 'kappa' = nan is out of range"),
    ("waveguide", {"length_um": -1.0}, "setting 'length_um' = -1.0 is out of range"),
])
def test_out_of_range_settings_are_refused_before_drawing(component, kwargs, msg):
    with pytest.raises(ValueError) as exc:
        cell_component(component, **kwargs)
    assert str(exc.value).startswith(f"cell_component({component!r}): ") and msg in str(exc.value)
