"""Expectations as tests: does a scenario's appraisal reach the answer it says it should?

A scenario taken from a real decision can record that decision in an
``expect:`` block. Checking it turns the bundled cases into regression tests of
the rule base, and a miss is reported with the explanation's own figures (the
standing of the options involved, the criteria and evidence that separate
them) so the analyst can see at once which rule or which item of evidence to
look at. Nothing here recomputes a score: every figure is read from the
appraisal or from ``explain``.

**Drivers named for an option** (what ``expect.drivers`` is checked against):
the facts whose evidence the attribution credits with non-zero points of the
option's score (the evidence drivers that ``run`` and the narrative list), and
the facts upstream of every rule that moved one of the option's values or
failed it on a gate (the evidence each rule driver cites: what the rule reads,
and what the findings it reads rest on).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .appraise import Appraisal, OptionResult, appraise
from .explain import (
    Attribution,
    Driver,
    EvidenceCitation,
    attribute,
    cite_evidence,
    drivers,
    evidence_drivers,
    gate_drivers,
    versus,
)
from .loader import LoadedScenario, load_scenario
from .models import Expectation
from .tables import Displayable, Summary, Table, counted, quoted

__all__ = [
    "CriterionGap",
    "EvidenceGap",
    "ExpectationResult",
    "Gap",
    "Miss",
    "Standing",
    "check_expectations",
    "named_drivers",
]

_NEGLIGIBLE = 1e-9
"""Points below this are rounding noise, not a difference worth naming."""


class _Result(Displayable, BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Standing(_Result):
    """Where one option ended up: enough to judge a miss without running ``explain``."""

    id: str
    name: str
    score: float
    rank: int | None
    short_term_rank: int | None
    long_term_rank: int | None
    verdict: str
    excluded: bool
    gate_failures: tuple[Driver, ...]
    """The rules that failed it on a gate, with the evidence they cite."""


class CriterionGap(_Result):
    """One leaf criterion's share of the difference between two options, in score points."""

    criterion: str
    name: str
    points: float


class EvidenceGap(_Result):
    """One evidence item's attributed points for the first option minus the second's."""

    evidence: EvidenceCitation
    points: float


class Gap(_Result):
    """Why option ``a`` scores above (or below) ``b``, from the explanation's pairwise view.

    ``difference`` is ``baseline`` (the difference with every evidence item
    unknown) plus the sum of every item's attributed difference; only the
    largest parts are kept.
    """

    a: str
    b: str
    difference: float
    baseline: float
    criteria: tuple[CriterionGap, ...]
    evidence: tuple[EvidenceGap, ...]


class Miss(_Result):
    """One expectation the appraisal does not meet, with what explains it."""

    kind: Literal["recommended", "verdict", "driver"]
    option: str | None
    """The option whose verdict or drivers missed; None for ``recommended``."""
    expected: str | None
    actual: str | None
    """The actual recommended option or verdict; None for a driver, or when none is recommended."""
    standings: tuple[Standing, ...]
    """The options involved: the actual before the expected, or the option before its rival."""
    gap: Gap | None
    """Between the first two standings; None when one is excluded or there is no rival."""
    evidence: EvidenceCitation | None = None
    """For a driver: the expected fact's evidence (its value may be unknown)."""
    named: dict[str, float] = {}
    """For a driver: the drivers named for the option, with their attributed points."""


