"""Rules evaluated a level at a time, conditions flattened into arrays: pinned to the rules
run one by one, row by row, as the rule base states them, on generated rule bases."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.engine import CompiledModel, compile_model, encode, evaluate, facts_read, rerun
from appraisal.errors import RuleConflictError
from appraisal.models import DeriveEffect, RuleBase, Value
from appraisal.rules import evaluate_condition
from appraisal.testing import evidence_for, rule_bases

from .test_engine import CONDITION, CONDITIONS, EVIDENCE, typed

ENGINE = importlib.import_module("appraisal.engine.evaluate")
"""The module (``appraisal.engine.evaluate`` names the function)."""
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LARGE = 300
"""Rows enough for the in-place comparisons of a large batch."""


@contextmanager
def batch_paths(large: bool, few_at_a_time: bool) -> Iterator[None]:
    """Evaluate as a large batch would (comparisons leaf by leaf, in place) or a small one;
    a few rows and findings at a time, or as many as fit."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ENGINE, "LEAF_BY_LEAF_FROM", 0 if large else 10**9)
        if few_at_a_time:
            patch.setattr(ENGINE, "SETTLED_AT_ONCE", 1)
            patch.setattr(ENGINE, "TRUTH_AT_ONCE", 2)
        yield


# --------------------------------------------------------------------------- the reference


Clash = tuple[int, int, str, str, Value, Value, str]
"""Position and place of the contradicting derivation, the finding, the rule that derived it
first and its value, the contradicting value and rule."""


def run_one_by_one(
    model: CompiledModel, facts: Mapping[str, Value | None]
) -> tuple[dict[str, bool | None], dict[str, Value], list[Clash]]:
    """Every rule in order on one row of facts, straight from the rule base: its truth, the
    facts and findings afterwards, and every contradiction (the first derived value stays)."""
    known: dict[str, Value] = {f: v for f, v in facts.items() if v is not None}
    truths: dict[str, bool | None] = {}
    first: dict[str, str] = {}
    clashes: list[Clash] = []
    for position, rule_id in enumerate(model.order):
        rule = model.rule_base.rules[rule_id]
        truths[rule_id] = evaluate_condition(rule.when, known, model.scales)
        if truths[rule_id] is not True:
            continue
        derives = [effect for effect in rule.then if isinstance(effect, DeriveEffect)]
        for place, effect in enumerate(derives):
            current = known.get(effect.derive)
            if current is None:
                known[effect.derive] = effect.value
                first[effect.derive] = rule_id
            elif current != effect.value:
                found = effect.derive, first[effect.derive], current, effect.value, rule_id
                clashes.append((position, place, *found))
    return truths, known, clashes


def assert_as_one_by_one(model: CompiledModel, rows: list[dict[str, Value | None]]) -> None:
    """``evaluate`` on the batch gives, row by row, what the rules run one by one give, and
    refuses the contradiction a rule-by-rule run over the rows would meet first."""
    columns = encode(model, rows)
    outcome = evaluate(model, columns, refuse=False)
    assert outcome.contradicted is not None
    earliest: tuple[int, int, int, Clash] | None = None
    for row, facts in enumerate(rows):
        truths, known, clashes = run_one_by_one(model, facts)
        for position, rule_id in enumerate(model.order):
            expected = truths[rule_id]
            assert outcome.fired[position, row] == (expected is True), (rule_id, facts)
            assert outcome.unknown[position, row] == (expected is None), (rule_id, facts)
        for name in model.columns:
            assert outcome.columns.value(model, name, row) == known.get(name), (name, facts)
        assert bool(outcome.contradicted[row]) == bool(clashes)
        for clash in clashes:
            if earliest is None or (clash[0], clash[1], row) < earliest[:3]:
                earliest = (clash[0], clash[1], row, clash)
    if earliest is None:
        again = evaluate(model, columns)
        assert (again.fired == outcome.fired).all() and again.contradicted is None
        return
    _, _, _, (_, _, finding, first, previous, value, rule) = earliest
    with pytest.raises(RuleConflictError) as caught:
        evaluate(model, columns)
    assert caught.value.finding == finding
    assert caught.value.rules == (first, rule)
    assert (
        f"finding {finding!r} is derived as {previous!r} by rule {first!r} and as {value!r}"
        f" by rule {rule!r}; the rules contradict each other on this evidence"
    ) in str(caught.value)
    assert caught.value.field == f"rules.{rule}"


