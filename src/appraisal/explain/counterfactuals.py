"""Evidence counterfactuals: the single changes worth trying, and the bounded search for the
smallest sets of changes that change the winner or a verdict.

Every change is re-appraised by the engine, as a row of a batch (``WhatIf``): the single
changes in one batch, then every set of a size that the bounds leave in another. The bounds
are those of the engine's cells (``engine.cell_bounds``) with the rules a change cannot reach
held as they fire.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..appraise import Appraisal
from ..engine import TIE_TOLERANCE, cell_bounds, comparisons, utility
from ..models import Comparison, FactRef, RuleBase, Value
from ._shared import (
    Standings,
    appraise_rows,
    changed_rows,
    evidence_columns,
    first_row,
    global_weights,
    model_of,
    winner,
)
from .records import (
    CounterfactualReport,
    CounterfactualSearch,
    EvidenceChange,
    EvidenceCounterfactual,
    VerdictChange,
)

__all__ = [
    "Effects",
    "Reach",
    "Result",
    "WhatIf",
    "candidate_changes",
    "evidence_counterfactuals",
    "tests_by_fact",
]

_SLACK = 1e-6
"""Added to the tie tolerance before a bound rules a set out: far above the rounding of sums of
score points, far below any lead that matters, so rounding can never wrongly skip a set."""

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


@dataclass(frozen=True)
class Result:
    """What a set of changes gives: the winner, every verdict, totals and exclusions."""

    winner: str | None
    verdicts: dict[str, str]
    totals: dict[str, float]
    excluded: dict[str, bool]


@dataclass(frozen=True)
class Reach:
    """The most one changed item could move the winner's lead, whatever its new value."""

    hits: bool
    """True when the item reaches a gate rule of the winner (or there is no single winner)."""
    gains: tuple[float, ...]
    """Per rival (in ``WhatIf.rivals`` order), the most it could close the lead by."""
    gates: tuple[bool, ...]
    """Per rival, whether the item reaches one of its gate rules."""


@dataclass(frozen=True, eq=False)
class Effects:
    """What each of a list of single changes does on its own, for the bound on sets of them.

    Arrays over the changes (first axis), the rules in the model's order, and the
    (option, leaf) cells.
    """

    valid: np.ndarray
    """Changes x: whether the change can be appraised at all."""
    reach: np.ndarray
    """Changes x rules: the rules downstream of the changed item."""
    fired: np.ndarray
    """Changes x rules: whether each rule fires under the change alone."""
    cells: np.ndarray
    """Changes x options x leaves: the cells a rule in ``reach`` moves."""
    deltas: np.ndarray
    """Changes x options x leaves: each cell's change of points under the change alone."""

    def __len__(self) -> int:
        return len(self.valid)


