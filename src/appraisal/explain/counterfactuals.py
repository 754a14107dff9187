"""Evidence counterfactuals: the single changes worth trying, an incremental what-if evaluator
that reruns only the rules downstream of a change, and the bounded search for the smallest sets
of changes that change the winner or a verdict.

Kept together because the search and its pruning bound both lean on the evaluator's internals.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..appraise import Appraisal, option_metrics, verdict_rule
from ..errors import ScoringError
from ..models import Comparison, DeriveEffect, FactRef, FailGateEffect, RuleBase, Value
from ..rules import compare, comparisons, evaluate_condition, facts_read
from ..scoring import TIE_TOLERANCE, competition_ranks
from ._shared import _Cell, _cells, _derivations, compiled_for, winner
from .records import (
    CounterfactualReport,
    CounterfactualSearch,
    EvidenceChange,
    EvidenceCounterfactual,
    VerdictChange,
)


@dataclass(frozen=True)
class _Outcome:
    winner: str | None
    verdicts: dict[str, str]
    totals: dict[str, float]
    excluded: dict[str, bool]


class _Reach(NamedTuple):
    """The most one changed item could move the winner's lead, whatever its new value."""

    hits: bool
    """True when the item reaches a gate rule of the winner (or there is no single winner)."""
    gains: tuple[float, ...]
    """Per rival (in ``_WhatIf.rivals`` order), the most it could close the lead by."""
    gates: tuple[bool, ...]
    """Per rival, whether the item reaches one of its gate rules."""


@dataclass(frozen=True, eq=False)
class _Effect:
    """What one change does on its own, for the bound on sets that contain it."""

    reach: frozenset[str]
    """The rules downstream of the changed item."""
    fired: Mapping[str, bool]
    """Whether each of those rules fires under this change alone."""
    cells: frozenset[tuple[str, str]]
    """The criterion cells that any rule in ``reach`` moves."""
    deltas: Mapping[tuple[str, str], float]
    """Each of those cells' change of points under this change alone."""
    by_option: tuple[float, ...]
    """The same changes summed per option, in the order of ``_WhatIf.option_ids``."""
    gates: frozenset[str]
    """The gate rules, of any option, in ``reach``."""


_SLACK = 1e-6
"""Added to the tie tolerance before a bound rules a set out: far above the rounding of sums of
score points, far below any lead that matters, so rounding can never wrongly skip a set."""


