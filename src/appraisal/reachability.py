"""What evidence can ever lead to: exact answers from an SMT solver.

For a rule base (not a scenario) this module answers, for *every* consistent
body of evidence at once:

- can each option be the recommended one? If so, one witness evidence set,
  re-checked with the engine itself; if not, the solver's "unsat" is a proof
  that no evidence whatever makes it recommended;
- can each rule fire (its condition be known to be true)?
- can two rules ever contradict each other (derive different values for one
  finding, or set one value to two numbers), so that the engine refuses the
  evidence? If so, the smallest such evidence the engine confirms;
- which verdicts can each option receive?
- which facts does no rule or verdict rule read?

The engine's semantics are encoded exactly in z3 (linear real and integer
arithmetic with booleans): every fact is unknown or has a value (booleans,
level indices on their scale, exact rationals for numbers, an enumeration of
the mentioned constants plus distinct "other" values for text); every
condition becomes a pair (known true, known false) under three-valued logic; a
finding has the value of the rules that derive it, unknown if none fired;
values, clamping, weighted scores per horizon, gates, competition ranks with
the engine's tie tolerance, and ordered verdict rules follow. *Consistent*
evidence is evidence the engine accepts: no two fired rules derive different
values for one finding or set one option's value to different numbers.

Constants are exact rationals (the binary value of each float), so an "unsat"
is a proof about the rule base. The engine computes in floating point, so a
witness is first sought with a small margin around every numeric threshold
and tie, then confirmed by running ``appraise_facts`` on it; the witness kept
is the smallest the engine confirms (no fact of it can be dropped).

z3 is imported here only, when a check runs: ``import appraisal`` never loads it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .appraise import CompiledRuleBase, appraise_facts
from .errors import AppraisalError, RuleSyntaxError
from .models import (
    AdjustEffect,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Criterion,
    DeriveEffect,
    FactRef,
    FactSpec,
    FailGateEffect,
    Known,
    NotOf,
    RuleBase,
    SetEffect,
    Value,
)
from .rules import METRICS, facts_read_anywhere, iter_conditions
from .scoring import TIE_TOLERANCE, criterion_weights
from .tables import Displayable, Summary, Table, brief, counted

__all__ = [
    "Contradiction",
    "OptionReach",
    "Reachability",
    "reachability",
    "unread_facts",
]

MARGIN = Fraction(1, 10**6)
"""Distance kept from every numeric threshold and tie when seeking a witness."""

_SCORE_METRICS = ("score", "short_term_score", "long_term_score")
_RANK_OF = {
    "score": "rank",
    "short_term_score": "short_term_rank",
    "long_term_score": "long_term_rank",
}


class _Result(Displayable, BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class OptionReach(_Result):
    """Whether some consistent evidence makes one option the recommended one."""

    option: str
    reachable: bool
    """False is a proof: no consistent evidence set makes the option recommended."""
    witness: dict[str, Value] | None = None
    """Evidence that makes it recommended (facts left unknown are omitted)."""
    verified: bool = False
    """The engine itself, run on the witness, recommends the option."""

    def _summary(self) -> Summary:
        if not self.reachable:
            state = "never recommended, on any consistent evidence (proved)"
        else:
            checked = "verified by the engine" if self.verified else "not verified"
            witness = counted(len(self.witness or {}), "fact")
            state = f"recommended on a witness of {witness} ({checked})"
        rows = tuple((fact, brief(value)) for fact, value in (self.witness or {}).items())
        return Summary(
            kind="OptionReach",
            headline=f"{self.option}: {state}",
            tables=(Table(("Fact", "Value"), rows, caption="Witness"),) if rows else (),
        )


class Contradiction(_Result):
    """Evidence on which two rules conclude different things, so the engine stops."""

    subject: str
    """The finding, or ``option.criterion`` for two different ``set`` values."""
    rules: tuple[str, str]
    witness: dict[str, Value]
    """The smallest evidence found that makes both rules fire."""
    verified: bool = False
    """The engine itself, run on the witness, refuses it as contradictory."""


class Reachability(_Result):
    """What the rule base can ever conclude, over every consistent body of evidence."""

    rule_base: str
    options: tuple[OptionReach, ...]
    rules_checked: int
    contradictions: tuple[Contradiction, ...] = ()
    """Pairs of rules that some evidence makes contradict each other."""
    unreachable_rules: tuple[str, ...]
    """Rules whose condition is never known true on consistent evidence."""
    unread_facts: tuple[str, ...]
    """Facts no rule or verdict rule reads, other than those marked ``context``."""
    verdicts: dict[str, dict[str, bool]]
    """For each option, each declared verdict: whether some evidence gives it."""
    solver_seconds: float
    seconds: float

    @property
    def unreachable_options(self) -> tuple[str, ...]:
        return tuple(o.option for o in self.options if not o.reachable)

    @property
    def ok(self) -> bool:
        """Every option can be recommended, every rule can fire, no evidence is refused."""
        return (
            not self.unreachable_options
            and not self.unreachable_rules
            and not (self.contradictions)
        )

    def _summary(self) -> Summary:
        reachable = sum(o.reachable for o in self.options)
        rows = tuple(
            (
                o.option,
                "yes" if o.reachable else "never",
                "-" if o.witness is None else str(len(o.witness)),
                "yes" if o.verified else "-",
            )
            for o in self.options
        )
        lines = [
            f"Rules never fired: {', '.join(self.unreachable_rules)}."
            if self.unreachable_rules
            else f"Every one of {self.rules_checked} rules can fire.",
        ]
        lines += [
            f"Rules {c.rules[0]} and {c.rules[1]} contradict each other on {c.subject}."
            for c in self.contradictions
        ]
        if self.unread_facts:
            lines.append(f"Facts no rule reads: {', '.join(self.unread_facts)}.")
        return Summary(
            kind="Reachability",
            headline=f"{self.rule_base!r}: {reachable} of {counted(len(self.options), 'option')}"
            f" can be recommended, {len(self.unreachable_rules)} of"
            f" {counted(self.rules_checked, 'rule')} never fire,"
            f" {counted(len(self.contradictions), 'contradiction')}",
            lines=tuple(lines),
            tables=(
                Table(
                    ("Option", "Can be recommended", "Witness facts", "Verified"),
                    rows,
                    align="llrl",
                    muted=frozenset(i for i, o in enumerate(self.options) if not o.reachable),
                ),
            ),
        )


# --------------------------------------------------------------------------- facts read


def unread_facts(rule_base: RuleBase) -> tuple[str, ...]:
    """Facts that no rule or verdict rule reads, leaving out ``context`` facts."""
    read = facts_read_anywhere(rule_base)
    return tuple(f for f, spec in rule_base.facts.items() if not spec.context and f not in read)


# --------------------------------------------------------------------------- encoding

Sort = Literal["bool", "real", "int"]
_SORTS: dict[str, Sort] = {"boolean": "bool", "number": "real", "level": "int", "text": "int"}


@dataclass(frozen=True)
class _Term:
    """A fact, finding or metric in the solver: whether it is known, and its value."""

    known: Any
    value: Any
    sort: Sort
    exact: bool = True
    """The engine's float equals the exact value (false for computed scores)."""


