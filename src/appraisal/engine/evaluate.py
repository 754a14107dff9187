"""Rules evaluated on a batch of fact vectors at once; one appraisal is a batch of one.

Conditions use three-valued logic: true, false or unknown in each row. A
comparison that reads an unknown fact is unknown; ``all`` is false where any
part is false and true where every part is true; ``any`` the dual; ``not``
swaps true and false. A rule's condition is a state per row (``levels``:
false, unknown, true, in that order, so ``all`` is a least and ``any`` a
greatest); a verdict's is two boolean arrays, *is true* and *is false*
(``truth``). A rule fires where its condition is true; where it is unknown,
the record says so, and the explanation can say which missing evidence held
it back.

Rules run once each, a level at a time (``levels``: every rule deriving a
finding in a level before any rule reading it), so one pass reaches the
fixpoint; a level's conditions take a few numpy calls, however many rules it
holds. A finding takes the value of the first rule, in the model's order,
that derives it. Two fired rules that derive different values for one
finding contradict each other: ``refuse_contradiction`` is the one policy
for that, whoever evaluates, and names the contradiction a rule-by-rule run
would meet first. ``truth`` walks one condition as a tree: verdicts, which
read the options' metrics, use it.

A batch that needs only some rules runs a ``RuleSubset``: those rules and
every rule deriving what they read or derive, compiled once to run on their
own columns, so that they fire as among every rule at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

import numpy as np

from ..errors import RuleConflictError
from ..models import Value
from .compiled import METRIC_NAMES, CompiledModel
from .levels import (
    ALWAYS,
    FALSE,
    NEVER,
    STACKED_FROM,
    TRUE,
    UNKNOWN,
    Derivers,
    Level,
    Settling,
    levels_of,
    read_only,
)
from .nodes import (
    OPERATORS,
    AllNode,
    AnyNode,
    CompareNode,
    KnownNode,
    Node,
    NotNode,
    columns_read,
    renumbered,
)

__all__ = [
    "Columns",
    "Metrics",
    "Outcome",
    "RuleSubset",
    "closed_rules",
    "encode",
    "evaluate",
    "refuse_contradiction",
    "rerun",
    "rule_subset",
    "truth",
]

Metrics = Mapping[str, tuple[np.ndarray, np.ndarray]]
"""Verdict metrics by name: (known, value) arrays of rows x options."""


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
    at: tuple[list[int], list[int]] = ([], [])
    found: list[float] = []
    for column in encoded if only is None else only:
        name = model.columns[column]
        for row, facts in enumerate(rows):
            value = facts.get(name)
            if value is not None:
                at[0].append(column)
                at[1].append(row)
                found.append(model.encode(column, value, texts))
    known[at] = True
    values[at] = found
    return Columns(known, values, tuple(texts))


@dataclass(frozen=True, eq=False)
class RuleSubset:
    """Some of a model's rules, closed upstream, compiled to run on their own columns.

    Closed upstream: every rule deriving a finding that one of them reads or
    derives is among them. So each of them fires, and each finding they
    derive settles, exactly as in an evaluation of every rule; a batch whose
    games need only these rules need not run the others, nor hold columns
    they do not read.
    """

    positions: np.ndarray
    """The rules' positions in the model's order, ascending."""
    columns: np.ndarray
    """The model's columns they read or derive, ascending: the batch they run on."""
    levels: tuple[Level, ...]
    """Their levels, compiled against their own numbering of rules and of columns."""
    rule_index: np.ndarray
    """Per rule of the model: its place among ``positions`` (-1: not among them)."""
    column_index: np.ndarray
    """Per column of the model (and the one never known): its place among ``columns``
    (-1: not among them)."""

    def take(self, columns: Columns) -> Columns:
        """The subset's columns of a batch of the model's."""
        return Columns(columns.known[self.columns], columns.values[self.columns], columns.texts)


@dataclass(frozen=True, eq=False)
class Outcome:
    """What evaluating every rule on a batch gives: which fired, which were unknown, and
    every fact and finding afterwards. Rules are rows in the model's ``order``; with
    ``rules``, rows in the subset's ``positions``, and the columns the subset's."""

    columns: Columns
    fired: np.ndarray
    unknown: np.ndarray
    contradicted: np.ndarray | None = None
    """Rows in which two fired rules derived different values for one finding, when
    evaluated with ``refuse=False``; None when a contradiction is refused."""
    rules: RuleSubset | None = None
    """The rules that ran, when only some did (``evaluate``'s ``rules``)."""


