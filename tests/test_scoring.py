"""Scoring: weights over the tree, values and clamping, utilities, ranks."""

from __future__ import annotations

import pytest

from appraisal.errors import ScoringError
from appraisal.models import AdjustEffect, RuleBase, SetEffect
from appraisal.rules import RuleFiring
from appraisal.scoring import competition_ranks, criterion_weights, option_values, score_options

from .conftest import SMALL_RULE_BASE


def small() -> RuleBase:
    return RuleBase.model_validate(SMALL_RULE_BASE)


def fired(rule: str, *effects: AdjustEffect | SetEffect) -> RuleFiring:
    return RuleFiring(rule=rule, status="fired", reads={}, effects=effects)


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


def test_values_set_then_adjust_then_clamp() -> None:
    firings = [
        fired("up", AdjustEffect(option="wait", adjust="now", by=30)),
        fired("set", SetEffect(option="wait", set="now", to=80)),
        fired("down", AdjustEffect(option="act", adjust="later", by=-90)),
    ]
    values, failures = option_values(small(), firings)
    now = values["wait"]["now"]
    assert (now.baseline, now.set_to, now.set_by, now.value, now.clamped) == (
        50,
        80,
        "set",
        100,
        True,
    )
    later = values["act"]["later"]
    assert (later.value, later.clamped, later.utility) == (0, True, 0)
    assert failures == {"wait": [], "act": []}


def test_conflicting_sets_raise() -> None:
    firings = [
        fired("a", SetEffect(option="wait", set="now", to=10)),
        fired("b", SetEffect(option="wait", set="now", to=20)),
    ]
    with pytest.raises(ScoringError, match="rules 'a' and 'b' set option 'wait'"):
        option_values(small(), firings)


def test_minimised_criteria_count_inverted() -> None:
    values, _ = option_values(small(), [])
    assert values["act"]["cost"].utility == 60  # 100 - 40


def test_scores_contributions_and_horizons() -> None:
    rule_base = small()
    values, failures = option_values(rule_base, [])
    weights = criterion_weights(rule_base)
    scores = score_options(rule_base, values, failures, weights)
    act = scores["act"]
    assert act.contributions["now"] == pytest.approx(60 / 3)
    assert act.contributions["benefit"] == pytest.approx(60 / 3 + 70 / 3)
    assert act.score == pytest.approx(60 / 3 + 70 / 3 + 60 / 3)
    assert act.score == pytest.approx(sum(act.contributions[c] for c in ("benefit", "cost")))
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
