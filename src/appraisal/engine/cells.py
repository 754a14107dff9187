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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ScoringError
from .compiled import CompiledModel

__all__ = ["Cells", "cell_bounds", "cell_values", "contested_cells", "set_clashes", "utility"]


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
    unscorable: np.ndarray | None = None
    """Rows in which two fired rules set one cell to different values, when computed with
    ``refuse=False``; None when that is refused."""


def cell_values(model: CompiledModel, fired: np.ndarray, *, refuse: bool = True) -> Cells:
    """Every cell of every row from ``fired`` (rules in the model's order x rows).

    Two fired rules setting one cell to different values raise ``ScoringError``;
    with ``refuse=False`` the rows are marked instead (``Cells.unscorable``).
    """
    rows = fired.shape[1]
    unscorable = None if refuse else np.zeros(rows, dtype=bool)
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
            if unscorable is not None:
                unscorable |= clash
            elif clash.any():
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
    start += 0.0  # every cell plus its adjustments (none: zero), the rest added in place
    if model.adjust_sums is not None:  # whole points: one exact product
        adjusting, points = model.adjust_sums
        if len(adjusting) > 0:
            start += fired[adjusting].T.astype(np.float64) @ points
    else:
        moved = np.zeros((len(model.adjusted), rows))  # the cells adjusted, in rule order
        for rules, points in model.adjust_steps:
            taking = moved[: len(rules)]
            np.add(taking, points, out=taking, where=fired[rules])
        start[:, model.adjusted] += moved.T
    raw = start.reshape(rows, options, leaves)
    value = np.maximum(0.0, raw)
    np.minimum(100.0, value, out=value)
    excluded = np.zeros((rows, options), dtype=bool)
    for option, failing in model.gated:
        excluded[:, option] = np.logical_or.reduce(fired[failing], axis=0)
    return Cells(
        raw,
        value,
        _directed(model, value),
        set_by.reshape(rows, options, leaves),
        excluded,
        unscorable,
    )


def contested_cells(model: CompiledModel) -> tuple[tuple[int, int], ...]:
    """The cells that rules set to different values: the only ones where sets can clash."""
    return tuple(cell for cell, sets in model.cell_sets.items() if len({to for _, to in sets}) > 1)


def set_clashes(
    model: CompiledModel, fired: np.ndarray, cells: Sequence[tuple[int, int]]
) -> np.ndarray:
    """The rows of ``fired`` in which two fired rules set one of ``cells`` to different
    values: where ``cell_values`` refuses to score, if ``cells`` holds every contested cell
    (``contested_cells``), found without valuing any cell."""
    found = np.zeros(fired.shape[1], dtype=bool)
    for cell in cells:
        sets = model.cell_sets[cell]
        values = sorted({to for _, to in sets})
        setting = [fired[[p for p, to in sets if to == value]].any(axis=0) for value in values]
        found |= np.add.reduce(np.array(setting, dtype=np.int64), axis=0) > 1
    return found


def utility(model: CompiledModel, raw: np.ndarray) -> np.ndarray:
    """Raw cell values (any leading axes, then options x leaves) as utilities: clamped to
    0..100, and counted as ``100 - value`` on a ``minimise`` criterion."""
    return _directed(model, np.minimum(100.0, np.maximum(0.0, raw)))


def _directed(model: CompiledModel, value: np.ndarray) -> np.ndarray:
    """Clamped cell values as utilities: ``100 - value`` on a ``minimise`` criterion."""
    return np.asarray(np.where(model.maximise, value, 100.0 - value))


def cell_bounds(
    model: CompiledModel, free: np.ndarray | None = None, fired: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest raw value of every cell that patterns of firings could give.

    Without arguments, over every pattern (options x leaves): the start is the
    baseline or any set value, then every adjustment that lowers (or raises)
    the value may fire. With ``free`` and ``fired`` (rules in the model's
    order x rows), per row (rows x options x leaves): the free rules may fire
    or not, and every other rule fires as ``fired`` says; a set rule that so
    fires fixes the start (a free one setting another value could only clash).
    """
    if free is None or fired is None:
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
    options, leaves = model.baselines.shape
    rows = free.shape[1]
    fixed = fired & ~free
    low = np.repeat(model.baselines.reshape(1, -1), rows, axis=0)
    high = low.copy()
    for (option, leaf), sets in model.cell_sets.items():
        cell = option * leaves + leaf
        start = np.full(rows, np.nan)
        bottom, top = low[:, cell].copy(), high[:, cell].copy()
        for position, to in sets:
            start = np.where(fixed[position] & np.isnan(start), to, start)
            bottom = np.where(free[position], np.minimum(bottom, to), bottom)
            top = np.where(free[position], np.maximum(top, to), top)
        settled = ~np.isnan(start)
        low[:, cell] = np.where(settled, start, bottom)
        high[:, cell] = np.where(settled, start, top)
    lowering, raising = model.adjust_bounds
    # sums over the rules as matrix products on float operands, the rows (patterns) first:
    # a tenth of the time of the same sums by einsum's own loops, at any number of rows
    fixed_rows = fixed.T.astype(np.float64)
    free_rows = free.T.astype(np.float64)
    moved = fixed_rows @ (lowering + raising)
    shape = (rows, options, leaves)
    return (
        (low + moved + free_rows @ lowering).reshape(shape),
        (high + moved + free_rows @ raising).reshape(shape),
    )
