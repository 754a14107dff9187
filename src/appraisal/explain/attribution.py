"""Evidence attribution: each option's total shared among evidence items by Shapley value.

The total splits into small games (one per rule of a cell that cannot clamp, one per cell
that can), each over the few evidence items upstream of it. A game's worth on a coalition of
items is what the engine gives when only those items are known: coalitions are rows of a
batch, and every game's rows go through the engine in a few batches. Exact Shapley values
come from counting, for every coalition size, the coalitions where a game's rules fire; a
game too large to enumerate is estimated from seeded random permutations, whose prefixes are
rows too.

Which games there are, which coalitions each needs and the rows that do not depend on the
evidence's values follow from the compiled model, the known items and the weights alone:
they are worked out at first use and kept with the model (``_Structure``). Every call still
evaluates its rows through the engine and counts them. After the first batch, rows run only
the rules their games need (``_needs``, ``_grouped``); a contradiction is refused as an
evaluation of every rule would refuse it.

Enumerating every coalition is rarely needed. When some items reach a game only through one
finding (every rule reading them, directly or through other findings, lies upstream of that
finding and of nothing else the game reads), the game sees those items only through the
finding's state (unknown, or each value it takes). Their coalitions are evaluated once, and
counted by size and state; the game is then evaluated on one coalition standing for each
state, with the other items enumerated as before. The counts combine exactly (sizes add,
numbers of coalitions multiply), so the values are those of full enumeration: they are
whole numbers, and every Shapley value is worked out from them by one formula.
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
from ..engine import (
    Columns,
    CompiledModel,
    Outcome,
    RuleSubset,
    cell_bounds,
    cell_values,
    closed_rules,
    contested_cells,
    evaluate,
    rule_subset,
    set_clashes,
)
from ..errors import RuleConflictError
from ._shared import evidence_columns, model_of
from .records import Attribution, OptionAttribution

MAX_EXACT_PLAYERS = 20
"""Largest number of evidence items in one game computed exactly (2**20 coalitions)."""

ENUMERATED_UP_TO = 5
"""Games (and modules) of this many items or fewer have every coalition evaluated: fewer
rows through modules would not repay counting them apart."""

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


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True, eq=False)
class _Plan:
    """How the coalitions of some players are evaluated: the players that reach what is
    evaluated only through one finding (a module each, counted through its own plan first),
    and the rest, enumerated with one coalition standing for each combination of module
    states. Games over the same players share a plan; so do modules."""

    index: int
    players: tuple[str, ...]
    modules: tuple[_Module, ...]
    rest: tuple[str, ...]
    inner: tuple[_Plan, ...]
    """The modules' own plans."""
    depth: int
    """The batch its rows go in: the one after its modules' (the first without)."""
    low: int
    """How many of the rest are counted from each row's flags (the first ``LOW_BITS``)."""
    items: np.ndarray
    """Per player: its place among the known evidence items."""
    order: np.ndarray
    """Where the total and each player (in ``players`` order) are among the counts
    ``_size_counts`` works out: the total, the first ``low`` of the rest, each module's
    players, then the rest of the rest."""
    places: tuple[np.ndarray, ...]
    """Where the rest's players, then each module's, are in ``players``."""


def _clamps(game: _Game) -> bool:
    """Whether the game is a clampable cell, whose worth needs the cell's value."""
    return any(coefficient is None for _, coefficient in game.cells)


class _Planner:
    """Makes the plans games need, once each: games and modules over the same players,
    read through the same modules, share one."""

    def __init__(self, model: CompiledModel, known: Sequence[str], modules: _Modules) -> None:
        self.model = model
        self.modules = modules
        self.item = {f: j for j, f in enumerate(known)}
        self.plans: dict[tuple[object, ...], _Plan] = {}

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
            low = min(len(rest), LOW_BITS)
            layout = [*rest[:low], *(p for m in found for p in m.players), *rest[low:]]
            self.plans[key] = _Plan(
                index=len(self.plans),
                players=players,
                modules=found,
                rest=rest,
                inner=inner,
                depth=1 + max((p.depth for p in inner), default=-1),
                low=low,
                items=np.array([self.item[p] for p in players], dtype=np.intp),
                order=np.array([0, *(1 + layout.index(p) for p in players)], dtype=np.intp),
                places=tuple(
                    np.array([players.index(p) for p in group], dtype=np.intp)
                    for group in (rest, *(m.players for m in found))
                ),
            )
        return self.plans[key]


