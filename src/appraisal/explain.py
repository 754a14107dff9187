"""Why each option got its verdict, and what would have to change to overturn it.

Everything here reads an ``Appraisal`` (and the rule base it names) and returns
plain frozen data; rendering is in ``render``. The pieces:

- **rule deltas**: every rule that moved an option's value, in score points,
  with clamping to 0..100 shared out exactly (``rule_deltas``);
- **evidence attribution**: each option's total shared among evidence items by
  Shapley value, computed exactly per rule or per criterion cell over the
  evidence upstream of it (``attribute``);
- **evidence trace**: verdict -> criteria -> rules -> findings -> evidence,
  with sources (``evidence_trace``);
- **switching values**: the closed-form weight at which the first-ranked
  option loses first place (``weight_switching_values``), and the evidence
  changes that change the winner or a verdict (``evidence_counterfactuals``);
- **pairwise** comparison of two options (``versus``) and a **narrative** per
  option, generated from the data above (``explain`` gathers it all).

docs/explain.md defines each quantity.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from .appraise import Appraisal, CompiledRuleBase, OptionResult, compile_rule_base
from .errors import RuleEvaluationError, ScoringError, UnknownReferenceError
from .graph import node, upstream_facts
from .models import (
    AdjustEffect,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Criterion,
    DeriveEffect,
    FactRef,
    FailGateEffect,
    Known,
    NotOf,
    RuleBase,
    SetEffect,
    Value,
)
from .rules import compare, comparisons, evaluate_condition, facts_read
from .scoring import TIE_TOLERANCE, competition_ranks

__all__ = [
    "Attribution",
    "CounterfactualSearch",
    "CriterionDifference",
    "Driver",
    "EvidenceChange",
    "EvidenceCitation",
    "EvidenceCounterfactual",
    "EvidenceDriver",
    "Explanation",
    "OptionAttribution",
    "OptionExplanation",
    "RuleDelta",
    "TraceNode",
    "VerdictChange",
    "Versus",
    "WeightSwitch",
    "attribute",
    "cite_evidence",
    "drivers",
    "evidence_counterfactuals",
    "evidence_drivers",
    "evidence_trace",
    "explain",
    "narrative",
    "rule_deltas",
    "switching_values",
    "versus",
    "weight_switching_values",
]

MAX_EXACT_PLAYERS = 20
"""Largest number of evidence items in one game computed exactly (2**20 coalitions)."""


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- result models


class EvidenceCitation(_Result):
    """An evidence item as read by a rule: its value, and where it comes from."""

    id: str
    value: Value | None
    statement: str | None
    source: str | None


class Driver(_Result):
    """One rule's effect on one option, in score points, with what it rests on."""

    rule: str
    kind: str
    """``gate`` for a gate failure, ``value`` for a move of a criterion value."""
    criteria: tuple[str, ...]
    points: float
    """Nominal change of the total score (global weight x change in utility)."""
    rationale: str | None
    source: str | None
    evidence: tuple[EvidenceCitation, ...]


class RuleDelta(_Result):
    """One fired rule's exact share of one option's value change on one leaf criterion."""

    rule: str
    criterion: str
    change: float
    """Change of the criterion value (0..100 scale) credited to the rule, after clamping."""
    nominal: float
    """The change the rule asked for (its ``by``, or ``to`` minus the baseline for a set)."""
    points: float
    """``change`` in score points: global weight x change in utility."""


class OptionAttribution(_Result):
    """One option's total shared among evidence items (Shapley values)."""

    option: str
    total: float
    baseline: float
    """The option's total with every evidence item unknown."""
    attribution: dict[str, float]
    """Points per evidence item; they sum to ``total - baseline``."""
    by_criterion: dict[str, dict[str, float]]
    """The same points per leaf criterion, so a criterion's change can be traced to evidence."""
    method: Literal["exact", "sampled"]
    error: float
    """Approximate 95% half-width on each item's points when sampled; 0 when exact."""


class Attribution(_Result):
    """Evidence attribution of every option."""

    options: dict[str, OptionAttribution]
    method: Literal["exact", "sampled"]
    sampled_games: int = 0
    """How many games (rules or criterion cells) were too large to compute exactly."""


class TraceNode(_Result):
    """One node of an evidence trace: verdict, criterion, gate, rule, finding or evidence."""

    kind: Literal["option", "criterion", "gate", "rule", "finding", "evidence"]
    id: str
    label: str
    value: Value | None = None
    points: float | None = None
    source: str | None = None
    children: tuple[TraceNode, ...] = ()


class WeightSwitch(_Result):
    """The weight at which the first-ranked option loses first place, and to whom."""

    criterion: str
    direction: Literal["increase", "decrease"]
    weight: float
    """The switching value in the raw units the YAML uses, the siblings' raw weights kept."""
    current_weight: float
    share: float
    """The switching value as the criterion's normalised share among its siblings."""
    current_share: float
    new_winner: str


class EvidenceChange(_Result):
    """One evidence item given a different value."""

    evidence: str
    from_: Value | None = Field(alias="from")
    to: Value


class VerdictChange(_Result):
    option: str
    from_: str = Field(alias="from")
    to: str


class EvidenceCounterfactual(_Result):
    """A set of evidence changes, and the winner and verdicts it leads to."""

    changes: tuple[EvidenceChange, ...]
    new_winner: str | None
    """The first-ranked option after the changes (None when first place is tied)."""
    changes_winner: bool
    verdict_changes: tuple[VerdictChange, ...]


class CounterfactualSearch(_Result):
    """What the search over evidence changes covered."""

    candidates: int
    """Single changes considered (flips, level steps, threshold crossings)."""
    max_size: int
    evaluated: int
    budget: int
    exhaustive: bool
    """True when every set up to ``max_size`` was either evaluated or proved unable to flip."""
    smallest_flip: int | None
    """Size of the smallest set of changes found that changes the winner."""


class EvidenceDriver(_Result):
    """An evidence item's attributed points for one option, with the rules it acts through."""

    evidence: EvidenceCitation
    points: float
    rules: tuple[str, ...]
    rule_sources: tuple[str, ...]


class CriterionDifference(_Result):
    """How much one criterion separates two options, and the rules and evidence behind it."""

    criterion: str
    name: str
    points_a: float
    points_b: float
    difference: float
    rules_a: tuple[RuleDelta, ...]
    rules_b: tuple[RuleDelta, ...]
    evidence: dict[str, float]
    """Attributed points on this criterion for A minus those for B, largest first."""


class Versus(_Result):
    """Why A over B: the criteria ordered by how much they separate the two."""

    a: str
    b: str
    total_a: float
    total_b: float
    difference: float
    criteria: tuple[CriterionDifference, ...]
    groups: tuple[CriterionDifference, ...]
    """The same for parent criteria."""


class OptionExplanation(_Result):
    """Everything that explains one option's verdict."""

    id: str
    name: str
    verdict: str
    rank: int | None
    excluded: bool
    total: float
    baseline: float
    rule_baseline: float
    """Points from the declared baselines alone; plus every rule delta, the total."""
    contributions: dict[str, float]
    rule_deltas: tuple[RuleDelta, ...]
    attribution: dict[str, float]
    attribution_method: Literal["exact", "sampled"]
    attribution_error: float
    verdict_counterfactuals: tuple[EvidenceCounterfactual, ...]
    trace: TraceNode
    narrative: str