def closed_rules(model: CompiledModel, positions: Iterable[int]) -> frozenset[int]:
    """The rules at ``positions`` and every rule they need: those deriving a finding that
    one of them reads or derives, and so on upstream (positions in the model's order)."""
    chosen = set(positions)
    pending = list(chosen)
    while pending:
        position = pending.pop()
        derived = [model.columns[column] for column, _, _ in model.derivations[position]]
        for name in (*model.reads[model.order[position]], *derived):
            for deriver in model.derivers.get(name, ()):
                at = model.position[deriver]
                if at not in chosen:
                    chosen.add(at)
                    pending.append(at)
    return frozenset(chosen)


def rule_subset(model: CompiledModel, positions: Iterable[int]) -> RuleSubset:
    """The rules at ``positions`` and every rule they need (``closed_rules``), compiled."""
    chosen = closed_rules(model, positions)
    ordered = sorted(chosen)
    columns = sorted(
        {c for p in ordered for c in columns_read(model.conditions[p])}
        | {c for p in ordered for c, _, _ in model.derivations[p]}
    )
    local = {column: i for i, column in enumerate(columns)}
    conditions = [renumbered(model.conditions[p], local) for p in ordered]
    derivations = [
        tuple((local[column], encoded, value) for column, encoded, value in model.derivations[p])
        for p in ordered
    ]
    rule_index = np.full(len(model.order), -1, dtype=np.intp)
    rule_index[ordered] = np.arange(len(ordered))
    column_index = np.full(len(model.columns) + 1, -1, dtype=np.intp)
    column_index[columns] = np.arange(len(columns))
    return RuleSubset(
        positions=read_only(np.array(ordered, dtype=np.intp)),
        columns=read_only(np.array(columns, dtype=np.intp)),
        levels=levels_of(conditions, derivations),
        rule_index=read_only(rule_index),
        column_index=read_only(column_index),
    )


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
    holds = OPERATORS[node.op](left, right)
    return both & holds, np.greater(both, holds)  # known, and does not hold


def evaluate(
    model: CompiledModel,
    columns: Columns,
    *,
    refuse: bool = True,
    rules: RuleSubset | None = None,
) -> Outcome:
    """Run every rule once, a level at a time, on every row; derived findings join the columns.

    Raises ``RuleConflictError`` (a ``RuleEvaluationError``) where two fired
    rules derive different values for one finding, in any row; with
    ``refuse=False`` it marks those rows instead (``Outcome.contradicted``), for
    a search that skips what the rules cannot appraise.

    With ``rules``, only those run, on a batch of their own columns
    (``RuleSubset.take``): each fires, and each finding they derive settles, as
    among every rule, and the outcome speaks of them alone (``Outcome.rules``).
    A contradiction among the other rules goes unseen: the caller makes sure
    none could arise, or evaluates every rule.
    """
    if rules is not None and columns.known.shape[0] != len(rules.columns):
        raise ValueError("a subset of the rules runs on a batch of its own columns")
    levels, count, findings = model.levels, len(model.order), model.fact_count
    if rules is not None:
        levels, count = rules.levels, len(rules.positions)
        findings = int(np.searchsorted(rules.columns, findings))  # the first finding's place
    known = columns.known.copy()
    values = columns.values.copy()
    state = np.empty((count, columns.rows), dtype=np.uint8)
    contradicted = None if refuse else np.zeros(columns.rows, dtype=bool)
    prior = bool(np.logical_or.reduce(known[findings:], axis=None))
    clash = _run(levels, known, values, state, contradicted, prior=prior)
    if clash is not None:
        if rules is not None:
            clash = _in_model(rules, clash)
        refuse_contradiction(model, columns.texts, *clash)
    fired, unknown = np.equal(state, TRUE), np.equal(state, UNKNOWN)
    return Outcome(Columns(known, values, columns.texts), fired, unknown, contradicted, rules)


