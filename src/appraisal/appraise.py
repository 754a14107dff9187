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
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, InstanceOf

from ._guards import checked_facts, checked_weights, require
from .engine import (
    CompiledModel,
    Outcome,
    aggregate,
    assign_verdicts,
    cell_values,
    competition_ranks,
    compile_model,
    encode,
    evaluate,
    verdict_metrics,
    verdict_ranks,
)
from .errors import AppraisalError, UnknownReferenceError
from .loader import LoadedScenario, load_scenario
from .models import EvidenceItem, RuleBase, Scenario, Value
from .rules import RuleFiring
from .scoring import CriterionValue, GateFailure, option_records
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

CompiledRuleBase = CompiledModel
"""The compiled rule base an appraisal evaluates (``engine.CompiledModel``)."""


def compile_rule_base(rule_base: RuleBase) -> CompiledModel:
    """Compile a rule base for ``appraise_facts``: rule order, indices, conditions.

    ``load_scenario`` compiles the rule base it loads (``LoadedScenario.model``),
    with each rule's file and line; compile here a rule base made in code.
    """
    require(rule_base, RuleBase, "rule_base")
    return compile_model(rule_base)


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
    model: InstanceOf[CompiledModel] = Field(exclude=True, repr=False)
    """The compiled rule base evaluated, for explanation and sensitivity analysis."""
    raw_weights: dict[str, float] = Field(exclude=True, repr=False)
    """Every criterion's raw weight as used: the rule base's, with the overrides applied."""
    scenario_model: Scenario | None = Field(default=None, exclude=True, repr=False)
    """The scenario's evidence with sources, when appraised from a scenario."""

    def option(self, option_id: str) -> OptionResult:
        for result in self.options:
            if result.id == option_id:
                return result
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
    compiled: CompiledModel | None = None,
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
        compiled = loaded.model
    require(compiled, CompiledModel, "compiled")
    if compiled.rule_base is not loaded.rule_base and compiled.rule_base != loaded.rule_base:
        raise AppraisalError(
            f"compiled is rule base {compiled.rule_base.id!r} (or another version of it),"
            f" not the scenario's {loaded.rule_base.id!r}"
        )
    facts: dict[str, Value | None] = evidence_values(loaded.scenario.evidence)
    facts.update(checked_facts(loaded.rule_base, evidence or {}))
    known = compiled.tree.paths()
    all_weights = {**loaded.scenario.weights, **checked_weights(loaded.rule_base, weights, known)}
    return appraise_facts(
        compiled,
        facts,
        all_weights,
        scenario=loaded.scenario.title,
        scenario_path=loaded.path,
        scenario_model=loaded.scenario,
    )


