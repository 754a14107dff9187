"""Evidence attribution: each option's total shared among evidence items by Shapley value.

The total splits into small games, each computed exactly over every coalition of its few
players as bitsets, or estimated by seeded permutation sampling when too large; the cost and
the subtlety of the explanation are here, so they are kept on their own.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .._guards import require_count
from ..appraise import Appraisal, CompiledRuleBase
from ..engine import encode, evaluate
from ..errors import RuleEvaluationError
from ..models import (
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    DeriveEffect,
    FactRef,
    Known,
    NotOf,
    Value,
)
from ..rules import compare, evaluate_condition, facts_read
from ._shared import _Cell, _cells, _derivations, compiled_for
from .records import Attribution, OptionAttribution

MAX_EXACT_PLAYERS = 20
"""Largest number of evidence items in one game computed exactly (2**20 coalitions)."""


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


def _all_unknown_totals(
    appraisal: Appraisal, cells: Mapping[tuple[str, str], _Cell]
) -> dict[str, float]:
    """Each option's total with every evidence item unknown."""
    compiled = compiled_for(appraisal)
    outcome = evaluate(compiled, encode(compiled, [{}]))
    fired = {rule for p, rule in enumerate(compiled.order) if outcome.fired[p, 0]}
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
                reach = compiled.upstream_facts(rule_id) & known_set
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
    max_exact = require_count(max_exact, "max_exact", 0)
    samples = require_count(samples, "samples", 1)
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


class _Plan:
    """One sampled game's rules in evaluation order, with what each player can reach.

    Precomputed once per game so that each permutation step reruns only the rules
    downstream of the item that joins the coalition, not every upstream rule.
    """

    def __init__(self, appraisal: Appraisal, compiled: CompiledRuleBase, game: _Game) -> None:
        rule_base = compiled.rule_base
        needed = set(game.rules)
        for rule_id in game.rules:
            needed.update(compiled.upstream_rules(rule_id))
        order = tuple(r for r in compiled.order if r in needed)
        self.order = order
        self.game = game
        self.evidence = appraisal.evidence
        self.scales = compiled.scales
        self.conditions = [rule_base.rules[r].when for r in order]
        self.derives: list[dict[str, Value]] = [
            {e.derive: e.value for e in rule_base.rules[r].then if isinstance(e, DeriveEffect)}
            for r in order
        ]
        derivers: dict[str, list[int]] = {}
        readers: dict[str, list[int]] = {}
        for i, rule_id in enumerate(order):
            for finding in self.derives[i]:
                derivers.setdefault(finding, []).append(i)
            for read in facts_read(rule_base.rules[rule_id].when):
                readers.setdefault(read, []).append(i)
        self.derivers = derivers
        self.downstream: dict[str, tuple[int, ...]] = {}
        for player in game.players:
            reached: set[int] = set()
            todo = list(readers.get(player, ()))
            while todo:
                i = todo.pop()
                if i not in reached:
                    reached.add(i)
                    for finding in self.derives[i]:
                        todo.extend(readers.get(finding, ()))
            self.downstream[player] = tuple(sorted(reached))
        index = {r: i for i, r in enumerate(order)}
        self.game_rules = frozenset(index[r] for r in game.rules)
        self.first_rule = index[game.rules[0]]
        self.cell_rules = [
            tuple(index[r] for r in cell.rules) if coefficient is None else ()
            for cell, coefficient in game.cells
        ]
        self.empty = _Coalition(self)
        for i, condition in enumerate(self.conditions):
            if evaluate_condition(condition, self.empty.facts, self.scales) is True:
                self.empty.fired[i] = True
                self.empty.facts.update(self.derives[i])
        self.empty_worth = self.empty.worth()


class _Coalition:
    """Every needed rule's firing for a growing coalition of one game's players.

    Matches evaluating the plan's rules from scratch in order with only the
    coalition's items known: a finding is the value derived by the last of its
    deriving rules that fires (in that order), else unknown.
    """

    def __init__(
        self,
        plan: _Plan,
        facts: dict[str, Value | None] | None = None,
        fired: list[bool] | None = None,
    ) -> None:
        self.plan = plan
        self.facts: dict[str, Value | None] = {} if facts is None else facts
        self.fired = [False] * len(plan.conditions) if fired is None else fired

    def copy(self) -> _Coalition:
        return _Coalition(self.plan, dict(self.facts), list(self.fired))

    def add(self, player: str) -> bool:
        """Make one more item known; True when any of the game's own rules changed firing."""
        plan, facts, fired = self.plan, self.facts, self.fired
        facts[player] = plan.evidence.get(player)
        moved = False
        for i in plan.downstream[player]:
            now = evaluate_condition(plan.conditions[i], facts, plan.scales) is True
            if now == fired[i]:
                continue
            fired[i] = now
            moved = moved or i in plan.game_rules
            for finding in plan.derives[i]:
                value: Value | None = None
                for k in plan.derivers[finding]:
                    if fired[k]:
                        value = plan.derives[k][finding]
                facts[finding] = value
        return moved

    def worth(self) -> list[float]:
        """The game's worth, per cell, for the current coalition."""
        game, fired = self.plan.game, self.fired
        result = []
        for (cell, coefficient), rules in zip(game.cells, self.plan.cell_rules, strict=True):
            if coefficient is not None:
                result.append(coefficient if fired[self.plan.first_rule] else 0.0)
            else:
                result.append(
                    cell.points(r for r, i in zip(cell.rules, rules, strict=True) if fired[i])
                )
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
    is recorded for the error bound. Worths are updated incrementally as each
    item joins (``_Coalition``), which gives the same values as rerunning the
    rules from scratch.
    """
    plan = _Plan(appraisal, compiled, game)
    players = list(game.players)
    position = {p: j for j, p in enumerate(game.players)}
    cells = range(len(game.cells))
    sums = [[0.0] * len(players) for _ in game.cells]
    squares = [[0.0] * len(players) for _ in game.cells]
    for _ in range(samples):
        rng.shuffle(players)
        coalition = plan.empty.copy()
        before = plan.empty_worth
        for player in players:
            after = coalition.worth() if coalition.add(player) else before
            j = position[player]
            for c in cells:
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
