"""``brief``: the briefing of a scenario or an appraisal, gathered from the public functions
of the stages below.

Each part that the input makes impossible to work out is recorded as a
``Problem`` (its ``AppraisalError`` message) and left empty; the rest stands.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TypeVar

from ..appraise import Appraisal, OptionResult, appraise
from ..errors import AppraisalError, Location
from ..explain import (
    Attribution,
    CounterfactualReport,
    EvidenceCounterfactual,
    InformationReport,
    WeightSwitch,
    attribute,
    evidence_counterfactuals,
    evidence_drivers,
    narrative,
    no_recommendation_reason,
    switching_values,
    value_of_information,
)
from ..fingerprint import Fingerprint, scenario_fingerprint
from ..loader import LoadedScenario, load_scenario
from ..models import Criterion, DeriveEffect, Document, Effect, RuleBase, Scenario
from ..rules import facts_read_anywhere
from ..sensitivity import (
    EvidenceResult,
    SMAAResult,
    WeightSweep,
    decision_model,
    evidence_uncertainty,
    smaa,
    weight_prior,
    weight_sweeps,
)
from ..tables import words
from ..version import __version__
from .records import (
    AcceptabilityRow,
    Briefing,
    CounterfactualRow,
    CriterionColumn,
    DocumentRow,
    DriverRow,
    EvidenceChangeRow,
    EvidenceRobustness,
    EvidenceRow,
    FindOutItem,
    FindOutOutcome,
    FiredRule,
    GraphEdge,
    GraphNode,
    GraphState,
    NodeKind,
    NodeState,
    OptionNarrative,
    OptionVerdict,
    Part,
    Problem,
    Recommendation,
    Robustness,
    ScoreRow,
    ScoresMatrix,
    SwitchRow,
    TornadoRow,
    TreeRow,
    VerdictChangeRow,
    WhatWouldChange,
)

__all__ = ["DRIVERS", "FIND_OUT", "SAMPLES", "brief", "paragraphs"]

SAMPLES = 10_000
"""Weight (and evidence) samples drawn for robustness unless told otherwise."""
DRIVERS = 5
"""Evidence items listed per option as weighing most on it."""
FIND_OUT = 5
"""Facts (or pairs of facts) listed as worth finding out next."""

_T = TypeVar("_T")


def brief(
    scenario: Appraisal | LoadedScenario | str | os.PathLike[str],
    *,
    weights: Mapping[str, float] | None = None,
    samples: int = SAMPLES,
    seed: int = 0,
    max_changes: int = 2,
    evidence_samples: bool = True,
    fingerprint: Fingerprint | None = None,
) -> Briefing:
    """The briefing of a scenario (a path, a loaded scenario) or of an appraisal already made.

    ``weights`` override the scenario's raw weights (an appraisal already holds the
    weights it was made with). ``samples`` and ``seed`` drive rank
    acceptability and, with ``evidence_samples``, evidence uncertainty (which
    needs a scenario, not an appraisal). The fingerprint is computed for a
    scenario; for an appraisal, pass it if it is to be shown.
    """
    _check_settings(samples=samples, seed=seed, max_changes=max_changes)
    loaded: LoadedScenario | None = None
    if isinstance(scenario, Appraisal):
        result = scenario
    elif isinstance(scenario, LoadedScenario | str | os.PathLike):
        loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(Path(scenario))
        result = appraise(loaded, weights=weights)
        if fingerprint is None:
            fingerprint = scenario_fingerprint(
                loaded,
                weights=dict(weights or {}),
                samples=samples,
                seed=seed,
                max_changes=max_changes,
                evidence=evidence_samples,
            )
    else:
        raise TypeError(
            f"brief takes an Appraisal, a LoadedScenario or a path, not {type(scenario).__name__}"
        )
    return _Builder(result, loaded, weights or {}).build(
        samples=samples,
        seed=seed,
        max_changes=max_changes,
        evidence_samples=evidence_samples,
        fingerprint=fingerprint,
    )


def _check_settings(*, samples: int, seed: int, max_changes: int) -> None:
    """Refuse settings no analysis can use, as bad input rather than a missing section."""
    for name, value, low, high in (
        ("samples", samples, 1, None),
        ("seed", seed, 0, None),
        ("max_changes", max_changes, 1, 3),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise AppraisalError(f"must be a whole number, not {value!r}", Location(field=name))
        if value < low or (high is not None and value > high):
            wanted = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise AppraisalError(f"must be {wanted}, not {value}", Location(field=name))


class _Builder:
    """Gathers the briefing of one appraisal, recording parts that cannot be worked out."""

    def __init__(
        self, appraisal: Appraisal, loaded: LoadedScenario | None, weights: Mapping[str, float]
    ) -> None:
        self.appraisal = appraisal
        self.loaded = loaded
        self.weights = dict(weights)
        self.rule_base: RuleBase = appraisal.rule_base_model
        self.scenario: Scenario | None = appraisal.scenario_model
        self.problems: list[Problem] = []
        tree = appraisal.model.tree
        self.criteria = {tree.ids[i]: tree.nodes[i] for i in tree.declared}
        """Every criterion by id, as declared (parents before their children)."""
        self.parents = {
            tree.ids[i]: tree.ids[parent] for i in tree.declared if (parent := tree.parents[i]) >= 0
        }
        """Each criterion's parent, for those that have one."""

    # ---- helpers

    def attempt(self, part: Part, work: Callable[[], _T]) -> _T | None:
        """``work()``, or None with the problem recorded when the input makes it impossible."""
        try:
            return work()
        except AppraisalError as error:
            if not any(p.part == part for p in self.problems):
                self.problems.append(Problem(part=part, message=str(error)))
            return None

    def option_name(self, option_id: str | None) -> str | None:
        if option_id is None:
            return None
        option = self.rule_base.options.get(option_id)
        return option.name if option is not None else option_id

    def criterion_name(self, criterion_id: str) -> str:
        criterion = self.criteria.get(criterion_id)
        return (criterion.name if criterion is not None else None) or criterion_id

    # ---- the whole

    def build(
        self,
        *,
        samples: int,
        seed: int,
        max_changes: int,
        evidence_samples: bool,
        fingerprint: Fingerprint | None,
    ) -> Briefing:
        appraisal = self.appraisal
        switches = self.attempt("explanation", lambda: switching_values(appraisal))
        attribution = self.attempt("explanation", lambda: attribute(appraisal))
        report = self.attempt(
            "counterfactuals", lambda: evidence_counterfactuals(appraisal, max_size=max_changes)
        )
        information = self.attempt("find_out_next", lambda: value_of_information(appraisal))
        scenario = self.scenario
        return Briefing(
            title=appraisal.scenario,
            version=__version__,
            description=scenario.description if scenario else None,
            authority=scenario.authority if scenario else None,
            as_of=scenario.as_of if scenario else None,
            rule_base_title=self.rule_base.title,
            scenario_path=appraisal.scenario_path,
            recommendation=self.recommendation(),
            what_would_change=self.what_would_change(switches, report, information),
            scores=self.scores(),
            value_tree=self.value_tree(),
            narratives=self.narratives(attribution, report, switches),
            evidence=self.evidence(),
            unknown_facts=self.unknown_facts(),
            documents=self.documents(),
            robustness=self.attempt(
                "robustness",
                lambda: self.robustness(switches or (), samples, seed, evidence_samples),
            ),
            graph=self.graph(),
            fingerprint=fingerprint,
            problems=tuple(self.problems),
            appraisal=appraisal,
        )

    # ---- the recommendation

    def recommendation(self) -> Recommendation:
        appraisal = self.appraisal
        verdicts = self.rule_base.verdicts
        rows = []
        for option in appraisal.options:
            rule = verdicts[option.verdict_rule]
            rows.append(
                OptionVerdict(
                    id=option.id,
                    name=option.name,
                    rank=option.rank,
                    score=option.score,
                    short_term_score=option.short_term_score,
                    long_term_score=option.long_term_score,
                    verdict=option.verdict,
                    verdict_label=words(option.verdict),
                    recommended=option.id == appraisal.recommended,
                    excluded=option.excluded,
                    verdict_rationale=rule.rationale,
                    verdict_source=str(rule.source) if rule.source else None,
                    failed_gates=tuple(
                        self.rule_base.gates[f.gate].name for f in option.gate_failures
                    ),
                )
            )
        reason = no_recommendation_reason(appraisal)
        return Recommendation(
            headline=self.headline(),
            standing=self.standing(reason),
            recommended=appraisal.recommended,
            recommended_name=self.option_name(appraisal.recommended),
            reason=reason,
            options=tuple(rows),
        )

    def headline(self) -> str:
        if self.appraisal.recommended is None:
            return "No option is recommended."
        return f"Recommended: {_sentence(self.appraisal.option(self.appraisal.recommended).name)}"

    def standing(self, reason: str | None) -> str | None:
        """The recommended option's score and lead, and the options gates exclude; or why
        nothing is recommended."""
        appraisal = self.appraisal
        if appraisal.recommended is None:
            return _sentence(reason[:1].upper() + reason[1:]) if reason else None
        chosen = appraisal.option(appraisal.recommended)
        runner = next((o for o in appraisal.options if not o.excluded and o.id != chosen.id), None)
        text = f"It scores {chosen.score:.1f} out of 100"
        if runner is not None:
            text += (
                f", {chosen.score - runner.score:.1f} points ahead of the next option,"
                f" {runner.name} ({runner.score:.1f})"
            )
        text += "."
        excluded = [o.name for o in appraisal.options if o.excluded]
        if len(excluded) == 1:
            text += f" {excluded[0]} fails a gate and is excluded."
        elif excluded:
            text += f" {_names(excluded)} fail a gate and are excluded."
        return text

    # ---- what would change it

    def what_would_change(
        self,
        switches: tuple[WeightSwitch, ...] | None,
        report: CounterfactualReport | None,
        information: InformationReport | None,
    ) -> WhatWouldChange:
        rows = sorted(
            (self.switch_row(s) for s in switches or ()),
            key=lambda r: abs(r.share - r.current_share),
        )
        decisive: list[CounterfactualRow] = []
        by_verdict: list[CounterfactualRow] = []
        if report is not None:
            decisive = [self.counterfactual_row(c) for c in report.singles if c.changes_winner]
            if not decisive:
                decisive = [self.counterfactual_row(c) for c in report.smallest]
            by_verdict = [
                self.counterfactual_row(c) for c in report.singles if not c.changes_winner
            ]
        items: list[FindOutItem] = []
        pairs = False
        if information is not None:
            pairs = not information.facts and bool(information.pairs)
            for item in (information.facts or information.pairs)[:FIND_OUT]:
                items.append(
                    FindOutItem(
                        facts=item.facts,
                        decisive=item.decisive,
                        margin_shift=item.margin_shift,
                        changing=tuple(
                            FindOutOutcome(
                                answers=o.answers,
                                recommended=o.recommended,
                                recommended_name=self.option_name(o.recommended),
                            )
                            for o in item.changing
                        ),
                    )
                )
        return WhatWouldChange(
            stable_to_weights=switches is not None and not switches,
            switching_values=tuple(rows),
            decisive_evidence=tuple(decisive),
            verdict_evidence=tuple(by_verdict),
            search=report.search if report is not None else None,
            find_out_next=tuple(items),
            find_out_pairs=pairs,
            find_out_considered=information.considered if information is not None else 0,
        )

    def switch_row(self, switch: WeightSwitch) -> SwitchRow:
        return SwitchRow(
            criterion=switch.criterion,
            criterion_name=self.criterion_name(switch.criterion),
            direction=switch.direction,
            current_weight=switch.current_weight,
            weight=switch.weight,
            current_share=switch.current_share,
            share=switch.share,
            new_winner=switch.new_winner,
            new_winner_name=self.option_name(switch.new_winner) or switch.new_winner,
            tied_with=tuple(self.option_name(o) or o for o in switch.tied_with),
        )

    def counterfactual_row(self, found: EvidenceCounterfactual) -> CounterfactualRow:
        evidence = self.scenario.evidence if self.scenario is not None else {}
        return CounterfactualRow(
            changes=tuple(
                EvidenceChangeRow(
                    evidence=c.evidence,
                    statement=evidence[c.evidence].statement if c.evidence in evidence else None,
                    before=c.from_,
                    after=c.to,
                )
                for c in found.changes
            ),
            changes_winner=found.changes_winner,
            new_winner=found.new_winner,
            new_winner_name=self.option_name(found.new_winner),
            verdict_changes=tuple(
                VerdictChangeRow(
                    option=v.option,
                    option_name=self.option_name(v.option) or v.option,
                    before=words(v.from_),
                    after=words(v.to),
                )
                for v in found.verdict_changes
            ),
        )

    # ---- options x criteria, and the value tree

    def scores(self) -> ScoresMatrix:
        appraisal = self.appraisal
        columns = []
        for group_id, group in self.rule_base.criteria.items():
            for leaf_id, leaf in _leaves(group_id, group):
                columns.append(
                    CriterionColumn(
                        id=leaf_id,
                        name=leaf.name or leaf_id,
                        group=group_id,
                        group_name=group.name or group_id,
                        horizon=leaf.horizon,
                        direction=leaf.direction,
                        global_weight=appraisal.weights[leaf_id],
                    )
                )
        rows = tuple(
            ScoreRow(
                id=o.id,
                name=o.name,
                excluded=o.excluded,
                values={c.id: o.values[c.id].value for c in columns},
                contributions={c.id: o.contributions[c.id] for c in columns},
                group_contributions={g: o.contributions[g] for g in self.rule_base.criteria},
                total=o.score,
            )
            for o in appraisal.options
        )
        groups = tuple((g, c.name or g) for g, c in self.rule_base.criteria.items())
        return ScoresMatrix(criteria=tuple(columns), groups=groups, rows=rows)

    def value_tree(self) -> tuple[TreeRow, ...]:
        raw = self.appraisal.raw_weights
        weights = self.appraisal.weights
        rows: list[TreeRow] = []

        def walk(criteria: Mapping[str, Criterion], depth: int, parent: str | None) -> None:
            total = sum(raw[c] for c in criteria)
            for criterion_id, criterion in criteria.items():
                weight = raw[criterion_id]
                rows.append(
                    TreeRow(
                        id=criterion_id,
                        name=criterion.name or criterion_id,
                        depth=depth,
                        parent=parent,
                        leaf=not criterion.children,
                        raw_weight=weight,
                        local_weight=weight / total if total > 0 else 0.0,
                        global_weight=weights[criterion_id],
                        horizon=criterion.horizon,
                        direction=criterion.direction,
                        description=criterion.description,
                    )
                )
                walk(criterion.children, depth + 1, criterion_id)

        walk(self.rule_base.criteria, 0, None)
        return tuple(rows)

    # ---- narrative per option

    def narratives(
        self,
        attribution: Attribution | None,
        report: CounterfactualReport | None,
        switches: tuple[WeightSwitch, ...] | None,
    ) -> tuple[OptionNarrative, ...]:
        appraisal = self.appraisal
        found = []
        for option in appraisal.options:
            text = None
            drivers: list[DriverRow] = []
            if attribution is not None and report is not None and switches is not None:
                text = self.attempt(
                    "narrative",
                    partial(narrative, appraisal, option, attribution, report, switches),
                )
            if attribution is not None:
                listed = self.attempt(
                    "narrative", partial(evidence_drivers, appraisal, option, attribution)
                )
                drivers = [
                    DriverRow(
                        evidence=d.evidence.id,
                        statement=d.evidence.statement,
                        value=d.evidence.value,
                        source=d.evidence.source,
                        points=d.points,
                        rule_sources=d.rule_sources,
                    )
                    for d in (listed or [])[:DRIVERS]
                ]
            found.append(
                OptionNarrative(
                    id=option.id,
                    name=option.name,
                    verdict_label=words(option.verdict),
                    narrative=paragraphs(text) if text else (),
                    drivers=tuple(drivers),
                    gate_failures=self.gate_lines(option),
                )
            )
        return tuple(found)

    def gate_lines(self, option: OptionResult) -> tuple[str, ...]:
        lines = []
        for failure in option.gate_failures:
            gate = self.rule_base.gates[failure.gate]
            rule = self.rule_base.rules[failure.rule]
            why = rule.rationale or rule.description or failure.rule
            cite = f" ({rule.source})" if rule.source else ""
            lines.append(f"Fails the gate '{gate.name}': {why.rstrip()}{cite}")
        return tuple(lines)

    # ---- evidence and documents

    def evidence(self) -> tuple[EvidenceRow, ...]:
        if self.scenario is None:
            return ()
        read = facts_read_anywhere(self.rule_base)
        documents = self.all_documents()
        return tuple(
            EvidenceRow(
                id=item_id,
                statement=item.statement,
                value=item.value,
                unit=item.unit or _fact_unit(self.rule_base, item_id),
                source=str(item.source),
                document=documents[item.source.document].title
                if item.source.document in documents
                else None,
                confidence=item.confidence,
                range=item.range,
                read_by_rules=item_id in read,
            )
            for item_id, item in self.scenario.evidence.items()
        )

    def unknown_facts(self) -> tuple[tuple[str, str | None], ...]:
        read = facts_read_anywhere(self.rule_base)
        return tuple(
            (fact_id, spec.description)
            for fact_id, spec in self.rule_base.facts.items()
            if fact_id in read and self.appraisal.evidence.get(fact_id) is None
        )

    def all_documents(self) -> dict[str, Document]:
        scenario_documents = self.scenario.documents if self.scenario else {}
        return {**self.rule_base.documents, **scenario_documents}

    def documents(self) -> tuple[DocumentRow, ...]:
        return tuple(
            DocumentRow(
                id=doc_id,
                title=doc.title,
                date=doc.date,
                publisher=doc.publisher,
                url=doc.url,
            )
            for doc_id, doc in self.all_documents().items()
        )

    # ---- robustness

    def robustness(
        self,
        switches: tuple[WeightSwitch, ...],
        samples: int,
        seed: int,
        evidence_samples: bool,
    ) -> Robustness:
        appraisal = self.appraisal
        model = decision_model(appraisal)
        prior = weight_prior(self.rule_base, self.scenario)
        result: SMAAResult = smaa(model, prior, samples=samples, seed=seed)
        sweeps = weight_sweeps(model, 2, switches) if model.options else ()
        evidence = None
        if evidence_samples and self.loaded is not None:
            evidence = self.evidence_robustness(
                evidence_uncertainty(
                    self.loaded,
                    samples=samples,
                    seed=seed,
                    weights=self.weights,
                )
            )
        return Robustness(
            samples=result.samples,
            seed=result.seed,
            prior=prior.describe(),
            acceptability=tuple(
                AcceptabilityRow(
                    option=o,
                    name=self.option_name(o) or o,
                    shares=result.rank_acceptability[o],
                    confidence=result.confidence.get(o),
                )
                for o in result.options
            ),
            excluded=tuple(self.option_name(o) or o for o in result.excluded),
            tie_share=result.tie_share,
            tornado=self.tornado(sweeps, switches),
            evidence=evidence,
        )

    def tornado(
        self, sweeps: tuple[WeightSweep, ...], switches: tuple[WeightSwitch, ...]
    ) -> tuple[TornadoRow, ...]:
        def winner(criterion: str, direction: str) -> str | None:
            found = [s for s in switches if s.criterion == criterion and s.direction == direction]
            return self.option_name(found[0].new_winner) if found else None

        rows = [
            TornadoRow(
                criterion=s.criterion,
                name=self.criterion_name(s.criterion),
                parent_name=self.criterion_name(s.parent) if s.parent else None,
                share=s.share,
                low=s.switch_below,
                high=s.switch_above,
                low_winner=winner(s.criterion, "decrease"),
                high_winner=winner(s.criterion, "increase"),
            )
            for s in sweeps
        ]
        return tuple(sorted(rows, key=lambda r: ((r.high or 1.0) - (r.low or 0.0), r.criterion)))

    def evidence_robustness(self, result: EvidenceResult) -> EvidenceRobustness:
        shares = sorted(
            ((self.option_name(o) or o, p) for o, p in result.recommended_probability.items()),
            key=lambda pair: -pair[1],
        )
        return EvidenceRobustness(
            samples=result.samples,
            items=result.items,
            recommended=tuple(shares),
            no_recommendation=result.no_recommendation,
        )

    # ---- the graph and its state

    def graph(self) -> GraphState:
        appraisal = self.appraisal
        nodes, edges = self.causal_graph()
        failed_gates: list[tuple[str, str, str]] = []
        for option in appraisal.options:
            option_nodes, option_edges = self.option_graph(option)
            nodes += option_nodes
            edges += option_edges
            failed_gates += [
                (option.name, self.rule_base.gates[f.gate].name, f.rule)
                for f in option.gate_failures
            ]
        criteria_nodes, criteria_edges = self.criteria_graph()
        failed = {f.gate for o in appraisal.options for f in o.gate_failures}
        gate_nodes = [
            _node("gate", gate_id, gate.name, "failed" if gate_id in failed else "passed")
            for gate_id, gate in self.rule_base.gates.items()
        ]
        fired = [f for f in appraisal.firings if f.status == "fired"]
        return GraphState(
            nodes=tuple(nodes + criteria_nodes + gate_nodes),
            edges=tuple(edges + criteria_edges),
            fired=tuple(self.fired_rule(f.rule, f.effects) for f in fired),
            not_fired=sum(f.status == "not_fired" for f in appraisal.firings),
            unknown=sum(f.status == "unknown" for f in appraisal.firings),
            failed_gates=tuple(failed_gates),
            excluded=tuple(o.name for o in appraisal.options if o.excluded),
        )

    def causal_key(self, item_id: str) -> str:
        return f"cause:{item_id}" if item_id in self.rule_base.causes else f"problem:{item_id}"

    def causal_graph(self) -> tuple[list[GraphNode], list[GraphEdge]]:
        """Causes and the problems they drive."""
        nodes = [
            _node("cause", c, cause.name, "plain") for c, cause in self.rule_base.causes.items()
        ]
        nodes += [
            _node("problem", p, problem.name, "plain")
            for p, problem in self.rule_base.problems.items()
        ]
        edges = [
            GraphEdge(source=f"cause:{c}", target=self.causal_key(target), kind="drives")
            for c, cause in self.rule_base.causes.items()
            for target in cause.drives
        ]
        return nodes, edges

    def option_graph(self, option: OptionResult) -> tuple[list[GraphNode], list[GraphEdge]]:
        """An option in its state, what it addresses, the gates it fails and the criteria
        fired rules moved it on (with the net points)."""
        state: NodeState = "ranked"
        if option.id == self.appraisal.recommended:
            state = "recommended"
        elif option.excluded:
            state = "excluded"
        key = f"option:{option.id}"
        edges = [
            GraphEdge(source=key, target=self.causal_key(target), kind="addresses")
            for target in self.rule_base.options[option.id].addresses
        ]
        gates: dict[str, list[str]] = {}
        for failure in option.gate_failures:
            gates.setdefault(failure.gate, []).append(failure.rule)
        edges += [
            GraphEdge(source=key, target=f"gate:{gate}", kind="fails", rules=tuple(rules))
            for gate, rules in gates.items()
        ]
        for leaf_id, value in option.values.items():
            moved = [a.rule for a in value.adjustments]
            if value.set_by is not None:
                moved.insert(0, value.set_by)
            if not moved:
                continue
            sign = 1.0 if self.criteria[leaf_id].direction == "maximise" else -1.0
            points = self.appraisal.weights[leaf_id] * sign * (value.value - value.baseline)
            edges.append(
                GraphEdge(
                    source=key,
                    target=f"criterion:{leaf_id}",
                    kind="moves",
                    points=points,
                    rules=tuple(dict.fromkeys(moved)),
                )
            )
        return [_node("option", option.id, option.name, state)], edges

    def criteria_graph(self) -> tuple[list[GraphNode], list[GraphEdge]]:
        """The criteria tree, parents before their children."""
        nodes, edges = [], []
        parents = self.parents
        for criterion_id, criterion in self.criteria.items():
            parent = parents.get(criterion_id)
            parent_key = None if parent is None else f"criterion:{parent}"
            nodes.append(
                _node(
                    "criterion", criterion_id, criterion.name or criterion_id, "plain", parent_key
                )
            )
            if parent_key is not None:
                edges.append(
                    GraphEdge(
                        source=parent_key, target=f"criterion:{criterion_id}", kind="contains"
                    )
                )
        return nodes, edges

    def fired_rule(self, rule_id: str, effects: tuple[Effect, ...]) -> FiredRule:
        rule = self.rule_base.rules[rule_id]
        options = [getattr(e, "option", None) for e in effects]
        acts_on = tuple(
            dict.fromkeys(self.option_name(o) or o for o in options if isinstance(o, str))
        )
        return FiredRule(
            id=rule_id,
            text=rule.rationale or rule.description or rule_id,
            source=str(rule.source) if rule.source else None,
            acts_on=acts_on,
            derives=tuple(e.derive for e in effects if isinstance(e, DeriveEffect)),
        )


