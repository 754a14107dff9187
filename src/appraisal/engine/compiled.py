"""A rule base compiled once: everything evaluation needs, worked out and indexed.

``compile_model`` turns a ``RuleBase`` into a ``CompiledModel``: the rule order,
the level scales, the criteria tree, every condition compiled against the
columns facts and findings are encoded in, the effects of each rule indexed by
what they touch (findings, cells, gates), the verdict conditions, and where
each rule is written, so an error found while evaluating can name its file
and line. The loader builds it once per rule base file; an ``Appraisal``
carries it, so explanation and sensitivity analysis never rebuild it.

Facts and findings are *columns*: a known mask and a float value. A boolean is
0 or 1, a level its position on its scale, text a code (equal codes, equal
text), a number itself; every comparison is then a comparison of floats.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numpy as np

from ..errors import Location, RuleSyntaxError, ScoringError
from ..models import (
    AdjustEffect,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Criterion,
    DeriveEffect,
    Effect,
    FactRef,
    FactSpec,
    FailGateEffect,
    Known,
    NotOf,
    RuleBase,
    SetEffect,
    Value,
)
from ..tables import Displayable, Summary, counted
from .conditions import METRICS, comparisons, facts_read
from .criteria import CriteriaTree
from .levels import Level, levels_of, read_only
from .nodes import AllNode, AnyNode, CompareNode, KnownNode, Node, NotNode
from .order import refuse_cycles, rule_order

__all__ = [
    "AllNode",
    "AnyNode",
    "CompareNode",
    "CompiledModel",
    "KnownNode",
    "METRIC_NAMES",
    "Node",
    "NotNode",
    "RerunPlan",
    "compile_model",
]

METRIC_NAMES: tuple[str, ...] = tuple(METRICS)
"""The verdict metrics in a fixed order: a compared metric is named by its position here."""

_ORDERING = frozenset({"lt", "le", "gt", "ge"})


# --------------------------------------------------------------------------- the model


class RerunPlan:
    """What rerunning the rules after some facts change runs: the rules downstream of them
    (``fresh``, per rule in order), the findings those derive (``touched``, per column and
    the one never known), and the levels holding either."""

    __slots__ = ("fresh", "levels", "touched")

    def __init__(self, fresh: np.ndarray, touched: np.ndarray, levels: tuple[Level, ...]) -> None:
        self.fresh = fresh
        self.touched = touched
        self.levels = levels


T = TypeVar("T")


@dataclass(frozen=True, eq=False, repr=False)
class CompiledModel(Displayable):
    """A rule base with what evaluation needs worked out once.

    Two models are equal when they compile the same rule base written at the
    same places: compiling is deterministic.
    """

    rule_base: RuleBase
    tree: CriteriaTree
    order: tuple[str, ...]
    """Rule ids in evaluation order (derivers before readers)."""
    scales: Mapping[str, Mapping[str, int]]
    """For each level fact or finding, the position of every level on its scale."""
    locations: Mapping[str, Location]
    """Where each rule is written (file, line), to locate errors found when evaluating."""
    columns: tuple[str, ...]
    """Facts, then findings; a batch holds one more column, never known."""
    kinds: tuple[str, ...]
    """Per column: number, boolean, level or text."""
    fact_count: int
    texts: Mapping[str, int]
    """Codes of the text constants the rules and verdicts use."""
    conditions: tuple[Node, ...]
    """Each rule's condition, in evaluation order."""
    derivations: tuple[tuple[tuple[int, float, Value], ...], ...]
    """Per rule in evaluation order: (column, encoded value, value) of each derived finding."""
    levels: tuple[Level, ...]
    """The rules by level, conditions flattened into arrays: what ``evaluate`` runs."""
    options: tuple[str, ...]
    leaf_ids: tuple[str, ...]
    """The leaf criteria in declaration order: the last axis of every cell array."""
    leaves: Mapping[str, Criterion]
    """The leaf criteria themselves, in the same order."""
    baselines: np.ndarray
    """Options x leaves: each cell's declared value."""
    maximise: np.ndarray
    """Per leaf: whether more is better (utility = value) or worse (utility = 100 - value)."""
    cell_sets: Mapping[tuple[int, int], tuple[tuple[int, float], ...]]
    """Per (option, leaf) cell: the rules (positions in ``order``) that set it, and to what."""
    cell_adjusts: Mapping[tuple[int, int], tuple[tuple[int, float], ...]]
    """Per cell: the rules that adjust it, and by how much, in evaluation order."""
    adjusted: np.ndarray
    """The flat indices of the cells some rule adjusts, those adjusted most often first..."""
    adjust_steps: tuple[tuple[np.ndarray, np.ndarray], ...]
    """... and step by step, the k-th adjustment of each cell adjusted more than k times:
    the rule (position in ``order``) and (x 1) the points it adds. Each cell's adjustments
    are added in rule order, as rules fire."""
    adjust_bounds: tuple[np.ndarray, np.ndarray]
    """Rules x cells: the points each rule takes off each cell, and adds to it."""
    rule_gates: tuple[tuple[tuple[int, str], ...], ...]
    """Per rule in evaluation order: (option, gate) of every gate it fails."""
    gated: tuple[tuple[int, np.ndarray], ...]
    """Per option some rule gates: the option and the rules (positions) that fail it, so
    that an option's exclusion is one call, whatever the number of rules."""
    adjust_sums: tuple[np.ndarray, np.ndarray] | None
    """The rules that adjust some cell (positions) and, rules x cells, the points each adds
    to each: every cell's adjustments as one matrix product. Only when every adjustment is a
    whole number (None otherwise), so that the sum is exact in any order and equals the sum
    in rule order."""
    verdicts: tuple[Node | None, ...]
    """Each verdict rule's condition (None: ``otherwise``), in order."""
    metrics_read: frozenset[str]
    verdict_columns: tuple[int, ...]
    """The columns (facts and findings) verdict rules read."""
    reads: Mapping[str, tuple[str, ...]]
    """Per rule: the facts and findings its condition reads."""
    readers: Mapping[str, tuple[str, ...]]
    """Per fact or finding: the rules that read it, as declared."""
    derivers: Mapping[str, tuple[str, ...]]
    """Per finding: the rules that derive it, as declared."""
    position: Mapping[str, int] = field(repr=False)
    """Each rule's position in ``order``."""
    column_of: Mapping[str, int] = field(repr=False)
    _kept: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False)
    """What later stages work out from the model alone, once (``kept``)."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompiledModel):
            return NotImplemented
        return self is other or (
            self.rule_base == other.rule_base and dict(self.locations) == dict(other.locations)
        )

    def __hash__(self) -> int:
        return hash(self.rule_base.id)

    # ------------------------------------------------------------------ views

    def _summary(self) -> Summary:
        return Summary(
            kind="CompiledModel",
            headline=f"{self.rule_base.id!r}: {counted(len(self.options), 'option')},"
            f" {counted(len(self.leaf_ids), 'leaf criterion', 'leaf criteria')},"
            f" {counted(len(self.order), 'rule')}",
        )

    def where(self, rule_id: str) -> Location:
        """Where a rule is written (its field at least, when no file is known)."""
        return self.locations.get(rule_id) or Location(field=f"rules.{rule_id}")

    # ------------------------------------------------------------------ values

    def encode(self, column: int, value: Value, texts: dict[str, int]) -> float:
        """A value as its column holds it; ``texts`` grows with text not seen before."""
        kind = self.kinds[column]
        name = self.columns[column]
        if kind == "boolean" and isinstance(value, bool):
            return 1.0 if value else 0.0
        if kind == "number" and isinstance(value, float | int) and not isinstance(value, bool):
            return float(value)
        if kind == "level" and isinstance(value, str) and value in self.scales.get(name, {}):
            return float(self.scales[name][value])
        if kind == "text" and isinstance(value, str):
            return float(texts.setdefault(value, len(texts)))
        raise RuleSyntaxError(f"{name!r} is a {kind} fact, so it cannot be {value!r}")

    def decode(self, column: int, value: float, texts: Sequence[str]) -> Value:
        """The value a column's float stands for (``texts`` lists text by code)."""
        kind = self.kinds[column]
        if kind == "boolean":
            return bool(value)
        if kind == "level":
            levels = list(self.scales[self.columns[column]])
            return levels[int(value)]
        if kind == "text":
            return texts[int(value)]
        return float(value)

    # ------------------------------------------------------------------ dependencies

    def downstream_rules(self, fact_id: str) -> frozenset[str]:
        """The rules whose firing may change when this fact or finding does."""
        return self._reach(fact_id)[0]

    def downstream_positions(self, fact_id: str) -> frozenset[int]:
        """``downstream_rules`` as positions in ``order``."""
        return self._reach(fact_id)[1]

    def kept(self, key: Hashable, make: Callable[[], T]) -> T:
        """What ``make`` works out from this model, made on first use and kept while the
        model lives: indices an explanation or a search asks for call after call. ``key``
        names it, e.g. the function that asks."""
        if key not in self._kept:
            self._kept[key] = make()
        return cast(T, self._kept[key])

    def rerun_plan(self, changed: frozenset[str]) -> RerunPlan:
        """What a rerun after the ``changed`` facts runs, worked out once per set: the
        searches rerun after the same few sets batch after batch."""
        return self.kept(("rerun plan", changed), lambda: self._rerun_plan(changed))

    def _rerun_plan(self, changed: frozenset[str]) -> RerunPlan:
        reran = sorted(set().union(*(self.downstream_positions(n) for n in changed)))
        fresh = np.zeros(len(self.order), dtype=bool)
        fresh[reran] = True
        touched = np.zeros(len(self.columns) + 1, dtype=bool)
        touched[[column for p in reran for column, _, _ in self.derivations[p]]] = True
        levels = tuple(
            level
            for level in self.levels
            if fresh[level.positions].any()
            or (level.settling is not None and touched[level.settling.columns].any())
        )
        return RerunPlan(read_only(fresh), read_only(touched), levels)

    def _reach(self, fact_id: str) -> tuple[frozenset[str], frozenset[int]]:
        """Worked out once per fact: every explanation asks for the same few."""
        return self.kept(("downstream", fact_id), lambda: self._downstream(fact_id))

    def _downstream(self, fact_id: str) -> tuple[frozenset[str], frozenset[int]]:
        rules = self._walk_downstream(fact_id)
        return frozenset(rules), frozenset(self.position[r] for r in rules)

    def _walk_downstream(self, fact_id: str) -> set[str]:
        rules: set[str] = set()
        names = {fact_id}
        pending = [fact_id]
        while pending:
            for rule_id in self.readers.get(pending.pop(), ()):
                if rule_id in rules:
                    continue
                rules.add(rule_id)
                for column, _, _ in self.derivations[self.position[rule_id]]:
                    name = self.columns[column]
                    if name not in names:
                        names.add(name)
                        pending.append(name)
        return rules


