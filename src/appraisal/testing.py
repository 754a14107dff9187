"""Hypothesis strategies and an equality check, for fuzzing rule bases and the engine.

A rule base is a program: its rules can contradict each other on evidence that
no hand-written scenario states, and an analysis can disagree with the plain
appraisal on inputs nobody tried. These strategies draw the inputs:

- ``rule_bases()``: small valid rule bases exercising every part of the
  format (boolean, number, level and text facts; findings derived from
  evidence and from other findings, including by rules that derive one finding
  as both true and false under partial evidence; ``not known`` conditions;
  ``adjust``, ``set`` and gate effects; ``minimise`` criteria; criteria trees of
  one to three levels; a horizon with no weight; verdict rules on metrics and
  facts, one verdict declared as the one that recommends);
- ``evidence_for(rule_base)``: a value (or ``None``, unknown) for every fact
  of any rule base, drawn near the thresholds its rules test;
- ``weights_for(rule_base)``: raw weight overrides, zero included, never
  leaving a sibling group without weight;
- ``scenarios_for(rule_base)``: whole scenarios, with sources, weights and,
  optionally, confidence and ranges;
- ``to_yaml(model)``: the YAML text of a rule base or scenario, which loads
  back to the same model.

``assert_appraisal_equal(a, b)`` says whether two appraisals reached the same
outcome, field by field, to a relative tolerance. docs/testing.md has a worked
example. Needs hypothesis: ``pip install 'appraisal[test]'``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as error:  # hypothesis is a test extra, not a dependency
    raise ImportError(
        "appraisal.testing needs hypothesis; install it with: pip install 'appraisal[test]'"
    ) from error

import yaml

from .appraise import Appraisal
from .engine import comparisons, every_condition
from .models import (
    AdjustEffect,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Criterion,
    DeriveEffect,
    Document,
    Effect,
    EvidenceItem,
    FactRef,
    FactSpec,
    FailGateEffect,
    FindingSpec,
    Gate,
    Known,
    NotOf,
    Option,
    OptionValue,
    Rule,
    RuleBase,
    Scenario,
    SetEffect,
    Source,
    Value,
    VerdictRule,
)

__all__ = [
    "assert_appraisal_equal",
    "evidence_for",
    "rule_bases",
    "scenarios_for",
    "to_yaml",
    "weights_for",
]

SCALE = ("low", "medium", "high")
"""The one scale of generated rule bases."""
THRESHOLDS = (2.0, 5.0, 8.0)
"""The constants generated rules compare numbers with."""
COLOURS = ("red", "green")
"""The constants generated rules compare text with."""
OPTIONS = ("x", "y", "z", "w")
GATES = ("feasible", "lawful")
FACTS: dict[str, FactSpec] = {
    "p": FactSpec(type="boolean"),
    "q": FactSpec(type="boolean"),
    "n": FactSpec(type="number", unit="per 10,000"),
    "m": FactSpec(type="number"),
    "l": FactSpec(type="level", scale="strength"),
    "t": FactSpec(type="text"),
    "aside": FactSpec(type="boolean", context=True, description="read by no rule"),
}
"""The facts of generated rule bases: every type, and one that no rule reads."""
FINDINGS: dict[str, FindingSpec] = {
    "f": FindingSpec(type="boolean"),
    "g": FindingSpec(type="boolean"),
    "h": FindingSpec(type="level", scale="strength"),
}
"""Findings, in an order in which each may be derived from the ones before it."""
DOCUMENT = "evidence_pack"
"""The document generated scenarios cite."""


# --------------------------------------------------------------------------- conditions


def _comparison(draw: st.DrawFn, name: str, readable: Mapping[str, FactSpec]) -> Condition:
    """A comparison of one fact or finding that suits its type, or whether it is known."""
    spec = readable[name]
    kind = draw(st.integers(0, 11))
    if kind == 0:
        return Known(known=name)
    if kind == 1:
        return NotOf(not_=Known(known=name))
    if spec.type == "boolean":
        return Comparison(fact=name, **{draw(st.sampled_from(["eq", "ne"])): draw(st.booleans())})
    if spec.type == "text":
        operator = draw(st.sampled_from(["eq", "ne"]))
        return Comparison(fact=name, **{operator: draw(st.sampled_from(COLOURS))})
    if spec.type == "level":
        operator = draw(st.sampled_from(["eq", "le", "ge", "lt", "gt"]))
        if name == "l" and kind == 2 and "h" in readable:
            return Comparison(fact=name, **{operator: FactRef(fact="h")})
        return Comparison(fact=name, **{operator: draw(st.sampled_from(SCALE))})
    operator = draw(st.sampled_from(["lt", "le", "gt", "ge", "eq", "ne"]))
    if kind == 2:
        other = "m" if name == "n" else "n"
        times = draw(st.sampled_from([0.5, 1.0, 2.0]))
        return Comparison(fact=name, **{operator: FactRef(fact=other, times=times)})
    return Comparison(fact=name, **{operator: draw(st.sampled_from(THRESHOLDS))})


def _condition(draw: st.DrawFn, readable: Mapping[str, FactSpec]) -> Condition:
    """One comparison, or ``all``, ``any`` or ``not`` of up to three."""
    names = sorted(readable)
    parts = [
        _comparison(draw, name, readable)
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
    ]
    shape = draw(st.sampled_from(["one", "one", "all", "any", "not"]))
    if shape == "not":
        return NotOf(not_=parts[0] if len(parts) == 1 else AllOf(all=parts))
    if shape == "one" or len(parts) == 1:
        return parts[0]
    return AllOf(all=parts) if shape == "all" else AnyOf(any=parts)


def _readable(names: Sequence[str]) -> dict[str, FactSpec]:
    """The facts and findings named, with their specs, leaving out the one no rule reads."""
    specs: dict[str, FactSpec] = {**FACTS, **FINDINGS}
    return {name: specs[name] for name in names if name != "aside"}


# --------------------------------------------------------------------------- rules


def _finding_values(spec: FactSpec) -> list[Value]:
    return [True, False] if spec.type == "boolean" else list(SCALE)


def _derivations(
    draw: st.DrawFn, finding: str, readable: Mapping[str, FactSpec], conflicts: bool
) -> dict[str, Rule]:
    """The rules deriving one finding, in one of three patterns.

    ``same``: one or two rules derive one value, so they never disagree.
    ``pair``: a condition derives one value and its negation another; under
    three-valued logic at most one fires, whatever is known. ``clash`` (with
    ``conflicts``): two unrelated conditions, often one that holds while some
    fact is *not known*, derive different values, so the rules can contradict each
    other on some evidence, full or partial.
    """
    values = _finding_values(FINDINGS[finding])
    patterns = ["same", "pair", "clash"] if conflicts else ["same", "pair"]
    pattern = draw(st.sampled_from(patterns))
    first = draw(st.sampled_from(values))
    second = draw(st.sampled_from([v for v in values if v != first]))
    if pattern == "same":
        return {
            f"derive_{finding}_{i}": Rule(
                when=_condition(draw, readable), then=[DeriveEffect(derive=finding, value=first)]
            )
            for i in range(draw(st.integers(1, 2)))
        }
    condition = _condition(draw, readable)
    if pattern == "pair":
        other: Condition = NotOf(not_=condition)
    elif draw(st.booleans()):
        other = NotOf(not_=Known(known=draw(st.sampled_from(sorted(readable)))))
    else:
        other = _condition(draw, readable)
    return {
        f"derive_{finding}": Rule(when=condition, then=[DeriveEffect(derive=finding, value=first)]),
        f"derive_{finding}_else": Rule(
            when=other, then=[DeriveEffect(derive=finding, value=second)]
        ),
    }


def _effects(
    draw: st.DrawFn, leaves: Sequence[str], options: Sequence[str], set_cells: set[tuple[str, str]]
) -> list[Effect]:
    """One to three effects on options: adjustments, a ``set`` per cell at most, gate failures.

    Each (option, leaf) cell is set by at most one rule of the rule base:
    two rules setting it to different values would contradict each other
    whenever both fire, which the conflicting derivations already cover.
    """
    effects: list[Effect] = []
    for _ in range(draw(st.integers(1, 3))):
        option = draw(st.sampled_from(options))
        leaf = draw(st.sampled_from(leaves))
        kind = draw(st.sampled_from(["adjust", "adjust", "adjust", "set", "gate"]))
        if kind == "set" and (option, leaf) not in set_cells:
            set_cells.add((option, leaf))
            effects.append(SetEffect(option=option, set=leaf, to=draw(st.integers(0, 100))))
        elif kind == "gate":
            effects.append(FailGateEffect(option=option, fail_gate=draw(st.sampled_from(GATES))))
        else:
            by = draw(st.integers(-60, 60) | st.sampled_from([-100, 100]))
            effects.append(AdjustEffect(option=option, adjust=leaf, by=by))
    return effects


# --------------------------------------------------------------------------- criteria


def _criteria(draw: st.DrawFn) -> dict[str, Criterion]:
    """A criteria tree of one, two or three levels.

    Leaves are short or long term; sometimes all of them are short, so the long
    horizon carries no weight at all (its scores are 0 and every option ties on it).
    """
    shape = draw(st.sampled_from(["flat", "two", "three"]))
    all_short = draw(st.integers(0, 3)) == 0

    def weight() -> float:
        return float(draw(st.integers(1, 5)))

    def leaf(horizon: str) -> Criterion:
        return Criterion(
            weight=weight(),
            horizon="short" if all_short else horizon,
            direction=draw(st.sampled_from(["maximise", "maximise", "minimise"])),
        )

    if shape == "flat":
        return {"a": leaf("short"), "b": leaf("long"), "c": leaf("short")}
    if shape == "two":
        return {
            "a": Criterion(weight=weight(), children={"a1": leaf("short"), "a2": leaf("long")}),
            "b": leaf("short"),
        }
    inner = Criterion(weight=weight(), children={"a1x": leaf("short"), "a1y": leaf("long")})
    return {
        "a": Criterion(weight=weight(), children={"a1": inner, "a2": leaf("long")}),
        "b": leaf("short"),
    }


def _walk(criteria: Mapping[str, Criterion]) -> Iterator[tuple[str, Criterion]]:
    for criterion_id, criterion in criteria.items():
        yield criterion_id, criterion
        yield from _walk(criterion.children)


def _groups(criteria: Mapping[str, Criterion]) -> Iterator[dict[str, Criterion]]:
    """Every sibling group of the tree, the top level first."""
    yield dict(criteria)
    for criterion in criteria.values():
        if criterion.children:
            yield from _groups(criterion.children)


# --------------------------------------------------------------------------- verdicts


def _metric(metric: str, operator: str, value: Value) -> Comparison:
    return Comparison(metric=metric, **{operator: value})


VERDICT_POOL: tuple[VerdictRule, ...] = (
    VerdictRule(verdict="excluded", when=_metric("excluded", "eq", True)),
    VerdictRule(verdict="insufficient_evidence", when=NotOf(not_=Known(known="q"))),
    VerdictRule(verdict="longer_term_potential", when=_metric("long_term_rank", "eq", 1.0)),
    VerdictRule(verdict="quick_win", when=_metric("short_term_rank", "le", 1.0)),
    VerdictRule(verdict="strong", when=_metric("score", "ge", 60.0)),
    VerdictRule(verdict="weak_long_term", when=_metric("long_term_score", "lt", 30.0)),
    VerdictRule(verdict="flagged", when=Comparison(fact="g", eq=True)),
    VerdictRule(
        verdict="runner_up",
        when=AllOf(all=[_metric("rank", "le", 2.0), _metric("short_term_score", "gt", 40.0)]),
    ),
)
"""Verdict rules on ranks, scores, exclusion, facts and findings, besides the one that
recommends: a draw picks some, in some order, then ``otherwise``."""


def _verdicts(draw: st.DrawFn) -> list[VerdictRule]:
    """Verdict rules, one verdict of which recommends an option (``recommends: true``).

    The recommending verdict is named ``recommended`` or, since the vocabulary is the
    rule base's own, ``preferred``; it goes to the first-ranked option, sometimes only
    when a fact holds too, and sometimes by two rules; where it falls among the
    others decides how often it is given.
    """
    name = draw(st.sampled_from(["recommended", "recommended", "preferred"]))
    first = _metric("rank", "eq", 1.0)
    recommending = [
        VerdictRule(verdict=name, when=first, recommends=True),
        VerdictRule(
            verdict=name, when=AllOf(all=[first, Comparison(fact="p", eq=True)]), recommends=True
        ),
    ]
    verdicts = draw(st.permutations(VERDICT_POOL))[: draw(st.integers(0, 4))]
    for rule in draw(st.sampled_from([recommending[:1], recommending[1:], recommending])):
        verdicts.insert(draw(st.integers(0, len(verdicts))), rule)
    return [*verdicts, VerdictRule(verdict="not_recommended", otherwise=True)]


# --------------------------------------------------------------------------- rule bases


@st.composite
def _rule_bases(draw: st.DrawFn, conflicts: bool) -> RuleBase:
    options = OPTIONS[: draw(st.integers(2, len(OPTIONS)))]
    criteria = _criteria(draw)
    leaves = [c for c, spec in _walk(criteria) if not spec.children]
    rules: dict[str, Rule] = {}
    readable = list(FACTS)
    for finding in FINDINGS:  # each derived from the facts and the findings before it
        if draw(st.integers(0, 4)) > 0:
            rules.update(_derivations(draw, finding, _readable(readable), conflicts))
        readable.append(finding)
    set_cells: set[tuple[str, str]] = set()
    for i in range(draw(st.integers(1, 6))):
        rules[f"rule_{i}"] = Rule(
            when=_condition(draw, _readable(readable)),
            then=_effects(draw, leaves, options, set_cells),
        )
    return RuleBase(
        id="generated",
        title="A generated rule base",
        documents={"guidance": Document(title="Guidance")},
        scales={"strength": list(SCALE)},
        facts=dict(FACTS),
        findings=dict(FINDINGS),
        criteria=criteria,
        gates={gate: Gate(name=gate.capitalize()) for gate in GATES},
        options={
            option: Option(
                name=f"Option {option.upper()}",
                values={leaf: OptionValue(value=draw(st.integers(0, 100))) for leaf in leaves},
            )
            for option in options
        },
        rules=rules,
        verdicts=_verdicts(draw),
    )


def rule_bases(*, conflicts: bool = True) -> st.SearchStrategy[RuleBase]:
    """Small valid rule bases (see the module docstring for what they exercise).

    With ``conflicts`` (the default), some findings are derived by two rules
    whose conditions can both hold, so the rules contradict each other on some
    evidence (often only on partial evidence: one rule fires while a fact is
    not known); with ``conflicts=False`` no evidence, full or partial, makes
    the rules contradict each other. Every rule base loads from its YAML
    (``to_yaml``) without error.
    """
    return _rule_bases(conflicts)


# --------------------------------------------------------------------------- evidence


def _constants(rule_base: RuleBase) -> dict[str, set[Value]]:
    """The constants each fact is compared with, anywhere in the rule base."""
    found: dict[str, set[Value]] = {}
    for condition in every_condition(rule_base):
        for comparison in comparisons(condition):
            operand = comparison.operand
            if comparison.fact is not None and not isinstance(operand, FactRef):
                found.setdefault(comparison.fact, set()).add(operand)
    return found


def _number_values(constants: set[Value]) -> st.SearchStrategy[float]:
    """Numbers on, just either side of, and between the thresholds the rules test."""
    thresholds = sorted(float(c) for c in constants if isinstance(c, float))
    near = sorted(
        {t + d for t in thresholds for d in (-1.0, -0.5, 0.0, 0.5, 1.0)} | {0.0, 10.0, 100.0}
    )
    low, high = min(near) - 10.0, max(near) + 10.0
    return st.sampled_from(near) | st.floats(low, high, allow_nan=False).map(lambda x: round(x, 3))


def _values(rule_base: RuleBase, spec: FactSpec, constants: set[Value]) -> st.SearchStrategy[Any]:
    if spec.type == "boolean":
        return st.booleans()
    if spec.type == "level":
        return st.sampled_from(rule_base.scales[str(spec.scale)])
    if spec.type == "text":
        texts = sorted({str(c) for c in constants if isinstance(c, str)} | {"something else"})
        return st.sampled_from(texts)
    return _number_values(constants)


def evidence_for(
    rule_base: RuleBase, *, unknown: bool = True
) -> st.SearchStrategy[dict[str, Value | None]]:
    """A value for every fact of ``rule_base``, of the fact's type; with ``unknown``, some
    ``None`` (not known). Works on any rule base, not only generated ones.

    Numbers are drawn on, near and between the thresholds the rules compare
    them with; text from the constants the rules compare it with, and one
    that no rule names; levels from the fact's scale.
    """
    constants = _constants(rule_base)
    facts = {
        fact_id: _values(rule_base, spec, constants.get(fact_id, set()))
        for fact_id, spec in rule_base.facts.items()
    }
    if unknown:
        facts = {fact_id: st.none() | values for fact_id, values in facts.items()}
    return st.fixed_dictionaries(facts)


@st.composite
def _weights_for(draw: st.DrawFn, rule_base: RuleBase) -> dict[str, float]:
    overrides: dict[str, float] = {}
    for criterion_id, _ in _walk(rule_base.criteria):
        choice = draw(
            st.none()
            | st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0])
            | st.floats(0.01, 100.0, allow_nan=False).map(lambda x: round(x, 2))
        )
        if choice is not None:
            overrides[criterion_id] = choice
    for group in _groups(rule_base.criteria):
        if all(overrides.get(c, spec.weight) <= 0 for c, spec in group.items()):
            overrides[next(iter(group))] = 1.0
    return overrides


def weights_for(rule_base: RuleBase) -> st.SearchStrategy[dict[str, float]]:
    """Raw weight overrides for some criteria of ``rule_base`` (any level), zero included;
    no sibling group is left with every weight zero, which nothing could score."""
    return _weights_for(rule_base)


@st.composite
def _scenarios_for(
    draw: st.DrawFn, rule_base: RuleBase, rule_base_path: str, unknown: bool, uncertain: bool
) -> Scenario:
    facts = draw(evidence_for(rule_base, unknown=unknown))
    evidence: dict[str, EvidenceItem] = {}
    for index, (fact_id, value) in enumerate(facts.items()):
        if value is None and draw(st.booleans()):
            continue  # left out: unknown, as when stated with no value
        confidence = 1.0
        bounds: tuple[float, float] | None = None
        if uncertain:
            confidence = draw(st.sampled_from([1.0, 1.0, 0.9, 0.7, 0.5, 0.0]))
            if isinstance(value, float) and draw(st.booleans()):
                bounds = (value - draw(st.sampled_from([0.0, 1.0, 3.0])), value + 2.0)
        evidence[fact_id] = EvidenceItem(
            statement=f"{fact_id} as the evidence states it",
            value=value,
            source=Source(document=DOCUMENT, locator=f"para {index + 1}"),
            confidence=confidence,
            range=bounds,
        )
    return Scenario(
        title="A generated scenario",
        rule_base=rule_base_path,
        documents={DOCUMENT: Document(title="The evidence pack")},
        evidence=evidence,
        weights=draw(weights_for(rule_base)),
    )


def scenarios_for(
    rule_base: RuleBase,
    *,
    rule_base_path: str = "rules.yaml",
    unknown: bool = True,
    uncertain: bool = False,
) -> st.SearchStrategy[Scenario]:
    """Scenarios for ``rule_base``, naming it as ``rule_base_path``: evidence from
    ``evidence_for`` (an unknown fact left out or stated without a value), each item
    citing a document the scenario declares, and weight overrides from ``weights_for``.

    With ``uncertain``, items have confidences below 1 (0 included: never holds) and
    numbers sometimes a range (a zero-width one included).
    """
    return _scenarios_for(rule_base, rule_base_path, unknown, uncertain)


def to_yaml(model: RuleBase | Scenario) -> str:
    """The YAML text of a rule base or scenario, which loads back to an equal model."""
    data = model.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return text


# --------------------------------------------------------------------------- equality


def _comparable(appraisal: Appraisal, labels: bool) -> dict[str, Any]:
    """An appraisal's data, keyed where order is a matter of presentation only.

    Options are keyed by id (their order is compared separately, up to ties),
    rule firings by rule, and adjustments and gate failures are sorted.
    """
    data = appraisal.model_dump(mode="python")
    if not labels:
        data.pop("scenario", None)
        data.pop("scenario_path", None)
    options = {}
    for option in data.pop("options"):
        for value in option.get("values", {}).values():
            value["adjustments"] = sorted(
                value.get("adjustments", ()), key=lambda a: (a["rule"], a["by"])
            )
        option["gate_failures"] = sorted(
            option.get("gate_failures", ()), key=lambda g: (g["gate"], g["rule"])
        )
        options[option["id"]] = option
    data["options"] = options
    data["firings"] = {firing["rule"]: firing for firing in data.pop("firings")}
    data["tied_first"] = sorted(data.get("tied_first", ()))
    data["order"] = [(o.excluded, o.rank) for o in appraisal.options]
    return data


def _differences(actual: Any, expected: Any, where: str, rtol: float, atol: float) -> Iterator[str]:
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        for key in [*actual, *(k for k in expected if k not in actual)]:
            at = f"{where}.{key}" if where else str(key)
            if key not in expected:
                yield f"{at}: {actual[key]!r} in the first, missing from the second"
            elif key not in actual:
                yield f"{at}: missing from the first, {expected[key]!r} in the second"
            else:
                yield from _differences(actual[key], expected[key], at, rtol, atol)
        return
    if isinstance(actual, list | tuple) and isinstance(expected, list | tuple):
        if len(actual) != len(expected):
            yield f"{where}: {len(actual)} items in the first, {len(expected)} in the second"
            return
        for index, (a, b) in enumerate(zip(actual, expected, strict=True)):
            yield from _differences(a, b, f"{where}[{index}]", rtol, atol)
        return
    if (
        isinstance(actual, float)
        and isinstance(expected, float)
        and math.isclose(actual, expected, rel_tol=rtol, abs_tol=atol)
    ):
        return
    if type(actual) is not type(expected) or actual != expected:
        yield f"{where}: {actual!r} != {expected!r}"


def assert_appraisal_equal(
    actual: Appraisal,
    expected: Appraisal,
    *,
    rtol: float = 1e-9,
    atol: float = 1e-9,
    labels: bool = False,
) -> None:
    """Raise ``AssertionError``, naming every field that differs, unless two appraisals
    reached the same outcome.

    Compared: every option's scores, ranks, verdict, exclusion, gate failures,
    values (with the rules that moved them) and contributions; the
    recommendation and ties; weights; evidence; findings; every rule's firing
    and what it read; and the order of options, up to options that share a
    rank. Numbers agree within ``rtol`` (relative) or ``atol`` (absolute);
    anything else must be equal and of the same type (``True`` is not ``1.0``).
    The scenario's title and path are labels, compared only with ``labels``.
    """
    if not isinstance(actual, Appraisal) or not isinstance(expected, Appraisal):
        raise TypeError(
            "assert_appraisal_equal compares two Appraisal objects, not"
            f" {type(actual).__name__} and {type(expected).__name__}"
        )
    found = list(
        _differences(_comparable(actual, labels), _comparable(expected, labels), "", rtol, atol)
    )
    if found:
        shown = found[:20]
        if len(found) > len(shown):
            shown.append(f"... and {len(found) - len(shown)} more")
        raise AssertionError("the appraisals differ:\n  " + "\n  ".join(shown))
