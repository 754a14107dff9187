"""What to find out next: the facts, unknown or known with little confidence, whose value could
change the recommendation (or, when nothing is recommended, produce one), each with the answers
that would do it and what would then be recommended.

Every answer is re-appraised by the engine, as a row of a batch (``counterfactuals.WhatIf``):
the single answers in one batch, the pairs in another. This module only chooses which values
to try and ranks what they do, so the answers it reports are what ``appraise`` itself gives
for them.

Answers tried per fact: every level of a level fact; true and false; for text, each constant the
rules compare it with and any other text; for a number, the thresholds that conditions test (a
constant, or another fact's value times its factor when that fact is known) split the line into
ranges in which every test answers alike, and one value of each range is tried: each threshold
itself, and values just below and just above it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from ..appraise import Appraisal, appraise
from ..engine import facts_read
from ..loader import LoadedScenario
from ..models import FactRef, FactSpec, RuleBase, Value
from ._shared import Standings, leads, model_of, only_one, winner
from .counterfactuals import Batch, Stages, Test, WhatIf
from .records import (
    Answer,
    InformationFact,
    InformationItem,
    InformationOutcome,
    InformationReport,
    PairSearch,
)

__all__ = [
    "CONFIDENCE_BELOW",
    "PAIR_BUDGET",
    "PAIR_FACTS",
    "information_stages",
    "no_recommendation_reason",
    "value_of_information",
]

CONFIDENCE_BELOW = 0.8
"""Known facts whose evidence item has a confidence below this are worth confirming too;
evidence held at this confidence or more is taken as settled."""
PAIR_FACTS = 12
"""How many of the most promising facts are paired when no single fact decides."""
PAIR_BUDGET = 5_000
"""Most pairs of answers evaluated; beyond it the pair search stops and says so."""


@dataclass(frozen=True)
class _Region:
    """One answer to try: a value, and what range of values it stands for."""

    value: Value
    stands_for: Literal["value", "range", "any", "other"] = "value"
    low: float | None = None
    high: float | None = None
    low_included: bool = False
    high_included: bool = False

    def answer(self, fact: str, tested: tuple[Value, ...] = ()) -> Answer:
        return Answer(
            fact=fact,
            value=self.value,
            stands_for=self.stands_for,
            low=self.low,
            high=self.high,
            low_included=self.low_included,
            high_included=self.high_included,
            tested=tested or (self.value,),
        )


@dataclass(frozen=True)
class _Tried:
    """What one answer (or pair of answers) leads to."""

    recommended: str | None
    shift: float
    stirs: bool
    """True when some option's verdict changes."""


@dataclass(frozen=True)
class _Candidate:
    """A fact worth finding out, with its answers that the rest of the evidence allows."""

    state: InformationFact
    spec: FactSpec
    regions: tuple[_Region, ...]
    shift: float
    stirs: bool


@dataclass(frozen=True)
class _Outcomes:
    """What each row of a batch leads to, as lists over the rows."""

    options: tuple[str, ...]
    void: list[bool]
    """The rules contradict each other on the row's evidence."""
    changing: list[bool]
    """The row changes the recommendation (and is not void)."""
    recommended: list[int]
    """The recommended option's index in ``options``; -1 for none."""
    shifts: list[float]
    stirs: list[bool]

    def tried(self, row: int) -> _Tried | None:
        """A row's outcome; None where void."""
        if self.void[row]:
            return None
        chosen = self.recommended[row]
        return _Tried(
            recommended=self.options[chosen] if chosen >= 0 else None,
            shift=self.shifts[row],
            stirs=self.stirs[row],
        )


