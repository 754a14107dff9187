"""Evidence uncertainty: which evidence holds, and what that does to verdicts.

The only analysis that re-evaluates the rules (the others stay on the linear
model). Every chunk of samples is one batch through the engine: the sampled
evidence is written into the fact columns, then the rules, cells, totals,
ranks and verdicts of every sample are computed at once, by the functions an
appraisal uses for its batch of one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..appraise import evidence_values
from ..engine import (
    Cells,
    Columns,
    CompiledModel,
    CriteriaTree,
    aggregate,
    assign_verdicts,
    cell_values,
    comparisons,
    competition_ranks,
    encode,
    evaluate,
    every_condition,
    verdict_metrics,
    verdict_ranks,
)
from ..loader import LoadedScenario, load_scenario
from ..models import Comparison, FactRef, RuleBase, Scenario, Value
from ..tables import Summary, Table, counted, percent, require_pandas, words
from ._common import (
    EVIDENCE_STREAM,
    WEIGHT_STREAM,
    Progress,
    Result,
    check_samples,
    chunks,
    generator,
)
from .model import first_shares, rank_shares
from .weights import WeightPrior, as_weights, central_weights, sampled_weights

if TYPE_CHECKING:
    from pandas import DataFrame


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
    tests: list[Comparison] = [
        c for condition in every_condition(rule_base) for c in comparisons(condition)
    ]
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
    scale: float | None
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
    check_samples(samples, seed)
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    items = _uncertain_items(loaded.rule_base, loaded.scenario)
    base = evidence_values(loaded.scenario.evidence)
    found = []
    for index, size in chunks(samples):
        draw = _draw_evidence(items, size, generator(seed, EVIDENCE_STREAM, index))
        found += [_facts_of(base, items, draw, row) for row in range(size)]
    return found


class EvidenceResult(Result):
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

    def to_frame(self, table: Literal["ranks", "verdicts"] = "ranks") -> DataFrame:
        """Rank or verdict probabilities as a pandas DataFrame, one row per option (needs pandas).

        ``ranks``: one column per rank, ``1`` to the number of options, then
        ``excluded`` (the share of samples in which a gate excludes it).
        ``verdicts``: one column per verdict. Either way each row sums to 1.
        How often each option is *the* recommendation is
        ``recommended_probability``.
        """
        require_pandas()
        import pandas

        index = pandas.Index(self.options, name="option")
        if table == "ranks":
            ranks = list(range(1, len(self.options) + 1))
            return pandas.DataFrame(
                [[*self.rank_probability[o], self.excluded_probability[o]] for o in self.options],
                index=index,
                columns=pandas.Index([*ranks, "excluded"], name="rank"),
                dtype=float,
            )
        if table == "verdicts":
            verdicts = list(
                dict.fromkeys(v for o in self.options for v in self.verdict_probability[o])
            )
            return pandas.DataFrame(
                [[self.verdict_probability[o].get(v, 0.0) for v in verdicts] for o in self.options],
                index=index,
                columns=pandas.Index(verdicts, name="verdict"),
                dtype=float,
            )
        raise ValueError(f"table is 'ranks' or 'verdicts', not {table!r}")

    def _summary(self) -> Summary:
        by_chance = sorted(self.options, key=lambda o: -self.recommended_probability[o])
        chances = ", ".join(
            f"{o} {percent(self.recommended_probability[o])}" for o in by_chance[:3]
        )
        rows = []
        for option in by_chance:
            verdicts = self.verdict_probability[option]
            likeliest = max(verdicts, key=lambda v: verdicts[v]) if verdicts else None
            rows.append(
                (
                    option,
                    percent(self.recommended_probability[option]),
                    percent(self.rank_probability[option][0]),
                    percent(self.excluded_probability[option]),
                    f"{words(likeliest)} ({percent(verdicts[likeliest])})" if likeliest else "-",
                )
            )
        return Summary(
            kind="EvidenceResult",
            headline=f"{counted(self.samples, 'evidence sample')} over"
            f" {counted(len(self.items), 'item')}:"
            f" recommended {chances}; none {percent(self.no_recommendation)}",
            title=f"{counted(self.samples, 'sample')} of the evidence"
            f" ({counted(len(self.items), 'uncertain item')})",
            lines=(
                f"Weights: {self.weights}; seed {self.seed};"
                f" {self.distinct_evidence:,} distinct bodies of evidence.",
                f"No option recommended in {percent(self.no_recommendation)} of samples.",
            ),
            tables=(
                Table(
                    ("Option", "Recommended", "First", "Excluded", "Likeliest verdict"),
                    tuple(rows),
                    align="lrrrl",
                ),
            ),
            notes=("to_frame('ranks') and to_frame('verdicts') give DataFrames.",),
        )


def evidence_uncertainty(
    scenario: LoadedScenario | str | Path,
    *,
    samples: int = 10_000,
    seed: int = 0,
    weights: Mapping[str, float] | None = None,
    prior: WeightPrior | None = None,
    compiled: CompiledModel | None = None,
    progress: Progress | None = None,
) -> EvidenceResult:
    """Monte Carlo over which evidence holds (and ranged values); weights too with ``prior``.

    With ``prior`` None the weights are the scenario's (with ``weights``
    overrides); otherwise each sample also draws weights from the prior, with
    the same draws ``smaa`` makes for the same seed.

    Each chunk's distinct bodies of evidence (a numeric value matters only
    through the thresholds the rules compare it with) go through the engine
    as one batch. At the scenario's weights everything then depends on the
    body of evidence alone, so each is scored once and counted as often as
    it was drawn; with sampled weights, every sample is scored.
    """
    check_samples(samples, seed)
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    model = compiled or loaded.model
    rule_base = model.rule_base
    raw = model.tree.raw_weights({**loaded.scenario.weights, **(weights or {})})
    tree = model.tree.with_weights(raw)
    items = _uncertain_items(rule_base, loaded.scenario)
    base = encode(model, [evidence_values(loaded.scenario.evidence)])
    names = list(dict.fromkeys(v.verdict for v in rule_base.verdicts))
    bounds = None if prior is None or prior.uniform else prior.bounds(tree)
    distinct = _Distinct(items, keep=prior is not None)
    tally = _Tally(model, names)
    for index, size in chunks(samples):
        draw = _draw_evidence(items, size, generator(seed, EVIDENCE_STREAM, index))
        first, inverse, counts = distinct.add(draw.keys)
        columns = _sampled_columns(model, base.repeat(len(first)), items, draw, first)
        outcome = evaluate(model, columns)
        cells = cell_values(model, outcome.fired)
        distinct.keep_cells(cells)
        if prior is None:
            better, tied, valid, verdicts = _standing(
                model, tree, tree.global_weights(), cells.utility, cells.excluded, outcome.columns
            )
            tally.add(better, tied, valid, verdicts, counts, inverse)
        else:
            drawn = sampled_weights(tree, bounds, size, generator(seed, WEIGHT_STREAM, index))
            better, tied, valid, verdicts = _standing(
                model,
                tree,
                drawn,
                cells.utility[inverse],
                cells.excluded[inverse],
                outcome.columns.take(inverse, model.verdict_columns),
            )
            tally.add(better, tied, valid, verdicts)
            tally.add_first(first_shares(better, tied, valid), drawn)
        if progress is not None:
            progress(size)

    options = model.options
    central = confidence = None
    if prior is not None:
        centres = central_weights(tally.first_weight_sums, tally.first_counts)
        central = {o: as_weights(tree.ids, centres[i]) for i, o in enumerate(options)}
        confidence = _confidence(model, distinct, centres, samples)
    return EvidenceResult(
        samples=samples,
        seed=seed,
        items=tuple(item.fact for item in items),
        weights="scenario weights" if prior is None else prior.describe(),
        options=options,
        recommended_probability={
            o: float(tally.recommended[i] / samples) for i, o in enumerate(options)
        },
        no_recommendation=float(1 - tally.recommended.sum() / samples),
        verdict_probability={
            o: {name: float(tally.verdicts[i, k] / samples) for k, name in enumerate(names)}
            for i, o in enumerate(options)
        },
        rank_probability={
            o: tuple(float(x) for x in tally.ranks[i] / samples) for i, o in enumerate(options)
        },
        excluded_probability={o: float(tally.excluded[i] / samples) for i, o in enumerate(options)},
        distinct_evidence=len(distinct.counts),
        central_weights=central,
        confidence=confidence,
    )


def _standing(
    model: CompiledModel,
    tree: CriteriaTree,
    weights: np.ndarray,
    utility: np.ndarray,
    excluded: np.ndarray,
    columns: Columns,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ranks (better, tied), who is ranked, and the verdict rule of every row and option."""
    totals = aggregate(tree, weights, utility, contributions=False)
    valid = ~excluded
    better, tied = competition_ranks(totals.score, valid)
    metrics = verdict_metrics(totals, excluded, verdict_ranks(model, totals, valid, better))
    return better, tied, valid, assign_verdicts(model, columns, metrics)