@dataclass(frozen=True, eq=False)
class _Structure:
    """What attribution needs of a model before any evaluation, for given known items,
    weights and ``max_exact``: the games, the plans of those computed exactly, and the
    rows of the first batch that do not depend on the evidence's values."""

    known: tuple[str, ...]
    columns: np.ndarray
    """The model's column of each known item."""
    games: tuple[_Game, ...]
    sampled: tuple[int, ...]
    """The games estimated by sampling, by index."""
    plan_of: Mapping[int, _Plan]
    """The plan of each game computed exactly, by index."""
    plans: tuple[_Plan, ...]
    levels: tuple[tuple[_Plan, ...], ...]
    """The plans by depth, in the order their rows go into their batch."""
    scored: frozenset[int]
    """The plans some game of which needs the cells valued (a clampable cell)."""
    linear: Mapping[int, tuple[tuple[int, ...], np.ndarray]]
    """Per plan: its games worth a coefficient where their one rule fires, and those rules
    (but those in ``alike``)."""
    clamped: Mapping[int, tuple[int, ...]]
    """Per plan: its clampable cells' games."""
    alike: Mapping[int, tuple[tuple[int, ...], np.ndarray, np.ndarray]]
    """The games of one rule over plans without modules of so many players, every coalition
    a row of ``first``, counted together: the games, their rules (games x 1) and their
    plans' rows (games x coalitions). Not in ``linear``."""
    first: np.ndarray
    """Known items x rows: every coalition of each plan without modules, plan after plan."""
    starts: Mapping[int, int]
    """Where each plan without modules starts among the rows of ``first``."""
    contested: tuple[tuple[int, int], ...]
    """The cells rules set to different values (``contested_cells``)."""
    needs: Mapping[int, tuple[frozenset[int], int]]
    """Per plan of a batch after the first: the rules its rows need (``_needs``), and how
    many levels they take."""
    subsets: dict[frozenset[int], RuleSubset] = field(default_factory=dict)
    """The subsets of the rules groups of rows have run, compiled at first use."""

    def subset(self, model: CompiledModel, rules: frozenset[int]) -> RuleSubset:
        """The rules compiled to run on their own (``rules`` closed upstream)."""
        found = self.subsets.get(rules)
        if found is None:
            found = self.subsets[rules] = rule_subset(model, rules)
            while len(self.subsets) > KEPT_SUBSETS:
                del self.subsets[next(iter(self.subsets))]
        return found

    @classmethod
    def of(
        cls, model: CompiledModel, known: tuple[str, ...], weights: Mapping[str, float],
        max_exact: int,
    ) -> _Structure:  # fmt: skip
        """Worked out from the model alone: no rule is evaluated."""
        upstream = _Upstream.of(model)
        games = tuple(_games(model, cell_moves(model, weights), known, upstream).values())
        planner = _Planner(model, known, _Modules(model, known, upstream))
        sampled = []
        plan_of: dict[int, _Plan] = {}
        scored = set()
        for g, game in enumerate(games):
            if len(game.players) > max_exact:
                sampled.append(g)
            elif game.players:
                own = frozenset(model.order[p] for p in game.rules)
                plan = plan_of[g] = planner.plan(own, game.players)
                if _clamps(game):
                    scored.add(plan.index)
        plans = tuple(planner.plans.values())
        depths = 1 + max((plan.depth for plan in plans), default=0)
        levels = tuple(tuple(p for p in plans if p.depth == depth) for depth in range(depths))
        starts = {}
        blocks = [np.zeros((len(known), 0), dtype=bool)]
        rows = 0
        for plan in levels[0] if levels else ():
            block = np.zeros((len(known), 1 << len(plan.players)), dtype=bool)
            block[plan.items] = _bits(len(plan.players), len(plan.players))
            starts[plan.index] = rows
            rows += block.shape[1]
            blocks.append(block)
        linear: dict[int, tuple[list[int], list[int]]] = {}
        clamped: dict[int, list[int]] = {}
        alike: dict[int, tuple[list[int], list[int], list[np.ndarray]]] = {}
        for g, plan in plan_of.items():
            if _clamps(games[g]):
                clamped.setdefault(plan.index, []).append(g)
            elif plan.index in starts and len(plan.rest) == plan.low:
                ones, rules, taken = alike.setdefault(len(plan.players), ([], [], []))
                ones.append(g)
                rules.append(games[g].rules[0])
                taken.append(starts[plan.index] + np.arange(1 << len(plan.players)))
            else:
                ones, rules = linear.setdefault(plan.index, ([], []))
                ones.append(g)
                rules.append(games[g].rules[0])
        return cls(
            known=known,
            columns=np.array([model.column_of[f] for f in known], dtype=np.intp),
            games=games,
            sampled=tuple(sampled),
            plan_of=plan_of,
            plans=plans,
            levels=levels,
            scored=frozenset(scored),
            linear={
                p: (tuple(ones), np.array(rules, dtype=np.intp))
                for p, (ones, rules) in linear.items()
            },
            clamped={p: tuple(found) for p, found in clamped.items()},
            alike={
                n: (tuple(ones), np.array(rules, dtype=np.intp)[:, None], np.array(taken))
                for n, (ones, rules, taken) in sorted(alike.items())
            },
            first=np.concatenate(blocks, axis=1),
            starts=starts,
            contested=contested_cells(model),
            needs=_needs(model, upstream, games, plan_of, levels, frozenset(scored)),
        )


@dataclass(frozen=True, eq=False)
class _Group:
    """Plans of one batch whose rows run one subset of the rules."""

    rules: RuleSubset | None
    """None: every rule."""
    plans: tuple[_Plan, ...]


