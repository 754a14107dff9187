"""The engine on batches: a batch equals its rows one at a time and the appraisal of each,
and a contradiction on partial evidence is one located error wherever it is evaluated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal import appraise, load_scenario
from appraisal.appraise import appraise_facts, evidence_values
from appraisal.cli import main
from appraisal.engine import (
    CompiledModel,
    aggregate,
    assign_verdicts,
    cell_values,
    comparisons,
    competition_ranks,
    encode,
    evaluate,
    verdict_metrics,
)
from appraisal.errors import RuleConflictError, RuleEvaluationError, ScoringError
from appraisal.models import FactRef, FactSpec, RuleBase, Value
from appraisal.sensitivity import evidence_uncertainty, sensitivity

from .conftest import BIRMINGHAM, DRIFT_RULES, write_drift_case

LOADED = load_scenario(BIRMINGHAM)
MODEL: CompiledModel = LOADED.model
BASE = evidence_values(LOADED.scenario.evidence)


def _choices(fact_id: str, spec: FactSpec, rule_base: RuleBase) -> list[Value | None]:
    """Values worth trying for a fact: its own, unknown, and either side of every threshold."""
    found: list[Value | None] = [None, BASE.get(fact_id)]
    if spec.type == "boolean":
        return [*found, True, False]
    if spec.type == "level":
        return [*found, *rule_base.scales[str(spec.scale)]]
    constants = {
        c.operand
        for rule in rule_base.rules.values()
        for c in comparisons(rule.when)
        if c.fact == fact_id and not isinstance(c.operand, FactRef)
    }
    if spec.type == "number":
        numbers = [float(v) for v in constants if isinstance(v, float)]
        return [*found, *numbers, *(v + 0.5 for v in numbers), *(v - 0.5 for v in numbers)]
    return [*found, *constants]


CHOICES = {f: _choices(f, spec, MODEL.rule_base) for f, spec in MODEL.rule_base.facts.items()}
ROWS = st.lists(
    st.fixed_dictionaries({f: st.sampled_from(v) for f, v in CHOICES.items()}),
    min_size=1,
    max_size=6,
)


def _standing(model: CompiledModel, rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Everything the engine computes for a batch, by name."""
    outcome = evaluate(model, encode(model, rows))
    cells = cell_values(model, outcome.fired)
    weights = model.tree.global_weights(model.tree.raw_weights(LOADED.scenario.weights))
    totals = aggregate(model.tree, weights, cells.utility)
    valid = ~cells.excluded
    ranks = {
        "rank": competition_ranks(totals.score, valid)[0] + 1,
        "short_term_rank": competition_ranks(totals.short_term, valid)[0] + 1,
        "long_term_rank": competition_ranks(totals.long_term, valid)[0] + 1,
    }
    verdicts = assign_verdicts(model, outcome.columns, verdict_metrics(totals, ~valid, ranks))
    return {
        "fired": outcome.fired.T,
        "unknown": outcome.unknown.T,
        "known": outcome.columns.known.T,
        "values": np.where(outcome.columns.known, outcome.columns.values, 0.0).T,
        "utility": cells.utility,
        "raw": cells.raw,
        "excluded": cells.excluded,
        "score": totals.score,
        "short": totals.short_term,
        "long": totals.long_term,
        "contributions": totals.contributions.transpose(1, 0, 2),
        "rank": ranks["rank"],
        "verdicts": verdicts,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS)
def test_a_batch_is_its_rows_one_at_a_time(rows: list[dict[str, Any]]) -> None:
    try:
        together = _standing(MODEL, rows)
    except (RuleEvaluationError, ScoringError) as error:
        failing = []
        for row in rows:
            try:
                _standing(MODEL, [row])
            except (RuleEvaluationError, ScoringError) as alone:
                failing.append(type(alone))
        assert type(error) in failing
        return
    for row, facts in enumerate(rows):
        alone = _standing(MODEL, [facts])
        for name, array in together.items():
            assert np.array_equal(array[row], alone[name][0]), name
        result = appraise_facts(MODEL, facts, LOADED.scenario.weights)
        for i, option_id in enumerate(MODEL.options):
            option = result.option(option_id)
            assert option.score == together["score"][row, i]
            assert option.verdict_rule == together["verdicts"][row, i]
            assert option.excluded == together["excluded"][row, i]


def test_the_appraisal_is_the_batch_of_one() -> None:
    result = appraise(LOADED)
    standing = _standing(MODEL, [BASE])
    for i, option_id in enumerate(MODEL.options):
        option = result.option(option_id)
        assert option.score == standing["score"][0, i]
        assert option.short_term_score == standing["short"][0, i]
        assert option.long_term_score == standing["long"][0, i]
        for k, leaf in enumerate(MODEL.leaf_ids):
            assert option.values[leaf].utility == standing["utility"][0, i, k]
    fired = {f.rule for f in result.firings if f.status == "fired"}
    assert fired == {r for r in MODEL.order if standing["fired"][0, MODEL.position[r]]}


# --------------------------------------------------------------------------- the drift case


@pytest.fixture
def drift(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_drift_case(tmp_path)


Q_TRUE_LINE = 1 + next(
    n for n, line in enumerate(DRIFT_RULES.splitlines()) if line.startswith("  q_true:")
)
MESSAGE = (
    f"rb.yaml:{Q_TRUE_LINE}:3: rules.q_true: finding 'f' is derived as True by rule 'no_p'"
    " and as False by rule 'q_true'; the rules contradict each other on this evidence"
)


def _the_located_error(error: BaseException) -> None:
    assert isinstance(error, RuleConflictError)
    assert (error.path, error.line) == ("rb.yaml", Q_TRUE_LINE)
    assert error.rules == ("no_p", "q_true") and error.finding == "f"
    assert str(error) == MESSAGE


def test_full_evidence_is_consistent(drift: Path) -> None:
    result = appraise("sc.yaml")
    assert result.recommended == "a"
    assert result.findings["f"] is False


def test_partial_evidence_is_one_located_error_wherever_it_is_evaluated(drift: Path) -> None:
    loaded = load_scenario("sc.yaml")
    with pytest.raises(RuleConflictError) as by_appraise:
        appraise(loaded, evidence={"p": None})
    _the_located_error(by_appraise.value)
    with pytest.raises(RuleConflictError) as by_facts:
        appraise_facts(loaded.model, {"q": True})
    _the_located_error(by_facts.value)
    with pytest.raises(RuleConflictError) as by_batch:
        evaluate(loaded.model, encode(loaded.model, [{"p": True, "q": True}, {"q": True}]))
    _the_located_error(by_batch.value)
    with pytest.raises(RuleConflictError) as by_sampling:
        evidence_uncertainty("doubt.yaml", samples=200, seed=0)
    _the_located_error(by_sampling.value)
    with pytest.raises(RuleConflictError) as by_sensitivity:
        sensitivity("doubt.yaml", samples=200, evidence=True)
    _the_located_error(by_sensitivity.value)
    messages = {
        str(e.value) for e in (by_appraise, by_facts, by_batch, by_sampling, by_sensitivity)
    }
    assert len(messages) == 1


def test_partial_evidence_at_the_command_line(
    drift: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = "  q: {statement: q, value: true, source: doc x}\n"
    (drift / "partial.yaml").write_text(
        "title: s\nrule_base: rb.yaml\nevidence:\n" + evidence, encoding="utf-8"
    )
    assert main(["run", "partial.yaml"]) == 2
    error = capsys.readouterr().err
    assert MESSAGE in error
    assert "Traceback" not in error
