"""The appraisal itself: ranking tables, drivers, JSON, Markdown and HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..appraise import Appraisal
from ..explain import Driver, EvidenceDriver, RunSummary
from ._common import (
    VERDICT_STYLES,
    fingerprint_data,
    footer_renderables,
    hanging,
    markdown_footer,
    md,
    one_line,
    rank_text,
    rich_text,
    show,
    to_json,
    verdict_label,
)
from .information import (
    information_items_data,
    information_lines,
    information_renderable,
    leading_items,
)

FIND_OUT_NEXT = 5
"""Facts to find out listed by ``appraisal run`` when no option is recommended."""
DRIVER_LEGEND = (
    "Each driver: the points an evidence item gave the option, the item's value,"
    " (its source) and [the sources of the rules it acted through]."
)
"""What each evidence driver line ``appraisal run`` shows is made of."""

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..fingerprint import Fingerprint


def appraisal_data(summary: RunSummary, fingerprint: Fingerprint | None = None) -> dict[str, Any]:
    """The machine-readable result: ranking, verdicts, drivers, findings, firings.

    An option's drivers are the evidence items with the largest attributed
    points (Shapley values), each with the rules it acts through and their
    citations; gate failures are listed separately. When the drivers are
    undefined (the rule base contradicts itself on part of the evidence),
    ``drivers_undefined`` says why and where. When no option is recommended, the
    reason and the facts to find out next are added; last, the fingerprint of
    the inputs, when given.
    """
    appraisal = summary.appraisal
    options = []
    for result in appraisal.options:
        options.append(
            {
                "id": result.id,
                "name": result.name,
                "rank": result.rank,
                "score": round(result.score, 6),
                "short_term_score": round(result.short_term_score, 6),
                "long_term_score": round(result.long_term_score, 6),
                "short_term_rank": result.short_term_rank,
                "long_term_rank": result.long_term_rank,
                "verdict": result.verdict,
                "excluded": result.excluded,
                "gate_failures": [f.model_dump() for f in result.gate_failures],
                "values": {c: round(v.value, 6) for c, v in result.values.items()},
                "contributions": {c: round(p, 6) for c, p in result.contributions.items()},
                "drivers": [_evidence_driver_data(d) for d in summary.drivers(result.id).evidence],
            }
        )
    data = {
        "scenario": appraisal.scenario,
        "scenario_path": appraisal.scenario_path,
        "rule_base": appraisal.rule_base,
        "recommended": appraisal.recommended,
        "tied_first": list(appraisal.tied_first),
        "options": options,
        "weights": {c: round(w, 6) for c, w in appraisal.weights.items()},
        "findings": appraisal.findings,
        "firings": [
            {"rule": f.rule, "status": f.status, "reads": f.reads} for f in appraisal.firings
        ],
    }
    if summary.drivers_undefined is not None:
        data["drivers_undefined"] = summary.drivers_undefined
    report = summary.find_out_next
    if report is not None:
        data["no_recommendation_reason"] = report.reason
        data["find_out_next"] = information_items_data(leading_items(report)[:FIND_OUT_NEXT])
    if fingerprint is not None:
        data["fingerprint"] = fingerprint_data(fingerprint)
    return data


def _evidence_driver_data(driver: EvidenceDriver) -> dict[str, Any]:
    return {
        "evidence": driver.evidence.id,
        "value": driver.evidence.value,
        "statement": driver.evidence.statement,
        "source": driver.evidence.source,
        "points": round(driver.points, 6),
        "rules": list(driver.rules),
        "rule_sources": list(driver.rule_sources),
    }


def appraisal_json(summary: RunSummary, fingerprint: Fingerprint | None = None) -> str:
    return to_json(appraisal_data(summary, fingerprint))


def _driver_line(driver: Driver) -> str:
    cite = f" [{driver.source}]" if driver.source else ""
    if driver.kind == "gate":
        head = f"fails gate {driver.criteria[0]}"
    else:
        head = f"{driver.points:+.1f} pts"
    return f"{head}: {driver.rationale or driver.rule}{cite}"


def _evidence_driver_line(driver: EvidenceDriver) -> str:
    cited = driver.evidence
    source = f" ({cited.source})" if cited.source else ""
    rules = f" [{'; '.join(driver.rule_sources)}]" if driver.rule_sources else ""
    return f"{driver.points:+.1f} pts: {cited.id} = {show(cited.value)}{source}{rules}"


def option_lines(summary: RunSummary, option_id: str) -> list[str]:
    """Gate failures, then the evidence that weighs most, each line with its citations."""
    found = summary.drivers(option_id)
    return [_driver_line(d) for d in found.gates] + [
        _evidence_driver_line(d) for d in found.evidence
    ]


def _undefined_line(summary: RunSummary) -> str | None:
    if summary.drivers_undefined is None:
        return None
    return f"Evidence drivers undefined: {summary.drivers_undefined}"


def appraisal_renderable(
    summary: RunSummary, fingerprint: Fingerprint | None = None
) -> RenderableType:
    """A ranking table, then each option's top drivers with their citations."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    appraisal = summary.appraisal
    table = Table(title=rich_text(appraisal.scenario), title_justify="left", expand=False)
    table.add_column("Rank", justify="right")
    table.add_column("Option")
    table.add_column("Score", justify="right")
    table.add_column("Short", justify="right")
    table.add_column("Long", justify="right")
    table.add_column("Verdict")
    for result in appraisal.options:
        style = VERDICT_STYLES.get(result.verdict, "")
        table.add_row(
            rank_text(result.rank),
            rich_text(result.name),
            "excluded" if result.excluded else f"{result.score:.1f}",
            f"{result.short_term_score:.1f}",
            f"{result.long_term_score:.1f}",
            Text(verdict_label(result.verdict), style=style),
        )
    parts: list[RenderableType] = [table]
    report = summary.find_out_next
    if appraisal.recommended:
        name = one_line(appraisal.option(appraisal.recommended).name)
        parts.append(rich_text(f"Recommended: {name}", style="bold green"))
    elif appraisal.tied_first:
        tied = ", ".join(appraisal.tied_first)
        parts.append(rich_text(f"Tied first: {tied}", style="bold yellow"))
    if report is not None:
        reason = f"No option is recommended: {report.reason}"
        parts.insert(0, rich_text(reason, style="bold yellow"))
        parts.append(Text("\nWhat to find out next", style="bold"))
        parts.append(information_renderable(report, FIND_OUT_NEXT))
    undefined = _undefined_line(summary)
    if undefined is not None:
        parts.append(rich_text("\n" + undefined, style="bold yellow"))
    else:
        parts.append(Text("\n" + DRIVER_LEGEND, style="dim"))
    for result in appraisal.options:
        heading = f"{one_line(result.name)} ({result.id}): {verdict_label(result.verdict)}"
        parts.append(rich_text("\n" + heading, style="bold"))
        for line in option_lines(summary, result.id):
            parts.append(hanging("  - ", line))  # wrapped citations stay indented
    return Group(*parts, *footer_renderables(fingerprint))


