"""The pipeline: evidence -> rules -> values -> scores -> ranks -> verdicts.

``appraise`` is the one call most users need. It returns an ``Appraisal``: plain,
frozen data holding every intermediate (rule firings with the facts they read,
each value's baseline and the rules that moved it, contributions, gate
failures), so explanation reads records and never recomputes. Rendering is in
``render``; a result shows itself (a short ``repr``, ``print`` and notebook HTML)
through ``tables``, and ``Appraisal.to_frame`` gives a pandas DataFrame.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from ._guards import checked_facts, checked_weights, require
from .errors import AppraisalError, RuleEvaluationError, ScoringError
from .graph import build_graph, rule_order
from .loader import LoadedScenario, criteria_paths, leaf_criteria, load_scenario
from .models import Criterion, EvidenceItem, RuleBase, Scenario, Value
from .rules import RuleFiring, evaluate_condition, evaluate_rules, level_orders
from .scoring import (
    CriterionValue,
    GateFailure,
    competition_ranks,
    criterion_weights,
    option_values,
    score_options,
)
from .tables import (
    Displayable,
    Summary,
    Table,
    counted,
    fixed,
    quoted,
    require_pandas,
    signed,
    words,
)

if TYPE_CHECKING:
    from pandas import DataFrame

__all__ = [
    "Appraisal",
    "CompiledRuleBase",
    "OptionResult",
    "appraise",
    "appraise_facts",
    "compile_rule_base",
]


@dataclass(frozen=True, repr=False)
class CompiledRuleBase(Displayable):
    """A rule base with what evaluation needs worked out once: graph and rule order."""

    rule_base: RuleBase
    graph: nx.DiGraph
    order: tuple[str, ...]
    scales: Mapping[str, Mapping[str, int]]
    leaves: Mapping[str, Criterion]

    def _summary(self) -> Summary:
        rule_base = self.rule_base
        return Summary(
            kind="CompiledRuleBase",
            headline=f"{rule_base.id!r}: {counted(len(rule_base.options), 'option')},"
            f" {counted(len(self.leaves), 'leaf criterion', 'leaf criteria')},"
            f" {counted(len(self.order), 'rule')}",
        )


_COMPILED: dict[int, tuple[RuleBase, CompiledRuleBase]] = {}
"""Recently compiled rule bases, by object; the entry holds the object, so its id stays valid."""


def compile_rule_base(rule_base: RuleBase, graph: nx.DiGraph | None = None) -> CompiledRuleBase:
    """Work out the graph (unless given, already built) and the rule order once.

    Compiled once per rule base object: appraising, explaining and analysing
    the same rule base share the work (rule bases are frozen).
    """
    require(rule_base, RuleBase, "rule_base")
    hit = _COMPILED.get(id(rule_base))
    if hit is not None and hit[0] is rule_base:
        return hit[1]
    graph = build_graph(rule_base) if graph is None else graph
    compiled = CompiledRuleBase(
        rule_base=rule_base,
        graph=graph,
        order=tuple(rule_order(graph, rule_base)),
        scales=level_orders(rule_base),
        leaves=leaf_criteria(rule_base),
    )
    if len(_COMPILED) >= 8:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[id(rule_base)] = (rule_base, compiled)
    return compiled


class _Result(Displayable, BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class OptionResult(_Result):
    """One option's standing: scores, ranks, verdict, and how its values arose."""

    id: str
    name: str
    score: float
    short_term_score: float
    long_term_score: float
    rank: int | None
    short_term_rank: int | None
    long_term_rank: int | None
    excluded: bool
    gate_failures: tuple[GateFailure, ...]
    verdict: str
    verdict_rule: int
    values: dict[str, CriterionValue]
    contributions: dict[str, float]

    def _summary(self) -> Summary:
        standing = "excluded" if self.excluded else f"rank {self.rank}, score {fixed(self.score)}"
        gates = [f"fails gate {f.gate} (rule {f.rule})" for f in self.gate_failures]
        rows = tuple(
            (
                criterion,
                fixed(value.baseline),
                fixed(value.value),
                signed(self.contributions.get(criterion, 0.0)),
            )
            for criterion, value in self.values.items()
        )
        return Summary(
            kind="OptionResult",
            headline=f"{self.id}: {standing}, {words(self.verdict)}",
            title=f"{self.name} ({self.id}): {standing}, {words(self.verdict)}",
            lines=(
                f"Short term {fixed(self.short_term_score)} (rank {self.short_term_rank or '-'}),"
                f" long term {fixed(self.long_term_score)} (rank {self.long_term_rank or '-'}).",
                *(gate.capitalize() + "." for gate in gates),
            ),
            tables=(
                Table(
                    ("Criterion", "Baseline", "Value", "Points"),
                    rows,
                    align="lrrr",
                    caption="Leaf criteria: value (0-100) and points in the score",
                ),
            ),
        )


