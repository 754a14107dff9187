"""The pipeline end to end, on the Birmingham 2014 case and its what-ifs.

Expected verdicts come from the panel's report (Le Grand et al., February 2014):
Option I not recommended (para 9.4), Option II not considered further (9.5),
Option III potential in the longer run (9.6), Option IV recommended (9.6, 10).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

import appraisal
from appraisal.appraise import appraise, appraise_facts, compile_rule_base
from appraisal.loader import load_scenario

from .conftest import BIRMINGHAM, RULES, SCENARIOS


@pytest.fixture(scope="module")
def birmingham() -> appraisal.Appraisal:
    return appraise(BIRMINGHAM)


def test_birmingham_reproduces_the_panel(birmingham: appraisal.Appraisal) -> None:
    verdicts = {o.id: o.verdict for o in birmingham.options}
    assert verdicts == {
        "commissioner": "recommended",
        "watchful_waiting": "not_recommended",
        "isle_of_wight": "not_considered_further",
        "commissioning_split": "longer_term_potential",
    }
    assert birmingham.recommended == "commissioner"
    assert birmingham.option("commissioner").rank == 1
    assert birmingham.ranking[0] == "commissioner"


def test_isle_of_wight_fails_the_partner_gate(birmingham: appraisal.Appraisal) -> None:
    option = birmingham.option("isle_of_wight")
    assert option.excluded and option.rank is None
    assert [(f.gate, f.rule) for f in option.gate_failures] == [
        ("capable_partner", "no_partner_in_view")
    ]
    source = birmingham.rule_base_model.rules["no_partner_in_view"].source
    assert source is not None and source.locator == "para 9.5"


def test_split_is_best_long_term_but_held_back_short_term(
    birmingham: appraisal.Appraisal,
) -> None:
    split = birmingham.option("commissioning_split")
    assert split.long_term_rank == 1
    assert split.rank is not None and split.rank > 1
    assert split.short_term_rank == max(o.short_term_rank or 0 for o in birmingham.options)
    held_back_by = {a.rule for a in split.values["deliverability"].adjustments}
    assert "split_without_providers" in held_back_by


def test_birmingham_has_at_least_30_cited_evidence_items() -> None:
    evidence = load_scenario(BIRMINGHAM).scenario.evidence
    assert len(evidence) >= 30
    assert all(item.source.locator for item in evidence.values())


@pytest.mark.parametrize(
    ("variant", "check"),
    [
        ("birmingham-2014-capable-partner", lambda a: not a.option("isle_of_wight").excluded),
        ("birmingham-2014-sustained-improvement", lambda a: a.recommended == "watchful_waiting"),
        (
            "birmingham-2014-mature-providers",
            lambda a: (
                a.recommended == "commissioner"
                and a.option("commissioning_split").verdict == "longer_term_potential"
                and "split_with_market" in {f.rule for f in a.firings if f.status == "fired"}
            ),
        ),
    ],
)
def test_what_ifs_flip_as_the_rules_say(
    variant: str, check: Callable[[appraisal.Appraisal], bool]
) -> None:
    loaded = load_scenario(SCENARIOS / f"{variant}.yaml")
    assert loaded.scenario.weights == {}  # evidence changes only
    assert check(appraise(loaded))


def test_verdicts_follow_the_evidence_not_a_lookup() -> None:
    """Changing evidence from code, with no scenario file, changes the verdicts."""
    loaded = load_scenario(BIRMINGHAM)
    improving = appraise(
        loaded,
        evidence={
            "improvement_evidence": "strong",
            "improvement_sustained": True,
            "practice_impact_evident": True,
            "coherent_improvement_plan": True,
            "needs_analysis_comprehensive": True,
        },
    )
    assert improving.findings["capacity_to_improve"] is True
    assert improving.recommended == "watchful_waiting"
    partner = appraise(
        loaded,
        evidence={"partner_identified": True, "partner_judgement": "good"},
    )
    assert not partner.option("isle_of_wight").excluded


def test_no_evidence_recommends_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text(f"title: empty\nrule_base: {RULES}\nevidence: {{}}\n", encoding="utf-8")
    result = appraise(empty)
    assert result.recommended is None
    assert {o.verdict for o in result.options} <= {
        "insufficient_evidence",
        "not_considered_further",
    }


def test_unknown_evidence_is_explicit() -> None:
    loaded = load_scenario(BIRMINGHAM)
    result = appraise(loaded, evidence={"improvement_sustained": None})
    firing = next(f for f in result.firings if f.rule == "improvement_secure")
    assert firing.reads["improvement_sustained"] is None
    assert firing.status in ("unknown", "not_fired")


def test_rule_base_names_no_authority() -> None:
    """Only the cited report's own title may name the authority it was written about."""
    import yaml

    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    del data["documents"]
    assert "birmingham" not in repr(data).lower()