def _needs(
    model: CompiledModel,
    upstream: _Upstream,
    games: Sequence[_Game],
    plan_of: Mapping[int, _Plan],
    levels: Sequence[Sequence[_Plan]],
    scored: frozenset[int],
) -> dict[int, tuple[frozenset[int], int]]:
    """The rules the rows of each plan after the first batch need, closed upstream, and
    the levels they take.

    A plan's rows need the rules of its games and those deriving its modules' findings
    (with every rule upstream). They need more where a contradiction could lie: a row
    holds only the plan's players, so a finding two rules derive differently, or a cell
    two rules set differently (in rows a game scores), can be contradicted in its rows
    only if some deriver or setter reads a player, directly or not; else they fire as
    with nothing known, a row of the first batch, evaluated whole. Those rules join the
    plan's, so its rows meet every contradiction they would among all the rules (and
    the batch is then evaluated whole, to be refused as before).
    """
    needs: dict[int, set[int]] = {}
    for g, plan in plan_of.items():
        needs.setdefault(plan.index, set()).update(games[g].rules)
    for plan in (p for level in levels for p in level):
        for module, inner in zip(plan.modules, plan.inner, strict=True):
            derivers = model.derivers.get(module.finding, ())
            needs.setdefault(inner.index, set()).update(model.position[r] for r in derivers)
    contested = []
    for finding in model.rule_base.findings:
        column = model.column_of[finding]
        derivers = model.derivers.get(finding, ())
        derived = {
            encoded
            for r in derivers
            for at, encoded, _ in model.derivations[model.position[r]]
            if at == column
        }
        if len(derived) > 1:
            contested.append((derivers, False))
    for cell in contested_cells(model):
        contested.append((tuple(model.order[p] for p, _ in model.cell_sets[cell]), True))
    touching = [
        (frozenset().union(*(upstream.facts[r] for r in rules)),
         {model.position[r] for r in rules}, cells)
        for rules, cells in contested
    ]  # fmt: skip
    level_of = {int(p): i for i, level in enumerate(model.levels) for p in level.positions}
    found = {}
    for level in levels[1:]:
        for plan in level:
            players = frozenset(plan.players)
            need = set(needs.get(plan.index, ()))
            for facts, rules, cells in touching:
                if facts & players and (plan.index in scored or not cells):
                    need |= rules
            closed = closed_rules(model, need)
            found[plan.index] = (closed, 1 + max((level_of[p] for p in closed), default=-1))
    return found


LEVEL_COST = 8000
"""What one more level costs the engine, in rules x rows: a batch's plans run as groups
(``_grouped``), one subset of the rules each, the fewer the groups the fewer the levels
run, the more rules each row may run for nothing."""


def _grouped(
    structure: _Structure, model: CompiledModel, rows: Mapping[int, int], level: Sequence[_Plan]
) -> tuple[_Group, ...]:
    """A batch's plans (with ``rows`` each) grouped by the rules they run: the largest
    first, each alone or joining the group it adds least to, whichever costs less."""
    groups: list[tuple[frozenset[int], int, int, list[_Plan]]] = []
    for plan in sorted(level, key=lambda p: -rows[p.index]):
        rules, height = structure.needs[plan.index]
        count = rows[plan.index]
        best = (height * LEVEL_COST + count * len(rules), -1)
        for g, (others, levels, counted, _) in enumerate(groups):
            joined = len(rules | others)
            added = (max(height, levels) - levels) * LEVEL_COST + (counted + count) * joined
            added -= counted * len(others)
            best = min(best, (added, g))
        if best[1] < 0:
            groups.append((rules, height, count, [plan]))
        else:
            others, levels, counted, plans = groups[best[1]]
            plans.append(plan)
            groups[best[1]] = (rules | others, max(height, levels), counted + count, plans)
    order = {plan.index: k for k, plan in enumerate(level)}
    return tuple(
        _Group(structure.subset(model, rules), tuple(sorted(plans, key=lambda p: order[p.index])))
        for rules, _, _, plans in groups
    )


KEPT_STRUCTURES = 8
"""Structures kept per compiled model: one for each recent set of known items and weights."""

KEPT_SUBSETS = 64
"""Subsets of the rules kept compiled per structure: a few per batch, as the evidence
groups its rows."""


def _structure_of(
    model: CompiledModel, known: tuple[str, ...], weights: Mapping[str, float], max_exact: int
) -> _Structure:
    """The model's structure for these known items and weights, worked out at first use
    and kept with the model (never its evaluation: that depends on the evidence)."""
    weighed = tuple(weights[leaf] for leaf in model.leaf_ids)
    key = (known, weighed, max_exact, ENUMERATED_UP_TO, LOW_BITS)
    kept: dict[tuple[object, ...], _Structure] = model.kept(_structure_of, dict)
    found = kept.get(key)
    if found is None:
        found = kept[key] = _Structure.of(model, known, weights, max_exact)
        while len(kept) > KEPT_STRUCTURES:
            del kept[next(iter(kept))]
    return found


# --------------------------------------------------------------------------- batches of coalitions


RULE_SUBSETS = True
"""Whether the batches after the first run each group of their rows on only the rules it
needs (``_grouped``); else every rule runs on every row."""


class _Contested(Exception):
    """A subset of the rules met a contradiction: the batch is to be evaluated whole."""


