"""Reachability: exact proofs of what a rule base can ever conclude, checked against the engine."""

from __future__ import annotations

import copy
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from appraisal.appraise import CompiledRuleBase, appraise_facts, compile_rule_base
from appraisal.cli import main
from appraisal.errors import AppraisalError
from appraisal.loader import load_rule_base
from appraisal.models import Value
from appraisal.reachability import Reachability, reachability, unread_facts
from appraisal.render.reachability import reachability_text

from .conftest import RULES, write_yaml

# Three options. ``bold`` wins only on one combination of evidence (affordable,
# ready, strong support, the "pilot" mode); ``dominated`` is worse than
# ``status_quo`` on every criterion whatever the evidence. ``impossible`` has a
# contradictory condition; ``needs_conflict`` and ``both_set`` hold only on
# evidence where other rules contradict each other (a finding derived as true
# and false; one value set to two numbers), which the engine refuses.
REACH: dict[str, Any] = {
    "id": "reach",
    "title": "Reachability tests",
    "documents": {"doc": {"title": "A document"}},
    "scales": {"strength": ["none", "weak", "strong"]},
    "facts": {
        "ready": {"type": "boolean"},
        "funded": {"type": "boolean"},
        "support": {"type": "level", "scale": "strength"},
        "cost": {"type": "number"},
        "budget": {"type": "number"},
        "mode": {"type": "text"},
        "unused": {"type": "number"},
        "note": {"type": "text", "context": True},
    },
    "findings": {"affordable": {"type": "boolean"}, "conflicted": {"type": "boolean"}},
    "criteria": {
        "benefit": {"weight": 2, "horizon": "short"},
        "risk": {"weight": 1, "horizon": "long", "direction": "minimise"},
    },
    "gates": {"legal": {"name": "Legal"}},
    "options": {
        "status_quo": {
            "name": "Status quo",
            "values": {"benefit": {"value": 50}, "risk": {"value": 20}},
        },
        "bold": {"name": "Bold", "values": {"benefit": {"value": 40}, "risk": {"value": 60}}},
        "dominated": {
            "name": "Dominated",
            "values": {"benefit": {"value": 10}, "risk": {"value": 90}},
        },
    },
    "rules": {
        "affordable": {
            "when": {"fact": "cost", "le": {"fact": "budget", "times": 0.8}},
            "then": [{"derive": "affordable", "value": True}],
        },
        "unaffordable": {
            "when": {"fact": "cost", "gt": {"fact": "budget", "times": 0.8}},
            "then": [{"derive": "affordable", "value": False}],
        },
        "bold_pays": {
            "when": {
                "all": [
                    {"fact": "affordable", "eq": True},
                    {"fact": "ready", "eq": True},
                    {"fact": "support", "ge": "strong"},
                    {"fact": "mode", "eq": "pilot"},
                ]
            },
            "then": [
                {"option": "bold", "adjust": "benefit", "by": 30},
                {"option": "bold", "adjust": "risk", "by": -30},
            ],
        },
        "bold_banned": {
            "when": {"fact": "mode", "eq": "banned"},
            "then": [{"option": "bold", "fail_gate": "legal"}],
        },
        "funding_helps": {
            "when": {"fact": "funded", "eq": True},
            "then": [
                {"option": "dominated", "adjust": "benefit", "by": 20},
                {"option": "status_quo", "adjust": "benefit", "by": 20},
            ],
        },
        "impossible": {
            "when": {"all": [{"fact": "cost", "gt": 10}, {"fact": "cost", "lt": 5}]},
            "then": [{"option": "dominated", "adjust": "benefit", "by": 100}],
        },
        "ready_says_yes": {
            "when": {"fact": "ready", "eq": True},
            "then": [{"derive": "conflicted", "value": True}],
        },
        "funded_says_no": {
            "when": {"fact": "funded", "eq": True},
            "then": [{"derive": "conflicted", "value": False}],
        },
        "needs_conflict": {
            "when": {"all": [{"fact": "ready", "eq": True}, {"fact": "funded", "eq": True}]},
            "then": [{"option": "dominated", "adjust": "risk", "by": -90}],
        },
        "set_low_risk": {
            "when": {"fact": "funded", "eq": True},
            "then": [{"option": "dominated", "set": "risk", "to": 0}],
        },
        "set_high_risk": {
            "when": {"fact": "support", "eq": "none"},
            "then": [{"option": "dominated", "set": "risk", "to": 100}],
        },
        "both_set": {
            "when": {"all": [{"fact": "funded", "eq": True}, {"fact": "support", "eq": "none"}]},
            "then": [{"option": "dominated", "adjust": "benefit", "by": 100}],
        },
    },
    "verdicts": [
        {"verdict": "not_considered_further", "when": {"metric": "excluded", "eq": True}},
        {"verdict": "recommended", "recommends": True, "when": {"metric": "rank", "eq": 1}},
        {"verdict": "not_recommended", "otherwise": True},
    ],
}