# --------------------------------------------------------------------------- compiling


class _Compiler:
    """Compiles conditions and effects of one rule base against its columns."""

    def __init__(self, rule_base: RuleBase, scales: Mapping[str, Mapping[str, int]]) -> None:
        self.rule_base = rule_base
        self.scales = scales
        specs: dict[str, FactSpec] = {**rule_base.facts, **rule_base.findings}
        self.columns = tuple(specs)
        self.kinds = tuple(spec.type for spec in specs.values())
        self.column_of = {name: i for i, name in enumerate(self.columns)}
        self.texts: dict[str, int] = {}
        self.where = ""

    def problem(self, message: str) -> RuleSyntaxError:
        return RuleSyntaxError(message, Location(field=self.where))

    def constant(self, kind: str, value: Value, subject: str) -> float:
        if kind == "boolean" and isinstance(value, bool):
            return 1.0 if value else 0.0
        if kind == "number" and isinstance(value, float) and not isinstance(value, bool):
            return value
        if kind == "level" and isinstance(value, str) and value in self.scales.get(subject, {}):
            return float(self.scales[subject][value])
        if kind == "text" and isinstance(value, str):
            return float(self.texts.setdefault(value, len(self.texts)))
        raise self.problem(f"{subject!r} ({kind}) cannot be compared with {value!r}")

    def condition(self, condition: Condition, *, metrics: bool) -> Node:
        if isinstance(condition, AllOf):
            return AllNode(tuple(self.condition(p, metrics=metrics) for p in condition.all))
        if isinstance(condition, AnyOf):
            return AnyNode(tuple(self.condition(p, metrics=metrics) for p in condition.any))
        if isinstance(condition, NotOf):
            return NotNode(self.condition(condition.not_, metrics=metrics))
        if isinstance(condition, Known):
            return KnownNode(self.column_of.get(condition.known, len(self.columns)))
        return self.comparison(condition, metrics=metrics)

    def comparison(self, condition: Comparison, *, metrics: bool) -> CompareNode:
        op, operand = condition.operator, condition.operand
        kind: str
        if condition.metric is not None:
            if not metrics or condition.metric not in METRICS:
                raise self.problem(f"no metric {condition.metric!r} can be tested here")
            left, is_metric = METRIC_NAMES.index(condition.metric), True
            kind = METRICS[condition.metric].type
        else:
            name = str(condition.fact)
            left = self.column_of.get(name, len(self.columns))
            kind = self.kinds[left] if left < len(self.columns) else ""
            is_metric = False
        if op in _ORDERING and kind in ("boolean", "text"):
            raise self.problem(f"{kind} facts compare only with eq or ne, not {op}")
        if isinstance(operand, FactRef):
            right = self.column_of.get(operand.fact, len(self.columns))
            other = self.kinds[right] if right < len(self.columns) else kind
            same_scale = is_metric or self._scale(condition.subject) == self._scale(operand.fact)
            if other != kind or not same_scale or (operand.times != 1.0 and kind != "number"):
                raise self.problem(f"cannot compare {condition.subject!r} with {operand.fact!r}")
            return CompareNode(op, left, is_metric, right, 0.0, operand.times)
        if not kind:  # an undeclared fact: always unknown, whatever the constant
            return CompareNode(op, left, is_metric, -1, 0.0, 1.0)
        value = self.constant(kind, operand, condition.subject)
        return CompareNode(op, left, is_metric, -1, value, 1.0)

    def _scale(self, name: str) -> Mapping[str, int] | None:
        return self.scales.get(name)