class Explanation(_Result):
    """The explanation of a whole appraisal."""

    scenario: str
    winner: str | None
    recommended: str | None
    options: tuple[OptionExplanation, ...]
    switching_values: tuple[WeightSwitch, ...]
    stable_to_weights: bool
    evidence_counterfactuals: tuple[EvidenceCounterfactual, ...]
    search: CounterfactualSearch
    attribution_method: Literal["exact", "sampled"]

    def option(self, option_id: str) -> OptionExplanation:
        for result in self.options:
            if result.id == option_id:
                return result
        raise UnknownReferenceError("option", option_id, [o.id for o in self.options])


# --------------------------------------------------------------------------- shared structure

_COMPILED: dict[int, tuple[RuleBase, CompiledRuleBase]] = {}


def compiled_for(appraisal: Appraisal) -> CompiledRuleBase:
    """The compiled rule base of an appraisal, compiled once per rule base object."""
    rule_base = appraisal.rule_base_model
    hit = _COMPILED.get(id(rule_base))
    if hit is not None and hit[0] is rule_base:
        return hit[1]
    compiled = compile_rule_base(rule_base)
    if len(_COMPILED) >= 8:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[id(rule_base)] = (rule_base, compiled)
    return compiled


@dataclass(frozen=True)
class _Cell:
    """The rules that can touch one option's value on one leaf criterion."""

    option: str
    criterion: str
    baseline: float
    weight: float
    sign: float
    sets: tuple[tuple[str, float], ...]
    adjusts: tuple[tuple[str, float], ...]

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([r for r, _ in self.sets] + [r for r, _ in self.adjusts]))

    def points(self, fired: Iterable[str]) -> float:
        """The cell's score points when exactly the rules in ``fired`` (of its own) fire."""
        fired = set(fired)
        sets = [to for rule, to in self.sets if rule in fired]
        if len(set(sets)) > 1:
            raise ScoringError(
                f"rules set option {self.option!r} on {self.criterion!r} to different values"
            )
        raw = (sets[0] if sets else self.baseline) + sum(
            by for rule, by in self.adjusts if rule in fired
        )
        value = min(100.0, max(0.0, raw))
        return self.weight * (value if self.sign > 0 else 100.0 - value)

    def bounds(self) -> tuple[float, float]:
        """The lowest and highest raw value any pattern of firings could give."""
        starts = [self.baseline, *(to for _, to in self.sets)]
        low = min(starts) + sum(by for _, by in self.adjusts if by < 0)
        high = max(starts) + sum(by for _, by in self.adjusts if by > 0)
        return low, high

    @property
    def linear(self) -> bool:
        """True when no pattern of firings can clamp, so the value is additive in rules."""
        low, high = self.bounds()
        return low >= 0.0 and high <= 100.0 and len(self.sets) <= 1


def _cells(appraisal: Appraisal) -> dict[tuple[str, str], _Cell]:
    """Every (option, leaf criterion) cell with the rules that may move it, in rule order."""
    rule_base = appraisal.rule_base_model
    compiled = compiled_for(appraisal)
    leaves = compiled.leaves
    sets: dict[tuple[str, str], list[tuple[str, float]]] = {}
    adjusts: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for rule_id in compiled.order:
        for effect in rule_base.rules[rule_id].then:
            if isinstance(effect, SetEffect):
                sets.setdefault((effect.option, effect.set), []).append((rule_id, effect.to))
            elif isinstance(effect, AdjustEffect):
                adjusts.setdefault((effect.option, effect.adjust), []).append((rule_id, effect.by))
    cells = {}
    for option_id, option in rule_base.options.items():
        for criterion_id, criterion in leaves.items():
            key = (option_id, criterion_id)
            cells[key] = _Cell(
                option=option_id,
                criterion=criterion_id,
                baseline=option.values[criterion_id].value,
                weight=appraisal.weights[criterion_id],
                sign=1.0 if criterion.direction == "maximise" else -1.0,
                sets=tuple(sets.get(key, ())),
                adjusts=tuple(adjusts.get(key, ())),
            )
    return cells


def _source(appraisal: Appraisal, rule_id: str) -> str | None:
    source = appraisal.rule_base_model.rules[rule_id].source
    return str(source) if source else None


def cite_evidence(appraisal: Appraisal, evidence_id: str) -> EvidenceCitation:
    """The evidence item behind a fact id, with its citation (or unknown)."""
    item = appraisal.scenario_model.evidence.get(evidence_id) if appraisal.scenario_model else None
    return EvidenceCitation(
        id=evidence_id,
        value=appraisal.evidence.get(evidence_id),
        statement=item.statement if item else None,
        source=str(item.source) if item else None,
    )


def _derivers(appraisal: Appraisal) -> dict[str, list[str]]:
    """For each finding, the fired rules that derived it."""
    found: dict[str, list[str]] = {}
    for firing in appraisal.firings:
        for effect in firing.effects:
            if isinstance(effect, DeriveEffect):
                found.setdefault(effect.derive, []).append(firing.rule)
    return found


def evidence_behind(appraisal: Appraisal, rule_id: str) -> tuple[EvidenceCitation, ...]:
    """The evidence upstream of a rule: what it reads, and what its findings rest on."""
    rule_base = appraisal.rule_base_model
    seen: dict[str, None] = {}
    pending = list(facts_read(rule_base.rules[rule_id].when))
    derived_by = _derivers(appraisal)
    while pending:
        fact_id = pending.pop(0)
        if fact_id in seen:
            continue
        seen[fact_id] = None
        for rule in derived_by.get(fact_id, ()):
            pending.extend(facts_read(rule_base.rules[rule].when))
    return tuple(cite_evidence(appraisal, f) for f in seen if f in rule_base.facts)


# --------------------------------------------------------------------------- rule deltas


def rule_deltas(appraisal: Appraisal, option: str | OptionResult) -> tuple[RuleDelta, ...]:
    """Every fired rule's exact share of the option's value changes, cell by cell.

    Without clamping a rule is credited exactly what it asked for. When the sum
    of the moves overshoots 0 or 100, the overshoot is taken back from the rules
    that pushed in the direction of the net move, in proportion to their moves;
    rules pushing the other way keep their full move. So in every cell the
    credited changes add up to the actual change, and the baseline points plus
    every delta add up to the option's total.
    """
    result = appraisal.option(option) if isinstance(option, str) else option
    leaves = compiled_for(appraisal).leaves
    deltas: list[RuleDelta] = []
    for criterion_id, value in result.values.items():
        sign = 1.0 if leaves[criterion_id].direction == "maximise" else -1.0
        weight = appraisal.weights[criterion_id]
        moves: list[tuple[str, float]] = []
        if value.set_by is not None and value.set_to is not None:
            moves.append((value.set_by, value.set_to - value.baseline))
        moves += [(a.rule, a.by) for a in value.adjustments]
        nominal = sum(by for _, by in moves)
        overshoot = nominal - (value.value - value.baseline)
        pushing = sum(by for _, by in moves if by * nominal > 0)
        for rule_id, by in moves:
            change = by
            if overshoot != 0.0 and by * nominal > 0:
                change = by - overshoot * by / pushing
            deltas.append(
                RuleDelta(
                    rule=rule_id,
                    criterion=criterion_id,
                    change=change,
                    nominal=by,
                    points=sign * weight * change,
                )
            )
    return tuple(deltas)