NEVER_FIRE = ("impossible", "needs_conflict", "both_set")


def clean_rule_base() -> dict[str, Any]:
    """REACH without what can never happen: every option reachable, every rule can fire."""
    data = copy.deepcopy(REACH)
    del data["options"]["dominated"]
    for rule_id in (*NEVER_FIRE, "set_low_risk", "set_high_risk", "funded_says_no"):
        del data["rules"][rule_id]
    data["rules"]["funding_helps"]["then"].pop(0)
    return data


def compiled_from(tmp_path: Path, data: dict[str, Any]) -> CompiledRuleBase:
    rule_base, _ = load_rule_base(write_yaml(tmp_path / "rules.yaml", data))
    return compile_rule_base(rule_base)


@pytest.fixture
def compiled(tmp_path: Path) -> CompiledRuleBase:
    return compiled_from(tmp_path, REACH)


@pytest.fixture
def result(compiled: CompiledRuleBase) -> Reachability:
    return reachability(compiled)


def recommends(compiled: CompiledRuleBase, facts: dict[str, Value], option: str) -> bool:
    return appraise_facts(compiled, facts).recommended == option


# --------------------------------------------------------------------------- proofs


def test_a_dominated_option_is_proved_never_recommended(result: Reachability) -> None:
    by_option = {o.option: o for o in result.options}
    assert by_option["dominated"].reachable is False
    assert by_option["dominated"].witness is None
    assert result.unreachable_options == ("dominated",)
    assert not result.ok


def test_rules_that_can_never_fire(result: Reachability) -> None:
    """A contradictory condition, and two that hold only on evidence the engine refuses."""
    assert set(result.unreachable_rules) == set(NEVER_FIRE)
    assert result.rules_checked == len(REACH["rules"])


def test_unread_facts_leave_out_context_facts(compiled: CompiledRuleBase) -> None:
    assert unread_facts(compiled.rule_base) == ("unused",)


def test_an_option_that_needs_a_combination_of_evidence(
    compiled: CompiledRuleBase, result: Reachability
) -> None:
    bold = next(o for o in result.options if o.option == "bold")
    assert bold.reachable and bold.verified and bold.witness is not None
    witness = bold.witness
    assert set(witness) == {"cost", "budget", "ready", "support", "mode"}
    assert witness["ready"] is True
    assert witness["support"] == "strong"
    assert witness["mode"] == "pilot"
    cost, budget = witness["cost"], witness["budget"]
    assert isinstance(cost, float) and isinstance(budget, float)
    assert cost <= budget * 0.8
    assert recommends(compiled, witness, "bold")
    for fact in witness:  # and it is minimal: every fact is needed
        assert not recommends(compiled, {k: v for k, v in witness.items() if k != fact}, "bold")


def test_an_option_recommended_without_evidence(
    compiled: CompiledRuleBase, result: Reachability
) -> None:
    status_quo = next(o for o in result.options if o.option == "status_quo")
    assert status_quo.reachable and status_quo.verified and status_quo.witness == {}
    assert recommends(compiled, {}, "status_quo")


def test_verdict_matrix(result: Reachability) -> None:
    assert result.verdicts["bold"] == {
        "not_considered_further": True,
        "recommended": True,
        "not_recommended": True,
    }
    assert result.verdicts["dominated"] == {
        "not_considered_further": False,
        "recommended": False,
        "not_recommended": True,
    }
    assert result.verdicts["status_quo"]["not_considered_further"] is False


def test_weights_change_what_is_reachable(compiled: CompiledRuleBase) -> None:
    """With no weight on benefit, only risk counts: bold's best (30) never beats the
    status quo's 20, while funding sets the dominated option's risk to 0."""
    weighted = reachability(compiled, {"benefit": 0.0}, verdicts=False)
    assert {o.option: o.reachable for o in weighted.options} == {
        "status_quo": True,
        "bold": False,
        "dominated": True,
    }
    dominated = next(o for o in weighted.options if o.option == "dominated")
    assert dominated.verified and dominated.witness == {"funded": True}
    facts: dict[str, Value] = {"funded": True}
    assert appraise_facts(compiled, facts, {"benefit": 0.0}).recommended == "dominated"
    assert weighted.verdicts == {}