def _level_orders(rule_base: RuleBase) -> dict[str, dict[str, int]]:
    orders: dict[str, dict[str, int]] = {}
    for fact_id, spec in {**rule_base.facts, **rule_base.findings}.items():
        if spec.scale is not None:
            levels = rule_base.scales.get(spec.scale, [])
            orders[fact_id] = {level: i for i, level in enumerate(levels)}
    return orders


def compile_model(
    rule_base: RuleBase, locations: Mapping[str, Location] | None = None
) -> CompiledModel:
    """Compile a rule base; ``locations`` says where each rule is written.

    Refuses what no evaluation could handle: a cycle among derived findings
    or causes (``GraphCycleError``), and, in a rule base that did not come
    through the loader's checks, a comparison of unlike values
    (``RuleSyntaxError``) or an option without a baseline (``ScoringError``).
    """
    refuse_cycles(rule_base)
    order = rule_order(rule_base)
    scales = _level_orders(rule_base)
    compiler = _Compiler(rule_base, scales)
    locations = dict(locations or {})
    conditions: list[Node] = []
    derivations: list[tuple[tuple[int, float, Value], ...]] = []
    for rule_id in order:
        compiler.where = f"rules.{rule_id}"
        try:
            conditions.append(compiler.condition(rule_base.rules[rule_id].when, metrics=False))
            derivations.append(_derivations(compiler, rule_base.rules[rule_id].then))
        except RuleSyntaxError as error:
            error.location = locations.get(rule_id) or error.location
            raise
    verdicts: list[Node | None] = []
    for index, verdict in enumerate(rule_base.verdicts):
        compiler.where = f"verdicts[{index}]"
        verdicts.append(
            None if verdict.when is None else compiler.condition(verdict.when, metrics=True)
        )
    tree = CriteriaTree.from_rule_base(rule_base)
    cells = _cells(rule_base, tree, order)
    reads = {r: facts_read(rule.when) for r, rule in rule_base.rules.items()}
    return CompiledModel(
        rule_base=rule_base,
        tree=tree,
        order=order,
        scales=scales,
        locations=locations,
        columns=compiler.columns,
        kinds=compiler.kinds,
        fact_count=len(rule_base.facts),
        texts=dict(compiler.texts),
        conditions=tuple(conditions),
        derivations=tuple(derivations),
        levels=levels_of(conditions, derivations),
        verdicts=tuple(verdicts),
        metrics_read=frozenset(
            c.metric
            for v in rule_base.verdicts
            if v.when is not None
            for c in comparisons(v.when)
            if c.metric is not None
        ),
        verdict_columns=tuple(
            sorted(
                {
                    compiler.column_of[name]
                    for v in rule_base.verdicts
                    if v.when is not None
                    for name in facts_read(v.when)
                    if name in compiler.column_of
                }
            )
        ),
        reads=reads,
        readers=_readers(reads),
        derivers=_derivers(rule_base),
        position={r: i for i, r in enumerate(order)},
        column_of=dict(compiler.column_of),
        **cells,
    )


