"""``validate``: every problem of a file, and advice: structure that is probably a mistake,
judgements without support."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.conditions import comparisons, facts_read
from ..engine.criteria import CriteriaTree
from ..errors import (
    MAX_SHOWN,
    AppraisalError,
    Location,
    ValidationReport,
)
from ..models import AdjustEffect, DeriveEffect, FailGateEffect, RuleBase, SetEffect
from ..tables import Displayable, Summary, Table, counted
from .loading import load_rule_base, load_scenario
from .reading import KeyPath, Marks, display_path, read_yaml

__all__ = ["ValidationResult", "judgement_warnings", "structural_warnings", "validate_file"]


@dataclass(frozen=True, repr=False)
class ValidationResult(Displayable):
    """What ``validate`` found: errors make a file unusable, warnings are advice."""

    path: str
    kind: str
    errors: tuple[AppraisalError, ...] = ()
    warnings: tuple[str, ...] = ()

    def _summary(self) -> Summary:
        found = [("error", str(e)) for e in self.errors]
        found += [("warning", w) for w in self.warnings]
        state = "invalid" if self.errors else "valid"
        return Summary(
            kind="ValidationResult",
            headline=f"{self.path!r} ({self.kind}): {state}, {counted(len(self.errors), 'error')},"
            f" {counted(len(self.warnings), 'warning')}",
            tables=(Table(("Kind", "Problem"), tuple(found)),) if found else (),
        )


def validate_file(path: str | Path, *, allow_outside: bool = False) -> ValidationResult:
    """Check a rule base or a scenario, collecting every problem rather than the first.

    At most ``MAX_SHOWN`` errors are kept, then one that counts the rest.
    ``allow_outside`` is passed to ``load_scenario``.
    """
    file_path = Path(path)
    shown = display_path(file_path)
    try:
        data, _ = read_yaml(file_path)
    except AppraisalError as error:
        return ValidationResult(shown, "unknown", (error,))
    kind = "rule base" if isinstance(data, dict) and "criteria" in data else "scenario"
    try:
        if kind == "rule base":
            rule_base, marks = load_rule_base(file_path)
        else:
            loaded = load_scenario(file_path, allow_outside=allow_outside)
            rule_base, marks = load_rule_base(Path(loaded.rule_base_path))
    except ValidationReport as report:
        return ValidationResult(shown, kind, _capped(report.errors, shown))
    except AppraisalError as error:
        return ValidationResult(shown, kind, (error,))
    warnings = [_located(w, marks) for w in structural_warnings(rule_base)]
    warnings += [f"{marks.path}: {w}" for w in judgement_warnings(rule_base, marks)]
    return ValidationResult(shown, kind, (), tuple(warnings))


def _capped(errors: tuple[AppraisalError, ...], shown: str) -> tuple[AppraisalError, ...]:
    """The first ``MAX_SHOWN`` errors, then one saying how many more there are."""
    if len(errors) <= MAX_SHOWN:
        return errors
    more = len(errors) - MAX_SHOWN
    summary = AppraisalError(f"... and {more:,} more problem(s)", Location(shown))
    return (*errors[:MAX_SHOWN], summary)


def _located(warning: str, marks: Marks) -> str:
    """A structural warning (``options.x: ...``) with the line of the item it names."""
    field_name, _, _ = warning.partition(": ")
    parts = tuple(int(p) if p.isdigit() else p for p in field_name.split("."))
    where = marks.locate(parts)
    return f"{marks.path}: {where.line}: {warning}" if where.line else f"{marks.path}: {warning}"


def judgement_warnings(rule_base: RuleBase, marks: Marks) -> list[str]:
    """Every judgement (weight, baseline, rule, gate, verdict) lacking a rationale or a source."""
    found: list[str] = []

    def check(key_path: KeyPath, item: Any) -> None:
        missing = [name for name in ("rationale", "source") if getattr(item, name) is None]
        if missing:
            where = marks.locate(key_path)
            found.append(f"{where.line}: {where.field}: no {' and no '.join(missing)}")

    tree = CriteriaTree.from_rule_base(rule_base)
    for index, (_, key_path) in zip(tree.declared, tree.declared_paths(), strict=True):
        check(key_path, tree.nodes[index])
    for section in ("gates", "rules"):
        for item_id, item in getattr(rule_base, section).items():
            check((section, item_id), item)
    for option_id, option in rule_base.options.items():
        for criterion_id, value in option.values.items():
            check(("options", option_id, "values", criterion_id), value)
    for index, verdict in enumerate(rule_base.verdicts):
        check(("verdicts", index), verdict)
    return found


def _reachable(start: str, links: dict[str, list[str]]) -> Iterator[str]:
    """Every id reachable from ``start`` along ``links`` (``start`` itself only on a cycle)."""
    seen: set[str] = set()
    pending = list(links.get(start, ()))
    while pending:
        item = pending.pop()
        if item not in seen:
            seen.add(item)
            yield item
            pending += links.get(item, ())


def structural_warnings(rule_base: RuleBase) -> list[str]:
    """Things that load fine but are probably mistakes; ``validate`` lists them."""
    warnings: list[str] = []
    for option_id, option in rule_base.options.items():
        if not option.addresses and not option.status_quo:
            warnings.append(f"options.{option_id}: the option addresses no cause or problem")
    addressed = {t for o in rule_base.options.values() for t in o.addresses}
    drives = {cause_id: list(cause.drives) for cause_id, cause in rule_base.causes.items()}
    for cause_id in rule_base.causes:
        if cause_id not in addressed and not any(
            item not in rule_base.causes and item in rule_base.problems and item in addressed
            for item in _reachable(cause_id, drives)
        ):
            warnings.append(f"causes.{cause_id}: no option addresses this cause or what it drives")
    read_by_rules = {name for rule in rule_base.rules.values() for name in facts_read(rule.when)}
    read_by_verdicts = {
        name
        for verdict in rule_base.verdicts
        if verdict.when is not None
        for name in facts_read(verdict.when)
    }
    effects = [effect for rule in rule_base.rules.values() for effect in rule.then]
    derived = {e.derive for e in effects if isinstance(e, DeriveEffect)}
    for finding_id in rule_base.findings:
        if finding_id not in derived:
            warnings.append(
                f"findings.{finding_id}: no rule derives this finding; it is always unknown"
            )
        if finding_id not in read_by_rules and finding_id not in read_by_verdicts:
            warnings.append(f"findings.{finding_id}: no rule reads this finding")
    for fact_id, spec in rule_base.facts.items():
        read = fact_id in read_by_verdicts or (
            fact_id in read_by_rules and fact_id not in rule_base.findings
        )
        if not spec.context and not read:
            warnings.append(f"facts.{fact_id}: no rule reads this fact")
    warnings += _impossible_ranks(rule_base)
    failed = {e.fail_gate for e in effects if isinstance(e, FailGateEffect)}
    for gate_id in rule_base.gates:
        if gate_id not in failed:
            warnings.append(
                f"gates.{gate_id}: no rule fails an option on this gate, so it never excludes one"
            )
    moved = {e.adjust for e in effects if isinstance(e, AdjustEffect)}
    moved |= {e.set for e in effects if isinstance(e, SetEffect)}
    for criterion_id in CriteriaTree.from_rule_base(rule_base).leaf_ids():
        baselines = {o.values[criterion_id].value for o in rule_base.options.values()}
        if criterion_id not in moved and len(baselines) == 1:
            warnings.append(
                f"criteria.{criterion_id}: every option has the same baseline and"
                " no rule moves it, so it cannot separate options"
            )
    return warnings


_RANKS = ("rank", "short_term_rank", "long_term_rank")


def _impossible_ranks(rule_base: RuleBase) -> list[str]:
    """Verdict tests of a rank that no option can have (``{metric: rank, eq: 99}``).

    Ranks run from 1 to the number of options; a test outside that range is
    always false, and is most likely a mistake, such as a wrong number or a
    confusion of rank with score.
    """
    count = len(rule_base.options)
    holds: dict[str, Callable[[float], bool]] = {
        "eq": lambda v: v == int(v) and 1 <= v <= count,
        "ne": lambda v: True,
        "lt": lambda v: v > 1,
        "le": lambda v: v >= 1,
        "gt": lambda v: v < count,
        "ge": lambda v: v <= count,
    }
    warnings: list[str] = []
    for index, verdict in enumerate(rule_base.verdicts):
        if verdict.when is None:
            continue
        for test in comparisons(verdict.when):
            value = test.operand
            if test.metric not in _RANKS or not isinstance(value, float):
                continue
            if not holds[test.operator](value):
                warnings.append(
                    f"verdicts.{index}: {{metric: {test.metric}, {test.operator}: {value:g}}}"
                    f" never holds: ranks run from 1 to {count}"
                )
    return warnings