class _WhatIf:
    """Re-appraise evidence changes incrementally: only rules downstream of a change rerun."""

    def __init__(self, appraisal: Appraisal) -> None:
        compiled = compiled_for(appraisal)
        self.appraisal = appraisal
        self.compiled = compiled
        self.rule_base = compiled.rule_base
        self.position = {r: i for i, r in enumerate(compiled.order)}
        self.base_facts: dict[str, Value | None] = {**appraisal.evidence, **appraisal.findings}
        self.base_fired = {f.rule for f in appraisal.firings if f.status == "fired"}
        self.derivations = _derivations(self.rule_base)
        self.cells = _cells(appraisal)
        self.cells_of_rule: dict[str, list[tuple[str, str]]] = {}
        for key, cell in self.cells.items():
            for rule_id in cell.rules:
                self.cells_of_rule.setdefault(rule_id, []).append(key)
        self.gate_rules: dict[str, set[str]] = {o: set() for o in self.rule_base.options}
        for rule_id, rule in self.rule_base.rules.items():
            for effect in rule.then:
                if isinstance(effect, FailGateEffect):
                    self.gate_rules[effect.option].add(rule_id)
        self.all_gate_rules = frozenset().union(*self.gate_rules.values())
        self.results = {o.id: o for o in appraisal.options}
        self.option_ids = tuple(self.results)
        leaves = compiled.leaves
        self.horizon = {c: spec.horizon for c, spec in leaves.items()}
        self.horizon_weight = {
            h: sum(appraisal.weights[c] for c, spec in leaves.items() if spec.horizon == h)
            for h in ("short", "long")
        }
        self.base_points = {(o, c): self.results[o].contributions[c] for (o, c) in self.cells}
        self.reads_findings = {
            r: tuple(f for f in facts_read(rule.when) if f in self.rule_base.findings)
            for r, rule in self.rule_base.rules.items()
        }
        self._downstream: dict[str, frozenset[str]] = {}
        self._cells_reached: dict[str, frozenset[tuple[str, str]]] = {}
        self._shared_cells: dict[tuple[str, str], frozenset[tuple[str, str]]] = {}
        self._singles: dict[frozenset[tuple[str, type, Value]], _Propagated | None] = {}
        self._latest: tuple[frozenset[tuple[str, type, Value]], _Propagated | None] | None = None
        self._reach: dict[str, _Reach] = {}
        self._shared_range: dict[tuple[tuple[str, str], tuple[_Effect, ...]], tuple[float, float]]
        self._shared_range = {}
        self.winner = winner(appraisal)
        self.verdicts = {o.id: o.verdict for o in appraisal.options}
        self.rivals = [o for o in appraisal.options if o.id != self.winner]
        lead = self.results[self.winner].score if self.winner is not None else 0.0
        # what each rival must gain on the winner to draw level, in ``rivals`` order
        self.closes = [lead - rival.score - TIE_TOLERANCE for rival in self.rivals]

    def downstream(self, fact_id: str) -> frozenset[str]:
        """The rules whose firing may change when this fact does."""
        if fact_id not in self._downstream:
            self._downstream[fact_id] = frozenset(self.compiled.downstream_rules(fact_id))
        return self._downstream[fact_id]

    def cells_reached(self, fact_id: str) -> frozenset[tuple[str, str]]:
        """The criterion cells that some rule downstream of this fact moves."""
        if fact_id not in self._cells_reached:
            self._cells_reached[fact_id] = frozenset(
                key for r in self.downstream(fact_id) for key in self.cells_of_rule.get(r, ())
            )
        return self._cells_reached[fact_id]

    def shared_cells(self, a: str, b: str) -> frozenset[tuple[str, str]]:
        """The cells that rules downstream of both facts move (where two changes interact)."""
        key = (a, b) if a < b else (b, a)
        if key not in self._shared_cells:
            self._shared_cells[key] = self.cells_reached(a) & self.cells_reached(b)
        return self._shared_cells[key]

    def evaluate(self, changes: Mapping[str, Value], *, verdicts: bool = True) -> _Outcome | None:
        """The winner and every verdict under the changes; None if the rules then contradict."""
        propagated = self._propagate_once(changes)
        if propagated is None:
            return None
        affected, fired_now, facts = propagated

        def fired(rule_id: str) -> bool:
            return fired_now[rule_id] if rule_id in fired_now else rule_id in self.base_fired

        changed = [r for r in affected if fired_now[r] != (r in self.base_fired)]
        totals = {o: r.score for o, r in self.results.items()}
        by_horizon = {
            (o, h): getattr(r, f"{h}_term_score") * self.horizon_weight[h]
            for o, r in self.results.items()
            for h in ("short", "long")
        }
        excluded = {o: r.excluded for o, r in self.results.items()}
        cells = {key for r in changed for key in self.cells_of_rule.get(r, ())}
        for key in cells:
            cell = self.cells[key]
            try:
                points = cell.points(r for r in cell.rules if fired(r))
            except ScoringError:
                return None
            delta = points - self.base_points[key]
            totals[cell.option] += delta
            by_horizon[(cell.option, self.horizon[cell.criterion] or "short")] += delta
        for option_id, rules in self.gate_rules.items():
            if rules & set(changed):
                excluded[option_id] = any(fired(r) for r in rules)
        if not verdicts:
            eligible = {o: t for o, t in totals.items() if not excluded[o]}
            first = [o for o, rank in competition_ranks(eligible).items() if rank == 1]
            return _Outcome(first[0] if len(first) == 1 else None, {}, totals, excluded)
        return self._standing(totals, by_horizon, excluded, facts)

    def _propagate_once(self, changes: Mapping[str, Value]) -> _Propagated | None:
        """``_propagate``, remembered for single changes (each is evaluated, ranked and bounded)
        and for the latest set (a set that moves first place is evaluated again with verdicts)."""
        key = frozenset((f, type(v), v) for f, v in changes.items())
        if key in self._singles:
            return self._singles[key]
        if self._latest is not None and self._latest[0] == key:
            return self._latest[1]
        propagated = self._propagate(changes)
        if len(changes) == 1:
            self._singles[key] = propagated
        else:
            self._latest = (key, propagated)
        return propagated

    def effect(self, fact_id: str, value: Value) -> _Effect | None:
        """What changing one fact does on its own; None when that cannot be appraised."""
        propagated = self._propagate_once({fact_id: value})
        if propagated is None:
            return None
        _, fired_now, _ = propagated
        reach = self.downstream(fact_id)
        cells = self.cells_reached(fact_id)
        deltas: dict[tuple[str, str], float] = {}
        by_option = dict.fromkeys(self.option_ids, 0.0)
        for key in cells:
            cell = self.cells[key]
            if all(fired_now[r] == (r in self.base_fired) for r in cell.rules if r in reach):
                delta = 0.0
            else:
                try:
                    points = cell.points(
                        r for r in cell.rules if fired_now.get(r, r in self.base_fired)
                    )
                except ScoringError:
                    return None
                delta = points - self.base_points[key]
            deltas[key] = delta
            by_option[cell.option] += delta
        gates = reach & self.all_gate_rules
        return _Effect(reach, fired_now, cells, deltas, tuple(by_option.values()), gates)

    def may_flip_together(self, effects: Sequence[_Effect | None], facts: Sequence[str]) -> bool:
        """False only when the changes together certainly keep the winner first.

        A rule downstream of one change only fires as under that change alone
        (every input it has is otherwise unchanged), so a cell moved only by
        such rules changes exactly as under that change. Only a rule downstream
        of two or more changes may fire either way; a cell it moves is bounded
        by its lowest and highest points over those rules, the others fixed.
        """
        if self.winner is None or any(e is None for e in effects):
            return True
        known = [e for e in effects if e is not None]
        gates = frozenset().union(*(e.gates for e in known))

        def state(rule_id: str) -> bool | None:
            """The rule's firing under the whole set; None when it may go either way."""
            owners = [e for e in known if rule_id in e.reach]
            if not owners:
                return rule_id in self.base_fired
            return owners[0].fired[rule_id] if len(owners) == 1 else None

        if gates & self.gate_rules[self.winner]:
            if any(state(r) is not False for r in self.gate_rules[self.winner]):
                return True
        moves = [sum(parts) for parts in zip(*(e.by_option for e in known), strict=True)]
        low = dict(zip(self.option_ids, moves, strict=True))
        high = dict(low)
        shared = frozenset().union(
            *(self.shared_cells(a, b) for a, b in itertools.combinations(facts, 2))
        )
        for key in shared:
            owners = tuple(e for e in known if key in e.cells)
            if (key, owners) not in self._shared_range:
                cell = self.cells[key]
                states = {r: state(r) for r in cell.rules}
                free = frozenset(r for r, now in states.items() if now is None)
                fired = {r for r, now in states.items() if now}
                bottom, top = _points_range(cell, free, fired.__contains__)
                counted = self.base_points[key] + sum(e.deltas[key] for e in owners)
                self._shared_range[(key, owners)] = (bottom - counted, top - counted)
            down, up = self._shared_range[(key, owners)]
            low[key[0]] += down
            high[key[0]] += up
        floor = self.results[self.winner].score + low[self.winner] - TIE_TOLERANCE - _SLACK
        for rival in self.results.values():
            if rival.id == self.winner:
                continue
            if rival.excluded and (
                not gates & self.gate_rules[rival.id]
                or any(state(r) is True for r in self.gate_rules[rival.id])
            ):
                continue
            if rival.score + high[rival.id] >= floor:
                return True
        return False

    def _propagate(self, changes: Mapping[str, Value]) -> _Propagated | None:
        """Rerun the rules downstream of the changes, in order; None if they contradict."""
        affected = sorted(
            set().union(*(self.downstream(f) for f in changes)), key=self.position.__getitem__
        )
        overlay: dict[str, Value | None] = dict(changes)
        facts = _Overlay(overlay, self.base_facts)
        fired_now: dict[str, bool] = {}
        touched: set[str] = set()

        def settle(finding: str) -> bool:
            values = {
                v
                for r, v in self.derivations.get(finding, ())
                if (fired_now[r] if r in fired_now else r in self.base_fired)
            }
            if len(values) > 1:
                return False
            overlay[finding] = next(iter(values)) if values else None
            return True

        for rule_id in affected:
            for finding in self.reads_findings[rule_id]:
                if finding in touched and not settle(finding):
                    return None
            rule = self.rule_base.rules[rule_id]
            fired_now[rule_id] = evaluate_condition(rule.when, facts, self.compiled.scales) is True
            touched.update(e.derive for e in rule.then if isinstance(e, DeriveEffect))
        if not all(settle(finding) for finding in touched):
            return None
        return affected, fired_now, facts

    def _standing(
        self,
        totals: dict[str, float],
        by_horizon: dict[tuple[str, str], float],
        excluded: dict[str, bool],
        facts: Mapping[str, Value | None],
    ) -> _Outcome:
        eligible = [o for o in totals if not excluded[o]]
        horizon = {
            h: {
                o: by_horizon[(o, h)] / self.horizon_weight[h]
                if self.horizon_weight[h] > 0
                else 0.0
                for o in totals
            }
            for h in ("short", "long")
        }
        ranks = competition_ranks({o: totals[o] for o in eligible})
        short = competition_ranks({o: horizon["short"][o] for o in eligible})
        long = competition_ranks({o: horizon["long"][o] for o in eligible})
        verdicts = {}
        for option_id in totals:
            metrics = option_metrics(
                rank=ranks.get(option_id),
                short_term_rank=short.get(option_id),
                long_term_rank=long.get(option_id),
                score=totals[option_id],
                short_term_score=horizon["short"][option_id],
                long_term_score=horizon["long"][option_id],
                excluded=excluded[option_id],
            )
            index = verdict_rule(self.compiled, facts, metrics)
            verdicts[option_id] = self.rule_base.verdicts[index].verdict
        first = [o for o, rank in ranks.items() if rank == 1]
        return _Outcome(first[0] if len(first) == 1 else None, verdicts, totals, excluded)

    def reach(self, fact_id: str) -> _Reach:
        """How far changing one fact could possibly move things, whatever the new value.

        Whether it reaches a gate rule of the winner, and for each rival the most
        it could close the winner's lead by, and whether it could lift a gate
        failure the rival depends on. Summed over the items of a set this bounds
        the set's effect from above, since a cell's reachable range grows at most
        additively in the rules that may move.
        """
        if fact_id in self._reach:
            return self._reach[fact_id]
        changeable = self.downstream(fact_id)
        if self.winner is None or self.gate_rules[self.winner] & changeable:
            found = _Reach(True, (), ())
        else:
            gains: list[float] = []
            for rival in self.rivals:
                gain = 0.0
                for option_id, sign in ((rival.id, 1.0), (self.winner, -1.0)):
                    for criterion_id in self.compiled.leaves:
                        cell = self.cells[(option_id, criterion_id)]
                        if not changeable.intersection(cell.rules):
                            continue
                        low, high = self._cell_range(cell, changeable)
                        current = self.base_points[(option_id, criterion_id)]
                        gain += (high - current) if sign > 0 else (current - low)
                gains.append(gain)
            gates = tuple(bool(self.gate_rules[r.id] & changeable) for r in self.rivals)
            found = _Reach(False, tuple(gains), gates)
        self._reach[fact_id] = found
        return found

    def may_flip(self, reaches: Sequence[_Reach]) -> bool:
        """False only when no set of changes with these reaches can move the winner."""
        if self.winner is None or any(r.hits for r in reaches):
            return True
        for n, rival in enumerate(self.rivals):
            if rival.excluded and not any(r.gates[n] for r in reaches):
                continue
            if sum(r.gains[n] for r in reaches) >= self.closes[n]:
                return True
        return False

    def _cell_range(self, cell: _Cell, changeable: frozenset[str]) -> tuple[float, float]:
        """The lowest and highest points a cell can reach when only ``changeable`` rules move."""
        return _points_range(cell, changeable, self.base_fired.__contains__)


