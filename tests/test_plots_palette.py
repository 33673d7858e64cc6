"""One colour per method in every plot; matplotlib is imported only when a plot is drawn."""

import subprocess
import sys

from picffm.palette import METHOD_COLORS, method_color
from picffm.training.trainers import method_names


def test_every_registered_method_has_its_own_colour():
    colours = [method_color(m) for m in method_names()]
    assert len(set(colours)) == len(colours)
    assert len(set(METHOD_COLORS.values())) == len(METHOD_COLORS)
    assert method_color("not-a-method") == method_color("not-a-method")  # stable for unknown names


def test_training_and_api_do_not_import_matplotlib_until_plotting():
    code = (
        "import sys\n"
        "import picffm.training.api, picffm.training.plots, picffm.training.deployment, picffm.palette\n"
        "import picffm.cli.main; picffm.cli.main.build_parser()\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported early'\n"
        "assert 'sklearn' not in sys.modules, 'scikit-learn imported early'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
