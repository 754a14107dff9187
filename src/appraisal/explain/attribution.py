"""Evidence attribution: each option's total shared among evidence items by Shapley value.

The total splits into small games (one per rule of a cell that cannot clamp, one per cell
that can), each over the few evidence items upstream of it. A game's worth on a coalition of
items is what the engine gives when only those items are known: coalitions are rows of a
batch, and every game's rows go through the engine in two batches. Exact Shapley values come
from counting, for every coalition size, the coalitions where a game's rules fire; a game too
large to enumerate is estimated from seeded random permutations, whose prefixes are rows too.

Enumerating every coalition is rarely needed. When some items reach a game only through one
finding (every rule reading them, directly or through other findings, lies upstream of that
finding and of nothing else the game reads), the game sees those items only through the
finding's state (unknown, or each value it takes). Their coalitions are evaluated once, and
counted by size and state; the game is then evaluated on one coalition standing for each
state, with the other items enumerated as before. The counts combine exactly (sizes add,
numbers of coalitions multiply), so the values are those of full enumeration.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .._guards import require_count
from ..appraise import Appraisal
from ..engine import Columns, CompiledModel, Outcome, cell_bounds, cell_values, evaluate
from ._shared import evidence_columns, model_of
from .records import Attribution, OptionAttribution

MAX_EXACT_PLAYERS = 20
"""Largest number of evidence items in one game computed exactly (2**20 coalitions)."""

ENUMERATED_UP_TO = 5
"""Games (and modules) of this many items or fewer have every coalition evaluated: fewer
rows through modules would not repay counting them apart."""

KEPT_PATTERNS = 8
"""Coalition patterns (``_size_patterns``) of up to this many items are kept between calls:
a few kilobytes, asked for by every plan."""


# --------------------------------------------------------------------------- games


@dataclass(frozen=True)
class CellMoves:
    """The rules that can move one option's value on one leaf criterion, as the model
    indexes them, and what a point of utility there is worth."""

    option: int
    leaf: int
    criterion: str
    rules: tuple[int, ...]
    """Positions in the model's order: the rules that set it, then those that adjust it."""
    moves: tuple[tuple[int, float], ...]
    """Each rule's nominal change of the value (a set: its value minus the baseline)."""
    linear: bool
    """True when no pattern of firings can clamp it or set it two ways: additive in rules."""
    weight: float
    """Score points per point of utility: the criterion's global weight."""
    sign: float
    """1 where more is better, -1 where it is worse (``minimise``)."""


def cell_moves(model: CompiledModel, weights: Mapping[str, float]) -> list[CellMoves]:
    """Every (option, leaf criterion) cell some rule moves, option by option, leaves as declared."""
    low, high = cell_bounds(model)
    found = []
    for i in range(len(model.options)):
        for k, leaf in enumerate(model.leaf_ids):
            sets = model.cell_sets.get((i, k), ())
            adjusts = model.cell_adjusts.get((i, k), ())
            if not sets and not adjusts:
                continue
            baseline = float(model.baselines[i, k])
            rules = tuple(dict.fromkeys([p for p, _ in sets] + [p for p, _ in adjusts]))
            moves = tuple((p, to - baseline) for p, to in sets) + tuple(adjusts)
            found.append(
                CellMoves(
                    option=i,
                    leaf=k,
                    criterion=leaf,
                    rules=rules,
                    moves=moves,
                    linear=bool(low[i, k] >= 0.0 and high[i, k] <= 100.0 and len(sets) <= 1),
                    weight=weights[leaf],
                    sign=1.0 if model.maximise[k] else -1.0,
                )
            )
    return found


@dataclass
class _Game:
    """A game over a few evidence items: the worth of a coalition is the points of its cells.

    A linear cell's rule makes a game of its own, worth its coefficient where it fires;
    a clampable cell is one game, worth the cell's points under its rules' firing.
    """

    players: tuple[str, ...]
    rules: tuple[int, ...]
    cells: list[tuple[CellMoves, float | None]] = field(default_factory=list)
    """Each cell with its linear coefficient (None: the whole cell is this game)."""


