"""Invariants of weights, scores and rank acceptability, on generated rule bases.

Each is checked through the library's own entry points: ``appraise_facts`` for
scores and ranks, ``switching_values`` and ``weight_sweeps`` for where they
change, ``smaa`` for rank acceptability. Rule bases, evidence and weights come
from ``appraisal.testing``, without conflicting derivations (weights do not
interact with them, and an appraisal that stops would test nothing here).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from appraisal import Appraisal, CompiledRuleBase, RuleBase, appraise_facts, compile_rule_base
from appraisal.explain import switching_values
from appraisal.models import (
    MAX_WEIGHT,
    AdjustEffect,
    Criterion,
    FailGateEffect,
    Option,
    OptionValue,
    Rule,
    SetEffect,
)
from appraisal.sensitivity import (
    CriteriaTree,
    DecisionModel,
    WeightSweep,
    decision_model,
    smaa,
    weight_samples,
    weight_sweeps,
)
from appraisal.testing import evidence_for, rule_bases, weights_for

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOLERANCE = 1e-9
"""Scores this close are tied, as the scorer says."""


@st.composite
def cases(draw: st.DrawFn) -> tuple[RuleBase, dict[str, Any], dict[str, float]]:
    """A rule base, evidence for it, and raw weight overrides."""
    rule_base = draw(rule_bases(conflicts=False))
    return rule_base, draw(evidence_for(rule_base)), draw(weights_for(rule_base))


def groups(criteria: Mapping[str, Criterion]) -> Iterator[dict[str, Criterion]]:
    """Every sibling group of the criteria tree."""
    yield dict(criteria)
    for criterion in criteria.values():
        yield from groups(criterion.children)


def leaves_under(criterion_id: str, criterion: Criterion) -> list[str]:
    if not criterion.children:
        return [criterion_id]
    return [leaf for c, spec in criterion.children.items() for leaf in leaves_under(c, spec)]


def appraised(
    rule_base: RuleBase, facts: dict[str, Any], weights: Mapping[str, float]
) -> tuple[CompiledRuleBase, Appraisal]:
    compiled = compile_rule_base(rule_base)
    return compiled, appraise_facts(compiled, facts, weights)


def standings(result: Appraisal) -> dict[str, tuple[Any, ...]]:
    """What weights decide: every option's scores, ranks and verdict."""
    return {
        o.id: (o.score, o.short_term_score, o.long_term_score, o.rank, o.verdict)
        for o in result.options
    }


def same_standings(one: Appraisal, other: Appraisal) -> None:
    first, second = standings(one), standings(other)
    assert first.keys() == second.keys()
    for option, values in first.items():
        assert values[:3] == pytest.approx(second[option][:3], rel=1e-9, abs=1e-9)
        assert values[3:] == second[option][3:], option


@SETTINGS
@given(cases(), st.data(), st.floats(0.01, 1000))
def test_scaling_a_sibling_group_changes_nothing(
    case: tuple[RuleBase, dict[str, Any], dict[str, float]], data: st.DataObject, factor: float
) -> None:
    """Weights count only relative to their siblings: scaling a whole group (the top
    level included) leaves every score, rank and verdict as it was."""
    rule_base, facts, weights = case
    _, before = appraised(rule_base, facts, weights)
    group = data.draw(st.sampled_from(list(groups(rule_base.criteria))), "group")
    scaled = {**weights, **{c: factor * weights.get(c, spec.weight) for c, spec in group.items()}}
    _, after = appraised(rule_base, facts, scaled)
    same_standings(after, before)
    switches = switching_values(before, weights)
    scaled_switches = switching_values(after, scaled)
    assert len(scaled_switches) == len(switches)
    for one, other in zip(switches, scaled_switches, strict=True):
        assert (one.criterion, one.direction, one.new_winner) == (
            other.criterion,
            other.direction,
            other.new_winner,
        )
        assert other.share == pytest.approx(one.share, abs=1e-9)
        times = factor if one.criterion in group else 1.0
        assert other.weight == pytest.approx(one.weight * times, rel=1e-6)


