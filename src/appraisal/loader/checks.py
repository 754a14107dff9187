"""Cross-references a schema cannot check: ids that must name something declared."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..engine.criteria import CriteriaTree, criteria_paths, leaf_criteria
from ..errors import AppraisalError, ScenarioLoadError, ValidationReport
from ..models import Document, Expectation, RuleBase, Scenario, Source
from .reading import KeyPath, Marks
from .rule_checks import value_problem
from .suggestions import unknown

__all__ = [
    "check_rule_base",
    "check_scenario",
    "criteria_paths",
    "iter_sources",
    "leaf_criteria",
    "raise_all",
]


def raise_all(problems: list[AppraisalError]) -> None:
    """Nothing when there are no problems; the one problem; or a report of them all."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationReport(problems)


def check_rule_base(rule_base: RuleBase, marks: Marks) -> list[AppraisalError]:
    """Every cross-reference in a rule base, except inside rules (see rules.py)."""
    return (
        _check_vocabulary(rule_base, marks)
        + _check_options_and_causes(rule_base, marks)
        + _check_citations_and_verdicts(rule_base, marks)
    )


def _check_vocabulary(rule_base: RuleBase, marks: Marks) -> list[AppraisalError]:
    """Criteria ids unique across the tree; scales sound; facts and findings distinct."""
    problems: list[AppraisalError] = []
    seen: set[str] = set()
    for criterion_id, key_path in CriteriaTree.from_rule_base(rule_base).declared_paths():
        if criterion_id in seen:
            message = f"criterion id {criterion_id!r} is used twice in the criteria tree"
            problems.append(ScenarioLoadError(message, marks.locate(key_path)))
        seen.add(criterion_id)
    for scale_id, levels in rule_base.scales.items():
        if len(levels) < 2 or len(set(levels)) != len(levels):
            message = "a scale lists at least two distinct levels"
            problems.append(ScenarioLoadError(message, marks.locate(("scales", scale_id))))
    for section in ("facts", "findings"):
        for fact_id, spec in getattr(rule_base, section).items():
            if spec.scale is not None and spec.scale not in rule_base.scales:
                where = marks.locate((section, fact_id, "scale"))
                problems.append(unknown("scale", spec.scale, rule_base.scales, where))
    for fact_id in sorted(set(rule_base.facts) & set(rule_base.findings)):
        message = f"{fact_id!r} is declared both as a fact and as a finding"
        problems.append(ScenarioLoadError(message, marks.locate(("findings", fact_id))))
    return problems


def _check_options_and_causes(rule_base: RuleBase, marks: Marks) -> list[AppraisalError]:
    """Causal links and option targets exist; every option values every leaf criterion."""
    problems: list[AppraisalError] = []
    leaves = leaf_criteria(rule_base)
    causal_ids = [*rule_base.causes, *rule_base.problems]
    for cause_id, cause in rule_base.causes.items():
        for index, target in enumerate(cause.drives):
            if target not in causal_ids:
                where = marks.locate(("causes", cause_id, "drives", index))
                problems.append(unknown("cause or problem", target, causal_ids, where))
    for option_id, option in rule_base.options.items():
        for index, target in enumerate(option.addresses):
            if target not in causal_ids:
                where = marks.locate(("options", option_id, "addresses", index))
                problems.append(unknown("cause or problem", target, causal_ids, where))
        for criterion_id in option.values:
            if criterion_id not in leaves:
                where = marks.locate(("options", option_id, "values", criterion_id))
                problems.append(unknown("leaf criterion", criterion_id, leaves, where))
        missing = [c for c in leaves if c not in option.values]
        if missing:
            message = f"no baseline value for criteria {', '.join(missing)}"
            where = marks.locate(("options", option_id, "values"))
            problems.append(ScenarioLoadError(message, where))
    status_quo = [option_id for option_id, o in rule_base.options.items() if o.status_quo]
    if len(status_quo) > 1:
        message = (
            f"options {status_quo[0]!r} and {status_quo[1]!r} are both marked 'status_quo: true';"
            " one option is carrying on as now"
        )
        where = marks.locate(("options", status_quo[1], "status_quo"))
        problems.append(ScenarioLoadError(message, where))
    return problems


def _check_citations_and_verdicts(rule_base: RuleBase, marks: Marks) -> list[AppraisalError]:
    """Citations name declared documents; the verdict list ends in one ``otherwise``."""
    problems: list[AppraisalError] = []
    for key_path, source in iter_sources(rule_base):
        if source.document not in rule_base.documents:
            where = marks.locate((*key_path, "source", "document"))
            problems.append(unknown("document", source.document, rule_base.documents, where))
    verdicts = rule_base.verdicts
    if not verdicts[-1].otherwise or any(v.otherwise for v in verdicts[:-1]):
        message = (
            "the last verdict rule, and only the last, is 'otherwise: true', so every option"
            " gets a verdict"
        )
        problems.append(ScenarioLoadError(message, marks.locate(("verdicts",))))
    recommending = list(dict.fromkeys(v.verdict for v in verdicts if v.recommends))
    if not recommending:
        message = (
            "no verdict recommends an option: add 'recommends: true' to the verdict rule whose"
            " verdict means the option is recommended"
        )
        problems.append(ScenarioLoadError(message, marks.locate(("verdicts",))))
    elif len(recommending) > 1:
        index = next(i for i, v in enumerate(verdicts) if v.verdict == recommending[1])
        message = (
            f"verdicts {recommending[0]!r} and {recommending[1]!r} are both declared"
            " 'recommends: true'; one verdict recommends an option"
        )
        problems.append(ScenarioLoadError(message, marks.locate(("verdicts", index, "recommends"))))
    return problems


