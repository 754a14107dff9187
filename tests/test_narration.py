"""The narrative paragraph: declared values before evidence, the rules that moved an
option most, where the others stand, gates with their own rationale."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import appraisal
from appraisal.appraise import appraise
from appraisal.explain import (
    attribute,
    evidence_counterfactuals,
    explain,
    narrative,
    rule_baseline,
    rule_deltas,
    switching_values,
)
from appraisal.explain.narration import TOP_RULES, cited, inline


@pytest.fixture(scope="module")
def birmingham() -> Any:
    return appraise(appraisal.bundled_scenarios()["birmingham-2014"])


@pytest.fixture(scope="module")
def explanation(birmingham: Any) -> Any:
    return explain(birmingham)


def _rule_points(result: Any, option: str) -> dict[str, float]:
    points: dict[str, float] = {}
    for delta in rule_deltas(result, option):
        points[delta.rule] = points.get(delta.rule, 0.0) + delta.points
    return points


def test_inline_lowers_a_capital_but_not_an_acronym_or_a_quotation() -> None:
    assert inline("The council cannot improve.") == "the council cannot improve"
    assert inline("DfE directs.") == "DfE directs"
    assert inline('"Do nothing for a year" discourages planning.') == (
        '"Do nothing for a year" discourages planning'
    )
    assert cited("A reason.", "doc para 1", -1.25) == "a reason (doc para 1, -1.2)"
    assert cited("A reason.", None) == "a reason"


def test_leader_starts_ahead_on_its_declared_values(birmingham: Any, explanation: Any) -> None:
    narrative = explanation.option("commissioner").narrative
    gap = rule_baseline(birmingham, "commissioner") - rule_baseline(birmingham, "watchful_waiting")
    assert gap > 0
    assert f"Before any evidence it starts {gap:.1f} points ahead of watchful_waiting" in narrative
    values = birmingham.rule_base_model.options
    # A difference in its favour cites its own judgement ...
    low_risk = values["commissioner"].values["transition_risk"]
    assert cited(low_risk.rationale, low_risk.source) in narrative
    # ... and one in the other's favour cites the other's.
    at_once = values["watchful_waiting"].values["deliverability"]
    assert f"for watchful_waiting, {cited(at_once.rationale, at_once.source)}" in narrative


def test_trailing_option_cites_its_own_shortfalls(birmingham: Any, explanation: Any) -> None:
    narrative = explanation.option("commissioning_split").narrative
    gap = rule_baseline(birmingham, "commissioner") - rule_baseline(
        birmingham, "commissioning_split"
    )
    assert f"starts {gap:.1f} points behind commissioner" in narrative
    split = birmingham.rule_base_model.options["commissioning_split"].values
    for criterion in ("deliverability", "transition_risk", "culture_change"):
        assert inline(split[criterion].rationale) in narrative


def test_rules_that_moved_an_option_most_are_named_by_points(
    birmingham: Any, explanation: Any
) -> None:
    rules = birmingham.rule_base_model.rules
    for result in birmingham.options:
        narrative = explanation.option(result.id).narrative
        points = _rule_points(birmingham, result.id)
        ranked = [
            r for r in sorted(points, key=lambda r: -abs(points[r])) if abs(points[r]) >= 0.05
        ]
        for rule in ranked[:TOP_RULES]:
            text = cited(rules[rule].rationale, rules[rule].source, points[rule])
            assert narrative.count(text) == 1, (result.id, rule)
        if len(ranked) > TOP_RULES + 1:
            assert f"{len(ranked) - TOP_RULES} other rules moved it less" in narrative


def test_the_larger_side_of_the_reasons_comes_first(explanation: Any) -> None:
    assert "Reasons for it, by the points they moved:" in (
        explanation.option("commissioner").narrative
    )
    assert "Reasons against it, by the points they moved:" in (
        explanation.option("watchful_waiting").narrative
    )


def test_no_rule_is_named_twice_nor_one_that_did_not_move_the_option(
    birmingham: Any, explanation: Any
) -> None:
    rules = birmingham.rule_base_model.rules
    for result in birmingham.options:
        narrative = explanation.option(result.id).narrative
        moved = set(_rule_points(birmingham, result.id)) | {f.rule for f in result.gate_failures}
        for rule_id, rule in rules.items():
            if not rule.rationale:
                continue
            mentions = narrative.count(f"{inline(rule.rationale)} (")
            assert mentions <= 1, (result.id, rule_id)
            if mentions:
                assert rule_id in moved, (result.id, rule_id)


def test_recommended_option_says_where_the_others_stand(birmingham: Any, explanation: Any) -> None:
    narrative = explanation.option("commissioner").narrative
    assert "Of the others, " in narrative
    partner = birmingham.option("isle_of_wight").name
    assert f"{partner} fails the gate 'A capable partner council is in view'" in narrative
    for other in ("watchful_waiting", "commissioning_split"):
        result = birmingham.option(other)
        behind = birmingham.option("commissioner").score - result.score
        label = result.verdict.replace("_", " ")
        assert f"{result.name} is {label} ({behind:.1f} points behind)" in narrative
        assert f"{other} is" not in narrative  # readers see names, not ids
    for other in ("watchful_waiting", "commissioning_split", "isle_of_wight"):
        assert "Of the others" not in explanation.option(other).narrative


def test_gate_failure_gives_the_gate_rationale_and_unknown_evidence(
    birmingham: Any, explanation: Any
) -> None:
    narrative = explanation.option("isle_of_wight").narrative
    gate = birmingham.rule_base_model.gates["capable_partner"]
    assert f"The gate exists because {cited(gate.rationale, gate.source)}." in narrative
    assert "partner_judgement = unknown" in narrative
    assert "None" not in narrative


def test_no_sentence_on_declared_values_when_the_options_start_level(
    make_rule_base: Callable[..., Path], make_scenario: Callable[..., Path]
) -> None:
    level = {"now": {"value": 50}, "later": {"value": 50}, "cost": {"value": 0}}
    rules = make_rule_base(
        options={
            "wait": {"name": "Wait", "values": level},
            "act": {"name": "Act", "values": level},
        }
    )
    scenario = make_scenario(rule_base=rules, rate=10, national_rate=20, plan=True)
    result = appraise(scenario)
    assert result.recommended == "act"
    narrative = explain(result).option("act").narrative
    assert "Before any evidence" not in narrative
    assert "Of the others, Wait is not recommended" in narrative


def test_declared_difference_without_rationale_gives_the_value(
    make_rule_base: Callable[..., Path], make_scenario: Callable[..., Path]
) -> None:
    scenario = make_scenario(rate=30, national_rate=20, plan=True)
    result = appraise(scenario)
    narrative = explain(result).option("act").narrative
    gap = rule_baseline(result, "act") - rule_baseline(result, "wait")
    assert f"starts {abs(gap):.1f} points behind wait" in narrative
    assert "valued 70" in narrative


def test_narrative_given_the_rule_deltas_reads_as_without_them(birmingham: Any) -> None:
    attribution = attribute(birmingham)
    report = evidence_counterfactuals(birmingham, max_size=2)
    switches = switching_values(birmingham)
    deltas = {o.id: rule_deltas(birmingham, o) for o in birmingham.options}
    for option in birmingham.options:
        assert narrative(birmingham, option, attribution, report, switches, deltas) == narrative(
            birmingham, option, attribution, report, switches
        )
