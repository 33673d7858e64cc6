#!/usr/bin/env python3
"""Generate the example netlists in ``netlists/`` (deterministic: same bytes every run).

    python scripts/make_netlists.py           # (re)write netlists/
    python scripts/make_netlists.py --check   # exit 1 if a committed file differs

Files: a single MZI, Clements and Reck meshes, symmetric cores (one as JSON),
an all-pass ring (a loop: general S-matrix route), the ring with a heater in its loop and
a parameter file with seeded random phases for ``clements_4``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from picffm.meshes import clements, mzi_netlist, reck, svd, symmetric_core  # noqa: E402
from picffm.netlist import Netlist, atomic_write_text, dump_document  # noqa: E402

OUT = ROOT / "netlists"


def ring_allpass() -> Netlist:
    """All-pass ring: a 10 % coupler whose mode-1 output loops back through 200 um of waveguide.

    Its placements draw it with ``picffm layout`` (it has no feed-forward schedule to place it from).
    200 um, because that loop can be drawn: from the coupler's upper arm and back, two U-turns of
    10 um bends and the straight between them already take 182.874 um at these placements (the
    shortest loop ``picffm layout --check`` accepts here); the layout adds the rest as a bump.
    """
    return Netlist.from_dict({
        "instances": {
            "dc": {"component": "coupler", "settings": {"kappa": 0.1}},
            "ring": {"component": "waveguide", "settings": {"length_um": 200.0, "neff": 2.4,
                                                           "loss_db_per_cm": 3.0, "wavelength_um": 1.55}},
        },
        "connections": {"dc,o3": "ring,o1", "ring,o2": "dc,o2"},
        "ports": {"in0": "dc,o1", "out0": "dc,o4"},
        # layout (um, deg): the ring's waveguide runs right to left 30 um above the coupler's upper arm;
        # both connections are drawn as U-turns, the waveguide's cell as a bump outwards that makes the
        # loop from dc,o3 back to dc,o2 200 um long (picffm layout, docs/layout.md)
        "placements": {"dc": {"x": 0.0, "y": 0.0, "rotation": 0.0, "mirror": False},
                       "ring": {"x": 80.0, "y": 70.0, "rotation": 180.0, "mirror": False}},
        "info": {"kind": "ring_allpass", "doc": "not feed-forward: compiled by the general S-matrix route"},
    })


def ring_heater() -> Netlist:
    """The all-pass ring tuned by a thermo-optic phase shifter in its loop (``heater``, phi = 0).

    Its heater shows how a placed netlist's heaters are wired: ``picffm layout`` draws a column of
    bond pads beside the shifter's input edge, placed with it. 400 um, because at these placements the
    routes at the ring's two ports (two U-turns of 10 um bends) and its 40 um straight cell already take
    262.839 um (the shortest ring ``picffm layout --check`` accepts here); the layout adds the rest as a bump.
    """
    doc = ring_allpass().to_dict()
    doc["instances"] = {"dc": doc["instances"]["dc"],
                        "heater": {"component": "phase_shifter", "settings": {"phi": 0.0}},
                        "ring": {**doc["instances"]["ring"],
                                 "settings": {**doc["instances"]["ring"]["settings"], "length_um": 400.0}}}
    doc["connections"] = {"dc,o3": "heater,o1", "heater,o2": "ring,o1", "ring,o2": "dc,o2"}
    # the shifter 20 um after the coupler's upper arm, the ring's waveguide 30 um above it, running back
    doc["placements"] = {"dc": doc["placements"]["dc"],
                         "heater": {"x": 80.0, "y": 40.0, "rotation": 0.0, "mirror": False},
                         "ring": {"x": 160.0, "y": 70.0, "rotation": 180.0, "mirror": False}}
    doc["info"] = {"kind": "ring_allpass", "doc": "all-pass ring tuned by a heater in the loop; not feed-forward: "
                                                  "compiled by the general S-matrix route"}
    return Netlist.from_dict(doc)


def random_params(net: Netlist, seed: int) -> dict:
    """Parameter-file document with uniform random phases in [0, 2 pi) for every MZI and shifter."""
    rng = np.random.default_rng(seed)
    params = {}
    for name, inst in net.instances.items():
        if inst.component == "mzi":
            params[name] = {"theta": float(rng.uniform(0, 2 * np.pi)), "phi": float(rng.uniform(0, 2 * np.pi))}
        elif inst.component == "phase_shifter":
            params[name] = {"phi": float(rng.uniform(0, 2 * np.pi))}
    return {"params": params, "info": {"kind": "random", "seed": seed, "netlist": "clements_4.pic.yml"}}


def build() -> dict[str, str]:
    """File name (under netlists/) -> exact text."""
    nets = {
        "mzi.pic.yml": mzi_netlist(),
        "clements_4.pic.yml": clements(4),
        "reck_4.pic.yml": reck(4),
        "clements_5.pic.yml": clements(5),
        "clements_16.pic.yml": clements(16),
        "symmetric_core_4.json": symmetric_core(4),
        "symmetric_core_16.pic.yml": symmetric_core(16),
        "svd_4.pic.yml": svd(4),
        "clements_64.pic.yml": clements(64),
        "ring_allpass.pic.yml": ring_allpass(),
        "ring_heater.pic.yml": ring_heater(),
    }
    files = {name: dump_document(net.to_dict(), name) for name, net in nets.items()}
    files["clements_4.params.yml"] = dump_document(random_params(nets["clements_4.pic.yml"], 4), "p.yml")
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = ap.parse_args(argv)
    files = build()
    if args.check:
        stale = [n for n, text in files.items()
                 if not (OUT / n).is_file() or (OUT / n).read_text(encoding="utf-8") != text]
        for n in stale:
            print(f"netlists/{n} is out of date: run python scripts/make_netlists.py", file=sys.stderr)
        return 1 if stale else 0
    OUT.mkdir(exist_ok=True)
    for name, text in files.items():
        atomic_write_text(OUT / name, text)
        print(f"wrote netlists/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
