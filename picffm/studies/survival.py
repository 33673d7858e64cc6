"""Survival times with censoring: "k of n stayed above" and the Kaplan-Meier median.

A drift-study replicate either drops below the accuracy threshold at some
check time (an *event* at that time) or is still above it when the study
ends (*censored* at the last time: we only know it survived at least that
long). The mean of such times is biased low; the Kaplan-Meier estimator
uses the censored ones correctly::

    S(t) = prod over event times t_i <= t of (1 - d_i / n_i)

with ``d_i`` events at ``t_i`` and ``n_i`` replicates still at risk just
before ``t_i`` (censored ones leave the risk set after their time). The
median survival is the first event time where ``S <= 0.5``; if ``S`` never
falls that low within the study, the median is *not reached* (``None``):
more than half of the replicates outlived the study.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["kaplan_meier", "km_median"]


def kaplan_meier(times: Sequence[float], events: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    """Event times (sorted, distinct) and the survival probability just after each."""
    t = np.asarray(times, dtype=float)
    e = np.asarray(events, dtype=bool)
    if t.shape != e.shape or t.ndim != 1:
        raise ValueError("times and events must be 1-D sequences of the same length")
    grid = np.unique(t[e])
    surv, s = [], 1.0
    for ti in grid:
        at_risk = np.count_nonzero(t >= ti)
        d = np.count_nonzero((t == ti) & e)
        s *= 1.0 - d / at_risk
        surv.append(s)
    return grid, np.array(surv)


def km_median(times: Sequence[float], events: Sequence[bool]) -> float | None:
    """Kaplan-Meier median survival time, or ``None`` if not reached within the data."""
    grid, surv = kaplan_meier(times, events)
    below = np.nonzero(surv <= 0.5)[0]
    return float(grid[below[0]]) if below.size else None