def with_dominated_copy(rule_base: RuleBase, option: str, cut: int) -> RuleBase:
    """``rule_base`` with one more option, ``shadow``: a copy of ``option`` whose every
    baseline is ``cut`` points worse (within 0..100), moved by the same rules."""
    leaves = {
        leaf: spec
        for group in groups(rule_base.criteria)
        for leaf, spec in group.items()
        if not spec.children
    }
    original = rule_base.options[option]
    values = {}
    for leaf, value in original.values.items():
        worse = value.value - cut if leaves[leaf].direction == "maximise" else value.value + cut
        values[leaf] = OptionValue(value=min(100.0, max(0.0, worse)))
    rules = {}
    for rule_id, rule in rule_base.rules.items():
        copies = [
            effect.model_copy(update={"option": "shadow"})
            for effect in rule.then
            if isinstance(effect, AdjustEffect | SetEffect | FailGateEffect)
            and effect.option == option
        ]
        rules[rule_id] = Rule(when=rule.when, then=[*rule.then, *copies])
    shadow = Option(name="Shadow", values=values)
    return rule_base.model_copy(
        update={"options": {**rule_base.options, "shadow": shadow}, "rules": rules}
    )


@SETTINGS
@given(cases(), st.data())
def test_a_dominated_option_never_ranks_above_its_dominator(
    case: tuple[RuleBase, dict[str, Any], dict[str, float]], data: st.DataObject
) -> None:
    """An option no better than another on every criterion, whatever the evidence, ranks
    no higher at any weights: in the appraisal, and in every SMAA sample (so its
    chance of reaching the first k places is never the larger)."""
    rule_base, facts, weights = case
    option = data.draw(st.sampled_from(sorted(rule_base.options)), "option")
    cut = data.draw(st.integers(0, 30), "cut")
    _, result = appraised(with_dominated_copy(rule_base, option, cut), facts, weights)
    leader, shadow = result.option(option), result.option("shadow")
    event("both excluded" if leader.excluded else "both ranked")
    assert leader.excluded == shadow.excluded
    if leader.excluded:
        return
    for attribute in ("score", "short_term_score", "long_term_score"):
        assert getattr(leader, attribute) >= getattr(shadow, attribute) - TOLERANCE
    assert leader.rank is not None and shadow.rank is not None
    assert leader.rank <= shadow.rank
    model = decision_model(result)
    acceptability = smaa(
        model, samples=200, seed=data.draw(st.integers(0, 2**16))
    ).rank_acceptability
    assert np.all(np.cumsum(acceptability[option]) >= np.cumsum(acceptability["shadow"]) - 1e-12)


@SETTINGS
@given(cases(), st.data())
def test_raising_a_value_never_lowers_total_or_rank(
    case: tuple[RuleBase, dict[str, Any], dict[str, float]], data: st.DataObject
) -> None:
    """A better baseline (higher, or lower on a criterion to minimise) can only raise
    the option's scores and rank, and moves no other option's score."""
    rule_base, facts, weights = case
    option = data.draw(st.sampled_from(sorted(rule_base.options)), "option")
    values = dict(rule_base.options[option].values)
    leaf = data.draw(st.sampled_from(sorted(values)), "leaf")
    direction = next(
        spec.direction
        for group in groups(rule_base.criteria)
        for c, spec in group.items()
        if c == leaf
    )
    now = values[leaf].value
    better = data.draw(st.floats(now, 100) if direction == "maximise" else st.floats(0, now))
    values[leaf] = OptionValue(value=better)
    changed = rule_base.options[option].model_copy(update={"values": values})
    raised = rule_base.model_copy(update={"options": {**rule_base.options, option: changed}})
    _, before = appraised(rule_base, facts, weights)
    _, after = appraised(raised, facts, weights)
    for attribute in ("score", "short_term_score", "long_term_score"):
        assert (
            getattr(after.option(option), attribute)
            >= getattr(before.option(option), attribute) - TOLERANCE
        )
    if not before.option(option).excluded:
        assert after.option(option).rank <= before.option(option).rank  # type: ignore[operator]
    for other in rule_base.options:
        if other != option:
            assert after.option(other).score == pytest.approx(before.option(other).score)