class _Batch:
    """Coalitions of evidence items gathered as rows, evaluated together by the engine: by
    every rule, or by a subset (``rules``) that a contradiction sends back to the whole."""

    def __init__(
        self,
        model: CompiledModel,
        evidence: Columns,
        structure: _Structure,
        rules: RuleSubset | None = None,
    ) -> None:
        self.model = model
        self.evidence = evidence
        self.structure = structure
        self.rules = rules
        self.parts: list[tuple[np.ndarray | None, np.ndarray]] = []
        self.rows = 0
        self.scored: list[slice] = []
        self.valued: list[slice] = []

    def add(
        self,
        items: np.ndarray | None,
        known: np.ndarray,
        *,
        scored: bool = False,
        valued: bool = False,
    ) -> slice:
        """Rows in which the known items at ``items`` (None: all, in order) are known where
        ``known`` (items x rows) says, and every other item unknown; the slice of the batch
        they take. With ``valued``, their cells are valued; with ``scored`` (or ``valued``),
        they are rows a game scores, in which cells set two ways are refused (a game of
        rules alone needs only their firing)."""
        start = self.rows
        self.parts.append((items, known))
        self.rows += known.shape[1]
        taken = slice(start, self.rows)
        if scored or valued:
            self.scored.append(taken)
        if valued:
            self.valued.append(taken)
        return taken

    def run(self) -> Outcome:
        """The engine's outcome of every row. Those valued are valued later (``_Run.value``):
        a cell set two ways in them is refused here, as in every row scored, so valuing them
        cannot fail.

        Raises ``_Contested`` where a subset of the rules meets a contradiction, a finding
        derived two ways or (in rows scored) a cell set two ways; evaluated whole, the
        batch refuses the first as it always did.
        """
        model = self.model
        structure = self.structure
        rules = self.rules
        columns = structure.columns if rules is None else rules.column_index[structure.columns]
        width = self.evidence.known.shape[0] if rules is None else len(rules.columns)
        known = np.zeros((width, self.rows), dtype=bool)
        start = 0
        for where, part in self.parts:
            stop = start + part.shape[1]
            known[columns if where is None else columns[where], start:stop] = part
            start = stop
        # Every row's values are the evidence's: a view, which the engine copies as findings
        # join it (for a subset of the rules, only its own columns).
        values = self.evidence.values if rules is None else self.evidence.values[rules.columns]
        batch = Columns(known, np.broadcast_to(values[:, :1], known.shape), self.evidence.texts)
        if rules is None:
            outcome = evaluate(model, batch)
        else:
            try:
                outcome = evaluate(model, batch, rules=rules)
            except RuleConflictError as error:
                raise _Contested from error
        scored = _rows(self.scored, self.rows)
        if structure.contested and len(scored):
            fired = _on_every_rule(outcome, outcome.fired[:, scored])
            if set_clashes(model, fired, structure.contested).any():
                if rules is not None:
                    raise _Contested
                cell_values(model, fired)  # refuses the first clash, as valuing them does
        return outcome


def _on_every_rule(outcome: Outcome, fired: np.ndarray) -> np.ndarray:
    """``fired`` (the outcome's rules x some rows) for every rule of the model: a rule the
    outcome did not run, not fired."""
    rules = outcome.rules
    if rules is None:
        return np.asarray(fired)
    every = np.zeros((len(rules.rule_index), fired.shape[1]), dtype=bool)
    every[rules.positions] = fired
    return every


def _rows(slices: Sequence[slice], rows: int) -> np.ndarray:
    """The rows of a batch (of ``rows``) that the slices take, ascending."""
    taken = np.zeros(rows, dtype=bool)
    for part in slices:
        taken[part] = True
    return np.flatnonzero(taken)


@dataclass(frozen=True, eq=False)
class _Utility:
    """The cells' utilities (rows x options x leaves) of the rows of a batch that asked."""

    index: np.ndarray
    values: np.ndarray

    def __getitem__(self, rows: slice) -> np.ndarray:
        found = self.index[rows]
        assert (found >= 0).all(), "cells not valued for these rows"
        return np.asarray(self.values[found])


@functools.lru_cache(maxsize=64)
def _bits(count: int, size: int) -> np.ndarray:
    """Players x coalitions: coalition m holds player j when bit j of m is set (read-only)."""
    coalitions = np.arange(1 << size, dtype=np.int64)
    found = ((coalitions[None, :] >> np.arange(count, dtype=np.int64)[:, None]) & 1).astype(bool)
    found.flags.writeable = False
    return found