# --------------------------------------------------------------------------- small helpers


_SENTENCE_END = re.compile(r"(?<=[a-z0-9_)\]'\"][.]) (?=[A-Z])")
"""A full stop after a lower-case letter, digit or closing bracket, then a capital: a sentence
ends there (not after "IV." or "St.", whose full stop follows a capital)."""
PARAGRAPH = 300
"""Sentences share a paragraph while together they are shorter than this (characters)."""
SHORT_SENTENCE = 50
"""A sentence shorter than this always joins the paragraph before it."""


def paragraphs(text: str) -> tuple[str, ...]:
    """A long generated narrative as paragraphs: each long sentence on its own, short ones
    together, so it reads as prose rather than one block."""
    found: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        if found and (len(found[-1]) + len(sentence) < PARAGRAPH or len(sentence) < SHORT_SENTENCE):
            found[-1] = f"{found[-1]} {sentence}"
        else:
            found.append(sentence)
    return tuple(found)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _node(
    kind: NodeKind, item_id: str, label: str, state: NodeState, parent: str | None = None
) -> GraphNode:
    return GraphNode(
        key=f"{kind}:{item_id}", kind=kind, id=item_id, label=label, state=state, parent=parent
    )


def _leaves(criterion_id: str, criterion: Criterion) -> list[tuple[str, Criterion]]:
    if not criterion.children:
        return [(criterion_id, criterion)]
    return [leaf for cid, c in criterion.children.items() for leaf in _leaves(cid, c)]


def _fact_unit(rule_base: RuleBase, fact_id: str) -> str | None:
    spec = rule_base.facts.get(fact_id)
    return spec.unit if spec is not None else None
