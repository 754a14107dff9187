"""Cells computed for every row at once, pinned to the effects applied one by one, row by row,
in rule order, as the rule base states them."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.engine import CompiledModel, cell_bounds, cell_values, compile_model
from appraisal.models import AdjustEffect, FailGateEffect, SetEffect
from appraisal.testing import rule_bases

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one_by_one(model: CompiledModel, fired: list[bool]) -> dict[str, Any]:
    """One row's cells: the baseline, or the value of the first set that fires; then each
    adjustment that fires, added in rule order; clamped; reversed when minimised."""
    options, leaves = model.options, model.leaf_ids
    start = {
        (o, c): float(model.rule_base.options[o].values[c].value) for o in options for c in leaves
    }
    moved = dict.fromkeys(start, 0.0)
    set_by: dict[tuple[str, str], float] = {}
    unscorable = False
    excluded = dict.fromkeys(options, False)
    for position, rule_id in enumerate(model.order):
        if not fired[position]:
            continue
        for effect in model.rule_base.rules[rule_id].then:
            if isinstance(effect, SetEffect):
                cell = (effect.option, effect.set)
                if cell not in set_by:
                    set_by[cell] = start[cell] = effect.to
                elif set_by[cell] != effect.to:
                    unscorable = True
            elif isinstance(effect, AdjustEffect):
                moved[(effect.option, effect.adjust)] += effect.by
            elif isinstance(effect, FailGateEffect):
                excluded[effect.option] = True
    raw = {cell: start[cell] + moved[cell] for cell in start}
    value = {cell: min(100.0, max(0.0, raw[cell])) for cell in raw}
    maximise = {c: model.leaves[c].direction == "maximise" for c in leaves}
    return {
        "raw": [[raw[(o, c)] for c in leaves] for o in options],
        "value": [[value[(o, c)] for c in leaves] for o in options],
        "utility": [
            [value[(o, c)] if maximise[c] else 100.0 - value[(o, c)] for c in leaves]
            for o in options
        ],
        "excluded": [excluded[o] for o in options],
        "unscorable": unscorable,
    }


@st.composite
def firings(draw: st.DrawFn) -> tuple[CompiledModel, np.ndarray]:
    model = compile_model(draw(rule_bases()))
    rows = draw(st.integers(1, 6))
    patterns = draw(
        st.lists(
            st.lists(st.booleans(), min_size=rows, max_size=rows),
            min_size=len(model.order),
            max_size=len(model.order),
        )
    )
    return model, np.array(patterns, dtype=bool).reshape(len(model.order), rows)


@SETTINGS
@given(firings())
def test_cells_are_the_effects_applied_one_by_one(case: tuple[CompiledModel, np.ndarray]) -> None:
    model, fired = case
    assert model.adjust_sums is not None or not model.cell_adjusts  # whole points
    assert_applied_one_by_one(model, fired)


@SETTINGS
@given(firings())
def test_fractional_adjustments_are_added_in_rule_order(
    case: tuple[CompiledModel, np.ndarray],
) -> None:
    """Points that are not whole are summed step by step, in rule order, as written."""
    model, fired = case
    rule_base = model.rule_base
    rules = {
        rule_id: rule.model_copy(
            update={
                "then": [
                    effect.model_copy(update={"by": effect.by + 0.1})
                    if isinstance(effect, AdjustEffect)
                    else effect
                    for effect in rule.then
                ]
            }
        )
        for rule_id, rule in rule_base.rules.items()
    }
    fractional = compile_model(rule_base.model_copy(update={"rules": rules}))
    assert fractional.adjust_sums is None or not fractional.cell_adjusts
    assert_applied_one_by_one(fractional, fired)


def assert_applied_one_by_one(model: CompiledModel, fired: np.ndarray) -> None:
    cells = cell_values(model, fired, refuse=False)
    low, high = cell_bounds(model)
    assert cells.unscorable is not None
    for row in range(fired.shape[1]):
        expected = one_by_one(model, fired[:, row].tolist())
        assert bool(cells.unscorable[row]) == expected["unscorable"]
        assert cells.excluded[row].tolist() == expected["excluded"]
        if not expected["unscorable"]:
            assert cells.raw[row].tolist() == expected["raw"]
            assert cells.value[row].tolist() == expected["value"]
            assert cells.utility[row].tolist() == expected["utility"]
            assert (low <= cells.raw[row]).all() and (cells.raw[row] <= high).all()
