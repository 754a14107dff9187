"""Evidence uncertainty: which evidence holds, and what that does to verdicts.

The only analysis that re-evaluates the rules (the others stay on the linear
model), so the evidence sampler, its cache of rule outcomes and the verdict
replay are kept together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..appraise import (
    CompiledRuleBase,
    compile_rule_base,
    evidence_values,
    verdict_metrics,
    verdict_rule,
)
from ..loader import LoadedScenario, load_scenario
from ..models import Comparison, FactRef, RuleBase, Scenario, Value
from ..rules import comparisons, evaluate_rules
from ..scoring import option_values
from ._common import (
    _EVIDENCE_STREAM,
    _WEIGHT_STREAM,
    Progress,
    _check_samples,
    _chunks,
    _generator,
    _Result,
)
from .model import CriteriaTree, _better_and_tied, _first_shares, _rank_shares
from .weights import WeightPrior, _central_weights, _globalise, _sample_shares, as_weights

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
    recommending = rule_base.recommending_verdict
    recommended = names.index(recommending) if recommending in names else -1
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
        central = {o: as_weights(tree.ids, centres[i]) for i, o in enumerate(options)}
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
    metrics = verdict_metrics(
        rank=rank if valid else None,
        short_term_rank=short_rank if valid else None,
        long_term_rank=long_rank if valid else None,
        score=float(totals[sample, option]),
        short_term_score=float(horizon_scores["short"][sample, option]),
        long_term_score=float(horizon_scores["long"][sample, option]),
        excluded=not valid,
    )
    return verdict_rule(compiled, cache.facts[key], metrics)
