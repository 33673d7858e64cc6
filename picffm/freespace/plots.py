"""The figures of the free-space runs, readable without the docs.

``picffm freespace classify``:

* ``learning_curves.png``: test accuracy (%) per epoch, one panel per layer
  count; ``ideal`` and ``ffm`` are the mean over seeds with a band of +-1 std
  over them and one thin line per seed; ``insilico`` (deployed once, after
  training) is its mean over seeds as a dashed line with a +-1 std band; a
  dotted chance line at 100 / classes %. The legend sits below the panels,
  never on the data.
* ``masks.png``: the trained phase masks (rad, mod 2 pi, one colour bar) of
  the first seed at the first layer count, ideal above FFM.

``picffm freespace focus``: ``convergence.png`` (loss per iteration, one line
per method and seed), ``focus_forming.png``, ``final_focus.png``,
``field_of_view.png``.

Colours come from :mod:`picffm.palette` (one per method in every plot of
picffm). matplotlib is imported only here, when a run writes its plots.
"""

from __future__ import annotations

import numpy as np

from ..palette import BAND_ALPHA, CHANCE, method_color

__all__ = ["plot_classify", "plot_focus"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def plot_classify(run, config, results: dict, summary: dict) -> None:
    """Write ``learning_curves.png`` and ``masks.png`` of a classify run into ``run`` (a RunDir)."""
    plt = _pyplot()
    chance = 100.0 / summary["n_classes"]
    seeds = list(config.seeds)
    fig, axes = plt.subplots(1, len(config.layers), figsize=(max(5.0, 4.2 * len(config.layers)), 4.0),
                             squeeze=False, sharey=True, layout="constrained")
    for ax, L in zip(axes[0], config.layers):
        for m in ("ideal", "ffm"):
            acc = 100 * np.array([results[(L, s, m)].test_acc_history for s in seeds])
            x = np.arange(1, acc.shape[1] + 1)
            mean, std = acc.mean(axis=0), acc.std(axis=0)
            for row in acc if len(seeds) > 1 else ():
                ax.plot(x, row, color=method_color(m), lw=0.7, alpha=0.45)
            ax.plot(x, mean, color=method_color(m), lw=1.8, marker="o", ms=3, label=m)
            if len(seeds) > 1:
                ax.fill_between(x, mean - std, mean + std, color=method_color(m), alpha=BAND_ALPHA, lw=0)
        ins = summary["results"][str(L)]["insilico"]["test_acc"]
        ax.axhline(ins["mean"], color=method_color("insilico"), ls="--", lw=1.5,
                   label="insilico (ideal masks deployed)")
        if len(seeds) > 1:
            ax.axhspan(ins["mean"] - ins["std"], ins["mean"] + ins["std"], color=method_color("insilico"),
                       alpha=BAND_ALPHA, lw=0)
        ax.axhline(chance, **CHANCE, label=f"chance ({chance:.0f} %)")
        ax.set_title(f"{L} layer{'s' if L != 1 else ''}", fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_xticks(x)
        ax.set_ylim(0, 102)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("test accuracy (%)")
    nseeds = f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''}"
    fig.suptitle(f"Diffractive network on {summary['data']}: test accuracy per epoch, {nseeds}\n"
                 + ("mean over seeds (thin: each seed), band: ±1 std over seeds" if len(seeds) > 1 else ""),
                 fontsize=10)
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    run.save_figure(fig, "learning_curves.png")
    plt.close(fig)

    L, s = config.layers[0], seeds[0]
    fig, axes = plt.subplots(2, L, figsize=(2.3 * L + 1.0, 4.9), squeeze=False, layout="constrained")
    for k in range(L):
        for row, m in enumerate(("ideal", "ffm")):
            a = axes[row][k]
            im = a.imshow(np.mod(results[(L, s, m)].masks[k], 2 * np.pi), cmap="twilight", vmin=0, vmax=2 * np.pi)
            a.set_title(f"{m}, mask {k + 1}", fontsize=8, color=method_color(m))
            a.set_xticks([]), a.set_yticks([])
    bar = fig.colorbar(im, ax=axes, shrink=0.8, ticks=[0, np.pi, 2 * np.pi])
    bar.ax.set_yticklabels(["0", "π", "2π"])
    bar.set_label("phase (rad)")
    fig.suptitle(f"Trained phase masks, seed {s}, {L} layer{'s' if L != 1 else ''}", fontsize=9)
    run.save_figure(fig, "masks.png")
    plt.close(fig)


def plot_focus(run, config, summary: dict, histories: dict, images: dict, fov: dict, reference) -> None:
    """Write the four PNG files of a focus run into ``run`` (a RunDir)."""
    plt = _pyplot()
    design = config.design
    ext = np.array([-1, 1, -1, 1]) * design.grid.size_um / 2 / 1000  # mm
    fig, ax = plt.subplots(figsize=(6, 4.4), layout="constrained")
    names = ("FFM", f"PSO ({config.particles} particles)", "random-partition search")
    for k, (seed, hs) in enumerate(histories.items()):
        for m, name, h in zip(("ffm", "pso", "random"), names, hs):
            ax.plot(h, color=method_color(m), lw=1.4, alpha=1.0 if k == 0 else 0.5, label=name if k == 0 else None)
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss  -ln(P_spot / P_camera)")
    nseeds = len(histories)
    ax.set_title(f"Focusing through {config.medium}: loss per iteration"
                 + (f", {nseeds} seeds" if nseeds > 1 else ""), fontsize=10)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    run.save_figure(fig, "convergence.png")
    plt.close(fig)

    snaps = images["snapshots"]
    fig, axes = plt.subplots(1, len(snaps), figsize=(2.2 * len(snaps), 2.6))
    for a, (it, im) in zip(np.atleast_1d(axes), sorted(snaps.items())):
        a.imshow(im / im.max(), extent=ext, cmap="inferno", origin="lower")
        a.set_title(f"FFM iteration {it}", fontsize=8)
        a.set_xticks([]), a.set_yticks([])
    fig.suptitle("Camera image as the FFM focus forms (normalised)", fontsize=9)
    run.save_figure(fig, "focus_forming.png")
    plt.close(fig)

    fin = images["final"]
    fig, axes = plt.subplots(1, 4, figsize=(10, 3.0))
    for a, (name, im) in zip(axes, [("clear system (reference)", reference)] + [(m, fin[m]) for m in fin]):
        a.imshow(im / im.max(), extent=ext, cmap="inferno", origin="lower")
        a.set_title(name, fontsize=9)
        a.set_xlabel("x (mm)")
        a.set_xlim(-0.4, 0.4), a.set_ylim(-0.4, 0.4)
    axes[0].set_ylabel("y (mm)")
    fig.suptitle("Final focus of each method (camera image, normalised)", fontsize=9)
    run.save_figure(fig, "final_focus.png")
    plt.close(fig)

    fig, axes = plt.subplots(3, 3, figsize=(6.5, 6.5))
    for a, im, f, t in zip(axes.ravel(), fov["images"], fov["fwhm_um"], fov["targets_um"]):
        a.imshow(im / im.max(), extent=ext, cmap="inferno", origin="lower")
        a.set_title(f"({t[0] / 1000:+.1f}, {t[1] / 1000:+.1f}) mm: {f:.0f} um", fontsize=8)
        a.set_xticks([]), a.set_yticks([])
    fig.suptitle("FFM foci across the field of view (FWHM)")
    run.save_figure(fig, "field_of_view.png")
    plt.close(fig)
