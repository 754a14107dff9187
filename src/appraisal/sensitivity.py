"""How robust a recommendation is to the weights and to the evidence.

Three analyses, all pure functions returning frozen data (rendering is in
``render`` and ``plots``):

* **Weight sweeps.** Each criterion's share among its siblings moves from 0 to
  1 while the siblings keep their proportions. Every total is linear in that
  share, so the points where the ranking changes (and the *switching values*,
  where the leader changes) are computed exactly, not read off a grid.
* **Weight uncertainty (SMAA).** The total is linear in the leaves' global
  weights, so one utility matrix (options x leaves) and a batch of sampled
  weight vectors give every score at once: ``totals = W @ U.T``. Weights are
  sampled per sibling group: each group's shares are uniform on its simplex
  (Dirichlet(1)) when nothing is declared, or raw weights are drawn uniformly
  within declared ranges and normalised. Samples are processed in fixed chunks,
  each with its own generator derived from the seed, so memory is flat in the
  number of samples and a run is identical for the same seed.
* **Evidence uncertainty.** Each evidence item holds with its confidence (an
  item that does not hold becomes unknown, as if never gathered); a numeric
  item with a range takes a value drawn uniformly within it. Rules are
  re-evaluated once per distinct body of evidence (a numeric value matters
  only through the thresholds the rules test it against), and scores, ranks
  and verdicts are then computed for every sample at once.

Ties are explicit: options whose totals are equal (within the scorer's
tolerance) share the ranks they jointly occupy equally, so two options tied
for first each get half a first place and half a second place. Options that
fail a gate take no part in ranks and are reported as excluded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from .appraise import Appraisal, CompiledRuleBase, appraise, compile_rule_base, evidence_values
from .errors import AppraisalError, Location, ScoringError, UnknownReferenceError
from .explain import WeightSwitch, switching_values
from .loader import LoadedScenario, criteria_paths, load_scenario
from .models import Comparison, Criterion, FactRef, RuleBase, Scenario, Value
from .rules import comparisons, evaluate_condition, evaluate_rules
from .scoring import TIE_TOLERANCE, option_values

__all__ = [
    "CHUNK",
    "CriteriaTree",
    "Crossing",
    "DecisionModel",
    "EvidenceResult",
    "SMAAResult",
    "SensitivityReport",
    "WeightPrior",
    "WeightSweep",
    "decision_model",
    "evidence_uncertainty",
    "sampled_evidence",
    "sensitivity",
    "smaa",
    "sweep_lines",
    "weight_prior",
    "weight_samples",
    "weight_sweeps",
]

CHUNK = 16_384
"""Samples per chunk: small enough to stay in cache, large enough to vectorise."""

Progress = Callable[[int], None]
"""Called with the number of samples just processed, after each chunk."""

_WEIGHT_STREAM, _EVIDENCE_STREAM = 0, 1


def _generator(seed: int, stream: int, chunk: int) -> np.random.Generator:
    """The generator of one chunk of one stream: independent of chunking elsewhere."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stream, chunk)))
    )


def _chunks(samples: int) -> Iterator[tuple[int, int]]:
    for index, start in enumerate(range(0, samples, CHUNK)):
        yield index, min(CHUNK, samples - start)