FRAME_COLUMNS = (
    "name",
    "rank",
    "score",
    "short_term_rank",
    "short_term_score",
    "long_term_rank",
    "long_term_score",
    "verdict",
    "excluded",
)
"""The columns of ``Appraisal.to_frame`` before the leaf criteria."""


class Appraisal(_Result):
    """The whole result of appraising one scenario."""

    scenario: str
    scenario_path: str | None
    rule_base: str
    options: tuple[OptionResult, ...]
    """In rank order; excluded options last."""
    recommended: str | None
    tied_first: tuple[str, ...]
    weights: dict[str, float]
    evidence: dict[str, Value | None]
    findings: dict[str, Value | None]
    firings: tuple[RuleFiring, ...]
    rule_base_model: RuleBase = Field(exclude=True, repr=False)
    """The rule base appraised against, for citations; left out of JSON dumps."""
    scenario_model: Scenario | None = Field(default=None, exclude=True, repr=False)
    """The scenario's evidence with sources, when appraised from a scenario."""

    def option(self, option_id: str) -> OptionResult:
        for result in self.options:
            if result.id == option_id:
                return result
        from .errors import UnknownReferenceError

        raise UnknownReferenceError("option", option_id, [o.id for o in self.options])

    @property
    def ranking(self) -> list[str]:
        return [o.id for o in self.options if not o.excluded]

    def to_frame(self, criteria: Literal["value", "utility", "points"] = "value") -> DataFrame:
        """The options as a pandas DataFrame, one row each in rank order (needs pandas).

        The index is the option id; the columns are ``FRAME_COLUMNS`` (ranks
        are nullable integers, empty for an excluded option), then one column
        per *leaf* criterion, in declaration order, holding the criterion's
        ``value`` (0-100), its ``utility`` (the value, reversed when the
        criterion is minimised) or its ``points`` in the score (global weight x
        utility). Parent criteria are left out, so a row never counts a
        criterion twice: with ``points``, the leaf columns sum to ``score``. A
        leaf criterion whose id is one of ``FRAME_COLUMNS`` is named
        ``criterion:<id>``.
        """
        if criteria not in ("value", "utility", "points"):
            raise ValueError(f"criteria is 'value', 'utility' or 'points', not {criteria!r}")
        require_pandas()
        import pandas

        leaves = list(self.options[0].values) if self.options else []
        names = {leaf: f"criterion:{leaf}" if leaf in FRAME_COLUMNS else leaf for leaf in leaves}
        rows = []
        for option in self.options:
            row: dict[str, object] = {column: getattr(option, column) for column in FRAME_COLUMNS}
            for leaf in leaves:
                cell = option.values[leaf]
                row[names[leaf]] = (
                    option.contributions[leaf]
                    if criteria == "points"
                    else cell.utility
                    if criteria == "utility"
                    else cell.value
                )
            rows.append(row)
        frame = pandas.DataFrame(
            rows,
            index=pandas.Index([o.id for o in self.options], name="option"),
            columns=[*FRAME_COLUMNS, *names.values()],
        )
        ranks = ["rank", "short_term_rank", "long_term_rank"]
        return frame.astype({column: "Int64" for column in ranks})

    def _summary(self) -> Summary:
        if self.recommended is not None:
            chosen = self.option(self.recommended)
            outcome = f"recommended {self.recommended} ({fixed(chosen.score)})"
            line = f"Recommended: {chosen.name} ({chosen.id}), score {fixed(chosen.score)}."
        elif self.tied_first:
            outcome = f"no recommendation; tied first: {', '.join(self.tied_first)}"
            line = f"No option is recommended; tied first: {', '.join(self.tied_first)}."
        else:
            outcome = "no option recommended"
            line = "No option is recommended."
        lines = [line]
        rows = []
        for option in self.options:
            if option.excluded:
                gates = ", ".join(f.gate for f in option.gate_failures)
                lines.append(f"Excluded: {option.id} fails gate {gates}.")
            rows.append(
                (
                    str(option.rank or "-"),
                    option.id,
                    option.name,
                    "excluded" if option.excluded else fixed(option.score),
                    fixed(option.short_term_score),
                    fixed(option.long_term_score),
                    words(option.verdict),
                )
            )
        return Summary(
            kind="Appraisal",
            headline=f"{quoted(self.scenario)}: {outcome}; {counted(len(self.options), 'option')}",
            title=self.scenario,
            lines=tuple(lines),
            tables=(
                Table(
                    ("Rank", "Option", "Name", "Score", "Short term", "Long term", "Verdict"),
                    tuple(rows),
                    align="rllrrrl",
                    strong=frozenset(
                        i for i, o in enumerate(self.options) if o.id == self.recommended
                    ),
                    muted=frozenset(i for i, o in enumerate(self.options) if o.excluded),
                ),
            ),
            notes=(
                "Scores are weighted sums of criterion values on an absolute 0-100 scale"
                " (not rescaled over the options compared).",
                "explain(result) says why; result.to_frame() gives a pandas DataFrame.",
            ),
        )


