"""Evidence counterfactuals: the single changes worth trying, and the bounded search for the
smallest sets of changes that change the winner or a verdict.

Every change is re-appraised by the engine, as a row of a batch (``WhatIf``): the single
changes in one batch, then every set of a size that the bounds leave in another. The bounds
are those of the engine's cells (``engine.cell_bounds``) with the rules a change cannot reach
held as they fire.

A search is written as a generator of its stages: it yields each batch of changes it wants
appraised and is sent back their standings. So several searches over one appraisal (the
counterfactuals and what to find out next) can share each batch through the engine
(``WhatIf.together``), and what a rule base makes of its facts (``ModelIndex``) is worked out
once per compiled model.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar, cast

import numpy as np

from ..appraise import Appraisal
from ..engine import (
    TIE_TOLERANCE,
    CompiledModel,
    Outcome,
    cell_bounds,
    comparisons,
    every_condition,
    utility,
)
from ..engine import Columns as Columns
from ..models import Comparison, FactRef, RuleBase, Value
from ._shared import (
    Standings,
    appraise_rows,
    by_option,
    evidence_columns,
    global_weights,
    leads,
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
    "Batch",
    "Effects",
    "ModelIndex",
    "Result",
    "Stages",
    "Test",
    "WhatIf",
    "candidate_changes",
    "counterfactual_stages",
    "distinct_rows",
    "evidence_counterfactuals",
    "model_index",
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


@dataclass(frozen=True, eq=False)
class Batch:
    """A batch of what-ifs: each row gives some of ``changes`` (a fact and its new value)
    together, by index (``rows``: rows x changes per row, -1 where a row has fewer)."""

    changes: tuple[tuple[str, Value], ...]
    rows: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def of(cls, mappings: Sequence[Mapping[str, Value]]) -> Batch:
        """A batch with one row per mapping of changed facts."""
        index: dict[tuple[str, type, Value], int] = {}
        rows = [
            [index.setdefault((name, type(value), value), len(index)) for name, value in m.items()]
            for m in mappings
        ]
        return cls(tuple((name, value) for name, _, value in index), _padded(rows))

    @classmethod
    def singles(cls, changes: Sequence[tuple[str, Value]]) -> Batch:
        """One row per change."""
        return cls(tuple(changes), np.arange(len(changes), dtype=np.intp)[:, None])

    @classmethod
    def joined(cls, batches: Sequence[Batch]) -> Batch:
        """The rows of every batch, in order."""
        width = max((b.rows.shape[1] for b in batches), default=0)
        parts, offset = [], 0
        for batch in batches:
            rows = np.full((len(batch), width), -1, dtype=np.intp)
            given = batch.rows >= 0
            rows[:, : batch.rows.shape[1]][given] = batch.rows[given] + offset
            parts.append(rows)
            offset += len(batch.changes)
        changes = tuple(c for b in batches for c in b.changes)
        rows = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.intp)
        return cls(changes, rows)

    def facts(self) -> set[str]:
        """The facts some row changes."""
        return {self.changes[i][0] for i in np.unique(self.rows[self.rows >= 0]).tolist()}


def _padded(rows: Sequence[Sequence[int]]) -> np.ndarray:
    """Rows of indices of differing lengths as one array, -1 after each row's own."""
    found = np.full((len(rows), max(map(len, rows), default=0)), -1, dtype=np.intp)
    for row, indices in enumerate(rows):
        found[row, : len(indices)] = indices
    return found


T = TypeVar("T")
U = TypeVar("U")

Stages = Generator[Batch, Standings, T]
"""A search: it yields each batch it wants appraised, is sent their standings, and returns
its result."""


class Test(NamedTuple):
    """A comparison as the searches read it: what it tests, how, and against what (read off
    the ``Comparison`` once per model rather than on every look)."""

    fact: str | None
    operator: str
    operand: Value | FactRef


@dataclass(frozen=True)
class Result:
    """What a set of changes gives: the winner, every verdict, totals and exclusions."""

    winner: str | None
    verdicts: dict[str, str]
    totals: dict[str, float]
    excluded: dict[str, bool]


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


