"""Why scenarios differ: the differing inputs, and each option's change shared among them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.appraise import appraise
from appraisal.comparison import EXACT_UP_TO, compare_scenarios
from appraisal.loader import load_scenario

from .conftest import BIRMINGHAM, SCENARIOS, write_yaml

WHAT_IFS = sorted(SCENARIOS.glob("birmingham-2014-*.yaml"))


@pytest.mark.parametrize("path", WHAT_IFS, ids=lambda p: p.stem)
def test_changes_are_shared_exactly_among_the_differences(path: Path) -> None:
    base, other = load_scenario(BIRMINGHAM), load_scenario(path)
    result = compare_scenarios(base, other)
    assert result.same_rule_base and result.method == "shapley"
    assert result.differences
    before, after = appraise(base), appraise(other)
    for shift in result.options:
        assert shift.base_score == before.option(shift.option).score
        assert shift.other_score == after.option(shift.option).score
        total = sum(e.points for e in shift.effects)
        assert total + shift.interaction == pytest.approx(shift.change, abs=1e-9)
        assert shift.interaction == 0.0


def test_the_differences_are_the_evidence_values_that_differ() -> None:
    base = load_scenario(BIRMINGHAM)
    other = load_scenario(SCENARIOS / "birmingham-2014-capable-partner.yaml")
    result = compare_scenarios(base, other)
    base_values = {f: i.value for f, i in base.scenario.evidence.items()}
    other_values = {f: i.value for f, i in other.scenario.evidence.items()}
    differing = {f for f in base.rule_base.facts if base_values.get(f) != other_values.get(f)}
    assert {d.id for d in result.differences} == differing
    assert all(d.kind == "evidence" for d in result.differences)
    moved = {s.option: s for s in result.options}["isle_of_wight"]
    assert moved.change > 10
    assert {result.differences[e.difference].id for e in moved.effects} == differing


def test_no_differences_no_effects() -> None:
    base = load_scenario(BIRMINGHAM)
    result = compare_scenarios(base, base)
    assert result.differences == ()
    assert all(s.effects == () and s.change == 0 for s in result.options)


def _scenario(tmp_path: Path, name: str, weights: dict[str, float], **values: Any) -> Path:
    from .conftest import SMALL_RULE_BASE, evidence_items

    rules = write_yaml(tmp_path / "rules.yaml", SMALL_RULE_BASE)
    evidence = evidence_items(values)
    data = {"title": name, "rule_base": rules.name, "evidence": evidence, "weights": weights}
    return write_yaml(tmp_path / f"{name}.yaml", data)


@settings(max_examples=25, deadline=None)
@given(
    rate=st.sampled_from([1.0, 5.0, None]),
    national=st.sampled_from([4.0, None]),
    plan=st.sampled_from([True, False, None]),
    support=st.sampled_from(["none", "strong", None]),
    weight=st.sampled_from([1.0, 3.0]),
)
def test_effects_always_sum_to_the_change(
    tmp_path_factory: pytest.TempPathFactory,
    rate: float | None,
    national: float | None,
    plan: bool | None,
    support: str | None,
    weight: float,
) -> None:
    tmp_path = tmp_path_factory.mktemp("compare")
    base = load_scenario(_scenario(tmp_path, "base", {}, rate=3.0, plan=True, support="weak"))
    values = {"rate": rate, "national_rate": national, "plan": plan, "support": support}
    other = load_scenario(
        _scenario(
            tmp_path,
            "other",
            {"benefit": weight},
            **{k: v for k, v in values.items() if v is not None},
        )
    )
    result = compare_scenarios(base, other)
    assert len(result.differences) <= EXACT_UP_TO
    assert any(d.kind == "weight" for d in result.differences) == (weight != 2.0)
    for shift in result.options:
        total = sum(e.points for e in shift.effects)
        assert total == pytest.approx(shift.change, abs=1e-9)


def test_many_differences_are_applied_alone_with_the_rest_as_interaction() -> None:
    base = load_scenario(BIRMINGHAM)
    other = load_scenario(SCENARIOS / "cases" / "rotherham-2014-trigger.yaml")
    result = compare_scenarios(base, other)
    assert len(result.differences) > EXACT_UP_TO
    assert result.method == "alone"
    for shift in result.options:
        total = sum(e.points for e in shift.effects) + shift.interaction
        assert total == pytest.approx(shift.change, abs=1e-9)