class _Evaluator:
    """Re-appraises answers, a batch at a time, and measures them against the appraisal."""

    def __init__(self, what_if: WhatIf) -> None:
        appraisal = what_if.appraisal
        self.what_if = what_if
        self.recommended = appraisal.recommended
        self.leader = _leader(appraisal)
        self.margin = _margin(
            {o.id: o.score for o in appraisal.options},
            {o.id: o.excluded for o in appraisal.options},
            self.leader,
        )
        # the recommending verdict as a number (``WhatIf.verdict_numbers``)
        model = what_if.model
        recommending = model.rule_base.recommending_verdict
        numbers = what_if.verdict_numbers
        self.recommending = numbers.get(recommending, -1) if recommending is not None else -1
        self.now = model.options.index(self.recommended) if self.recommended is not None else -1

    def outcomes(self, standings: Standings) -> _Outcomes:
        """What each row of a batch leads to."""
        model = self.what_if.model
        code = self.what_if.codes[standings.verdicts]
        recommended = only_one(code == self.recommending)
        now = self.now
        shifts = np.abs(self._margins(standings.score, standings.excluded) - self.margin)
        return _Outcomes(
            options=model.options,
            void=standings.void.tolist(),
            changing=(~standings.void & (recommended != now)).tolist(),
            recommended=recommended.tolist(),
            shifts=shifts.tolist(),
            stirs=self.what_if.stirred(code).tolist(),
        )

    def _margins(self, totals: np.ndarray, excluded: np.ndarray) -> np.ndarray:
        """``_margin`` of every row (rows x options, the model's order)."""
        if self.leader is None:
            return np.zeros(len(totals))
        return leads(totals, excluded, self.what_if.options.index(self.leader))


def value_of_information(
    appraisal: Appraisal | LoadedScenario | str | Path,
    *,
    confidence_below: float = CONFIDENCE_BELOW,
    pairs: bool = True,
    pair_facts: int = PAIR_FACTS,
    pair_budget: int = PAIR_BUDGET,
) -> InformationReport:
    """The unknown (and doubtful) facts whose value could change the recommendation, ranked.

    A fact is considered when a rule or a verdict rule reads it and it is unknown, or known
    from evidence with a confidence below ``confidence_below``. Each of its answers is
    re-appraised alone; an answer the rules contradict (two rules would derive different
    values of a finding, or set one value two ways) cannot be true given the rest of the
    evidence, and is skipped and counted. Ranking: facts that settle the recommendation
    whatever their answer first, then by how far an answer moves the leader's margin, then
    by how many answers change the recommendation, then by id.

    When no single fact changes the recommendation, pairs of the ``pair_facts`` most promising
    facts (those verdict rules read first, then by margin moved) are tried, up to
    ``pair_budget`` evaluations, and reported separately.
    """
    if not isinstance(appraisal, Appraisal):
        appraisal = appraise(appraisal)
    return information_report(
        WhatIf(appraisal),
        confidence_below=confidence_below,
        pairs=pairs,
        pair_facts=pair_facts,
        pair_budget=pair_budget,
    )


def information_report(
    what_if: WhatIf,
    *,
    confidence_below: float = CONFIDENCE_BELOW,
    pairs: bool = True,
    pair_facts: int = PAIR_FACTS,
    pair_budget: int = PAIR_BUDGET,
) -> InformationReport:
    """``value_of_information`` with a ``WhatIf`` already made."""
    return what_if.run(
        information_stages(
            what_if,
            confidence_below=confidence_below,
            pairs=pairs,
            pair_facts=pair_facts,
            pair_budget=pair_budget,
        )
    )