def _in_model(rules: RuleSubset, clash: _Clash) -> _Clash:
    """A contradiction a subset of the rules met, its rules and finding renumbered as the
    model numbers them."""
    position, (column, encoded, value), first, previous = clash
    derivation = (int(rules.columns[column]), encoded, value)
    earlier = -1 if first < 0 else int(rules.positions[first])
    return int(rules.positions[position]), derivation, earlier, previous


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
    plan = model.rerun_plan(frozenset(changed))
    fresh, touched = plan.fresh, plan.touched
    first = model.fact_count
    known = columns.known.copy()
    values = columns.values.copy()
    np.copyto(known[first:], _first_or_all(base.columns.known[first:], rows))
    np.copyto(values[first:], _first_or_all(base.columns.values[first:], rows))
    known[touched] = False
    values[touched] = 0.0
    before = np.left_shift(base.fired.view(np.uint8), 1)  # true (2), unknown (1) or false (0)
    before |= base.unknown.view(np.uint8)
    state = before if before.shape[1] == rows else np.repeat(before[:, :1], rows, axis=1)
    contradicted = None if refuse else np.zeros(rows, dtype=bool)
    levels = plan.levels
    clash = _run(
        levels, known, values, state, contradicted, prior=False, fresh=fresh, touched=touched
    )
    if clash is not None:
        refuse_contradiction(model, columns.texts, *clash)
    fired, unknown = np.equal(state, TRUE), np.equal(state, UNKNOWN)
    return Outcome(Columns(known, values, columns.texts), fired, unknown, contradicted)


def _first_or_all(array: np.ndarray, rows: int) -> np.ndarray:
    """``array`` (one column per row) if it has ``rows`` columns, else its first, to spread."""
    return array if array.shape[1] == rows else array[:, :1]


_Clash = tuple[int, tuple[int, float, Value], int, float]
"""A contradiction found: the contradicting rule's position, its derivation, the position of
the rule that derived the finding first (-1: it was known before) and the value it derived."""


def _run(
    levels: Iterable[Level],
    known: np.ndarray,
    values: np.ndarray,
    state: np.ndarray,
    contradicted: np.ndarray | None,
    *,
    prior: bool,
    fresh: np.ndarray | None = None,
    touched: np.ndarray | None = None,
) -> _Clash | None:
    """Run the ``levels`` in place: each rule's ``state`` (``TRUE``, ``UNKNOWN`` or ``FALSE``)
    and the findings they settle; the first contradiction in the model's order, if any,
    unless ``contradicted`` marks the rows instead.

    Without ``prior``, the findings settled start unknown. With ``fresh`` (per rule), only
    those rules are evaluated, the others keeping their state; with ``touched`` (per
    column), only those findings are settled.
    """
    earliest: tuple[tuple[int, int], _Clash] | None = None
    rows = known.shape[1]
    most = max((level.nodes + level.leaves for level in levels), default=0)
    buffers = {}
    for width in {min(rows, TRUTH_AT_ONCE), rows % TRUTH_AT_ONCE}:
        buffers[width] = np.empty((STACKED_FROM + most, width), dtype=np.uint8)
        buffers[width][ALWAYS] = TRUE
        buffers[width][NEVER] = FALSE
    with np.errstate(over="ignore", invalid="ignore"):
        for level in levels:
            chosen = None if fresh is None else fresh[level.positions]
            if chosen is None or chosen.any():
                for start in range(0, rows, TRUTH_AT_ONCE):
                    part = slice(start, start + TRUTH_AT_ONCE)
                    stack = buffers[min(rows - start, TRUTH_AT_ONCE)]
                    _truth(level, known[:, part], values[:, part], stack)
                    if chosen is None:
                        state[level.positions, part] = stack[level.roots]
                    else:
                        state[level.positions[chosen], part] = stack[level.roots[chosen]]
            if level.settling is not None:
                found = _settle(level.settling, state, known, values, contradicted, prior, touched)
                if found is not None and (earliest is None or found[0] < earliest[0]):
                    earliest = found
    return None if earliest is None else earliest[1]


TRUTH_AT_ONCE = 4096
"""Rows whose conditions are evaluated at once: a larger batch goes through a level in
blocks of rows, so that its working arrays stay small."""