# --------------------------------------------------------------------------- the model's index


@dataclass(frozen=True, eq=False)
class ModelIndex:
    """What the searches read off a compiled model, whatever the evidence: which rules each
    fact can move, which cells those rules move, which rules fail gates, and the tests that
    name each fact. Worked out once per model (``model_index``)."""

    tests: Mapping[str, list[Test]]
    """Every comparison of the rules and verdict rules, under each fact it names."""
    moves: np.ndarray
    """Rules x options x leaves: the cells each rule sets or adjusts."""
    moves_flat: np.ndarray
    """``moves`` as rules x cells, in floats, for products."""
    gate_masks: np.ndarray
    """Options x rules: the rules that fail the option on a gate."""
    gating: np.ndarray
    """Per rule: whether it fails any option on a gate."""
    fact_rows: Mapping[str, int]
    """Each fact's row in ``reach`` and ``cells``."""
    reach: np.ndarray
    """Facts x rules: the rules whose firing may change when the fact does."""
    cells: np.ndarray
    """Facts x options x leaves: the cells some rule downstream of the fact moves."""
    scoring: np.ndarray
    """The rules (positions) that move some cell or fail some option on a gate."""


def model_index(model: CompiledModel) -> ModelIndex:
    """The model's ``ModelIndex``, worked out on first use and kept while the model lives."""
    return model.kept(model_index, lambda: _index(model))


def _index(model: CompiledModel) -> ModelIndex:
    rules = len(model.order)
    options, leaves = model.baselines.shape
    moves = np.zeros((rules, options, leaves), dtype=bool)
    for (option, leaf), moving in (*model.cell_sets.items(), *model.cell_adjusts.items()):
        moves[[p for p, _ in moving], option, leaf] = True
    gate_masks = np.zeros((options, rules), dtype=bool)
    for position, gates in enumerate(model.rule_gates):
        for option, _ in gates:
            gate_masks[option, position] = True
    facts = list(model.rule_base.facts)
    reach = np.zeros((len(facts), rules), dtype=bool)
    for row, fact_id in enumerate(facts):
        reach[row, list(model.downstream_positions(fact_id))] = True
    moves_flat = moves.reshape(rules, -1).astype(np.float64)
    cells = (reach.astype(np.float64) @ moves_flat > 0).reshape(len(facts), options, leaves)
    return ModelIndex(
        tests={
            fact_id: [Test(t.fact, t.operator, t.operand) for t in tests]
            for fact_id, tests in tests_by_fact(model.rule_base).items()
        },
        moves=moves,
        moves_flat=moves_flat,
        gate_masks=gate_masks,
        gating=np.asarray(gate_masks.any(axis=0)),
        fact_rows={fact_id: row for row, fact_id in enumerate(facts)},
        reach=reach,
        cells=cells,
        scoring=np.flatnonzero(moves.any(axis=(1, 2)) | gate_masks.any(axis=0)),
    )


# --------------------------------------------------------------------------- standings


def _part(standings: Standings, start: int, stop: int) -> Standings:
    """Rows ``start`` to ``stop`` of a batch's standings, as the standings of a batch."""
    outcome = standings.outcome
    columns = outcome.columns
    rows = slice(start, stop)
    return _with_rows(
        standings,
        rows,
        Outcome(
            Columns(columns.known[:, rows], columns.values[:, rows], columns.texts),
            outcome.fired[:, rows],
            outcome.unknown[:, rows],
            None if outcome.contradicted is None else outcome.contradicted[rows],
        ),
    )


def _with_rows(standings: Standings, rows: slice | np.ndarray, outcome: Outcome) -> Standings:
    """The standings' figures of some rows, beside the outcome given."""
    return Standings(
        outcome=outcome,
        points=standings.points[rows],
        score=standings.score[rows],
        excluded=standings.excluded[rows],
        first=standings.first[rows],
        verdicts=standings.verdicts[rows],
        void=standings.void[rows],
    )


