"""Every entry point agrees with ``appraise``, on generated rule bases and scenarios.

Each analysis answers a question about what ``appraise`` would say if something
were different: another body of evidence, a coalition of evidence, another
weight, evidence that may not hold. So each is checked by asking ``appraise``
itself: the batch path and the Monte Carlo against the plain appraisal, sampled
attribution against exact, and every counterfactual, switching value and value
of information item, applied and re-appraised, against what it says.

Only public entry points are used, so that these checks hold whatever the
engine behind them. Rule bases come from ``appraisal.testing``; with
conflicting derivations, an appraisal may stop with an error, and then every
entry point must stop with the same one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from appraisal import (
    Appraisal,
    AppraisalError,
    LoadedScenario,
    RuleBase,
    RuleEvaluationError,
    Scenario,
    appraise,
    appraise_facts,
    attribute,
    compile_rule_base,
    evidence_counterfactuals,
    explain,
    load_scenario,
    validate_file,
    value_of_information,
)
from appraisal.cli import main
from appraisal.explain import switching_values
from appraisal.models import (
    MAX_WEIGHT,
    AdjustEffect,
    Comparison,
    DeriveEffect,
    EvidenceItem,
    FactSpec,
    FindingSpec,
    Known,
    NotOf,
    Rule,
    Source,
)
from appraisal.sensitivity import WeightPrior, evidence_uncertainty, sensitivity
from appraisal.testing import (
    assert_appraisal_equal,
    evidence_for,
    rule_bases,
    scenarios_for,
    weights_for,
)

from .conftest import DRIFT_RULES, write_drift_case, write_generated

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T = TypeVar("T")


def load(rule_base: RuleBase, scenario: Scenario) -> LoadedScenario:
    """The two files written to a fresh folder, and loaded as a user's would be."""
    return load_scenario(write_generated(rule_base, scenario))


def cases(**options: bool) -> st.SearchStrategy[tuple[RuleBase, Scenario]]:
    """A generated rule base and a scenario for it (``options`` for ``scenarios_for``,
    ``conflicts`` for ``rule_bases``)."""
    conflicts = options.pop("conflicts", True)
    return rule_bases(conflicts=conflicts).flatmap(
        lambda rb: st.tuples(st.just(rb), scenarios_for(rb, **options))
    )


def attempt(call: Callable[..., T], *args: Any, **kwargs: Any) -> T | AppraisalError:
    """What a call returns, or the ``AppraisalError`` it raises."""
    try:
        return call(*args, **kwargs)
    except AppraisalError as error:
        return error


def stopped_alike(first: object, second: object) -> bool:
    """True when both stopped with the same error (then nothing more to compare)."""
    if isinstance(first, AppraisalError) or isinstance(second, AppraisalError):
        assert type(first) is type(second), (first, second)
        assert isinstance(first, AppraisalError) and isinstance(second, AppraisalError)
        assert first.message == second.message
        return True
    return False


def stated(scenario: Scenario) -> dict[str, Any]:
    return {fact: item.value for fact, item in scenario.evidence.items()}


def winner(result: Appraisal) -> str | None:
    """The one first-ranked option; None when first place is shared (or nobody ranks)."""
    first = [o.id for o in result.options if o.rank == 1]
    return first[0] if len(first) == 1 else None


def rank_shares(result: Appraisal, places: int) -> dict[str, tuple[float, ...]]:
    """Each ranked option's share of ranks 1..``places``: options tied on a rank share the
    ranks they jointly occupy evenly, as the analyses count them."""
    ranks = [o.rank for o in result.options if o.rank is not None]
    shares = {}
    for option in result.options:
        row = [0.0] * places
        if option.rank is not None:
            tied = ranks.count(option.rank)
            for place in range(option.rank - 1, option.rank - 1 + tied):
                row[place] = 1.0 / tied
        shares[option.id] = tuple(row)
    return shares


# --------------------------------------------------------------------------- batch