LEAF_BY_LEAF_FROM = 256
"""From this many rows, comparisons read their columns in place, one call each: gathering
every operand first (one call in all) would copy more than the calls cost."""


def _truth(level: Level, known: np.ndarray, values: np.ndarray, stack: np.ndarray) -> None:
    """The state of every node of the level, into ``stack`` (from ``STACKED_FROM``)."""
    nodes, leaves = level.nodes, level.leaves
    true = stack[STACKED_FROM : STACKED_FROM + leaves].view(np.bool_)  # operands hold...
    false = stack[STACKED_FROM + nodes : STACKED_FROM + nodes + leaves].view(np.bool_)
    known.take(level.left, 0, false, "clip")  # ... and are known
    compared = level.known_from
    if compared and known.shape[1] >= LEAF_BY_LEAF_FROM:
        for op, column, start, stop in level.constant_columns:
            op(values[column], level.constants[start:stop], out=true[start:stop])
        for i, (op, left, right, times) in enumerate(level.column_comparisons, level.columns_from):
            op(values[left], values[right] * times, out=true[i])
            false[i] &= known[right]
    elif compared:
        operands = values[level.left[:compared]]
        for op, start, stop in level.constant_runs:
            op(operands[start:stop], level.constants[start:stop], out=true[start:stop])
        if level.column_runs:
            at = level.columns_from
            others = values[level.right] * level.times
            false[at:compared] &= known[level.right]
            for op, start, stop in level.column_runs:
                op(operands[start:stop], others[start - at : stop - at], out=true[start:stop])
    if compared < leaves:  # known: whether the column is, always known itself
        true[compared:] = false[compared:]
        false[compared:] = True
    if level.negated is not None:
        true ^= level.negated
    np.logical_and(true, false, out=true)  # known, and holds
    np.logical_xor(false, true, out=false)  # known, and does not hold
    states = stack[STACKED_FROM : STACKED_FROM + leaves]
    states += UNKNOWN  # true: 2, unknown: 1, false (below): 0
    states -= stack[STACKED_FROM + nodes : STACKED_FROM + nodes + leaves]
    in_place = known.shape[1] >= LEAF_BY_LEAF_FROM
    for start, stop, parts, join in level.joins:
        joined = stack[start:stop]
        if in_place:  # part by part: no copy of every part at once
            stack.take(parts[:, 0], 0, joined, "clip")
            for k in range(1, parts.shape[1]):
                join(joined, stack[parts[:, k]], out=joined)
        else:
            join.reduce(stack[parts], axis=1, out=joined)


SETTLED_AT_ONCE = 1 << 14
"""Findings x rows settled in one go: a large batch settles a few findings at a time, so
that no temporary array outgrows the processor's caches."""


