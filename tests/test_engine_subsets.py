"""A subset of the rules, closed upstream, evaluated on its own columns: pinned to an
evaluation of every rule on generated rule bases, contradictions included."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.appraise import compile_rule_base
from appraisal.engine import (
    CompiledModel,
    cell_values,
    closed_rules,
    compile_model,
    contested_cells,
    encode,
    evaluate,
    rule_subset,
    set_clashes,
)
from appraisal.errors import RuleConflictError
from appraisal.models import RuleBase, Value
from appraisal.testing import evidence_for, rule_bases

from .test_engine import typed
from .test_engine_levels import batch_paths, conflict_message
from .test_engine_rerun import SETS

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def subsets(draw: st.DrawFn) -> tuple[CompiledModel, list[dict[str, Value | None]], set[int]]:
    """A generated rule base (whose rules may contradict each other), rows of evidence for
    it, and some of its rules."""
    rule_base = draw(rule_bases())
    rows = draw(st.lists(evidence_for(rule_base), min_size=1, max_size=5))
    model = compile_model(rule_base)
    chosen = draw(st.sets(st.integers(0, max(0, len(model.order) - 1)), max_size=4))
    return model, rows, {p for p in chosen if p < len(model.order)}


@SETTINGS
@given(subsets(), st.booleans())
def test_a_closed_subset_fires_and_settles_as_among_every_rule(case: Any, large: bool) -> None:
    model, rows, chosen = case
    subset = rule_subset(model, chosen)
    positions = subset.positions.tolist()
    assert set(chosen) <= set(positions) == closed_rules(model, chosen)
    for position in positions:  # closed: every deriver of what it reads or derives is in
        derived = [model.columns[c] for c, _, _ in model.derivations[position]]
        for name in (*model.reads[model.order[position]], *derived):
            assert {model.position[r] for r in model.derivers.get(name, ())} <= set(positions)
    batch = encode(model, rows)
    with batch_paths(large, few_at_a_time=large):
        whole = evaluate(model, batch, refuse=False)
        part = evaluate(model, subset.take(batch), refuse=False, rules=subset)
    assert part.rules is subset and whole.rules is None
    assert np.array_equal(part.fired, whole.fired[subset.positions])
    assert np.array_equal(part.unknown, whole.unknown[subset.positions])
    known = whole.columns.known[subset.columns]
    assert np.array_equal(part.columns.known, known)
    assert np.array_equal(part.columns.values[known], whole.columns.values[subset.columns][known])
    assert part.contradicted is not None and whole.contradicted is not None
    assert not (part.contradicted & ~whole.contradicted).any()
    assert (subset.rule_index[subset.positions] == np.arange(len(positions))).all()
    assert (subset.column_index[subset.columns] == np.arange(len(subset.columns))).all()
    assert (subset.rule_index >= 0).sum() == len(positions)
    refused = conflict_message(lambda: evaluate(model, subset.take(batch), rules=subset))
    if refused is not None:  # a contradiction among some rules is one among all of them
        assert conflict_message(lambda: evaluate(model, batch)) is not None
    everything = rule_subset(model, range(len(model.order)))
    assert conflict_message(lambda: evaluate(model, everything.take(batch), rules=everything)) == (
        conflict_message(lambda: evaluate(model, batch))
    )


def test_a_subset_names_the_model_s_rules_and_finding_when_it_refuses() -> None:
    """The rules a subset numbers its own way are named as the model numbers them, and the
    contradiction refused is the one every rule meets first."""
    act = [{"option": "act", "adjust": "now", "by": 1}]
    model = typed(
        aside={"when": {"fact": "rate", "gt": 1}, "then": act},
        yes={"when": {"fact": "plan", "eq": True}, "then": [{"derive": "low_rate"}]},
        no={"when": {"known": "rate"}, "then": [{"derive": "low_rate", "value": False}]},
        reads={"when": {"fact": "low_rate", "eq": True}, "then": act},
    )
    subset = rule_subset(model, [model.position["reads"]])
    assert sorted(model.order[p] for p in subset.positions) == ["no", "reads", "yes"]
    batch = encode(model, [{"plan": True}, {"plan": True, "rate": 2.0}])
    with pytest.raises(RuleConflictError) as caught:
        evaluate(model, subset.take(batch), rules=subset)
    assert caught.value.rules == ("yes", "no") and caught.value.finding == "low_rate"
    assert str(caught.value) == conflict_message(lambda: evaluate(model, batch))
    marked = evaluate(model, subset.take(batch), refuse=False, rules=subset)
    assert marked.contradicted is not None and marked.contradicted.tolist() == [False, True]


def test_a_subset_runs_on_a_batch_of_its_own_columns() -> None:
    model = typed(yes={"when": {"fact": "plan", "eq": True}, "then": [{"derive": "low_rate"}]})
    subset = rule_subset(model, [0])
    assert [model.columns[c] for c in subset.columns] == ["plan", "low_rate"]
    with pytest.raises(ValueError, match="its own columns"):
        evaluate(model, encode(model, [{"plan": True}]), rules=subset)
    outcome = evaluate(model, subset.take(encode(model, [{"plan": True}])), rules=subset)
    assert outcome.fired.tolist() == [[True]] and outcome.columns.known.tolist() == [[1], [1]]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=1, max_size=6))
def test_set_clashes_are_the_rows_cell_values_refuses(patterns: list[list[bool]]) -> None:
    model = compile_rule_base(RuleBase.model_validate(SETS))
    fired = np.array(patterns, dtype=bool).T
    contested = contested_cells(model)
    assert contested == ((0, 0),)
    marked = cell_values(model, fired, refuse=False).unscorable
    assert marked is not None
    assert set_clashes(model, fired, contested).tolist() == marked.tolist()
    assert not set_clashes(model, fired, ()).any()