def appraise_facts(
    compiled: CompiledModel,
    facts: Mapping[str, Value | None],
    weights: Mapping[str, float] | None = None,
    *,
    scenario: str = "",
    scenario_path: str | None = None,
    scenario_model: Scenario | None = None,
) -> Appraisal:
    """The pipeline proper, on fact values rather than a loaded scenario.

    ``facts`` and ``weights`` (raw weight overrides) are checked as
    ``appraise`` checks its overrides. The engine evaluates them as a batch
    of one; this builds the records from what it computed, of their declared
    types, without validating them again (a first validation would build every
    record class's validator, a cost each new process would pay).
    """
    require(compiled, CompiledModel, "compiled")
    rule_base = compiled.rule_base
    tree = compiled.tree
    facts = checked_facts(rule_base, facts)
    weights = checked_weights(rule_base, weights, tree.paths())
    raw = tree.raw_weights(weights)
    global_weights = tree.global_weights(raw)
    outcome = evaluate(compiled, encode(compiled, [facts]))
    cells = cell_values(compiled, outcome.fired)
    totals = aggregate(tree, global_weights, cells.utility)
    valid = ~cells.excluded
    better = competition_ranks(totals.score, valid, ties=False)[0]
    ranks = verdict_ranks(compiled, totals, valid, better, every=True)  # the records show all
    verdicts = assign_verdicts(
        compiled, outcome.columns, verdict_metrics(totals, cells.excluded, ranks)
    )
    values, failures = option_records(compiled, cells, outcome.fired)
    results = []
    for i, option_id in enumerate(compiled.options):
        ranked = bool(valid[0, i])
        index = int(verdicts[0, i])
        results.append(
            OptionResult.model_construct(
                id=option_id,
                name=rule_base.options[option_id].name,
                score=float(totals.score[0, i]),
                short_term_score=float(totals.short_term[0, i]),
                long_term_score=float(totals.long_term[0, i]),
                rank=int(ranks["rank"][0, i]) if ranked else None,
                short_term_rank=int(ranks["short_term_rank"][0, i]) if ranked else None,
                long_term_rank=int(ranks["long_term_rank"][0, i]) if ranked else None,
                excluded=not ranked,
                gate_failures=tuple(failures[option_id]),
                verdict=rule_base.verdicts[index].verdict,
                verdict_rule=index,
                values=values[option_id],
                contributions={
                    tree.ids[c]: float(totals.contributions[c, 0, i]) for c in tree.postorder()
                },
            )
        )
    results.sort(key=lambda r: (r.excluded, r.rank or 0, -r.score))
    decoded = _decoded(compiled, outcome)
    recommending = rule_base.recommending_verdict
    recommended = [r.id for r in results if r.verdict == recommending]
    first = tuple(r.id for r in results if r.rank == 1)
    return Appraisal.model_construct(
        scenario=scenario,
        scenario_path=scenario_path,
        rule_base=rule_base.id,
        options=tuple(results),
        recommended=recommended[0] if len(recommended) == 1 else None,
        tied_first=first if len(first) > 1 else (),
        weights={tree.ids[c]: float(global_weights[c]) for c in tree.declared},
        evidence={f: facts.get(f) for f in rule_base.facts},
        findings={f: decoded[f] for f in rule_base.findings},
        firings=_firings(compiled, outcome, decoded),
        rule_base_model=rule_base,
        model=compiled,
        raw_weights={tree.ids[c]: float(raw[c]) for c in tree.declared},
        scenario_model=scenario_model,
    )


def _decoded(compiled: CompiledModel, outcome: Outcome) -> dict[str, Value | None]:
    """Every fact's and finding's value after the rules ran (first row), as written."""
    columns = outcome.columns
    known = columns.known[:, 0].tolist()
    values = columns.values[:, 0].tolist()
    return {
        name: compiled.decode(column, values[column], columns.texts) if known[column] else None
        for column, name in enumerate(compiled.columns)
    }


def _firings(
    compiled: CompiledModel, outcome: Outcome, decoded: Mapping[str, Value | None]
) -> tuple[RuleFiring, ...]:
    """Every rule's evaluation (first row), with each fact it read and that fact's value
    (``decoded``).

    Built without validating again what the loader validated (the rules' effects
    are the rule base's own models, the values decoded from the engine's columns).
    """
    firings = []
    for position, rule_id in enumerate(compiled.order):
        reads = {name: decoded.get(name) for name in compiled.reads[rule_id]}
        if outcome.fired[position, 0]:
            effects = tuple(compiled.rule_base.rules[rule_id].then)
            firings.append(
                RuleFiring.model_construct(
                    rule=rule_id, status="fired", reads=reads, effects=effects
                )
            )
        else:
            status: Literal["not_fired", "unknown"] = (
                "unknown" if outcome.unknown[position, 0] else "not_fired"
            )
            firings.append(RuleFiring.model_construct(rule=rule_id, status=status, reads=reads))
    return tuple(firings)


def option_metrics(
    *,
    rank: int | None,
    short_term_rank: int | None,
    long_term_rank: int | None,
    score: float,
    short_term_score: float,
    long_term_score: float,
    excluded: bool,
) -> dict[str, Value | None]:
    """What verdict rules may test about one option (``engine.METRICS``); no rank = unknown."""
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
    compiled: CompiledModel,
    facts: Mapping[str, Value | None],
    metrics: Mapping[str, Value | None],
) -> int:
    """The index of the first verdict rule that holds for one option, given every fact and
    finding and the option's metrics (``option_metrics``): the engine's, for one row."""
    columns = encode(compiled, [facts], findings=True, only=compiled.verdict_columns)
    arrays = {}
    for name, value in metrics.items():
        number = float(value) if isinstance(value, bool | float | int) else 0.0
        known = value is not None
        arrays[name] = (np.full((1, 1), known), np.full((1, 1), number))
    return int(assign_verdicts(compiled, columns, arrays)[0, 0])