def test_another_authority_gets_a_sensible_appraisal(tmp_path: Path) -> None:
    """An illustrative authority (invented figures) at the review of an improvement notice:
    improving securely, with a credible plan, adequate challenge and nothing hidden in its data."""
    evidence = {
        "decision_stage": "review",
        "intervention_in_force": "improvement_notice",
        "child_population": 60000,
        "idaci_pct": 18,
        "children_low_income_pct": 16,
        "cp_plan_rate_per_10k": 40,
        "cp_plan_rate_england_per_10k": 37.9,
        "s47_rate_per_10k": 120,
        "s47_rate_england_per_10k": 111.5,
        "core_assessment_rate_per_10k": 210,
        "core_assessment_rate_england_per_10k": 204.2,
        "repeat_referral_pct": 15,
        "repeat_referral_england_pct": 22,
        "police_protection_start_pct": 10,
        "police_protection_start_england_pct": 12,
        "improvement_evidence": "strong",
        "improvement_sustained": True,
        "practice_impact_evident": True,
        "coherent_improvement_plan": True,
        "needs_analysis_comprehensive": True,
        "external_challenge": "moderate",
        "prior_interventions": 0,
        "repeated_false_dawns": False,
        "partner_identified": False,
        "provider_market_capacity": "weak",
        "commissioning_capability": "weak",
    }
    lines = [f"title: Illustrative authority\nrule_base: {RULES}\nevidence:"]
    for key, value in evidence.items():
        shown = str(value).lower() if isinstance(value, bool) else value
        lines.append(f"  {key}:\n    statement: x\n    value: {shown}\n    source: le-grand-2014 x")
    path = tmp_path / "illustrative.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = appraise(path)
    assert result.recommended == "watchful_waiting"
    assert result.findings["undetected_risk_high"] is False
    assert result.option("isle_of_wight").verdict == "not_considered_further"


def test_values_are_absolute_not_relative_to_the_options_present() -> None:
    loaded = load_scenario(BIRMINGHAM)
    full = appraise(loaded)
    options = dict(loaded.rule_base.options)
    del options["isle_of_wight"], options["watchful_waiting"]
    rules = {}
    for rule_id, rule in loaded.rule_base.rules.items():
        kept = [e for e in rule.then if getattr(e, "option", None) in (None, *options)]
        if kept:
            rules[rule_id] = rule.model_copy(update={"then": kept})
    fewer = loaded.rule_base.model_copy(update={"options": options, "rules": rules})
    facts = {k: v.value for k, v in loaded.scenario.evidence.items()}
    facts_only = appraise_facts(compile_rule_base(fewer), facts)
    for option in facts_only.options:
        assert option.score == pytest.approx(full.option(option.id).score)
        assert option.values == full.option(option.id).values


def test_weights_override_from_code() -> None:
    result = appraise(BIRMINGHAM, weights={"effectiveness": 0.0001})
    assert result.weights["effectiveness"] < 0.001
    assert sum(result.weights[c] for c in ("effectiveness", "feasibility", "acceptability")) == (
        pytest.approx(1.0)
    )


def test_result_is_plain_data(birmingham: appraisal.Appraisal) -> None:
    dumped = birmingham.model_dump(mode="json")
    assert dumped["recommended"] == "commissioner"
    assert "rule_base_model" not in dumped
    with pytest.raises(ValidationError):  # frozen
        birmingham.recommended = "x"  # type: ignore[misc]
