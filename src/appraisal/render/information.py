"""What to find out next, for reading: the ranked facts, each answer that would change the
recommendation, and to what. Shared by ``appraisal explain`` and ``appraisal run``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..explain import (
    Answer,
    InformationFact,
    InformationItem,
    InformationOutcome,
    InformationReport,
)
from ._common import clean, md, rich_text, show

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = [
    "answer_text",
    "information_data",
    "information_items_data",
    "information_lines",
    "information_renderable",
    "leading_items",
    "outcome_text",
]

_SHOWN_OUTCOMES = 4
"""Answers listed per fact before "... and N more", so a long scale stays one screen."""


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.10g}"


def answer_text(answer: Answer) -> str:
    """An answer as a condition on the fact: ``plan = true``, ``10 < rate <= 15``."""
    fact = answer.fact
    if answer.stands_for == "any":
        return f"{fact} known (any value)"
    if answer.stands_for == "other":
        return f"{fact} = any other text"
    if answer.stands_for == "value":
        value = _number(answer.value) if isinstance(answer.value, float) else show(answer.value)
        return f"{fact} = {value}"
    below = "<=" if answer.high_included else "<"
    above = ">=" if answer.low_included else ">"
    if answer.low is None:
        return f"{fact} {below} {_number(answer.high)}"
    if answer.high is None:
        return f"{fact} {above} {_number(answer.low)}"
    after = "<=" if answer.low_included else "<"
    return f"{_number(answer.low)} {after} {fact} {below} {_number(answer.high)}"


def _result_text(recommended: str | None) -> str:
    return f"{recommended} recommended" if recommended is not None else "no option recommended"


def outcome_text(outcome: InformationOutcome) -> str:
    """``plan = true: act recommended``."""
    answers = " and ".join(answer_text(a) for a in outcome.answers)
    return f"{answers}: {_result_text(outcome.recommended)}"


def _grouped_lines(outcomes: Sequence[InformationOutcome]) -> list[str]:
    """Outcome lines, neighbours that differ only in the last fact's value joined with "or"
    (``capacity = none or weak: wait recommended``), so a scale reads as one line."""
    groups: list[tuple[tuple[str, ...], str, list[str], str | None]] = []
    for outcome in outcomes:
        *before, last = outcome.answers
        key = tuple(answer_text(a) for a in before)
        joins = (
            groups
            and last.stands_for == "value"
            and not isinstance(last.value, float)
            and groups[-1][0] == key
            and groups[-1][1] == last.fact
            and groups[-1][3] == outcome.recommended
        )
        if joins:
            groups[-1][2].append(show(last.value))
        elif last.stands_for == "value" and not isinstance(last.value, float):
            groups.append((key, last.fact, [show(last.value)], outcome.recommended))
        else:
            groups.append((key, "", [answer_text(last)], outcome.recommended))
    lines = []
    for first, fact, values, recommended in groups:
        last_text = f"{fact} = {' or '.join(values)}" if fact else values[0]
        lines.append(f"{' and '.join([*first, last_text])}: {_result_text(recommended)}")
    return lines


def _state_text(state: InformationFact) -> str:
    if state.status == "unknown":
        return "unknown"
    confidence = f", confidence {state.confidence:g}" if state.confidence is not None else ""
    return f"now {show(state.current)}{confidence}"


def _item_heading(item: InformationItem) -> str:
    if len(item.facts) == 1:
        state = item.facts[0]
        described = f": {state.description}" if state.description else ""
        return f"{state.fact} ({_state_text(state)}){described}"
    return " and ".join(f"{s.fact} ({_state_text(s)})" for s in item.facts)


def _item_body(item: InformationItem, described: set[str]) -> list[str]:
    """The answers that change the recommendation, then what ranks the item; a pair's facts
    are described the first time they appear (``described`` remembers which were)."""
    lines: list[str] = []
    if len(item.facts) > 1:
        for state in item.facts:
            if state.description and state.fact not in described:
                lines.append(f"{state.fact}: {state.description}")
            described.add(state.fact)
    changing = _grouped_lines(item.changing)
    lines += changing[:_SHOWN_OUTCOMES]
    if len(changing) > _SHOWN_OUTCOMES:
        lines.append(f"... and {len(changing) - _SHOWN_OUTCOMES} more")
    notes = ["whatever the answer, an option is recommended"] if item.decisive else []
    if round(item.margin_shift, 1) != 0:
        notes.append(f"moves the margin by up to {item.margin_shift:.1f} pts")
    if notes:
        lines.append(f"({'; '.join(notes)})")
    return lines


def leading_items(report: InformationReport) -> tuple[InformationItem, ...]:
    """The single facts when any can change the recommendation, else the pairs."""
    return report.facts or report.pairs


def _summary(report: InformationReport) -> str:
    searched = report.pair_search is not None
    counts = (
        f"{report.considered} facts considered (unknown, or known with confidence below"
        f" {report.confidence_below:g}); {report.evaluated} answers tried"
    )
    if report.pair_search is not None:
        search = report.pair_search
        scope = "all" if search.exhaustive else f"stopped at {search.budget}"
        counts += (
            f"; {search.evaluated} pairs of answers over {len(search.facts)} facts tried ({scope})"
        )
    if report.skipped:
        counts += f"; {report.skipped} skipped as contradicting the rest of the evidence"
    if report.facts or report.pairs:
        return f"{counts}."
    nothing = "No unknown or uncertain fact" + (", nor pair of facts," if searched else "")
    return f"{nothing} could change the recommendation. {counts}."


def information_lines(report: InformationReport, top: int | None = None) -> list[str]:
    """Markdown lines: a numbered item per fact, its answers as bullets under it, a summary.

    Every line's text is escaped for Markdown (descriptions and values come from the files).
    """
    items = leading_items(report)[:top]
    lines: list[str] = []
    if not report.facts and report.pairs:
        lines += ["No single fact can change the recommendation; pairs of facts can:", ""]
    described: set[str] = set()
    for number, item in enumerate(items, 1):
        lines.append(f"{number}. {md(_item_heading(item))}")
        lines += [f"   - {md(line)}" for line in _item_body(item, described)]
    if items:
        lines.append("")
    lines.append(md(_summary(report)))
    return lines


def information_renderable(report: InformationReport, top: int | None = None) -> RenderableType:
    """The ranked list for the terminal, each item's lines wrapped under its number."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[RenderableType] = []
    items = leading_items(report)[:top]
    if not report.facts and report.pairs:
        parts.append(Text("No single fact can change the recommendation; pairs of facts can:"))
    if items:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", no_wrap=True)
        grid.add_column()
        described: set[str] = set()
        for number, item in enumerate(items, 1):
            body = rich_text(_item_heading(item), style="bold")
            for line in _item_body(item, described):
                body.append("\n" + clean(line), style="dim" if line.startswith("(") else "")
            grid.add_row(f"{number}.", body)
        parts.append(grid)
    parts.append(Text(_summary(report), style="dim"))
    return Group(*parts)