def _rational(value: float) -> str:
    fraction = Fraction(value)
    return f"{fraction.numerator}/{fraction.denominator}"


class _Encoder:
    """The engine's semantics for one rule base, as z3 terms and constraints."""

    def __init__(self, compiled: CompiledRuleBase, weights: Mapping[str, float] | None) -> None:
        import z3

        self.z3: Any = z3
        self.compiled = compiled
        self.rule_base = compiled.rule_base
        self.specs: dict[str, FactSpec] = {**self.rule_base.facts, **self.rule_base.findings}
        self.consistency: list[Any] = []
        self.conflicts: list[tuple[str, tuple[str, str], Any]] = []
        """Pairs of rules the engine refuses to see fire together, and when they would."""
        self.margins: list[Any] = []
        self.tidy: list[Any] = []
        self.facts: dict[str, _Term] = {}
        self.findings: dict[str, _Term] = {}
        self.fired: dict[str, Any] = {}
        self.text_values, self.text_index = self._text_domain()
        self.weights = _exact_weights(self.rule_base, weights)
        for rule_id in compiled.order:
            self.rule_fired(rule_id)
        for finding_id in self.rule_base.findings:  # read or not, a contradiction is refused
            self.finding(finding_id)
        self.excluded: dict[str, Any] = {}
        self.scores: dict[str, dict[str, Any]] = {}
        self._encode_options()
        self.verdict: dict[str, dict[str, Any]] = {
            o: self._encode_verdicts(o) for o in self.rule_base.options
        }

    # ------------------------------------------------------------------ constants

    def real(self, value: float | Fraction | int) -> Any:
        return self.z3.RealVal(_rational(float(value)) if isinstance(value, float) else str(value))

    def _text_domain(self) -> tuple[list[str], dict[str, int]]:
        """Every text constant mentioned, then one distinct "other" value per text fact."""
        constants: dict[str, None] = {}
        conditions = [r.when for r in self.rule_base.rules.values()]
        conditions += [v.when for v in self.rule_base.verdicts if v.when is not None]
        for condition in conditions:
            for part in iter_conditions(condition):
                if isinstance(part, Comparison) and part.fact is not None:
                    spec = self.specs.get(part.fact)
                    if spec is not None and spec.type == "text" and isinstance(part.operand, str):
                        constants[part.operand] = None
        for rule in self.rule_base.rules.values():
            for effect in rule.then:
                if isinstance(effect, DeriveEffect) and isinstance(effect.value, str):
                    spec = self.specs.get(effect.derive)
                    if spec is not None and spec.type == "text":
                        constants[effect.value] = None
        values = sorted(constants)
        texts = sum(1 for s in self.rule_base.facts.values() if s.type == "text")
        for k in range(texts):
            other = f"other{k + 1}"
            while other in constants:
                other = "_" + other
            values.append(other)
        return values, {v: i for i, v in enumerate(values)}

    def constant(self, value: Value, spec: FactSpec, subject: str) -> Any:
        """A constant of a condition, in the sort of the fact it is compared with."""
        if spec.type == "boolean" and isinstance(value, bool):
            return self.z3.BoolVal(value)
        if spec.type == "number" and isinstance(value, float) and not isinstance(value, bool):
            return self.real(value)
        if spec.type == "level" and isinstance(value, str):
            order = self.compiled.scales.get(subject, {})
            if value in order:
                return self.z3.IntVal(order[value])
        if spec.type == "text" and isinstance(value, str):
            return self.z3.IntVal(self.text_index[value])
        raise RuleSyntaxError(f"{subject}: cannot compare a {spec.type} with {value!r}")

    # ------------------------------------------------------------------ facts and findings

    def term(self, fact_id: str) -> _Term:
        if fact_id in self.rule_base.findings:
            return self.finding(fact_id)
        if fact_id not in self.rule_base.facts:
            raise RuleSyntaxError(f"unknown fact {fact_id!r}")
        if fact_id not in self.facts:
            self.facts[fact_id] = self._fact(fact_id, self.rule_base.facts[fact_id])
        return self.facts[fact_id]

    def _fact(self, fact_id: str, spec: FactSpec) -> _Term:
        z3 = self.z3
        known = z3.Bool(f"known {fact_id}")
        if spec.type == "boolean":
            return _Term(known, z3.Bool(f"value {fact_id}"), "bool")
        if spec.type == "number":
            value = z3.Real(f"value {fact_id}")
            self.tidy.append(value >= 0)
            return _Term(known, value, "real")
        value = z3.Int(f"value {fact_id}")
        size = (
            len(self.rule_base.scales.get(spec.scale or "", []))
            if spec.type == "level"
            else len(self.text_values)
        )
        self.consistency.append(z3.And(value >= 0, value < size))
        return _Term(known, value, "int")

    def finding(self, finding_id: str) -> _Term:
        """Known when a rule deriving it fired; its value, the value that rule derives."""
        if finding_id in self.findings:
            return self.findings[finding_id]
        z3 = self.z3
        spec = self.rule_base.findings[finding_id]
        derivations: list[tuple[Any, Value, str]] = []
        for rule_id in self.compiled.order:
            for effect in self.rule_base.rules[rule_id].then:
                if isinstance(effect, DeriveEffect) and effect.derive == finding_id:
                    derivations.append((self.rule_fired(rule_id), effect.value, rule_id))
        for i, (fired_i, value_i, rule_i) in enumerate(derivations):
            for fired_j, value_j, rule_j in derivations[i + 1 :]:
                if value_i != value_j:  # the engine refuses two different values
                    self.conflicts.append((finding_id, (rule_i, rule_j), z3.And(fired_i, fired_j)))
        sort = _SORTS[spec.type]
        value: Any = {"bool": z3.BoolVal(False), "real": self.real(0), "int": z3.IntVal(0)}[sort]
        for fired, derived, _ in reversed(derivations):
            value = z3.If(fired, self.constant(derived, spec, finding_id), value)
        known = z3.Or(*[d[0] for d in derivations]) if derivations else z3.BoolVal(False)
        self.findings[finding_id] = _Term(known, value, sort)
        return self.findings[finding_id]

    def rule_fired(self, rule_id: str) -> Any:
        if rule_id not in self.fired:
            true, _ = self.condition(self.rule_base.rules[rule_id].when, None)
            self.fired[rule_id] = true
        return self.fired[rule_id]

    # ------------------------------------------------------------------ conditions

    def condition(
        self, condition: Condition, metrics: Mapping[str, _Term] | None
    ) -> tuple[Any, Any]:
        """(known true, known false) under three-valued logic; neither means unknown."""
        z3 = self.z3
        if isinstance(condition, AllOf | AnyOf):
            parts = condition.all if isinstance(condition, AllOf) else condition.any
            pairs = [self.condition(part, metrics) for part in parts]
            trues, falses = [p[0] for p in pairs], [p[1] for p in pairs]
            if isinstance(condition, AllOf):
                return z3.And(*trues), z3.Or(*falses)
            return z3.Or(*trues), z3.And(*falses)
        if isinstance(condition, NotOf):
            true, false = self.condition(condition.not_, metrics)
            return false, true
        if isinstance(condition, Known):
            known = self.term(condition.known).known
            return known, z3.Not(known)
        return self.comparison(condition, metrics)

    def comparison(
        self, condition: Comparison, metrics: Mapping[str, _Term] | None
    ) -> tuple[Any, Any]:
        z3 = self.z3
        left, spec, subject = self._subject(condition, metrics)
        operand = condition.operand
        scaled = False
        if isinstance(operand, FactRef):
            other = self.term(operand.fact)
            if other.sort != left.sort:
                raise RuleSyntaxError(f"cannot compare {subject!r} with {operand.fact!r}")
            right = other.value
            if other.sort == "real" and operand.times != 1.0:
                right, scaled = right * self.real(operand.times), True
            known = z3.And(left.known, other.known)
            exact = left.exact and other.exact and not scaled
        else:
            right = self.constant(operand, spec, subject)
            known, exact = left.known, left.exact
        relation = self._relation(condition.operator, left.value, right, left.sort, subject)
        if left.sort == "real":
            self._keep_margin(known, left.value - right, exact)
        return z3.And(known, relation), z3.And(known, z3.Not(relation))

    def _subject(
        self, condition: Comparison, metrics: Mapping[str, _Term] | None
    ) -> tuple[_Term, FactSpec, str]:
        if condition.metric is None:
            fact_id = str(condition.fact)
            return self.term(fact_id), self.specs[fact_id], fact_id
        if metrics is None:
            raise RuleSyntaxError("'metric' may be tested only in verdict rules")
        if condition.metric not in METRICS:
            raise RuleSyntaxError(f"unknown metric {condition.metric!r}")
        return metrics[condition.metric], METRICS[condition.metric], condition.metric

    def _relation(self, op: str, left: Any, right: Any, sort: Sort, subject: str) -> Any:
        if op == "eq":
            return left == right
        if op == "ne":
            return left != right
        if sort == "bool":
            raise RuleSyntaxError(f"{subject}: true/false compare only with eq or ne, not {op}")
        relations = {
            "lt": lambda: left < right,
            "le": lambda: left <= right,
            "gt": lambda: left > right,
            "ge": lambda: left >= right,
        }
        return relations[op]()

    def _keep_margin(self, known: Any, difference: Any, exact: bool) -> None:
        """For witnesses: a known comparison is an exact tie or clearly one way."""
        z3 = self.z3
        away = [difference >= self.real(MARGIN), difference <= -self.real(MARGIN)]
        self.margins.append(z3.Implies(known, z3.Or(*([difference == 0] if exact else []), *away)))

    # ------------------------------------------------------------------ options

    def _effects(
        self,
    ) -> Iterator[tuple[str, Any, AdjustEffect | SetEffect | FailGateEffect]]:
        for rule_id in self.compiled.order:
            for effect in self.rule_base.rules[rule_id].then:
                if isinstance(effect, AdjustEffect | SetEffect | FailGateEffect):
                    yield rule_id, self.fired[rule_id], effect

    def _encode_options(self) -> None:
        z3 = self.z3
        sets: dict[tuple[str, str], list[tuple[Any, float]]] = {}
        setters: dict[tuple[str, str], list[str]] = {}
        moves: dict[tuple[str, str], list[tuple[Any, float]]] = {}
        fails: dict[str, list[Any]] = {o: [] for o in self.rule_base.options}
        for rule_id, fired, effect in self._effects():
            if isinstance(effect, FailGateEffect):
                fails[effect.option].append(fired)
            elif isinstance(effect, SetEffect):
                sets.setdefault((effect.option, effect.set), []).append((fired, effect.to))
                setters.setdefault((effect.option, effect.set), []).append(rule_id)
            else:
                moves.setdefault((effect.option, effect.adjust), []).append((fired, effect.by))
        for key, entries in sets.items():
            for i, (fired_i, to_i) in enumerate(entries):
                for j, (fired_j, to_j) in enumerate(entries[i + 1 :], start=i + 1):
                    if to_i != to_j:  # the engine refuses two different values
                        rules = (setters[key][i], setters[key][j])
                        both = z3.And(fired_i, fired_j)
                        self.conflicts.append((".".join(key), rules, both))
        for option_id, option in self.rule_base.options.items():
            failed = fails[option_id]
            self.excluded[option_id] = z3.Or(*failed) if failed else z3.BoolVal(False)
            utilities = {}
            for criterion_id, criterion in self.compiled.leaves.items():
                key = (option_id, criterion_id)
                value = self._value(
                    option.values[criterion_id].value, sets.get(key, []), moves.get(key, [])
                )
                utilities[criterion_id] = (
                    value if criterion.direction == "maximise" else 100 - value
                )
            self.scores[option_id] = self._scores(utilities)

    def _value(
        self, baseline: float, sets: Sequence[tuple[Any, float]], moves: Sequence[tuple[Any, float]]
    ) -> Any:
        z3 = self.z3
        start: Any = self.real(baseline)
        for fired, to in reversed(sets):
            start = z3.If(fired, self.real(to), start)
        raw = (
            start + z3.Sum(*[z3.If(f, self.real(by), self.real(0)) for f, by in moves])
            if moves
            else start
        )
        return z3.If(raw < 0, self.real(0), z3.If(raw > 100, self.real(100), raw))

    def _scores(self, utilities: Mapping[str, Any]) -> dict[str, Any]:
        z3 = self.z3
        leaves = self.compiled.leaves
        scores: dict[str, Any] = {}
        for metric, horizon in zip(_SCORE_METRICS, (None, "short", "long"), strict=True):
            chosen = [c for c, spec in leaves.items() if horizon is None or spec.horizon == horizon]
            total = sum((self.weights[c] for c in chosen), Fraction(0))
            if total <= 0:
                scores[metric] = self.real(0)
                continue
            share = Fraction(1) if horizon is None else 1 / total
            scores[metric] = z3.Sum(
                *[self.real(self.weights[c] * share) * utilities[c] for c in chosen]
            )
        return scores

    def _rank(self, option_id: str, metric: str) -> Any:
        """1 + the number of eligible options scoring more (beyond the engine's tolerance)."""
        z3 = self.z3
        mine = self.scores[option_id][metric] + self.real(Fraction(TIE_TOLERANCE))
        above = [
            z3.If(
                z3.And(z3.Not(self.excluded[p]), self.scores[p][metric] > mine),
                self.real(1),
                self.real(0),
            )
            for p in self.rule_base.options
            if p != option_id
        ]
        return self.real(1) + z3.Sum(*above) if above else self.real(1)

    def metrics(self, option_id: str) -> dict[str, _Term]:
        z3 = self.z3
        eligible = z3.Not(self.excluded[option_id])
        always = z3.BoolVal(True)
        terms: dict[str, _Term] = {"excluded": _Term(always, self.excluded[option_id], "bool")}
        for metric in _SCORE_METRICS:
            terms[metric] = _Term(always, self.scores[option_id][metric], "real", exact=False)
            terms[_RANK_OF[metric]] = _Term(eligible, self._rank(option_id, metric), "real")
        return terms

    def _encode_verdicts(self, option_id: str) -> dict[str, Any]:
        """For each verdict name, whether the option gets it (the first rule that holds)."""
        z3 = self.z3
        metrics = self.metrics(option_id)
        gets: dict[str, list[Any]] = {v.verdict: [] for v in self.rule_base.verdicts}
        earlier: list[Any] = []
        for verdict in self.rule_base.verdicts:
            if verdict.otherwise or verdict.when is None:
                holds: Any = z3.BoolVal(True)
            else:
                holds = self.condition(verdict.when, metrics)[0]
            gets[verdict.verdict].append(z3.And(holds, *[z3.Not(e) for e in earlier]))
            earlier.append(holds)
        self.consistency.append(z3.Or(*earlier))  # else the engine finds no verdict
        return {name: z3.Or(*parts) for name, parts in gets.items()}

    def tie_margins(self) -> None:
        """For witnesses: two eligible options' scores are equal or clearly apart."""
        z3 = self.z3
        options = list(self.rule_base.options)
        for i, a in enumerate(options):
            for b in options[i + 1 :]:
                both = z3.And(z3.Not(self.excluded[a]), z3.Not(self.excluded[b]))
                for metric in _SCORE_METRICS:
                    self._keep_margin(both, self.scores[a][metric] - self.scores[b][metric], True)

    def recommended(self, option_id: str) -> Any:
        """The option, and no other, gets the verdict the rule base declares recommending."""
        z3 = self.z3
        recommending = self.rule_base.recommending_verdict
        if recommending is None or recommending not in self.verdict[option_id]:
            return z3.BoolVal(False)
        others = [z3.Not(self.verdict[p][recommending]) for p in self.verdict if p != option_id]
        return z3.And(self.verdict[option_id][recommending], *others)

    # ------------------------------------------------------------------ models

    def evidence(self, model: Any) -> dict[str, Value]:
        """The fact values of a solver model; facts it leaves unknown are omitted."""
        z3 = self.z3
        found: dict[str, Value] = {}
        for fact_id in self.rule_base.facts:  # declaration order
            term = self.facts.get(fact_id)
            if term is None or not z3.is_true(model.eval(term.known, model_completion=True)):
                continue
            value = model.eval(term.value, model_completion=True)
            spec = self.rule_base.facts[fact_id]
            if spec.type == "boolean":
                found[fact_id] = bool(z3.is_true(value))
            elif spec.type == "number":
                found[fact_id] = float(value.as_fraction())
            elif spec.type == "level":
                found[fact_id] = self.rule_base.scales[str(spec.scale)][value.as_long()]
            else:
                found[fact_id] = self.text_values[value.as_long()]
        return found


