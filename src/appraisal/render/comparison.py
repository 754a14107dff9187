"""Scenarios compared: what differs between them and which differences moved each option.

Renders ``comparison.ScenarioDifference`` records (one per scenario after the
first, against the first) as JSON data, terminal renderables and Markdown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._common import markdown_footer, md, one_line, rank_text, rich_text, show, verdict_label

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..appraise import Appraisal
    from ..comparison import Difference, OptionShift, ScenarioDifference
    from ..fingerprint import Fingerprint

__all__ = ["comparison_markdown", "difference_data", "difference_renderables"]

_METHOD = {
    "shapley": "shared exactly among the differences (Shapley values)",
    "alone": "each difference applied alone to the first scenario; 'together' is what they"
    " do only in combination",
}


def difference_data(difference: ScenarioDifference) -> dict[str, Any]:
    """The machine-readable differences and their effects, option by option."""
    return {
        "base": difference.base,
        "same_rule_base": difference.same_rule_base,
        "method": difference.method,
        "differences": [d.model_dump(mode="json") for d in difference.differences],
        "options": {
            shift.option: {
                "base_score": round(shift.base_score, 6),
                "score": round(shift.other_score, 6),
                "change": round(shift.change, 6),
                "base_verdict": shift.base_verdict,
                "verdict": shift.other_verdict,
                "base_rank": shift.base_rank,
                "rank": shift.other_rank,
                "effects": [
                    {
                        "kind": difference.differences[e.difference].kind,
                        "id": difference.differences[e.difference].id,
                        "points": round(e.points, 6),
                        **({"verdict_alone": e.verdict} if e.verdict else {}),
                    }
                    for e in shift.effects
                ],
                "interaction": round(shift.interaction, 6),
            }
            for shift in difference.options
        },
    }


def _input(difference: Difference) -> str:
    return f"{'weight of' if difference.kind == 'weight' else 'evidence'} {difference.id}"


def _effects(difference: ScenarioDifference, shift: OptionShift) -> list[str]:
    """'-1.8 improvement_evidence' for each difference that moved the option, largest first."""
    parts = []
    for effect in shift.effects:
        moved = difference.differences[effect.difference]
        name = moved.id if moved.kind == "evidence" else f"weight of {moved.id}"
        alone = f" (alone: {verdict_label(effect.verdict)})" if effect.verdict else ""
        parts.append(f"{effect.points:+.1f} {name}{alone}")
    if shift.interaction:
        parts.append(f"{shift.interaction:+.1f} together")
    if not parts:
        parts.append("no difference moves its score")
        if shift.base_verdict != shift.other_verdict:
            parts[0] += "; its verdict follows the other options' ranks"
    return parts


def _standing(score: float, verdict: str) -> str:
    return f"{score:.1f} {verdict_label(verdict)}"


def _headline(difference: ScenarioDifference) -> str:
    return f"Why {one_line(difference.other)} differs from {one_line(difference.base)}"


def difference_renderables(difference: ScenarioDifference) -> list[RenderableType]:
    """The differing inputs as a table, then each option's change and what moved it, with
    wrapped lines indented under their option."""
    from rich.table import Table
    from rich.text import Text

    parts: list[RenderableType] = [rich_text("\n" + _headline(difference), style="bold")]
    if not difference.same_rule_base:
        parts.append(Text("They use different rule bases, so only their results compare."))
        return parts
    if not difference.differences:
        parts.append(Text("Their evidence values and weights are the same."))
        return parts
    table = Table(title="Inputs that differ (before: the first scenario)", title_justify="left")
    table.add_column(
        "Input", no_wrap=True, min_width=max(len(_input(d)) for d in difference.differences)
    )
    table.add_column("Before", overflow="fold")
    table.add_column("After", overflow="fold")
    for item in difference.differences:
        table.add_row(
            rich_text(_input(item)), rich_text(show(item.base)), rich_text(show(item.other))
        )
    parts += [table, rich_text(f"Each option's change in score, {_METHOD[difference.method]}:")]
    lines = Table.grid()
    lines.add_column(no_wrap=True)
    lines.add_column()
    for shift in difference.options:
        verdicts = (
            f", {verdict_label(shift.base_verdict)} -> {verdict_label(shift.other_verdict)}"
            if shift.base_verdict != shift.other_verdict
            else ""
        )
        head = (
            f"{one_line(shift.name)} ({shift.option}): {shift.base_score:.1f} ->"
            f" {shift.other_score:.1f} ({shift.change:+.1f}){verdicts}"
        )
        lines.add_row("  - ", rich_text(head))
        effects = ", ".join(_effects(difference, shift))
        lines.add_row("", rich_text(f"moved by {effects}" if shift.effects else effects))
    parts.append(lines)
    return parts


def comparison_markdown(
    appraisals: list[Appraisal],
    differences: list[ScenarioDifference],
    fingerprint: Fingerprint | None = None,
) -> str:
    """The scenarios side by side, then, for each after the first, why it differs."""
    lines = ["# Scenarios compared", ""]
    lines.append("| Option | " + " | ".join(md(a.scenario) for a in appraisals) + " |")
    lines.append("| --- |" + " --- |" * len(appraisals))
    option_ids = list(dict.fromkeys(o.id for a in appraisals for o in a.options))
    for option_id in option_ids:
        cells = []
        for appraisal in appraisals:
            found = [o for o in appraisal.options if o.id == option_id]
            if not found:
                cells.append("")
                continue
            result = found[0]
            score = (
                "excluded" if result.excluded else f"{result.score:.1f} (#{rank_text(result.rank)})"
            )
            cells.append(f"{score}, {verdict_label(result.verdict)}")
        lines.append(f"| {md(option_id)} | " + " | ".join(cells) + " |")
    for difference in differences:
        lines += ["", f"## {md(_headline(difference))}", ""]
        if not difference.same_rule_base:
            lines.append("They use different rule bases, so only their results compare.")
            continue
        if not difference.differences:
            lines.append("Their evidence values and weights are the same.")
            continue
        lines += ["| Input | Before | After |", "| --- | --- | --- |"]
        for item in difference.differences:
            lines.append(f"| {md(_input(item))} | {md(show(item.base))} | {md(show(item.other))} |")
        lines += [
            "",
            f"Each option's change in score, {_METHOD[difference.method]}:",
            "",
            "| Option | Before | After | Change | Moved by |",
            "| --- | --- | --- | ---: | --- |",
        ]
        for shift in difference.options:
            moved = "; ".join(md(part) for part in _effects(difference, shift))
            lines.append(
                f"| {md(shift.name)} | {_standing(shift.base_score, shift.base_verdict)} |"
                f" {_standing(shift.other_score, shift.other_verdict)} | {shift.change:+.1f} |"
                f" {moved} |"
            )
    return "\n".join(lines + markdown_footer(fingerprint)) + "\n"