def _answer_data(answer: Answer) -> dict[str, Any]:
    return {"answer": answer_text(answer), **answer.model_dump(mode="json")}


def _item_data(item: InformationItem) -> dict[str, Any]:
    return {
        "facts": [s.model_dump(mode="json") for s in item.facts],
        "decisive": item.decisive,
        "margin_shift": round(item.margin_shift, 9),
        "outcomes": [
            {
                "answers": [_answer_data(a) for a in o.answers],
                "recommended": o.recommended,
                "changes_recommendation": o.changes_recommendation,
                "margin_shift": round(o.margin_shift, 9),
            }
            for o in item.outcomes
        ],
        "skipped": item.skipped,
    }


def information_items_data(items: tuple[InformationItem, ...]) -> list[dict[str, Any]]:
    """Items as JSON-ready data (``find_out_next`` of ``appraisal run --format json``)."""
    return [_item_data(item) for item in items]


def information_data(report: InformationReport) -> dict[str, Any]:
    """The whole report as JSON-ready data (``find_out_next`` of ``appraisal explain``)."""
    search = report.pair_search
    return {
        "recommended": report.recommended,
        "reason": report.reason,
        "leader": report.leader,
        "margin": round(report.margin, 9),
        "confidence_below": report.confidence_below,
        "considered": report.considered,
        "evaluated": report.evaluated,
        "skipped": report.skipped,
        "facts": information_items_data(report.facts),
        "pairs": information_items_data(report.pairs),
        "pair_search": None if search is None else search.model_dump(mode="json"),
    }