@dataclass(frozen=True)
class _Upstream:
    """Per rule: itself and every rule upstream of it, and the facts upstream of it."""

    rules: Mapping[str, frozenset[str]]
    facts: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, model: CompiledModel) -> _Upstream:
        """Worked out in one pass, derivers coming before the rules that read them."""
        rules: dict[str, frozenset[str]] = {}
        facts: dict[str, frozenset[str]] = {}
        declared = model.rule_base.facts
        for rule_id in model.order:
            above = {rule_id}
            read = set()
            for name in model.reads[rule_id]:
                if name in declared:
                    read.add(name)
                for deriver in model.derivers.get(name, ()):
                    above |= rules[deriver]
                    read |= facts[deriver]
            rules[rule_id] = frozenset(above)
            facts[rule_id] = frozenset(read)
        return cls(rules, facts)


def _games(
    model: CompiledModel, cells: Sequence[CellMoves], known: Sequence[str], upstream: _Upstream
) -> dict[tuple[str | int, ...], _Game]:
    """Split the total into games: one per rule of unclampable cells, one per clampable cell."""

    def players_of(rules: Iterable[int]) -> tuple[str, ...]:
        found = frozenset().union(*(upstream.facts[model.order[p]] for p in rules))
        return tuple(f for f in known if f in found)

    games: dict[tuple[str | int, ...], _Game] = {}
    key: tuple[str | int, ...]
    for cell in cells:
        if cell.linear:
            for position, by in cell.moves:
                key = (model.order[position],)
                game = games.setdefault(key, _Game(players_of([position]), (position,)))
                game.cells.append((cell, cell.weight * cell.sign * by))
        else:
            key = ("cell", cell.option, cell.leaf)
            games[key] = _Game(players_of(cell.rules), cell.rules, [(cell, None)])
    return games


# --------------------------------------------------------------------------- modules


@dataclass(frozen=True)
class _Module:
    """Items that reach a game only through one finding: their coalitions, and the finding's
    state on each (its index in ``states``)."""

    finding: str
    players: tuple[str, ...]
    rules: frozenset[str]
    """The rules upstream of the finding, its derivers included."""


class _Modules:
    """Finds, for each game, the items that reach it only through one finding."""

    def __init__(self, model: CompiledModel, known: Sequence[str], upstream: _Upstream) -> None:
        self.model = model
        self.known = frozenset(known)
        self.upstream_of = upstream
        self._shapes: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]] | None] = {}

    def upstream(self, rule_id: str) -> frozenset[str]:
        """The rule and every rule upstream of it."""
        return self.upstream_of.rules[rule_id]

    def shape(self, finding: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]] | None:
        """The rules upstream of a finding, the known facts they read, and the rules outside
        them that read those facts or the findings derived inside; None when a finding
        derived inside has a deriver outside (it is then no single way in)."""
        if finding not in self._shapes:
            model = self.model
            inside = frozenset().union(*(self.upstream(r) for r in model.derivers.get(finding, ())))
            facts = frozenset(f for r in inside for f in model.reads[r] if f in self.known)
            derived = {
                model.columns[c] for r in inside for c, _, _ in model.derivations[model.position[r]]
            } - {finding}
            if any(not set(model.derivers.get(d, ())) <= inside for d in derived):
                self._shapes[finding] = None
            else:
                readers = {r for name in facts | derived for r in model.readers.get(name, ())}
                self._shapes[finding] = (inside, facts, frozenset(readers - inside))
        return self._shapes[finding]

    def of(self, own: frozenset[str], players: tuple[str, ...]) -> tuple[_Module, ...]:
        """The modules of what the rules ``own`` do, over ``players``: the largest first,
        disjoint, each of two items or more."""
        model = self.model
        needed = frozenset().union(*(self.upstream(r) for r in own))
        findings = sorted(
            {f for r in needed for f in model.reads[r] if f in model.rule_base.findings}
        )
        present = set(players)
        found = []
        for finding in findings:
            shape = self.shape(finding)
            if shape is None:
                continue
            inside, facts, outside = shape
            items = facts & present
            if len(items) >= 2 and not inside & own and not outside & needed:
                found.append((len(items), finding, items, inside))
        found.sort(key=lambda m: (-m[0], m[1]))
        chosen: list[_Module] = []
        taken: set[str] = set()
        covered: set[str] = set()
        for _, finding, items, inside in found:
            if items & taken or inside & covered:
                continue
            taken |= items
            covered |= inside
            chosen.append(_Module(finding, tuple(p for p in players if p in items), inside))
        return tuple(chosen)


