"""The briefing record: what the report shows, gathered from the stages below it."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal import AppraisalError, appraise, load_scenario
from appraisal.briefing import Briefing, brief, paragraphs

from .conftest import (
    BIRMINGHAM,
    SCENARIOS,
    SETS_CONFLICTING_ON_PART_OF_THE_EVIDENCE,
    SMALL_RULE_BASE,
    write_case,
)

SAMPLES = 400
"""Few samples: the tests check structure, not sampling accuracy."""


@pytest.fixture(scope="module")
def birmingham() -> Briefing:
    return brief(BIRMINGHAM, samples=SAMPLES)


def test_recommendation_is_the_appraisals(birmingham: Briefing) -> None:
    result = appraise(BIRMINGHAM)
    rec = birmingham.recommendation
    assert rec.recommended == result.recommended == "commissioner"
    assert rec.headline == "Recommended: IV. Commissioner, expert panel and directions."
    assert rec.standing is not None and "25.7 points ahead" in rec.standing
    assert "II. Transfer to a partner council fails a gate" in rec.standing
    assert [o.id for o in rec.options] == [o.id for o in result.options]
    assert [o.verdict for o in rec.options] == [o.verdict for o in result.options]
    by_id = {o.id: o for o in rec.options}
    assert by_id["commissioner"].recommended and not by_id["watchful_waiting"].recommended
    assert by_id["isle_of_wight"].failed_gates == ("A capable partner council is in view",)
    assert by_id["isle_of_wight"].verdict_source == "le-grand-2014, para 9.5"
    assert birmingham.problems == ()


def test_repr_is_one_short_line(birmingham: Briefing) -> None:
    assert repr(birmingham) == (
        'Briefing(title="Birmingham children\'s social care, February 2014",'
        " recommended='commissioner', options=4, problems=0)"
    )


def test_what_would_change_it(birmingham: Briefing) -> None:
    change = birmingham.what_would_change
    assert not change.stable_to_weights
    (switch,) = change.switching_values
    assert (switch.criterion, switch.direction) == ("acceptability", "increase")
    assert switch.new_winner_name == "I. Keep the service with the council"
    assert switch.share == pytest.approx(0.60625)
    # No single change flips Birmingham; the smallest set found has two.
    (decisive,) = change.decisive_evidence
    assert decisive.changes_winner and decisive.new_winner == "watchful_waiting"
    assert {c.evidence for c in decisive.changes} == {
        "progress_under_intervention",
        "external_challenge",
    }
    assert all(c.statement for c in decisive.changes)
    assert change.search is not None and change.search.smallest_flip == 2
    assert all(not c.changes_winner for c in change.verdict_evidence)


def test_scores_sum_to_totals_and_follow_the_tree(birmingham: Briefing) -> None:
    scores = birmingham.scores
    assert [g for g, _ in scores.groups] == ["effectiveness", "feasibility", "acceptability"]
    leaves = [c.id for c in scores.criteria]
    assert len(leaves) == len(set(leaves)) == 8
    assert math.isclose(sum(c.global_weight for c in scores.criteria), 1.0)
    for row in scores.rows:
        assert math.isclose(sum(row.contributions.values()), row.total, abs_tol=1e-9)
        assert math.isclose(sum(row.group_contributions.values()), row.total, abs_tol=1e-9)
        assert all(0 <= v <= 100 for v in row.values.values())


def test_value_tree_weights(birmingham: Briefing) -> None:
    tree = birmingham.value_tree
    assert [t.id for t in tree if t.depth == 0] == ["effectiveness", "feasibility", "acceptability"]
    by_parent: dict[str | None, float] = {}
    for row in tree:
        by_parent[row.parent] = by_parent.get(row.parent, 0.0) + row.local_weight
    assert all(math.isclose(total, 1.0) for total in by_parent.values())
    by_id = {t.id: t for t in tree}
    for row in tree:
        parent_weight = 1.0 if row.parent is None else by_id[row.parent].global_weight
        assert math.isclose(row.global_weight, parent_weight * row.local_weight)
    assert by_id["transition_risk"].direction == "minimise"


def test_an_appraisal_is_briefed_with_the_weights_it_was_made_with() -> None:
    """The value tree and the switching values read the appraisal's own weights, not the
    scenario's, whether or not the overrides are passed again."""
    overridden = appraise(BIRMINGHAM, weights={"effectiveness": 9})
    by_appraisal = brief(overridden, samples=SAMPLES, evidence_samples=False)
    by_path = brief(BIRMINGHAM, weights={"effectiveness": 9}, samples=SAMPLES)
    assert by_appraisal.value_tree == by_path.value_tree
    by_id = {t.id: t for t in by_appraisal.value_tree}
    assert by_id["effectiveness"].raw_weight == 9.0
    assert math.isclose(by_id["effectiveness"].global_weight, overridden.weights["effectiveness"])
    changes = (by_appraisal.what_would_change, by_path.what_would_change)
    assert changes[0].switching_values == changes[1].switching_values
    assert (
        changes[0].switching_values
        != brief(BIRMINGHAM, samples=SAMPLES).what_would_change.switching_values
    )


