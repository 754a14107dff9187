"""Invariants of scoring and rank acceptability, checked on generated cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from appraisal.scoring import competition_ranks
from appraisal.sensitivity import CriteriaTree, DecisionModel, smaa, weight_samples

SETTINGS = settings(max_examples=25, deadline=None)
values = st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 2))


def cases(max_options: int = 4, max_criteria: int = 4) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    """A utility matrix and a positive weight vector."""
    return st.tuples(st.integers(2, max_options), st.integers(2, max_criteria)).flatmap(
        lambda shape: st.tuples(
            arrays(float, shape, elements=values),
            arrays(float, shape[1], elements=st.floats(0.01, 10, allow_nan=False)),
        )
    )


def ranks(utilities: np.ndarray, weights: np.ndarray) -> dict[int, int]:
    totals = utilities @ (weights / weights.sum())
    return competition_ranks({i: float(t) for i, t in enumerate(totals)})


@SETTINGS
@given(cases(), st.floats(0.01, 1000))
def test_scaling_the_weights_changes_no_ranking(case: tuple[np.ndarray, ...], c: float) -> None:
    utilities, weights = case
    assert ranks(utilities, weights) == ranks(utilities, weights * c)


@SETTINGS
@given(cases(), st.data())
def test_a_dominated_option_never_ranks_above_its_dominator(
    case: tuple[np.ndarray, ...], data: st.DataObject
) -> None:
    utilities, weights = case
    cut = data.draw(arrays(float, utilities.shape[1], elements=st.floats(0, 50)))
    utilities = utilities.copy()
    utilities[1] = np.maximum(utilities[0] - cut, 0)  # option 1 is dominated by option 0
    found = ranks(utilities, weights)
    assert found[0] <= found[1]


@SETTINGS
@given(cases(), st.data())
def test_raising_a_value_never_lowers_total_or_rank(
    case: tuple[np.ndarray, ...], data: st.DataObject
) -> None:
    utilities, weights = case
    option = data.draw(st.integers(0, utilities.shape[0] - 1))
    criterion = data.draw(st.integers(0, utilities.shape[1] - 1))
    raised = utilities.copy()
    raised[option, criterion] = data.draw(st.floats(utilities[option, criterion], 100))
    normalised = weights / weights.sum()
    assert raised[option] @ normalised >= utilities[option] @ normalised - 1e-12
    assert ranks(raised, weights)[option] <= ranks(utilities, weights)[option]


@SETTINGS
@given(cases(), st.data())
def test_a_zero_weight_criterion_does_not_matter(
    case: tuple[np.ndarray, ...], data: st.DataObject
) -> None:
    utilities, weights = case
    criterion = data.draw(st.integers(0, utilities.shape[1] - 1))
    weights = weights.copy()
    weights[criterion] = 0.0
    changed = utilities.copy()
    changed[:, criterion] = data.draw(arrays(float, utilities.shape[0], elements=values))
    assert ranks(utilities, weights) == ranks(changed, weights)


@SETTINGS
@given(cases(max_options=5), st.integers(1, 3000), st.integers(0, 2**32))
def test_rank_acceptability_sums_to_one_both_ways(
    case: tuple[np.ndarray, ...], samples: int, seed: int
) -> None:
    utilities, _ = case
    names = tuple(f"o{i}" for i in range(utilities.shape[0]))
    tree = CriteriaTree.flat([f"c{j}" for j in range(utilities.shape[1])])
    result = smaa(DecisionModel(tree, names, utilities), samples=samples, seed=seed)
    table = np.array([result.rank_acceptability[o] for o in names])
    assert np.allclose(table.sum(axis=1), 1.0)
    assert np.allclose(table.sum(axis=0), 1.0)


@SETTINGS
@given(cases(), st.integers(0, 2**32))
def test_one_sample_gives_that_samples_ranking(case: tuple[np.ndarray, ...], seed: int) -> None:
    utilities, _ = case
    names = tuple(f"o{i}" for i in range(utilities.shape[0]))
    tree = CriteriaTree.flat([f"c{j}" for j in range(utilities.shape[1])])
    weights = weight_samples(tree, None, 1, seed)[0]
    expected = ranks(utilities, weights)
    result = smaa(DecisionModel(tree, names, utilities), samples=1, seed=seed)
    tied = len(set(expected.values())) < len(expected)
    for i, name in enumerate(names):
        if tied:
            assert sum(result.rank_acceptability[name]) == pytest.approx(1.0)
        else:
            assert result.rank_acceptability[name][expected[i] - 1] == 1.0


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