# --------------------------------------------------------------------------- batches of coalitions


class _Batch:
    """Coalitions of evidence items gathered as rows, evaluated together by the engine."""

    def __init__(self, model: CompiledModel, evidence: Columns) -> None:
        self.model = model
        self.evidence = evidence
        self.parts: list[tuple[tuple[str, ...], np.ndarray]] = []
        self.rows = 0
        self.scored: list[slice] = []

    def add(self, players: tuple[str, ...], known: np.ndarray, *, cells: bool = False) -> slice:
        """Rows in which the ``players`` are known where ``known`` (players x rows) says,
        and every other item unknown; the slice of the batch they take. With ``cells``,
        their cells are valued too (a game of rules alone needs only their firing)."""
        start = self.rows
        self.parts.append((players, known))
        self.rows += known.shape[1]
        taken = slice(start, self.rows)
        if cells:
            self.scored.append(taken)
        return taken

    def run(self) -> tuple[Outcome, _Utility]:
        """The engine's outcome of every row, and the cells' utilities of the rows asked for."""
        model = self.model
        known = np.zeros((self.evidence.known.shape[0], self.rows), dtype=bool)
        start = 0
        for players, part in self.parts:
            stop = start + part.shape[1]
            for j, player in enumerate(players):
                known[model.column_of[player], start:stop] = part[j]
            start = stop
        values = np.repeat(self.evidence.values[:, :1], self.rows, axis=1)
        outcome = evaluate(model, Columns(known, values, self.evidence.texts))
        index = np.full(self.rows, -1, dtype=np.intp)
        scored = np.zeros(self.rows, dtype=bool)
        for rows in self.scored:
            scored[rows] = True
        wanted = np.flatnonzero(scored)
        index[wanted] = np.arange(len(wanted))
        if len(wanted):
            utility = cell_values(model, outcome.fired[:, wanted]).utility
        else:
            utility = np.zeros((0, *model.baselines.shape))
        return outcome, _Utility(index, utility)


@dataclass(frozen=True, eq=False)
class _Utility:
    """The cells' utilities (rows x options x leaves) of the rows of a batch that asked."""

    index: np.ndarray
    values: np.ndarray

    def __getitem__(self, rows: slice) -> np.ndarray:
        found = self.index[rows]
        assert (found >= 0).all(), "cells not valued for these rows"
        return np.asarray(self.values[found])


def _bits(count: int, size: int) -> np.ndarray:
    """Players x coalitions: coalition m holds player j when bit j of m is set."""
    coalitions = np.arange(1 << size, dtype=np.int64)
    return ((coalitions[None, :] >> np.arange(count, dtype=np.int64)[:, None]) & 1).astype(bool)


@dataclass
class _Counted:
    """A module's coalitions counted by the finding's state and by size."""

    states: int
    representative: np.ndarray
    """Players x states: a coalition giving each state (the first evaluated)."""
    sizes: np.ndarray
    """States x sizes: how many coalitions give each state."""
    holding: np.ndarray
    """Players x states x sizes: the same, counting only coalitions that hold the player."""
    size_products: dict[int, np.ndarray] = field(default_factory=dict)
    holding_products: dict[int, np.ndarray] = field(default_factory=dict)
    """``_product_matrix`` of ``sizes`` and of ``holding`` by length of the counts they
    multiply: a plan's counts are combined with the same module many times."""


@dataclass
class _Plan:
    """How the coalitions of some players are evaluated: the players that reach what is
    evaluated only through one finding (a module each, counted through its own plan first),
    and the rest, enumerated with one coalition standing for each combination of module
    states. Games over the same players share a plan; so do modules."""

    players: tuple[str, ...]
    modules: tuple[_Module, ...]
    rest: tuple[str, ...]
    inner: tuple[_Plan, ...]
    """The modules' own plans."""
    depth: int
    """The batch its rows go in: the one after its modules' (the first without)."""
    rows: slice = field(default_factory=lambda: slice(0, 0))
    known: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    """Players x rows: who is known in each of its rows."""
    counted: tuple[_Counted, ...] = ()
    cells: bool = False
    """Whether some game of the plan needs its cells valued (a clampable cell)."""


