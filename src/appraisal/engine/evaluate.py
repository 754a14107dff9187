"""Rules evaluated on a batch of fact vectors at once; one appraisal is a batch of one.

Conditions use three-valued logic, computed as two boolean arrays over the
rows, *is true* and *is false* (neither: unknown). A comparison that reads
an unknown fact is unknown; ``all`` is false where any part is false and
true where every part is true; ``any`` the dual; ``not`` swaps the two.
A rule fires where its condition is true; where it is unknown, the record
says so, and the explanation can say which missing evidence held it back.

Rules run once each, in the model's order (every rule deriving a finding
before any rule reading it), so one pass reaches the fixpoint. Two fired
rules that derive different values for one finding contradict each other:
``refuse_contradiction`` is the one policy for that, whoever evaluates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import RuleConflictError
from ..models import Value
from .compiled import (
    METRIC_NAMES,
    AllNode,
    AnyNode,
    CompareNode,
    CompiledModel,
    KnownNode,
    Node,
    NotNode,
)

__all__ = [
    "Columns",
    "Metrics",
    "Outcome",
    "encode",
    "evaluate",
    "refuse_contradiction",
    "rerun",
    "truth",
]

Metrics = Mapping[str, tuple[np.ndarray, np.ndarray]]
"""Verdict metrics by name: (known, value) arrays of rows x options."""

_OPERATORS = {
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
}


@dataclass(frozen=True, eq=False)
class Columns:
    """Facts and findings of a batch: per column (the model's, then one never known) and row,
    whether it is known and its value as a float."""

    known: np.ndarray
    values: np.ndarray
    texts: tuple[str, ...]
    """Text values by code: the model's constants, then text the evidence brought."""

    @property
    def rows(self) -> int:
        return int(self.known.shape[1])

    def repeat(self, rows: int) -> Columns:
        """A batch of ``rows`` copies of this batch's first row, for a sampler to vary."""
        return Columns(
            np.repeat(self.known[:, :1], rows, axis=1),
            np.repeat(self.values[:, :1], rows, axis=1),
            self.texts,
        )

    def take(self, rows: np.ndarray, columns: Sequence[int] | None = None) -> Columns:
        """The batch of these rows (by index, repeats allowed); with ``columns``, only
        those are copied and every other column is unknown."""
        if columns is None:
            return Columns(self.known[:, rows], self.values[:, rows], self.texts)
        known = np.zeros((self.known.shape[0], len(rows)), dtype=bool)
        values = np.zeros(known.shape)
        for column in columns:
            known[column] = self.known[column, rows]
            values[column] = self.values[column, rows]
        return Columns(known, values, self.texts)

    def value(self, model: CompiledModel, name: str, row: int = 0) -> Value | None:
        """One fact's or finding's value in one row, as the rule base writes it (None: unknown)."""
        column = model.column_of[name]
        if not self.known[column, row]:
            return None
        return model.decode(column, float(self.values[column, row]), self.texts)


def encode(
    model: CompiledModel,
    rows: Sequence[Mapping[str, Value | None]],
    *,
    findings: bool = False,
    only: Sequence[int] | None = None,
) -> Columns:
    """Fact values (one mapping per row; absent or None: unknown) as columns.

    Findings start unknown, since rules derive them, unless ``findings`` is
    true (to test verdicts on facts and findings already known); with
    ``only``, just those columns are encoded. Ids that are no fact of the
    rule base are ignored; values are expected checked (``appraise`` checks
    them), and one not of its fact's type is refused.
    """
    width = len(model.columns) + 1
    known = np.zeros((width, len(rows)), dtype=bool)
    values = np.zeros((width, len(rows)))
    texts = dict(model.texts)
    encoded = range(len(model.columns) if findings else model.fact_count)
    for column in encoded if only is None else only:
        name = model.columns[column]
        for row, facts in enumerate(rows):
            value = facts.get(name)
            if value is not None:
                known[column, row] = True
                values[column, row] = model.encode(column, value, texts)
    return Columns(known, values, tuple(texts))


@dataclass(frozen=True, eq=False)
class Outcome:
    """What evaluating every rule on a batch gives: which fired, which were unknown, and
    every fact and finding afterwards. Rules are rows in the model's ``order``."""

    columns: Columns
    fired: np.ndarray
    unknown: np.ndarray
    contradicted: np.ndarray | None = None
    """Rows in which two fired rules derived different values for one finding, when
    evaluated with ``refuse=False``; None when a contradiction is refused."""


def truth(
    node: Node,
    known: np.ndarray,
    values: np.ndarray,
    metrics: Metrics | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Where ``node`` is true and where it is false, over the rows (and options).

    ``known`` and ``values`` are indexed by column first; in verdicts they
    carry a trailing axis of one, so that facts broadcast over the options
    the metrics are given for.
    """
    if isinstance(node, KnownNode):
        return known[node.column], ~known[node.column]
    if isinstance(node, CompareNode):
        return _compare(node, known, values, metrics)
    if isinstance(node, NotNode):
        is_true, is_false = truth(node.part, known, values, metrics)
        return is_false, is_true
    parts = [truth(part, known, values, metrics) for part in node.parts]
    trues, falses = parts[0]
    if isinstance(node, AllNode):
        for is_true, is_false in parts[1:]:
            trues = trues & is_true
            falses = falses | is_false
        return trues, falses
    assert isinstance(node, AnyNode)
    for is_true, is_false in parts[1:]:
        trues = trues | is_true
        falses = falses & is_false
    return trues, falses


def _compare(
    node: CompareNode, known: np.ndarray, values: np.ndarray, metrics: Metrics | None
) -> tuple[np.ndarray, np.ndarray]:
    if node.metric:
        if metrics is None:
            raise KeyError(METRIC_NAMES[node.left])
        left_known, left = metrics[METRIC_NAMES[node.left]]
    else:
        left_known, left = known[node.left], values[node.left]
    if node.right < 0:
        right: np.ndarray | float = node.constant
        both = left_known
    else:
        right = values[node.right] if node.times == 1.0 else values[node.right] * node.times
        both = left_known & known[node.right]
    holds = _OPERATORS[node.op](left, right)
    return both & holds, np.greater(both, holds)  # known, and does not hold


def evaluate(model: CompiledModel, columns: Columns, *, refuse: bool = True) -> Outcome:
    """Run every rule once, in order, on every row; derived findings join the columns.

    Raises ``RuleConflictError`` (a ``RuleEvaluationError``) where two fired
    rules derive different values for one finding, in any row; with
    ``refuse=False`` it marks those rows instead (``Outcome.contradicted``), for
    a search that skips what the rules cannot appraise.
    """
    known = columns.known.copy()
    values = columns.values.copy()
    fired = np.empty((len(model.order), columns.rows), dtype=bool)
    unknown = np.empty((len(model.order), columns.rows), dtype=bool)
    contradicted = None if refuse else np.zeros(columns.rows, dtype=bool)
    everything = range(len(model.order))
    _run(model, columns.texts, everything, {}, known, values, fired, unknown, contradicted)
    return Outcome(Columns(known, values, columns.texts), fired, unknown, contradicted)


def rerun(
    model: CompiledModel,
    base: Outcome,
    columns: Columns,
    changed: Iterable[str],
    *,
    refuse: bool = True,
) -> Outcome:
    """``evaluate(model, columns)``, running only the rules downstream of the ``changed`` facts.

    ``columns`` hold the batch's facts (any findings in them are ignored),
    which differ from those ``base`` was evaluated on (its one row, or the row
    of the same index) only in ``changed``. Every other rule fires as in
    ``base``, and a finding only such rules derive keeps its value there; a
    finding a rerun rule derives is derived afresh, by every rule deriving
    it, in order. So the outcome, conflicts included, is ``evaluate``'s.
    """
    rows = columns.rows
    reran: set[int] = set().union(*(model.downstream_positions(n) for n in changed))
    touched = {column for p in reran for column, _, _ in model.derivations[p]}
    settled: dict[int, tuple[int, ...]] = {}
    for position, derivations in enumerate(model.derivations):
        if position not in reran:
            moved = tuple(column for column, _, _ in derivations if column in touched)
            if moved:
                settled[position] = moved
    first = model.fact_count
    known = columns.known.copy()
    values = columns.values.copy()
    known[first:] = _spread(base.columns.known, rows)[first:]
    values[first:] = _spread(base.columns.values, rows)[first:]
    for column in touched:
        known[column] = False
        values[column] = 0.0
    fired = _spread(base.fired, rows)
    unknown = _spread(base.unknown, rows)
    contradicted = None if refuse else np.zeros(rows, dtype=bool)
    positions = sorted(reran | set(settled))
    _run(model, columns.texts, positions, settled, known, values, fired, unknown, contradicted)
    return Outcome(Columns(known, values, columns.texts), fired, unknown, contradicted)


def _spread(array: np.ndarray, rows: int) -> np.ndarray:
    """A writable copy of ``array`` (one column per row) with ``rows`` columns: its own,
    or its first repeated."""
    if array.shape[1] == rows:
        return array.copy()
    return np.repeat(array[:, :1], rows, axis=1)


def _run(
    model: CompiledModel,
    texts: Sequence[str],
    positions: Iterable[int],
    settled: Mapping[int, Sequence[int]],
    known: np.ndarray,
    values: np.ndarray,
    fired: np.ndarray,
    unknown: np.ndarray,
    contradicted: np.ndarray | None,
) -> None:
    """Run the rules at ``positions`` in order, in place; a ``settled`` rule keeps its firing
    (in ``fired``) and only derives again the findings (columns) listed for it."""
    rows = known.shape[1]
    first_deriver: dict[int, np.ndarray] = {}
    evaluated = [p for p in positions if p not in settled]
    failed = np.empty((len(model.order), rows), dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for position in positions:
            only = settled.get(position)
            if only is None:
                fired[position], failed[position] = truth(model.conditions[position], known, values)
            derivations = model.derivations[position]
            if not derivations or not fired[position].any():
                continue
            hit = fired[position]
            for derivation in derivations:
                column, encoded, _ = derivation
                if only is not None and column not in only:
                    continue
                before = first_deriver.setdefault(column, np.full(rows, -1, dtype=np.intp))
                take = hit
                if contradicted is None:
                    refuse_contradiction(
                        model, texts, position, derivation, hit, known, values, before
                    )
                else:
                    clash = hit & known[column] & (values[column] != encoded)
                    contradicted |= clash
                    take = hit & ~clash
                new = take & ~known[column]
                before[new] = position
                known[column] |= take
                values[column][take] = encoded
    if len(evaluated) == len(model.order):
        np.logical_not(fired | failed, out=unknown)
    elif evaluated:
        unknown[evaluated] = ~(fired[evaluated] | failed[evaluated])


def refuse_contradiction(
    model: CompiledModel,
    texts: Sequence[str],
    position: int,
    derivation: tuple[int, float, Value],
    hit: np.ndarray,
    known: np.ndarray,
    values: np.ndarray,
    first_deriver: np.ndarray,
) -> None:
    """The conflict policy: a finding already derived as something else refuses the rule.

    Whatever the caller (an appraisal, an explanation, a sampled analysis),
    the error is the same: it names the finding, both rules and their
    values, and the rule base file and line of the rule that contradicts
    the first.
    """
    column, encoded, value = derivation
    clash = hit & known[column] & (values[column] != encoded)
    if not clash.any():
        return
    row = int(np.argmax(clash))
    finding = model.columns[column]
    first = model.order[int(first_deriver[row])]
    rule = model.order[position]
    previous = model.decode(column, float(values[column, row]), texts)
    raise RuleConflictError(
        f"finding {finding!r} is derived as {previous!r} by rule {first!r} and as {value!r}"
        f" by rule {rule!r}; the rules contradict each other on this evidence",
        model.where(rule),
        finding=finding,
        rules=(first, rule),
    )
