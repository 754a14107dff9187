"""Weight uncertainty: the weight prior, the weight sampler, and SMAA.

The sampler is shared with evidence uncertainty, which, sampling weights
jointly, draws the same weights as ``smaa`` for the same seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..engine import CriteriaTree, aggregate, competition_ranks
from ..errors import Location, ScoringError, UnknownReferenceError
from ..models import RuleBase, Scenario
from ..tables import Summary, Table, percent, require_pandas
from ._common import WEIGHT_STREAM, Progress, Result, check_samples, chunks, generator
from .model import DecisionModel, first_shares, rank_shares

_CELLS = 1 << 22
"""Sample x option x criterion cells aggregated at once."""

if TYPE_CHECKING:
    from pandas import DataFrame


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
    tree = CriteriaTree.from_rule_base(rule_base)
    ranges: dict[str, tuple[float, float]] = {
        tree.ids[i]: weight_range
        for i in tree.declared
        if (weight_range := tree.nodes[i].weight_range) is not None
    }
    spread = None
    if scenario is not None:
        known = tree.paths()
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


def sample_shares(
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


def sampled_weights(
    tree: CriteriaTree,
    bounds: tuple[np.ndarray, np.ndarray] | None,
    size: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``size`` rows of global weights: sampled local shares, multiplied down the tree."""
    return tree.globalise(sample_shares(tree, bounds, size, rng), in_place=True)


def sample_totals(model: DecisionModel, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The engine's ranks (better, tied) of every option's total for each row of global
    weights, in blocks of rows so memory stays bounded for many options."""
    utilities = model.declared_utilities()[None]
    rows = weights.shape[0]
    block = max(1, _CELLS // max(1, utilities.shape[1] * len(model.tree.ids)))
    totals = np.empty((rows, len(model.options)))
    for start in range(0, rows, block):
        found = aggregate(
            model.tree,
            weights[start : start + block],
            utilities,
            contributions=False,
            horizons=False,
        )
        totals[start : start + block] = found.score
    return competition_ranks(totals)


def weight_samples(
    tree: CriteriaTree, prior: WeightPrior | None = None, samples: int = 1, seed: int = 0
) -> np.ndarray:
    """The local shares ``smaa`` draws for this seed (rows), for checking and plotting."""
    check_samples(samples, seed)
    prior = prior or WeightPrior()
    bounds = None if prior.uniform else prior.bounds(tree)
    return np.concatenate(
        [
            sample_shares(tree, bounds, size, generator(seed, WEIGHT_STREAM, index))
            for index, size in chunks(samples)
        ]
    )


# --------------------------------------------------------------------------- SMAA


class SMAAResult(Result):
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

    def to_frame(self) -> DataFrame:
        """Rank acceptability as a pandas DataFrame (needs pandas).

        One row per ranked option (excluded ones are in ``excluded``), one
        column per rank, ``1`` to the number of ranked options: the share of
        samples in which the option takes that rank. Each row sums to 1.
        """
        require_pandas()
        import pandas

        return pandas.DataFrame(
            [self.rank_acceptability[o] for o in self.options],
            index=pandas.Index(self.options, name="option"),
            columns=pandas.Index(range(1, len(self.options) + 1), name="rank"),
            dtype=float,
        )

    def _summary(self) -> Summary:
        by_first = sorted(self.options, key=lambda o: -self.first_rank(o))
        firsts = ", ".join(f"{o} {percent(self.first_rank(o))}" for o in by_first[:3])
        ranks = tuple(str(rank) for rank in range(1, len(self.options) + 1))
        rows = tuple(
            (
                o,
                *(percent(share) for share in self.rank_acceptability[o]),
                percent(self.confidence.get(o)),
            )
            for o in by_first
        )
        excluded = (f"Excluded by a gate: {', '.join(self.excluded)}.",) if self.excluded else ()
        return Summary(
            kind="SMAAResult",
            headline=f"{self.samples:,} weight samples: first {firsts}",
            title=f"rank acceptability over {self.samples:,} weight samples",
            lines=(
                f"Weights: {self.prior}; seed {self.seed}.",
                *excluded,
                f"Samples with a tie: {percent(self.tie_share)}.",
            ),
            tables=(
                Table(
                    ("Option", *(f"Rank {r}" for r in ranks), "Confidence"),
                    rows,
                    align="l" + "r" * (len(ranks) + 1),
                    caption="Share of samples in which each option takes each rank",
                ),
            ),
            notes=("to_frame() gives the rank acceptability as a DataFrame.",),
        )


def smaa(
    model: DecisionModel,
    prior: WeightPrior | None = None,
    *,
    samples: int = 10_000,
    seed: int = 0,
    progress: Progress | None = None,
) -> SMAAResult:
    """Stochastic multicriteria acceptability analysis over sampled weights."""
    check_samples(samples, seed)
    prior = prior or WeightPrior()
    tree = model.tree
    bounds = None if prior.uniform else prior.bounds(tree)
    m, c = len(model.options), len(tree.ids)
    counts = np.zeros((m, m))
    first_weight_sums = np.zeros((m, c))
    first_counts = np.zeros(m)
    tie_samples = 0
    for index, size in chunks(samples):
        rng = generator(seed, WEIGHT_STREAM, index)
        weights = sampled_weights(tree, bounds, size, rng)
        better, tied = sample_totals(model, weights)
        counts += rank_shares(better, tied)
        first = first_shares(better, tied, None)
        first_weight_sums += first.T @ weights
        first_counts += first.sum(axis=0)
        tie_samples += int((tied > 1).any(axis=1).sum())
        if progress is not None:
            progress(size)
    central = central_weights(first_weight_sums, first_counts)
    confidence: dict[str, float | None] = {}
    for i, option in enumerate(model.options):
        centre = central[i]
        if centre is None:
            confidence[option] = None
            continue
        better, _ = sample_totals(model, centre[None, :])
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
        central_weights={o: as_weights(tree.ids, central[i]) for i, o in enumerate(model.options)},
        confidence=confidence,
        tie_share=tie_samples / samples,
    )


def as_weights(ids: Sequence[str], centre: np.ndarray | None) -> dict[str, float] | None:
    """A central weight vector by criterion id, or None for an option never first."""
    return None if centre is None else dict(zip(ids, map(float, centre), strict=True))


def central_weights(sums: np.ndarray, counts: np.ndarray) -> list[np.ndarray | None]:
    return [sums[i] / counts[i] if counts[i] > 0 else None for i in range(len(counts))]