def test_narratives_cite_their_sources(birmingham: Briefing) -> None:
    narratives = {n.id: n for n in birmingham.narratives}
    assert list(narratives) == [o.id for o in birmingham.recommendation.options]
    commissioner = narratives["commissioner"]
    assert len(commissioner.narrative) > 1
    assert "le-grand-2014, para 9.6" in " ".join(commissioner.narrative)
    assert commissioner.drivers[0].evidence == "intervention_in_force"
    assert commissioner.drivers[0].source == "le-grand-2014-birmingham, para 4.8"
    (gate,) = narratives["isle_of_wight"].gate_failures
    assert gate.startswith("Fails the gate 'A capable partner council is in view'")


def test_evidence_and_sources(birmingham: Briefing) -> None:
    loaded = load_scenario(BIRMINGHAM)
    assert [e.id for e in birmingham.evidence] == list(loaded.scenario.evidence)
    by_id = {e.id: e for e in birmingham.evidence}
    assert by_id["idaci_pct"].unit == "%"
    assert by_id["decision_stage"].document is not None
    assert any(not e.read_by_rules for e in birmingham.evidence)  # context items
    assert {d.id for d in birmingham.documents} == {"le-grand-2014", "le-grand-2014-birmingham"}
    known = set(by_id)
    assert all(
        fact not in known or by_id[fact].value is None for fact, _ in birmingham.unknown_facts
    )


def test_robustness(birmingham: Briefing) -> None:
    robustness = birmingham.robustness
    assert robustness is not None
    assert robustness.samples == SAMPLES
    assert robustness.excluded == ("II. Transfer to a partner council",)
    for row in robustness.acceptability:
        assert math.isclose(sum(row.shares), 1.0)
    assert robustness.acceptability[0].name == "IV. Commissioner, expert panel and directions"
    widths = [(t.high or 1.0) - (t.low or 0.0) for t in robustness.tornado]
    assert widths == sorted(widths)
    first = robustness.tornado[0]
    assert first.criterion == "acceptability" and first.high_winner is not None
    assert robustness.evidence is not None
    assert math.isclose(
        sum(p for _, p in robustness.evidence.recommended) + robustness.evidence.no_recommendation,
        1.0,
    )


def test_graph_state(birmingham: Briefing) -> None:
    graph = birmingham.graph
    states = {n.key: n.state for n in graph.nodes}
    assert states["option:commissioner"] == "recommended"
    assert states["option:isle_of_wight"] == "excluded"
    assert states["gate:capable_partner"] == "failed"
    keys = set(states)
    assert all(e.source in keys and e.target in keys for e in graph.edges)
    (fails,) = [e for e in graph.edges if e.kind == "fails"]
    assert (fails.source, fails.target) == ("option:isle_of_wight", "gate:capable_partner")
    result = appraise(BIRMINGHAM)
    assert len(graph.fired) == sum(f.status == "fired" for f in result.firings)
    assert graph.not_fired + graph.unknown + len(graph.fired) == len(result.firings)
    moves = [e for e in graph.edges if e.kind == "moves"]
    assert moves and all(e.rules for e in moves)


def test_fingerprint_and_from_an_appraisal(birmingham: Briefing) -> None:
    assert birmingham.fingerprint is not None
    assert birmingham.fingerprint.options["samples"] == SAMPLES
    again = brief(appraise(BIRMINGHAM), samples=SAMPLES)
    assert again.fingerprint is None
    assert again.recommendation == birmingham.recommendation
    assert again.scores == birmingham.scores
    assert again.robustness is not None and again.robustness.evidence is None  # needs a scenario


def test_nothing_recommended() -> None:
    briefing = brief(SCENARIOS / "no-evidence.yaml", samples=SAMPLES)
    rec = briefing.recommendation
    assert rec.recommended is None
    assert rec.headline == "No option is recommended."
    assert rec.reason is not None and rec.standing is not None
    assert rec.reason[1:].rstrip(".") in rec.standing and rec.standing[0].isupper()
    assert briefing.what_would_change.find_out_next  # the facts that would decide it
    assert briefing.evidence == ()
    assert not any(o.recommended for o in rec.options)