@PROPERTY
@given(cases(), st.data())
def test_appraise_agrees_with_appraise_facts_on_every_body_of_evidence(
    case: tuple[RuleBase, Scenario], data: st.DataObject
) -> None:
    rule_base, scenario = case
    loaded = load(rule_base, scenario)
    compiled = compile_rule_base(loaded.rule_base)
    plain = attempt(appraise, loaded)
    again = attempt(appraise, loaded.path)
    facts = attempt(appraise_facts, compiled, stated(scenario), scenario.weights)
    event("stops" if isinstance(plain, AppraisalError) else "appraises")
    if not stopped_alike(plain, facts) and not stopped_alike(plain, again):
        assert isinstance(plain, Appraisal)
        assert isinstance(facts, Appraisal) and isinstance(again, Appraisal)
        assert_appraisal_equal(facts, plain)
        assert_appraisal_equal(again, plain, labels=True)
    overrides = data.draw(weights_for(rule_base), "weights")
    for evidence in data.draw(st.lists(evidence_for(rule_base), min_size=1, max_size=4), "facts"):
        one = attempt(appraise, loaded, evidence=evidence, weights=overrides)
        other = attempt(appraise_facts, compiled, evidence, {**scenario.weights, **overrides})
        if not stopped_alike(one, other):
            assert isinstance(one, Appraisal) and isinstance(other, Appraisal)
            assert_appraisal_equal(other, one)


@PROPERTY
@given(cases(), st.data(), st.integers(0, 2**16))
def test_monte_carlo_with_certain_evidence_gives_appraise_with_probability_one(
    case: tuple[RuleBase, Scenario], data: st.DataObject, seed: int
) -> None:
    """Evidence held with confidence 1 always holds, with confidence 0 never (as if never
    gathered), and a zero-width range is its one value: every sample is the same body
    of evidence, which must be appraised as ``appraise`` appraises it."""
    rule_base, scenario = case
    evidence: dict[str, EvidenceItem] = {}
    missing: dict[str, Any] = {}
    for fact, item in scenario.evidence.items():
        choice = data.draw(st.sampled_from(["keep", "never", "range"]), fact)
        if choice == "never":
            evidence[fact] = item.model_copy(update={"confidence": 0.0})
            missing[fact] = None
        elif choice == "range" and isinstance(item.value, float):
            evidence[fact] = item.model_copy(update={"range": (item.value, item.value)})
        else:
            evidence[fact] = item
    loaded = load(rule_base, scenario.model_copy(update={"evidence": evidence}))
    expected = attempt(appraise, loaded, evidence=missing)
    found = attempt(evidence_uncertainty, loaded, samples=48, seed=seed)
    event("stops" if isinstance(expected, AppraisalError) else "appraises")
    if stopped_alike(expected, found):
        return
    assert isinstance(expected, Appraisal) and not isinstance(found, AppraisalError)
    assert found.distinct_evidence == 1
    shares = rank_shares(expected, len(rule_base.options))
    for option in expected.options:
        assert found.verdict_probability[option.id][option.verdict] == pytest.approx(1.0)
        assert found.rank_probability[option.id] == pytest.approx(shares[option.id])
        assert found.excluded_probability[option.id] == float(option.excluded)
        chosen = float(option.id == expected.recommended)
        assert found.recommended_probability[option.id] == pytest.approx(chosen)
    assert found.no_recommendation == pytest.approx(float(expected.recommended is None))


@PROPERTY
@given(cases(), st.integers(0, 2**16))
def test_smaa_with_fixed_weights_gives_appraise_ranking(
    case: tuple[RuleBase, Scenario], seed: int
) -> None:
    """With no spread, every sampled weight vector is the scenario's, so every sample
    ranks the options as ``appraise`` does; central weights are the appraisal's."""
    loaded = load(*case)
    expected = attempt(appraise, loaded)
    fixed = WeightPrior(spread=0.0)
    report = attempt(sensitivity, loaded, samples=48, seed=seed, prior=fixed)
    event("stops" if isinstance(expected, AppraisalError) else "appraises")
    if stopped_alike(expected, report):
        return
    assert isinstance(expected, Appraisal) and not isinstance(report, AppraisalError)
    assert report.recommended == expected.recommended
    assert report.weights == pytest.approx(expected.weights)
    found = report.smaa
    assert found.excluded == tuple(o.id for o in expected.options if o.excluded)
    assert found.options == tuple(expected.ranking)
    shares = rank_shares(expected, len(found.options))
    for option in found.options:
        assert found.rank_acceptability[option] == pytest.approx(shares[option])
        central = found.central_weights[option]
        if found.first_rank(option) > 0:
            assert central == pytest.approx(expected.weights)
        else:
            assert central is None
    ties = len(set(o.rank for o in expected.options if o.rank is not None))
    assert found.tie_share == float(ties < len(found.options))


# --------------------------------------------------------------------------- attribution