def information_stages(
    what_if: WhatIf,
    *,
    confidence_below: float = CONFIDENCE_BELOW,
    pairs: bool = True,
    pair_facts: int = PAIR_FACTS,
    pair_budget: int = PAIR_BUDGET,
) -> Stages[InformationReport]:
    """``information_report`` as stages, to share batches with another search."""
    appraisal = what_if.appraisal
    rule_base = what_if.model.rule_base
    evaluator = _Evaluator(what_if)
    tests_of = what_if.tests
    known: dict[str, Value | None] = {**appraisal.evidence, **appraisal.findings}
    verdict_depths = _verdict_depths(appraisal)
    evaluated = skipped = 0
    singles: list[InformationItem] = []
    candidates: list[_Candidate] = []
    states = _states(appraisal, confidence_below, verdict_depths)
    asked = [
        (state, _regions(state.fact, rule_base.facts[state.fact], rule_base,
                         tests_of.get(state.fact, []), known))
        for state in states
    ]  # fmt: skip
    if pairs and len(states) > 1:
        what_if.expect_bounds([state.fact for state in states])
    changes = Batch.singles([(state.fact, r.value) for state, regions in asked for r in regions])
    measured = evaluator.outcomes((yield changes)) if len(changes) else None
    answers = iter([measured.tried(row) for row in range(len(changes))] if measured else [])
    for state, regions in asked:
        spec = rule_base.facts[state.fact]
        tried = []
        for region in regions:
            evaluated += 1
            tried.append((region, next(answers)))
        consistent = [(r, t) for r, t in tried if t is not None]
        skipped += len(tried) - len(consistent)
        if any(t.recommended != evaluator.recommended for _, t in consistent):
            merged = _merged(state.fact, spec, tried, evaluator.recommended)
            singles.append(_item((state,), merged, skipped=len(tried) - len(consistent)))
        if consistent:
            candidates.append(
                _Candidate(
                    state=state,
                    spec=spec,
                    regions=tuple(r for r, _ in consistent),
                    shift=max(t.shift for _, t in consistent),
                    stirs=any(t.stirs for _, t in consistent),
                )
            )
    found: list[InformationItem] = []
    search: PairSearch | None = None
    if pairs and not singles:
        found, search, pair_skipped = yield from _pairs(
            evaluator,
            candidates,
            rule_base,
            tests_of,
            known,
            verdict_depths,
            pair_facts,
            pair_budget,
        )
        skipped += pair_skipped
    return InformationReport(
        scenario=appraisal.scenario,
        recommended=appraisal.recommended,
        reason=no_recommendation_reason(appraisal),
        leader=evaluator.leader,
        margin=evaluator.margin,
        confidence_below=confidence_below,
        facts=tuple(sorted(singles, key=_rank)),
        pairs=tuple(sorted(found, key=_rank)),
        considered=len(states),
        evaluated=evaluated,
        skipped=skipped,
        pair_search=search,
    )


def no_recommendation_reason(appraisal: Appraisal) -> str | None:
    """Why no option is recommended, in words; None when one is.

    In order: no option passing every gate; every option that passes sharing one verdict (a
    rule that withholds a recommendation, such as one for insufficient evidence), explained
    by that verdict rule's rationale; a tie for first place; several options recommended at
    once; otherwise the first-ranked option's own verdict and its rationale.
    """
    if appraisal.recommended is not None:
        return None
    options = appraisal.options
    verdicts = appraisal.rule_base_model.verdicts
    if all(o.excluded for o in options):
        return "no option passes every gate"
    eligible = [o for o in options if not o.excluded]
    recommending = appraisal.rule_base_model.recommending_verdict
    if len({o.verdict for o in eligible}) == 1 and eligible[0].verdict != recommending:
        rule = verdicts[eligible[0].verdict_rule]
        return rule.rationale or f"every option is {_words(rule.verdict)}"
    if appraisal.tied_first:
        return f"{' and '.join(appraisal.tied_first)} tie for first place"
    several = [o.id for o in options if o.verdict == recommending]
    if several:
        return f"{' and '.join(several)} are each recommended, so none is singled out"
    first = eligible[0]
    rule = verdicts[first.verdict_rule]
    reason = f"the first-ranked option, {first.id}, is {_words(first.verdict)}"
    return f"{reason}: {rule.rationale}" if rule.rationale else reason


# --------------------------------------------------------------------------- what to try


