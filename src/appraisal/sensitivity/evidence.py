"""Evidence uncertainty: which evidence holds, and what that does to verdicts.

The only analysis that re-evaluates the rules (the others stay on the linear
model). Every chunk of samples is one batch through the engine: the sampled
evidence is written into the fact columns, then the rules, cells, totals,
ranks and verdicts of every sample are computed at once, by the functions an
appraisal uses for its batch of one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..appraise import evidence_values
from ..engine import (
    Cells,
    Columns,
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
from ..loader import LoadedScenario, load_scenario
from ..models import Comparison, FactRef, RuleBase, Scenario, Value
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
    """
    check_samples(samples, seed)
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    model = compiled or loaded.model
    rule_base = model.rule_base
    raw = model.tree.raw_weights({**loaded.scenario.weights, **(weights or {})})
    tree = model.tree.with_weights(raw)
    fixed = tree.global_weights()
    items = _uncertain_items(rule_base, loaded.scenario)
    base = encode(model, [evidence_values(loaded.scenario.evidence)])
    options = model.options
    m = len(options)
    names = list(dict.fromkeys(v.verdict for v in rule_base.verdicts))
    name_of_rule = np.array([names.index(v.verdict) for v in rule_base.verdicts])
    bounds = None if prior is None or prior.uniform else prior.bounds(tree)
    distinct = _Distinct(keep=prior is not None)

    rank_counts = np.zeros((m, m))
    excluded_counts = np.zeros(m)
    verdict_counts = np.zeros((m, len(names)))
    recommended_counts = np.zeros(m)
    first_weight_sums = np.zeros((m, len(tree.ids)))
    first_counts = np.zeros(m)
    recommending = rule_base.recommending_verdict
    recommended = names.index(recommending) if recommending in names else -1
    for index, size in chunks(samples):
        draw = _draw_evidence(items, size, generator(seed, EVIDENCE_STREAM, index))
        outcome = evaluate(model, _sampled_columns(model, base.repeat(size), items, draw))
        cells = cell_values(model, outcome.fired)
        if prior is None:
            weights_now = fixed
        else:
            weights_now = sampled_weights(tree, bounds, size, generator(seed, WEIGHT_STREAM, index))
        totals = aggregate(tree, weights_now, cells.utility, contributions=False)
        valid = ~cells.excluded
        better, tied = competition_ranks(totals.score, valid)
        ranks = {"rank": better + 1}
        for name, scores in (
            ("short_term_rank", totals.short_term),
            ("long_term_rank", totals.long_term),
        ):
            if name in model.metrics_read:
                ranks[name] = competition_ranks(scores, valid)[0] + 1
        metrics = verdict_metrics(totals, cells.excluded, ranks)
        verdicts = name_of_rule[assign_verdicts(model, outcome.columns, metrics)]
        distinct.add(draw.keys, cells)
        rank_counts += rank_shares(better, tied, valid)
        excluded_counts += (~valid).sum(axis=0)
        if prior is not None:
            first = first_shares(better, tied, valid)
            first_weight_sums += first.T @ weights_now
            first_counts += first.sum(axis=0)
        for option in range(m):
            verdict_counts[option] += np.bincount(verdicts[:, option], minlength=len(names))
        is_recommended = verdicts == recommended
        single = is_recommended.sum(axis=1) == 1
        recommended_counts += is_recommended[single].sum(axis=0)
        if progress is not None:
            progress(size)

    central = confidence = None
    if prior is not None:
        centres = central_weights(first_weight_sums, first_counts)
        central = {o: as_weights(tree.ids, centres[i]) for i, o in enumerate(options)}
        confidence = _confidence(model, distinct, centres, samples)
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
        distinct_evidence=len(distinct.counts),
        central_weights=central,
        confidence=confidence,
    )


def _sampled_columns(
    model: CompiledModel, columns: Columns, items: Sequence[_Uncertain], draw: _EvidenceDraw
) -> Columns:
    """The base evidence of every sample, with the sampled items written over it."""
    ranged = 0
    for k, item in enumerate(items):
        column = model.column_of[item.fact]
        if item.range is not None:
            columns.values[column] = draw.values[:, ranged]
            ranged += 1
        columns.known[column] = draw.holds[:, k]
    return columns


class _Distinct:
    """The distinct bodies of evidence drawn, how often each, and (when kept) their cells."""

    def __init__(self, *, keep: bool) -> None:
        self.keep = keep
        self.counts: dict[bytes, int] = {}
        self.utility: dict[bytes, np.ndarray] = {}
        self.excluded: dict[bytes, np.ndarray] = {}

    def add(self, keys: np.ndarray, cells: Cells) -> None:
        rows = np.ascontiguousarray(keys + 0.0)  # -0.0 and 0.0 are one key
        if rows.shape[1] == 0:  # nothing uncertain: one body of evidence
            as_bytes = np.zeros(len(rows), dtype=np.dtype((np.void, 1)))
        else:
            width = rows.dtype.itemsize * rows.shape[1]
            as_bytes = rows.view(np.dtype((np.void, width))).reshape(-1)
        unique, first, counts = np.unique(as_bytes, return_index=True, return_counts=True)
        for key, row, count in zip(unique.tolist(), first.tolist(), counts.tolist(), strict=True):
            self.counts[key] = self.counts.get(key, 0) + count
            if self.keep and key not in self.utility:
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