def _clamps(game: _Game) -> bool:
    """Whether the game is a clampable cell, whose worth needs the cell's value."""
    return any(coefficient is None for _, coefficient in game.cells)


def _coalitions(plan: _Plan) -> np.ndarray:
    """Players x rows: every combination of module states (one coalition standing for each,
    the first module's states slowest) with every coalition of the rest (fastest). The
    first row is the empty coalition."""
    shape = tuple(c.states for c in plan.counted)
    combos = int(np.prod(shape))
    rest = len(plan.rest)
    found = dict(zip(plan.rest, np.tile(_bits(rest, rest), (1, combos)), strict=True))
    grid = np.indices(shape).reshape(len(shape), combos)
    for index, (module, counted) in enumerate(zip(plan.modules, plan.counted, strict=True)):
        states = np.repeat(grid[index], 1 << rest)
        for j, player in enumerate(module.players):
            found[player] = counted.representative[j, states]
    known = np.zeros((len(plan.players), combos << rest), dtype=bool)
    for j, player in enumerate(plan.players):
        known[j] = found[player]
    return known


def _count(plan: _Plan, module: _Module, outcome: Outcome, model: CompiledModel) -> _Counted:
    """Count a module's coalitions (its plan's rows of ``outcome``) by the finding's state,
    numbered as they first appear: the first row, nothing known, gives state 0."""
    column = model.column_of[module.finding]
    known = outcome.columns.known[column, plan.rows]
    keys = np.where(known, outcome.columns.values[column, plan.rows], np.inf)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)
    state = np.argsort(order)[inverse.reshape(-1)]
    indicators = state[None, :] == np.arange(len(first))[:, None]
    sizes, holding = _size_counts(plan, indicators)
    return _Counted(len(first), plan.known[:, first[order]], sizes, np.moveaxis(holding, 0, 1))


def _times(
    counts: np.ndarray, axis: int, polynomials: np.ndarray, products: dict[int, np.ndarray]
) -> np.ndarray:
    """Sum over the states on ``axis`` of ``counts`` (by size, on the last axis) times each
    state's polynomial of sizes (``polynomials``: states x degrees, or players x states x
    degrees, giving a players axis after the others): sizes add, numbers multiply.
    ``products`` keeps the polynomials' matrices by length, for the next call.

    Counts are whole numbers, counted exactly.
    """
    moved = np.moveaxis(counts, axis, -2)
    states, length = moved.shape[-2:]
    matrix = products.get(length)
    if matrix is None:
        matrix = products[length] = _product_matrix(polynomials, length)
    flat = moved.reshape(*moved.shape[:-2], states * length)
    if polynomials.ndim == 2:
        return np.asarray(flat @ matrix)
    found = np.tensordot(flat, matrix, ([-1], [1]))
    return np.asarray(found)


def _product_matrix(polynomials: np.ndarray, length: int) -> np.ndarray:
    """The matrix (states x length, by the product's sizes; a players axis first when
    ``polynomials`` has one) that multiplies counts of ``length`` sizes by the polynomials."""
    states, degree = polynomials.shape[-2:]
    matrix = np.zeros((*polynomials.shape[:-1], length, length + degree - 1), dtype=np.int64)
    steps = np.arange(length)[:, None] + np.arange(degree)[None, :]
    matrix[..., np.arange(length)[:, None], steps] = polynomials[..., None, :]
    return matrix.reshape(*polynomials.shape[:-2], states * length, -1)


def _packed(flags: np.ndarray) -> np.ndarray:
    """Flags on the last axis as bits of 64-bit words (the last axis), padded with zeros:
    counting coalitions is then counting set bits."""
    packed = np.packbits(flags, axis=-1, bitorder="little")
    pad = -packed.shape[-1] % 8
    if pad:
        zeros = np.zeros((*packed.shape[:-1], pad), dtype=np.uint8)
        packed = np.concatenate([packed, zeros], axis=-1)
    return np.ascontiguousarray(packed).view(np.uint64)