def _states(
    appraisal: Appraisal, confidence_below: float, verdict_facts: Mapping[str, int]
) -> list[InformationFact]:
    """The facts worth finding out: read by something, and unknown or doubtful."""
    model = model_of(appraisal)
    rule_base = model.rule_base
    items = appraisal.scenario_model.evidence if appraisal.scenario_model is not None else {}
    found = []
    for fact_id, spec in rule_base.facts.items():
        if not model.readers.get(fact_id) and fact_id not in verdict_facts:
            continue
        value = appraisal.evidence.get(fact_id)
        item = items.get(fact_id)
        confidence = item.confidence if value is not None and item is not None else None
        if value is not None and (confidence is None or confidence >= confidence_below):
            continue
        found.append(
            InformationFact(
                fact=fact_id,
                description=spec.description,
                unit=spec.unit,
                status="unknown" if value is None else "uncertain",
                current=value,
                confidence=confidence,
            )
        )
    return found


def _regions(
    fact_id: str,
    spec: FactSpec,
    rule_base: RuleBase,
    tests: Sequence[Test],
    known: Mapping[str, Value | None],
) -> tuple[_Region, ...]:
    """One answer per way the rules can see the fact (see the module docstring)."""
    if spec.type == "boolean":
        return (_Region(True), _Region(False))
    if spec.type == "level":
        return tuple(_Region(level) for level in rule_base.scales[str(spec.scale)])
    if spec.type == "text":
        constants = sorted(_texts(fact_id, tests, known))
        other = "other"
        while other in constants:  # any text no rule compares with will do
            other += "_"
        kind: Literal["any", "other"] = "other" if constants else "any"
        return (*(_Region(c) for c in constants), _Region(other, kind))
    return _number_regions(_thresholds(fact_id, tests, known))


def _texts(fact_id: str, tests: Sequence[Test], known: Mapping[str, Value | None]) -> set[str]:
    """The text a fact is compared with: constants, and the values of known text facts."""
    found: set[str] = set()
    for test in tests:
        operand = test.operand
        if test.fact == fact_id:
            if isinstance(operand, FactRef):
                other = known.get(operand.fact) if operand.fact != fact_id else None
                if isinstance(other, str):
                    found.add(other)
            elif isinstance(operand, str):
                found.add(operand)
        elif isinstance(operand, FactRef) and operand.fact == fact_id and test.fact is not None:
            left = known.get(test.fact)
            if isinstance(left, str):
                found.add(left)
    return found


def _thresholds(
    fact_id: str, tests: Sequence[Test], known: Mapping[str, Value | None]
) -> list[float]:
    """Where the answers of the tests on a number change, given the other facts as known."""
    found: set[float] = set()
    for test in tests:
        operand = test.operand
        if test.fact == fact_id:
            if isinstance(operand, FactRef):
                if operand.fact == fact_id:
                    if operand.times != 1.0:
                        found.add(0.0)  # x against k times x turns on the sign of x
                    continue
                other = known.get(operand.fact)
                if isinstance(other, float):
                    found.add(other * operand.times)
            elif isinstance(operand, float):
                found.add(operand)
        elif isinstance(operand, FactRef) and operand.fact == fact_id and operand.times != 0:
            left = known.get(str(test.fact))
            if isinstance(left, float):
                found.add(left / operand.times)
    return sorted(t for t in found if math.isfinite(t))


def _step(threshold: float) -> float:
    """How far beyond a threshold to look: one for whole numbers, else a thousandth of it."""
    if threshold.is_integer() and abs(threshold) < 1e15:
        return 1.0
    return 1e-3 * max(1.0, abs(threshold))


def _number_regions(thresholds: Sequence[float]) -> tuple[_Region, ...]:
    """Below the first threshold, each threshold, between each pair, above the last."""
    if not thresholds:
        return (_Region(0.0, "any"),)
    first = thresholds[0]
    regions = [_Region(first - _step(first), "range", None, first)]
    for index, threshold in enumerate(thresholds):
        regions.append(_Region(threshold, "value", threshold, threshold, True, True))
        if index + 1 == len(thresholds):
            regions.append(_Region(threshold + _step(threshold), "range", threshold, None))
            break
        following = thresholds[index + 1]
        value = threshold + min(_step(threshold), (following - threshold) / 2)
        if threshold < value < following:
            regions.append(_Region(value, "range", threshold, following))
    return tuple(regions)