def test_another_verdict_vocabulary(tmp_path: Path) -> None:
    rule_base = copy.deepcopy(SMALL_RULE_BASE)
    rule_base["verdicts"] = [
        {"verdict": "ruled_out", "when": {"metric": "excluded", "eq": True}},
        {"verdict": "preferred", "recommends": True, "when": {"metric": "rank", "eq": 1}},
        {"verdict": "set_aside", "otherwise": True},
    ]
    briefing = brief(write_case(tmp_path, rule_base, {"plan": True}), samples=SAMPLES)
    rec = briefing.recommendation
    assert rec.recommended is not None
    chosen = next(o for o in rec.options if o.recommended)
    assert chosen.verdict_label == "preferred"
    assert {o.verdict_label for o in rec.options} <= {"preferred", "set aside", "ruled out"}
    assert rec.headline == f"Recommended: {chosen.name}."


def test_an_explanation_that_cannot_be_worked_out_is_recorded(tmp_path: Path) -> None:
    """Two rules set one value to different numbers only when a known fact is made unknown,
    as attribution does: the briefing says so instead of raising."""
    rule_base = copy.deepcopy(SMALL_RULE_BASE)
    rule_base["rules"].update(copy.deepcopy(SETS_CONFLICTING_ON_PART_OF_THE_EVIDENCE))
    scenario = write_case(tmp_path, rule_base, {"plan": True, "support": "strong"})
    briefing = brief(scenario, samples=SAMPLES)
    message = briefing.problem("explanation")
    assert message is not None and "different values" in message
    assert all(n.narrative == () and n.drivers == () for n in briefing.narratives)
    assert briefing.recommendation.recommended is not None  # the rest stands
    assert briefing.scores.rows and briefing.robustness is not None


def test_every_option_excluded(tmp_path: Path) -> None:
    rule_base = copy.deepcopy(SMALL_RULE_BASE)
    rule_base["rules"]["wait_fails"] = {
        "when": {"fact": "plan", "eq": False},
        "then": [{"option": "wait", "fail_gate": "feasible"}],
    }
    scenario = write_case(tmp_path, rule_base, {"plan": False, "support": "weak"})
    briefing = brief(scenario, samples=SAMPLES)
    assert briefing.problems == ()
    assert briefing.recommendation.standing == "No option passes every gate."
    assert briefing.robustness is not None
    assert briefing.robustness.acceptability == () and briefing.robustness.tornado == ()
    assert set(briefing.robustness.excluded) == {"Wait", "Act"}
    assert {n.state for n in briefing.graph.nodes if n.kind == "option"} == {"excluded"}


def test_refuses_what_it_cannot_brief() -> None:
    with pytest.raises(TypeError, match="brief takes an Appraisal"):
        brief(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"samples": 0}, r"^samples: must be 1 or more, not 0$"),
        ({"seed": -1}, r"^seed: must be 0 or more, not -1$"),
        ({"max_changes": 4}, r"^max_changes: must be from 1 to 3, not 4$"),
        ({"samples": 2.5}, r"^samples: must be a whole number, not 2.5$"),
    ],
)
def test_refuses_settings_no_analysis_can_use(settings_: dict[str, Any], message: str) -> None:
    with pytest.raises(AppraisalError, match=message):
        brief(BIRMINGHAM, **settings_)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A full stop after a capital is a numeral or an initial, not a sentence end.
        ("IV. Commissioner is recommended.", ("IV. Commissioner is recommended.",)),
        ("Short one. Short two.", ("Short one. Short two.",)),
        (
            "A" * 200 + " ends (para 9.6). " + "B" * 200 + " too.",
            ("A" * 200 + " ends (para 9.6).", "B" * 200 + " too."),
        ),
    ],
)
def test_paragraphs(text: str, expected: tuple[str, ...]) -> None:
    assert paragraphs(text) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text("abcIV .()0123,", min_size=1, max_size=120), min_size=1, max_size=8))
def test_paragraphs_keep_every_word(parts: list[str]) -> None:
    text = " ".join(p.strip() for p in parts if p.strip()) or "x"
    assert " ".join(paragraphs(text)).split() == text.split()


@settings(max_examples=15, deadline=None)
@given(
    st.floats(min_value=0.01, max_value=100),
    st.floats(min_value=0.01, max_value=100),
    st.floats(min_value=0.01, max_value=100),
)
def test_contributions_sum_to_totals_for_any_weights(
    tmp_path_factory: pytest.TempPathFactory, benefit: float, now: float, cost: float
) -> None:
    folder = tmp_path_factory.mktemp("weights")
    scenario = write_case(folder, copy.deepcopy(SMALL_RULE_BASE), {"plan": True, "rate": 3.0})
    briefing = brief(
        scenario,
        weights={"benefit": benefit, "now": now, "cost": cost},
        samples=50,
        evidence_samples=False,
    )
    for row in briefing.scores.rows:
        assert math.isclose(sum(row.contributions.values()), row.total, abs_tol=1e-9)
    leaves = [t for t in briefing.value_tree if t.leaf]
    assert math.isclose(sum(t.global_weight for t in leaves), 1.0)