def _points_range(
    cell: _Cell, free: frozenset[str], fired: Callable[[str], bool]
) -> tuple[float, float]:
    """The lowest and highest points of a cell when the ``free`` rules may fire or not and every
    other rule fires as ``fired`` says (a firing pattern that cannot be scored is no outcome)."""
    fixed_sets = [to for r, to in cell.sets if r not in free and fired(r)]
    starts = fixed_sets[:1] or [cell.baseline, *(to for r, to in cell.sets if r in free)]
    fixed = sum(by for r, by in cell.adjusts if r not in free and fired(r))
    moving = [by for r, by in cell.adjusts if r in free]
    low = min(starts) + fixed + sum(b for b in moving if b < 0)
    high = max(starts) + fixed + sum(b for b in moving if b > 0)
    ends = [min(100.0, max(0.0, v)) for v in (low, high)]
    utilities = ends if cell.sign > 0 else [100.0 - v for v in ends]
    return cell.weight * min(utilities), cell.weight * max(utilities)


class _Overlay(Mapping[str, "Value | None"]):
    """Changed values over the appraisal's own, without copying them."""

    def __init__(self, top: dict[str, Value | None], base: Mapping[str, Value | None]) -> None:
        self.top, self.base = top, base

    def __getitem__(self, key: str) -> Value | None:
        return self.top[key] if key in self.top else self.base[key]

    def get(self, key: str, default: object = None) -> Value | None:
        if key in self.top:
            return self.top[key]
        return self.base.get(key)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter({**self.base, **self.top})

    def __len__(self) -> int:
        return len({**self.base, **self.top})