def _exact_weights(
    rule_base: RuleBase, overrides: Mapping[str, float] | None
) -> dict[str, Fraction]:
    """``scoring.criterion_weights`` in exact rationals."""
    criterion_weights(rule_base, overrides)  # the same errors for unusable weights
    overrides = overrides or {}
    weights: dict[str, Fraction] = {}

    def walk(criteria: Mapping[str, Criterion], share: Fraction) -> None:
        raw = {cid: Fraction(overrides.get(cid, c.weight)) for cid, c in criteria.items()}
        total = sum(raw.values(), Fraction(0))
        for criterion_id, criterion in criteria.items():
            weights[criterion_id] = share * raw[criterion_id] / total
            if criterion.children:
                walk(criterion.children, weights[criterion_id])

    walk(rule_base.criteria, Fraction(1))
    return weights


# --------------------------------------------------------------------------- solving


class _Solver:
    """One incremental solver; margins and tidiness are switched on by assumption."""

    def __init__(self, encoder: _Encoder) -> None:
        z3 = encoder.z3
        self.z3 = z3
        self.encoder = encoder
        self.solver = z3.Solver()
        self.solver.add(*encoder.consistency)
        self.guards = [z3.Bool(f"consistent {n}") for n in range(len(encoder.conflicts))]
        for guard, (_, _, both) in zip(self.guards, encoder.conflicts, strict=True):
            self.solver.add(z3.Implies(guard, z3.Not(both)))
        self.robust = z3.Bool("robust witness")
        self.tidy = z3.Bool("tidy witness")
        if encoder.margins:
            self.solver.add(z3.Implies(self.robust, z3.And(*encoder.margins)))
        if encoder.tidy:
            self.solver.add(z3.Implies(self.tidy, z3.And(*encoder.tidy)))
        self.seconds = 0.0

    def check(self, *assumptions: Any, refused: int | None = None) -> bool:
        """Satisfiable on consistent evidence (all but conflict ``refused`` held off)."""
        started = time.perf_counter()
        guards = [g for n, g in enumerate(self.guards) if n != refused]
        result = self.solver.check(*guards, *assumptions)
        self.seconds += time.perf_counter() - started
        if result == self.z3.unknown:
            raise AppraisalError(f"the solver could not decide: {self.solver.reason_unknown()}")
        return bool(result == self.z3.sat)

    def possible(self, goal: Any) -> bool:
        """Whether some consistent evidence makes ``goal`` true (False is a proof)."""
        return self.check(goal)

    def witnesses(self, goal: Any) -> Iterator[dict[str, Value]]:
        """Evidence making ``goal`` true: the tidiest first, then with margins, then any."""
        for assumptions in ((self.robust, self.tidy), (self.robust,), ()):
            if self.check(goal, *assumptions):
                yield self.encoder.evidence(self.solver.model())