def rule_baseline(appraisal: Appraisal, option: str | OptionResult) -> float:
    """The option's points from declared baselines alone, before any rule moves them."""
    result = appraisal.option(option) if isinstance(option, str) else option
    leaves = compiled_for(appraisal).leaves
    total = 0.0
    for criterion_id, value in result.values.items():
        utility = (
            value.baseline
            if leaves[criterion_id].direction == "maximise"
            else (100.0 - value.baseline)
        )
        total += appraisal.weights[criterion_id] * utility
    return total


def drivers(appraisal: Appraisal, option: str | OptionResult) -> list[Driver]:
    """The rules that moved an option, largest exact effect first; gate failures lead."""
    result = appraisal.option(option) if isinstance(option, str) else option
    rule_base = appraisal.rule_base_model
    points: dict[str, float] = {}
    criteria: dict[str, list[str]] = {}
    for delta in rule_deltas(appraisal, result):
        points[delta.rule] = points.get(delta.rule, 0.0) + delta.points
        criteria.setdefault(delta.rule, []).append(delta.criterion)
    found = [
        Driver(
            rule=failure.rule,
            kind="gate",
            criteria=(failure.gate,),
            points=0.0,
            rationale=rule_base.rules[failure.rule].rationale,
            source=_source(appraisal, failure.rule),
            evidence=evidence_behind(appraisal, failure.rule),
        )
        for failure in result.gate_failures
    ]
    for rule_id in sorted(points, key=lambda r: -abs(points[r])):
        found.append(
            Driver(
                rule=rule_id,
                kind="value",
                criteria=tuple(criteria[rule_id]),
                points=points[rule_id],
                rationale=rule_base.rules[rule_id].rationale,
                source=_source(appraisal, rule_id),
                evidence=evidence_behind(appraisal, rule_id),
            )
        )
    return found


# --------------------------------------------------------------------------- coalitions as bitsets


class _Space:
    """All 2**n coalitions of n evidence items, as the bit positions of Python ints.

    Coalition ``m`` (an integer whose bit j says whether item j is known) is
    bit ``m`` of a bitset; a set of coalitions is one int, so three-valued
    logic over every coalition at once is a handful of bitwise operations.
    """

    def __init__(self, players: tuple[str, ...]) -> None:
        n = len(players)
        size = 1 << n
        self.players = players
        self.index = {p: j for j, p in enumerate(players)}
        self.all = (1 << size) - 1
        self.member: list[int] = []
        for j in range(n):
            half = 1 << j
            pattern, length = ((1 << half) - 1) << half, 2 * half
            while length < size:
                pattern |= pattern << length
                length *= 2
            self.member.append(pattern)
        by_size = [1]
        for j in range(n):
            shifted = [0, *(z << (1 << j) for z in by_size)]
            by_size = [a | b for a, b in itertools.zip_longest(by_size, shifted, fillvalue=0)]
        self.by_size = by_size
        self.coefficient = [
            math.factorial(k) * math.factorial(n - 1 - k) / math.factorial(n) for k in range(n)
        ]

    def shapley(self, coalitions: int) -> list[float]:
        """Shapley values of the game worth 1 on ``coalitions`` and 0 elsewhere."""
        n = len(self.players)
        if coalitions in (0, self.all):
            return [0.0] * n
        values = []
        for j in range(n):
            inside = coalitions & self.member[j]
            outside = coalitions & ~self.member[j]
            phi = 0.0
            for k in range(n):
                gained = (inside & self.by_size[k + 1]).bit_count()
                lost = (outside & self.by_size[k]).bit_count()
                if gained != lost:
                    phi += self.coefficient[k] * (gained - lost)
            values.append(phi)
        return values


class _Cascade:
    """Every fact, finding and rule firing over all coalitions of one ``_Space``."""

    def __init__(
        self,
        appraisal: Appraisal,
        compiled: CompiledRuleBase,
        space: _Space,
        derivations: Mapping[str, Sequence[tuple[str, Value]]],
    ) -> None:
        self.rule_base = compiled.rule_base
        self.scales = compiled.scales
        self.space = space
        self.evidence = appraisal.evidence
        self.derivations = derivations
        self._values: dict[str, dict[Value, int]] = {}
        self._fires: dict[str, int] = {}

    def values(self, fact_id: str) -> dict[Value, int]:
        """For each value the fact or finding takes, the coalitions where it takes it."""
        if fact_id in self._values:
            return self._values[fact_id]
        found: dict[Value, int] = {}
        if fact_id in self.rule_base.facts:
            value = self.evidence.get(fact_id)
            if value is not None and fact_id in self.space.index:
                found[value] = self.space.member[self.space.index[fact_id]]
        else:
            for rule_id, value in self.derivations.get(fact_id, ()):
                found[value] = found.get(value, 0) | self.fires(rule_id)
            clash = [(a, b) for a, b in itertools.combinations(found, 2) if found[a] & found[b]]
            if clash:
                raise RuleEvaluationError(
                    f"finding {fact_id!r} is derived as both {clash[0][0]!r} and {clash[0][1]!r}"
                    " when only part of the evidence is known, so its attribution to evidence"
                    " is undefined"
                )
        self._values[fact_id] = found
        return found

    def fires(self, rule_id: str) -> int:
        if rule_id not in self._fires:
            self._fires[rule_id] = self.truth(self.rule_base.rules[rule_id].when)[0]
        return self._fires[rule_id]

    def truth(self, condition: Condition) -> tuple[int, int]:
        """The coalitions where the condition is true, and where it is false."""
        if isinstance(condition, AllOf | AnyOf):
            parts = [
                self.truth(p)
                for p in (condition.all if isinstance(condition, AllOf) else condition.any)
            ]
            true, false = parts[0]
            for t, f in parts[1:]:
                if isinstance(condition, AllOf):
                    true, false = true & t, false | f
                else:
                    true, false = true | t, false & f
            return true, false
        if isinstance(condition, NotOf):
            true, false = self.truth(condition.not_)
            return false, true
        if isinstance(condition, Known):
            known = 0
            for coalitions in self.values(condition.known).values():
                known |= coalitions
            return known, self.space.all & ~known
        return self._compare(condition)

    def _compare(self, condition: Comparison) -> tuple[int, int]:
        fact = str(condition.fact)
        order = self.scales.get(fact)
        left = self.values(fact)
        operand = condition.operand
        if isinstance(operand, FactRef):
            right: dict[Value, int] = {}
            for value, coalitions in self.values(operand.fact).items():
                if isinstance(value, float) and operand.times != 1.0:
                    value = value * operand.times
                right[value] = right.get(value, 0) | coalitions
        else:
            right = {operand: self.space.all}
        true = false = 0
        for lvalue, lsets in left.items():
            for rvalue, rsets in right.items():
                both = lsets & rsets
                if not both:
                    continue
                if compare(condition.operator, lvalue, rvalue, order):
                    true |= both
                else:
                    false |= both
        return true, false


# --------------------------------------------------------------------------- attribution


@dataclass
class _Game:
    """A game over a few evidence items: ``sum(coefficient x 1[coalition in set])``.

    ``terms`` pairs a weight with the set of coalitions (over ``players``) where
    it is earned; ``cell_terms`` splits the same weights by (option, criterion).
    """

    players: tuple[str, ...]
    rules: tuple[str, ...]
    cells: list[tuple[_Cell, float | None]] = field(default_factory=list)
    """Each cell with its linear coefficient (None: the whole cell is this game)."""