# --------------------------------------------------------------------------- what it does


def _merged(
    fact_id: str,
    spec: FactSpec,
    tried: Sequence[tuple[_Region, _Tried | None]],
    recommended: str | None,
) -> list[InformationOutcome]:
    """Outcomes per answer; for numbers, neighbouring ranges with one outcome become one."""
    groups: list[tuple[list[_Region], list[_Tried]]] = []
    previous: tuple[_Region, _Tried | None] | None = None
    for region, outcome in tried:
        if outcome is None:
            previous = None
            continue
        joins = (
            spec.type == "number"
            and previous is not None
            and previous[1] is not None
            and previous[1].recommended == outcome.recommended
            and previous[0].high is not None
            and previous[0].high == region.low
        )
        if joins:
            groups[-1][0].append(region)
            groups[-1][1].append(outcome)
        else:
            groups.append(([region], [outcome]))
        previous = (region, outcome)
    outcomes = []
    for regions, results in groups:
        answer = _join(regions).answer(fact_id, tuple(r.value for r in regions))
        outcomes.append(_outcome((answer,), results, recommended))
    return outcomes


def _join(regions: Sequence[_Region]) -> _Region:
    """One region spanning neighbouring ones (of a number)."""
    if len(regions) == 1:
        return regions[0]
    first, last = regions[0], regions[-1]
    kind: Literal["range", "any"] = "any" if first.low is None and last.high is None else "range"
    return _Region(first.value, kind, first.low, last.high, first.low_included, last.high_included)


def _outcome(
    answers: tuple[Answer, ...], results: Sequence[_Tried], recommended: str | None
) -> InformationOutcome:
    chosen = results[0].recommended
    return InformationOutcome(
        answers=answers,
        recommended=chosen,
        changes_recommendation=chosen != recommended,
        margin_shift=max(r.shift for r in results),
    )


def _item(
    states: tuple[InformationFact, ...], outcomes: Sequence[InformationOutcome], skipped: int
) -> InformationItem:
    changing = any(o.changes_recommendation for o in outcomes)
    return InformationItem(
        facts=states,
        decisive=changing and all(o.recommended is not None for o in outcomes),
        margin_shift=max((o.margin_shift for o in outcomes), default=0.0),
        outcomes=tuple(outcomes),
        skipped=skipped,
    )


def _rank(item: InformationItem) -> tuple[bool, float, int, tuple[str, ...]]:
    """Decisive first, then the margin moved, then how many answers change the outcome."""
    return (
        not item.decisive,
        -round(item.margin_shift, 9),
        -len(item.changing),
        tuple(f.fact for f in item.facts),
    )


# --------------------------------------------------------------------------- pairs