def _check_samples(samples: int, seed: int) -> None:
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise AppraisalError(
            f"the number of samples must be a positive integer, not {samples!r}",
            Location(field="samples"),
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise AppraisalError(
            f"the seed must be a non-negative integer, not {seed!r}", Location(field="seed")
        )


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class CriteriaTree:
    """The criteria tree flattened breadth first, so that siblings are contiguous.

    ``weights`` are raw weights (scenario overrides applied); ``groups`` are the
    sibling groups as index ranges, every parent's group before its children's.
    """

    ids: tuple[str, ...]
    parents: tuple[int, ...]
    weights: tuple[float, ...]
    horizons: tuple[str | None, ...]
    groups: tuple[tuple[int, int], ...]

    @classmethod
    def from_rule_base(
        cls, rule_base: RuleBase, overrides: Mapping[str, float] | None = None
    ) -> CriteriaTree:
        overrides = overrides or {}
        ids: list[str] = []
        parents: list[int] = []
        weights: list[float] = []
        horizons: list[str | None] = []
        groups: list[tuple[int, int]] = []
        pending: list[tuple[int, Mapping[str, Criterion]]] = [(-1, rule_base.criteria)]
        while pending:
            parent, criteria = pending.pop(0)
            start = len(ids)
            for criterion_id, criterion in criteria.items():
                ids.append(criterion_id)
                parents.append(parent)
                weights.append(float(overrides.get(criterion_id, criterion.weight)))
                horizons.append(criterion.horizon)
            groups.append((start, len(ids)))
            for offset, criterion in enumerate(criteria.values()):
                if criterion.children:
                    pending.append((start + offset, criterion.children))
        for start, stop in groups:
            if sum(weights[start:stop]) <= 0:
                parent = parents[start]
                where = "the root" if parent < 0 else repr(ids[parent])
                raise ScoringError(f"the weights under {where} are all zero; nothing can be scored")
        return cls(tuple(ids), tuple(parents), tuple(weights), tuple(horizons), tuple(groups))

    @classmethod
    def flat(cls, ids: Sequence[str], weights: Sequence[float] | None = None) -> CriteriaTree:
        """One level of criteria (all leaves, short horizon): for synthetic models."""
        weights = [1.0] * len(ids) if weights is None else [float(w) for w in weights]
        return cls(
            tuple(ids), (-1,) * len(ids), tuple(weights), ("short",) * len(ids), ((0, len(ids)),)
        )

    @property
    def leaves(self) -> tuple[int, ...]:
        has_children = set(self.parents)
        return tuple(i for i in range(len(self.ids)) if i not in has_children)

    def index(self, criterion_id: str) -> int:
        try:
            return self.ids.index(criterion_id)
        except ValueError:
            raise UnknownReferenceError("criterion", criterion_id, self.ids) from None

    def group_of(self, index: int) -> tuple[int, int]:
        return next(g for g in self.groups if g[0] <= index < g[1])

    def local_shares(self) -> np.ndarray:
        """Each criterion's declared weight as a share of its sibling group's."""
        raw = np.asarray(self.weights, dtype=float)
        shares = np.empty_like(raw)
        for start, stop in self.groups:
            shares[start:stop] = raw[start:stop] / raw[start:stop].sum()
        return shares

    def global_weights(self, local: np.ndarray) -> np.ndarray:
        """Global weights (product of shares along the path) from local shares, row-wise."""
        result = np.array(local, dtype=float, copy=True)
        for start, stop in self.groups:
            parent = self.parents[start]
            if parent >= 0:
                result[..., start:stop] *= result[..., parent : parent + 1]
        return result


@dataclass(frozen=True, eq=False)
class DecisionModel:
    """What weight analysis needs from an appraisal: the tree and a utility matrix.

    ``utilities[i, j]`` is option ``options[i]``'s utility on the ``j``-th leaf
    of ``tree.leaves``. Excluded options (failing a gate) are kept apart.
    """

    tree: CriteriaTree
    options: tuple[str, ...]
    utilities: np.ndarray
    excluded: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        utilities = np.asarray(self.utilities, dtype=float)
        expected = (len(self.options), len(self.tree.leaves))
        if utilities.shape != expected:
            raise ScoringError(
                f"a utility matrix of shape {expected} is needed, not {utilities.shape}"
            )
        utilities.setflags(write=False)
        object.__setattr__(self, "utilities", utilities)

    def totals(self, global_weights: np.ndarray) -> np.ndarray:
        """Every option's total for each row of global weights (all criteria)."""
        leaf_weights = np.asarray(global_weights)[..., list(self.tree.leaves)]
        return np.asarray(leaf_weights @ self.utilities.T)


def decision_model(
    appraisal: Appraisal, weights: Mapping[str, float] | None = None
) -> DecisionModel:
    """The tree and utility matrix of an appraisal.

    ``weights`` are the raw weight overrides the appraisal was made with (by
    default the scenario's own); they must reproduce the appraisal's weights.
    """
    rule_base = appraisal.rule_base_model
    if weights is None:
        weights = appraisal.scenario_model.weights if appraisal.scenario_model else {}
    tree = CriteriaTree.from_rule_base(rule_base, weights)
    declared = tree.global_weights(tree.local_shares())
    for index, criterion_id in enumerate(tree.ids):
        if abs(declared[index] - appraisal.weights[criterion_id]) > 1e-9:
            raise ScoringError(
                f"the weights given do not reproduce the appraisal's weight of {criterion_id!r}"
                " (pass the weight overrides the appraisal was made with)"
            )
    leaf_ids = [tree.ids[i] for i in tree.leaves]
    ranked = [o for o in appraisal.options if not o.excluded]
    utilities = np.array([[o.values[c].utility for c in leaf_ids] for o in ranked], dtype=float)
    return DecisionModel(
        tree=tree,
        options=tuple(o.id for o in ranked),
        utilities=utilities.reshape(len(ranked), len(leaf_ids)),
        excluded=tuple(o.id for o in appraisal.options if o.excluded),
    )


# --------------------------------------------------------------------------- ranks


def _better_and_tied(
    totals: np.ndarray, valid: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per sample and option: how many ranked options beat it, and how many tie (itself included).

    Competition ranks are ``better + 1``, as ``scoring.competition_ranks`` gives.
    """
    n, m = totals.shape
    better = np.zeros((n, m), dtype=np.int64)
    tied = np.ones((n, m), dtype=np.int64)
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            difference = totals[:, j] - totals[:, i]
            beats = difference > TIE_TOLERANCE
            ties = np.abs(difference) <= TIE_TOLERANCE
            if valid is not None:
                beats &= valid[:, j]
                ties &= valid[:, j]
            better[:, i] += beats
            tied[:, i] += ties
    return better, tied


def _rank_shares(
    better: np.ndarray, tied: np.ndarray, valid: np.ndarray | None = None
) -> np.ndarray:
    """Summed over samples: each option's share of each rank (ties split evenly)."""
    n, m = better.shape
    if valid is None and bool((tied == 1).all()):
        codes = better + m * np.arange(m)
        return np.bincount(codes.ravel(), minlength=m * m).reshape(m, m).astype(float)
    counts = np.zeros((m, m))
    for rank in range(m):
        share = ((better <= rank) & (rank < better + tied)) / tied
        if valid is not None:
            share = share * valid
        counts[:, rank] = share.sum(axis=0)
    return counts


def _first_shares(better: np.ndarray, tied: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """Per sample and option: its share of first place (1/k when k options tie first)."""
    first = (better == 0) / tied
    return first * valid if valid is not None else first


# --------------------------------------------------------------------------- weight priors


@dataclass(frozen=True)
class WeightPrior:
    """What is believed about the weights before looking at the options.

    With no ranges and no spread, every sibling group's shares are uniform on
    its simplex. Otherwise each criterion with a range (raw-weight units), or
    every criterion within ``spread`` of its weight, has its raw weight drawn
    uniformly in that interval; criteria with neither keep their weight.
    """

    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    spread: float | None = None

    @property
    def uniform(self) -> bool:
        return not self.ranges and self.spread is None

    def describe(self) -> str:
        if self.uniform:
            return "uniform on each sibling group's simplex"
        parts = []
        if self.ranges:
            parts.append(f"declared ranges for {', '.join(sorted(self.ranges))}")
        if self.spread is not None:
            parts.append(f"{self.spread:.0%} either side of every other weight")
        return "; ".join(parts)

    def bounds(self, tree: CriteriaTree) -> tuple[np.ndarray, np.ndarray]:
        """Low and high raw weight of every criterion (equal when it is held fixed)."""
        for criterion_id in self.ranges:
            tree.index(criterion_id)
        raw = np.asarray(tree.weights, dtype=float)
        low, high = raw.copy(), raw.copy()
        if self.spread is not None:
            low, high = np.maximum(raw * (1 - self.spread), 0.0), raw * (1 + self.spread)
        for criterion_id, (lo, hi) in self.ranges.items():
            index = tree.index(criterion_id)
            low[index], high[index] = lo, hi
        for start, stop in tree.groups:
            if high[start:stop].sum() <= 0:
                names = ", ".join(tree.ids[start:stop])
                raise ScoringError(f"the weight ranges of {names} allow only zero weights")
        return low, high


def weight_prior(rule_base: RuleBase, scenario: Scenario | None = None) -> WeightPrior:
    """The prior the rule base and scenario declare: ``weight_range``, ``weight_ranges``, spread."""
    ranges: dict[str, tuple[float, float]] = {}

    def walk(criteria: Mapping[str, Criterion]) -> None:
        for criterion_id, criterion in criteria.items():
            if criterion.weight_range is not None:
                ranges[criterion_id] = criterion.weight_range
            walk(criterion.children)

    walk(rule_base.criteria)
    spread = None
    if scenario is not None:
        known = criteria_paths(rule_base)
        for criterion_id in scenario.weight_ranges:
            if criterion_id not in known:
                raise UnknownReferenceError(
                    "criterion",
                    criterion_id,
                    known,
                    Location(field=f"weight_ranges.{criterion_id}"),
                )
        ranges.update(scenario.weight_ranges)
        spread = scenario.weight_spread
    return WeightPrior(ranges=ranges, spread=spread)


def _sample_shares(
    tree: CriteriaTree,
    bounds: tuple[np.ndarray, np.ndarray] | None,
    size: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``size`` rows of local shares (each sibling group sums to 1).

    Drawn criterion by criterion (the array is column-major), so that every
    group's sums and divisions run over contiguous memory.
    """
    columns = np.empty((len(tree.ids), size))
    if bounds is None:
        rng.standard_exponential(out=columns)
    else:
        rng.random(out=columns)
        low, high = bounds
        columns *= (high - low)[:, None]
        columns += low[:, None]
    for start, stop in tree.groups:
        if stop - start == 1:
            columns[start] = 1.0
            continue
        totals = columns[start].copy()
        for row in range(start + 1, stop):
            totals += columns[row]
        if bounds is None:
            columns[start:stop] /= totals
        else:
            np.divide(columns[start:stop], totals, out=columns[start:stop], where=totals > 0)
            columns[start:stop, totals <= 0] = 1.0 / (stop - start)
    return columns.T


def _globalise(tree: CriteriaTree, shares: np.ndarray) -> np.ndarray:
    """``CriteriaTree.global_weights`` in place, on a fresh array of sampled shares."""
    for start, stop in tree.groups:
        parent = tree.parents[start]
        if parent >= 0:
            shares[:, start:stop] *= shares[:, parent : parent + 1]
    return shares


def weight_samples(
    tree: CriteriaTree, prior: WeightPrior | None = None, samples: int = 1, seed: int = 0
) -> np.ndarray:
    """The local shares ``smaa`` draws for this seed (rows), for checking and plotting."""
    _check_samples(samples, seed)
    prior = prior or WeightPrior()
    bounds = None if prior.uniform else prior.bounds(tree)
    return np.concatenate(
        [
            _sample_shares(tree, bounds, size, _generator(seed, _WEIGHT_STREAM, index))
            for index, size in _chunks(samples)
        ]
    )


# --------------------------------------------------------------------------- SMAA


class SMAAResult(_Result):
    """Rank acceptability, central weights and confidence factors over sampled weights."""

    samples: int
    seed: int
    prior: str
    options: tuple[str, ...]
    """The ranked options; ranks run from 1 to ``len(options)``."""
    excluded: tuple[str, ...]
    criteria: tuple[str, ...]
    rank_acceptability: dict[str, tuple[float, ...]]
    """Share of samples in which each option takes rank 1, 2, ... (ties split evenly)."""
    central_weights: dict[str, dict[str, float] | None]
    """Mean global weights over the samples where the option is first (None if never)."""
    confidence: dict[str, float | None]
    """Whether (share of value samples in which) the option is first at its central weights."""
    tie_share: float
    """Share of samples in which some ranked options tied."""

    def first_rank(self, option: str) -> float:
        return self.rank_acceptability[option][0]


def smaa(
    model: DecisionModel,
    prior: WeightPrior | None = None,
    *,
    samples: int = 10_000,
    seed: int = 0,
    progress: Progress | None = None,
) -> SMAAResult:
    """Stochastic multicriteria acceptability analysis over sampled weights."""
    _check_samples(samples, seed)
    prior = prior or WeightPrior()
    tree = model.tree
    bounds = None if prior.uniform else prior.bounds(tree)
    m, c = len(model.options), len(tree.ids)
    counts = np.zeros((m, m))
    first_weight_sums = np.zeros((m, c))
    first_counts = np.zeros(m)
    tie_samples = 0
    utilities = np.zeros((c, m))
    utilities[list(tree.leaves)] = model.utilities.T
    for index, size in _chunks(samples):
        rng = _generator(seed, _WEIGHT_STREAM, index)
        weights = _globalise(tree, _sample_shares(tree, bounds, size, rng))
        totals = weights @ utilities
        better, tied = _better_and_tied(totals)
        counts += _rank_shares(better, tied)
        first = _first_shares(better, tied, None)
        first_weight_sums += first.T @ weights
        first_counts += first.sum(axis=0)
        tie_samples += int((tied > 1).any(axis=1).sum())
        if progress is not None:
            progress(size)
    central = _central_weights(first_weight_sums, first_counts)
    confidence: dict[str, float | None] = {}
    for i, option in enumerate(model.options):
        if central[i] is None:
            confidence[option] = None
            continue
        totals = model.totals(central[i][None, :])
        better, tied = _better_and_tied(totals)
        confidence[option] = float(better[0, i] == 0)
    return SMAAResult(
        samples=samples,
        seed=seed,
        prior=prior.describe(),
        options=model.options,
        excluded=model.excluded,
        criteria=tree.ids,
        rank_acceptability={
            o: tuple(float(x) for x in counts[i] / samples) for i, o in enumerate(model.options)
        },
        central_weights={
            o: None
            if central[i] is None
            else dict(zip(tree.ids, map(float, central[i]), strict=True))
            for i, o in enumerate(model.options)
        },
        confidence=confidence,
        tie_share=tie_samples / samples,
    )


def _central_weights(sums: np.ndarray, counts: np.ndarray) -> list[np.ndarray | None]:
    return [sums[i] / counts[i] if counts[i] > 0 else None for i in range(len(counts))]


# --------------------------------------------------------------------------- weight sweeps


class Crossing(_Result):
    """A point of a sweep where two options' totals cross and the ranking changes."""

    share: float
    global_weight: float
    raw_weight: float | None
    """The criterion's raw weight there, its siblings' raw weights unchanged (None at share 1)."""
    options: tuple[str, ...]
    ranking_before: tuple[str, ...]
    ranking_after: tuple[str, ...]


class WeightSweep(_Result):
    """One criterion's share among its siblings swept from 0 to 1, siblings in proportion.

    Totals are linear in the share: ``total = intercept + slope * share``.
    """

    criterion: str
    parent: str | None
    share: float
    global_weight: float
    raw_weight: float
    siblings_raw_weight: float
    parent_weight: float
    """The parent's global weight (1 at the top level): global weight = share x this."""
    intercepts: dict[str, float]
    slopes: dict[str, float]
    points: tuple[float, ...]
    scores: dict[str, tuple[float, ...]]
    crossings: tuple[Crossing, ...]
    leader: tuple[str, ...]
    """The option(s) first at the current share."""
    switch_below: float | None
    """The share below the current one at which the first-ranked option loses first place."""
    switch_above: float | None
    """The share above the current one at which the first-ranked option loses first place."""

    def raw_at(self, share: float) -> float | None:
        if share >= 1 or self.siblings_raw_weight <= 0:
            return None
        return share * self.siblings_raw_weight / (1 - share)


def sweep_lines(model: DecisionModel, criterion: str) -> tuple[np.ndarray, np.ndarray]:
    """Closed form: every option's total as ``a + b * share`` of ``criterion`` among its siblings.

    The criterion's subtree scales with its share, its siblings' subtrees with
    ``1 - share`` in their declared proportions, and the rest does not move.
    """
    tree = model.tree
    index = tree.index(criterion)
    start, stop = tree.group_of(index)
    shares = tree.local_shares()
    unit = _unit_values(model)
    parent = tree.parents[index]
    parent_weight = 1.0 if parent < 0 else float(tree.global_weights(shares)[parent])
    siblings = [j for j in range(start, stop) if j != index]
    rest = sum(shares[j] for j in siblings)
    if rest > 0:
        sibling_value = sum(shares[j] * unit[j] for j in siblings) / rest
    else:
        sibling_value = sum(unit[j] for j in siblings) / len(siblings)
    current_group = sum(shares[j] * unit[j] for j in range(start, stop))
    totals = model.totals(tree.global_weights(shares)[None, :])[0]
    outside = totals - parent_weight * current_group
    intercept = outside + parent_weight * sibling_value
    slope = parent_weight * (unit[index] - sibling_value)
    return np.asarray(intercept, dtype=float), np.asarray(slope, dtype=float)


def _unit_values(model: DecisionModel) -> dict[int, np.ndarray]:
    """Each criterion's value per option at unit weight: leaves' utilities, parents' mixes."""
    tree = model.tree
    shares = tree.local_shares()
    unit: dict[int, np.ndarray] = {
        leaf: model.utilities[:, k] for k, leaf in enumerate(tree.leaves)
    }
    for start, stop in reversed(tree.groups):
        parent = tree.parents[start]
        if parent >= 0:
            unit[parent] = sum(shares[j] * unit[j] for j in range(start, stop))
    return unit


def _ranking(values: np.ndarray, options: Sequence[str]) -> tuple[str, ...]:
    order = sorted(range(len(options)), key=lambda i: (-values[i], i))
    return tuple(options[i] for i in order)


def _leaders(values: np.ndarray, options: Sequence[str]) -> tuple[str, ...]:
    best = values.max()
    return tuple(o for o, v in zip(options, values, strict=True) if v >= best - TIE_TOLERANCE)


def weight_sweep(
    model: DecisionModel,
    criterion: str,
    points: int = 21,
    switches: Sequence[WeightSwitch] = (),
) -> WeightSweep:
    """The sweep of one criterion, with its exact crossings.

    Its switching values (where the first-ranked option loses first place) are
    not recomputed here: they are the explanation's closed-form
    ``explain.weight_switching_values``, passed in as ``switches``.
    """
    tree = model.tree
    index = tree.index(criterion)
    start, stop = tree.group_of(index)
    if stop - start < 2:
        raise ScoringError(f"{criterion!r} has no siblings, so its share is always 1")
    intercept, slope = sweep_lines(model, criterion)
    shares = tree.local_shares()
    parent = tree.parents[index]
    parent_weight = 1.0 if parent < 0 else float(tree.global_weights(shares)[parent])
    siblings_raw = sum(tree.weights[j] for j in range(start, stop) if j != index)
    share = float(shares[index])
    options = model.options
    cuts = sorted({round(float(p), 12) for p in _intersections(intercept, slope)})
    bounds = [0.0, *cuts, 1.0]
    rankings = [
        _ranking(intercept + slope * (lo + hi) / 2, options)
        for lo, hi in zip(bounds, bounds[1:], strict=False)
    ]

    def raw(p: float) -> float | None:
        return None if p >= 1 or siblings_raw <= 0 else p * siblings_raw / (1 - p)

    crossings = []
    for k, cut in enumerate(cuts):
        at = intercept + slope * cut
        crossing = tuple(
            o
            for i, o in enumerate(options)
            if any(
                abs(at[i] - at[j]) <= 1e-9 and slope[i] != slope[j]
                for j in range(len(options))
                if j != i
            )
        )
        crossings.append(
            Crossing(
                share=cut,
                global_weight=cut * parent_weight,
                raw_weight=raw(cut),
                options=crossing,
                ranking_before=rankings[k],
                ranking_after=rankings[k + 1],
            )
        )
    now = _leaders(intercept + slope * share, options)
    below = [w.share for w in switches if w.criterion == criterion and w.direction == "decrease"]
    above = [w.share for w in switches if w.criterion == criterion and w.direction == "increase"]
    grid = np.linspace(0.0, 1.0, points)
    return WeightSweep(
        criterion=criterion,
        parent=None if parent < 0 else tree.ids[parent],
        share=share,
        global_weight=share * parent_weight,
        raw_weight=tree.weights[index],
        siblings_raw_weight=siblings_raw,
        parent_weight=parent_weight,
        intercepts={o: float(intercept[i]) for i, o in enumerate(options)},
        slopes={o: float(slope[i]) for i, o in enumerate(options)},
        points=tuple(float(p) for p in grid),
        scores={
            o: tuple(float(x) for x in intercept[i] + slope[i] * grid)
            for i, o in enumerate(options)
        },
        crossings=tuple(crossings),
        leader=now,
        switch_below=max(below) if below else None,
        switch_above=min(above) if above else None,
    )


def _intersections(intercept: np.ndarray, slope: np.ndarray) -> list[float]:
    """Shares strictly inside (0, 1) where two options' lines cross."""
    found = []
    for i in range(len(intercept)):
        for j in range(i + 1, len(intercept)):
            if abs(slope[i] - slope[j]) <= 1e-15:
                continue
            p = (intercept[j] - intercept[i]) / (slope[i] - slope[j])
            if 1e-12 < p < 1 - 1e-12:
                found.append(float(p))
    return found


def weight_sweeps(
    model: DecisionModel, points: int = 21, switches: Sequence[WeightSwitch] = ()
) -> tuple[WeightSweep, ...]:
    """A sweep for every criterion that has siblings, at every level of the tree.

    ``switches`` are the explanation's weight switching values
    (``explain.switching_values``), shown on each sweep.
    """
    if points < 2:
        raise AppraisalError(
            f"a sweep needs at least 2 points, not {points}", Location(field="points")
        )
    return tuple(
        weight_sweep(model, criterion_id, points, switches)
        for index, criterion_id in enumerate(model.tree.ids)
        if model.tree.group_of(index)[1] - model.tree.group_of(index)[0] > 1
    )


# --------------------------------------------------------------------------- evidence uncertainty

_DISCRETE_METRICS = frozenset({"rank", "short_term_rank", "long_term_rank", "excluded"})


@dataclass(frozen=True)
class _Uncertain:
    """An evidence item that may not hold, or whose numeric value lies in a range."""

    fact: str
    confidence: float
    value: Value | None
    range: tuple[float, float] | None
    thresholds: tuple[float, ...] | None
    """The constants the rules compare this fact with; None when it is compared with facts."""


def _uncertain_items(rule_base: RuleBase, scenario: Scenario) -> tuple[_Uncertain, ...]:
    conditions = [rule.when for rule in rule_base.rules.values()]
    conditions += [v.when for v in rule_base.verdicts if v.when is not None]
    tests: list[Comparison] = [c for condition in conditions for c in comparisons(condition)]
    varying = {
        fact_id
        for fact_id, item in scenario.evidence.items()
        if item.confidence < 1 or item.range is not None
    }
    items = []
    for fact_id, item in scenario.evidence.items():
        if fact_id not in varying or (item.value is None and item.range is None):
            continue  # certain, or unknown either way
        thresholds = _thresholds(fact_id, tests, scenario, varying) if item.range else None
        items.append(_Uncertain(fact_id, item.confidence, item.value, item.range, thresholds))
    return tuple(items)


def _thresholds(
    fact_id: str, tests: Sequence[Comparison], scenario: Scenario, varying: set[str]
) -> tuple[float, ...] | None:
    """The values a numeric fact is compared with, or None if one of them varies too.

    A comparison with another fact counts as a threshold when that fact is
    certain (its value times the factor, or divided by it when this fact is
    the scaled one). Between thresholds every value gives the same outcome.
    """
    found: set[float] = set()
    for test in tests:
        operand = test.operand
        if test.fact == fact_id and not isinstance(operand, FactRef):
            if isinstance(operand, int | float) and not isinstance(operand, bool):
                found.add(float(operand))
            continue
        if test.fact == fact_id and isinstance(operand, FactRef):
            other, scale = operand.fact, operand.times
        elif isinstance(operand, FactRef) and operand.fact == fact_id and test.fact is not None:
            other, scale = test.fact, (1 / operand.times if operand.times else None)
        else:
            continue
        if other in varying or scale is None:
            return None
        item = scenario.evidence.get(other)
        value = item.value if item is not None else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            found.add(float(value) * scale)
    return tuple(sorted(found))


@dataclass(frozen=True, eq=False)
class _EvidenceDraw:
    holds: np.ndarray
    values: np.ndarray
    keys: np.ndarray


def _draw_evidence(
    items: Sequence[_Uncertain], size: int, rng: np.random.Generator
) -> _EvidenceDraw:
    confidence = np.array([item.confidence for item in items])
    holds = rng.random((size, len(items))) < confidence
    ranged = [k for k, item in enumerate(items) if item.range is not None]
    low = np.array([items[k].range[0] for k in ranged])  # type: ignore[index]
    high = np.array([items[k].range[1] for k in ranged])  # type: ignore[index]
    values = low + (high - low) * rng.random((size, len(ranged)))
    keys = np.zeros((size, len(items) + len(ranged)))
    keys[:, : len(items)] = holds
    for column, k in enumerate(ranged):
        thresholds = items[k].thresholds
        value = values[:, column]
        if thresholds is None:
            code = value
        else:
            edges = np.asarray(thresholds, dtype=float)
            code = 1 + 2 * np.searchsorted(edges, value, side="left") + np.isin(value, edges)
        keys[:, len(items) + column] = np.where(holds[:, k], code, 0.0)
    return _EvidenceDraw(holds, values, keys)


def _facts_of(
    base: Mapping[str, Value | None], items: Sequence[_Uncertain], draw: _EvidenceDraw, row: int
) -> dict[str, Value | None]:
    facts = dict(base)
    column = 0
    for k, item in enumerate(items):
        value: Value | None = item.value
        if item.range is not None:
            value = float(draw.values[row, column])
            column += 1
        facts[item.fact] = value if draw.holds[row, k] else None
    return facts


def sampled_evidence(
    scenario: LoadedScenario | str | Path, *, samples: int = 1, seed: int = 0
) -> list[dict[str, Value | None]]:
    """The bodies of evidence ``evidence_uncertainty`` draws for this seed, one per sample."""
    _check_samples(samples, seed)
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    items = _uncertain_items(loaded.rule_base, loaded.scenario)
    base = evidence_values(loaded.scenario.evidence)
    found = []
    for index, size in _chunks(samples):
        draw = _draw_evidence(items, size, _generator(seed, _EVIDENCE_STREAM, index))
        found += [_facts_of(base, items, draw, row) for row in range(size)]
    return found


class EvidenceResult(_Result):
    """How often each option is recommended, and gets each verdict, as evidence varies."""

    samples: int
    seed: int
    items: tuple[str, ...]
    """The evidence items sampled (confidence below 1, or a range)."""
    weights: str
    """``scenario weights`` when weights are fixed, else the weight prior sampled jointly."""
    options: tuple[str, ...]
    recommended_probability: dict[str, float]
    no_recommendation: float
    """Share of samples in which no single option is recommended."""
    verdict_probability: dict[str, dict[str, float]]
    rank_probability: dict[str, tuple[float, ...]]
    """Share of samples in which each option takes rank 1, 2, ... (ties split evenly)."""
    excluded_probability: dict[str, float]
    distinct_evidence: int
    """How many distinct bodies of evidence the rules were evaluated on."""
    central_weights: dict[str, dict[str, float] | None] | None = None
    confidence: dict[str, float | None] | None = None
    """With weights sampled: share of evidence samples in which the option is first at its
    central weights (the SMAA-2 confidence factor)."""


@dataclass
class _EvidenceCache:
    """Rule outcomes per distinct body of evidence, filled as samples reveal them."""

    compiled: CompiledRuleBase
    base: Mapping[str, Value | None]
    items: Sequence[_Uncertain]
    leaf_ids: Sequence[str]
    index: dict[tuple[float, ...], int] = field(default_factory=dict)
    utilities: list[np.ndarray] = field(default_factory=list)
    excluded: list[np.ndarray] = field(default_factory=list)
    facts: list[Mapping[str, Value | None]] = field(default_factory=list)

    def lookup(self, draw: _EvidenceDraw) -> np.ndarray:
        """The cache index of every sample's body of evidence, evaluating new ones."""
        unique, first, inverse = np.unique(
            draw.keys, axis=0, return_index=True, return_inverse=True
        )
        mapped = np.empty(len(unique), dtype=np.int64)
        for u, row in enumerate(first):
            key = tuple(float(x) for x in unique[u])
            if key not in self.index:
                self.index[key] = len(self.utilities)
                self._evaluate(_facts_of(self.base, self.items, draw, int(row)))
            mapped[u] = self.index[key]
        return mapped[np.asarray(inverse).reshape(-1)]

    def _evaluate(self, facts: Mapping[str, Value | None]) -> None:
        rule_base = self.compiled.rule_base
        outcome = evaluate_rules(rule_base, facts, self.compiled.order, self.compiled.scales)
        values, failures = option_values(rule_base, outcome.firings)
        self.utilities.append(
            np.array([[values[o][c].utility for c in self.leaf_ids] for o in rule_base.options])
        )
        self.excluded.append(np.array([bool(failures[o]) for o in rule_base.options]))
        self.facts.append(outcome.facts)


def _metrics_read(rule_base: RuleBase) -> set[str]:
    return {
        c.metric
        for v in rule_base.verdicts
        if v.when is not None
        for c in comparisons(v.when)
        if c.metric is not None
    }


def evidence_uncertainty(
    scenario: LoadedScenario | str | Path,
    *,
    samples: int = 10_000,
    seed: int = 0,
    weights: Mapping[str, float] | None = None,
    prior: WeightPrior | None = None,
    compiled: CompiledRuleBase | None = None,
    progress: Progress | None = None,
) -> EvidenceResult:
    """Monte Carlo over which evidence holds (and ranged values); weights too with ``prior``.

    With ``prior`` None the weights are the scenario's (with ``weights``
    overrides); otherwise each sample also draws weights from the prior, with
    the same draws ``smaa`` makes for the same seed.
    """
    _check_samples(samples, seed)
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    rule_base = loaded.rule_base
    compiled = compiled or compile_rule_base(rule_base)
    tree = CriteriaTree.from_rule_base(rule_base, {**loaded.scenario.weights, **(weights or {})})
    leaves = list(tree.leaves)
    leaf_ids = [tree.ids[i] for i in leaves]
    items = _uncertain_items(rule_base, loaded.scenario)
    cache = _EvidenceCache(compiled, evidence_values(loaded.scenario.evidence), items, leaf_ids)
    options = tuple(rule_base.options)
    m = len(options)
    names = list(dict.fromkeys(v.verdict for v in rule_base.verdicts))
    name_of_rule = np.array([names.index(v.verdict) for v in rule_base.verdicts])
    discrete = _metrics_read(rule_base) <= _DISCRETE_METRICS
    verdict_memo: dict[tuple[int, ...], int] = {}
    bounds = None if prior is None or prior.uniform else prior.bounds(tree)
    fixed = tree.global_weights(tree.local_shares())[None, :]
    horizon_masks = {
        h: np.array([tree.horizons[i] == h for i in leaves]) for h in ("short", "long")
    }

    rank_counts = np.zeros((m, m))
    excluded_counts = np.zeros(m)
    verdict_counts = np.zeros((m, len(names)))
    recommended_counts = np.zeros(m)
    first_weight_sums = np.zeros((m, len(tree.ids)))
    first_counts = np.zeros(m)
    key_counts: dict[int, int] = {}
    recommended = names.index("recommended") if "recommended" in names else -1
    for index, size in _chunks(samples):
        draw = _draw_evidence(items, size, _generator(seed, _EVIDENCE_STREAM, index))
        keys = cache.lookup(draw)
        for key, count in zip(*np.unique(keys, return_counts=True), strict=True):
            key_counts[int(key)] = key_counts.get(int(key), 0) + int(count)
        if prior is None:
            weights_now = np.broadcast_to(fixed, (size, fixed.shape[1]))
        else:
            rng = _generator(seed, _WEIGHT_STREAM, index)
            weights_now = _globalise(tree, _sample_shares(tree, bounds, size, rng))
        utilities = np.stack(cache.utilities)[keys]
        valid = ~np.stack(cache.excluded)[keys]
        leaf_weights = weights_now[:, leaves]
        totals = np.einsum("nml,nl->nm", utilities, leaf_weights)
        horizon_scores = {}
        for horizon, mask in horizon_masks.items():
            part = np.einsum("nml,nl->nm", utilities[:, :, mask], leaf_weights[:, mask])
            weight = leaf_weights[:, mask].sum(axis=1, keepdims=True)
            horizon_scores[horizon] = np.divide(
                part, weight, out=np.zeros_like(part), where=weight > 0
            )
        better, tied = _better_and_tied(totals, valid)
        ranks = {"rank": better + 1}
        for horizon, scores in horizon_scores.items():
            ranks[f"{horizon}_term_rank"] = _better_and_tied(scores, valid)[0] + 1
        rank_counts += _rank_shares(better, tied, valid)
        excluded_counts += (~valid).sum(axis=0)
        if prior is not None:
            first = _first_shares(better, tied, valid)
            first_weight_sums += first.T @ weights_now
            first_counts += first.sum(axis=0)
        verdicts = name_of_rule[
            _verdicts(
                compiled, cache, keys, valid, ranks, totals, horizon_scores, discrete, verdict_memo
            )
        ]
        for option in range(m):
            verdict_counts[option] += np.bincount(verdicts[:, option], minlength=len(names))
        is_recommended = verdicts == recommended
        single = is_recommended.sum(axis=1) == 1
        recommended_counts += is_recommended[single].sum(axis=0)
        if progress is not None:
            progress(size)

    central = confidence = None
    if prior is not None:
        centres = _central_weights(first_weight_sums, first_counts)
        central = {
            o: None
            if centres[i] is None
            else dict(zip(tree.ids, map(float, centres[i]), strict=True))
            for i, o in enumerate(options)
        }
        confidence = _confidence(cache, key_counts, centres, leaves, options, samples)
    return EvidenceResult(
        samples=samples,
        seed=seed,
        items=tuple(item.fact for item in items),
        weights="scenario weights" if prior is None else prior.describe(),
        options=options,
        recommended_probability={
            o: float(recommended_counts[i] / samples) for i, o in enumerate(options)
        },
        no_recommendation=float(1 - recommended_counts.sum() / samples),
        verdict_probability={
            o: {name: float(verdict_counts[i, k] / samples) for k, name in enumerate(names)}
            for i, o in enumerate(options)
        },
        rank_probability={
            o: tuple(float(x) for x in rank_counts[i] / samples) for i, o in enumerate(options)
        },
        excluded_probability={
            o: float(excluded_counts[i] / samples) for i, o in enumerate(options)
        },
        distinct_evidence=len(cache.utilities),
        central_weights=central,
        confidence=confidence,
    )


def _confidence(
    cache: _EvidenceCache,
    key_counts: Mapping[int, int],
    centres: Sequence[np.ndarray | None],
    leaves: Sequence[int],
    options: Sequence[str],
    samples: int,
) -> dict[str, float | None]:
    """Share of evidence samples in which each option is first at its own central weights."""
    found: dict[str, float | None] = {}
    keys = sorted(key_counts)
    utilities = np.stack([cache.utilities[k] for k in keys])
    valid = ~np.stack([cache.excluded[k] for k in keys])
    counts = np.array([key_counts[k] for k in keys], dtype=float)
    for i, option in enumerate(options):
        centre = centres[i]
        if centre is None:
            found[option] = None
            continue
        totals = utilities @ centre[list(leaves)]
        better, _ = _better_and_tied(totals, valid)
        first = valid[:, i] & (better[:, i] == 0)
        found[option] = float(counts[first].sum() / samples)
    return found


def _verdicts(
    compiled: CompiledRuleBase,
    cache: _EvidenceCache,
    keys: np.ndarray,
    valid: np.ndarray,
    ranks: Mapping[str, np.ndarray],
    totals: np.ndarray,
    horizon_scores: Mapping[str, np.ndarray],
    discrete: bool,
    memo: dict[tuple[int, ...], int],
) -> np.ndarray:
    """The verdict rule each option meets in each sample, as ``appraise_facts`` picks it.

    When verdict rules read only ranks and exclusion, each distinct combination
    is evaluated once; otherwise every (sample, option) pair is.
    """
    size, m = valid.shape
    option_index = np.broadcast_to(np.arange(m), (size, m))
    columns = [
        keys[:, None].repeat(m, axis=1),
        option_index,
        valid,
        ranks["rank"],
        ranks["short_term_rank"],
        ranks["long_term_rank"],
    ]
    codes = np.stack([np.asarray(c, dtype=np.int64).ravel() for c in columns], axis=1)
    if discrete:
        unique, first, inverse = np.unique(codes, axis=0, return_index=True, return_inverse=True)
        picked = np.empty(len(unique), dtype=np.int64)
        for u, row in enumerate(first):
            code = tuple(int(x) for x in unique[u])
            if code not in memo:
                memo[code] = _verdict_of(
                    compiled, cache, codes[row], totals, horizon_scores, row, m
                )
            picked[u] = memo[code]
        return picked[np.asarray(inverse).reshape(-1)].reshape(size, m)
    picked = np.array(
        [
            _verdict_of(compiled, cache, codes[row], totals, horizon_scores, row, m)
            for row in range(len(codes))
        ]
    )
    return picked.reshape(size, m)


def _verdict_of(
    compiled: CompiledRuleBase,
    cache: _EvidenceCache,
    code: np.ndarray,
    totals: np.ndarray,
    horizon_scores: Mapping[str, np.ndarray],
    row: int,
    m: int,
) -> int:
    key, option, valid, rank, short_rank, long_rank = (int(x) for x in code)
    sample = row // m
    metrics: dict[str, Value | None] = {
        "rank": float(rank) if valid else None,
        "short_term_rank": float(short_rank) if valid else None,
        "long_term_rank": float(long_rank) if valid else None,
        "score": float(totals[sample, option]),
        "short_term_score": float(horizon_scores["short"][sample, option]),
        "long_term_score": float(horizon_scores["long"][sample, option]),
        "excluded": not valid,
    }
    facts = cache.facts[key]
    for index, rule in enumerate(compiled.rule_base.verdicts):
        if rule.otherwise or (
            rule.when is not None
            and evaluate_condition(rule.when, facts, compiled.scales, metrics) is True
        ):
            return index
    raise ScoringError("no verdict rule applies (the last must be 'otherwise: true')")


# --------------------------------------------------------------------------- all together


class SensitivityReport(_Result):
    """Weight sweeps, SMAA and (optionally) evidence uncertainty for one scenario."""

    scenario: str
    scenario_path: str | None
    recommended: str | None
    weights: dict[str, float]
    """The global weights of the appraisal analysed."""
    sweeps: tuple[WeightSweep, ...]
    smaa: SMAAResult
    evidence: EvidenceResult | None = None


def sensitivity(
    scenario: LoadedScenario | str | Path,
    *,
    samples: int = 10_000,
    seed: int = 0,
    evidence: bool = False,
    joint: bool = False,
    weights: Mapping[str, float] | None = None,
    prior: WeightPrior | None = None,
    points: int = 21,
    progress: Progress | None = None,
) -> SensitivityReport:
    """Everything sensitivity analysis offers, for a scenario (a loaded one, or a path).

    ``prior`` defaults to what the rule base and scenario declare (uniform when
    they declare nothing); ``evidence`` adds evidence uncertainty at the
    scenario's weights, ``joint`` samples the weights with it.
    """
    _check_samples(samples, seed)
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    compiled = compile_rule_base(loaded.rule_base)
    overrides = {**loaded.scenario.weights, **(weights or {})}
    appraisal = appraise(loaded, weights=weights, compiled=compiled)
    model = decision_model(appraisal, overrides)
    prior = prior if prior is not None else weight_prior(loaded.rule_base, loaded.scenario)
    result = smaa(model, prior, samples=samples, seed=seed, progress=progress)
    evidence_result = None
    if evidence or joint:
        evidence_result = evidence_uncertainty(
            loaded,
            samples=samples,
            seed=seed,
            weights=weights,
            prior=prior if joint else None,
            compiled=compiled,
            progress=progress,
        )
    return SensitivityReport(
        scenario=appraisal.scenario,
        scenario_path=appraisal.scenario_path,
        recommended=appraisal.recommended,
        weights=appraisal.weights,
        sweeps=weight_sweeps(model, points, switching_values(appraisal, weights)),
        smaa=result,
        evidence=evidence_result,
    )