_Propagated = tuple[list[str], dict[str, bool], _Overlay]
"""The rules rerun (in order), whether each now fires, and the facts and findings after."""


def _crossing(value: float, threshold: float, holds: object) -> float | None:
    """The value nearest ``value`` across ``threshold`` that changes the test ``holds``."""
    assert callable(holds)
    whole = float(value).is_integer() and float(threshold).is_integer()
    step = 1.0 if whole else 1e-3 * max(1.0, abs(threshold))
    now = holds(value)
    options = [v for v in (threshold, threshold - step, threshold + step) if holds(v) != now]
    return min(options, key=lambda v: abs(v - value)) if options else None


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


def candidate_changes(appraisal: Appraisal) -> list[EvidenceChange]:
    """Every single change the search considers, for each known evidence item a rule reads.

    A boolean is flipped; a level moves one step up or down its scale; a number
    moves to the nearest value across each threshold a rule or verdict tests
    (a constant, or another fact's value times its factor); a text value takes
    each constant it is compared with.
    """
    rule_base = appraisal.rule_base_model
    readers = compiled_for(appraisal).readers
    evidence = appraisal.evidence
    tests_of = tests_by_fact(rule_base)
    found: list[EvidenceChange] = []
    for fact_id, spec in rule_base.facts.items():
        value = evidence.get(fact_id)
        if value is None or not readers.get(fact_id):
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
        op, operand = test.operator, test.operand
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
            crossed = _crossing(
                value, threshold, lambda x, op=op, t=threshold: compare(op, x, t, None)
            )
        elif isinstance(operand, FactRef) and operand.fact == fact_id and operand.times != 0:
            left = evidence.get(str(test.fact))
            if not isinstance(left, float):
                continue
            times = operand.times
            crossed = _crossing(
                value, left / times, lambda x, op=op, s=left, k=times: compare(op, s, x * k, None)
            )
        else:
            continue
        if crossed is not None:
            options.add(crossed)

    def nearest_first(candidate: float) -> tuple[float, float]:
        return abs(candidate - value), candidate

    ordered: list[float] = sorted(options, key=nearest_first)
    return list[Value](ordered)