def _pairs(
    evaluator: _Evaluator,
    candidates: Sequence[_Candidate],
    rule_base: RuleBase,
    tests_of: Mapping[str, Sequence[Test]],
    known: Mapping[str, Value | None],
    verdict_depths: Mapping[str, int],
    pair_facts: int,
    budget: int,
) -> Stages[tuple[list[InformationItem], PairSearch, int]]:
    """Pairs of the most promising facts whose answers together change the recommendation.

    Most promising: read by a verdict rule, directly or through the fewest rules (a fact that
    settles a withheld verdict need not move any score), then changing some verdict alone, then
    moving the margin most alone, then reaching a gate rule, then the widest span of points the
    rules downstream of it could move.
    """
    what_if = evaluator.what_if
    facts = [c.state.fact for c in candidates] if len(candidates) > 1 else []
    low, high = what_if.fact_bounds(facts)  # one candidate needs no ranking
    cells = what_if.model.baselines.size
    spans = np.where(what_if.cells_rows(facts), high - low, 0.0).reshape(len(facts), cells)
    # each fact's cells added one at a time, in order
    totals = np.add.accumulate(spans, axis=1)[:, -1] if cells else np.zeros(len(facts))
    widths = dict.fromkeys((c.state.fact for c in candidates), 0.0)
    widths.update(zip(facts, totals.tolist(), strict=True))
    gating = (what_if.reach_rows(facts) & what_if.index.gating).any(axis=1).tolist()
    reaches_gate = dict.fromkeys((c.state.fact for c in candidates), False)
    reaches_gate.update(zip(facts, gating, strict=True))

    def promise(c: _Candidate) -> tuple[float, bool, float, bool, float, str]:
        width = widths[c.state.fact]
        return (
            verdict_depths.get(c.state.fact, math.inf),
            not c.stirs,
            -round(c.shift, 9),
            not reaches_gate[c.state.fact],
            -round(width, 9),
            c.state.fact,
        )

    chosen = sorted(candidates, key=promise)[: max(pair_facts, 0)]
    named = _named([c.state.fact for c in chosen], tests_of)
    found: list[InformationItem] = []
    evaluated = skipped = 0
    exhaustive = True
    asked: list[tuple[_Candidate, _Candidate, list[tuple[_Region, _Region]]]] = []
    # every answer is one change of the batch: a fact's own answers numbered once, and
    # the pairs of two facts that do not move each other's answers read off those numbers
    index: dict[tuple[str, type, Value], int] = {}

    def numbered(fact: str, regions: Sequence[_Region]) -> list[int]:
        return [index.setdefault((fact, type(r.value), r.value), len(index)) for r in regions]

    own = {c.state.fact: numbered(c.state.fact, c.regions) for c in chosen}
    pairs: list[tuple[int, int]] = []
    for a, b in itertools.combinations(chosen, 2):
        answers, apart = _combinations(a, b, rule_base, tests_of, known, named)
        if evaluated + len(answers) > budget:
            answers = answers[: budget - evaluated]
            exhaustive = False
        evaluated += len(answers)
        asked.append((a, b, answers))
        if apart:
            both = [(i, j) for i in own[a.state.fact] for j in own[b.state.fact]]
        else:
            firsts = numbered(a.state.fact, [r for r, _ in answers])
            both = list(zip(firsts, numbered(b.state.fact, [r for _, r in answers]), strict=True))
        pairs += both[: len(answers)]
        if not exhaustive:
            break
    batch = Batch(
        tuple((fact, value) for fact, _, value in index),
        np.array(pairs, dtype=np.intp).reshape(len(pairs), 2),
    )
    measured = evaluator.outcomes((yield batch)) if pairs else None
    ends = np.cumsum([len(answers) for _, _, answers in asked], dtype=np.intp)
    changing = _counts(measured.changing if measured else [], ends)
    void = _counts(measured.void if measured else [], ends)
    start = 0
    for (a, b, answers), moves, voided in zip(asked, changing, void, strict=True):
        rows = range(start, start + len(answers))
        start += len(answers)
        if measured is None or not moves:
            skipped += voided
            continue  # nothing to report: the pair changes no recommendation
        tried = [(pair, measured.tried(row)) for pair, row in zip(answers, rows, strict=True)]
        pair_skipped = sum(1 for _, result in tried if result is None)
        skipped += pair_skipped
        outcomes = [
            _outcome(
                (region_a.answer(a.state.fact), region_b.answer(b.state.fact)),
                [result],
                evaluator.recommended,
            )
            for (region_a, region_b), result in tried
            if result is not None
        ]
        found.append(_item((a.state, b.state), outcomes, pair_skipped))
    search = PairSearch(
        facts=tuple(c.state.fact for c in chosen),
        evaluated=evaluated,
        budget=budget,
        exhaustive=exhaustive,
    )
    return found, search, skipped