class WhatIf:
    """Evidence changes re-appraised against one appraisal, a batch of rows at a time."""

    def __init__(self, appraisal: Appraisal) -> None:
        model = model_of(appraisal)
        self.appraisal = appraisal
        self.model = model
        self.weights = global_weights(model, appraisal)
        self.evidence = evidence_columns(model, appraisal)
        self.options = model.options
        results = {o.id: o for o in appraisal.options}
        self.results = results
        self.winner = winner(appraisal)
        self.verdicts = {o.id: o.verdict for o in appraisal.options}
        self.rivals = [o for o in appraisal.options if o.id != self.winner]
        lead = results[self.winner].score if self.winner is not None else 0.0
        # what each rival must gain on the winner to draw level, in ``rivals`` order
        self.closes = [lead - rival.score - TIE_TOLERANCE for rival in self.rivals]
        self._base: Standings | None = None
        rules = len(model.order)
        self.cells_of_rule: list[list[tuple[int, int]]] = [[] for _ in range(rules)]
        self.rules_of_cell: dict[tuple[int, int], tuple[int, ...]] = {}
        for cell in sorted({*model.cell_sets, *model.cell_adjusts}):
            moving = [p for p, _ in model.cell_sets.get(cell, ())]
            moving += [p for p, _ in model.cell_adjusts.get(cell, ())]
            self.rules_of_cell[cell] = tuple(dict.fromkeys(moving))
            for position in self.rules_of_cell[cell]:
                self.cells_of_rule[position].append(cell)
        options, leaves = model.baselines.shape
        self.moves = np.zeros((rules, options, leaves), dtype=bool)
        for cell, movers in self.rules_of_cell.items():
            self.moves[list(movers), cell[0], cell[1]] = True
        self.gate_rules: dict[int, frozenset[int]] = {
            i: frozenset(
                p for p, gates in enumerate(model.rule_gates) if any(o == i for o, _ in gates)
            )
            for i in range(len(model.options))
        }
        self.all_gate_rules = frozenset().union(*self.gate_rules.values())
        self.gate_masks = np.zeros((options, rules), dtype=bool)
        for i, gating in self.gate_rules.items():
            self.gate_masks[i, list(gating)] = True
        self._downstream: dict[str, frozenset[int]] = {}
        self._cells_reached: dict[str, frozenset[tuple[int, int]]] = {}
        self.tests = tests_by_fact(model.rule_base)
        """Every comparison of the rules and verdict rules, under each fact it names."""

    # ------------------------------------------------------------------ evaluating

    def rows(self, changes: Sequence[Mapping[str, Value]], *, verdicts: bool = True) -> Standings:
        """The standings of a batch: one row per set of changes. Once the appraisal itself
        has been evaluated, only the rules downstream of the changed facts rerun."""
        columns = changed_rows(self.model, self.evidence, changes)
        if self._base is None:
            return appraise_rows(self.model, self.weights, columns, verdicts=verdicts)
        changed = {fact for change in changes for fact in change}
        base = first_row(self._base.outcome)
        return appraise_rows(
            self.model, self.weights, columns, verdicts=verdicts, base=base, changed=changed
        )

    def singles(self, changes: Sequence[Mapping[str, Value]]) -> Standings:
        """The standings of a batch of changes, after a first row without any: the
        appraisal itself, which the bounds start from."""
        standings = self.rows([{}, *changes])
        if self._base is None:
            self._base = standings
        return standings

    def appraise(
        self, changes: Sequence[Mapping[str, Value]], *, verdicts: bool = True
    ) -> list[Result | None]:
        """What each set of changes gives; None where the rules then contradict each other."""
        if not changes:
            return []
        return self.results_of(self.rows(changes, verdicts=verdicts))

    def results_of(self, standings: Standings) -> list[Result | None]:
        """Each row's result (None where void), options in the appraisal's order."""
        found: list[Result | None] = []
        verdicts = self.model.rule_base.verdicts
        order = [self.options.index(o) for o in self.results]
        winners = standings.winners.tolist()
        void = standings.void.tolist()
        scores = standings.score[:, order].tolist()
        excluded = standings.excluded[:, order].tolist()
        chosen = None if standings.verdicts is None else standings.verdicts[:, order].tolist()
        names = list(self.results)
        for row in range(len(void)):
            if void[row]:
                found.append(None)
                continue
            found.append(
                Result(
                    winner=self.options[winners[row]] if winners[row] >= 0 else None,
                    verdicts={}
                    if chosen is None
                    else {o: verdicts[v].verdict for o, v in zip(names, chosen[row], strict=True)},
                    totals=dict(zip(names, scores[row], strict=True)),
                    excluded=dict(zip(names, excluded[row], strict=True)),
                )
            )
        return found

    # ------------------------------------------------------------------ reach

    def downstream(self, fact_id: str) -> frozenset[int]:
        """The rules (positions) whose firing may change when this fact does."""
        if fact_id not in self._downstream:
            self._downstream[fact_id] = self.model.downstream_positions(fact_id)
        return self._downstream[fact_id]

    def cells_reached(self, fact_id: str) -> frozenset[tuple[int, int]]:
        """The cells that some rule downstream of this fact moves."""
        if fact_id not in self._cells_reached:
            self._cells_reached[fact_id] = frozenset(
                cell for p in self.downstream(fact_id) for cell in self.cells_of_rule[p]
            )
        return self._cells_reached[fact_id]

    def points_range(self, free: np.ndarray, fired: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row (of ``free`` and ``fired``, rules x rows): the lowest and highest points of
        every cell (rows x options x leaves) when the free rules may fire or not and every
        other rule fires as ``fired`` says."""
        low, high = cell_bounds(self.model, free, fired)
        leaf_weights = self.weights[list(self.model.tree.declared_leaves)]
        ends = (utility(self.model, low) * leaf_weights, utility(self.model, high) * leaf_weights)
        return np.minimum(*ends), np.maximum(*ends)

    def reach(self, facts: Sequence[str]) -> list[Reach]:
        """How far changing each fact could move things, whatever its new value.

        Whether it reaches a gate rule of the winner, and for each rival the most
        it could close the winner's lead by, and whether it could lift a gate
        failure the rival depends on. Summed over the items of a set this bounds
        the set's effect from above, since a cell's reachable range grows at most
        additively in the rules that may move.
        """
        if self.winner is None:
            return [Reach(True, (), ()) for _ in facts]
        rules = len(self.model.order)
        free = np.zeros((rules, len(facts)), dtype=bool)
        for row, fact_id in enumerate(facts):
            free[list(self.downstream(fact_id)), row] = True
        base_fired = self.base_fired[:, None].repeat(len(facts), axis=1)
        low, high = self.points_range(free, base_fired)
        first = self.options.index(self.winner)
        found = []
        for row, fact_id in enumerate(facts):
            changeable = self.downstream(fact_id)
            if self.gate_rules[first] & changeable:
                found.append(Reach(True, (), ()))
                continue
            reached = self.cells_reached(fact_id)
            gains = []
            for rival in self.rivals:
                i = self.options.index(rival.id)
                gain = 0.0
                for option, sign in ((i, 1.0), (first, -1.0)):
                    for k in range(len(self.model.leaf_ids)):
                        if (option, k) not in reached:
                            continue
                        current = self.base_points[option, k]
                        if sign > 0:
                            gain += float(high[row, option, k]) - current
                        else:
                            gain += current - float(low[row, option, k])
                gains.append(gain)
            gates = tuple(
                bool(self.gate_rules[self.options.index(r.id)] & changeable) for r in self.rivals
            )
            found.append(Reach(False, tuple(gains), gates))
        return found

    @property
    def base_standings(self) -> Standings:
        """The appraisal itself as the engine evaluates it (a batch of one, first row)."""
        if self._base is None:
            self._base = self.rows([{}])
        return self._base

    @property
    def base_fired(self) -> np.ndarray:
        """Whether each rule (in the model's order) fires in the appraisal."""
        return np.asarray(self.base_standings.outcome.fired[:, 0])

    @property
    def base_points(self) -> np.ndarray:
        """Options x leaves: each cell's points in the appraisal."""
        return np.asarray(self.base_standings.points[0])

    def may_flip(self, reaches: Sequence[Reach]) -> bool:
        """False only when no set of changes with these reaches can move the winner."""
        if self.winner is None or any(r.hits for r in reaches):
            return True
        for n, rival in enumerate(self.rivals):
            if rival.excluded and not any(r.gates[n] for r in reaches):
                continue
            if sum(r.gains[n] for r in reaches) >= self.closes[n]:
                return True
        return False

    # ------------------------------------------------------------------ sets of changes

    def effects(
        self, changes: Sequence[EvidenceChange], standings: Standings, rows: Sequence[int]
    ) -> Effects:
        """What each single change does on its own, from its row of ``standings``."""
        rows = list(rows)
        reach = np.zeros((len(changes), len(self.model.order)), dtype=bool)
        for k, change in enumerate(changes):
            reach[k, list(self.downstream(change.evidence))] = True
        fired = standings.outcome.fired[:, rows].T
        flat = self.moves.reshape(len(self.model.order), -1).astype(np.int64)
        cells = (reach.astype(np.int64) @ flat > 0).reshape(-1, *self.moves.shape[1:])
        changed = reach & (fired != self.base_fired)
        moved = (changed.astype(np.int64) @ flat > 0).reshape(cells.shape)
        deltas = np.where(moved & cells, standings.points[rows] - self.base_points, 0.0)
        return Effects(~standings.void[rows], reach, fired, cells, deltas)

    def single_effects(self, changes: Sequence[EvidenceChange]) -> Effects:
        """What each single change does on its own (one batch)."""
        standings = self.singles([{c.evidence: c.to} for c in changes])
        return self.effects(changes, standings, range(1, len(changes) + 1))

    def may_flip_together(self, effects: Effects, changes: Sequence[int]) -> bool:
        """False only when the changes (indices into ``effects``) together certainly keep
        the winner first.

        A rule downstream of one change only fires as under that change alone
        (every input it has is otherwise unchanged), so a cell moved only by
        such rules changes exactly as under that change. Only a rule downstream
        of two or more changes may fire either way; a cell it moves is bounded
        by its lowest and highest points over those rules, the others fixed.
        """
        return bool(self.may_flip_all(effects, np.array([changes], dtype=np.intp))[0])

    def may_flip_all(self, effects: Effects, sets: np.ndarray) -> np.ndarray:
        """``may_flip_together`` for every row of ``sets`` (sets x changes, indices), at once."""
        count = len(sets)
        if self.winner is None or not count:
            return np.ones(count, dtype=bool)
        first = self.options.index(self.winner)
        reach = effects.reach[sets]  # sets x members x rules
        owners = reach.sum(axis=1)
        free = owners > 1
        alone = (reach & effects.fired[sets]).any(axis=1)
        now = np.where(owners == 0, self.base_fired, alone) & ~free  # fires, for certain
        touched = owners > 0
        answer = ~effects.valid[sets].all(axis=1)
        winner_gates = self.gate_masks[first]
        answer |= (touched & winner_gates).any(axis=1) & ((now | free) & winner_gates).any(axis=1)
        low = effects.deltas[sets].sum(axis=(1, 3))  # sets x options
        high = low.copy()
        shared = effects.cells[sets].sum(axis=1) > 1
        some = np.flatnonzero(shared.any(axis=(1, 2)))
        if len(some):
            bottom, top = self.points_range(free[some].T, now[some].T)
            counted = self.base_points + effects.deltas[sets[some]].sum(axis=1)
            inside = shared[some]
            low[some] += np.where(inside, bottom - counted, 0.0).sum(axis=2)
            high[some] += np.where(inside, top - counted, 0.0).sum(axis=2)
        floor = self.results[self.winner].score + low[:, first] - TIE_TOLERANCE - _SLACK
        for k, option in enumerate(self.options):
            if k == first:
                continue
            rival = self.results[option]
            mask = self.gate_masks[k]
            open_ = np.ones(count, dtype=bool)
            if rival.excluded:
                open_ = (touched & mask).any(axis=1) & ~(now & mask).any(axis=1)
            answer |= open_ & (rival.score + high[:, k] >= floor)
        return np.asarray(answer)


# --------------------------------------------------------------------------- candidates


def _crossing(value: float, threshold: float, holds: Callable[[float], bool]) -> float | None:
    """The value nearest ``value`` across ``threshold`` that changes the test ``holds``."""
    whole = float(value).is_integer() and float(threshold).is_integer()
    step = 1.0 if whole else 1e-3 * max(1.0, abs(threshold))
    now = holds(value)
    options = [v for v in (threshold, threshold - step, threshold + step) if holds(v) != now]
    return min(options, key=lambda v: abs(v - value)) if options else None


def _holds(
    compare: Callable[[float, float], bool], left: float | None, right: float
) -> Callable[[float], bool]:
    """The test as a function of the changed value ``x``: ``x op right`` when ``left`` is
    None, else ``left op x * right`` (the value is the other side, with its factor)."""
    if left is None:
        return lambda x: compare(x, right)
    return lambda x: compare(left, x * right)


def tests_by_fact(rule_base: RuleBase) -> dict[str, list[Comparison]]:
    """Every comparison of the rules and verdict rules, under each fact or finding it names
    (on either side), so candidate values can be read off the thresholds."""
    tests: list[Comparison] = [c for r in rule_base.rules.values() for c in comparisons(r.when)]
    tests += [c for v in rule_base.verdicts if v.when is not None for c in comparisons(v.when)]
    tests_of: dict[str, list[Comparison]] = {}
    for test in tests:
        named = [test.fact, test.operand.fact if isinstance(test.operand, FactRef) else None]
        for fact_id in dict.fromkeys(f for f in named if f is not None):
            tests_of.setdefault(fact_id, []).append(test)
    return tests_of


def candidate_changes(
    appraisal: Appraisal, tests: Mapping[str, Sequence[Comparison]] | None = None
) -> list[EvidenceChange]:
    """Every single change the search considers, for each known evidence item a rule reads.

    A boolean is flipped; a level moves one step up or down its scale; a number
    moves to the nearest value across each threshold a rule or verdict tests
    (a constant, or another fact's value times its factor); a text value takes
    each constant it is compared with.
    """
    model = model_of(appraisal)
    rule_base = model.rule_base
    evidence = appraisal.evidence
    tests_of = tests_by_fact(rule_base) if tests is None else tests
    found: list[EvidenceChange] = []
    for fact_id, spec in rule_base.facts.items():
        value = evidence.get(fact_id)
        if value is None or not model.readers.get(fact_id):
            continue
        options: list[Value] = []
        if spec.type == "boolean":
            options = [not value]
        elif spec.type == "level":
            levels = rule_base.scales[str(spec.scale)]
            at = levels.index(str(value))
            options = [levels[i] for i in (at - 1, at + 1) if 0 <= i < len(levels)]
        elif spec.type == "text":
            options = sorted(
                {
                    str(c.operand)
                    for c in tests_of.get(fact_id, [])
                    if c.fact == fact_id and not isinstance(c.operand, FactRef)
                }
                - {value}
            )
        else:
            options = _number_options(fact_id, float(value), tests_of.get(fact_id, []), evidence)
        found += [EvidenceChange(evidence=fact_id, from_=value, to=o) for o in options]
    return found


def _number_options(
    fact_id: str, value: float, tests: Sequence[Comparison], evidence: Mapping[str, Value | None]
) -> list[Value]:
    """The values across each threshold of ``tests`` (those that name the fact), nearest first."""
    options: set[float] = set()
    for test in tests:
        compare, operand = _COMPARE[test.operator], test.operand
        if test.fact == fact_id:
            if isinstance(operand, FactRef):
                other = evidence.get(operand.fact)
                if not isinstance(other, float):
                    continue
                threshold = other * operand.times
            elif isinstance(operand, float):
                threshold = operand
            else:
                continue
            crossed = _crossing(value, threshold, _holds(compare, None, threshold))
        elif isinstance(operand, FactRef) and operand.fact == fact_id and operand.times != 0:
            left = evidence.get(str(test.fact))
            if not isinstance(left, float):
                continue
            times = operand.times
            crossed = _crossing(value, left / times, _holds(compare, left, times))
        else:
            continue
        if crossed is not None:
            options.add(crossed)

    def nearest_first(candidate: float) -> tuple[float, float]:
        return abs(candidate - value), candidate

    ordered: list[float] = sorted(options, key=nearest_first)
    return list[Value](ordered)


# --------------------------------------------------------------------------- the search


def evidence_counterfactuals(
    appraisal: Appraisal, *, max_size: int = 3, budget: int = 20_000
) -> CounterfactualReport:
    """The evidence changes that change the winner or an option's verdict.

    Every single candidate change is tried. When none changes the winner, sets
    of 2, then 3 (up to ``max_size``) changes to distinct items are tried
    breadth first, most promising singles first, skipping any set that a
    bound proves cannot close the winner's lead (the most each criterion cell
    downstream of the changed items could move), until the smallest size with
    a flip is done or ``budget`` evaluations are spent. Each stage (the singles,
    then the sets of each size) is one batch through the engine.
    """
    return search_counterfactuals(WhatIf(appraisal), max_size=max_size, budget=budget)


def search_counterfactuals(
    what_if: WhatIf, *, max_size: int = 3, budget: int = 20_000
) -> CounterfactualReport:
    """``evidence_counterfactuals`` with a ``WhatIf`` already made."""
    candidates = candidate_changes(what_if.appraisal, what_if.tests)
    standings = what_if.singles([{c.evidence: c.to} for c in candidates])
    outcomes = what_if.results_of(standings)[1:]
    evaluated = 0
    singles: list[EvidenceCounterfactual] = []
    helpful: list[tuple[float, int]] = []
    for index, (change, outcome) in enumerate(zip(candidates, outcomes, strict=True)):
        evaluated += 1
        if outcome is None:
            continue
        found = _counterfactual(what_if, (change,), outcome)
        if found.changes_winner or found.verdict_changes:
            singles.append(found)
        helpful.append((_lead(what_if, outcome), index))
    smallest: list[EvidenceCounterfactual] = []
    exhaustive = True
    size_found: int | None = 1 if any(s.changes_winner for s in singles) else None
    if size_found is None and what_if.winner is not None and max_size > 1:
        order = [i for _, i in sorted(helpful)]
        ordered = [candidates[i] for i in order]
        facts = [c.evidence for c in ordered]
        distinct = list(dict.fromkeys(facts))
        reach_of = dict(zip(distinct, what_if.reach(distinct), strict=True))
        reaches = [reach_of[f] for f in facts]
        effects = what_if.effects(ordered, standings, [i + 1 for i in order])
        for size in range(2, max_size + 1):
            combos = _promising(what_if, facts, reaches, size)
            room = max(budget - evaluated, 0)
            if len(combos) > room:
                combos = combos[:room]
                exhaustive = False
            evaluated += len(combos)
            kept = what_if.may_flip_all(effects, combos)
            tried = combos[kept].tolist()
            changes = [tuple(ordered[i] for i in combo) for combo in tried]
            results = what_if.appraise([{c.evidence: c.to for c in s} for s in changes])
            for found_set, outcome in zip(changes, results, strict=True):
                if outcome is not None and outcome.winner != what_if.winner:
                    smallest.append(_counterfactual(what_if, found_set, outcome))
            if smallest or not exhaustive:
                break
        size_found = len(smallest[0].changes) if smallest else None
    search = CounterfactualSearch(
        candidates=len(candidates),
        max_size=max_size,
        evaluated=evaluated,
        budget=budget,
        exhaustive=exhaustive,
        smallest_flip=size_found,
    )
    singles.sort(key=lambda s: (not s.changes_winner, -len(s.verdict_changes)))
    return CounterfactualReport(singles=tuple(singles), smallest=tuple(smallest), search=search)


def _promising(
    what_if: WhatIf, facts: Sequence[str], reaches: Sequence[Reach], size: int
) -> np.ndarray:
    """The sets of ``size`` changes to distinct items, in order, that the reach bound keeps
    (sets x changes, indices)."""
    count = len(facts)
    if count < size:
        return np.zeros((0, size), dtype=np.intp)
    combos = np.array(list(itertools.combinations(range(count), size)), dtype=np.intp)
    codes = np.unique(np.array(facts), return_inverse=True)[1]
    picked = codes[combos]
    distinct = np.ones(len(combos), dtype=bool)
    for a, b in itertools.combinations(range(size), 2):
        distinct &= picked[:, a] != picked[:, b]
    hits = np.array([r.hits for r in reaches], dtype=bool)
    keep = hits[combos].any(axis=1)
    if what_if.rivals and not hits.all():
        gains = np.array([r.gains or (0.0,) * len(what_if.rivals) for r in reaches])
        gates = np.array([r.gates or (True,) * len(what_if.rivals) for r in reaches], dtype=bool)
        total = gains[combos[:, 0]]
        for k in range(1, size):
            total = total + gains[combos[:, k]]
        lifted = gates[combos].any(axis=1)
        excluded = np.array([r.excluded for r in what_if.rivals], dtype=bool)
        closes = np.array(what_if.closes)
        keep |= ((~excluded | lifted) & (total >= closes)).any(axis=1)
    return combos[distinct & keep]


def _lead(what_if: WhatIf, outcome: Result) -> float:
    """How far ahead the winner stays under a change (lower is more promising)."""
    if what_if.winner is None:
        return math.inf
    lead = outcome.totals[what_if.winner]
    rivals = [
        t for o, t in outcome.totals.items() if o != what_if.winner and not outcome.excluded[o]
    ]
    return lead - max(rivals, default=lead)


def _counterfactual(
    what_if: WhatIf, changes: Sequence[EvidenceChange], outcome: Result
) -> EvidenceCounterfactual:
    new_winner, verdicts = outcome.winner, outcome.verdicts
    return EvidenceCounterfactual(
        changes=tuple(changes),
        new_winner=new_winner,
        changes_winner=new_winner != what_if.winner,
        verdict_changes=tuple(
            VerdictChange(option=o, from_=what_if.verdicts[o], to=v)
            for o, v in verdicts.items()
            if v != what_if.verdicts[o]
        ),
    )
