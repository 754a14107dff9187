"""Why two scenarios' appraisals differ (``appraisal compare``).

Two scenarios of one rule base differ in their evidence values and their
weights; nothing else changes an appraisal. ``compare_scenarios`` lists those
differences and shares each option's change in score among them.

Differences often act only together (a rule that reads two facts fires only
when both change), so one applied alone to the base can move nothing. Up to
``EXACT_UP_TO`` differences, the change is shared exactly, by Shapley values:
the base is appraised with every subset of the differences taken from the
other scenario, and each difference gets its marginal effect averaged over
every order of applying them, so the shares sum to the change. With more,
each difference is applied alone, and what the shares do not account for is
reported as the interaction. Either way, a difference that changes an
option's verdict on its own says so.

Scenarios of different rule bases differ in everything at once; only their
results are compared.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from math import factorial
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .appraise import Appraisal, CompiledRuleBase, appraise
from .loader import LoadedScenario
from .models import Criterion, Value
from .tables import Displayable, Summary, Table, brief, counted, fixed, quoted, signed, words

__all__ = [
    "EXACT_UP_TO",
    "Difference",
    "Effect",
    "OptionShift",
    "ScenarioDifference",
    "compare_scenarios",
]


class _Result(Displayable, BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Difference(_Result):
    """One input that differs: a fact's evidence value, or a criterion's raw weight."""

    kind: Literal["evidence", "weight"]
    id: str
    base: Value | None
    """The value in the base scenario; ``None`` is unknown (evidence) and never a weight."""
    other: Value | None


class Effect(_Result):
    """What one difference, applied alone to the base scenario, does to one option."""

    difference: int
    """Index into ``ScenarioDifference.differences``."""
    points: float
    verdict: str | None = None
    """The option's verdict under this difference alone, when it is not the base's."""


class OptionShift(_Result):
    """One option in the two scenarios, and the differences that moved it."""

    option: str
    name: str
    base_score: float
    other_score: float
    base_verdict: str
    other_verdict: str
    base_rank: int | None
    other_rank: int | None
    effects: tuple[Effect, ...]
    """The differences that move the option alone (zero effects left out), largest first."""
    interaction: float
    """The change the effects do not account for: zero when shared exactly; applied
    alone, what the differences do only together."""

    @property
    def change(self) -> float:
        return self.other_score - self.base_score

    @property
    def verdict_change(self) -> str:
        """The verdict, or ``before -> after`` where it changed, in words."""
        if self.base_verdict == self.other_verdict:
            return words(self.other_verdict)
        return f"{words(self.base_verdict)} -> {words(self.other_verdict)}"

    def _summary(self) -> Summary:
        return Summary(
            kind="OptionShift",
            headline=f"{self.option}: {fixed(self.base_score)} -> {fixed(self.other_score)}"
            f" ({signed(self.change)}), {self.verdict_change};"
            f" moved by {counted(len(self.effects), 'difference')}",
        )


class ScenarioDifference(_Result):
    """Why ``other`` appraises differently from ``base``."""

    base: str
    other: str
    same_rule_base: bool
    method: Literal["shapley", "alone"]
    """How the change is shared among the differences (see ``compare_scenarios``)."""
    differences: tuple[Difference, ...]
    options: tuple[OptionShift, ...]
    """In the other scenario's rank order."""

    def _summary(self) -> Summary:
        def moved_by(shift: OptionShift) -> str:
            parts = [
                f"{self.differences[e.difference].id} {signed(e.points)}" for e in shift.effects[:3]
            ]
            return "; ".join(parts) or "-"

        return Summary(
            kind="ScenarioDifference",
            headline=f"{quoted(self.other, 50)} vs {quoted(self.base, 50)}:"
            f" {counted(len(self.differences), 'difference')} ({self.method})",
            title=f"{self.other} against {self.base}",
            tables=(
                Table(
                    ("Kind", "Id", "Base", "Other"),
                    tuple((d.kind, d.id, brief(d.base), brief(d.other)) for d in self.differences),
                    caption="What differs",
                ),
                Table(
                    ("Option", "Base", "Other", "Change", "Verdict", "Moved most by (points)"),
                    tuple(
                        (
                            o.option,
                            fixed(o.base_score),
                            fixed(o.other_score),
                            signed(o.change),
                            o.verdict_change,
                            moved_by(o),
                        )
                        for o in self.options
                    ),
                    align="lrrrll",
                ),
            ),
        )


def _raw_weights(rule_base_criteria: Mapping[str, Criterion]) -> Iterator[tuple[str, float]]:
    for criterion_id, criterion in rule_base_criteria.items():
        yield criterion_id, criterion.weight
        yield from _raw_weights(criterion.children)