class _Tally:
    """The counts an evidence analysis reports, summed over samples."""

    def __init__(self, model: CompiledModel, names: Sequence[str]) -> None:
        m = len(model.options)
        verdicts = model.rule_base.verdicts
        self.name_of_rule = np.array([names.index(v.verdict) for v in verdicts])
        recommending = model.rule_base.recommending_verdict
        self.recommending = names.index(recommending) if recommending in names else -1
        self.ranks = np.zeros((m, m))
        self.excluded = np.zeros(m)
        self.verdicts = np.zeros((m, len(names)))
        self.recommended = np.zeros(m)
        self.first_weight_sums = np.zeros((m, len(model.tree.ids)))
        self.first_counts = np.zeros(m)

    def add(
        self,
        better: np.ndarray,
        tied: np.ndarray,
        valid: np.ndarray,
        rules: np.ndarray,
        counts: np.ndarray | None = None,
        inverse: np.ndarray | None = None,
    ) -> None:
        """Rows of samples, or (with ``counts``) distinct rows each drawn ``counts`` times."""
        verdicts = self.name_of_rule[rules]
        weight = np.ones(len(verdicts)) if counts is None else counts.astype(float)
        if counts is None or bool((tied == 1).all()):
            self.ranks += rank_shares(better, tied, valid, None if counts is None else weight)
        else:  # shares of tied ranks, summed sample by sample as they were drawn
            assert inverse is not None
            self.ranks += rank_shares(better[inverse], tied[inverse], valid[inverse])
        self.excluded += (~valid * weight[:, None]).sum(axis=0)
        for option in range(verdicts.shape[1]):
            self.verdicts[option] += np.bincount(
                verdicts[:, option], weights=weight, minlength=self.verdicts.shape[1]
            )
        recommended = verdicts == self.recommending
        single = recommended.sum(axis=1) == 1
        self.recommended += (recommended[single] * weight[single, None]).sum(axis=0)

    def add_first(self, first: np.ndarray, weights: np.ndarray) -> None:
        self.first_weight_sums += first.T @ weights
        self.first_counts += first.sum(axis=0)