def _counts(flags: Sequence[bool], ends: np.ndarray) -> list[int]:
    """How many flags are set in each run of rows, the runs ending at ``ends`` (one pass
    over the rows, not one Python loop per run)."""
    if not len(ends):
        return []
    running = np.zeros(int(ends[-1]) + 1, dtype=np.intp)
    if len(flags):
        np.cumsum(flags, out=running[1:])
    counts: list[int] = (running[ends] - running[np.concatenate(([0], ends[:-1]))]).tolist()
    return counts


def _combinations(
    a: _Candidate,
    b: _Candidate,
    rule_base: RuleBase,
    tests_of: Mapping[str, Sequence[Test]],
    known: Mapping[str, Value | None],
    named: Mapping[str, set[str]],
) -> tuple[list[tuple[_Region, _Region]], bool]:
    """Every pair of answers; a fact compared with the other has its answers worked out again
    for each answer of the other (its thresholds move with it). True with them when they
    are every answer of ``a`` with every answer of ``b``, in that order. ``named``: the facts
    each fact's tests name (``_named``)."""

    def depends(fact: _Candidate, on: _Candidate) -> bool:
        return fact.spec.type in ("number", "text") and on.state.fact in named[fact.state.fact]

    flipped = depends(a, b) and not depends(b, a)
    outer, inner = (b, a) if flipped else (a, b)
    moves = depends(inner, outer)
    if not moves and not flipped:
        return list(itertools.product(outer.regions, inner.regions)), True
    found = []
    for region in outer.regions:
        others = inner.regions
        if moves:
            given = {**known, outer.state.fact: region.value}
            tests = tests_of.get(inner.state.fact, [])
            others = _regions(inner.state.fact, inner.spec, rule_base, tests, given)
        for other in others:
            found.append((other, region) if flipped else (region, other))
    return found, False


def _named(facts: Sequence[str], tests_of: Mapping[str, Sequence[Test]]) -> dict[str, set[str]]:
    """The facts each fact's tests name, on either side: read once for every pair."""
    return {
        fact: {
            name
            for t in tests_of.get(fact, [])
            for name in (t.fact, t.operand.fact if isinstance(t.operand, FactRef) else None)
            if name is not None
        }
        for fact in facts
    }


# --------------------------------------------------------------------------- helpers


def _verdict_depths(appraisal: Appraisal) -> dict[str, int]:
    """The facts verdict rules read, directly (0) or through findings: how many rules lie
    between each and a verdict rule, at the fewest."""
    model = model_of(appraisal)
    rule_base = model.rule_base
    read = {f for v in rule_base.verdicts if v.when is not None for f in facts_read(v.when)}
    depths = {f: 0 for f in read if f in rule_base.facts}
    frontier = [f for f in read if f in rule_base.findings]
    seen = set(frontier)
    depth = 0
    while frontier:
        depth += 1
        following = []
        for finding in frontier:
            for rule in model.derivers.get(finding, ()):
                for source in model.reads.get(rule, ()):
                    if source in rule_base.facts:
                        depths.setdefault(source, depth)
                    elif source not in seen:
                        seen.add(source)
                        following.append(source)
        frontier = following
    return depths


def _leader(appraisal: Appraisal) -> str | None:
    """The option margins are measured from: the winner, or the first eligible on a tie."""
    first = winner(appraisal)
    if first is not None:
        return first
    return next((o.id for o in appraisal.options if not o.excluded), None)


def _margin(totals: Mapping[str, float], excluded: Mapping[str, bool], leader: str | None) -> float:
    """The leader's score minus the best other eligible option's (0 with no rival)."""
    if leader is None:
        return 0.0
    rivals = [t for o, t in totals.items() if o != leader and not excluded[o]]
    return totals[leader] - max(rivals, default=totals[leader])


def _words(verdict: str) -> str:
    return verdict.replace("_", " ")
