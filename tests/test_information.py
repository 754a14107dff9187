"""What to find out next (``value_of_information``), on a tiny rule base written here.

Two options: waiting (ahead on its baselines) and acting. Whether a plan exists decides between
them, and while it is unknown a verdict rule withholds any recommendation. Other facts move the
scores (capacity, staff, a rate against a national figure), withhold a recommendation (a
dispute), cannot change anything (a region, a colour no rule reads) or contradict a known plan
(an audit).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import appraisal
from appraisal.appraise import Appraisal, appraise_facts, compile_rule_base
from appraisal.cli import main
from appraisal.errors import RuleEvaluationError
from appraisal.explain import (
    InformationReport,
    explain,
    no_recommendation_reason,
    value_of_information,
)
from appraisal.models import EvidenceItem, RuleBase, Scenario, Value
from appraisal.render.information import answer_text

from .conftest import BIRMINGHAM, write_yaml

PLAN_UNKNOWN = {"not": {"known": "plan"}}

TINY: dict[str, Any] = {
    "id": "tiny",
    "title": "Two options and a plan",
    "documents": {"doc": {"title": "A document"}},
    "scales": {"strength": ["none", "weak", "strong"]},
    "facts": {
        "plan": {"type": "boolean", "description": "Whether a credible plan exists."},
        "capacity": {
            "type": "level",
            "scale": "strength",
            "description": "Management capacity to act.",
        },
        "staff_shortage": {"type": "boolean", "description": "Whether staff are short."},
        "rate": {"type": "number", "description": "The local rate."},
        "national_rate": {"type": "number", "description": "The national rate."},
        "dispute": {"type": "boolean", "description": "Whether the findings are disputed."},
        "region": {"type": "text", "description": "The region."},
        "audit": {"type": "boolean", "description": "Whether an audit flagged the plan."},
        "colour": {"type": "text", "context": True},
    },
    "findings": {"low_rate": {"type": "boolean"}, "flagged": {"type": "boolean"}},
    "criteria": {
        "benefit": {
            "weight": 2,
            "children": {
                "now": {"weight": 1, "horizon": "short"},
                "later": {"weight": 1, "horizon": "long"},
            },
        },
        "cost": {"weight": 1, "horizon": "short", "direction": "minimise"},
    },
    "gates": {"feasible": {"name": "Feasible"}},
    "options": {
        "wait": {
            "name": "Wait",
            "values": {"now": {"value": 50}, "later": {"value": 50}, "cost": {"value": 0}},
        },
        "act": {
            "name": "Act",
            "values": {"now": {"value": 60}, "later": {"value": 70}, "cost": {"value": 40}},
        },
    },
    "rules": {
        "plan_helps": {
            "when": {"fact": "plan", "eq": True},
            "then": [{"option": "act", "adjust": "now", "by": 30}],
        },
        "no_plan": {
            "when": {"fact": "plan", "eq": False},
            "then": [{"option": "act", "fail_gate": "feasible"}],
        },
        "no_capacity": {
            "when": {"fact": "capacity", "eq": "none"},
            "then": [{"option": "act", "adjust": "later", "by": -40}],
        },
        "short_staffed": {
            "when": {"fact": "staff_shortage", "eq": True},
            "then": [{"option": "act", "adjust": "now", "by": -25}],
        },
        "rate_low": {
            "when": {"fact": "rate", "lt": {"fact": "national_rate", "times": 0.9}},
            "then": [{"derive": "low_rate", "value": True}],
        },
        "low_rate_hurts_acting": {
            "when": {"fact": "low_rate", "eq": True},
            "then": [{"option": "act", "adjust": "now", "by": -30}],
        },
        "north_waits": {
            "when": {"fact": "region", "eq": "north"},
            "then": [{"option": "wait", "adjust": "later", "by": 5}],
        },
        "audit_flags": {
            "when": {"fact": "audit", "eq": True},
            "then": [{"derive": "flagged", "value": True}],
        },
        "plan_clears": {
            "when": {"fact": "plan", "eq": True},
            "then": [{"derive": "flagged", "value": False}],
        },
        "flagged_costs": {
            "when": {"fact": "flagged", "eq": True},
            "then": [{"option": "act", "adjust": "cost", "by": 5}],
        },
    },
    "verdicts": [
        {"verdict": "not_considered_further", "when": {"metric": "excluded", "eq": True}},
        {
            "verdict": "insufficient_evidence",
            "when": PLAN_UNKNOWN,
            "rationale": "Whether a plan exists is not yet known.",
        },
        {
            "verdict": "on_hold",
            "when": {"fact": "dispute", "eq": True},
            "rationale": "The findings are disputed.",
        },
        {"verdict": "recommended", "recommends": True, "when": {"metric": "rank", "eq": 1}},
        {"verdict": "not_recommended", "otherwise": True},
    ],
}
"""Baselines: wait 66.67, act 63.33 (each criterion a third). A plan lifts act to 73.33."""


def tiny(insufficient: dict[str, Any] | None = None) -> dict[str, Any]:
    """The tiny rule base, optionally with another condition for withholding a verdict."""
    data = copy.deepcopy(TINY)
    if insufficient is not None:
        data["verdicts"][1]["when"] = insufficient
    return data


def write_case(
    tmp_path: Path,
    values: dict[str, Value],
    *,
    confidence: dict[str, float] | None = None,
    rule_base: dict[str, Any] | None = None,
) -> Path:
    """The rule base and a scenario with these evidence values, written to ``tmp_path``."""
    write_yaml(tmp_path / "tiny.yaml", rule_base or tiny())
    evidence = {
        key: {
            "statement": f"{key} is {value}",
            "value": value,
            "source": "doc para 1",
            **({"confidence": confidence[key]} if confidence and key in confidence else {}),
        }
        for key, value in values.items()
    }
    scenario = {"title": "A tiny case", "rule_base": "tiny.yaml", "evidence": evidence}
    return write_yaml(tmp_path / "case.yaml", scenario)


def listed(report: InformationReport) -> list[str]:
    return [item.facts[0].fact for item in report.facts]


def changes(report: InformationReport, fact: str) -> dict[str, str | None]:
    """Each answer of a listed fact that changes the recommendation, as text, with its result."""
    item = next(i for i in report.facts if i.facts[0].fact == fact)
    return {answer_text(o.answers[0]): o.recommended for o in item.changing}


# --------------------------------------------------------------------------- singles


def test_the_deciding_fact_is_listed_with_its_values_and_outcomes(tmp_path: Path) -> None:
    result = appraisal.appraise(write_case(tmp_path, {"national_rate": 50.0}))
    assert result.recommended is None
    report = value_of_information(result)
    assert report.reason == "Whether a plan exists is not yet known."
    assert listed(report) == ["plan"]
    item = report.facts[0]
    assert item.decisive
    assert changes(report, "plan") == {"plan = true": "act", "plan = false": "wait"}
    assert item.facts[0].status == "unknown"
    assert item.facts[0].description == "Whether a credible plan exists."
    assert report.pairs == () and report.pair_search is None


def test_facts_that_cannot_change_anything_are_not_listed(tmp_path: Path) -> None:
    result = appraisal.appraise(write_case(tmp_path, {"plan": True, "national_rate": 50.0}))
    assert result.recommended == "act"
    report = value_of_information(result)
    assert "region" not in listed(report)  # moves wait, never enough
    assert "colour" not in listed(report)  # read by no rule
    assert "audit" not in listed(report)  # contradicts the plan, or changes nothing
    assert "national_rate" not in listed(report)  # known, and trusted
    assert set(listed(report)) == {"capacity", "rate", "staff_shortage", "dispute"}
    assert changes(report, "capacity") == {"capacity = none": "wait"}
    assert changes(report, "rate") == {"rate < 45": "wait"}
    assert changes(report, "dispute") == {"dispute = true": None}


def test_ranking_decisive_first_then_by_margin_moved(tmp_path: Path) -> None:
    report = value_of_information(write_case(tmp_path, {"plan": True, "national_rate": 50.0}))
    # capacity moves the margin 13.3 points, the rate 10, staff 8.3: each settles the choice;
    # a dispute only withholds a recommendation, so it comes last
    assert listed(report) == ["capacity", "rate", "staff_shortage", "dispute"]
    assert [i.decisive for i in report.facts] == [True, True, True, False]
    shifts = [i.margin_shift for i in report.facts[:3]]
    assert shifts == sorted(shifts, reverse=True)
    assert shifts[0] == pytest.approx(40 / 3)


def test_contradicting_answers_are_skipped_and_counted(tmp_path: Path) -> None:
    path = write_case(tmp_path, {"plan": True, "national_rate": 50.0})
    report = value_of_information(path)
    assert report.skipped == 1  # audit = true: the rules derive flagged both ways
    with pytest.raises(RuleEvaluationError):
        appraisal.appraise(path, evidence={"audit": True})


def test_numbers_are_tried_across_every_threshold(tmp_path: Path) -> None:
    report = value_of_information(
        write_case(
            tmp_path, {"plan": True, "national_rate": 50.0, "rate": 60.0}, confidence={"rate": 0.7}
        )
    )
    item = next(i for i in report.facts if i.facts[0].fact == "rate")
    assert item.facts[0].status == "uncertain" and item.facts[0].confidence == 0.7
    texts = [answer_text(o.answers[0]) for o in item.outcomes]
    assert texts == ["rate < 45", "rate >= 45"]  # 45 and above merge: acting either way
    assert item.outcomes[1].answers[0].tested == (45.0, 46.0)


def test_confidence_threshold(tmp_path: Path) -> None:
    path = write_case(
        tmp_path, {"plan": True, "national_rate": 50.0, "rate": 60.0}, confidence={"rate": 0.8}
    )
    assert "rate" not in listed(value_of_information(path))  # 0.8 is not below 0.8
    assert "rate" in listed(value_of_information(path, confidence_below=0.9))


def test_pairs_only_when_no_single_fact_decides(tmp_path: Path) -> None:
    both = {"any": [PLAN_UNKNOWN, {"not": {"known": "capacity"}}]}
    result = appraisal.appraise(write_case(tmp_path, {}, rule_base=tiny(both)))
    report = value_of_information(result)
    assert report.facts == ()
    assert report.pair_search is not None and report.pair_search.exhaustive
    first = report.pairs[0]
    assert {f.fact for f in first.facts} == {"plan", "capacity"}
    assert first.decisive
    outcomes = {tuple(answer_text(a) for a in o.answers): o.recommended for o in first.changing}
    assert outcomes[("plan = true", "capacity = strong")] == "act"
    assert outcomes[("plan = true", "capacity = none")] == "wait"
    assert outcomes[("plan = false", "capacity = weak")] == "wait"
    assert value_of_information(result, pairs=False).pairs == ()


def test_no_recommendation_reasons(tmp_path: Path) -> None:
    result = appraisal.appraise(write_case(tmp_path, {"national_rate": 50.0}))
    assert no_recommendation_reason(result) == "Whether a plan exists is not yet known."
    assert (
        no_recommendation_reason(appraisal.appraise(write_case(tmp_path, {"plan": True}))) is None
    )
    no_gate = tiny()
    no_gate["rules"]["wait_infeasible"] = {
        "when": {"known": "plan"},
        "then": [{"option": "wait", "fail_gate": "feasible"}],
    }
    blocked = appraisal.appraise(write_case(tmp_path, {"plan": False}, rule_base=no_gate))
    assert no_recommendation_reason(blocked) == "no option passes every gate"


def test_a_tie_is_the_reason(tmp_path: Path) -> None:
    even = tiny()
    even["options"]["act"]["values"] = copy.deepcopy(even["options"]["wait"]["values"])
    del even["rules"]["plan_helps"]
    tied = appraisal.appraise(write_case(tmp_path, {"plan": True}, rule_base=even))
    assert tied.tied_first == ("wait", "act")
    assert no_recommendation_reason(tied) == "wait and act tie for first place"


# --------------------------------------------------------------------------- output


def test_explain_json_and_text_have_the_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_case(tmp_path, {"national_rate": 50.0})
    assert main(["explain", str(path), "--format", "json"]) == 0
    section = json.loads(capsys.readouterr().out)["find_out_next"]
    assert section["recommended"] is None
    assert section["reason"] == "Whether a plan exists is not yet known."
    first = section["facts"][0]
    assert first["facts"][0]["fact"] == "plan" and first["decisive"] is True
    answers = {o["answers"][0]["answer"]: o["recommended"] for o in first["outcomes"]}
    assert answers == {"plan = true": "act", "plan = false": "wait"}
    assert main(["explain", str(path), "--no-trace"]) == 0
    text = capsys.readouterr().out
    assert "What to find out next" in text
    assert "plan = true: act recommended" in text
    assert main(["explain", str(path), "--format", "md", "--no-trace"]) == 0
    assert "## What to find out next" in capsys.readouterr().out


def test_run_says_no_option_is_recommended_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    path = write_case(tmp_path, {"national_rate": 50.0})
    assert main(["run", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].strip() == ("No option is recommended: Whether a plan exists is not yet known.")
    text = "\n".join(lines)
    assert "What to find out next" in text
    assert "1. plan (unknown): Whether a credible plan exists." in text
    assert "plan = false: wait recommended" in text
    assert max(len(line.rstrip()) for line in lines) <= 80


def test_run_json_and_markdown_when_nothing_is_recommended(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_case(tmp_path, {"national_rate": 50.0})
    assert main(["run", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["recommended"] is None
    assert data["no_recommendation_reason"] == "Whether a plan exists is not yet known."
    assert [item["facts"][0]["fact"] for item in data["find_out_next"]] == ["plan"]
    assert main(["run", str(path), "--format", "md"]) == 0
    markdown = capsys.readouterr().out
    assert "**No option is recommended:** Whether a plan exists is not yet known." in markdown
    assert "1. plan (unknown)" in markdown


def test_run_json_when_something_is_recommended(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(write_case(tmp_path, {"plan": True})), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["recommended"] == "act" and "find_out_next" not in data


def test_bundled_scenario_explains_with_the_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(BIRMINGHAM), "--format", "json", "--max-changes", "1"]) == 0
    section = json.loads(capsys.readouterr().out)["find_out_next"]
    assert {"facts", "pairs", "reason", "recommended"} <= set(section)


def test_explanation_carries_the_report(tmp_path: Path) -> None:
    result = appraisal.appraise(write_case(tmp_path, {"national_rate": 50.0}))
    report = explain(result).find_out_next
    assert report is not None and report == value_of_information(result)


# --------------------------------------------------------------------------- cannot be fake

RULE_BASE = RuleBase.model_validate(tiny())
RULE_BASE_PAIRS = RuleBase.model_validate(
    tiny({"any": [PLAN_UNKNOWN, {"not": {"known": "capacity"}}]})
)
VALUES: dict[str, Any] = {
    "plan": st.booleans(),
    "capacity": st.sampled_from(["none", "weak", "strong"]),
    "staff_shortage": st.booleans(),
    "rate": st.sampled_from([30.0, 44.0, 45.0, 46.0, 70.0]),
    "national_rate": st.sampled_from([40.0, 50.0, 60.0]),
    "dispute": st.booleans(),
    "region": st.sampled_from(["north", "south"]),
    "audit": st.booleans(),
}


@st.composite
def cases(draw: Any) -> tuple[RuleBase, dict[str, Value | None], dict[str, float]]:
    rule_base = draw(st.sampled_from([RULE_BASE, RULE_BASE_PAIRS]))
    facts: dict[str, Value | None] = {}
    confidence: dict[str, float] = {}
    for fact, values in VALUES.items():
        if draw(st.booleans()):
            facts[fact] = draw(values)
            confidence[fact] = draw(st.sampled_from([1.0, 0.5]))
    return rule_base, facts, confidence


def appraised(
    rule_base: RuleBase, facts: dict[str, Value | None], confidence: dict[str, float]
) -> Appraisal | None:
    """The full pipeline on these facts; None when the rules contradict each other."""
    scenario = Scenario(
        title="generated",
        rule_base="tiny",
        evidence={
            f: EvidenceItem(statement=f, value=v, source="doc", confidence=confidence.get(f, 1.0))
            for f, v in facts.items()
        },
    )
    try:
        return appraise_facts(compile_rule_base(rule_base), facts, scenario_model=scenario)
    except RuleEvaluationError:
        return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_reported_answer_really_gives_the_reported_outcome(
    case: tuple[RuleBase, dict[str, Value | None], dict[str, float]],
) -> None:
    rule_base, facts, confidence = case
    base = appraised(rule_base, facts, confidence)
    if base is None:
        return
    report = value_of_information(base)
    for item in report.facts + report.pairs:
        assert item.changing
        for outcome in item.outcomes:
            tried = [
                dict(zip([a.fact for a in outcome.answers], values, strict=True))
                for values in _combinations(outcome)
            ]
            for changes in tried:
                again = appraised(rule_base, {**facts, **changes}, confidence)
                assert again is not None, changes
                assert again.recommended == outcome.recommended, changes
                assert outcome.changes_recommendation == (again.recommended != base.recommended)
    # nothing is missed: a boolean or level fact not listed changes nothing, whatever its value
    if report.facts:
        shown = set(listed(report))
        for fact, values in (("plan", [True, False]), ("capacity", ["none", "weak", "strong"])):
            if fact in shown or (facts.get(fact) is not None and confidence.get(fact, 1) >= 0.8):
                continue
            for value in values:
                again = appraised(rule_base, {**facts, fact: value}, confidence)
                assert again is None or again.recommended == base.recommended


def _combinations(outcome: Any) -> list[tuple[Value, ...]]:
    """Every combination of the values tried for each answer of an outcome."""
    import itertools

    return list(itertools.product(*(a.tested for a in outcome.answers)))


def test_contradicting_pairs_are_skipped_and_counted(tmp_path: Path) -> None:
    both = {"any": [PLAN_UNKNOWN, {"not": {"known": "capacity"}}]}
    path = write_case(tmp_path, {}, rule_base=tiny(both))
    report = value_of_information(path)
    assert report.pair_search is not None and "audit" in report.pair_search.facts
    # no single answer is contradicted; of the pairs, only a plan with a flagging audit is,
    # and that pair is not reported (a plan alone leaves capacity unknown: no change)
    assert value_of_information(path, pairs=False).skipped == 0
    assert report.skipped == 1
    assert all({f.fact for f in item.facts} != {"plan", "audit"} for item in report.pairs)
    with pytest.raises(RuleEvaluationError):
        appraisal.appraise(path, evidence={"plan": True, "audit": True})
    appraisal.appraise(path, evidence={"plan": False, "audit": True})