def _derivations(rule_base: RuleBase) -> dict[str, list[tuple[str, Value]]]:
    found: dict[str, list[tuple[str, Value]]] = {}
    for rule_id, rule in rule_base.rules.items():
        for effect in rule.then:
            if isinstance(effect, DeriveEffect):
                found.setdefault(effect.derive, []).append((rule_id, effect.value))
    return found


def _all_unknown_totals(
    appraisal: Appraisal, cells: Mapping[tuple[str, str], _Cell]
) -> dict[str, float]:
    """Each option's total with every evidence item unknown."""
    compiled = compiled_for(appraisal)
    from .rules import evaluate_rules

    outcome = evaluate_rules(compiled.rule_base, {}, compiled.order, compiled.scales)
    fired = {f.rule for f in outcome.firings if f.status == "fired"}
    totals: dict[str, float] = {}
    for (option_id, _), cell in cells.items():
        totals[option_id] = totals.get(option_id, 0.0) + cell.points(fired)
    return totals


def _games(
    compiled: CompiledRuleBase, cells: Mapping[tuple[str, str], _Cell], known: Sequence[str]
) -> dict[tuple[str, ...], _Game]:
    """Split the total into games: one per rule of unclampable cells, one per clampable cell."""
    known_set = set(known)
    upstream: dict[str, tuple[str, ...]] = {}

    def players_of(rules: Iterable[str]) -> tuple[str, ...]:
        found: set[str] = set()
        for rule_id in rules:
            if rule_id not in upstream:
                reach = upstream_facts(compiled.graph, node("rule", rule_id)) & known_set
                upstream[rule_id] = tuple(f for f in known if f in reach)
            found.update(upstream[rule_id])
        return tuple(f for f in known if f in found)

    games: dict[tuple[str, ...], _Game] = {}
    for cell in cells.values():
        if not cell.rules:
            continue
        if cell.linear:
            moves = [(r, to - cell.baseline) for r, to in cell.sets] + list(cell.adjusts)
            for rule_id, by in moves:
                game = games.setdefault((rule_id,), _Game(players_of([rule_id]), (rule_id,)))
                game.cells.append((cell, cell.weight * cell.sign * by))
        else:
            key = ("cell", cell.option, cell.criterion)
            games[key] = _Game(players_of(cell.rules), cell.rules, [(cell, None)])
    return games


def attribute(
    appraisal: Appraisal,
    *,
    max_exact: int = MAX_EXACT_PLAYERS,
    samples: int = 100,
    seed: int = 0,
) -> Attribution:
    """Share every option's total among evidence items by Shapley value.

    The game: a coalition of evidence items is known, the rest unknown; its
    worth is the option's total. The total is a sum over (option, leaf
    criterion) cells. A cell that no pattern of firings can clamp is additive
    in its rules, so it splits into one game per rule, over only the evidence
    upstream of that rule; a cell that can clamp is one game over the evidence
    upstream of all its rules. Each game is computed exactly over every
    coalition of its few players (as bitsets); Shapley values are linear in
    games, so the sum is exact. A game with more than ``max_exact`` players is
    estimated by ``samples`` seeded random permutations instead (see
    docs/explain.md), which keeps the sum exact but makes each share an estimate.
    """
    compiled = compiled_for(appraisal)
    rule_base = compiled.rule_base
    known = [f for f in rule_base.facts if appraisal.evidence.get(f) is not None]
    cells = _cells(appraisal)
    games = _games(compiled, cells, known)
    points: dict[str, dict[str, dict[str, float]]] = {o: {} for o in rule_base.options}
    variance: dict[str, dict[str, float]] = {o: {} for o in rule_base.options}
    derivations = _derivations(rule_base)
    cascades: dict[tuple[str, ...], _Cascade] = {}
    sampled = 0
    rng = random.Random(seed)
    for game in games.values():
        if not game.players:
            continue
        if len(game.players) > max_exact:
            sampled += 1
            _sample_game(appraisal, compiled, game, samples, rng, points, variance)
            continue
        cascade = cascades.get(game.players)
        if cascade is None:
            cascade = _Cascade(appraisal, compiled, _Space(game.players), derivations)
            cascades[game.players] = cascade
        for cell, weights in _game_terms(cascade, game):
            by_item = points[cell.option].setdefault(cell.criterion, {})
            for player, phi in zip(game.players, weights, strict=True):
                if phi != 0.0:
                    by_item[player] = by_item.get(player, 0.0) + phi

    baselines = _all_unknown_totals(appraisal, cells)
    options = {}
    for result in appraisal.options:
        by_criterion = {
            c: dict(sorted(items.items(), key=lambda kv: -abs(kv[1])))
            for c, items in points[result.id].items()
        }
        totals: dict[str, float] = dict.fromkeys(known, 0.0)
        for items in points[result.id].values():
            for item, phi in items.items():
                totals[item] += phi
        error = 1.96 * math.sqrt(max(variance[result.id].values(), default=0.0))
        options[result.id] = OptionAttribution(
            option=result.id,
            total=result.score,
            baseline=baselines[result.id],
            attribution=totals,
            by_criterion=by_criterion,
            method="sampled" if variance[result.id] else "exact",
            error=error,
        )
    return Attribution(
        options=options, method="sampled" if sampled else "exact", sampled_games=sampled
    )


def _game_terms(cascade: _Cascade, game: _Game) -> list[tuple[_Cell, list[float]]]:
    """Exact Shapley values of a game, per cell it feeds."""
    space = cascade.space
    found: list[tuple[_Cell, list[float]]] = []
    for cell, coefficient in game.cells:
        if coefficient is not None:
            (rule_id,) = game.rules
            unit = space.shapley(cascade.fires(rule_id))
            found.append((cell, [coefficient * phi for phi in unit]))
            continue
        blocks: dict[tuple[str, ...], int] = {(): space.all}
        for rule_id in game.rules:
            fires = cascade.fires(rule_id)
            split: dict[tuple[str, ...], int] = {}
            for fired, coalitions in blocks.items():
                if coalitions & fires:
                    split[(*fired, rule_id)] = coalitions & fires
                if coalitions & ~fires:
                    split[fired] = coalitions & ~fires
            blocks = split
        reference = next(cell.points(f) for f, c in blocks.items() if c & 1)
        total = [0.0] * len(space.players)
        for fired, coalitions in blocks.items():
            worth = cell.points(fired) - reference
            if worth != 0.0:
                for j, phi in enumerate(space.shapley(coalitions)):
                    total[j] += worth * phi
        found.append((cell, total))
    return found


def _point_worth(
    appraisal: Appraisal,
    compiled: CompiledRuleBase,
    game: _Game,
    order: Sequence[str],
    known: set[str],
) -> list[float]:
    """The game's worth, per cell, when exactly the items in ``known`` are known."""
    rule_base = compiled.rule_base
    facts: dict[str, Value | None] = {f: appraisal.evidence.get(f) for f in known}
    fired: set[str] = set()
    for rule_id in order:
        rule = rule_base.rules[rule_id]
        if evaluate_condition(rule.when, facts, compiled.scales) is True:
            fired.add(rule_id)
            for effect in rule.then:
                if isinstance(effect, DeriveEffect):
                    facts[effect.derive] = effect.value
    result = []
    for cell, coefficient in game.cells:
        if coefficient is not None:
            result.append(coefficient if game.rules[0] in fired else 0.0)
        else:
            result.append(cell.points(fired & set(cell.rules)))
    return result


