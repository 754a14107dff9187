"""The value of every cell (an option on a leaf criterion) from the rules that fired.

A cell starts at its declared baseline (0..100 on the criterion's anchors). A
fired ``set`` replaces the baseline; every fired ``adjust`` then adds its
points, in rule order; the result is clamped to 0..100. A ``minimise``
criterion counts ``100 - value`` (its *utility*). An option that a fired rule
fails on a gate is excluded. Two fired rules that set one cell to different
values stop scoring.

This module is the one place these semantics live; ``cell_bounds`` gives the
range any pattern of firings could reach, for searches that prune by it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ScoringError
from .compiled import CompiledModel

__all__ = ["Cells", "cell_bounds", "cell_values"]


@dataclass(frozen=True, eq=False)
class Cells:
    """Rows x options x leaves (leaves in declaration order), and rows x options."""

    raw: np.ndarray
    """Before clamping: the start (baseline or set value) plus the adjustments."""
    value: np.ndarray
    utility: np.ndarray
    set_by: np.ndarray
    """The position (in the model's order) of the rule whose value replaced the baseline; -1."""
    excluded: np.ndarray
    """Rows x options: failed on some gate."""


def cell_values(model: CompiledModel, fired: np.ndarray) -> Cells:
    """Every cell of every row from ``fired`` (rules in the model's order x rows)."""
    rows = fired.shape[1]
    options, leaves = model.baselines.shape
    start = np.repeat(model.baselines.reshape(1, -1), rows, axis=0)
    set_by = np.full(start.shape, -1, dtype=np.intp)
    for (option, leaf), sets in model.cell_sets.items():
        cell = option * leaves + leaf
        for position, to in sets:
            hit = fired[position]
            if not hit.any():
                continue
            already = set_by[:, cell] >= 0
            clash = hit & already & (start[:, cell] != to)
            if clash.any():
                row = int(np.argmax(clash))
                first = model.order[int(set_by[row, cell])]
                rule = model.order[position]
                raise ScoringError(
                    f"rules {first!r} and {rule!r} set option {model.options[option]!r} on"
                    f" {model.leaf_ids[leaf]!r} to different values"
                    f" ({start[row, cell]:g} and {to:g})",
                    model.where(rule),
                )
            new = hit & ~already
            start[new, cell] = to
            set_by[new, cell] = position
    adjustment = np.zeros(start.shape)
    for position, (cells, points, distinct) in enumerate(model.rule_adjusts):
        if not len(cells):
            continue
        hit = fired[position]
        if not hit.any():
            continue
        if distinct:
            adjustment[:, cells] += hit[:, None] * points
        else:  # one rule moving one cell twice: each move in turn
            for cell, by in zip(cells.tolist(), points.tolist(), strict=True):
                adjustment[:, cell] += hit * by
    raw = (start + adjustment).reshape(rows, options, leaves)
    value = np.minimum(100.0, np.maximum(0.0, raw))
    utility = np.where(model.maximise, value, 100.0 - value)
    excluded = np.zeros((rows, options), dtype=bool)
    for position, gates in enumerate(model.rule_gates):
        for option, _ in gates:
            excluded[:, option] |= fired[position]
    return Cells(raw, value, utility, set_by.reshape(rows, options, leaves), excluded)


def cell_bounds(model: CompiledModel) -> tuple[np.ndarray, np.ndarray]:
    """Options x leaves: the lowest and highest raw value any pattern of firings could give.

    The start is the baseline or any set value; then every adjustment that
    lowers (or raises) the value may fire.
    """
    low = model.baselines.copy()
    high = model.baselines.copy()
    for (option, leaf), sets in model.cell_sets.items():
        values = [to for _, to in sets]
        low[option, leaf] = min(low[option, leaf], *values)
        high[option, leaf] = max(high[option, leaf], *values)
    for (option, leaf), adjusts in model.cell_adjusts.items():
        low[option, leaf] += sum(by for _, by in adjusts if by < 0)
        high[option, leaf] += sum(by for _, by in adjusts if by > 0)
    return low, high
