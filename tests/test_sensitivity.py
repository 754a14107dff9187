"""Sensitivity analysis: sweeps and switching values, SMAA, evidence Monte Carlo, CLI, plots."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from appraisal import appraise, compile_rule_base, load_scenario
from appraisal.appraise import appraise_facts, evidence_values
from appraisal.cli import main
from appraisal.engine import competition_ranks as engine_ranks
from appraisal.errors import AppraisalError, ScenarioLoadError, UnknownReferenceError
from appraisal.explain import (
    switching_values,
)
from appraisal.scoring import competition_ranks
from appraisal.sensitivity import (
    CHUNK,
    CriteriaTree,
    DecisionModel,
    WeightPrior,
    decision_model,
    evidence_uncertainty,
    sampled_evidence,
    sensitivity,
    smaa,
    sweep_lines,
    weight_prior,
    weight_samples,
    weight_sweeps,
)
from appraisal.sensitivity.model import rank_shares

from .conftest import BIRMINGHAM, write_yaml


@pytest.fixture(scope="module")
def loaded() -> Any:
    return load_scenario(BIRMINGHAM)


@pytest.fixture(scope="module")
def model(loaded: Any) -> DecisionModel:
    return decision_model(appraise(loaded))


# --------------------------------------------------------------------------- the model


def test_model_reproduces_the_appraisal_totals(loaded: Any, model: DecisionModel) -> None:
    result = appraise(loaded)
    tree = model.tree
    totals = model.totals(tree.globalise(tree.local_shares())[None, :])[0]
    for option, total in zip(model.options, totals, strict=True):
        assert total == pytest.approx(result.option(option).score, abs=1e-9)
    assert model.excluded == ("isle_of_wight",)
    assert "isle_of_wight" not in model.options


def test_model_takes_the_weights_the_appraisal_used(loaded: Any) -> None:
    result = appraise(loaded, weights={"effectiveness": 1})
    model = decision_model(result)
    tree = model.tree
    assert tree.weights[tree.index("effectiveness")] == 1.0
    assert result.raw_weights["effectiveness"] == 1.0
    assert np.array_equal(tree.global_weights(), [result.weights[c] for c in tree.ids])


# --------------------------------------------------------------------------- SMAA


def test_smaa_equals_a_plain_loop_over_appraise_facts(loaded: Any, model: DecisionModel) -> None:
    """The vectorised path and the real pipeline agree sample by sample."""
    compiled = compile_rule_base(loaded.rule_base)
    facts = evidence_values(loaded.scenario.evidence)
    samples = 200
    shares = weight_samples(model.tree, WeightPrior(), samples, seed=7)
    counts = {o: [0.0] * len(model.options) for o in model.options}
    for row in shares:
        weights = dict(zip(model.tree.ids, map(float, row), strict=True))
        result = appraise_facts(compiled, facts, weights)
        for option in model.options:
            rank = result.option(option).rank
            assert rank is not None
            counts[option][rank - 1] += 1 / samples
    result = smaa(model, samples=samples, seed=7)
    for option in model.options:
        assert result.rank_acceptability[option] == pytest.approx(counts[option], abs=1e-12)


def test_smaa_is_reproducible_and_seeded(model: DecisionModel) -> None:
    first = smaa(model, samples=20_000, seed=3)
    assert smaa(model, samples=20_000, seed=3) == first
    assert smaa(model, samples=20_000, seed=4) != first
    assert first.samples == 20_000 and first.seed == 3


def test_smaa_central_weights_and_confidence(model: DecisionModel) -> None:
    result = smaa(model, samples=10_000, seed=0)
    central = result.central_weights["commissioner"]
    assert central is not None
    top = [c for c in model.tree.ids if model.tree.parents[model.tree.index(c)] < 0]
    assert sum(central[c] for c in top) == pytest.approx(1.0)
    assert result.confidence["commissioner"] == 1.0
    assert 0.5 < result.first_rank("commissioner") < 0.95


def test_smaa_splits_ties_evenly() -> None:
    tree = CriteriaTree.flat(["a", "b"])
    twins = DecisionModel(tree, ("x", "y", "z"), np.array([[80, 20], [80, 20], [0, 0]]))
    result = smaa(twins, samples=1_000, seed=0)
    assert result.rank_acceptability["x"] == pytest.approx((0.5, 0.5, 0.0))
    assert result.rank_acceptability["z"] == pytest.approx((0.0, 0.0, 1.0))
    assert result.tie_share == 1.0


def test_declared_ranges_bound_the_sampled_weights() -> None:
    tree = CriteriaTree.flat(["a", "b", "c"], [2, 1, 1])
    prior = WeightPrior(ranges={"a": (1.0, 3.0)})
    shares = weight_samples(tree, prior, 5_000, seed=1)
    assert np.allclose(shares.sum(axis=1), 1)
    assert shares[:, 0].min() >= 1 / 3 - 1e-12 and shares[:, 0].max() <= 3 / 5 + 1e-12
    assert np.allclose(shares[:, 1], shares[:, 2])  # b and c held at their weights
    spread = weight_samples(tree, WeightPrior(spread=0.2), 2_000, seed=1)
    ratio = spread[:, 0] / spread[:, 1]
    assert ratio.min() >= 2 * 0.8 / 1.2 - 1e-9 and ratio.max() <= 2 * 1.2 / 0.8 + 1e-9


@pytest.mark.parametrize("samples", [0, -5])
def test_smaa_refuses_bad_sample_counts(model: DecisionModel, samples: int) -> None:
    with pytest.raises(AppraisalError, match="positive integer"):
        smaa(model, samples=samples)


# --------------------------------------------------------------------------- declared ranges


def test_weight_ranges_from_rule_base_and_scenario(
    tmp_path: Path, make_rule_base: Callable[..., Path]
) -> None:
    from .conftest import SMALL_RULE_BASE

    criteria = json.loads(json.dumps(SMALL_RULE_BASE["criteria"]))
    criteria["cost"]["weight_range"] = [0.5, 2]
    rules = make_rule_base(criteria=criteria)
    scenario = write_yaml(
        tmp_path / "s.yaml",
        {
            "title": "t",
            "rule_base": rules.name,
            "weight_ranges": {"now": [1, 3]},
            "weight_spread": 0.1,
        },
    )
    loaded = load_scenario(scenario)
    prior = weight_prior(loaded.rule_base, loaded.scenario)
    assert prior.ranges == {"cost": (0.5, 2.0), "now": (1.0, 3.0)}
    assert prior.spread == 0.1
    report = sensitivity(loaded, samples=2_000)
    assert "declared ranges" in report.smaa.prior


def test_weight_range_must_hold_the_weight(make_rule_base: Callable[..., Path]) -> None:
    from appraisal import load_rule_base

    from .conftest import SMALL_RULE_BASE

    criteria = json.loads(json.dumps(SMALL_RULE_BASE["criteria"]))
    criteria["cost"]["weight_range"] = [2, 3]
    with pytest.raises(ScenarioLoadError, match="low <= weight <= high"):
        load_rule_base(make_rule_base(criteria=criteria))


def test_unknown_criterion_in_weight_ranges(
    tmp_path: Path, make_rule_base: Callable[..., Path]
) -> None:
    rules = make_rule_base()
    scenario = write_yaml(
        tmp_path / "s.yaml",
        {
            "title": "t",
            "rule_base": rules.name,
            "weight_ranges": {"cots": [0, 1]},
        },
    )
    with pytest.raises(UnknownReferenceError, match="did you mean 'cost'") as caught:
        load_scenario(scenario)
    assert caught.value.location.line == 4


# --------------------------------------------------------------------------- sweeps


def test_sweep_lines_match_the_pipeline(loaded: Any, model: DecisionModel) -> None:
    for criterion in ("feasibility", "challenge", "transition_risk"):
        intercept, slope = sweep_lines(model, criterion)
        tree = model.tree
        index = tree.index(criterion)
        start, stop = tree.group_of(index)
        siblings = [j for j in range(start, stop) if j != index]
        rest = sum(tree.weights[j] for j in siblings)
        for share in (0.0, 0.37, 0.9):
            weights = {tree.ids[j]: tree.weights[j] / rest * (1 - share) for j in siblings}
            weights[criterion] = share
            result = appraise(loaded, weights=weights)
            for i, option in enumerate(model.options):
                expected = intercept[i] + slope[i] * share
                assert result.option(option).score == pytest.approx(expected, abs=1e-9)


def test_switching_values_are_where_the_winner_flips(loaded: Any, model: DecisionModel) -> None:
    switches = switching_values(appraise(loaded))
    sweeps = {s.criterion: s for s in weight_sweeps(model, switches=switches)}
    assert "stakeholder_support" not in sweeps  # an only child: its share is always 1
    flips = 0
    for sweep in sweeps.values():
        for switch in (sweep.switch_below, sweep.switch_above):
            if switch is None:
                continue
            flips += 1
            leaders = []
            for share in (switch - 1e-6, switch + 1e-6):
                raw = sweep.raw_at(share)
                assert raw is not None
                leaders.append(appraise(loaded, weights={sweep.criterion: raw}).ranking[0])
            assert leaders[0] != leaders[1], (sweep.criterion, switch)
    assert flips >= 1
    acceptability = sweeps["acceptability"]
    assert acceptability.leader == ("commissioner",)
    assert acceptability.switch_above is not None
    assert acceptability.switch_above > acceptability.share


def test_crossings_record_the_ranking_either_side(model: DecisionModel) -> None:
    sweep = next(s for s in weight_sweeps(model) if s.criterion == "effectiveness")
    assert sweep.crossings
    for crossing in sweep.crossings:
        assert crossing.ranking_before != crossing.ranking_after
        assert set(crossing.options) <= set(model.options)
        assert 0 < crossing.share < 1
    assert len(sweep.points) == 21 and set(sweep.scores) == set(model.options)


# --------------------------------------------------------------------------- evidence


def test_evidence_monte_carlo_equals_a_plain_loop(loaded: Any) -> None:
    compiled = compile_rule_base(loaded.rule_base)
    samples = 300
    bodies = sampled_evidence(loaded, samples=samples, seed=5)
    expected: dict[tuple[str, str], float] = {}
    for facts in bodies:
        result = appraise_facts(compiled, facts, loaded.scenario.weights)
        for option in result.options:
            key = (option.id, option.verdict)
            expected[key] = expected.get(key, 0) + 1 / samples
    outcome = evidence_uncertainty(loaded, samples=samples, seed=5, compiled=compiled)
    for option, verdicts in outcome.verdict_probability.items():
        for verdict, p in verdicts.items():
            assert p == pytest.approx(expected.get((option, verdict), 0.0), abs=1e-12)
    doubtful = {
        fact
        for fact, item in loaded.scenario.evidence.items()
        if item.confidence < 1 or item.range is not None
    }
    assert outcome.items and set(outcome.items) <= doubtful
    assert outcome.distinct_evidence <= 3 ** len(outcome.items)


def test_evidence_that_cannot_fail_gives_the_appraisal(make_scenario: Callable[..., Path]) -> None:
    scenario = make_scenario(rate=10.0, national_rate=20.0, plan=True, support="strong")
    loaded = load_scenario(scenario)
    result = appraise(loaded)
    outcome = evidence_uncertainty(loaded, samples=500)
    assert outcome.items == ()
    assert outcome.recommended_probability[result.ranking[0]] == 1.0
    assert outcome.distinct_evidence == 1


def test_doubtful_evidence_moves_the_verdicts(
    tmp_path: Path, make_rule_base: Callable[..., Path]
) -> None:
    rules = make_rule_base()
    evidence = {
        "rate": {"statement": "r", "value": 10.0, "source": "doc", "range": [10, 30]},
        "national_rate": {"statement": "n", "value": 20.0, "source": "doc"},
        "plan": {"statement": "p", "value": False, "source": "doc", "confidence": 0.5},
        "support": {"statement": "s", "value": "weak", "source": "doc"},
    }
    scenario = write_yaml(
        tmp_path / "s.yaml", {"title": "t", "rule_base": rules.name, "evidence": evidence}
    )
    outcome = evidence_uncertainty(scenario, samples=10_000, seed=2)
    # 'act' fails its gate only when the plan is known to be missing: about half the time
    assert outcome.excluded_probability["act"] == pytest.approx(0.5, abs=0.03)
    assert sum(outcome.verdict_probability["act"].values()) == pytest.approx(1.0)
    assert sum(outcome.recommended_probability.values()) + outcome.no_recommendation == (
        pytest.approx(1.0)
    )
    for option, ranks in outcome.rank_probability.items():
        assert sum(ranks) + outcome.excluded_probability[option] == pytest.approx(1.0)


def test_joint_sampling_reports_confidence(loaded: Any) -> None:
    report = sensitivity(loaded, samples=5_000, seed=1, joint=True)
    assert report.evidence is not None
    assert report.evidence.confidence is not None
    assert report.evidence.confidence["isle_of_wight"] is None
    assert report.evidence.recommended_probability["commissioner"] == pytest.approx(
        report.smaa.first_rank("commissioner"), abs=0.02
    )


# --------------------------------------------------------------------------- command line


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["sensitivity", "--samples", "2000", "--seed", "9", "--format", "json", "--evidence"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["samples"] == 2000 and data["seed"] == 9
    assert set(data["rank_acceptability"]) == {
        "commissioner",
        "watchful_waiting",
        "commissioning_split",
    }
    for shares in data["rank_acceptability"].values():
        assert sum(shares) == pytest.approx(1.0)
    assert set(data["central_weights"]["commissioner"]) >= {"effectiveness", "challenge"}
    assert data["confidence"]["commissioner"] == 1.0
    assert data["recommended_probability"]["commissioner"] == 1.0
    assert data["excluded"] == ["isle_of_wight"]


def test_cli_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sensitivity", "--samples", "1000"]) == 0
    out = capsys.readouterr().out
    assert "Rank acceptability" in out and "Switching values" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--samples", "-1"], "--samples: must be a positive integer"),
        (["--seed", "-1"], "--seed: must be a non-negative integer"),
        (["--weight", "effectivness=2"], "did you mean 'effectiveness'"),
    ],
)
def test_cli_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(["sensitivity", *argv]) == 2
    assert message in capsys.readouterr().err


def test_ranks_agree_with_the_scorer(model: DecisionModel) -> None:
    shares = weight_samples(model.tree, None, 1, seed=11)
    totals = model.totals(model.tree.globalise(shares))[0]
    ranks = competition_ranks(dict(zip(model.options, map(float, totals), strict=True)))
    result = smaa(model, samples=1, seed=11)
    for option, rank in ranks.items():
        assert result.rank_acceptability[option][rank - 1] == 1.0


def test_longer_runs_repeat_shorter_ones_in_whole_chunks_only(model: DecisionModel) -> None:
    """What docs/sensitivity.md says of prefixes, and no more."""
    tree = model.tree
    whole = weight_samples(tree, None, 2 * CHUNK + 10, seed=5)
    assert np.array_equal(whole[:CHUNK], weight_samples(tree, None, CHUNK, seed=5))
    assert np.array_equal(whole[: 2 * CHUNK], weight_samples(tree, None, 2 * CHUNK, seed=5))
    partial = weight_samples(tree, None, 100, seed=5)
    assert not np.array_equal(whole[:100], partial)
    assert np.array_equal(partial, weight_samples(tree, None, 100, seed=5))


def test_rank_shares_of_many_options_in_one_pass_equal_the_rank_by_rank_sums() -> None:
    rng = np.random.default_rng(3)
    samples, options = 50, 80
    scores = rng.integers(0, 30, (samples, options)).astype(float)  # many ties
    valid = rng.random((samples, options)) < 0.9
    better, tied = engine_ranks(scores, valid)
    weights = rng.integers(1, 4, samples).astype(float)
    shares = rank_shares(better, tied, valid, weights)
    expected = np.zeros((options, options))
    for rank in range(options):
        held = ((better <= rank) & (rank < better + tied)) / tied * valid * weights[:, None]
        expected[:, rank] = held.sum(axis=0)
    assert np.allclose(shares, expected, atol=1e-9)
