"""The curated public API: every name resolves, and ``import picffm`` stays light."""

import subprocess
import sys

import picffm


def test_every_public_name_resolves():
    missing = [n for n in picffm.__all__ if not hasattr(picffm, n)]
    assert missing == []


def test_import_is_light_and_subpackages_load_on_demand():
    code = (
        "import sys, picffm\n"
        "heavy = [m for m in ('matplotlib', 'gdstk', 'tqdm', 'dask', 'sax', 'jax', 'gdsfactory', 'skrf', 'numba') if m in sys.modules]\n"
        "assert heavy == [], heavy\n"
        "picffm.layout.build_layout\n"
        "assert 'gdstk' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_pipeline_through_the_top_level_api():
    import numpy as np

    net = picffm.symmetric_core(4)
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    w = w + w.T
    settings, scale = picffm.program_symmetric(picffm.compile_netlist(net), w)
    m = picffm.Circuit.from_netlist(net).matrix(settings)
    np.testing.assert_allclose(m * scale, w, atol=1e-10 * np.abs(w).max())
    chip = picffm.SimulatedChip(net, picffm.preset("ideal"), np.random.default_rng(1))
    chip.program(settings)
    np.testing.assert_allclose(picffm.measure_matrix(chip), m, atol=1e-12)
    assert chip.passes == 4