class WhatIf:
    """Evidence changes re-appraised against one appraisal, a batch of rows at a time."""

    def __init__(self, appraisal: Appraisal) -> None:
        model = model_of(appraisal)
        self.appraisal = appraisal
        self.model = model
        self.index = model_index(model)
        self.weights = global_weights(model, appraisal)
        self.evidence = evidence_columns(model, appraisal)
        self.options = model.options
        results = {o.id: o for o in appraisal.options}
        self.results = results
        self.winner = winner(appraisal)
        self.verdicts = {o.id: o.verdict for o in appraisal.options}
        numbers = {v.verdict: k for k, v in enumerate(model.rule_base.verdicts)}
        self.verdict_numbers = numbers
        """Each verdict as a number, so that verdicts compare as arrays."""
        self.codes = np.array([numbers[v.verdict] for v in model.rule_base.verdicts])
        """Each verdict rule's verdict, as its number."""
        self.base_codes = np.array([numbers[self.verdicts[o]] for o in model.options])
        """The appraisal's verdict of each option, as its number."""
        self.rivals = [o for o in appraisal.options if o.id != self.winner]
        lead = results[self.winner].score if self.winner is not None else 0.0
        # what each rival must gain on the winner to draw level, in ``rivals`` order
        self.closes = [lead - rival.score - TIE_TOLERANCE for rival in self.rivals]
        self.tests = self.index.tests
        """Every comparison of the rules and verdict rules, under each fact it names."""
        self.gate_masks = self.index.gate_masks
        self._base: Standings | None = None
        empty = np.zeros((0, *model.baselines.shape))
        self._bounds = (empty, empty)
        """Facts x options x leaves: the lowest and highest points of each fact's cells."""
        self._bound: dict[str, int] = {}
        """Each fact's row in ``_bounds``, once worked out."""
        self._expected: list[str] = []

    # ------------------------------------------------------------------ evaluating

    def rows(self, changes: Batch | Sequence[Mapping[str, Value]]) -> Standings:
        """The standings of a batch: one row per set of changes. The first batch also
        appraises the appraisal itself (the row the bounds start from); after it, only the
        rules downstream of the changed facts rerun."""
        batch = changes if isinstance(changes, Batch) else Batch.of(changes)
        if self._base is None:
            first = Batch.joined([Batch((), np.zeros((1, 0), dtype=np.intp)), batch])
            standings = appraise_rows(self.model, self.weights, self.columns(first))
            self._base = _part(standings, 0, 1)
            return _part(standings, 1, len(batch) + 1)
        return appraise_rows(
            self.model,
            self.weights,
            self.columns(batch),
            base=self._base.outcome,
            changed=batch.facts(),
        )

    def columns(self, batch: Batch) -> Columns:
        """The appraisal's evidence (its first row), with each row's changes made: each
        change encoded once, and every row written at once."""
        model = self.model
        base = self.evidence
        repeated = base.repeat(len(batch))
        known, values = repeated.known, repeated.values
        texts = {text: code for code, text in enumerate(base.texts)}
        column_of = model.column_of
        numbers = [column_of[name] for name, _ in batch.changes]
        encoded = np.array(
            [model.encode(c, v, texts) for c, (_, v) in zip(numbers, batch.changes, strict=True)],
            dtype=np.float64,
        )
        columns = np.array(numbers, dtype=np.intp)
        given = batch.rows >= 0
        rows = np.nonzero(given)[0]
        changed = batch.rows[given]
        known[columns[changed], rows] = True
        values[columns[changed], rows] = encoded[changed]
        return Columns(known, values, tuple(texts))

    def stirred(self, codes: np.ndarray) -> np.ndarray:
        """Per row of a batch's verdicts (as ``codes[standings.verdicts]``): whether some
        option's verdict differs from the appraisal's."""
        return np.asarray(by_option(np.not_equal(codes, self.base_codes)).any(axis=0))

    def run(self, stages: Stages[T]) -> T:
        """A search's result, each of its stages one batch through the engine."""
        return cast(T, self._drive([stages])[0])

    def together(self, first: Stages[T], second: Stages[U]) -> tuple[T, U]:
        """Two searches' results, their stages side by side: each batch the engine appraises
        holds what both ask at that stage."""
        found = self._drive([first, second])
        return cast(T, found[0]), cast(U, found[1])

    def _drive(self, searches: Sequence[Stages[object]]) -> list[object]:
        found: list[object] = [None] * len(searches)
        asked: dict[int, Batch] = {}
        for k, search in enumerate(searches):
            try:
                asked[k] = next(search)
            except StopIteration as stop:
                found[k] = stop.value
        while asked:
            standings = self.rows(Batch.joined(list(asked.values())))
            following: dict[int, Batch] = {}
            start = 0
            for k, batch in asked.items():
                part = _part(standings, start, start + len(batch))
                start += len(batch)
                try:
                    following[k] = searches[k].send(part)
                except StopIteration as stop:
                    found[k] = stop.value
            asked = following
        return found

    def appraise(self, changes: Batch | Sequence[Mapping[str, Value]]) -> list[Result | None]:
        """What each set of changes gives; None where the rules then contradict each other."""
        if not changes:
            return []
        return self.results_of(self.rows(changes))

    def results_of(self, standings: Standings) -> list[Result | None]:
        """Each row's result (None where void), options in the appraisal's order."""
        found: list[Result | None] = []
        verdicts = self.model.rule_base.verdicts
        order = [self.options.index(o) for o in self.results]
        winners = standings.winners.tolist()
        void = standings.void.tolist()
        scores = standings.score[:, order].tolist()
        excluded = standings.excluded[:, order].tolist()
        chosen = standings.verdicts[:, order].tolist()
        names = list(self.results)
        for row in range(len(void)):
            if void[row]:
                found.append(None)
                continue
            found.append(
                Result(
                    winner=self.options[winners[row]] if winners[row] >= 0 else None,
                    verdicts={
                        o: verdicts[v].verdict for o, v in zip(names, chosen[row], strict=True)
                    },
                    totals=dict(zip(names, scores[row], strict=True)),
                    excluded=dict(zip(names, excluded[row], strict=True)),
                )
            )
        return found

    # ------------------------------------------------------------------ reach

    def reach_rows(self, facts: Sequence[str]) -> np.ndarray:
        """Facts x rules: the rules downstream of each fact (``ModelIndex.reach``)."""
        return self.index.reach[[self.index.fact_rows[f] for f in facts]]

    def cells_rows(self, facts: Sequence[str]) -> np.ndarray:
        """Facts x options x leaves: the cells some rule downstream of each fact moves."""
        return self.index.cells[[self.index.fact_rows[f] for f in facts]]

    def points_range(self, free: np.ndarray, fired: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row (of ``free`` and ``fired``, rules x rows): the lowest and highest points of
        every cell (rows x options x leaves) when the free rules may fire or not and every
        other rule fires as ``fired`` says."""
        low, high = cell_bounds(self.model, free, fired)
        leaf_weights = self.weights[list(self.model.tree.declared_leaves)]
        ends = (utility(self.model, low) * leaf_weights, utility(self.model, high) * leaf_weights)
        return np.minimum(*ends), np.maximum(*ends)

    def fact_bounds(self, facts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per fact (facts x options x leaves): the lowest and highest points of every cell
        whatever the fact's value, every rule not downstream of it firing as it does. Each
        fact's bounds are worked out once, those not yet known in one batch (with those
        ``expect_bounds`` was told of)."""
        missing = [f for f in dict.fromkeys([*facts, *self._expected]) if f not in self._bound]
        self._expected = []
        if missing:
            free = self.reach_rows(missing).T
            fired = np.repeat(self.base_fired[:, None], len(missing), axis=1)
            low, high = self.points_range(free, fired)
            start = len(self._bound)
            self._bound.update({f: start + k for k, f in enumerate(missing)})
            self._bounds = (
                np.concatenate([self._bounds[0], low]),
                np.concatenate([self._bounds[1], high]),
            )
        rows = [self._bound[f] for f in facts]
        return self._bounds[0][rows], self._bounds[1][rows]

    def expect_bounds(self, facts: Sequence[str]) -> None:
        """Say that a search may ask for these facts' bounds, so that the next batch of
        bounds worked out holds them too (several searches side by side then share one)."""
        self._expected += facts

    def reach_bounds(self, facts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """How far changing each fact could move things, whatever its new value: whether it
        reaches a gate rule of the winner (facts); for each rival (``rivals`` order), the
        most it could close the winner's lead by, and whether it could lift a gate failure
        the rival depends on (facts x rivals). A fact that reaches the winner's gate has no
        gains (zero) and every rival's gate.

        Summed over the items of a set the gains bound the set's effect from above, since
        a cell's reachable range grows at most additively in the rules that may move."""
        count = len(facts)
        if self.winner is None:
            return np.ones(count, dtype=bool), np.zeros((count, 0)), np.ones((count, 0), bool)
        first = self.options.index(self.winner)
        reach = self.reach_rows(facts)
        hits = (reach & self.gate_masks[first]).any(axis=1)
        low, high = self.fact_bounds(facts)
        cells = self.cells_rows(facts)
        others = [self.options.index(r.id) for r in self.rivals]
        base = self.base_points
        # each rival's cells, then the winner's, added one at a time in that order
        rising = np.where(cells[:, others], high[:, others] - base[others], 0.0)
        falling = np.where(cells[:, first], base[first] - low[:, first], 0.0)
        terms = np.concatenate([rising, np.broadcast_to(falling[:, None, :], rising.shape)], axis=2)
        gains = np.add.accumulate(terms, axis=2)[:, :, -1] if terms.shape[2] else terms.sum(2)
        gates = (reach[:, None, :] & self.gate_masks[others][None]).any(axis=2)
        gains[hits] = 0.0
        gates[hits] = True
        return hits, gains, gates

    @property
    def base_standings(self) -> Standings:
        """The appraisal itself as the engine evaluates it (a batch of one, first row)."""
        if self._base is None:
            self.rows(Batch((), np.zeros((0, 0), dtype=np.intp)))
        assert self._base is not None
        return self._base

    @property
    def base_fired(self) -> np.ndarray:
        """Whether each rule (in the model's order) fires in the appraisal."""
        return np.asarray(self.base_standings.outcome.fired[:, 0])

    @property
    def base_points(self) -> np.ndarray:
        """Options x leaves: each cell's points in the appraisal."""
        return np.asarray(self.base_standings.points[0])

    # ------------------------------------------------------------------ sets of changes

    def effects(
        self, changes: Sequence[EvidenceChange], standings: Standings, rows: Sequence[int]
    ) -> Effects:
        """What each single change does on its own, from its row of ``standings``."""
        rows = list(rows)
        facts = [c.evidence for c in changes]
        reach = self.reach_rows(facts)
        fired = standings.outcome.fired[:, rows].T
        cells = self.cells_rows(facts)
        changed = reach & (fired != self.base_fired)
        moved = (changed.astype(np.float64) @ self.index.moves_flat > 0).reshape(cells.shape)
        deltas = np.where(moved & cells, standings.points[rows] - self.base_points, 0.0)
        return Effects(~standings.void[rows], reach, fired, cells, deltas)

    def single_effects(self, changes: Sequence[EvidenceChange]) -> Effects:
        """What each single change does on its own (one batch)."""
        standings = self.rows(Batch.singles([(c.evidence, c.to) for c in changes]))
        return self.effects(changes, standings, range(len(changes)))

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
        """``may_flip_together`` for every row of ``sets`` (sets x changes, indices), at once.

        Sets that leave the same rules free and fire the same others share one bound."""
        count = len(sets)
        if self.winner is None or not count:
            return np.ones(count, dtype=bool)
        first = self.options.index(self.winner)
        # only the rules that move a cell or fail a gate bear on the bound: the rest are
        # left out of every array below
        scoring = self.index.scoring
        reaches, firings = effects.reach[:, scoring], effects.fired[:, scoring]
        gates = self.gate_masks[:, scoring]
        # each member in turn: the rules and cells reached by one member (touched) and by
        # two or more (free, shared), and the rules a member reaching them fires
        # (rows gathered by ``take``: a third of the time of indexing by an array)
        member = sets[:, 0]
        touched = np.take(reaches, member, axis=0)
        alone = touched & np.take(firings, member, axis=0)
        free = np.zeros_like(touched)
        reached = np.take(effects.cells, member, axis=0)
        shared = np.zeros_like(reached)
        deltas = np.take(effects.deltas, member, axis=0)
        valid = np.take(effects.valid, member)
        for member in sets.T[1:]:
            reach = np.take(reaches, member, axis=0)
            free |= touched & reach
            touched = touched | reach
            alone |= reach & np.take(firings, member, axis=0)
            cells = np.take(effects.cells, member, axis=0)
            shared |= reached & cells
            reached = reached | cells
            deltas = deltas + np.take(effects.deltas, member, axis=0)
            valid = valid & np.take(effects.valid, member)
        # fires, for certain (as logic: a third of the time of np.where on booleans)
        now = ((touched & alone) | (~touched & self.base_fired[scoring])) & ~free
        answer = ~valid
        winner_gates = np.flatnonzero(gates[first])
        answer |= touched[:, winner_gates].any(axis=1) & (
            now[:, winner_gates] | free[:, winner_gates]
        ).any(axis=1)
        # sets x options (summed in any order: the bound allows for rounding, ``_SLACK``)
        low = np.einsum("sol->so", deltas)
        high = low.copy()
        some = np.flatnonzero(shared.any(axis=(1, 2)))
        if len(some):
            inside = shared[some]
            # a shared cell's bound reads only the rules that move it: sets alike on
            # the rules moving their shared cells share one bound
            kinds, which = distinct_rows(inside.reshape(len(some), -1))
            moving = inside.reshape(len(some), -1)[kinds].astype(np.float64)
            relevant = (moving @ self.index.moves_flat[scoring].T > 0)[which]
            held, fires = free[some] & relevant, now[some] & relevant
            once, again = distinct_rows(np.concatenate([held, fires], axis=1))
            rules = (len(self.model.order), len(once))
            loose, fixed = np.zeros(rules, dtype=bool), np.zeros(rules, dtype=bool)
            loose[scoring], fixed[scoring] = held[once].T, fires[once].T
            bottom, top = self.points_range(loose, fixed)
            # each set's shared cells only: their bound in place of the points counted
            # (cells by their flat index, options x leaves, as the engine lays them out)
            cells_per_set = inside[0].size
            sets_at, cell_at = np.divmod(np.flatnonzero(inside), cells_per_set)
            options_at = cell_at // self.model.baselines.shape[1]
            pattern = again[sets_at]
            counted = (
                self.base_points.reshape(-1)[cell_at]
                + deltas.reshape(count, -1)[some[sets_at], cell_at]
            )
            slots = sets_at * len(self.options) + options_at
            size = len(some) * len(self.options)
            shape = (len(some), len(self.options))
            below = bottom.reshape(len(once), -1)[pattern, cell_at] - counted
            above = top.reshape(len(once), -1)[pattern, cell_at] - counted
            low[some] += np.bincount(slots, below, size).reshape(shape)
            high[some] += np.bincount(slots, above, size).reshape(shape)
        floor = self.results[self.winner].score + low[:, first] - TIE_TOLERANCE - _SLACK
        for k, option in enumerate(self.options):
            if k == first:
                continue
            rival = self.results[option]
            mask = np.flatnonzero(gates[k])
            open_ = np.ones(count, dtype=bool)
            if rival.excluded:
                open_ = touched[:, mask].any(axis=1) & ~now[:, mask].any(axis=1)
            answer |= open_ & (rival.score + high[:, k] >= floor)
        return np.asarray(answer)


def distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a boolean array: where one of each occurs, and which of them
    each row is.

    Rows are packed into 64-bit words and hashed into one number each; rows with equal
    numbers are checked to be equal, and only if some are not (a collision) are the rows
    told apart one by one."""
    count = len(rows)
    packed = np.packbits(rows, axis=1)
    width = packed.shape[1]
    if width == 0 or count == 0:
        return np.zeros(min(count, 1), dtype=np.intp), np.zeros(count, dtype=np.intp)
    padded = np.zeros((count, width + -width % 8), dtype=np.uint8)  # whole words
    padded[:, :width] = packed
    packed = padded
    words = packed.view(np.uint64)
    key = words[:, 0].copy()
    for column in words.T[1:]:
        key = (key * _MIX) ^ column
    _, once, again = np.unique(key, return_index=True, return_inverse=True)
    again = again.reshape(-1)
    if (words[once][again] == words).all():
        return once.astype(np.intp), again.astype(np.intp)
    data = packed.tobytes()
    step = packed.shape[1]
    seen: dict[bytes, int] = {}
    first: list[int] = []
    which: list[int] = []
    for row in range(count):
        found = seen.setdefault(data[row * step : (row + 1) * step], len(first))
        if found == len(first):
            first.append(row)
        which.append(found)
    return np.array(first, dtype=np.intp), np.array(which, dtype=np.intp)


_MIX = np.uint64(0x9E3779B97F4A7C15)
"""An odd 64-bit multiplier (the golden ratio's), to mix the words of a row into one."""


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
    tests = [c for condition in every_condition(rule_base) for c in comparisons(condition)]
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
    model = model_of(appraisal)
    rule_base = model.rule_base
    evidence = appraisal.evidence
    tests_of = model_index(model).tests
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
    fact_id: str,
    value: float,
    tests: Sequence[Test],
    evidence: Mapping[str, Value | None],
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
            options.add(float(crossed))

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
    return what_if.run(counterfactual_stages(what_if, max_size=max_size, budget=budget))


def counterfactual_stages(
    what_if: WhatIf, *, max_size: int = 3, budget: int = 20_000
) -> Stages[CounterfactualReport]:
    """``search_counterfactuals`` as stages, to share batches with another search."""
    candidates = candidate_changes(what_if.appraisal)
    singles: list[EvidenceCounterfactual] = []
    helpful: list[tuple[float, int]] = []
    standings: Standings | None = None
    if candidates:
        if what_if.winner is not None and max_size > 1:
            what_if.expect_bounds([c.evidence for c in candidates])
        standings = yield Batch.singles([(c.evidence, c.to) for c in candidates])
        singles, helpful = _singles(what_if, candidates, standings)
    evaluated = len(candidates)
    smallest: list[EvidenceCounterfactual] = []
    exhaustive = True
    size_found: int | None = 1 if any(s.changes_winner for s in singles) else None
    if size_found is None and what_if.winner is not None and max_size > 1 and helpful:
        assert standings is not None
        order = [i for _, i in sorted(helpful)]
        ordered = [candidates[i] for i in order]
        facts = [c.evidence for c in ordered]
        distinct = list(dict.fromkeys(facts))
        where = {fact_id: row for row, fact_id in enumerate(distinct)}
        hits, gains, gates = what_if.reach_bounds(distinct)
        codes = np.array([where[f] for f in facts], dtype=np.intp)
        effects = what_if.effects(ordered, standings, order)
        for size in range(2, max_size + 1):
            combos = _promising(what_if, codes, hits[codes], gains[codes], gates[codes], size)
            room = max(budget - evaluated, 0)
            if len(combos) > room:
                combos = combos[:room]
                exhaustive = False
            evaluated += len(combos)
            kept = what_if.may_flip_all(effects, combos)
            chosen = combos[kept]
            changes = [tuple(ordered[i] for i in combo) for combo in chosen.tolist()]
            if changes:
                tried = yield Batch(tuple((c.evidence, c.to) for c in ordered), chosen)
                flips = np.flatnonzero(~tried.void & (tried.winners != _winner_index(what_if)))
                outcomes = what_if.results_of(_take(tried, flips))
                for row, outcome in zip(flips.tolist(), outcomes, strict=True):
                    assert outcome is not None
                    smallest.append(_counterfactual(what_if, changes[row], outcome))
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


def _winner_index(what_if: WhatIf) -> int:
    """The winner's place in the model's options; -1 when there is no single winner."""
    return what_if.options.index(what_if.winner) if what_if.winner is not None else -1


def _take(standings: Standings, rows: np.ndarray) -> Standings:
    """The standings of some rows only (what ``WhatIf.results_of`` reads)."""
    return _with_rows(standings, rows, standings.outcome)


def _singles(
    what_if: WhatIf, candidates: Sequence[EvidenceChange], standings: Standings
) -> tuple[list[EvidenceCounterfactual], list[tuple[float, int]]]:
    """The single changes that change the winner or a verdict, and how far ahead the winner
    stays under each change the rules can appraise (lower is more promising), by index."""
    valid = ~standings.void
    stirred = what_if.stirred(what_if.codes[standings.verdicts])
    moved = valid & ((standings.winners != _winner_index(what_if)) | stirred)
    rows = np.flatnonzero(moved)
    singles = [
        _counterfactual(what_if, (candidates[row],), outcome)
        for row, outcome in zip(
            rows.tolist(), what_if.results_of(_take(standings, rows)), strict=True
        )
        if outcome is not None
    ]
    if what_if.winner is None:
        ahead = np.full(len(candidates), math.inf)
    else:
        ahead = leads(standings.score, standings.excluded, what_if.options.index(what_if.winner))
    helpful = [
        (lead, row)
        for row, (lead, ok) in enumerate(zip(ahead.tolist(), valid.tolist(), strict=True))
        if ok
    ]
    return singles, helpful


def _combinations(count: int, size: int) -> np.ndarray:
    """Every set of ``size`` of ``count`` indices, in order (sets x indices)."""
    if size == 2:
        return np.stack(np.triu_indices(count, 1), axis=1).astype(np.intp)
    found = np.array(list(itertools.combinations(range(count), size)), dtype=np.intp)
    return found.reshape(-1, size)


def _promising(
    what_if: WhatIf,
    codes: np.ndarray,
    hits: np.ndarray,
    gains: np.ndarray,
    gates: np.ndarray,
    size: int,
) -> np.ndarray:
    """The sets of ``size`` changes to distinct items, in order, that the reach bound keeps
    (sets x changes, indices). Per change: its item's code, and its item's reach
    (``WhatIf.reach_bounds``)."""
    count = len(codes)
    if count < size:
        return np.zeros((0, size), dtype=np.intp)
    combos = _combinations(count, size)
    picked = codes[combos]
    distinct = np.ones(len(combos), dtype=bool)
    for a, b in itertools.combinations(range(size), 2):
        distinct &= picked[:, a] != picked[:, b]
    # members joined one at a time: numpy's reductions over a short middle axis are slow
    keep = hits[combos[:, 0]]
    for k in range(1, size):
        keep = keep | hits[combos[:, k]]
    if what_if.rivals and not hits.all():
        # rows gathered by ``take``: a third of the time of indexing by an array
        total = np.take(gains, combos[:, 0], axis=0)
        lifted = np.take(gates, combos[:, 0], axis=0)
        for k in range(1, size):
            total = total + np.take(gains, combos[:, k], axis=0)
            lifted = lifted | np.take(gates, combos[:, k], axis=0)
        excluded = np.array([r.excluded for r in what_if.rivals], dtype=bool)
        closes = np.array(what_if.closes)
        reachable = (~excluded | lifted) & (total >= closes)
        for rival in range(reachable.shape[1]):
            keep |= reachable[:, rival]
    return np.asarray(combos[distinct & keep])


def _counterfactual(
    what_if: WhatIf, changes: Sequence[EvidenceChange], outcome: Result
) -> EvidenceCounterfactual:
    new_winner, verdicts = outcome.winner, outcome.verdicts
    return EvidenceCounterfactual.model_construct(
        changes=tuple(changes),
        new_winner=new_winner,
        changes_winner=new_winner != what_if.winner,
        verdict_changes=tuple(
            VerdictChange.model_construct(option=o, from_=what_if.verdicts[o], to=v)
            for o, v in verdicts.items()
            if v != what_if.verdicts[o]
        ),
    )
