"""Checks at the public entry points: arguments of the wrong Python type, and overrides.

A wrong type passed from code (a path where an ``Appraisal`` is expected) is a
programming error, so it raises ``TypeError`` naming what was expected, rather
than an ``AttributeError`` from deep inside. What-if overrides (``weights=``,
``evidence=``) are input, checked as strictly as a scenario file: an unknown id
or an unusable value raises an ``AppraisalError`` naming the field.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import TypeVar

from .errors import Location, ScenarioLoadError, ScoringError, UnknownReferenceError
from .loader.rule_checks import value_problem
from .models import MAX_WEIGHT, RuleBase, Value

T = TypeVar("T")


def require(value: object, expected: type[T], what: str) -> T:
    """``value`` if it is an ``expected``, else a TypeError naming both."""
    if not isinstance(value, expected):
        raise TypeError(f"{what} must be {expected.__name__}, not {type(value).__name__}")
    return value


def require_count(value: object, what: str, least: int) -> int:
    """A whole number of at least ``least`` (an argument such as ``samples``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be a whole number, not {type(value).__name__}")
    if value < least:
        raise ScoringError(f"must be at least {least}, not {value}", Location(field=what))
    return int(value)


def _number(raw: object) -> float | None:
    """A real number as a float (inf when too large for one); None if ``raw`` is not one."""
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        return None
    try:
        return float(raw)
    except OverflowError:
        return math.inf


def checked_weights(
    rule_base: RuleBase, weights: Mapping[str, float] | None, known: Mapping[str, object]
) -> dict[str, float]:
    """Raw weight overrides by criterion id, each a finite number from 0 to ``MAX_WEIGHT``.

    ``known`` holds every criterion id of the rule base (any level).
    """
    if weights is None:
        return {}
    if not isinstance(weights, Mapping):
        raise TypeError(
            f"weights must be a mapping of criterion id to number, not {type(weights).__name__}"
        )
    checked: dict[str, float] = {}
    for name, raw in weights.items():
        if not isinstance(name, str):
            raise TypeError(f"weights are keyed by criterion id (str), not {type(name).__name__}")
        where = Location(field=f"weights.{name}")
        if name not in known:
            raise UnknownReferenceError("criterion", name, known, where)
        value = _number(raw)
        if value is None:
            raise TypeError(f"weights[{name!r}] must be a number, not {type(raw).__name__}")
        if not (math.isfinite(value) and 0 <= value <= MAX_WEIGHT):
            raise ScoringError(
                f"a weight is a finite number from 0 to {MAX_WEIGHT:,.0f}, not {raw!r}", where
            )
        checked[name] = value
    return checked


def checked_facts(
    rule_base: RuleBase, facts: Mapping[str, Value | None]
) -> dict[str, Value | None]:
    """Fact values by fact id, each of the fact's declared type (None: unknown).

    Whole numbers become floats, as numbers read from a file do.
    """
    if not isinstance(facts, Mapping):
        raise TypeError(
            f"evidence must be a mapping of fact id to value, not {type(facts).__name__}"
        )
    checked: dict[str, Value | None] = {}
    for fact_id, raw in facts.items():
        if not isinstance(fact_id, str):
            raise TypeError(f"evidence is keyed by fact id (str), not {type(fact_id).__name__}")
        where = Location(field=f"evidence.{fact_id}")
        spec = rule_base.facts.get(fact_id)
        if spec is None:
            raise UnknownReferenceError("fact", fact_id, rule_base.facts, where)
        if raw is None:
            checked[fact_id] = None
            continue
        value: Value
        if isinstance(raw, bool | str):
            value = raw
        else:
            number = _number(raw)
            if number is None:
                raise TypeError(
                    f"evidence[{fact_id!r}] must be a number, bool, str or None,"
                    f" not {type(raw).__name__}"
                )
            if not math.isfinite(number):
                raise ScenarioLoadError(f"a value must be a finite number, not {raw!r}", where)
            value = number
        problem = value_problem(value, spec, rule_base)
        if problem:
            raise ScenarioLoadError(problem, where)
        checked[fact_id] = value
    return checked