@PROPERTY
@given(cases(conflicts=False), st.integers(0, 2**16))
def test_sampled_attribution_converges_to_exact(case: tuple[RuleBase, Scenario], seed: int) -> None:
    result = appraise(load(*case))
    exact = attribute(result)
    sampled = attribute(result, max_exact=0, samples=600, seed=seed)
    assert exact.method == "exact"
    for option in result.options:
        one, other = exact.options[option.id], sampled.options[option.id]
        assert one.error == 0.0
        assert other.baseline == pytest.approx(one.baseline, abs=1e-9)
        for spread in (one, other):
            assert sum(spread.attribution.values()) == pytest.approx(
                option.score - spread.baseline, abs=1e-9
            )
        for item in set(one.attribution) | set(other.attribution):
            difference = abs(one.attribution.get(item, 0.0) - other.attribution.get(item, 0.0))
            assert difference <= 3 * other.error + 1e-9, (option.id, item, other.error)


DRIFT_FACTS = {"drift_p": FactSpec(type="boolean"), "drift_q": FactSpec(type="boolean")}


def with_partial_conflict(rule_base: RuleBase, scenario: Scenario) -> tuple[RuleBase, Scenario]:
    """Add two rules that derive one finding both ways when ``drift_p`` is unknown and
    ``drift_q`` true, and evidence stating both: consistent as stated, contradictory
    for a coalition of the evidence."""
    option = next(iter(rule_base.options))
    leaf = next(iter(rule_base.options[option].values))
    rules = {
        **rule_base.rules,
        "drift_no_p": Rule(
            when=NotOf(not_=Known(known="drift_p")),
            then=[DeriveEffect(derive="drift_f", value=True)],
        ),
        "drift_q_true": Rule(
            when=Comparison(fact="drift_q", eq=True),
            then=[DeriveEffect(derive="drift_f", value=False)],
        ),
        "drift_uses_f": Rule(
            when=Comparison(fact="drift_f", eq=True),
            then=[AdjustEffect(option=option, adjust=leaf, by=-30)],
        ),
    }
    rule_base = rule_base.model_copy(
        update={
            "facts": {**rule_base.facts, **DRIFT_FACTS},
            "findings": {**rule_base.findings, "drift_f": FindingSpec(type="boolean")},
            "rules": rules,
        }
    )
    source = Source(document="evidence_pack", locator="para 99")
    drift = {fact: EvidenceItem(statement=fact, value=True, source=source) for fact in DRIFT_FACTS}
    return rule_base, scenario.model_copy(update={"evidence": {**scenario.evidence, **drift}})


CONFLICT = settings(PROPERTY, max_examples=20, phases=[Phase.generate])


@CONFLICT
@given(cases(conflicts=False))
def test_exact_attribution_refuses_a_conflict_on_part_of_the_evidence(
    case: tuple[RuleBase, Scenario],
) -> None:
    result = appraise(load(*with_partial_conflict(*case)))
    with pytest.raises(RuleEvaluationError):
        attribute(result)


@CONFLICT
@given(cases(conflicts=False))
def test_sampled_attribution_refuses_a_conflict_on_part_of_the_evidence(
    case: tuple[RuleBase, Scenario],
) -> None:
    result = appraise(load(*with_partial_conflict(*case)))
    with pytest.raises(RuleEvaluationError):
        attribute(result, max_exact=0, samples=50)


# --------------------------------------------------------------------------- what-ifs


@PROPERTY
@given(cases(unknown=False))
def test_evidence_counterfactuals_re_appraise_as_stated(
    case: tuple[RuleBase, Scenario],
) -> None:
    loaded = load(*case)
    result = attempt(appraise, loaded)
    if isinstance(result, AppraisalError):
        return
    report = evidence_counterfactuals(result, max_size=2)
    event(f"{len(report.singles)} single(s), {len(report.smallest)} set(s)")
    for found in (*report.singles, *report.smallest):
        changes = {c.evidence: c.to for c in found.changes}
        assert all(result.evidence[c.evidence] == c.from_ for c in found.changes)
        again = appraise(loaded, evidence=changes)
        assert winner(again) == found.new_winner
        assert found.changes_winner == (winner(again) != winner(result))
        moved = {v.option: v for v in found.verdict_changes}
        for option in again.options:
            before = result.option(option.id).verdict
            if option.id in moved:
                assert (moved[option.id].from_, moved[option.id].to) == (before, option.verdict)
            else:
                assert option.verdict == before


def first_place(result: Appraisal) -> set[str]:
    return {o.id for o in result.options if o.rank == 1}