@SETTINGS
@given(cases(), st.data())
def test_a_criterion_of_zero_weight_does_not_matter(
    case: tuple[RuleBase, dict[str, Any], dict[str, float]], data: st.DataObject
) -> None:
    """With a criterion's weight at zero (a sibling keeping weight), no value under it
    changes any score, rank or verdict."""
    rule_base, facts, weights = case
    shared = [g for g in groups(rule_base.criteria) if len(g) > 1]
    group = data.draw(st.sampled_from(shared), "group")
    criterion = data.draw(st.sampled_from(sorted(group)), "criterion")
    sibling = next(c for c in group if c != criterion)
    weights = {**weights, criterion: 0.0, sibling: max(1.0, weights.get(sibling, 0.0))}
    under = leaves_under(criterion, group[criterion])
    options = {}
    for option_id, option in rule_base.options.items():
        values = dict(option.values)
        for leaf in under:
            values[leaf] = OptionValue(value=data.draw(st.integers(0, 100), f"{option_id}.{leaf}"))
        options[option_id] = option.model_copy(update={"values": values})
    _, before = appraised(rule_base, facts, weights)
    _, after = appraised(rule_base.model_copy(update={"options": options}), facts, weights)
    same_standings(after, before)


@SETTINGS
@given(cases(), st.integers(1, 3000), st.integers(0, 2**32))
def test_rank_acceptability_sums_to_one_both_ways(
    case: tuple[RuleBase, dict[str, Any], dict[str, float]], samples: int, seed: int
) -> None:
    rule_base, facts, weights = case
    _, result = appraised(rule_base, facts, weights)
    found = smaa(decision_model(result), samples=samples, seed=seed)
    if not found.options:
        return  # every option fails a gate: nothing to rank
    table = np.array([found.rank_acceptability[o] for o in found.options])
    assert np.allclose(table.sum(axis=1), 1.0)
    assert np.allclose(table.sum(axis=0), 1.0)


@SETTINGS
@given(cases(), st.integers(0, 2**32))
def test_one_sample_gives_the_ranking_appraise_gives_at_its_weights(
    case: tuple[RuleBase, dict[str, Any], dict[str, float]], seed: int
) -> None:
    """SMAA's one sample of weights, given to ``appraise_facts`` as raw weights (each
    group's shares are raw weights), ranks the options as SMAA says it does."""
    rule_base, facts, weights = case
    compiled, result = appraised(rule_base, facts, weights)
    model = decision_model(result)
    found = smaa(model, samples=1, seed=seed)
    shares = weight_samples(model.tree, None, 1, seed)[0]
    again = appraise_facts(
        compiled, facts, dict(zip(model.tree.ids, map(float, shares), strict=True))
    )
    ranks = [o.rank for o in again.options if o.rank is not None]
    for option in again.options:
        if option.rank is None:
            continue
        tied = ranks.count(option.rank)
        expected = [0.0] * len(found.options)
        for place in range(option.rank - 1, option.rank - 1 + tied):
            expected[place] = 1.0 / tied
        assert found.rank_acceptability[option.id] == pytest.approx(expected)


def ordered(result: Appraisal, ranking: tuple[str, ...]) -> bool:
    """Whether ``ranking`` lists the options by score, highest first (ties either way)."""
    scores = [result.option(o).score for o in ranking]
    return all(a >= b - TOLERANCE for a, b in zip(scores, scores[1:], strict=False))


@SETTINGS
@given(cases())
def test_sweep_crossings_and_switching_values_are_where_the_ranking_changes(
    case: tuple[RuleBase, dict[str, Any], dict[str, float]],
) -> None:
    """Between two crossings of a sweep, ``appraise_facts`` at that share ranks the
    options as the sweep says; at a switching value, first place passes to the option
    the switch names."""
    rule_base, facts, weights = case
    compiled, result = appraised(rule_base, facts, weights)
    switches = switching_values(result, weights)
    sweeps = weight_sweeps(decision_model(result), switches=switches)
    event(f"{sum(len(s.crossings) for s in sweeps)} crossing(s), {len(switches)} switch(es)")
    for sweep in sweeps:

        def at(share: float, sweep: WeightSweep = sweep) -> Appraisal | None:
            """The appraisal at this share of the swept criterion, its siblings' raw
            weights kept (None where no raw weight up to the largest gives it)."""
            raw = sweep.raw_at(share)
            if raw is None or raw > MAX_WEIGHT:
                return None
            return appraise_facts(compiled, facts, {**weights, sweep.criterion: raw})

        cuts = [0.0, *(c.share for c in sweep.crossings), 1.0]
        for index, crossing in enumerate(sweep.crossings):
            assert crossing.ranking_before != crossing.ranking_after
            before, after = (
                at((cuts[index] + cuts[index + 1]) / 2),
                at((cuts[index + 1] + cuts[index + 2]) / 2),
            )
            assert before is None or ordered(before, crossing.ranking_before)
            assert after is None or ordered(after, crossing.ranking_after)
        for switch in (s for s in switches if s.criterion == sweep.criterion):
            assert switch.share == (
                sweep.switch_above if switch.direction == "increase" else sweep.switch_below
            )
            step = 1e-6 if switch.direction == "increase" else -1e-6
            kept, moved = at(switch.share - step), at(switch.share + step)
            if kept is not None:
                assert {o.id for o in kept.options if o.rank == 1} == set(sweep.leader)
            if moved is not None:
                first = {o.id for o in moved.options if o.rank == 1}
                assert first == {switch.new_winner, *switch.tied_with}