def evidence_values(evidence: Mapping[str, EvidenceItem]) -> dict[str, Value | None]:
    return {evidence_id: item.value for evidence_id, item in evidence.items()}


def appraise(
    scenario: LoadedScenario | str | Path,
    *,
    weights: Mapping[str, float] | None = None,
    evidence: Mapping[str, Value | None] | None = None,
    compiled: CompiledRuleBase | None = None,
) -> Appraisal:
    """Appraise a scenario (a loaded one, or a path to load).

    ``weights`` and ``evidence`` override the scenario's own, for what-if runs
    from code; a ``None`` evidence value makes that fact unknown. They are
    checked as a scenario file is: an unknown id, a negative or non-finite
    weight, or a value not of its fact's type raises an ``AppraisalError``
    naming the field.
    """
    if isinstance(scenario, LoadedScenario):
        loaded = scenario
    elif isinstance(scenario, str | os.PathLike):
        loaded = load_scenario(scenario)
    else:
        raise TypeError(f"appraise takes a LoadedScenario or a path, not {type(scenario).__name__}")
    if compiled is None:
        compiled = compile_rule_base(loaded.rule_base, loaded.graph)
    require(compiled, CompiledRuleBase, "compiled")
    if compiled.rule_base is not loaded.rule_base and compiled.rule_base != loaded.rule_base:
        raise AppraisalError(
            f"compiled is rule base {compiled.rule_base.id!r} (or another version of it),"
            f" not the scenario's {loaded.rule_base.id!r}"
        )
    facts: dict[str, Value | None] = evidence_values(loaded.scenario.evidence)
    facts.update(checked_facts(loaded.rule_base, evidence or {}))
    known = criteria_paths(loaded.rule_base)
    all_weights = {**loaded.scenario.weights, **checked_weights(loaded.rule_base, weights, known)}
    try:
        return appraise_facts(
            compiled,
            facts,
            all_weights,
            scenario=loaded.scenario.title,
            scenario_path=loaded.path,
            scenario_model=loaded.scenario,
        )
    except (RuleEvaluationError, ScoringError) as error:
        _locate_in_rule_base(error, loaded)
        raise


def _locate_in_rule_base(error: AppraisalError, loaded: LoadedScenario) -> None:
    """Point an error about a rule (``rules.<id>``) at its line in the rule base file."""
    field_name = error.location.field or ""
    if error.location.path is None and loaded.rule_base_marks and field_name.startswith("rules."):
        rule_id = field_name.removeprefix("rules.")
        error.location = loaded.rule_base_marks.locate(("rules", rule_id))


