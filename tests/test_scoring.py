"""Scoring: weights over the tree, values and clamping, utilities, ranks."""

from __future__ import annotations

from typing import Any

import pytest

from appraisal.appraise import Appraisal, appraise_facts, compile_rule_base
from appraisal.errors import ScoringError
from appraisal.models import RuleBase
from appraisal.scoring import competition_ranks, criterion_weights

from .conftest import SMALL_RULE_BASE


def small() -> RuleBase:
    return RuleBase.model_validate(SMALL_RULE_BASE)


def test_weights_normalise_among_siblings() -> None:
    weights = criterion_weights(small())
    assert weights["benefit"] == pytest.approx(2 / 3)
    assert weights["cost"] == pytest.approx(1 / 3)
    assert weights["now"] == pytest.approx(1 / 3)
    assert weights["later"] == pytest.approx(1 / 3)


def test_weight_overrides_and_zero_weights() -> None:
    weights = criterion_weights(small(), {"now": 3})
    assert weights["now"] == pytest.approx(2 / 3 * 3 / 4)
    with pytest.raises(ScoringError, match=r"of now, later \(under 'benefit'\) are all zero"):
        criterion_weights(small(), {"now": 0, "later": 0})


def appraised(rules: dict[str, Any], **facts: Any) -> Appraisal:
    """An appraisal of the small rule base with these rules, all reading ``plan``."""
    data = {**SMALL_RULE_BASE, "rules": rules}
    rule_base = RuleBase.model_validate(data)
    return appraise_facts(compile_rule_base(rule_base), facts)


def when_plan(*effects: dict[str, Any]) -> dict[str, Any]:
    return {"when": {"fact": "plan", "eq": True}, "then": list(effects)}


def test_values_set_then_adjust_then_clamp() -> None:
    result = appraised(
        {
            "up": when_plan({"option": "wait", "adjust": "now", "by": 30}),
            "set": when_plan({"option": "wait", "set": "now", "to": 80}),
            "down": when_plan({"option": "act", "adjust": "later", "by": -90}),
        },
        plan=True,
    )
    now = result.option("wait").values["now"]
    assert (now.baseline, now.set_to, now.set_by, now.value, now.clamped) == (
        50,
        80,
        "set",
        100,
        True,
    )
    assert [(a.rule, a.by) for a in now.adjustments] == [("up", 30)]
    later = result.option("act").values["later"]
    assert (later.value, later.clamped, later.utility) == (0, True, 0)
    assert all(not o.gate_failures for o in result.options)


def test_adjustments_add_in_rule_order_and_only_when_fired() -> None:
    result = appraised(
        {
            "a": when_plan({"option": "wait", "adjust": "now", "by": 0.1}),
            "b": when_plan({"option": "wait", "adjust": "now", "by": 0.2}),
            "c": {
                "when": {"fact": "plan", "eq": False},
                "then": [{"option": "wait", "adjust": "now", "by": 10}],
            },
        },
        plan=True,
    )
    now = result.option("wait").values["now"]
    assert [a.rule for a in now.adjustments] == ["a", "b"]
    assert now.value == 50 + (0.1 + 0.2)  # the baseline plus the sum, as written


def test_conflicting_sets_raise_where_the_second_is_written() -> None:
    with pytest.raises(ScoringError, match="rules 'a' and 'b' set option 'wait'") as caught:
        appraised(
            {
                "a": when_plan({"option": "wait", "set": "now", "to": 10}),
                "b": when_plan({"option": "wait", "set": "now", "to": 20}),
            },
            plan=True,
        )
    assert caught.value.field == "rules.b"
    appraised(  # the same value twice is no conflict
        {
            "a": when_plan({"option": "wait", "set": "now", "to": 10}),
            "b": when_plan({"option": "wait", "set": "now", "to": 10}),
        },
        plan=True,
    )


def test_minimised_criteria_count_inverted() -> None:
    result = appraised({})
    assert result.option("act").values["cost"].utility == 60  # 100 - 40


def test_scores_contributions_and_horizons() -> None:
    act = appraised({}).option("act")
    assert act.contributions["now"] == pytest.approx(60 / 3)
    assert act.contributions["benefit"] == pytest.approx(60 / 3 + 70 / 3)
    assert act.score == pytest.approx(60 / 3 + 70 / 3 + 60 / 3)
    assert act.score == pytest.approx(sum(act.contributions[c] for c in ("benefit", "cost")))
    assert list(act.contributions) == ["now", "later", "benefit", "cost"]  # children first
    # short horizon: now (1/3) and cost (1/3), renormalised
    assert act.short_term_score == pytest.approx((60 + 60) / 2)
    assert act.long_term_score == pytest.approx(70)


@pytest.mark.parametrize(
    ("scores", "ranks"),
    [
        ({"a": 3.0, "b": 2.0, "c": 1.0}, {"a": 1, "b": 2, "c": 3}),
        ({"a": 3.0, "b": 3.0, "c": 1.0}, {"a": 1, "b": 1, "c": 3}),  # ties share a rank
        ({"a": 1.0, "b": 1.0 + 1e-12}, {"a": 1, "b": 1}),  # within tolerance
        ({}, {}),
    ],
)
def test_competition_ranks(scores: dict[str, float], ranks: dict[str, int]) -> None:
    assert competition_ranks(scores) == ranks