class ExpectationResult(_Result):
    """The outcome of checking one scenario's ``expect`` block."""

    scenario: str
    path: str | None
    status: Literal["pass", "fail", "none"]
    """``none`` when the scenario declares no expectation."""
    expectation: Expectation | None
    recommended: str | None
    """The option actually recommended."""
    checks: int
    """How many expectations were checked: the recommendation, each verdict, each driver."""
    misses: tuple[Miss, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status != "fail"

    def _summary(self) -> Summary:
        outcome = {"pass": "passes", "fail": "fails", "none": "expects nothing"}[self.status]
        missed = f", {len(self.misses)} missed" if self.misses else ""
        checks = counted(self.checks, "check")
        rows = tuple(
            (miss.kind, miss.option or "-", miss.expected or "-", miss.actual or "-")
            for miss in self.misses
        )
        return Summary(
            kind="ExpectationResult",
            headline=f"{quoted(self.scenario)}: {outcome} ({checks}{missed})",
            title=self.scenario,
            lines=(f"{outcome.capitalize()}: {checks}; recommended {self.recommended or 'none'}.",),
            tables=(Table(("Missed", "Option", "Expected", "Actual"), rows),) if rows else (),
        )


def check_expectations(
    scenario: LoadedScenario | str | Path,
    *,
    result: Appraisal | None = None,
    top: int = 3,
) -> ExpectationResult:
    """Appraise a scenario (unless ``result`` is its appraisal) and compare it with ``expect``.

    ``top`` bounds the criteria and evidence kept to explain each gap.
    """
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    expect = loaded.scenario.expect
    appraisal = result if result is not None else appraise(loaded)
    if expect is None:
        return ExpectationResult(
            scenario=loaded.scenario.title,
            path=loaded.path,
            status="none",
            expectation=None,
            recommended=appraisal.recommended,
            checks=0,
        )
    attribution: Callable[[], Attribution] = functools.cache(lambda: attribute(appraisal))
    misses: list[Miss] = []
    if appraisal.recommended != expect.recommended:
        misses.append(_recommended_miss(appraisal, expect.recommended, attribution, top))
    for option_id, verdict in expect.verdicts.items():
        option = appraisal.option(option_id)
        if option.verdict != verdict:
            misses.append(_verdict_miss(appraisal, option, verdict, attribution, top))
    for option_id, fact_ids in expect.drivers.items():
        named = named_drivers(appraisal, option_id, attribution())
        for fact_id in fact_ids:
            if fact_id not in named:
                misses.append(_driver_miss(appraisal, option_id, fact_id, named))
    checks = 1 + len(expect.verdicts) + sum(len(f) for f in expect.drivers.values())
    return ExpectationResult(
        scenario=loaded.scenario.title,
        path=loaded.path,
        status="fail" if misses else "pass",
        expectation=expect,
        recommended=appraisal.recommended,
        checks=checks,
        misses=tuple(misses),
    )


def named_drivers(
    appraisal: Appraisal, option: str | OptionResult, attribution: Attribution | None = None
) -> dict[str, float]:
    """The facts the explanation names as drivers of an option, with their attributed points.

    Evidence drivers (non-zero attribution) come first, largest first; then the
    facts cited by the rules that moved the option's values or failed it on a
    gate, which may carry no points of their own (a gate excludes an option
    without changing its score).
    """
    result = appraisal.option(option) if isinstance(option, str) else option
    attribution = attribution or attribute(appraisal)
    points = attribution.options[result.id].attribution
    found = {d.evidence.id: d.points for d in evidence_drivers(appraisal, result, attribution)}
    for driver in drivers(appraisal, result):
        for cited in driver.evidence:
            found.setdefault(cited.id, points.get(cited.id, 0.0))
    return found


# --------------------------------------------------------------------------- misses


def _rival(appraisal: Appraisal, option_id: str | None) -> str | None:
    """The best-ranked option other than this one (the runner-up when it is first)."""
    return next((o for o in appraisal.ranking if o != option_id), None)


def _recommended_miss(
    appraisal: Appraisal,
    expected: str | None,
    attribution: Callable[[], Attribution],
    top: int,
) -> Miss:
    actual = appraisal.recommended
    pair: tuple[str | None, str | None]
    if actual is not None and expected is not None:
        pair = (actual, expected)
    elif actual is not None:
        pair = (actual, _rival(appraisal, actual))
    else:
        pair = (_rival(appraisal, expected), expected)
    standings, gap = _compared(appraisal, pair, attribution, top)
    return Miss(
        kind="recommended",
        option=None,
        expected=expected,
        actual=actual,
        standings=standings,
        gap=gap,
    )


def _verdict_miss(
    appraisal: Appraisal,
    option: OptionResult,
    expected: str,
    attribution: Callable[[], Attribution],
    top: int,
) -> Miss:
    pair = (option.id, _rival(appraisal, option.id))
    standings, gap = _compared(appraisal, pair, attribution, top)
    return Miss(
        kind="verdict",
        option=option.id,
        expected=expected,
        actual=option.verdict,
        standings=standings,
        gap=gap,
    )


def _driver_miss(
    appraisal: Appraisal, option_id: str, fact_id: str, named: dict[str, float]
) -> Miss:
    return Miss(
        kind="driver",
        option=option_id,
        expected=fact_id,
        actual=None,
        standings=(_standing(appraisal, appraisal.option(option_id)),),
        gap=None,
        evidence=cite_evidence(appraisal, fact_id),
        named=named,
    )


def _compared(
    appraisal: Appraisal,
    pair: tuple[str | None, str | None],
    attribution: Callable[[], Attribution],
    top: int,
) -> tuple[tuple[Standing, ...], Gap | None]:
    """The standings of the options in ``pair`` that exist, and the gap between them."""
    options = [appraisal.option(o) for o in pair if o is not None]
    standings = tuple(_standing(appraisal, o) for o in options)
    gap = None
    if len(options) == 2 and not any(o.excluded for o in options):
        gap = _gap(appraisal, options[0].id, options[1].id, attribution(), top)
    return standings, gap


def _standing(appraisal: Appraisal, option: OptionResult) -> Standing:
    return Standing(
        id=option.id,
        name=option.name,
        score=option.score,
        rank=option.rank,
        short_term_rank=option.short_term_rank,
        long_term_rank=option.long_term_rank,
        verdict=option.verdict,
        excluded=option.excluded,
        gate_failures=tuple(gate_drivers(appraisal, option)),
    )


def _gap(appraisal: Appraisal, a: str, b: str, attribution: Attribution, top: int) -> Gap:
    """The criteria and the evidence that separate two options most, from ``versus``."""
    pair = versus(appraisal, a, b, attribution)
    spread_a, spread_b = attribution.options[a], attribution.options[b]
    items = set(spread_a.attribution) | set(spread_b.attribution)
    differences = {
        item: spread_a.attribution.get(item, 0.0) - spread_b.attribution.get(item, 0.0)
        for item in items
    }
    largest = sorted(
        (i for i, p in differences.items() if abs(p) > _NEGLIGIBLE),
        key=lambda i: (-abs(differences[i]), i),
    )
    return Gap(
        a=a,
        b=b,
        difference=pair.difference,
        baseline=spread_a.baseline - spread_b.baseline,
        criteria=tuple(
            CriterionGap(criterion=d.criterion, name=d.name, points=d.difference)
            for d in pair.criteria[:top]
            if abs(d.difference) > _NEGLIGIBLE
        ),
        evidence=tuple(
            EvidenceGap(evidence=cite_evidence(appraisal, i), points=differences[i])
            for i in largest[:top]
        ),
    )