def appraise_facts(
    compiled: CompiledRuleBase,
    facts: Mapping[str, Value | None],
    weights: Mapping[str, float] | None = None,
    *,
    scenario: str = "",
    scenario_path: str | None = None,
    scenario_model: Scenario | None = None,
) -> Appraisal:
    """The pipeline proper, on fact values rather than a loaded scenario.

    ``facts`` and ``weights`` are checked as ``appraise`` checks its overrides.
    """
    require(compiled, CompiledRuleBase, "compiled")
    rule_base = compiled.rule_base
    facts = checked_facts(rule_base, facts)
    weights = checked_weights(rule_base, weights, criteria_paths(rule_base))
    outcome = evaluate_rules(rule_base, facts, compiled.order, compiled.scales)
    values, failures = option_values(rule_base, outcome.firings)
    global_weights = criterion_weights(rule_base, weights)
    scores = score_options(rule_base, values, failures, global_weights)

    eligible = [o for o, s in scores.items() if not s.excluded]
    ranks = competition_ranks({o: scores[o].score for o in eligible})
    short_ranks = competition_ranks({o: scores[o].short_term_score for o in eligible})
    long_ranks = competition_ranks({o: scores[o].long_term_score for o in eligible})

    results = []
    for option_id, score in scores.items():
        metrics = verdict_metrics(
            rank=ranks.get(option_id),
            short_term_rank=short_ranks.get(option_id),
            long_term_rank=long_ranks.get(option_id),
            score=score.score,
            short_term_score=score.short_term_score,
            long_term_score=score.long_term_score,
            excluded=score.excluded,
        )
        verdict_index = verdict_rule(compiled, outcome.facts, metrics)
        results.append(
            OptionResult(
                id=option_id,
                name=rule_base.options[option_id].name,
                score=score.score,
                short_term_score=score.short_term_score,
                long_term_score=score.long_term_score,
                rank=ranks.get(option_id),
                short_term_rank=short_ranks.get(option_id),
                long_term_rank=long_ranks.get(option_id),
                excluded=score.excluded,
                gate_failures=score.gate_failures,
                verdict=rule_base.verdicts[verdict_index].verdict,
                verdict_rule=verdict_index,
                values=score.values,
                contributions=score.contributions,
            )
        )
    results.sort(key=lambda r: (r.excluded, r.rank or 0, -r.score))
    recommending = rule_base.recommending_verdict
    recommended = [r.id for r in results if r.verdict == recommending]
    first = tuple(r.id for r in results if r.rank == 1)
    return Appraisal(
        scenario=scenario,
        scenario_path=scenario_path,
        rule_base=rule_base.id,
        options=tuple(results),
        recommended=recommended[0] if len(recommended) == 1 else None,
        tied_first=first if len(first) > 1 else (),
        weights=global_weights,
        evidence={f: facts.get(f) for f in rule_base.facts},
        findings=dict(outcome.findings),
        firings=tuple(outcome.firings),
        rule_base_model=rule_base,
        scenario_model=scenario_model,
    )


def verdict_metrics(
    *,
    rank: int | None,
    short_term_rank: int | None,
    long_term_rank: int | None,
    score: float,
    short_term_score: float,
    long_term_score: float,
    excluded: bool,
) -> dict[str, Value | None]:
    """What verdict rules may test about one option (``rules.METRICS``); no rank = unknown."""
    return {
        "rank": None if rank is None else float(rank),
        "short_term_rank": None if short_term_rank is None else float(short_term_rank),
        "long_term_rank": None if long_term_rank is None else float(long_term_rank),
        "score": score,
        "short_term_score": short_term_score,
        "long_term_score": long_term_score,
        "excluded": excluded,
    }


def verdict_rule(
    compiled: CompiledRuleBase,
    facts: Mapping[str, Value | None],
    metrics: Mapping[str, Value | None],
) -> int:
    """The index of the first verdict rule that holds for an option (the last always does)."""
    for index, rule in enumerate(compiled.rule_base.verdicts):
        if rule.otherwise or (
            rule.when is not None
            and evaluate_condition(rule.when, facts, compiled.scales, metrics) is True
        ):
            return index
    raise ScoringError("no verdict rule applies (the last must be 'otherwise: true')")