def _differences(base: LoadedScenario, other: LoadedScenario) -> list[Difference]:
    found: list[Difference] = []
    base_values = {f: item.value for f, item in base.scenario.evidence.items()}
    other_values = {f: item.value for f, item in other.scenario.evidence.items()}
    for fact_id in base.rule_base.facts:
        before, after = base_values.get(fact_id), other_values.get(fact_id)
        if before != after or type(before) is not type(after):
            found.append(Difference(kind="evidence", id=fact_id, base=before, other=after))
    for criterion_id, declared in _raw_weights(base.rule_base.criteria):
        before = base.scenario.weights.get(criterion_id, declared)
        after = other.scenario.weights.get(criterion_id, declared)
        if before != after:
            found.append(Difference(kind="weight", id=criterion_id, base=before, other=after))
    return found


EXACT_UP_TO = 8
"""The most differences shared out exactly (Shapley values: every subset of them is
appraised, 2**n appraisals); beyond, each difference is applied alone."""


def compare_scenarios(
    base: LoadedScenario,
    other: LoadedScenario,
    *,
    base_result: Appraisal | None = None,
    other_result: Appraisal | None = None,
) -> ScenarioDifference:
    """The differences between two scenarios and what each does to every option.

    ``base_result`` and ``other_result`` are the two appraisals, when already
    made.
    """
    base_result = base_result or appraise(base)
    other_result = other_result or appraise(other)
    same = base.rule_base == other.rule_base
    differences = _differences(base, other) if same else []
    exact = len(differences) <= EXACT_UP_TO
    subsets = _subsets(len(differences), exact)
    compiled = base.model
    results = {
        subset: base_result if not subset else _applied(base, differences, subset, compiled)
        for subset in subsets
    }
    shifts = []
    for result in other_result.options:
        if not any(o.id == result.id for o in base_result.options):
            continue
        before = base_result.option(result.id)
        scores = {subset: r.option(result.id).score for subset, r in results.items()}
        shares = _shapley(scores, len(differences)) if exact else _alone(scores, len(differences))
        effects = []
        for index, points in enumerate(shares):
            verdict = results[frozenset({index})].option(result.id).verdict
            changed = verdict if verdict != before.verdict else None
            if abs(points) > 1e-9 or changed is not None:
                effects.append(Effect(difference=index, points=points, verdict=changed))
        effects.sort(key=lambda e: (-abs(e.points), e.difference))
        interaction = result.score - before.score - sum(shares) if same else 0.0
        shifts.append(
            OptionShift(
                option=result.id,
                name=result.name,
                base_score=before.score,
                other_score=result.score,
                base_verdict=before.verdict,
                other_verdict=result.verdict,
                base_rank=before.rank,
                other_rank=result.rank,
                effects=tuple(effects),
                interaction=0.0 if abs(interaction) < 1e-9 else interaction,
            )
        )
    return ScenarioDifference(
        base=base_result.scenario,
        other=other_result.scenario,
        same_rule_base=same,
        method="shapley" if exact else "alone",
        differences=tuple(differences),
        options=tuple(shifts),
    )


def _subsets(count: int, exact: bool) -> list[frozenset[int]]:
    """Every subset of the differences (exact), or none and each one alone."""
    if exact:
        return [frozenset(i for i in range(count) if mask >> i & 1) for mask in range(1 << count)]
    return [frozenset(), *(frozenset({i}) for i in range(count))]


def _applied(
    base: LoadedScenario,
    differences: list[Difference],
    subset: frozenset[int],
    compiled: CompiledRuleBase,
) -> Appraisal:
    """The base scenario appraised with the differences in ``subset`` taken from the other."""
    evidence = {
        d.id: d.other for i, d in enumerate(differences) if i in subset and d.kind == "evidence"
    }
    weights = {
        d.id: float(d.other)
        for i, d in enumerate(differences)
        if i in subset and d.kind == "weight" and isinstance(d.other, int | float)
    }
    return appraise(base, evidence=evidence, weights=weights, compiled=compiled)


def _shapley(scores: Mapping[frozenset[int], float], count: int) -> list[float]:
    """Each difference's Shapley value: its marginal effect averaged over every order in which
    the differences could be applied. They sum to the whole change."""
    weight = [factorial(k) * factorial(count - k - 1) / factorial(count) for k in range(count)]
    shares = [0.0] * count
    for subset, score in scores.items():
        for index in range(count):
            if index not in subset:
                shares[index] += weight[len(subset)] * (scores[subset | {index}] - score)
    return shares


def _alone(scores: Mapping[frozenset[int], float], count: int) -> list[float]:
    """Each difference's effect applied alone to the base."""
    return [scores[frozenset({i})] - scores[frozenset()] for i in range(count)]