def _sample_game(
    appraisal: Appraisal,
    compiled: CompiledRuleBase,
    game: _Game,
    samples: int,
    rng: random.Random,
    points: dict[str, dict[str, dict[str, float]]],
    variance: dict[str, dict[str, float]],
) -> None:
    """Permutation-sampling estimate of a game too large to enumerate.

    Each permutation's marginal contributions add up to the full-minus-empty
    worth, so the estimates still sum exactly; each share's sampling variance
    is recorded for the error bound.
    """
    needed = set(game.rules)
    for rule_id in game.rules:
        needed.update(
            compiled.graph.nodes[a]["id"]
            for a in nx.ancestors(compiled.graph, node("rule", rule_id))
            if compiled.graph.nodes[a]["kind"] == "rule"
        )
    order = [r for r in compiled.order if r in needed]
    players = list(game.players)

    def worth(known: set[str]) -> list[float]:
        return _point_worth(appraisal, compiled, game, order, known)

    sums = [[0.0] * len(players) for _ in game.cells]
    squares = [[0.0] * len(players) for _ in game.cells]
    for _ in range(samples):
        rng.shuffle(players)
        known: set[str] = set()
        before = worth(known)
        for player in players:
            known.add(player)
            after = worth(known)
            j = game.players.index(player)
            for c in range(len(game.cells)):
                marginal = after[c] - before[c]
                sums[c][j] += marginal
                squares[c][j] += marginal * marginal
            before = after
    for c, (cell, _) in enumerate(game.cells):
        by_item = points[cell.option].setdefault(cell.criterion, {})
        for j, player in enumerate(game.players):
            mean = sums[c][j] / samples
            if mean != 0.0:
                by_item[player] = by_item.get(player, 0.0) + mean
            spread = max(squares[c][j] / samples - mean * mean, 0.0)
            spread_of = variance[cell.option]
            spread_of[player] = spread_of.get(player, 0.0) + spread / samples


# --------------------------------------------------------------------------- evidence trace


def evidence_trace(appraisal: Appraisal, option: str | OptionResult) -> TraceNode:
    """The tree from an option's verdict through criteria, rules and findings to evidence."""
    result = appraisal.option(option) if isinstance(option, str) else option
    rule_base = appraisal.rule_base_model
    verdict_rule = rule_base.verdicts[result.verdict_rule]
    derived_by = _derivers(appraisal)
    by_criterion: dict[str, list[RuleDelta]] = {}
    for delta in rule_deltas(appraisal, result):
        by_criterion.setdefault(delta.criterion, []).append(delta)

    def fact_node(fact_id: str, depth: int) -> TraceNode:
        if fact_id in rule_base.facts:
            cited = cite_evidence(appraisal, fact_id)
            return TraceNode(
                kind="evidence",
                id=fact_id,
                label=cited.statement or fact_id,
                value=cited.value,
                source=cited.source,
            )
        spec = rule_base.findings[fact_id]
        rules = derived_by.get(fact_id, []) if depth < 12 else []
        return TraceNode(
            kind="finding",
            id=fact_id,
            label=spec.description or fact_id,
            value=appraisal.findings.get(fact_id),
            children=tuple(rule_node(r, None, depth + 1) for r in rules),
        )

    def rule_node(rule_id: str, points: float | None, depth: int) -> TraceNode:
        rule = rule_base.rules[rule_id]
        return TraceNode(
            kind="rule",
            id=rule_id,
            label=rule.rationale or rule.description or rule_id,
            points=points,
            source=_source(appraisal, rule_id),
            children=tuple(fact_node(f, depth) for f in facts_read(rule.when)),
        )

    def criterion_node(criterion_id: str, criterion: Criterion) -> TraceNode:
        if criterion.children:
            children = tuple(criterion_node(c, spec) for c, spec in criterion.children.items())
        else:
            deltas = sorted(by_criterion.get(criterion_id, []), key=lambda d: -abs(d.points))
            children = tuple(rule_node(d.rule, d.points, 0) for d in deltas)
        value = result.values[criterion_id].value if criterion_id in result.values else None
        return TraceNode(
            kind="criterion",
            id=criterion_id,
            label=criterion.name or criterion_id,
            value=value,
            points=result.contributions[criterion_id],
            source=str(criterion.source) if criterion.source else None,
            children=children,
        )

    gates = tuple(
        TraceNode(
            kind="gate",
            id=failure.gate,
            label=rule_base.gates[failure.gate].name,
            source=str(rule_base.gates[failure.gate].source)
            if rule_base.gates[failure.gate].source
            else None,
            children=(rule_node(failure.rule, None, 0),),
        )
        for failure in result.gate_failures
    )
    criteria = tuple(criterion_node(c, spec) for c, spec in rule_base.criteria.items())
    return TraceNode(
        kind="option",
        id=result.id,
        label=f"{result.name}: {result.verdict.replace('_', ' ')}"
        + (f" ({verdict_rule.rationale})" if verdict_rule.rationale else ""),
        value=result.verdict,
        points=result.score,
        source=str(verdict_rule.source) if verdict_rule.source else None,
        children=gates + criteria,
    )


# --------------------------------------------------------------------------- weight switching


def _criterion_tree(rule_base: RuleBase) -> dict[str, tuple[str | None, dict[str, Criterion]]]:
    """Each criterion's parent and its sibling group (itself included)."""
    found: dict[str, tuple[str | None, dict[str, Criterion]]] = {}

    def walk(group: dict[str, Criterion], parent: str | None) -> None:
        for criterion_id, criterion in group.items():
            found[criterion_id] = (parent, group)
            walk(criterion.children, criterion_id)

    walk(rule_base.criteria, None)
    return found


def _raw_weights(appraisal: Appraisal, weights: Mapping[str, float] | None) -> dict[str, float]:
    overrides = dict(appraisal.scenario_model.weights) if appraisal.scenario_model else {}
    overrides.update(weights or {})
    raw: dict[str, float] = {}
    for criterion_id, (_, group) in _criterion_tree(appraisal.rule_base_model).items():
        raw[criterion_id] = overrides.get(criterion_id, group[criterion_id].weight)
    return raw


def _subtree_utility(
    appraisal: Appraisal,
    result: OptionResult,
    criterion_id: str,
    criterion: Criterion,
    raw: Mapping[str, float],
) -> float:
    """The option's weighted utility within one criterion's subtree (0..100)."""
    weight = appraisal.weights[criterion_id]
    if weight > 0:
        return result.contributions[criterion_id] / weight
    if not criterion.children:
        return result.values[criterion_id].utility
    total = sum(raw[c] for c in criterion.children)
    return (
        sum(
            raw[c] / total * _subtree_utility(appraisal, result, c, spec, raw)
            for c, spec in criterion.children.items()
        )
        if total > 0
        else 0.0
    )


_EDGE = 1e-9
"""Shares this close to 0 or 1 count as the end itself, where a rival can only tie."""


def winner(appraisal: Appraisal) -> str | None:
    """The single first-ranked option, or None when first place is tied or empty."""
    first = [o.id for o in appraisal.options if o.rank == 1]
    return first[0] if len(first) == 1 else None


