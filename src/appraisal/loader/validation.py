"""``validate``: every problem of a file, and advice about judgements without support."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import (
    MAX_SHOWN,
    AppraisalError,
    Location,
    ValidationReport,
)
from ..models import RuleBase
from ..tables import Displayable, Summary, Table, counted
from .checks import _criterion_at, criteria_paths
from .loading import load_rule_base, load_scenario
from .reading import KeyPath, Marks, display_path, read_yaml


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
    from ..graph import build_graph, structural_warnings

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
    graph = build_graph(rule_base)
    warnings = [_located(w, marks) for w in structural_warnings(graph, rule_base)]
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

    for key_path in criteria_paths(rule_base).values():
        check(key_path, _criterion_at(rule_base, key_path))
    for section in ("gates", "rules"):
        for item_id, item in getattr(rule_base, section).items():
            check((section, item_id), item)
    for option_id, option in rule_base.options.items():
        for criterion_id, value in option.values.items():
            check(("options", option_id, "values", criterion_id), value)
    for index, verdict in enumerate(rule_base.verdicts):
        check(("verdicts", index), verdict)
    return found