@PROPERTY
@given(cases(), st.data())
def test_switching_values_re_appraise_as_stated(
    case: tuple[RuleBase, Scenario], data: st.DataObject
) -> None:
    rule_base, _ = case
    loaded = load(*case)
    overrides = data.draw(weights_for(rule_base), "weights")
    result = attempt(appraise, loaded, weights=overrides)
    if isinstance(result, AppraisalError):
        return
    leader = winner(result)
    switches = switching_values(result, overrides)
    event(f"{len(switches)} switching value(s)")
    for switch in switches:
        assert leader is not None and switch.new_winner != leader
        step = 1e-6 * max(1.0, switch.weight)
        below, above = max(0.0, switch.weight - step), switch.weight + step
        before, after = (below, above) if switch.direction == "increase" else (above, below)
        if max(before, after) > MAX_WEIGHT:
            continue  # a share within a hair of 1: no raw weight can be written for it
        kept = appraise(loaded, weights={**overrides, switch.criterion: before})
        moved = appraise(loaded, weights={**overrides, switch.criterion: after})
        assert first_place(kept) == {leader}
        assert first_place(moved) == {switch.new_winner, *switch.tied_with}


@PROPERTY
@given(cases(uncertain=True))
def test_value_of_information_re_appraises_as_stated(case: tuple[RuleBase, Scenario]) -> None:
    loaded = load(*case)
    result = attempt(appraise, loaded)
    if isinstance(result, AppraisalError):
        return
    report = value_of_information(result)
    assert report.recommended == result.recommended
    event(f"{len(report.facts)} fact(s), {len(report.pairs)} pair(s)")
    for item in (*report.facts, *report.pairs):
        assert item.changing
        for outcome in item.outcomes:
            tried = [a.tested or (a.value,) for a in outcome.answers]
            for values in itertools.product(*tried):
                answers = {a.fact: v for a, v in zip(outcome.answers, values, strict=True)}
                again = appraise(loaded, evidence=answers)
                assert again.recommended == outcome.recommended, answers
            assert outcome.changes_recommendation == (outcome.recommended != result.recommended)


# --------------------------------------------------------------------------- the drift case


CONFLICT_LINES = {
    number
    for number, line in enumerate(DRIFT_RULES.splitlines(), start=1)
    if line.startswith(("  no_p:", "  q_true:"))
}
"""The lines of the two rules that derive ``f``: a located error points at one of them."""
assert len(CONFLICT_LINES) == 2


@pytest.fixture()
def drift(tmp_path: Path) -> Path:
    return write_drift_case(tmp_path)


def test_drift_case_is_valid_and_appraises(drift: Path) -> None:
    for name in ("rb.yaml", "sc.yaml", "doubt.yaml"):
        assert validate_file(drift / name).errors == ()
    assert appraise(drift / "sc.yaml").recommended == "a"
    assert appraise(drift / "doubt.yaml").recommended == "a"


ENTRY_POINTS: dict[str, tuple[str, Callable[[Path], object]]] = {
    "exact attribution": ("sc.yaml", lambda path: attribute(appraise(path))),
    "sampled attribution": ("sc.yaml", lambda path: attribute(appraise(path), max_exact=0)),
    "explanation": ("sc.yaml", lambda path: explain(appraise(path))),
    "evidence Monte Carlo": ("doubt.yaml", lambda path: evidence_uncertainty(path, samples=50)),
}
"""The entry points that evaluate the rules on part of the evidence."""


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_drift_case_stops_with_a_rule_evaluation_error(drift: Path, entry: str) -> None:
    scenario, call = ENTRY_POINTS[entry]
    with pytest.raises(RuleEvaluationError):
        call(drift / scenario)


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_drift_case_error_names_the_rules_file_and_line(drift: Path, entry: str) -> None:
    scenario, call = ENTRY_POINTS[entry]
    with pytest.raises(RuleEvaluationError) as caught:
        call(drift / scenario)
    error = caught.value
    assert error.path is not None and Path(error.path).name == "rb.yaml"
    assert error.line in CONFLICT_LINES
    assert "'f'" in error.message and "no_p" in error.message and "q_true" in error.message


COMMANDS = {
    "run": ["run", "sc.yaml"],
    "explain": ["explain", "sc.yaml"],
    "sensitivity --evidence": ["sensitivity", "doubt.yaml", "--evidence", "--samples", "50"],
}


def run_command(
    drift: Path, command: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> tuple[int, list[str]]:
    monkeypatch.chdir(drift)
    code = main(COMMANDS[command])
    return code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_drift_case_command_stops_with_one_line_and_exit_2(
    drift: Path, command: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, lines = run_command(drift, command, monkeypatch, capsys)
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("error: ")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_drift_case_command_names_the_rules_file_and_line(
    drift: Path, command: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, lines = run_command(drift, command, monkeypatch, capsys)
    assert code == 2 and len(lines) == 1
    assert any(f"rb.yaml:{line}:" in lines[0] for line in CONFLICT_LINES), lines