def weight_switching_values(
    appraisal: Appraisal, criterion: str, weights: Mapping[str, float] | None = None
) -> tuple[WeightSwitch, ...]:
    """The exact weights of one criterion at which the first-ranked option loses first place.

    Closed form, no search: a criterion's share ``x`` among its siblings (the
    siblings keeping their proportions) makes every option's total linear in
    ``x``, ``T(x) = T(x0) + W * (x - x0) * (U - R)`` with ``W`` the parent's
    global weight, ``U`` the option's utility within the criterion's subtree and
    ``R`` its share-weighted utility over the siblings. Each rival's line
    crosses the winner's at one ``x``; the nearest crossing above and below the
    current share is reported, within 0 < x < 1 (at either end a rival could
    only tie; crossings within 1e-9 of an end are rounding), in shares and in
    raw weight (the siblings' raw weights held). ``weights`` are the raw
    overrides the appraisal used beyond the scenario's own. Pure, so ``sensitivity`` reuses it.
    """
    rule_base = appraisal.rule_base_model
    tree = _criterion_tree(rule_base)
    if criterion not in tree:
        raise UnknownReferenceError("criterion", criterion, tree)
    first = winner(appraisal)
    parent, group = tree[criterion]
    if first is None or len(group) < 2:
        return ()
    raw = _raw_weights(appraisal, weights)
    parent_weight = 1.0 if parent is None else appraisal.weights[parent]
    if parent_weight <= 0:
        return ()
    shares = {c: appraisal.weights[c] / parent_weight for c in group}
    x0 = shares[criterion]
    others_raw = sum(raw[c] for c in group if c != criterion)
    scale = sum(raw[c] for c in group)
    current_raw = x0 * scale
    others_raw = (1.0 - x0) * scale if scale > 0 else others_raw

    def slope(result: OptionResult) -> float:
        own = _subtree_utility(appraisal, result, criterion, group[criterion], raw)
        rest = 1.0 - x0
        if rest <= 0:
            return 0.0
        others = sum(
            shares[c] / rest * _subtree_utility(appraisal, result, c, group[c], raw)
            for c in group
            if c != criterion
        )
        return parent_weight * (own - others)

    lead = appraisal.option(first)
    lead_slope = slope(lead)
    crossings: dict[str, list[tuple[float, float, str]]] = {"increase": [], "decrease": []}
    for rival in appraisal.options:
        if rival.excluded or rival.id == first:
            continue
        gap = lead.score - rival.score
        closing = lead_slope - slope(rival)
        if closing == 0.0:
            continue
        x = x0 - gap / closing
        if x0 < x < 1.0 - _EDGE:
            crossings["increase"].append((x, closing, rival.id))
        elif _EDGE < x < x0:
            crossings["decrease"].append((x, closing, rival.id))
    found = []
    for direction, options in crossings.items():
        if not options:
            continue
        if direction == "increase":
            x, _, rival_id = min(options, key=lambda t: (t[0], t[1]))
        else:
            x, _, rival_id = max(options, key=lambda t: (t[0], t[1]))
        found.append(
            WeightSwitch(
                criterion=criterion,
                direction=direction,  # type: ignore[arg-type]
                weight=x * others_raw / (1.0 - x),
                current_weight=current_raw,
                share=x,
                current_share=x0,
                new_winner=rival_id,
            )
        )
    return tuple(found)


def switching_values(
    appraisal: Appraisal, weights: Mapping[str, float] | None = None
) -> tuple[WeightSwitch, ...]:
    """Weight switching values of every criterion, at every level of the hierarchy."""
    return tuple(
        switch
        for criterion in _criterion_tree(appraisal.rule_base_model)
        for switch in weight_switching_values(appraisal, criterion, weights)
    )


# --------------------------------------------------------------------------- counterfactuals


class CounterfactualReport(_Result):
    """Single evidence changes that change the winner or a verdict, and the smallest sets."""

    singles: tuple[EvidenceCounterfactual, ...]
    smallest: tuple[EvidenceCounterfactual, ...]
    """When no single change moves the winner: the smallest sets found that do."""
    search: CounterfactualSearch


@dataclass(frozen=True)
class _Outcome:
    winner: str | None
    verdicts: dict[str, str]
    totals: dict[str, float]
    excluded: dict[str, bool]


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
        self.results = {o.id: o for o in appraisal.options}
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
        self.winner = winner(appraisal)
        self.verdicts = {o.id: o.verdict for o in appraisal.options}

    def downstream(self, fact_id: str) -> frozenset[str]:
        """The rules whose firing may change when this fact does."""
        if fact_id not in self._downstream:
            graph = self.compiled.graph
            self._downstream[fact_id] = frozenset(
                graph.nodes[n]["id"]
                for n in nx.descendants(graph, node("fact", fact_id))
                if graph.nodes[n]["kind"] == "rule"
            )
        return self._downstream[fact_id]

    def evaluate(self, changes: Mapping[str, Value], *, verdicts: bool = True) -> _Outcome | None:
        """The winner and every verdict under the changes; None if the rules then contradict."""
        propagated = self._propagate(changes)
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

    def _propagate(
        self, changes: Mapping[str, Value]
    ) -> tuple[list[str], dict[str, bool], _Overlay] | None:
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
            metrics: dict[str, Value | None] = {
                "rank": _number(ranks.get(option_id)),
                "short_term_rank": _number(short.get(option_id)),
                "long_term_rank": _number(long.get(option_id)),
                "score": totals[option_id],
                "short_term_score": horizon["short"][option_id],
                "long_term_score": horizon["long"][option_id],
                "excluded": excluded[option_id],
            }
            verdicts[option_id] = next(
                rule.verdict
                for rule in self.rule_base.verdicts
                if rule.otherwise
                or (
                    rule.when is not None
                    and evaluate_condition(rule.when, facts, self.compiled.scales, metrics) is True
                )
            )
        first = [o for o, rank in ranks.items() if rank == 1]
        return _Outcome(first[0] if len(first) == 1 else None, verdicts, totals, excluded)

    def reach(self, fact_id: str) -> tuple[bool, dict[str, float]]:
        """How far changing one fact could possibly move things, whatever the new value.

        Whether it reaches a gate rule of the winner, and for each rival the most
        it could close the winner's lead by (None-like infinity when it could
        lift a gate failure the rival depends on). Summed over the items of a
        set this bounds the set's effect from above, since a cell's reachable
        range grows at most additively in the rules that may move.
        """
        changeable = self.downstream(fact_id)
        if self.winner is None or self.gate_rules[self.winner] & changeable:
            return True, {}
        gains: dict[str, float] = {}
        for rival in self.results.values():
            if rival.id == self.winner:
                continue
            gain = 0.0
            for option_id, sign in ((rival.id, 1.0), (self.winner, -1.0)):
                for criterion_id in self.compiled.leaves:
                    cell = self.cells[(option_id, criterion_id)]
                    if not changeable.intersection(cell.rules):
                        continue
                    low, high = self._cell_range(cell, changeable)
                    current = self.base_points[(option_id, criterion_id)]
                    gain += (high - current) if sign > 0 else (current - low)
            gains[rival.id] = gain
            if self.gate_rules[rival.id] & changeable:
                gains[rival.id + "\0gate"] = 1.0
        return False, gains

    def may_flip(self, reaches: Sequence[tuple[bool, dict[str, float]]]) -> bool:
        """False only when no set of changes with these reaches can move the winner."""
        if self.winner is None or any(hits for hits, _ in reaches):
            return True
        lead = self.results[self.winner].score
        for rival in self.results.values():
            if rival.id == self.winner:
                continue
            if rival.excluded and not any(r.get(rival.id + "\0gate") for _, r in reaches):
                continue
            gain = sum(r.get(rival.id, 0.0) for _, r in reaches)
            if gain >= lead - rival.score - TIE_TOLERANCE:
                return True
        return False

    def _cell_range(self, cell: _Cell, changeable: frozenset[str]) -> tuple[float, float]:
        """The lowest and highest points a cell can reach when only ``changeable`` rules move."""
        fixed_sets = [to for r, to in cell.sets if r not in changeable and r in self.base_fired]
        starts = fixed_sets[:1] or [cell.baseline, *(to for r, to in cell.sets if r in changeable)]
        fixed = sum(by for r, by in cell.adjusts if r not in changeable and r in self.base_fired)
        moving = [by for r, by in cell.adjusts if r in changeable]
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

    def get(self, key: str, default: object = None) -> Value | None:  # type: ignore[override]
        if key in self.top:
            return self.top[key]
        return self.base.get(key)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter({**self.base, **self.top})

    def __len__(self) -> int:
        return len({**self.base, **self.top})