# --------------------------------------------------------------------------- exact shares


def exact_two(utilities: np.ndarray) -> np.ndarray:
    """First-rank share with weights (t, 1 - t), t uniform: lengths of intervals of t."""
    cuts = {0.0, 1.0}
    for i in range(len(utilities)):
        for j in range(i + 1, len(utilities)):
            a = utilities[i, 1] - utilities[j, 1]
            b = (utilities[i, 0] - utilities[i, 1]) - (utilities[j, 0] - utilities[j, 1])
            if b != 0 and 0 < -a / b < 1:
                cuts.add(-a / b)
    points = sorted(cuts)
    share = np.zeros(len(utilities))
    for lo, hi in zip(points, points[1:], strict=False):
        t = (lo + hi) / 2
        totals = utilities @ np.array([t, 1 - t])
        best = np.flatnonzero(totals >= totals.max() - 1e-12)
        share[best] += (hi - lo) / len(best)
    return share


def clip(polygon: list[np.ndarray], normal: np.ndarray) -> list[np.ndarray]:
    """Sutherland-Hodgman: the part of a polygon where ``normal . (x, y, 1) >= 0``."""
    kept: list[np.ndarray] = []
    for k, point in enumerate(polygon):
        following = polygon[(k + 1) % len(polygon)]
        here, there = normal @ [*point, 1], normal @ [*following, 1]
        if here >= 0:
            kept.append(point)
        if (here >= 0) != (there >= 0):
            kept.append(point + (following - point) * here / (here - there))
    return kept


def area(polygon: list[np.ndarray]) -> float:
    if len(polygon) < 3:
        return 0.0
    xs, ys = np.array(polygon).T
    return float(abs(xs @ np.roll(ys, -1) - ys @ np.roll(xs, -1)) / 2)


def exact_three(utilities: np.ndarray) -> np.ndarray:
    """First-rank share over the 2-simplex, weights (x, y, 1 - x - y): polygon areas."""
    share = np.zeros(len(utilities))
    for i in range(len(utilities)):
        region = [np.array([0.0, 0.0]), np.array([1.0, 0.0]), np.array([0.0, 1.0])]
        for j in range(len(utilities)):
            if j != i:
                d = utilities[i] - utilities[j]  # total_i - total_j = d . (x, y, 1 - x - y)
                region = clip(region, np.array([d[0] - d[2], d[1] - d[2], d[2]]))
        share[i] = area(region) / 0.5
    return share


@settings(max_examples=12, deadline=None)
@given(st.integers(2, 4), st.integers(2, 3), st.data())
def test_first_rank_acceptability_matches_exact_geometry(
    options: int, criteria: int, data: st.DataObject
) -> None:
    utilities = np.array(
        data.draw(
            st.lists(
                st.lists(st.integers(0, 100), min_size=criteria, max_size=criteria),
                min_size=options,
                max_size=options,
                unique_by=tuple,
            )
        ),
        dtype=float,
    )
    exact = exact_two(utilities) if criteria == 2 else exact_three(utilities)
    if not np.isclose(exact.sum(), 1.0):  # options equal on a whole region: ties, skip
        return
    names = tuple(f"o{i}" for i in range(options))
    tree = CriteriaTree.flat([f"c{j}" for j in range(criteria)])
    result = smaa(DecisionModel(tree, names, utilities), samples=20_000, seed=1)
    for i, name in enumerate(names):
        assert result.first_rank(name) == pytest.approx(exact[i], abs=0.02)
