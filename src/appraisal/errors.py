"""Errors raised by appraisal.

Every error the library raises on bad input derives from one root, so a caller
(and the command line) can catch exactly the problems that are the user's to fix::

    AppraisalError
    ├── ScenarioLoadError        YAML syntax, duplicate keys, schema violations
    │   └── UnknownReferenceError  an id that names nothing (with "did you mean")
    ├── GraphCycleError          a cycle among derived findings or causal links
    ├── RuleSyntaxError          a rule that cannot be compiled against the rule base
    ├── RuleEvaluationError      rules that cannot be evaluated on a scenario
    │   └── RuleConflictError      two fired rules derive one finding differently
    ├── ScoringError             weights or values that make scoring meaningless
    ├── ValidationReport         several problems found at once (``validate``)
    └── MissingExtraError        an optional extra (pandas, matplotlib) is not installed;
                                 also an ``ImportError``

Each error carries where it happened (``path``, ``line``, ``column``, ``field``)
so that ``str(error)`` reads ``rules/base.yaml:14:5: options[2].id: ...``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "AppraisalError",
    "GraphCycleError",
    "Location",
    "MAX_SHOWN",
    "MissingExtraError",
    "RuleConflictError",
    "RuleEvaluationError",
    "RuleSyntaxError",
    "ScenarioLoadError",
    "ScoringError",
    "UnknownReferenceError",
    "ValidationReport",
    "suggest",
]


@dataclass(frozen=True)
class Location:
    """Where in which file a problem sits; every part is optional."""

    path: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        if self.path is None and self.line is None:
            return _visible(self.field or "")  # an argument from code: its field names it
        parts = [_visible(self.path or "<input>")]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        text = ":".join(parts)
        if self.field:
            text += f": {_visible(self.field)}"
        return text


def _visible(text: str) -> str:
    """``text`` with every unprintable character escaped (``\\n``, ``\\u200b``).

    A file or key name may hold a line break or an invisible character; escaped,
    the message stays on one line and shows what is there.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class AppraisalError(Exception):
    """Root of every error appraisal raises about its input."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.message = message
        self.location = location or Location()
        super().__init__(str(self))

    @property
    def path(self) -> str | None:
        return self.location.path

    @property
    def line(self) -> int | None:
        return self.location.line

    @property
    def field(self) -> str | None:
        return self.location.field

    def __str__(self) -> str:
        where = str(self.location)
        return f"{where}: {self.message}" if where else self.message


class ScenarioLoadError(AppraisalError):
    """A YAML file cannot be read, parsed or validated."""


class UnknownReferenceError(ScenarioLoadError):
    """An id names nothing that is declared; carries the closest known id."""

    def __init__(
        self,
        kind: str,
        name: str,
        known: Iterable[str],
        location: Location | None = None,
    ) -> None:
        self.kind = kind
        self.name = name
        self.suggestion = suggest(name, known)
        message = f"unknown {kind} {name!r}"
        if self.suggestion:
            message += f" (did you mean {self.suggestion!r}?)"
        super().__init__(message, location)


class GraphCycleError(AppraisalError):
    """Links that must form a DAG contain a cycle; ``nodes`` lists it in order."""

    def __init__(self, message: str, nodes: Sequence[str], location: Location | None = None):
        self.nodes = tuple(nodes)
        super().__init__(message, location)


class RuleSyntaxError(AppraisalError):
    """A rule is malformed or inconsistent with the rule base it sits in."""


class RuleEvaluationError(AppraisalError):
    """Rules that each load fine cannot be evaluated together on some evidence."""


class RuleConflictError(RuleEvaluationError):
    """Two fired rules derive different values for one finding; ``rules`` names both, the
    first to derive it first, and the location is the second's."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        *,
        finding: str,
        rules: tuple[str, str],
    ) -> None:
        self.finding = finding
        self.rules = rules
        super().__init__(message, location)


class ScoringError(AppraisalError):
    """The criteria or values cannot be aggregated (for example all weights zero)."""


class MissingExtraError(AppraisalError, ImportError):  # type: ignore[override]  # path: see below
    """A feature needs an optional extra that is not installed; the message says which.

    An ``ImportError`` too, so code that already guards an optional import catches it;
    ``path`` is ``AppraisalError``'s (the file at fault, here none), not the module's.
    """


MAX_SHOWN = 50
"""The most problems a report spells out; a file with thousands (a generated file,
a wrong rule base) would otherwise bury the first, which usually explains the rest."""


class ValidationReport(ScenarioLoadError):
    """Several independent problems, reported together (the first ``MAX_SHOWN`` spelt out)."""

    def __init__(self, errors: Sequence[AppraisalError]) -> None:
        self.errors = tuple(errors)
        first = self.errors[0].location if self.errors else None
        super().__init__(f"{len(self.errors)} problem(s) found", first)

    def __str__(self) -> str:
        lines = [str(error) for error in self.errors[:MAX_SHOWN]]
        if len(self.errors) > MAX_SHOWN:
            lines.append(f"... and {len(self.errors) - MAX_SHOWN:,} more problem(s)")
        return "\n".join(lines)


def suggest(name: str, known: Iterable[str]) -> str | None:
    """The closest known id to a misspelt one, or None when nothing is close."""
    import difflib  # only when something is misspelt: most runs never need it

    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None