def _sampled_columns(
    model: CompiledModel,
    columns: Columns,
    items: Sequence[_Uncertain],
    draw: _EvidenceDraw,
    rows: np.ndarray,
) -> Columns:
    """The base evidence of the drawn ``rows``, with their sampled items written over it."""
    ranged = 0
    for k, item in enumerate(items):
        column = model.column_of[item.fact]
        if item.range is not None:
            columns.values[column] = draw.values[rows, ranged]
            ranged += 1
        columns.known[column] = draw.holds[rows, k]
    return columns


class _Distinct:
    """The distinct bodies of evidence drawn, how often each, and (when kept) their cells."""

    def __init__(self, items: Sequence[_Uncertain], *, keep: bool) -> None:
        self.keep = keep
        self.counts: dict[object, int] = {}
        self.utility: dict[object, np.ndarray] = {}
        self.excluded: dict[object, np.ndarray] = {}
        self.chunk: list[object] = []
        radix = [2] * len(items)
        for item in items:
            if item.range is not None:
                edges = item.thresholds
                radix.append(0 if edges is None else 2 * len(edges) + 3)
        self.radix = None if 0 in radix or math.prod(radix) >= 2**62 else radix

    def _codes(self, keys: np.ndarray) -> np.ndarray:
        """One comparable code per row: a whole number when every column is a small code,
        else the row's bytes."""
        if self.radix is not None:
            codes = np.zeros(len(keys), dtype=np.int64)
            for column, radix in enumerate(self.radix):
                codes = codes * radix + keys[:, column].astype(np.int64)
            return codes
        rows = np.ascontiguousarray(keys + 0.0)  # -0.0 and 0.0 are one key
        return rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).reshape(-1)

    def add(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This chunk's distinct rows: the first row of each, each row's, and their counts."""
        unique, first, inverse, counts = np.unique(
            self._codes(keys), return_index=True, return_inverse=True, return_counts=True
        )
        self.chunk = unique.tolist()
        for key, count in zip(self.chunk, counts.tolist(), strict=True):
            self.counts[key] = self.counts.get(key, 0) + count
        return first, np.asarray(inverse).reshape(-1), counts

    def keep_cells(self, cells: Cells) -> None:
        """Remember the cells of this chunk's distinct rows (when kept), in ``add``'s order."""
        if not self.keep:
            return
        for row, key in enumerate(self.chunk):
            if key not in self.utility:
                self.utility[key] = cells.utility[row]
                self.excluded[key] = cells.excluded[row]


def _confidence(
    model: CompiledModel,
    distinct: _Distinct,
    centres: Sequence[np.ndarray | None],
    samples: int,
) -> dict[str, float | None]:
    """Share of evidence samples in which each option is first at its own central weights."""
    found: dict[str, float | None] = {}
    keys = list(distinct.counts)
    utility = np.stack([distinct.utility[k] for k in keys])
    valid = ~np.stack([distinct.excluded[k] for k in keys])
    counts = np.array([distinct.counts[k] for k in keys], dtype=float)
    for i, option in enumerate(model.options):
        centre = centres[i]
        if centre is None:
            found[option] = None
            continue
        totals = aggregate(model.tree, centre, utility, contributions=False, horizons=False)
        better, _ = competition_ranks(totals.score, valid)
        first = valid[:, i] & (better[:, i] == 0)
        found[option] = float(counts[first].sum() / samples)
    return found