@st.composite
def cases(draw: st.DrawFn) -> tuple[CompiledModel, list[dict[str, Value | None]]]:
    rule_base = draw(rule_bases())
    rows = draw(st.lists(evidence_for(rule_base), min_size=1, max_size=5))
    return compile_model(rule_base), rows


# --------------------------------------------------------------------------- evaluate


@SETTINGS
@given(cases(), st.booleans(), st.booleans())
def test_a_batch_is_the_rules_run_one_by_one_on_each_row(
    case: tuple[CompiledModel, list[dict[str, Value | None]]], large: bool, few: bool
) -> None:
    model, rows = case
    with batch_paths(large, few):
        assert_as_one_by_one(model, rows)


@settings(max_examples=100, deadline=None)
@given(st.lists(CONDITIONS, min_size=1, max_size=4), st.lists(EVIDENCE, min_size=1, max_size=4))
def test_nested_conditions_of_one_level_in_a_large_batch(
    raws: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> None:
    """Deeply nested conditions (``not`` pushed down, nested nodes of one kind merged)
    evaluated side by side, each row as the reference semantics say."""
    act = [{"option": "act", "adjust": "now", "by": 1}]
    model = typed(**{f"probe_{i}": {"when": raw, "then": act} for i, raw in enumerate(raws)})
    batch = (rows * LARGE)[:LARGE]
    outcome = evaluate(model, encode(model, batch))
    for i, raw in enumerate(raws):
        position = model.position[f"probe_{i}"]
        condition = CONDITION.validate_python(raw)
        for row, facts in enumerate(batch):
            expected = evaluate_condition(condition, facts, model.scales)
            fired, unknown = outcome.fired[position, row], outcome.unknown[position, row]
            assert (fired, unknown) == (expected is True, expected is None), (raw, facts)


def test_findings_known_beforehand_are_kept_or_contradicted() -> None:
    """A finding given with the facts is derived again only as the same value: the rule that
    derives another contradicts it (no rule derived it first: the model's last is named)."""
    model = typed(
        yes={"when": {"fact": "plan", "eq": True}, "then": [{"derive": "low_rate"}]},
        reads={
            "when": {"fact": "low_rate", "eq": True},
            "then": [{"option": "act", "adjust": "now", "by": 1}],
        },
    )
    rows: list[dict[str, Value | None]] = [
        {"plan": True, "low_rate": True},
        {"plan": False, "low_rate": False},
        {"plan": True},
    ]
    outcome = evaluate(model, encode(model, rows, findings=True))
    assert [outcome.columns.value(model, "low_rate", r) for r in range(3)] == [True, False, True]
    assert outcome.fired[model.position["reads"]].tolist() == [True, False, True]
    clash = [{"plan": True, "low_rate": False}]
    marked = evaluate(model, encode(model, clash, findings=True), refuse=False)
    assert marked.contradicted is not None and marked.contradicted.tolist() == [True]
    assert marked.columns.value(model, "low_rate") is False
    with pytest.raises(RuleConflictError, match="derived as False by rule 'reads' and as True"):
        evaluate(model, encode(model, clash, findings=True))


@pytest.mark.parametrize("large", [False, True])
def test_the_contradiction_refused_is_the_first_in_rule_order_then_row(large: bool) -> None:
    """Rule by rule, the second rule contradicts the first before the third does, whichever
    row it happens in."""
    model = typed(
        yes={"when": {"fact": "plan", "eq": True}, "then": [{"derive": "low_rate"}]},
        no={"when": {"known": "rate"}, "then": [{"derive": "low_rate", "value": False}]},
        never={"when": {"known": "plan"}, "then": [{"derive": "low_rate", "value": False}]},
    )
    rows: list[dict[str, Value | None]] = [{"plan": True}, {"plan": True, "rate": 1.0}]
    with batch_paths(large, few_at_a_time=large), pytest.raises(RuleConflictError) as caught:
        evaluate(model, encode(model, rows))
    assert caught.value.rules == ("yes", "no")
    with batch_paths(large, few_at_a_time=large):
        assert_as_one_by_one(model, rows)
        assert_as_one_by_one(model, rows[:1])


def test_an_empty_batch_and_a_rule_base_without_rules() -> None:
    model = typed(yes={"when": {"fact": "plan", "eq": True}, "then": [{"derive": "low_rate"}]})
    outcome = evaluate(model, encode(model, []))
    assert outcome.fired.shape == (1, 0) and outcome.columns.known.shape[1] == 0
    bare = typed()
    assert bare.levels == () and evaluate(bare, encode(bare, [{}])).fired.shape == (0, 1)


# --------------------------------------------------------------------------- rerun


@SETTINGS
@given(
    rule_bases().flatmap(
        lambda rb: st.tuples(
            st.just(rb),
            evidence_for(rb),
            st.lists(evidence_for(rb), min_size=1, max_size=4),
            st.sets(st.sampled_from(sorted(rb.facts)), min_size=1),
        )
    ),
    st.booleans(),
)
def test_rerun_is_evaluate_on_generated_rule_bases(case: Any, large: bool) -> None:
    rule_base, base_facts, others, changed = case
    model = compile_model(rule_base)
    rows = [{**base_facts, **{f: other[f] for f in changed}} for other in others]
    with batch_paths(large, few_at_a_time=large):
        base = evaluate(model, encode(model, [base_facts]), refuse=False)
        columns = encode(model, rows)
        fast = rerun(model, base, columns, changed, refuse=False)
        full = evaluate(model, columns, refuse=False)
        assert (fast.fired == full.fired).all() and (fast.unknown == full.unknown).all()
        for name in model.columns:
            for row in range(len(rows)):
                assert fast.columns.value(model, name, row) == full.columns.value(model, name, row)
        assert base.contradicted is not None and fast.contradicted is not None
        if not base.contradicted[0]:  # else only evaluate sees the findings rerun leaves alone
            assert (fast.contradicted == full.contradicted).all()
            refused = conflict_message(lambda: rerun(model, base, columns, changed))
            assert refused == conflict_message(lambda: evaluate(model, columns))


def conflict_message(action: Any) -> str | None:
    """The contradiction ``action`` refuses, as its message (None: it refuses none)."""
    try:
        action()
    except RuleConflictError as error:
        return str(error)
    return None


# --------------------------------------------------------------------------- the levels


@settings(max_examples=100, deadline=None)
@given(rule_bases())
def test_each_level_reads_only_what_the_levels_before_it_settle(rule_base: RuleBase) -> None:
    model = compile_model(rule_base)
    level_of = {int(p): i for i, level in enumerate(model.levels) for p in level.positions}
    assert sorted(level_of) == list(range(len(model.order)))
    settled_at: dict[str, int] = {}
    for i, level in enumerate(model.levels):
        if level.settling is not None:
            for column in level.settling.columns.tolist():
                assert model.columns[column] not in settled_at
                settled_at[model.columns[column]] = i
    assert set(settled_at) == set(model.derivers)
    for name, derivers in model.derivers.items():  # settled once every deriver has run
        assert all(level_of[model.position[rule]] <= settled_at[name] for rule in derivers)
    for position, rule_id in enumerate(model.order):
        for name in facts_read(rule_base.rules[rule_id].when):
            if name in model.derivers:
                assert settled_at[name] < level_of[position], (rule_id, name)


def test_conditions_are_flattened_into_few_nodes() -> None:
    """``not`` costs no node (``not any`` is ``all`` of the parts negated), nodes of one kind
    merge, and a single part is its own node: this condition is one ``all`` of four leaves,
    two negated."""
    raw = {
        "not": {
            "any": [
                {"any": [{"known": "rate"}, {"fact": "plan", "eq": True}]},
                {"not": {"all": [{"all": [{"known": "area"}]}, {"known": "plan"}]}},
            ]
        }
    }
    model = typed(probe={"when": raw, "then": [{"option": "act", "adjust": "now", "by": 1}]})
    (level,) = model.levels
    assert (level.leaves, level.nodes) == (4, 5)
    assert level.negated is not None and int(level.negated.sum()) == 2
    rows: list[dict[str, Any]] = [
        {"rate": 1.0, "area": "north", "plan": True},
        {"area": "north", "plan": False},
        {"plan": True},
        {},
    ]
    outcome = evaluate(model, encode(model, rows))
    expected = [evaluate_condition(CONDITION.validate_python(raw), r, model.scales) for r in rows]
    assert outcome.fired[0].tolist() == [e is True for e in expected]
    assert outcome.unknown[0].tolist() == [e is None for e in expected]
    assert True in expected
