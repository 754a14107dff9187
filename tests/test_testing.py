"""``appraisal.testing``: the strategies draw what they promise, and the equality check
tells equal appraisals from different ones."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import appraisal
from appraisal import (
    Appraisal,
    RuleBase,
    RuleEvaluationError,
    Scenario,
    appraise,
    appraise_facts,
    attribute,
    compile_rule_base,
    load_rule_base,
    load_scenario,
    validate_file,
)
from appraisal.models import (
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Criterion,
    DeriveEffect,
    FactRef,
    FailGateEffect,
    Known,
    NotOf,
    SetEffect,
)
from appraisal.testing import (
    assert_appraisal_equal,
    evidence_for,
    rule_bases,
    scenarios_for,
    weights_for,
)

from .conftest import BIRMINGHAM, RULES, write_generated

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEARCH = settings(max_examples=2000, deadline=None, database=None, phases=[Phase.generate])


def test_importing_without_hypothesis_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "appraisal.testing")
    with pytest.raises(ImportError, match=r"pip install 'appraisal\[test\]'"):
        importlib.import_module("appraisal.testing")


# --------------------------------------------------------------------------- loading


@PROPERTY
@given(rule_bases().flatmap(lambda rb: st.tuples(st.just(rb), scenarios_for(rb, uncertain=True))))
def test_generated_files_load_back_to_the_same_models(case: tuple[RuleBase, Scenario]) -> None:
    rule_base, scenario = case
    path = write_generated(rule_base, scenario)
    report = validate_file(path.parent / "rules.yaml")
    assert report.errors == ()
    loaded = load_scenario(path)
    assert loaded.rule_base == rule_base
    assert loaded.scenario.evidence == scenario.evidence
    assert loaded.scenario.weights == scenario.weights
    assert load_rule_base(path.parent / "rules.yaml")[0] == rule_base


# --------------------------------------------------------------------------- coverage


def walk(condition: Condition) -> Iterator[Condition]:
    yield condition
    if isinstance(condition, AllOf | AnyOf):
        for part in condition.all if isinstance(condition, AllOf) else condition.any:
            yield from walk(part)
    elif isinstance(condition, NotOf):
        yield from walk(condition.not_)


def conditions(rule_base: RuleBase) -> Iterator[Condition]:
    for rule in rule_base.rules.values():
        yield from walk(rule.when)


def depth(criteria: dict[str, Criterion]) -> int:
    return max(1 + depth(c.children) if c.children else 1 for c in criteria.values())


def leaves(criteria: dict[str, Criterion]) -> Iterator[Criterion]:
    for criterion in criteria.values():
        yield from leaves(criterion.children) if criterion.children else [criterion]


def derived_both_ways(rule_base: RuleBase) -> bool:
    values: dict[str, set[object]] = {}
    for rule in rule_base.rules.values():
        for effect in rule.then:
            if isinstance(effect, DeriveEffect):
                values.setdefault(effect.derive, set()).add(effect.value)
    return any(len(v) > 1 for v in values.values())


def reads(rule_base: RuleBase, fact: str) -> bool:
    return any(isinstance(c, Comparison) and c.fact == fact for c in conditions(rule_base))


def finding_from_finding(rule_base: RuleBase) -> bool:
    return any(
        any(isinstance(e, DeriveEffect) for e in rule.then)
        and any(isinstance(c, Comparison) and c.fact in rule_base.findings for c in walk(rule.when))
        for rule in rule_base.rules.values()
    )


FEATURES: dict[str, Callable[[RuleBase], bool]] = {
    "a finding derived as true by one rule and false by another": derived_both_ways,
    "a finding derived from another finding": finding_from_finding,
    "a 'not known' condition": lambda rb: any(
        isinstance(c, NotOf) and isinstance(c.not_, Known) for c in conditions(rb)
    ),
    "a 'known' condition": lambda rb: any(isinstance(c, Known) for c in conditions(rb)),
    "a number compared with another fact": lambda rb: any(
        isinstance(c, Comparison) and isinstance(c.operand, FactRef) and c.fact in ("n", "m")
        for c in conditions(rb)
    ),
    "a level fact compared with a level finding": lambda rb: any(
        isinstance(c, Comparison) and c.fact == "l" and isinstance(c.operand, FactRef)
        for c in conditions(rb)
    ),
    "a text fact read": lambda rb: reads(rb, "t"),
    "a level finding read": lambda rb: reads(rb, "h"),
    "a set effect": lambda rb: any(
        isinstance(e, SetEffect) for r in rb.rules.values() for e in r.then
    ),
    "a gate": lambda rb: any(
        isinstance(e, FailGateEffect) for r in rb.rules.values() for e in r.then
    ),
    "a minimise criterion": lambda rb: any(c.direction == "minimise" for c in leaves(rb.criteria)),
    "a one-level criteria tree": lambda rb: depth(rb.criteria) == 1,
    "a three-level criteria tree": lambda rb: depth(rb.criteria) == 3,
    "a horizon without weight": lambda rb: all(c.horizon == "short" for c in leaves(rb.criteria)),
    "four options": lambda rb: len(rb.options) == 4,
    "a verdict rule on a score": lambda rb: any(
        isinstance(c, Comparison) and c.metric == "score"
        for v in rb.verdicts
        if v.when is not None
        for c in walk(v.when)
    ),
    "a verdict rule on a fact": lambda rb: any(
        isinstance(c, Comparison | Known) and not getattr(c, "metric", None)
        for v in rb.verdicts
        if v.when is not None
        for c in walk(v.when)
        if not isinstance(c, AllOf | AnyOf | NotOf)
    ),
    "a recommending verdict named otherwise": lambda rb: rb.recommending_verdict == "preferred",
    "a verdict recommending only with a fact": lambda rb: all(
        isinstance(v.when, AllOf) for v in rb.verdicts if v.recommends
    ),
}


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_generated_rule_bases_cover_the_format(feature: str) -> None:
    find(rule_bases(), FEATURES[feature], settings=SEARCH)


def conflict_on(case: tuple[RuleBase, dict[str, Any]]) -> bool:
    rule_base, facts = case
    try:
        appraise_facts(compile_rule_base(rule_base), facts)
    except RuleEvaluationError:
        return True
    return False


def conflict_on_part_only(case: tuple[RuleBase, dict[str, Any]]) -> bool:
    rule_base, facts = case
    try:
        attribute(appraise_facts(compile_rule_base(rule_base), facts))
    except RuleEvaluationError:
        return True
    return False


def with_evidence(conflicts: bool, unknown: bool = True) -> Any:
    return rule_bases(conflicts=conflicts).flatmap(
        lambda rb: st.tuples(st.just(rb), evidence_for(rb, unknown=unknown))
    )


def test_conflicting_derivations_are_generated() -> None:
    find(with_evidence(True, unknown=False), conflict_on, settings=SEARCH)
    find(
        with_evidence(True, unknown=False),
        lambda case: not conflict_on(case) and conflict_on_part_only(case),
        settings=SEARCH,
    )


@PROPERTY
@given(with_evidence(False))
def test_without_conflicts_no_evidence_makes_the_rules_contradict(
    case: tuple[RuleBase, dict[str, Any]],
) -> None:
    assert not conflict_on(case)
    assert not conflict_on_part_only(case)


# --------------------------------------------------------------------------- any rule base


BUNDLED_RULE_BASE = load_rule_base(RULES)[0]


@PROPERTY
@given(evidence_for(BUNDLED_RULE_BASE), weights_for(BUNDLED_RULE_BASE))
def test_evidence_and_weights_suit_any_rule_base(
    facts: dict[str, Any], weights: dict[str, float]
) -> None:
    assert set(facts) == set(BUNDLED_RULE_BASE.facts)
    for fact_id, value in facts.items():
        kind = BUNDLED_RULE_BASE.facts[fact_id].type
        expected = {"boolean": bool, "number": float, "level": str, "text": str}[kind]
        assert value is None or type(value) is expected
    compiled = compile_rule_base(BUNDLED_RULE_BASE)
    try:
        result = appraise_facts(compiled, facts, weights)
    except RuleEvaluationError:
        return  # the bundled rules may contradict each other on random evidence
    assert result.weights.keys() >= weights.keys()


def test_uncertain_scenarios_have_doubtful_and_ranged_evidence() -> None:
    scenarios = rule_bases().flatmap(lambda rb: scenarios_for(rb, uncertain=True))
    find(scenarios, lambda s: any(i.confidence == 0 for i in s.evidence.values()), settings=SEARCH)
    find(
        scenarios,
        lambda s: any(0 < i.confidence < 1 for i in s.evidence.values()),
        settings=SEARCH,
    )
    find(
        scenarios, lambda s: any(i.range is not None for i in s.evidence.values()), settings=SEARCH
    )
    find(rule_bases().flatmap(weights_for), lambda w: 0.0 in w.values(), settings=SEARCH)


# --------------------------------------------------------------------------- equality


@pytest.fixture(scope="module")
def birmingham() -> Appraisal:
    return appraise(BIRMINGHAM)


def test_equal_appraisals_from_two_entry_points_pass(birmingham: Appraisal) -> None:
    loaded = load_scenario(BIRMINGHAM)
    facts = {f: item.value for f, item in loaded.scenario.evidence.items()}
    again = appraise_facts(compile_rule_base(loaded.rule_base), facts, loaded.scenario.weights)
    assert_appraisal_equal(again, birmingham)
    with pytest.raises(AssertionError, match="scenario"):
        assert_appraisal_equal(again, birmingham, labels=True)


def with_option(result: Appraisal, option_id: str, **changes: Any) -> Appraisal:
    options = tuple(
        o.model_copy(update=changes) if o.id == option_id else o for o in result.options
    )
    return result.model_copy(update={"options": options})


def test_a_score_beyond_the_tolerance_is_named(birmingham: Appraisal) -> None:
    first = birmingham.options[0]
    moved = with_option(birmingham, first.id, score=first.score + 1e-3)
    with pytest.raises(AssertionError, match=rf"options\.{first.id}\.score: "):
        assert_appraisal_equal(moved, birmingham)
    assert_appraisal_equal(moved, birmingham, rtol=1e-3)
    assert_appraisal_equal(
        with_option(birmingham, first.id, score=first.score * (1 + 1e-12)), birmingham
    )


def test_a_different_verdict_or_order_is_named(birmingham: Appraisal) -> None:
    first, second = birmingham.options[:2]
    with pytest.raises(AssertionError, match=rf"options\.{first.id}\.verdict"):
        assert_appraisal_equal(with_option(birmingham, first.id, verdict="other"), birmingham)
    swapped = birmingham.model_copy(update={"options": (second, first, *birmingham.options[2:])})
    assert first.rank != second.rank
    with pytest.raises(AssertionError, match=r"order\[0\]"):
        assert_appraisal_equal(swapped, birmingham)


def test_true_is_not_one(birmingham: Appraisal) -> None:
    fact = next(f for f, v in birmingham.evidence.items() if v is True)
    changed = birmingham.model_copy(update={"evidence": {**birmingham.evidence, fact: 1.0}})
    with pytest.raises(AssertionError, match=rf"evidence\.{fact}: 1\.0 != True"):
        assert_appraisal_equal(changed, birmingham)


def test_only_appraisals_are_compared(birmingham: Appraisal) -> None:
    with pytest.raises(TypeError, match="Appraisal"):
        assert_appraisal_equal(birmingham, birmingham.model_dump())  # type: ignore[arg-type]
    assert appraisal.testing.assert_appraisal_equal is assert_appraisal_equal