def _number(rank: int | None) -> float | None:
    return None if rank is None else float(rank)


def _crossing(value: float, threshold: float, holds: object) -> float | None:
    """The value nearest ``value`` across ``threshold`` that changes the test ``holds``."""
    assert callable(holds)
    whole = float(value).is_integer() and float(threshold).is_integer()
    step = 1.0 if whole else 1e-3 * max(1.0, abs(threshold))
    now = holds(value)
    options = [v for v in (threshold, threshold - step, threshold + step) if holds(v) != now]
    return min(options, key=lambda v: abs(v - value)) if options else None


def candidate_changes(appraisal: Appraisal) -> list[EvidenceChange]:
    """Every single change the search considers, for each known evidence item a rule reads.

    A boolean is flipped; a level moves one step up or down its scale; a number
    moves to the nearest value across each threshold a rule or verdict tests
    (a constant, or another fact's value times its factor); a text value takes
    each constant it is compared with.
    """
    rule_base = appraisal.rule_base_model
    graph = compiled_for(appraisal).graph
    evidence = appraisal.evidence
    tests: list[Comparison] = [c for r in rule_base.rules.values() for c in comparisons(r.when)]
    tests += [c for v in rule_base.verdicts if v.when is not None for c in comparisons(v.when)]
    found: list[EvidenceChange] = []
    for fact_id, spec in rule_base.facts.items():
        value = evidence.get(fact_id)
        if value is None or graph.out_degree(node("fact", fact_id)) == 0:
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
                    for c in tests
                    if c.fact == fact_id and not isinstance(c.operand, FactRef)
                }
                - {value}
            )
        else:
            options = _number_options(fact_id, float(value), tests, evidence)
        found += [EvidenceChange(evidence=fact_id, from_=value, to=o) for o in options]
    return found


def _number_options(
    fact_id: str, value: float, tests: Sequence[Comparison], evidence: Mapping[str, Value | None]
) -> list[Value]:
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
    return sorted(options, key=lambda v: (abs(v - value), v))


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
        helpful.append((_lead(what_if, {change.evidence: change.to}), index))
    smallest: list[EvidenceCounterfactual] = []
    exhaustive = True
    size_found: int | None = 1 if any(s.changes_winner for s in singles) else None
    if size_found is None and what_if.winner is not None:
        ordered = [candidates[i] for _, i in sorted(helpful)]
        reach = [what_if.reach(c.evidence) for c in ordered]
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


def _lead(what_if: _WhatIf, changes: Mapping[str, Value]) -> float:
    """How far ahead the winner stays under a change (lower is more promising)."""
    outcome = what_if.evaluate(changes)
    if outcome is None or what_if.winner is None:
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


# --------------------------------------------------------------------------- pairwise


def versus(appraisal: Appraisal, a: str, b: str, attribution: Attribution | None = None) -> Versus:
    """Why A over B: every criterion's weighted difference, with its rules and evidence."""
    option_a, option_b = appraisal.option(a), appraisal.option(b)
    attribution = attribution or attribute(appraisal)
    deltas_a, deltas_b = rule_deltas(appraisal, option_a), rule_deltas(appraisal, option_b)
    rule_base = appraisal.rule_base_model
    leaves = compiled_for(appraisal).leaves
    tree = _criterion_tree(rule_base)

    def subtree(criterion_id: str) -> list[str]:
        if criterion_id in leaves:
            return [criterion_id]
        return [
            leaf
            for child in tree[criterion_id][1][criterion_id].children
            for leaf in subtree(child)
        ]

    def difference(criterion_id: str) -> CriterionDifference:
        under = set(subtree(criterion_id))
        evidence: dict[str, float] = {}
        for sign, option_id in ((1.0, a), (-1.0, b)):
            by_criterion = attribution.options[option_id].by_criterion
            for leaf in under:
                for item, points in by_criterion.get(leaf, {}).items():
                    evidence[item] = evidence.get(item, 0.0) + sign * points
        points_a = option_a.contributions[criterion_id]
        points_b = option_b.contributions[criterion_id]
        name = tree[criterion_id][1][criterion_id].name or criterion_id
        return CriterionDifference(
            criterion=criterion_id,
            name=name,
            points_a=points_a,
            points_b=points_b,
            difference=points_a - points_b,
            rules_a=tuple(d for d in deltas_a if d.criterion in under),
            rules_b=tuple(d for d in deltas_b if d.criterion in under),
            evidence=dict(
                sorted(
                    ((k, v) for k, v in evidence.items() if abs(v) > 1e-12),
                    key=lambda kv: -abs(kv[1]),
                )
            ),
        )

    found = [difference(c) for c in tree]
    by_size = sorted(found, key=lambda d: -abs(d.difference))
    return Versus(
        a=a,
        b=b,
        total_a=option_a.score,
        total_b=option_b.score,
        difference=option_a.score - option_b.score,
        criteria=tuple(d for d in by_size if d.criterion in leaves),
        groups=tuple(d for d in by_size if d.criterion not in leaves),
    )


# --------------------------------------------------------------------------- evidence drivers


def evidence_drivers(
    appraisal: Appraisal, option: str | OptionResult, attribution: Attribution | None = None
) -> list[EvidenceDriver]:
    """The evidence items that weigh most on an option, largest first, with their rules."""
    result = appraisal.option(option) if isinstance(option, str) else option
    attribution = attribution or attribute(appraisal)
    points = attribution.options[result.id].attribution
    rule_base = appraisal.rule_base_model
    graph = compiled_for(appraisal).graph
    moved = {d.rule for d in rule_deltas(appraisal, result)}
    moved |= {f.rule for f in result.gate_failures}
    found = []
    for item in sorted(points, key=lambda i: -abs(points[i])):
        if points[item] == 0.0:
            continue
        reached = {
            graph.nodes[n]["id"]
            for n in nx.descendants(graph, node("fact", item))
            if graph.nodes[n]["kind"] == "rule"
        }
        rules = tuple(r for r in rule_base.rules if r in reached and r in moved)
        found.append(
            EvidenceDriver(
                evidence=cite_evidence(appraisal, item),
                points=points[item],
                rules=rules,
                rule_sources=tuple(dict.fromkeys(s for r in rules if (s := _source(appraisal, r)))),
            )
        )
    return found


# --------------------------------------------------------------------------- narrative


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _change_text(change: EvidenceChange) -> str:
    return f"{change.evidence} {_value_text(change.from_)} -> {_value_text(change.to)}"