def test_the_solver_agrees_with_every_evidence_set(
    compiled: CompiledRuleBase, result: Reachability
) -> None:
    """Exhaustively: what the engine can reach on a grid covering every case, and no more."""
    grid: dict[str, list[Value | None]] = {
        "ready": [None, True, False],
        "funded": [None, True, False],
        "support": [None, "none", "weak", "strong"],
        "cost": [None, 0.0, 2.0],
        "budget": [None, 0.0, 2.0],
        "mode": [None, "pilot", "banned", "something else"],
    }
    recommended: set[str] = set()
    fired: set[str] = set()
    verdicts: set[tuple[str, str]] = set()
    for values in itertools.product(*grid.values()):
        facts = {k: v for k, v in zip(grid, values, strict=True) if v is not None}
        try:
            appraisal = appraise_facts(compiled, facts)
        except AppraisalError:  # contradictory rules: not a consistent evidence set
            continue
        recommended.add(appraisal.recommended or "")
        fired |= {f.rule for f in appraisal.firings if f.status == "fired"}
        verdicts |= {(o.id, o.verdict) for o in appraisal.options}
    assert recommended - {""} == {o.option for o in result.options if o.reachable}
    assert fired == set(REACH["rules"]) - set(result.unreachable_rules)
    assert verdicts == {(o, v) for o, row in result.verdicts.items() for v, ok in row.items() if ok}


def test_text_fits_80_columns(result: Reachability) -> None:
    text = reachability_text(result)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "dominated" in text and "NEVER recommended (proved)" in text
    assert "mode=pilot" in text and "ready=true" in text
    assert "impossible" in text and "unused" in text and "note" not in text


# --------------------------------------------------------------------------- the bundled rule base


def test_contradictions_are_found_with_the_smallest_witness(
    result: Reachability, compiled: CompiledRuleBase
) -> None:
    found = {(c.subject, c.rules): c for c in result.contradictions}
    assert set(found) == {
        ("conflicted", ("ready_says_yes", "funded_says_no")),
        ("dominated.risk", ("set_low_risk", "set_high_risk")),
    }
    finding = found[("conflicted", ("ready_says_yes", "funded_says_no"))]
    assert finding.verified and finding.witness == {"ready": True, "funded": True}
    with pytest.raises(AppraisalError):
        appraise_facts(compiled, finding.witness)
    assert not result.ok


def test_no_contradiction_in_a_clean_rule_base(tmp_path: Path) -> None:
    assert reachability(compiled_from(tmp_path, clean_rule_base())).contradictions == ()


def test_the_bundled_rule_base_every_witness_rechecks() -> None:
    rule_base, _ = load_rule_base(RULES)
    compiled = compile_rule_base(rule_base)
    result = reachability(compiled)
    assert [o.option for o in result.options] == list(rule_base.options)
    for option in result.options:
        if option.reachable:
            assert option.witness is not None and option.verified
            assert recommends(compiled, option.witness, option.option)
    assert set(result.unreachable_rules) <= set(rule_base.rules)
    assert result.contradictions == ()  # a proof: no evidence makes its rules disagree


def test_the_waste_collection_rule_base_is_clean() -> None:
    """BUNDLED: the tutorial's rule base can recommend each option, on evidence alone.

    Every option is reachable with a witness the engine confirms, every rule can
    fire and no evidence makes two rules disagree; and with no evidence at all,
    nothing is recommended (so the witnesses are evidence, not baselines).
    """
    rule_base, _ = load_rule_base(RULES.with_name("waste-collection.yaml"))
    compiled = compile_rule_base(rule_base)
    result = reachability(compiled)
    assert result.ok
    for option in result.options:
        assert option.reachable and option.verified and option.witness
        assert recommends(compiled, option.witness, option.option)
    assert appraise_facts(compiled, {}).recommended is None
    assert result.unreachable_rules == () and result.contradictions == ()


# --------------------------------------------------------------------------- command line


def test_check_exits_1_when_something_is_unreachable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml(tmp_path / "rules.yaml", REACH)
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "NEVER recommended (proved)" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_check_exits_0_when_everything_is_reachable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml(tmp_path / "rules.yaml", clean_rule_base())
    assert main(["check", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert data["unreachable_rules"] == [] and data["unreachable_options"] == []
    assert all(o["reachable"] and o["verified"] for o in data["options"])


def test_check_reads_a_scenario_for_its_rule_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_yaml(tmp_path / "rules.yaml", REACH)
    scenario = write_yaml(
        tmp_path / "case.yaml", {"title": "A case", "rule_base": "rules.yaml", "evidence": {}}
    )
    assert main(["check", str(scenario), "--no-verdicts"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("reach:") and "Verdicts" not in out


@pytest.mark.parametrize(
    "args",
    [["check", "no-such-rules.yaml"], ["check", "--weight", "no_such_criterion=1"]],
)
def test_check_exits_2_on_bad_input(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert "error" in capsys.readouterr().err


def test_z3_is_loaded_only_when_a_check_runs() -> None:
    code = "import sys, appraisal, appraisal.cli; assert 'z3' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