def _refused(compiled: CompiledRuleBase, facts: Mapping[str, Value]) -> bool:
    """The engine stops on this evidence: its rules contradict each other."""
    try:
        appraise_facts(compiled, facts)
    except AppraisalError:
        return True
    return False


def _contradiction(
    solver: _Solver, compiled: CompiledRuleBase, number: int
) -> Contradiction | None:
    """Evidence that fires both rules of one conflict, or None (a proof that none does)."""
    subject, rules, both = solver.encoder.conflicts[number]
    witness: dict[str, Value] | None = None
    for assumptions in ((solver.robust, solver.tidy), (solver.robust,), ()):
        if solver.check(both, *assumptions, refused=number):
            witness = solver.encoder.evidence(solver.solver.model())
            break
    if witness is None:
        return None
    verified = _refused(compiled, witness)
    if verified:
        dropped = True
        while dropped:
            dropped = False
            for fact_id in list(witness):
                trial = {k: v for k, v in witness.items() if k != fact_id}
                if _refused(compiled, trial):
                    witness, dropped = trial, True
    return Contradiction(subject=subject, rules=rules, witness=witness, verified=verified)


def _recommends(
    compiled: CompiledRuleBase,
    facts: Mapping[str, Value],
    weights: Mapping[str, float] | None,
    option_id: str,
) -> bool:
    try:
        return appraise_facts(compiled, facts, weights).recommended == option_id
    except AppraisalError:
        return False