def narrative(
    appraisal: Appraisal,
    option: str | OptionResult,
    attribution: Attribution,
    counterfactuals: CounterfactualReport,
    switches: Sequence[WeightSwitch],
) -> str:
    """A short plain-English account of one option's verdict, generated from the data."""
    result = appraisal.option(option) if isinstance(option, str) else option
    rule_base = appraisal.rule_base_model
    verdict_rule = rule_base.verdicts[result.verdict_rule]
    ranked = len(appraisal.ranking)
    label = result.verdict.replace("_", " ")
    why = f": {verdict_rule.rationale.rstrip('.')}" if verdict_rule.rationale else ""
    cite = f" ({verdict_rule.source})" if verdict_rule.source else ""
    parts = [f"{result.name} is {label}{why}{cite}."]
    spread = attribution.options[result.id]
    standing = (
        "excluded from the ranking" if result.excluded else f"ranked {result.rank} of {ranked}"
    )
    parts.append(
        f"It scores {result.score:.1f} ({standing}), against {spread.baseline:.1f} with every"
        " evidence item unknown."
    )
    for failure in result.gate_failures:
        rule = rule_base.rules[failure.rule]
        cited = "; ".join(
            f"{e.id} = {_value_text(e.value)} ({e.source})"
            for e in evidence_behind(appraisal, failure.rule)
        )
        parts.append(
            f"It fails the gate '{rule_base.gates[failure.gate].name}':"
            f" {(rule.rationale or failure.rule).rstrip('.')} ({_source(appraisal, failure.rule)};"
            f" evidence: {cited})."
        )
    top = [d for d in evidence_drivers(appraisal, result, attribution) if abs(d.points) >= 0.05][:5]
    for sign, heading in (
        (1, "Evidence weighing most for it"),
        (-1, "Evidence weighing most against it"),
    ):
        chosen = [d for d in top if (d.points > 0) == (sign > 0)]
        if chosen:
            items = "; ".join(
                f"{d.evidence.id} = {_value_text(d.evidence.value)} ({d.evidence.source},"
                f" {d.points:+.1f})"
                for d in chosen
            )
            parts.append(f"{heading}: {items}.")
    parts.append(_against_winner(appraisal, result, attribution))
    parts.append(_what_would_change(appraisal, result, counterfactuals, switches))
    return " ".join(p for p in parts if p)


def _against_winner(appraisal: Appraisal, result: OptionResult, attribution: Attribution) -> str:
    """Where the option gains or loses most against the first-ranked (or runner-up) option,
    with the rules behind those criteria and the paragraphs they cite."""
    first = winner(appraisal)
    other = (
        first
        if first != result.id
        else next((o for o in appraisal.ranking if o != result.id), None)
    )
    if other is None:
        return ""
    pair = versus(appraisal, result.id, other, attribution)
    rule_base = appraisal.rule_base_model
    key = [d for d in pair.criteria if abs(d.difference) >= 0.05][:2]
    if not key:
        return ""
    texts = []
    for diff in key:
        rules = sorted(diff.rules_a, key=lambda d: -abs(d.points))
        behind = "; ".join(
            f"{(rule_base.rules[d.rule].rationale or d.rule).rstrip('.')}"
            f" ({_source(appraisal, d.rule)}, {d.points:+.1f})"
            for d in [d for d in rules if abs(d.points) >= 0.05][:3]
        )
        where = f", where {behind}" if behind else ""
        texts.append(f"{diff.name} ({diff.difference:+.1f}){where}")
    verb = "leads" if pair.difference >= 0 else "trails"
    return (
        f"It {verb} {other} by {abs(pair.difference):.1f} points, most on "
        + "; and on ".join(texts)
        + "."
    )


def _what_would_change(
    appraisal: Appraisal,
    result: OptionResult,
    counterfactuals: CounterfactualReport,
    switches: Sequence[WeightSwitch],
) -> str:
    flips = [
        c for c in counterfactuals.singles if any(v.option == result.id for v in c.verdict_changes)
    ]
    if flips:
        texts = []
        for flip in flips[:3]:
            to = next(v.to for v in flip.verdict_changes if v.option == result.id)
            texts.append(
                f"{'; '.join(_change_text(c) for c in flip.changes)}"
                f" (it would become {to.replace('_', ' ')})"
            )
        sentence = "Its verdict would change with " + ", or ".join(texts) + "."
    else:
        sentence = "No single change of evidence changes its verdict."
    first = winner(appraisal)
    if result.id == first:
        if counterfactuals.smallest:
            best = counterfactuals.smallest[0]
            sentence += (
                f" First place would pass to {best.new_winner} only with"
                f" {len(best.changes)} changes together:"
                f" {'; '.join(_change_text(c) for c in best.changes)}."
            )
        if switches:
            nearest = min(switches, key=lambda s: abs(s.share - s.current_share))
            sentence += (
                f" The nearest weight switching value: {nearest.criterion} at"
                f" {nearest.weight:.3g} (now {nearest.current_weight:.3g}) hands first"
                f" place to {nearest.new_winner}."
            )
        else:
            sentence += " The recommendation is stable to any single weight change."
    else:
        mine = [s for s in switches if s.new_winner == result.id]
        if mine:
            nearest = min(mine, key=lambda s: abs(s.share - s.current_share))
            sentence += (
                f" It would take first place if the weight of {nearest.criterion} went"
                f" from {nearest.current_weight:.3g} to {nearest.weight:.3g}."
            )
    return sentence


# --------------------------------------------------------------------------- all together


def explain(
    appraisal: Appraisal,
    *,
    weights: Mapping[str, float] | None = None,
    max_exact: int = MAX_EXACT_PLAYERS,
    samples: int = 100,
    seed: int = 0,
    max_changes: int = 2,
    budget: int = 20_000,
) -> Explanation:
    """Explain every option of an appraisal: contributions, attribution, trace,
    switching values, evidence counterfactuals and a narrative.

    ``weights`` are the raw weight overrides the appraisal was run with beyond
    the scenario's own (switching values are reported in raw units).
    """
    attribution = attribute(appraisal, max_exact=max_exact, samples=samples, seed=seed)
    switches = switching_values(appraisal, weights)
    report = evidence_counterfactuals(appraisal, max_size=max_changes, budget=budget)
    options = []
    for result in appraisal.options:
        spread = attribution.options[result.id]
        options.append(
            OptionExplanation(
                id=result.id,
                name=result.name,
                verdict=result.verdict,
                rank=result.rank,
                excluded=result.excluded,
                total=result.score,
                baseline=spread.baseline,
                rule_baseline=rule_baseline(appraisal, result),
                contributions=result.contributions,
                rule_deltas=rule_deltas(appraisal, result),
                attribution=spread.attribution,
                attribution_method=spread.method,
                attribution_error=spread.error,
                verdict_counterfactuals=tuple(
                    c
                    for c in report.singles
                    if any(v.option == result.id for v in c.verdict_changes)
                ),
                trace=evidence_trace(appraisal, result),
                narrative=narrative(appraisal, result, attribution, report, switches),
            )
        )
    counterfactuals = tuple(c for c in report.singles if c.changes_winner)
    counterfactuals += tuple(c for c in report.singles if not c.changes_winner)
    return Explanation(
        scenario=appraisal.scenario,
        winner=winner(appraisal),
        recommended=appraisal.recommended,
        options=tuple(options),
        switching_values=switches,
        stable_to_weights=not switches,
        evidence_counterfactuals=counterfactuals + report.smallest,
        search=report.search,
        attribution_method=attribution.method,
    )
