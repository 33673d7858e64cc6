"""picffm's sax models refuse settings outside their range instead of returning NaN."""

import numpy as np
import pytest
import sax  # noqa: F401 - sax switches jax to 64-bit, as in every sax session

from picffm.interop.sax import model, models


@pytest.mark.parametrize("name,kwargs,msg", [
    ("mzi", {"kappa1": 3.0}, "kappa1 = 3 is out of range; valid: kappa1 (float in [0, 1]"),
    ("coupler", {"kappa": -0.1}, "kappa = -0.1 is out of range"),
    ("phase_shifter", {"phi": float("nan")}, "phi = nan is out of range"),
    ("waveguide", {"length_um": -5.0}, "length_um = -5 is out of range"),
    ("mzi", {"wl": -1.0}, "wl = -1 is out of range; valid: wl (wavelength, um) in [0.1, 20]"),
    ("mzi", {"wl": np.array([1.5, 30.0])}, "wl = 30 is out of range"),
    ("mzi", {"theta": "a"}, "theta = 'a' is not a number"),
])
def test_out_of_range_settings_raise_value_error_naming_them(name, kwargs, msg):
    with pytest.raises(ValueError) as exc:
        model(name)(**kwargs)
    assert msg in str(exc.value) and f"picffm {name} model" in str(exc.value)


def test_valid_arrays_still_evaluate_and_match_the_scalar_calls():
    m = model("mzi")
    wl = np.array([1.5, 1.55, 1.6])
    many = m(theta=0.3, kappa1=0.45, wl=wl)
    for k, w in enumerate(wl):
        one = m(theta=0.3, kappa1=0.45, wl=float(w))
        for key in one:
            assert complex(np.asarray(many[key])[k]) == pytest.approx(complex(one[key]), abs=1e-15)
    assert all(np.all(np.isfinite(np.asarray(v))) for v in many.values())


def test_unknown_component_names_the_valid_ones():
    with pytest.raises(KeyError, match="no picffm component 'nope'; valid: attenuator"):
        model("nope")
    assert set(models()) >= {"mzi", "coupler", "waveguide"}