def check_scenario(
    layer: Scenario, rule_base: RuleBase, marks: Marks, documents: Mapping[str, Document]
) -> list[AppraisalError]:
    """Evidence must state declared facts, with values of the declared type."""
    problems: list[AppraisalError] = []
    known_documents = {**rule_base.documents, **documents}
    for evidence_id, item in layer.evidence.items():
        spec = rule_base.facts.get(evidence_id)
        if spec is None:
            problems.append(
                unknown(
                    "fact", evidence_id, rule_base.facts, marks.locate(("evidence", evidence_id))
                )
            )
            continue
        if item.value is not None:
            problem = value_problem(item.value, spec, rule_base)
            if problem:
                problems.append(
                    ScenarioLoadError(problem, marks.locate(("evidence", evidence_id, "value")))
                )
        if item.range is not None and spec.type != "number":
            problems.append(
                ScenarioLoadError(
                    "only numeric evidence has a range",
                    marks.locate(("evidence", evidence_id, "range")),
                )
            )
        if item.source.document not in known_documents:
            problems.append(
                unknown(
                    "document",
                    item.source.document,
                    known_documents,
                    marks.locate(("evidence", evidence_id, "source", "document")),
                )
            )
    all_criteria = criteria_paths(rule_base)
    for criterion_id in layer.weights:
        if criterion_id not in all_criteria:
            problems.append(
                unknown(
                    "criterion", criterion_id, all_criteria, marks.locate(("weights", criterion_id))
                )
            )
    for criterion_id in layer.weight_ranges:
        if criterion_id not in all_criteria:
            where = marks.locate(("weight_ranges", criterion_id))
            problems.append(unknown("criterion", criterion_id, all_criteria, where))
    if layer.expect is not None:
        problems += _check_expectation(layer.expect, rule_base, marks, known_documents)
    return problems


def _check_expectation(
    expect: Expectation,
    rule_base: RuleBase,
    marks: Marks,
    documents: Mapping[str, Document],
) -> list[AppraisalError]:
    """Ids in ``expect`` name declared options, verdicts and facts, and agree with each other.

    An expectation that names nothing could never pass, and would only be
    found out when ``appraisal test`` fails for the wrong reason.
    """
    problems: list[AppraisalError] = []
    options = rule_base.options
    verdicts = list(dict.fromkeys(v.verdict for v in rule_base.verdicts))
    if expect.recommended is not None:
        where = marks.locate(("expect", "recommended"))
        if expect.recommended not in options:
            problems.append(unknown("option", expect.recommended, options, where))
        elif rule_base.recommending_verdict is None:
            message = "the rule base declares no verdict 'recommends: true', so none is recommended"
            problems.append(ScenarioLoadError(message, where))
    for option_id, verdict in expect.verdicts.items():
        where = marks.locate(("expect", "verdicts", option_id))
        if option_id not in options:
            problems.append(unknown("option", option_id, options, where))
        if verdict not in verdicts:
            problems.append(unknown("verdict", verdict, verdicts, where))
        elif expect.recommended is not None and (verdict == rule_base.recommending_verdict) != (
            option_id == expect.recommended
        ):
            message = (
                f"verdict {verdict!r} contradicts 'recommended: {expect.recommended}'"
                " (the recommended option is the one option whose verdict is"
                f" {rule_base.recommending_verdict!r})"
            )
            problems.append(ScenarioLoadError(message, where))
    for option_id, fact_ids in expect.drivers.items():
        if option_id not in options:
            where = marks.locate(("expect", "drivers", option_id))
            problems.append(unknown("option", option_id, options, where))
        for index, fact_id in enumerate(fact_ids):
            if fact_id in rule_base.facts:
                continue
            where = marks.locate(("expect", "drivers", option_id, index))
            if fact_id in rule_base.findings:
                message = f"{fact_id!r} is a finding; drivers name facts, which evidence states"
                problems.append(ScenarioLoadError(message, where))
            else:
                problems.append(unknown("fact", fact_id, rule_base.facts, where))
    if expect.source is not None and expect.source.document not in documents:
        where = marks.locate(("expect", "source", "document"))
        problems.append(unknown("document", expect.source.document, documents, where))
    return problems


def iter_sources(rule_base: RuleBase) -> Iterator[tuple[KeyPath, Source]]:
    """Every citation in a rule base, with the key path it sits at."""

    tree = CriteriaTree.from_rule_base(rule_base)
    for index, (_, key_path) in zip(tree.declared, tree.declared_paths(), strict=True):
        source = tree.nodes[index].source
        if source:
            yield key_path, source
    for section in ("gates", "causes", "problems", "rules"):
        for item_id, item in getattr(rule_base, section).items():
            if item.source:
                yield (section, item_id), item.source
    for option_id, option in rule_base.options.items():
        for criterion_id, value in option.values.items():
            if value.source:
                yield ("options", option_id, "values", criterion_id), value.source
    for index, verdict in enumerate(rule_base.verdicts):
        if verdict.source:
            yield ("verdicts", index), verdict.source