def _settle(
    settling: Settling,
    state: np.ndarray,
    known: np.ndarray,
    values: np.ndarray,
    contradicted: np.ndarray | None,
    prior: bool,
    touched: np.ndarray | None,
) -> tuple[tuple[int, int], _Clash] | None:
    """Derive the findings of ``settling`` from the rules' state, in place: each takes the
    value of the first rule (in order) that fired, or keeps the one it had. Returns the first
    contradiction, by rule position and place, with ``contradicted`` None; marks it otherwise."""
    found = None
    step = max(1, SETTLED_AT_ONCE // max(1, known.shape[1]))
    for group in settling.groups:
        for start in range(0, len(group.columns), step):
            part = slice(start, start + step)
            kept: np.ndarray | None = None
            if touched is not None:
                kept = touched[group.columns[part]]
                if kept.all():
                    kept = None
                elif not kept.any():
                    continue
            candidate = _derive(group, part, state, known, values, contradicted, prior, kept)
            if candidate is not None and (found is None or candidate[0] < found[0]):
                found = candidate
    return found


PATTERNS_BELOW = 100
"""Below this many rows, findings settle by looking up the pattern of derivations fired
(``Derivers.by_pattern``): fewer calls; from it, packing the patterns costs more than it saves."""


def _derive(
    group: Derivers,
    part: slice,
    state: np.ndarray,
    known: np.ndarray,
    values: np.ndarray,
    contradicted: np.ndarray | None,
    prior: bool,
    kept: np.ndarray | None,
) -> tuple[tuple[int, int], _Clash] | None:
    """``_settle`` for ``part`` of a group's findings (only those ``kept``, if given)."""
    columns = group.columns[part]
    rows = known.shape[1]
    if not prior and kept is None and group.by_pattern is not None and rows < PATTERNS_BELOW:
        value_of, derived_of, clash_of, base = group.by_pattern
        fired = np.equal(state[group.positions[part]], TRUE)
        at = np.packbits(fired, axis=1)[:, 0, :] + base[part]  # findings x rows
        clash = None if group.agree else clash_of[at]
        if clash is None or contradicted is not None or not clash.any():
            if clash is not None and contradicted is not None:
                contradicted |= np.logical_or.reduce(clash, axis=0)
            derived = derived_of[at]
            known[columns] = derived
            settled = values[columns]
            np.copyto(settled, value_of[at], where=derived)
            values[columns] = settled
            return None
    hit = np.equal(state[group.positions[part]], TRUE)
    if group.real is not None:
        hit &= group.real[part]
    encoded = group.encoded[part]
    if group.width == 1:
        derived = hit[:, 0]
        first = derived
    else:
        first = np.maximum.reduce(hit * group.keys, axis=1)
        derived = first > 0
    value = encoded[:, 0] if group.agree else group.by_key[first + group.key_base[part]]
    before = None
    if prior:
        before = known[columns]
        value = np.where(before, values[columns], value)
    found = None
    if prior or not group.agree:
        clash = hit & (encoded != value[:, None, :])
        if kept is not None:
            clash &= kept[:, None, None]
        if contradicted is not None:
            contradicted |= np.logical_or.reduce(clash, axis=(0, 1))
        elif clash.any():
            found = _first_clash(group, part.start, clash, hit, value, before)
    if kept is not None:
        columns, derived, value = columns[kept], derived[kept], value[kept]
        before = None if before is None else before[kept]
    known[columns] = derived if before is None else before | derived
    settled = values[columns]
    np.copyto(settled, value, where=derived)
    values[columns] = settled
    return found


def _first_clash(
    group: Derivers,
    start: int,
    clash: np.ndarray,
    hit: np.ndarray,
    value: np.ndarray,
    before: np.ndarray | None,
) -> tuple[tuple[int, int], _Clash]:
    """The contradiction a rule-by-rule run would meet first: by rule position, then place
    (among the group's findings from ``start``, which the other arrays hold)."""
    positions, places = group.positions[start:], group.places[start:]
    finding, k = min(
        np.argwhere(clash.any(axis=2)).tolist(),
        key=lambda at: (int(positions[at[0], at[1]]), int(places[at[0], at[1]])),
    )
    row = int(np.argmax(clash[finding, k]))
    position = int(positions[finding, k])
    column = int(group.columns[start + finding])
    derivation = (
        column,
        float(group.encoded[start + finding, k, 0]),
        group.values[start + finding][k],
    )
    if before is not None and before[finding, row]:
        earlier = -1
    else:
        earlier = int(positions[finding, int(np.argmax(hit[finding, :, row]))])
    previous = float(value[finding, row if value.shape[1] > 1 else 0])
    return (position, int(places[finding, k])), (position, derivation, earlier, previous)


def refuse_contradiction(
    model: CompiledModel,
    texts: Sequence[str],
    position: int,
    derivation: tuple[int, float, Value],
    first: int,
    previous: float,
) -> NoReturn:
    """The conflict policy: a finding already derived as something else refuses the rule.

    Whatever the caller (an appraisal, an explanation, a sampled analysis),
    the error is the same: it names the finding, both rules and their
    values, and the rule base file and line of the rule (at ``position``)
    that contradicts the first (at ``first``), which derived ``previous``.
    """
    column, _, value = derivation
    finding = model.columns[column]
    earlier = model.order[first]
    rule = model.order[position]
    derived = model.decode(column, previous, texts)
    raise RuleConflictError(
        f"finding {finding!r} is derived as {derived!r} by rule {earlier!r} and as {value!r}"
        f" by rule {rule!r}; the rules contradict each other on this evidence",
        model.where(rule),
        finding=finding,
        rules=(earlier, rule),
    )
