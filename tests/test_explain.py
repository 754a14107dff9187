"""Explanation of the bundled Birmingham appraisal: citations, sums, switching values, CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest

import appraisal
from appraisal.appraise import appraise, appraise_facts, evidence_values
from appraisal.cli import main
from appraisal.explain import (
    attribute,
    compiled_for,
    drivers,
    evidence_trace,
    explain,
    rule_baseline,
    rule_deltas,
    versus,
    weight_switching_values,
    winner,
)
from appraisal.loader import load_scenario


@pytest.fixture(scope="module")
def birmingham() -> Any:
    return appraise(appraisal.bundled_scenarios()["birmingham-2014"])


@pytest.fixture(scope="module")
def explanation(birmingham: Any) -> Any:
    return explain(birmingham)


def _trace_text(node: Any) -> str:
    return " ".join([str(node.source or ""), *(_trace_text(c) for c in node.children)])


def test_isle_of_wight_explanation_cites_para_9_5(explanation: Any) -> None:
    option = explanation.option("isle_of_wight")
    assert "para 9.5" in option.narrative
    assert "capable_partner_available" in option.narrative
    assert option.trace.children[0].kind == "gate"
    assert "para 9.5" in _trace_text(option.trace.children[0])


def test_commissioning_split_explanation_cites_para_9_6(explanation: Any) -> None:
    option = explanation.option("commissioning_split")
    assert "para 9.6" in option.narrative
    assert "provider_market_capacity" in option.narrative


def test_watchful_waiting_cites_fragile_improvement_and_no_coherent_plan(explanation: Any) -> None:
    narrative = explanation.option("watchful_waiting").narrative
    assert "6.8" in narrative
    assert "7.1-7.3" in narrative
    assert "improvement_sustained" in narrative


def test_attribution_sums_exactly_and_contributions_add_up(birmingham: Any) -> None:
    attribution = attribute(birmingham)
    assert attribution.method == "exact"
    compiled = compiled_for(birmingham)
    empty = appraise_facts(compiled, {})
    for result in birmingham.options:
        spread = attribution.options[result.id]
        assert spread.baseline == pytest.approx(empty.option(result.id).score, abs=1e-9)
        assert sum(spread.attribution.values()) == pytest.approx(
            result.score - spread.baseline, abs=1e-9
        )
        for context in ("supervision_received_pct", "sickness_days_per_year", "open_cases"):
            assert spread.attribution[context] == 0.0
        points = rule_baseline(birmingham, result) + sum(
            d.points for d in rule_deltas(birmingham, result)
        )
        assert points == pytest.approx(result.score, abs=1e-9)


def test_symmetric_items_share_equally(birmingham: Any) -> None:
    shares = attribute(birmingham).options["commissioning_split"].attribution
    assert shares["provider_market_capacity"] == shares["commissioning_capability"]


def test_clamped_cell_credits_the_actual_change(birmingham: Any) -> None:
    cell = birmingham.option("watchful_waiting").values["sustainable_improvement"]
    assert cell.clamped and cell.value == 0.0
    deltas = [
        d
        for d in rule_deltas(birmingham, "watchful_waiting")
        if d.criterion == "sustainable_improvement"
    ]
    assert sum(d.change for d in deltas) == pytest.approx(-cell.baseline)
    fragile = next(d for d in deltas if d.rule == "waiting_on_fragile_improvement")
    assert fragile.nominal == -25 and fragile.change == pytest.approx(-25 * 50 / 55)


def test_sampling_fallback_says_so_and_still_sums(birmingham: Any) -> None:
    attribution = attribute(birmingham, max_exact=3, samples=50, seed=1)
    assert attribution.method == "sampled" and attribution.sampled_games > 0
    spread = attribution.options["watchful_waiting"]
    assert spread.method == "sampled" and spread.error > 0
    assert sum(spread.attribution.values()) == pytest.approx(
        spread.total - spread.baseline, abs=1e-9
    )


def test_weight_switching_values_flip_first_place(birmingham: Any) -> None:
    loaded = load_scenario(appraisal.bundled_scenarios()["birmingham-2014"])
    switches = weight_switching_values(birmingham, "effectiveness")
    assert [s.direction for s in switches] == ["decrease"]
    switch = switches[0]
    assert switch.current_weight == 5 and switch.new_winner == "watchful_waiting"
    for weight, first in (
        (switch.weight * 1.001, "commissioner"),
        (switch.weight * 0.999, "watchful_waiting"),
    ):
        assert winner(appraise(loaded, weights={"effectiveness": weight})) == first


def test_unknown_criterion_is_a_clear_error(birmingham: Any) -> None:
    with pytest.raises(appraisal.UnknownReferenceError, match="effectivness|effectiveness"):
        weight_switching_values(birmingham, "effectivness")


def test_single_evidence_change_that_lifts_the_gate(explanation: Any, birmingham: Any) -> None:
    found = [
        c
        for c in explanation.evidence_counterfactuals
        if [x.evidence for x in c.changes] == ["capable_partner_available"]
    ]
    assert found and found[0].verdict_changes[0].option == "isle_of_wight"
    loaded = load_scenario(appraisal.bundled_scenarios()["birmingham-2014"])
    facts = evidence_values(loaded.scenario.evidence) | {"capable_partner_available": True}
    again = appraise_facts(compiled_for(birmingham), facts)
    assert again.option("isle_of_wight").verdict == found[0].verdict_changes[0].to
    assert explanation.search.exhaustive


def test_trace_reaches_evidence_with_sources(birmingham: Any) -> None:
    trace = evidence_trace(birmingham, "commissioning_split")
    kinds: set[str] = set()

    def walk(node: Any) -> None:
        kinds.add(node.kind)
        if node.kind == "evidence":
            assert node.source
        for child in node.children:
            walk(child)

    walk(trace)
    assert {"option", "criterion", "rule", "finding", "evidence"} <= kinds


def test_versus_orders_criteria_by_difference(birmingham: Any) -> None:
    pair = versus(birmingham, "commissioner", "watchful_waiting")
    sizes = [abs(d.difference) for d in pair.criteria]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(d.difference for d in pair.criteria) == pytest.approx(pair.difference)
    assert pair.criteria[0].rules_b


def test_drivers_still_lead_with_gate_failures(birmingham: Any) -> None:
    assert drivers(birmingham, "isle_of_wight")[0].kind == "gate"


def test_explain_json_has_the_documented_shape(capsys: Any) -> None:
    assert main(["explain", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    option = data["options"][0]
    assert {"id", "total", "baseline", "attribution", "contributions", "narrative"} <= set(option)
    switch = data["switching_values"][0]
    assert {"criterion", "weight", "current_weight", "new_winner"} <= set(switch)
    change = data["evidence_counterfactuals"][0]
    assert set(change["changes"][0]) == {"evidence", "from", "to"} and "new_winner" in change


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "--option", "isle_of_wight"],
        ["explain", "--format", "md", "--no-trace"],
        ["explain", "--versus", "commissioner", "watchful_waiting"],
        ["explain", "--versus", "commissioner", "watchful_waiting", "--format", "md"],
    ],
)
def test_explain_commands_run(argv: list[str], capsys: Any) -> None:
    assert main(argv) == 0
    assert "watchful_waiting" in capsys.readouterr().out or "isle_of_wight" in argv


def test_explain_unknown_option_is_bad_input(capsys: Any) -> None:
    assert main(["explain", "--option", "isle_of_wite"]) == 2
    assert "isle_of_wight" in capsys.readouterr().err


def test_run_lists_evidence_drivers_with_citations(capsys: Any) -> None:
    assert main(["run", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    split = next(o for o in data["options"] if o["id"] == "commissioning_split")
    assert split["drivers"][0]["source"].endswith("para 9.6")
    assert split["drivers"][0]["rule_sources"]
