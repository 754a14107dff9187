"""Structure several explanation modules read: the compiled rule base, the criterion cells, which
rules derive which findings, and the winner.

Private, and importing nothing from its siblings, so that attribution, the what-if evaluator and
the narrative can share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from ..appraise import Appraisal, CompiledRuleBase
from ..errors import ScoringError
from ..models import AdjustEffect, DeriveEffect, RuleBase, SetEffect, Value


def compiled_for(appraisal: Appraisal) -> CompiledRuleBase:
    """The compiled rule base of an appraisal: the model it carries.

    Every explanation starts here, so this is where a wrong argument (a path,
    a loaded scenario) is refused with a TypeError that says what to pass.
    """
    if not isinstance(appraisal, Appraisal):
        raise TypeError(
            f"expected an Appraisal (what appraisal.appraise returns), not"
            f" {type(appraisal).__name__}; appraise the scenario first"
        )
    return appraisal.model


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

    @cached_property
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


def _derivations(rule_base: RuleBase) -> dict[str, list[tuple[str, Value]]]:
    found: dict[str, list[tuple[str, Value]]] = {}
    for rule_id, rule in rule_base.rules.items():
        for effect in rule.then:
            if isinstance(effect, DeriveEffect):
                found.setdefault(effect.derive, []).append((rule_id, effect.value))
    return found


def winner(appraisal: Appraisal) -> str | None:
    """The single first-ranked option, or None when first place is tied or empty."""
    first = [o.id for o in appraisal.options if o.rank == 1]
    return first[0] if len(first) == 1 else None