def evidence_counterfactuals(
    appraisal: Appraisal, *, max_size: int = 3, budget: int = 20_000
) -> CounterfactualReport:
    """The evidence changes that change the winner or an option's verdict.

    Every single candidate change is tried. When none changes the winner, sets
    of 2, then 3 (up to ``max_size``) changes to distinct items are tried
    breadth first, most promising singles first, skipping any set that a
    bound proves cannot close the winner's lead (the most each criterion cell
    downstream of the changed items could move), until the smallest size with
    a flip is done or ``budget`` evaluations are spent.
    """
    what_if = _WhatIf(appraisal)
    candidates = candidate_changes(appraisal)
    evaluated = 0
    singles: list[EvidenceCounterfactual] = []
    helpful: list[tuple[float, int]] = []
    for index, change in enumerate(candidates):
        evaluated += 1
        outcome = what_if.evaluate({change.evidence: change.to})
        if outcome is None:
            continue
        found = _counterfactual(what_if, (change,), outcome)
        if found.changes_winner or found.verdict_changes:
            singles.append(found)
        helpful.append((_lead(what_if, outcome), index))
    smallest: list[EvidenceCounterfactual] = []
    exhaustive = True
    size_found: int | None = 1 if any(s.changes_winner for s in singles) else None
    if size_found is None and what_if.winner is not None:
        ordered = [candidates[i] for _, i in sorted(helpful)]
        reach = [what_if.reach(c.evidence) for c in ordered] if max_size > 1 else []
        effects = [what_if.effect(c.evidence, c.to) for c in ordered] if max_size > 1 else []
        for size in range(2, max_size + 1):
            for combo in itertools.combinations(range(len(ordered)), size):
                items = {ordered[i].evidence for i in combo}
                if len(items) < size or not what_if.may_flip([reach[i] for i in combo]):
                    continue
                if evaluated >= budget:
                    exhaustive = False
                    break
                evaluated += 1
                changes = tuple(ordered[i] for i in combo)
                if not what_if.may_flip_together(
                    [effects[i] for i in combo], [c.evidence for c in changes]
                ):
                    continue
                values = {c.evidence: c.to for c in changes}
                outcome = what_if.evaluate(values, verdicts=False)
                if outcome is not None and outcome.winner != what_if.winner:
                    full = what_if.evaluate(values)
                    assert full is not None
                    smallest.append(_counterfactual(what_if, changes, full))
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


def _lead(what_if: _WhatIf, outcome: _Outcome) -> float:
    """How far ahead the winner stays under a change (lower is more promising)."""
    if what_if.winner is None:
        return math.inf
    lead = outcome.totals[what_if.winner]
    rivals = [
        t for o, t in outcome.totals.items() if o != what_if.winner and not outcome.excluded[o]
    ]
    return lead - max(rivals, default=lead)


def _counterfactual(
    what_if: _WhatIf, changes: Sequence[EvidenceChange], outcome: _Outcome
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
