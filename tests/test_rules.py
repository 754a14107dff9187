"""Rules: three-valued logic, comparisons, order-independent evaluation."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from appraisal.appraise import compile_rule_base
from appraisal.errors import RuleEvaluationError
from appraisal.loader import load_rule_base
from appraisal.models import Condition, RuleBase
from appraisal.rules import (
    comparisons,
    evaluate_condition,
    evaluate_rules,
    facts_read,
    level_orders,
)

from .conftest import RULES, SMALL_RULE_BASE

CONDITION: TypeAdapter[Any] = TypeAdapter(Condition)
SCALES = {"support": {"none": 0, "weak": 1, "strong": 2}}
T, F, U = True, False, None


def truth(raw: dict[str, Any], **facts: Any) -> bool | None:
    return evaluate_condition(CONDITION.validate_python(raw), facts, SCALES)


A_TRUE = {"fact": "a", "eq": True}
B_TRUE = {"fact": "b", "eq": True}


@pytest.mark.parametrize(
    ("a", "b", "all_", "any_"),
    [
        # Kleene's strong three-valued logic, row by row
        (T, T, T, T),
        (T, F, F, T),
        (T, U, U, T),
        (F, F, F, F),
        (F, U, F, U),
        (U, U, U, U),
    ],
)
def test_three_valued_all_any(a: Any, b: Any, all_: Any, any_: Any) -> None:
    assert truth({"all": [A_TRUE, B_TRUE]}, a=a, b=b) is all_
    assert truth({"all": [B_TRUE, A_TRUE]}, a=a, b=b) is all_
    assert truth({"any": [A_TRUE, B_TRUE]}, a=a, b=b) is any_
    assert truth({"any": [B_TRUE, A_TRUE]}, a=a, b=b) is any_


@pytest.mark.parametrize(("a", "expected"), [(T, F), (F, T), (U, U)])
def test_not(a: Any, expected: Any) -> None:
    assert truth({"not": A_TRUE}, a=a) is expected


@pytest.mark.parametrize(
    ("raw", "facts", "expected"),
    [
        ({"fact": "x", "lt": 3}, {"x": 2.0}, True),
        ({"fact": "x", "lt": 3}, {"x": 3.0}, False),
        ({"fact": "x", "le": 3}, {"x": 3.0}, True),
        ({"fact": "x", "gt": 3}, {}, None),  # unknown evidence stays unknown
        ({"fact": "x", "lt": {"fact": "y", "times": 0.9}}, {"x": 31.0, "y": 37.9}, True),
        ({"fact": "x", "lt": {"fact": "y", "times": 0.9}}, {"x": 35.0, "y": 37.9}, False),
        ({"fact": "x", "lt": {"fact": "y"}}, {"x": 35.0}, None),
        ({"fact": "support", "ge": "weak"}, {"support": "strong"}, True),
        ({"fact": "support", "ge": "weak"}, {"support": "none"}, False),
        ({"fact": "support", "lt": "strong"}, {"support": "weak"}, True),
        ({"fact": "name", "eq": "x"}, {"name": "x"}, True),
        ({"fact": "name", "ne": "x"}, {"name": "x"}, False),
        ({"known": "x"}, {}, False),
        ({"known": "x"}, {"x": 0.0}, True),
        ({"not": {"known": "x"}}, {}, True),
    ],
)
def test_comparisons(raw: dict[str, Any], facts: dict[str, Any], expected: Any) -> None:
    assert truth(raw, **facts) is expected


def test_facts_read_and_thresholds() -> None:
    condition = CONDITION.validate_python(
        {
            "all": [
                {"fact": "x", "lt": {"fact": "y"}},
                {"not": {"known": "z"}},
                {"fact": "x", "gt": 1},
            ]
        }
    )
    assert facts_read(condition) == ("x", "y", "z")
    assert [(c.subject, c.operator) for c in comparisons(condition)] == [("x", "lt"), ("x", "gt")]


def small() -> RuleBase:
    return RuleBase.model_validate(SMALL_RULE_BASE)


def test_evaluate_records_reads_and_status() -> None:
    rule_base = small()
    compiled = compile_rule_base(rule_base)
    outcome = evaluate_rules(rule_base, {"rate": 10.0, "national_rate": 20.0}, compiled.order)
    by_rule = {f.rule: f for f in outcome.firings}
    assert by_rule["rate_low"].status == "fired"
    assert by_rule["rate_low"].reads == {"rate": 10.0, "national_rate": 20.0}
    assert by_rule["waiting_is_risky"].status == "fired"
    assert by_rule["waiting_is_risky"].reads == {"low_rate": True}
    assert by_rule["no_plan_no_action"].status == "unknown"
    assert outcome.findings == {"low_rate": True}


def test_derivation_order_comes_from_the_graph() -> None:
    rules = dict(reversed(list(SMALL_RULE_BASE["rules"].items())))
    rule_base = RuleBase.model_validate({**SMALL_RULE_BASE, "rules": rules})
    order = compile_rule_base(rule_base).order
    assert order.index("rate_low") < order.index("waiting_is_risky")


def bundled_evidence() -> dict[str, Any]:
    from appraisal.loader import load_scenario

    from .conftest import BIRMINGHAM

    return {k: v.value for k, v in load_scenario(BIRMINGHAM).scenario.evidence.items()}


def test_outcome_independent_of_declared_rule_order() -> None:
    rule_base, _ = load_rule_base(RULES)
    evidence = bundled_evidence()
    reference = evaluate_rules(rule_base, evidence, compile_rule_base(rule_base).order)
    shuffled_ids = list(rule_base.rules)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled_ids)
        shuffled = rule_base.model_copy(
            update={"rules": {r: rule_base.rules[r] for r in shuffled_ids}}
        )
        outcome = evaluate_rules(shuffled, evidence, compile_rule_base(shuffled).order)
        assert outcome.findings == reference.findings
        assert {f.rule: f.status for f in outcome.firings} == {
            f.rule: f.status for f in reference.firings
        }


def test_contradictory_derivations_raise(make_rule_base: Callable[..., Path]) -> None:
    rules = {
        "says_true": {"when": {"fact": "plan", "eq": True}, "then": [{"derive": "low_rate"}]},
        "says_false": {
            "when": {"fact": "plan", "eq": True},
            "then": [{"derive": "low_rate", "value": False}],
        },
    }
    rule_base, _ = load_rule_base(make_rule_base(rules=rules))
    compiled = compile_rule_base(rule_base)
    with pytest.raises(RuleEvaluationError, match="contradict"):
        evaluate_rules(rule_base, {"plan": True}, compiled.order)
    evaluate_rules(rule_base, {"plan": False}, compiled.order)  # no firing, no conflict


def test_level_orders() -> None:
    assert level_orders(small()) == {"support": {"none": 0, "weak": 1, "strong": 2}}