def _smallest(
    compiled: CompiledRuleBase,
    facts: dict[str, Value],
    weights: Mapping[str, float] | None,
    option_id: str,
) -> dict[str, Value]:
    """Round numbers where the engine does not mind; then drop every fact it does not need."""
    for fact_id, value in list(facts.items()):
        if isinstance(value, float) and value != round(value):
            nearby = (round(value), math.floor(value), math.ceil(value))
            for candidate in (*nearby, *(round(value, digits) for digits in (1, 2, 3))):
                trial = {**facts, fact_id: float(candidate)}
                if _recommends(compiled, trial, weights, option_id):
                    facts = trial
                    break
    dropped = True
    while dropped:
        dropped = False
        for fact_id in list(facts):
            trial = {k: v for k, v in facts.items() if k != fact_id}
            if _recommends(compiled, trial, weights, option_id):
                facts, dropped = trial, True
    return facts


def _option_reach(
    solver: _Solver,
    compiled: CompiledRuleBase,
    weights: Mapping[str, float] | None,
    option_id: str,
) -> OptionReach:
    goal = solver.encoder.recommended(option_id)
    if not solver.possible(goal):
        return OptionReach(option=option_id, reachable=False)
    first: dict[str, Value] | None = None
    for witness in solver.witnesses(goal):
        first = witness if first is None else first
        if _recommends(compiled, witness, weights, option_id):
            smallest = _smallest(compiled, witness, weights, option_id)
            return OptionReach(option=option_id, reachable=True, witness=smallest, verified=True)
    return OptionReach(option=option_id, reachable=True, witness=first, verified=False)