def comparison_renderable(
    appraisals: list[Appraisal], fingerprint: Fingerprint | None = None
) -> RenderableType:
    """Several scenarios side by side: each option's score and verdict per scenario."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Scenarios compared", title_justify="left")
    option_ids = [o.id for o in appraisals[0].options]
    for appraisal in appraisals[1:]:
        option_ids += [o.id for o in appraisal.options if o.id not in option_ids]
    table.add_column("Option", no_wrap=True, min_width=max(map(len, option_ids)))  # whole ids
    for appraisal in appraisals:
        table.add_column(rich_text(appraisal.scenario), justify="center")
    for option_id in option_ids:
        cells: list[Text | str] = [rich_text(option_id)]
        for appraisal in appraisals:
            try:
                result = appraisal.option(option_id)
            except Exception:  # an option some rule bases lack
                cells.append("")
                continue
            score = (
                "excl." if result.excluded else f"{result.score:.1f} (#{rank_text(result.rank)})"
            )
            cells.append(
                Text(
                    f"{score}\n{verdict_label(result.verdict)}",
                    style=VERDICT_STYLES.get(result.verdict, ""),
                )
            )
        table.add_row(*cells)
    if fingerprint is None:
        return table
    return Group(table, *footer_renderables(fingerprint))


def appraisal_markdown(summary: RunSummary, fingerprint: Fingerprint | None = None) -> str:
    """A briefing-ready Markdown report of the ranking and its drivers.

    Text from the files is escaped (``_common.md``): it reads as typed and
    cannot add HTML, links or table cells.
    """
    appraisal = summary.appraisal
    lines = [f"# {md(appraisal.scenario)}", ""]
    report = summary.find_out_next
    if appraisal.recommended:
        lines += [f"**Recommended:** {md(appraisal.option(appraisal.recommended).name)}", ""]
    elif report is not None:
        lines += [f"**No option is recommended:** {md(report.reason)}", ""]
    lines += [
        "| Rank | Option | Score | Short term | Long term | Verdict |",
        "| ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for r in appraisal.options:
        score = "excluded" if r.excluded else f"{r.score:.1f}"
        lines.append(
            f"| {rank_text(r.rank)} | {md(r.name)} | {score} | {r.short_term_score:.1f} |"
            f" {r.long_term_score:.1f} | {verdict_label(r.verdict)} |"
        )
    if report is not None:
        lines += ["", "## What to find out next", ""]
        lines += information_lines(report, FIND_OUT_NEXT)
    undefined = _undefined_line(summary)
    if undefined is not None:
        lines += ["", f"**{md(undefined)}**"]
    else:
        lines += ["", f"*{DRIVER_LEGEND}*"]
    for r in appraisal.options:
        lines += ["", f"## {md(r.name)}: {verdict_label(r.verdict)}", ""]
        lines += [f"- {md(line)}" for line in option_lines(summary, r.id)]
    return "\n".join(lines + markdown_footer(fingerprint)) + "\n"
