"""What the engine offers searches: rerunning only the rules downstream of changed facts,
contradictions and clashing sets marked per row, the range of a cell with some rules free,
and the line of a weight. Each is checked against the plain evaluation it stands for."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.appraise import appraise_facts, compile_rule_base
from appraisal.engine import (
    CompiledModel,
    aggregate,
    cell_bounds,
    cell_values,
    encode,
    evaluate,
    rerun,
    utility,
)
from appraisal.errors import RuleConflictError, ScoringError
from appraisal.models import RuleBase

from .test_engine_batch import BASE, CHOICES, DRIFT_RULES, MODEL

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHANGES = st.lists(
    st.dictionaries(st.sampled_from(sorted(CHOICES)), st.none(), min_size=1, max_size=3).flatmap(
        lambda keys: st.fixed_dictionaries({f: st.sampled_from(CHOICES[f]) for f in keys})
    ),
    min_size=1,
    max_size=6,
)


def _outcome_or_error(action: Any) -> Any:
    try:
        return action()
    except RuleConflictError as error:
        return str(error)


@SETTINGS
@given(CHANGES)
def test_rerun_is_evaluate(changes: list[dict[str, Any]]) -> None:
    """Rerunning only what the changes reach gives what evaluating every rule gives,
    contradictions included."""
    base = evaluate(MODEL, encode(MODEL, [BASE]))
    columns = encode(MODEL, [{**BASE, **c} for c in changes])
    changed = {f for c in changes for f in c}
    fast = _outcome_or_error(lambda: rerun(MODEL, base, columns, changed))
    full = _outcome_or_error(lambda: evaluate(MODEL, columns))
    if isinstance(full, str) or isinstance(fast, str):
        assert fast == full
        return
    assert (fast.fired == full.fired).all() and (fast.unknown == full.unknown).all()
    assert (fast.columns.known == full.columns.known).all()
    known = full.columns.known
    assert (fast.columns.values[known] == full.columns.values[known]).all()


@SETTINGS
@given(CHANGES)
def test_contradictions_marked_are_the_rows_that_raise_alone(changes: list[dict[str, Any]]) -> None:
    rows = [{**BASE, **c} for c in changes]
    marked = evaluate(MODEL, encode(MODEL, rows), refuse=False)
    assert marked.contradicted is not None
    for row, facts in enumerate(rows):
        alone = _outcome_or_error(lambda facts=facts: evaluate(MODEL, encode(MODEL, [facts])))
        assert bool(marked.contradicted[row]) == isinstance(alone, str)
        if not isinstance(alone, str):
            assert (marked.fired[:, row] == alone.fired[:, 0]).all()


def test_the_drift_case_marks_only_the_partial_row() -> None:
    model = compile_rule_base(RuleBase.model_validate(_yaml(DRIFT_RULES)))
    rows = [{"p": True, "q": True}, {"q": True}, {}]
    marked = evaluate(model, encode(model, rows), refuse=False)
    assert marked.contradicted is not None
    assert marked.contradicted.tolist() == [False, True, False]
    base = evaluate(model, encode(model, [rows[0]]))
    with pytest.raises(RuleConflictError):
        rerun(model, base, encode(model, rows), {"p", "q"})
    again = rerun(model, base, encode(model, rows), {"p", "q"}, refuse=False)
    assert again.contradicted is not None
    assert again.contradicted.tolist() == [False, True, False]


def _yaml(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


SETS = {
    "id": "s",
    "title": "s",
    "facts": {"p": {"type": "boolean"}, "q": {"type": "boolean"}, "r": {"type": "boolean"}},
    "criteria": {"c": {"weight": 1, "horizon": "short"}, "d": {"weight": 2, "horizon": "long"}},
    "options": {
        "a": {"name": "A", "values": {"c": {"value": 50}, "d": {"value": 90}}},
        "b": {"name": "B", "values": {"c": {"value": 40}, "d": {"value": 10}}},
    },
    "rules": {
        "p_sets": {
            "when": {"fact": "p", "eq": True},
            "then": [{"option": "a", "set": "c", "to": 80}],
        },
        "q_sets": {
            "when": {"fact": "q", "eq": True},
            "then": [{"option": "a", "set": "c", "to": 20}],
        },
        "r_lifts": {
            "when": {"fact": "r", "eq": True},
            "then": [
                {"option": "a", "adjust": "c", "by": 30},
                {"option": "a", "adjust": "d", "by": 25},
                {"option": "b", "adjust": "d", "by": -15},
                {"option": "b", "adjust": "d", "by": 5},
            ],
        },
        "p_cuts": {
            "when": {"fact": "p", "eq": True},
            "then": [{"option": "a", "adjust": "c", "by": -70}],
        },
    },
    "verdicts": [{"verdict": "any", "otherwise": True}],
}


def test_clashing_sets_are_marked_per_row() -> None:
    model = compile_rule_base(RuleBase.model_validate(SETS))
    rows = [{"p": True}, {"p": True, "q": True}, {"q": True, "r": True}]
    outcome = evaluate(model, encode(model, rows))
    with pytest.raises(ScoringError):
        cell_values(model, outcome.fired)
    marked = cell_values(model, outcome.fired, refuse=False)
    assert marked.unscorable is not None
    assert marked.unscorable.tolist() == [False, True, False]


@pytest.mark.parametrize("model", [compile_rule_base(RuleBase.model_validate(SETS)), MODEL])
def test_cell_bounds_hold_every_pattern_of_the_free_rules(model: CompiledModel) -> None:
    """With some rules free and the rest fixed, every pattern of the free rules that can be
    scored gives each cell a value within the bounds, and the bounds are reached."""
    rng = np.random.default_rng(0)
    moves = [*model.cell_sets.values(), *model.cell_adjusts.values()]
    moving = sorted({p for cell in moves for p, _ in cell})
    rules = len(model.order)
    for _ in range(6):
        free_rules = list(rng.choice(moving, size=min(4, len(moving)), replace=False))
        fixed = rng.random(rules) < 0.5
        free = np.zeros((rules, 1), dtype=bool)
        free[free_rules] = True
        low, high = cell_bounds(model, free, fixed[:, None])
        patterns = np.repeat(fixed[:, None], 1 << len(free_rules), axis=1)
        for m, bits in enumerate(itertools.product([False, True], repeat=len(free_rules))):
            patterns[free_rules, m] = bits
        cells = cell_values(model, patterns, refuse=False)
        assert cells.unscorable is not None
        raw = cells.raw[~cells.unscorable]
        assert (raw >= low[0] - 1e-9).all() and (raw <= high[0] + 1e-9).all()
        for_sets = [
            c for c in (*model.cell_sets,) if any(p in free_rules for p, _ in model.cell_sets[c])
        ]
        if not for_sets and len(raw):
            assert np.allclose(raw.min(axis=0), low[0]) and np.allclose(raw.max(axis=0), high[0])


def test_cell_bounds_over_every_pattern_are_the_bounds_with_every_rule_free() -> None:
    model = compile_rule_base(RuleBase.model_validate(SETS))
    rules = len(model.order)
    low, high = cell_bounds(model)
    free_low, free_high = cell_bounds(
        model, np.ones((rules, 1), dtype=bool), np.zeros((rules, 1), dtype=bool)
    )
    assert (low == free_low[0]).all() and (high == free_high[0]).all()
    assert high[0, 1] == 90 + 25 and low[1, 1] == 10 - 15  # a rule moving one cell twice
    assert (utility(model, high) <= 100).all()


@SETTINGS
@given(st.integers(0, len(MODEL.tree.ids) - 1), st.floats(0.0, 0.999))
def test_the_line_of_a_weight_is_the_totals_at_each_share(index: int, share: float) -> None:
    """Setting a criterion's share among its siblings (they keep their proportions) gives
    the totals the engine aggregates."""
    tree = MODEL.tree
    start, stop = tree.group_of(index)
    if stop - start < 2:
        return
    result = appraise_facts(MODEL, BASE)
    utilities = np.array(
        [[result.option(o).values[leaf].utility for leaf in MODEL.leaf_ids] for o in MODEL.options]
    )
    intercept, slope = tree.weight_line(index, utilities)
    raw = np.array(tree.weights)
    siblings = sum(raw[j] for j in range(start, stop) if j != index)
    raw[index] = share * siblings / (1 - share)
    totals = aggregate(tree, tree.global_weights(raw), utilities[None]).score[0]
    assert np.allclose(intercept + slope * share, totals, atol=1e-9)


@SETTINGS
@given(
    st.lists(st.floats(0.1, 10.0), min_size=len(MODEL.tree.ids), max_size=len(MODEL.tree.ids)),
    st.integers(0, 2**32 - 1),
)
def test_every_slope_at_once_is_each_weight_lines_slope(raw: list[float], seed: int) -> None:
    """``weight_slopes`` gives, criterion by criterion, exactly the slope ``weight_line``
    gives (zeros for a criterion alone in its group), at any raw weights and utilities."""
    tree = MODEL.tree
    utilities = np.random.default_rng(seed).uniform(
        0, 100, (len(MODEL.options), len(MODEL.leaf_ids))
    )
    slopes = tree.weight_slopes(utilities, raw)
    for index in range(len(tree.ids)):
        start, stop = tree.group_of(index)
        if stop - start < 2:
            assert not slopes[index].any()
            continue
        _, slope = tree.weight_line(index, utilities, raw)
        assert np.array_equal(slopes[index], slope, equal_nan=True)