def reachability(
    compiled: CompiledRuleBase,
    weights: Mapping[str, float] | None = None,
    *,
    verdicts: bool = True,
) -> Reachability:
    """Which options can ever be recommended and which rules can ever fire, exactly.

    ``weights`` overrides raw criterion weights (as in ``appraise``); the rule
    base's own are used otherwise. ``verdicts=False`` skips the option-by-verdict
    matrix.
    """
    started = time.perf_counter()
    encoder = _Encoder(compiled, weights)
    encoder.tie_margins()
    solver = _Solver(encoder)
    rule_base = compiled.rule_base
    options = tuple(_option_reach(solver, compiled, weights, o) for o in rule_base.options)
    never = tuple(r for r in rule_base.rules if not solver.possible(encoder.fired[r]))
    found = (_contradiction(solver, compiled, n) for n in range(len(encoder.conflicts)))
    contradictions = tuple(c for c in found if c is not None)
    names = list(dict.fromkeys(v.verdict for v in rule_base.verdicts))
    matrix = (
        {o: {v: solver.possible(encoder.verdict[o][v]) for v in names} for o in rule_base.options}
        if verdicts
        else {}
    )
    return Reachability(
        rule_base=rule_base.id,
        options=options,
        rules_checked=len(rule_base.rules),
        contradictions=contradictions,
        unreachable_rules=never,
        unread_facts=unread_facts(rule_base),
        verdicts=matrix,
        solver_seconds=solver.seconds,
        seconds=time.perf_counter() - started,
    )