@dataclass(frozen=True, eq=False)
class _Evaluated:
    """A plan's rows in one call: who is known in each, and what the engine gave them."""

    rows: slice
    known: np.ndarray
    """Players x rows."""
    outcome: Outcome

    def fired(self, positions: np.ndarray | Sequence[int]) -> np.ndarray:
        """Whether the rules at ``positions`` (in the model's order) fired: rules x rows."""
        rules = self.outcome.rules
        if rules is None:
            return np.asarray(self.outcome.fired[positions, self.rows])
        at = rules.rule_index[positions]
        assert (at >= 0).all(), "a rule the rows did not run"
        return np.asarray(self.outcome.fired[at, self.rows])

    def firing(self, rows: np.ndarray) -> np.ndarray:
        """Every rule of the model on some of the rows (by index among them): a rule that
        did not run, not fired."""
        return _on_every_rule(self.outcome, self.outcome.fired[:, self.rows.start + rows])

    def column(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        """A fact's or finding's column (the model's) on the rows: known, and values."""
        rules = self.outcome.rules
        at = column if rules is None else int(rules.column_index[column])
        assert at >= 0, "a column the rows did not hold"
        columns = self.outcome.columns
        return columns.known[at, self.rows], columns.values[at, self.rows]


@dataclass(frozen=True, eq=False)
class _Counted:
    """A module's coalitions counted by the finding's state (numbered as they first appear:
    state 0, nothing known, first)."""

    representative: np.ndarray
    """Players x states: a coalition giving each state (the first evaluated)."""
    counts: np.ndarray
    """States x (1 + players) x sizes: ``_size_counts`` of each state's coalitions."""


def _coalitions(plan: _Plan, counted: Sequence[_Counted]) -> np.ndarray:
    """Players x rows: every combination of module states (one coalition standing for each,
    the first module's states slowest) with every coalition of the rest (fastest). The
    first row is the empty coalition."""
    shape = tuple(c.counts.shape[0] for c in counted)
    combos = math.prod(shape)
    rest = len(plan.rest)
    known = np.empty((len(plan.players), combos, 1 << rest), dtype=bool)
    known[plan.places[0]] = _bits(rest, rest)[:, None, :]
    grid = np.indices(shape).reshape(len(shape), combos)
    for states, places, count in zip(grid, plan.places[1:], counted, strict=True):
        known[places] = count.representative[:, states, None]
    return known.reshape(len(plan.players), -1)


def _states(evaluated: _Evaluated, column: int) -> tuple[np.ndarray, list[int]]:
    """The state of a finding on each of a plan's rows (unknown, or each value it takes),
    numbered as they first appear, and the first row giving each."""
    known, values = evaluated.column(column)
    keys = np.where(known, values, np.inf)
    numbers: dict[float, int] = {}
    state = [numbers.setdefault(key, len(numbers)) for key in keys.tolist()]
    first = dict.fromkeys(state)
    for row, number in enumerate(state):
        if first[number] is None:
            first[number] = row
    return np.array(state, dtype=np.intp), [row for row in first.values() if row is not None]


# --------------------------------------------------------------------------- counting coalitions
#
# Exact Shapley values need, for a set of coalitions, how many have each size and how many of
# those hold each player: the coefficients of polynomials in the size. A plan's row stands for
# one coalition of the rest's first players (up to ``LOW_BITS``, counted from the row's flags)
# joined with one combination of factor states: each module's state, and the coalition of
# the rest's players beyond the first. Joining multiplies the polynomials (sizes add, numbers
# multiply). The factors' products are taken as values at roots of unity and brought back to
# whole numbers by rounding (the error stays far below a half for any plan that can be
# enumerated); every other count is a sum of whole numbers, exact in floating point.

LOW_BITS = 8
"""The rest's players counted from each row's flags; those beyond make one more factor."""

DENSE_UP_TO = 8192
"""A partition of a plan's rows into parts x rows up to this many is counted as flags, one
per part; a larger one from each row's entries."""


@functools.lru_cache(maxsize=32)
def _size_ones(count: int) -> np.ndarray:
    """Coalitions of ``count`` players x (1 + count) x (count + 1): a one at each coalition's
    size, for all of them, then for each player it holds (read-only)."""
    members = _bits(count, count)
    at_size = members.sum(axis=0)[:, None] == np.arange(count + 1)[None, :]
    holding = members.T[:, :, None] & at_size[:, None, :]
    found = np.concatenate([at_size[:, None, :], holding], axis=1).astype(np.float64)
    found.flags.writeable = False
    return found


@functools.lru_cache(maxsize=32)
def _size_entries(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Where ``_size_ones`` (coalitions x flattened counts) has its ones: coalitions, columns."""
    coalitions, columns = np.nonzero(_size_ones(count).reshape(1 << count, -1))
    coalitions.flags.writeable = False
    columns.flags.writeable = False
    return coalitions, columns


@functools.lru_cache(maxsize=64)
def _powers(length: int, points: int) -> np.ndarray:
    """Length x points: the polynomials' values at the ``points``-th roots of unity."""
    turns = (np.arange(length)[:, None] * np.arange(points)) % points
    found: np.ndarray = np.exp(2j * np.pi * turns / points)
    found.flags.writeable = False
    return found


@functools.lru_cache(maxsize=64)
def _inverse(degree: int, points: int) -> np.ndarray:
    """Points x (degree + 1): values at the roots of unity back to coefficients."""
    found: np.ndarray = np.conj(_powers(degree + 1, points)).T / points
    found.flags.writeable = False
    return found


def _whole(values: np.ndarray, degree: int) -> np.ndarray:
    """Polynomials of ``degree`` valued at the roots of unity (..., points) back to their
    coefficients, the whole numbers they are (..., degree + 1)."""
    found = (values @ _inverse(degree, values.shape[-1])).real
    counts: np.ndarray = np.rint(found)
    assert np.abs(found - counts).max(initial=0.0) < 0.25, "counts lost to rounding"
    return counts


def _products(factors: Sequence[np.ndarray]) -> np.ndarray:
    """For each combination of the factors' states (the first factor's slowest): the product
    of their size polynomials, then, for each factor's player, the same with that player's
    holding polynomial in its factor's place (combinations x (1 + players) x sizes).

    Each factor: states x (1 + players) x (players + 1).
    """
    if len(factors) == 1:
        return factors[0]
    degree = sum(f.shape[1] - 1 for f in factors)
    points = degree + 1
    # Factor after factor: each combination so far times each of the factor's states, the
    # total and the holdings so far by the factor's total, the total by its holdings.
    joined = factors[0] @ _powers(factors[0].shape[2], points)
    for factor in factors[1:]:
        values = factor @ _powers(factor.shape[2], points)
        combos, kinds, _ = joined.shape
        states, more, _ = values.shape
        found = np.empty((combos, states, kinds + more - 1, points), dtype=np.complex128)
        found[:, :, :kinds] = joined[:, None] * values[None, :, :1]
        found[:, :, kinds:] = joined[:, None, :1] * values[None, :, 1:]
        joined = found.reshape(combos * states, kinds + more - 1, points)
    return _whole(joined, degree)


def _joined(plan: _Plan, counted: Sequence[_Counted]) -> np.ndarray | None:
    """What each row's counts by the rest's first players' sizes join with: per combination
    of factor states and size (combos x (low + 1)), the counts by size of all coalitions
    and of those holding each factor's player (x (1 + players) x sizes). None without
    factors (every coalition is a row)."""
    factors = [c.counts for c in counted]
    high = len(plan.rest) - plan.low
    if high:
        factors.append(_size_ones(high))
    if not factors:
        return None
    products = _products(factors)
    combos, kinds, length = products.shape
    found = np.zeros((combos, plan.low + 1, kinds, len(plan.players) + 1))
    for size in range(plan.low + 1):
        found[:, size, :, size : size + length] = products
    return found.reshape(combos * (plan.low + 1), kinds, -1)


def _flag_counts(plan: _Plan, indicators: np.ndarray, combos: int) -> np.ndarray:
    """Sets of the plan's rows flagged in ``indicators`` (sets x rows) counted by the rest's
    first players: sets x combos x (1 + low) x (low + 1)."""
    sets = indicators.shape[0]
    flags = indicators.reshape(sets * combos, 1 << plan.low).astype(np.float64)
    found: np.ndarray = flags @ _size_ones(plan.low).reshape(1 << plan.low, -1)
    return found.reshape(sets, combos, 1 + plan.low, plan.low + 1)


def _part_counts(
    plan: _Plan, part: np.ndarray, parts: int, joined: np.ndarray | None
) -> np.ndarray:
    """``_size_counts`` of the parts of a partition of the plan's rows (each row's part, -1:
    in none), from each row's entries alone: a row adds its combination's counts, shifted
    by the size of its coalition of the rest's first players, to its part's."""
    low = plan.low
    in_part = part.reshape(-1, 1 << low)
    if joined is None:  # every coalition a row: its entries are the counts
        coalitions, columns = _size_entries(low)
        of_entry = in_part[0, coalitions]
        width = (1 + low) * (low + 1)
        keys = (of_entry * width + columns)[of_entry >= 0]
        return np.bincount(keys, minlength=parts * width).reshape(parts, 1 + low, low + 1)
    combos = len(in_part)
    if parts * part.size <= DENSE_UP_TO:
        indicators = part[None, :] == np.arange(parts)[:, None]
        return _size_counts(plan, _flag_counts(plan, indicators, combos), joined)
    members = _bits(low, low)
    inside = (in_part >= 0).reshape(-1)
    found = np.zeros((parts, 1 + len(plan.players), len(plan.players) + 1), dtype=np.int64)
    if not inside.any():
        return found
    coalition = np.tile(np.arange(1 << low), combos)[inside]
    slot = (np.arange(len(part))[inside] >> low) * (low + 1) + members.sum(axis=0)[coalition]
    # Rows of one part, combination and size add the same counts: grouped, each is taken once.
    keys = part[inside] * len(joined) + slot
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    group_part, group_slot = np.divmod(keys[starts], len(joined))
    times = np.diff(np.append(starts, len(keys)))
    holding = np.add.reduceat(members.T[coalition[order]].astype(np.int64), starts, axis=0)
    firsts = np.flatnonzero(np.concatenate([[True], group_part[1:] != group_part[:-1]]))
    taken = joined[group_slot]
    held = np.add.reduceat(holding[:, :, None] * taken[:, :1], firsts, axis=0)
    taken *= times[:, None, None]  # in place: the largest array here, not copied again
    whole = np.add.reduceat(taken, firsts, axis=0)
    counted = np.concatenate([whole[:, :1], held, whole[:, 1:]], axis=1)[:, plan.order]
    found[group_part[firsts]] = counted
    return found


def _size_counts(plan: _Plan, counts: np.ndarray, joined: np.ndarray | None) -> np.ndarray:
    """The counts by size of every coalition the rows of each set stand for, and of those
    holding each player (sets x (1 + players, in ``plan.players`` order) x sizes), from
    their counts by the rest's first players (``_flag_counts``)."""
    if joined is None:
        return counts[:, 0].astype(np.int64)
    sets = counts.shape[0]
    sizes = len(plan.players) + 1
    whole = counts[:, :, 0].reshape(sets, len(joined)) @ joined.reshape(len(joined), -1)
    rest = counts[:, :, 1:].transpose(0, 2, 1, 3).reshape(sets * plan.low, len(joined))
    held = (rest @ joined[:, 0]).reshape(sets, plan.low, sizes)
    whole = whole.reshape(sets, joined.shape[1], sizes)
    found = np.concatenate([whole[:, :1], held, whole[:, 1:]], axis=1)
    return found[:, plan.order].astype(np.int64)


@functools.lru_cache(maxsize=64)
def _weights(players: int) -> np.ndarray:
    """k! (n-1-k)! / n! for each size k of a coalition a player joins."""
    n = players
    found = np.array(
        [math.factorial(k) * math.factorial(n - 1 - k) / math.factorial(n) for k in range(n)]
    )
    found.flags.writeable = False
    return found


def _shapley_values(counts: np.ndarray) -> np.ndarray:
    """Shapley values (sets x players) of the games worth 1 on sets of coalitions, from
    their counts by size (sets x (1 + players) x sizes: all, then those holding each).

    A player's value is the sum over sizes k of k! (n-1-k)! / n! times (the coalitions of
    size k+1 holding it, less those of size k without it), added in order of k.
    """
    n = counts.shape[1] - 1
    total = counts[:, 0]
    held = counts[:, 1:]
    terms = _weights(n) * (held[:, :, 1:] - (total[:, None, :n] - held[:, :, :n]))
    if len(terms) * n > 256:  # many sets: size after size beats cumsum's many short rows
        values = terms[..., 0].copy()
        for k in range(1, n):
            values += terms[..., k]
    else:
        values = np.cumsum(terms, axis=-1)[..., -1]
    covered = total.sum(axis=-1)
    values[(covered == 0) | (covered == 1 << n)] = 0.0
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
    known = tuple(f for f in model.rule_base.facts if appraisal.evidence.get(f) is not None)
    structure = _structure_of(model, known, appraisal.weights, max_exact)
    games = structure.games
    run = _Run(model, evidence_columns(model, appraisal), structure)
    rng = random.Random(seed)
    for g in structure.sampled:
        run.sample(g, samples, rng)
    run.run()
    points: dict[int, dict[str, dict[str, float]]] = {i: {} for i in range(len(model.options))}
    variance: dict[int, dict[str, float]] = {i: {} for i in range(len(model.options))}
    exact = run.exact_terms()
    for g, game in enumerate(games):
        if g in run.sampled:
            orders, rows = run.sampled[g]
            worths = _worths(game, run.outcome, run.utility, rows)
            _sample_game(game, orders, worths, points, variance)
        elif g in exact:
            for cell, shares in exact[g]:
                by_item = points[cell.option].setdefault(cell.criterion, {})
                for player, phi in zip(game.players, shares, strict=True):
                    if phi != 0.0:
                        by_item[player] = by_item.get(player, 0.0) + phi
    empty = run.utility[run.empty][0]
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
        method="sampled" if run.sampled else "exact",
        sampled_games=len(run.sampled),
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


class _Run:
    """One attribution's evaluation: the batches every game's coalitions go into, what the
    engine gives for them, and the modules counted from them.

    The first batch holds the coalition with nothing known, the permutations' prefixes,
    and the coalitions of every plan without modules; each next one, once the modules of
    the batch before are counted, the coalitions of the plans that rest on them.
    """

    def __init__(self, model: CompiledModel, evidence: Columns, structure: _Structure) -> None:
        self.model = model
        self.evidence = evidence
        self.structure = structure
        self.first = _Batch(model, evidence, structure)
        self.empty = self.first.add(None, np.zeros((len(structure.known), 1), dtype=bool),
                                    valued=True)  # fmt: skip
        self.sampled: dict[int, tuple[list[list[str]], slice]] = {}
        self.start = 0
        """Where the rows of ``structure.first`` start in the first batch."""
        self.evaluated: dict[int, _Evaluated] = {}
        self.counted: dict[tuple[int, str], _Counted] = {}
        self.joined: dict[int, np.ndarray | None] = {}

    def sample(self, g: int, samples: int, rng: random.Random) -> None:
        """Rows for ``samples`` random orders of the game's players: each order's prefixes."""
        game = self.structure.games[g]
        orders = []
        players = list(game.players)
        for _ in range(samples):
            rng.shuffle(players)
            orders.append(list(players))
        items = np.array([self.structure.known.index(p) for p in game.players], dtype=np.intp)
        rows = self.first.add(items, _prefixes(game.players, orders), valued=_clamps(game))
        self.sampled[g] = (orders, rows)

    def run(self) -> None:
        """Evaluate batch after batch, counting each plan's modules from the one before."""
        structure = self.structure
        taken = []
        if structure.levels:
            start = self.start = self.first.add(None, structure.first).start
            for plan in structure.levels[0]:
                offset = start + structure.starts[plan.index]
                rows = slice(offset, offset + (1 << len(plan.players)))
                if plan.index in structure.scored:
                    self.first.scored.append(rows)
                taken.append((plan, rows, _bits(len(plan.players), len(plan.players))))
        self.outcome = self.first.run()
        for plan, rows, known in taken:
            self.evaluated[plan.index] = _Evaluated(rows, known, self.outcome)
        for level in structure.levels[1:]:
            coalitions = {}
            for plan in level:
                counted = tuple(
                    self.count(module, inner)
                    for module, inner in zip(plan.modules, plan.inner, strict=True)
                )
                self.joined[plan.index] = _joined(plan, counted)
                coalitions[plan.index] = _coalitions(plan, counted)
            whole = (_Group(None, level),)
            counts = {index: known.shape[1] for index, known in coalitions.items()}
            groups = _grouped(structure, self.model, counts, level) if RULE_SUBSETS else whole
            try:
                self.evaluate(groups, coalitions)
            except _Contested:
                self.evaluate(whole, coalitions)
        self.utility, self.split = self.value()

    def evaluate(self, groups: Sequence[_Group], coalitions: Mapping[int, np.ndarray]) -> None:
        """The plans' coalitions evaluated, a batch per group."""
        for group in groups:
            batch = _Batch(self.model, self.evidence, self.structure, group.rules)
            taken = []
            for plan in group.plans:
                known = coalitions[plan.index]
                scored = plan.index in self.structure.scored
                taken.append((plan, batch.add(plan.items, known, scored=scored), known))
            outcome = batch.run()
            for plan, rows, known in taken:
                self.evaluated[plan.index] = _Evaluated(rows, known, outcome)

    def count(self, module: _Module, inner: _Plan) -> _Counted:
        """A module's coalitions (its plan's rows) counted by the finding's state."""
        key = (inner.index, module.finding)
        if key not in self.counted:
            evaluated = self.evaluated[inner.index]
            state, first = _states(evaluated, self.model.column_of[module.finding])
            counts = _part_counts(inner, state, len(first), self.joined_of(inner))
            self.counted[key] = _Counted(evaluated.known[:, first], counts.astype(np.float64))
        return self.counted[key]

    def joined_of(self, plan: _Plan) -> np.ndarray | None:
        """``_joined`` of a plan (its modules counted already)."""
        if plan.index not in self.joined:
            self.joined[plan.index] = _joined(plan, ())
        return self.joined[plan.index]

    def value(self) -> tuple[_Utility, dict[int, tuple[np.ndarray, np.ndarray]]]:
        """The cells of the first batch's rows valued (``utility``), and each clampable
        cell's game split by the pattern of its rules' firing: each pattern's points less
        those with nothing known (the patterns worth none left out), and each of the plan's
        rows' pattern among them (-1: one left out); every cell valued in one go.

        A cell's value follows from its rules' firing alone, so one row per pattern is
        valued (the first giving it; the plan's first row, with nothing known, among them).
        """
        model = self.model
        valued = _rows(self.first.valued, self.first.rows)
        index = np.full(self.first.rows, -1, dtype=np.intp)
        index[valued] = np.arange(len(valued))
        games = self.structure.games
        found = [(-1, valued, self.outcome.fired[:, valued])]
        for plan in self.structure.plans:
            for g in self.structure.clamped.get(plan.index, ()):
                evaluated = self.evaluated[plan.index]
                pattern, first = _patterns(games[g], evaluated)
                found.append((g, pattern, evaluated.firing(first)))
        if sum(fired.shape[1] for _, _, fired in found):
            utility = cell_values(model, np.concatenate([f for _, _, f in found], axis=1)).utility
        else:
            utility = np.zeros((0, *model.baselines.shape))
        split = {}
        start = len(valued)
        for g, pattern, fired in found[1:]:
            cell = games[g].cells[0][0]
            stop = start + fired.shape[1]
            worth = cell.weight * utility[start:stop, cell.option, cell.leaf]
            start = stop
            points = worth - worth[pattern[0]]
            kept = points != 0.0
            number = np.where(kept, np.cumsum(kept) - 1, -1)
            split[g] = (points[kept], number[pattern])
        return _Utility(index, utility[: len(valued)]), split

    def exact_terms(self) -> dict[int, list[tuple[CellMoves, list[float]]]]:
        """Exact Shapley values of every game computed exactly, per cell it feeds; the games
        of one plan at once.

        A linear cell's game is worth its coefficient where its rule fires. A clampable
        cell's game splits by the pattern of its rules' firing (in a fixed order: each rule
        fired before not): each pattern is worth the cell's points under it, less the points
        with no evidence known, on the coalitions that give it; the patterns partition the
        rows, and are counted together.
        """
        structure = self.structure
        games = structure.games
        split_by = self.split
        # Counts by number of players: each number's Shapley values in one go.
        counts: dict[int, list[np.ndarray]] = {}
        asked: list[tuple[int, int, tuple[int, ...], tuple[tuple[int, np.ndarray], ...]]] = []
        for players, (ones, rules, rows) in structure.alike.items():
            flags = self.outcome.fired[rules, rows + self.start].astype(np.float64)
            found = flags @ _size_ones(players).reshape(1 << players, -1)
            waiting = counts.setdefault(players, [])
            asked.append((players, sum(map(len, waiting)), ones, ()))
            waiting.append(found.reshape(len(ones), 1 + players, -1).astype(np.int64))
        for plan in structure.plans:
            ones, rules = structure.linear.get(plan.index, ((), np.zeros(0, dtype=np.intp)))
            clamped = structure.clamped.get(plan.index, ())
            if not ones and not clamped:
                continue
            evaluated = self.evaluated[plan.index]
            combos = (evaluated.rows.stop - evaluated.rows.start) >> plan.low
            joined = self.joined_of(plan)
            waiting = counts.setdefault(len(plan.players), [])
            start = sum(map(len, waiting))
            fired = evaluated.fired(rules)
            waiting.append(_size_counts(plan, _flag_counts(plan, fired, combos), joined))
            patterns = []
            for g in clamped:
                points, part = split_by[g]
                patterns.append((g, points))
                waiting.append(_part_counts(plan, part, len(points), joined))
            asked.append((len(plan.players), start, ones, tuple(patterns)))
        shares = {n: _shapley_values(np.concatenate(found)) for n, found in counts.items()}
        exact: dict[int, list[tuple[CellMoves, list[float]]]] = {}
        for players, start, ones, split in asked:
            values = shares[players]
            for index, g in enumerate(ones, start):
                unit = values[index].tolist()
                exact[g] = [
                    (cell, [coefficient * phi for phi in unit])
                    for cell, coefficient in games[g].cells
                    if coefficient is not None
                ]
            start += len(ones)
            for g, points in split:
                stop = start + len(points)
                # Added pattern after pattern, as cumsum does: the same sums as a loop.
                total = np.cumsum(points[:, None] * values[start:stop], axis=0)
                exact[g] = [(games[g].cells[0][0], total[-1].tolist() if stop > start
                             else [0.0] * players)]  # fmt: skip
                start = stop
        return exact


def _patterns(game: _Game, evaluated: _Evaluated) -> tuple[np.ndarray, np.ndarray]:
    """The pattern of a clampable cell's rules' firing on each of a plan's rows (numbered
    in a fixed order of patterns: each rule fired before not), and the first row giving
    each (relative to the plan's first)."""
    fired = evaluated.fired(list(game.rules))
    order = 1 << np.arange(len(game.rules) - 1, -1, -1, dtype=np.int64)
    codes = (~fired).astype(np.int64).T @ order
    # Sorted and compared, not np.unique: the latter imports numpy.ma on first use.
    ordered = np.sort(codes)
    distinct = ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]
    pattern = np.searchsorted(distinct, codes)
    by_pattern = np.argsort(pattern, kind="stable")
    first = by_pattern[np.searchsorted(pattern[by_pattern], np.arange(len(distinct)))]
    return pattern, first


def _prefixes(players: tuple[str, ...], orders: Sequence[Sequence[str]]) -> np.ndarray:
    """Rows for permutation sampling: each order's prefixes, from none to all (players x rows)."""
    n = len(players)
    index = {p: j for j, p in enumerate(players)}
    known = np.zeros((n, len(orders) * (n + 1)), dtype=bool)
    steps = np.arange(n + 1)
    for s, order in enumerate(orders):
        start = s * (n + 1)
        for step, player in enumerate(order):
            known[index[player], start : start + n + 1] = steps > step
    return known


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