def _derivations(
    compiler: _Compiler, effects: Sequence[Effect]
) -> tuple[tuple[int, float, Value], ...]:
    found = []
    for effect in effects:
        if not isinstance(effect, DeriveEffect):
            continue
        if effect.derive not in compiler.rule_base.findings:
            raise compiler.problem(f"derives {effect.derive!r}, which is no declared finding")
        column = compiler.column_of[effect.derive]
        kind = compiler.kinds[column]
        encoded = compiler.constant(kind, effect.value, effect.derive)
        found.append((column, encoded, effect.value))
    return tuple(found)


def _readers(reads: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Per fact or finding: the rules that read it, from what each rule reads."""
    found: dict[str, list[str]] = {}
    for rule_id, names in reads.items():
        for name in names:
            found.setdefault(name, []).append(rule_id)
    return {name: tuple(rules) for name, rules in found.items()}


def _derivers(rule_base: RuleBase) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for rule_id, rule in rule_base.rules.items():
        for effect in rule.then:
            if isinstance(effect, DeriveEffect):
                found.setdefault(effect.derive, []).append(rule_id)
    return {name: tuple(dict.fromkeys(rules)) for name, rules in found.items()}


def _cells(rule_base: RuleBase, tree: CriteriaTree, order: Sequence[str]) -> dict[str, Any]:
    """The cell index: baselines, directions, and what each rule does to which cell."""
    options = tuple(rule_base.options)
    leaf_ids = tree.leaf_ids()
    option_of = {o: i for i, o in enumerate(options)}
    leaf_of = {c: k for k, c in enumerate(leaf_ids)}
    baselines = np.empty((len(options), len(leaf_ids)))
    for i, option in enumerate(rule_base.options.values()):
        for k, leaf in enumerate(leaf_ids):
            value = option.values.get(leaf)
            if value is None:
                raise ScoringError(
                    f"option {options[i]!r} has no baseline value on {leaf!r}",
                    Location(field=f"options.{options[i]}.values"),
                )
            baselines[i, k] = value.value
    leaves = tree.leaf_criteria()
    maximise = np.array([leaves[c].direction == "maximise" for c in leaf_ids], dtype=bool)
    sets: dict[tuple[int, int], list[tuple[int, float]]] = {}
    adjusts: dict[tuple[int, int], list[tuple[int, float]]] = {}
    rule_gates: list[tuple[tuple[int, str], ...]] = []
    for position, rule_id in enumerate(order):
        gates: list[tuple[int, str]] = []
        for effect in rule_base.rules[rule_id].then:
            if isinstance(effect, DeriveEffect):
                continue
            if effect.option not in option_of:
                raise RuleSyntaxError(
                    f"acts on option {effect.option!r}, which is not declared",
                    Location(field=f"rules.{rule_id}"),
                )
            i = option_of[effect.option]
            if isinstance(effect, FailGateEffect):
                gates.append((i, effect.fail_gate))
                continue
            target = effect.adjust if isinstance(effect, AdjustEffect) else effect.set
            if target not in leaf_of:
                raise RuleSyntaxError(
                    f"moves {target!r}, which is not a leaf criterion",
                    Location(field=f"rules.{rule_id}"),
                )
            cell = (i, leaf_of[target])
            if isinstance(effect, SetEffect):
                sets.setdefault(cell, []).append((position, effect.to))
            else:
                adjusts.setdefault(cell, []).append((position, effect.by))
        rule_gates.append(tuple(gates))
    return {
        "options": options,
        "leaf_ids": leaf_ids,
        "leaves": leaves,
        "baselines": read_only(baselines),
        "maximise": read_only(maximise),
        "cell_sets": {cell: tuple(found) for cell, found in sets.items()},
        "cell_adjusts": {cell: tuple(found) for cell, found in adjusts.items()},
        **_adjustments(adjusts, len(leaf_ids), len(order), baselines.size),
        "rule_gates": tuple(rule_gates),
        "gated": _gated(rule_gates, len(options)),
    }


def _gated(
    rule_gates: Sequence[Sequence[tuple[int, str]]], options: int
) -> tuple[tuple[int, np.ndarray], ...]:
    """Per option some rule gates: the option and the positions of the rules failing it."""
    failing: list[list[int]] = [[] for _ in range(options)]
    for position, gates in enumerate(rule_gates):
        for option, _ in gates:
            if position not in failing[option]:
                failing[option].append(position)
    return tuple(
        (option, read_only(np.array(found, dtype=np.intp)))
        for option, found in enumerate(failing)
        if found
    )


def _adjustments(
    adjusts: Mapping[tuple[int, int], Sequence[tuple[int, float]]],
    leaves: int,
    rules: int,
    cells: int,
) -> dict[str, Any]:
    """The adjustments as steps over the cells, and as bounds per rule and cell."""
    ordered = sorted(adjusts, key=lambda cell: -len(adjusts[cell]))
    steps = []
    for k in range(len(adjusts[ordered[0]]) if ordered else 0):
        taking = [cell for cell in ordered if len(adjusts[cell]) > k]
        steps.append(
            (
                read_only(np.array([adjusts[cell][k][0] for cell in taking], dtype=np.intp)),
                read_only(np.array([[adjusts[cell][k][1]] for cell in taking], dtype=float)),
            )
        )
    lowering = np.zeros((rules, cells))
    raising = np.zeros((rules, cells))
    for (option, leaf), found in adjusts.items():
        for position, by in found:
            lowering[position, option * leaves + leaf] += min(by, 0.0)
            raising[position, option * leaves + leaf] += max(by, 0.0)
    adjusting = np.flatnonzero(lowering.any(axis=1) | raising.any(axis=1))
    points = [float(by) for found in adjusts.values() for _, by in found]
    whole = all(by.is_integer() and abs(by) < 2.0**40 for by in points)
    sums = None
    if whole:
        sums = (
            read_only(adjusting.astype(np.intp)),
            read_only((lowering + raising)[adjusting]),
        )
    return {
        "adjust_sums": sums,
        "adjusted": read_only(np.array([i * leaves + k for i, k in ordered], dtype=np.intp)),
        "adjust_steps": tuple(steps),
        "adjust_bounds": (read_only(lowering), read_only(raising)),
    }