def _size_patterns(rest: int) -> tuple[np.ndarray, np.ndarray]:
    """The coalitions of ``rest`` players, packed as ``_packed`` does: those of each size
    (sizes x words), and those of each size holding each player (players x sizes x words).
    The few small sizes every plan asks for are kept."""
    return _small_size_patterns(rest) if rest <= KEPT_PATTERNS else _new_size_patterns(rest)


@functools.lru_cache(maxsize=KEPT_PATTERNS + 1)
def _small_size_patterns(rest: int) -> tuple[np.ndarray, np.ndarray]:
    """``_new_size_patterns``, kept read-only."""
    patterns = _new_size_patterns(rest)
    for pattern in patterns:
        pattern.flags.writeable = False
    return patterns


def _new_size_patterns(rest: int) -> tuple[np.ndarray, np.ndarray]:
    members = _bits(rest, rest)
    of_size = members.sum(axis=0)[None, :] == np.arange(rest + 1)[:, None]
    return _packed(of_size), _packed(members[:, None, :] & of_size[None])


def _count_bits(words: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """How many of the coalitions set in ``words`` (..., words) each pattern (patterns x
    words) holds: ... x patterns, exactly."""
    common = np.bitwise_and(words[..., None, :], patterns)
    return np.asarray(np.bitwise_count(common).sum(axis=-1, dtype=np.int64))


def _size_counts(plan: _Plan, indicators: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each set of the plan's rows flagged in ``indicators`` (sets x rows): how many of
    the coalitions the rows stand for have each size (sets x sizes), and how many of those
    hold each player (sets x players, in ``plan.players`` order, x sizes)."""
    games = indicators.shape[0]
    shape = tuple(c.states for c in plan.counted)
    rest = len(plan.rest)
    words = _packed(indicators.astype(bool).reshape(games, *shape, 1 << rest))
    by_size, holding_rest = _size_patterns(rest)
    base = _count_bits(words, by_size)
    held = np.zeros((*base.shape[:-1], rest, rest + 1), dtype=np.int64)
    for j in range(rest):
        held[..., j, :] = _count_bits(words, holding_rest[j])
    if not plan.modules:  # every coalition is a row
        return base, held
    spread = np.moveaxis(held, -2, 1)
    stacked = np.concatenate([base[:, None], spread], axis=1)

    def combine(counts: np.ndarray, lead: int, skip: int = -1) -> np.ndarray:
        for index in reversed(range(len(plan.counted))):
            if index != skip:
                counted = plan.counted[index]
                counts = _times(counts, lead + index, counted.sizes, counted.size_products)
        return counts

    combined = combine(stacked, 2)
    holding: dict[str, np.ndarray] = {p: combined[:, 1 + j] for j, p in enumerate(plan.rest)}
    for index, (module, counted) in enumerate(zip(plan.modules, plan.counted, strict=True)):
        others = combine(base, 1, skip=index)  # games x states x sizes
        # games x players x sizes
        found = _times(others, 1, counted.holding, counted.holding_products)
        for j, player in enumerate(module.players):
            holding[player] = found[:, j]
    return combined[:, 0], np.stack([holding[p] for p in plan.players], axis=1)


def _shapley_values(plan: _Plan, indicators: np.ndarray) -> np.ndarray:
    """Shapley values (games x players, in ``plan.players`` order) of the games worth 1 on
    the rows of the plan where ``indicators`` (games x rows) hold, and 0 elsewhere.

    A player's value is the sum over sizes k of k! (n-1-k)! / n! times (the coalitions of
    size k+1 holding it, less those of size k without it), added in order of k.
    """
    total, held = _size_counts(plan, indicators)
    n = len(plan.players)
    gained = held[:, :, 1:]
    lost = total[:, None, :n] - held[:, :, :n]
    coefficient = np.array(
        [math.factorial(k) * math.factorial(n - 1 - k) / math.factorial(n) for k in range(n)]
    )
    values = np.cumsum(coefficient * (gained - lost), axis=-1)[..., -1]
    trivial = np.isin(total.sum(axis=-1), (0, 1 << n))
    values[trivial] = 0.0
    return np.asarray(values)


# --------------------------------------------------------------------------- attribution


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
    upstream of all its rules. Each game is computed exactly from the engine's
    evaluation of its coalitions; Shapley values are linear in games, so the
    sum is exact. A game with more than ``max_exact`` players is estimated by
    ``samples`` seeded random permutations instead (see docs/explain.md), which
    keeps the sum exact but makes each share an estimate.

    Raises ``RuleConflictError``, located in the rule base, when two rules
    derive different values of a finding on some coalition of the evidence:
    the attribution is then undefined, whether computed exactly or sampled.
    """
    model = model_of(appraisal)
    max_exact = require_count(max_exact, "max_exact", 0)
    samples = require_count(samples, "samples", 1)
    known = [f for f in model.rule_base.facts if appraisal.evidence.get(f) is not None]
    upstream = _Upstream.of(model)
    games = _games(model, cell_moves(model, appraisal.weights), known, upstream)
    modules = _Modules(model, known, upstream)
    batches = _Batches(model, evidence_columns(model, appraisal), modules)
    rng = random.Random(seed)
    for game in games.values():
        if len(game.players) > max_exact:
            batches.sample(game, samples, rng)
        elif game.players:
            batches.enumerate(game)
    batches.run()
    points: dict[int, dict[str, dict[str, float]]] = {i: {} for i in range(len(model.options))}
    variance: dict[int, dict[str, float]] = {i: {} for i in range(len(model.options))}
    exact = _exact_terms(
        [g for g in games.values() if id(g) in batches.plan_of], batches.plan_of, batches.results
    )
    for game in games.values():
        if id(game) in batches.sampled:
            orders, rows = batches.sampled[id(game)]
            worths = _worths(game, batches.outcome, batches.utility, rows)
            _sample_game(game, orders, worths, points, variance)
        elif id(game) in exact:
            for cell, shares in exact[id(game)]:
                by_item = points[cell.option].setdefault(cell.criterion, {})
                for player, phi in zip(game.players, shares, strict=True):
                    if phi != 0.0:
                        by_item[player] = by_item.get(player, 0.0) + phi
    empty = batches.utility[batches.empty][0]
    options = {}
    for result in appraisal.options:
        i = model.options.index(result.id)
        baseline = 0.0
        for k, leaf in enumerate(model.leaf_ids):
            baseline += appraisal.weights[leaf] * float(empty[i, k])
        options[result.id] = _option_attribution(result.id, result.score, baseline, known,
                                                 points[i], variance[i])  # fmt: skip
    return Attribution(
        options=options,
        method="sampled" if batches.sampled else "exact",
        sampled_games=len(batches.sampled),
    )


def _option_attribution(
    option: str,
    total: float,
    baseline: float,
    known: Sequence[str],
    points: Mapping[str, Mapping[str, float]],
    variance: Mapping[str, float],
) -> OptionAttribution:
    by_criterion = {
        c: dict(sorted(items.items(), key=lambda kv: -abs(kv[1]))) for c, items in points.items()
    }
    totals: dict[str, float] = dict.fromkeys(known, 0.0)
    for items in points.values():
        for item, phi in items.items():
            totals[item] += phi
    return OptionAttribution(
        option=option,
        total=total,
        baseline=baseline,
        attribution=totals,
        by_criterion=by_criterion,
        method="sampled" if variance else "exact",
        error=1.96 * math.sqrt(max(variance.values(), default=0.0)),
    )


class _Batches:
    """The batches every game's coalitions go into, and what the engine gives for them.

    The first holds the coalition with nothing known, the permutations' prefixes, and the
    coalitions of every plan without modules; each next one, once the modules of the
    batch before are counted, the coalitions of the plans that rest on them.
    """

    def __init__(self, model: CompiledModel, evidence: Columns, modules: _Modules) -> None:
        self.model = model
        self.evidence = evidence
        self.modules = modules
        self.first = _Batch(model, evidence)
        self.empty = self.first.add((), np.zeros((0, 1), dtype=bool), cells=True)
        self.sampled: dict[int, tuple[list[list[str]], slice]] = {}
        self.plans: dict[tuple[object, ...], _Plan] = {}
        self.plan_of: dict[int, _Plan] = {}
        self.results: dict[int, tuple[Outcome, _Utility]] = {}

    def sample(self, game: _Game, samples: int, rng: random.Random) -> None:
        """Rows for ``samples`` random orders of the game's players: each order's prefixes."""
        orders = []
        players = list(game.players)
        for _ in range(samples):
            rng.shuffle(players)
            orders.append(list(players))
        rows = self.first.add(*_prefixes(game.players, orders), cells=_clamps(game))
        self.sampled[id(game)] = (orders, rows)

    def enumerate(self, game: _Game) -> None:
        """The plan of every coalition the game's exact values need (shared by games alike)."""
        own = frozenset(self.model.order[p] for p in game.rules)
        plan = self.plan(own, game.players)
        plan.cells = plan.cells or _clamps(game)
        self.plan_of[id(game)] = plan

    def plan(self, own: frozenset[str], players: tuple[str, ...]) -> _Plan:
        """The plan for what the rules ``own`` do over ``players``, and its modules' plans."""
        found = self.modules.of(own, players) if len(players) > ENUMERATED_UP_TO else ()
        key = (players, tuple((m.finding, m.players) for m in found))
        if key not in self.plans:
            inner = tuple(
                self.plan(frozenset(self.model.derivers.get(m.finding, ())), m.players)
                for m in found
            )
            inside = {p for m in found for p in m.players}
            rest = tuple(p for p in players if p not in inside)
            depth = 1 + max((p.depth for p in inner), default=-1)
            self.plans[key] = _Plan(players, found, rest, inner, depth)
        return self.plans[key]

    def run(self) -> None:
        """Evaluate batch after batch, counting each plan's modules from the one before."""
        depths = max((plan.depth for plan in self.plans.values()), default=0)
        batch = self.first
        for depth in range(depths + 1):
            level = [plan for plan in self.plans.values() if plan.depth == depth]
            for plan in level:
                plan.counted = tuple(
                    _count(inner, module, self.results[id(inner)][0], self.model)
                    for module, inner in zip(plan.modules, plan.inner, strict=True)
                )
                plan.known = _coalitions(plan)
                plan.rows = batch.add(plan.players, plan.known, cells=plan.cells)
            found = batch.run()
            if depth == 0:
                self.outcome, self.utility = found
            for plan in level:
                self.results[id(plan)] = found
            batch = _Batch(self.model, self.evidence)


def _prefixes(
    players: tuple[str, ...], orders: Sequence[Sequence[str]]
) -> tuple[tuple[str, ...], np.ndarray]:
    """Rows for permutation sampling: each order's prefixes, from none to all (players x rows)."""
    n = len(players)
    index = {p: j for j, p in enumerate(players)}
    known = np.zeros((n, len(orders) * (n + 1)), dtype=bool)
    steps = np.arange(n + 1)
    for s, order in enumerate(orders):
        start = s * (n + 1)
        for step, player in enumerate(order):
            known[index[player], start : start + n + 1] = steps > step
    return players, known


def _worths(game: _Game, outcome: Outcome, utility: _Utility, rows: slice) -> list[np.ndarray]:
    """The game's worth per cell on each row."""
    found = []
    for cell, coefficient in game.cells:
        if coefficient is not None:
            fires = outcome.fired[game.rules[0], rows]
            found.append(np.where(fires, coefficient, 0.0))
        else:
            found.append(cell.weight * utility[rows][:, cell.option, cell.leaf])
    return found


def _exact_terms(
    games: Sequence[_Game],
    plan_of: Mapping[int, _Plan],
    results: Mapping[int, tuple[Outcome, _Utility]],
) -> dict[int, list[tuple[CellMoves, list[float]]]]:
    """Exact Shapley values of every game, per cell it feeds; the games of one plan at once.

    A linear cell's game is worth its coefficient where its rule fires. A clampable cell's
    game splits by the pattern of its rules' firing (in a fixed order: each rule fired
    before not): each pattern is worth the cell's points under it, less the points with
    no evidence known, on the coalitions that give it.
    """
    wanted: dict[int, list[np.ndarray]] = {}
    terms: dict[int, list[tuple[CellMoves, float | None, list[tuple[float, int]]]]] = {}
    for game in games:
        plan = plan_of[id(game)]
        outcome, utility = results[id(plan)]
        rows = plan.rows
        asked = wanted.setdefault(id(plan), [])
        found = terms[id(game)] = []
        for cell, coefficient in game.cells:
            if coefficient is not None:
                asked.append(outcome.fired[game.rules[0], rows])
                found.append((cell, coefficient, [(1.0, len(asked) - 1)]))
                continue
            fired = outcome.fired[list(game.rules), rows]
            order = 1 << np.arange(len(game.rules) - 1, -1, -1, dtype=np.int64)
            codes = (~fired).astype(np.int64).T @ order
            worth = cell.weight * utility[rows][:, cell.option, cell.leaf]
            reference = float(worth[0])
            blocks = []
            # sorted(set(...)), not np.unique: the latter imports numpy.ma on first use.
            for code in sorted(set(codes.tolist())):
                inside = codes == code
                points = float(worth[int(np.argmax(inside))]) - reference
                if points != 0.0:
                    asked.append(inside)
                    blocks.append((points, len(asked) - 1))
            found.append((cell, None, blocks))
    values = _values_by_plan(plan_of.values(), wanted)
    exact: dict[int, list[tuple[CellMoves, list[float]]]] = {}
    for game in games:
        plan_values = values.get(id(plan_of[id(game)]))
        shares_of = []
        for cell, coefficient, blocks in terms[id(game)]:
            assert plan_values is not None or not blocks
            if coefficient is not None:
                unit = plan_values[blocks[0][1]].tolist()  # type: ignore[index]
                shares_of.append((cell, [coefficient * phi for phi in unit]))
                continue
            total = [0.0] * len(game.players)
            for points, index in blocks:
                for j, phi in enumerate(plan_values[index].tolist()):  # type: ignore[index]
                    total[j] += points * phi
            shares_of.append((cell, total))
        exact[id(game)] = shares_of
    return exact


def _values_by_plan(
    plans: Iterable[_Plan], wanted: Mapping[int, Sequence[np.ndarray]]
) -> dict[int, np.ndarray]:
    """Each plan's Shapley values of the games asked of it (one flag per row each); plans
    without modules are alike when they have as many players, and computed together."""
    distinct = {id(plan): plan for plan in plans if wanted.get(id(plan))}
    values: dict[int, np.ndarray] = {}
    alike: dict[int, list[_Plan]] = {}
    for key, plan in distinct.items():
        if plan.modules:
            values[key] = _shapley_values(plan, np.array(wanted[key]))
        else:
            alike.setdefault(len(plan.players), []).append(plan)
    for group in alike.values():
        stacked = _shapley_values(group[0], np.concatenate([wanted[id(p)] for p in group]))
        start = 0
        for plan in group:
            stop = start + len(wanted[id(plan)])
            values[id(plan)] = stacked[start:stop]
            start = stop
    return values


def _sample_game(
    game: _Game,
    orders: Sequence[Sequence[str]],
    worths: Sequence[np.ndarray],
    points: dict[int, dict[str, dict[str, float]]],
    variance: dict[int, dict[str, float]],
) -> None:
    """Permutation-sampling estimate of a game too large to enumerate.

    Each permutation's marginal contributions add up to the full-minus-empty
    worth, so the estimates still sum exactly; each share's sampling variance
    is recorded for the error bound.
    """
    n = len(game.players)
    samples = len(orders)
    position = {p: j for j, p in enumerate(game.players)}
    for c, (cell, _) in enumerate(game.cells):
        sums = [0.0] * n
        squares = [0.0] * n
        worth = worths[c].reshape(samples, n + 1).tolist()
        for order, row in zip(orders, worth, strict=True):
            for step, player in enumerate(order):
                marginal = row[step + 1] - row[step]
                j = position[player]
                sums[j] += marginal
                squares[j] += marginal * marginal
        by_item = points[cell.option].setdefault(cell.criterion, {})
        for j, player in enumerate(game.players):
            mean = sums[j] / samples
            if mean != 0.0:
                by_item[player] = by_item.get(player, 0.0) + mean
            spread = max(squares[j] / samples - mean * mean, 0.0)
            spread_of = variance[cell.option]
            spread_of[player] = spread_of.get(player, 0.0) + spread / samples
