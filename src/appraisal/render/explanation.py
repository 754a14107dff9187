"""Explanations: evidence trees, switching values, counterfactuals, pairwise comparisons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..explain import Explanation, TraceNode, Versus
from ._common import (
    VERDICT_STYLES,
    AtWidth,
    fingerprint_data,
    footer_renderables,
    hanging,
    markdown_footer,
    md,
    md_block,
    one_line,
    rich_text,
    show,
    to_json,
    verdict_label,
)
from .information import information_data, information_lines, information_renderable

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..fingerprint import Fingerprint


def _change_data(changes: Any) -> list[dict[str, Any]]:
    return [{"evidence": c.evidence, "from": c.from_, "to": c.to} for c in changes]


def explanation_data(explanation: Explanation) -> dict[str, Any]:
    """The machine-readable explanation (``appraisal explain --format json``)."""
    return {
        "scenario": explanation.scenario,
        "winner": explanation.winner,
        "recommended": explanation.recommended,
        "attribution_method": explanation.attribution_method,
        "options": [
            {
                "id": o.id,
                "name": o.name,
                "verdict": o.verdict,
                "rank": o.rank,
                "excluded": o.excluded,
                "total": round(o.total, 9),
                "baseline": round(o.baseline, 9),
                "attribution": {e: round(p, 9) for e, p in o.attribution.items()},
                "attribution_method": o.attribution_method,
                "attribution_error": o.attribution_error,
                "contributions": {c: round(p, 9) for c, p in o.contributions.items()},
                "rule_baseline": round(o.rule_baseline, 9),
                "rule_deltas": [
                    {
                        "rule": d.rule,
                        "criterion": d.criterion,
                        "points": round(d.points, 9),
                        "change": round(d.change, 9),
                        "nominal": d.nominal,
                    }
                    for d in o.rule_deltas
                ],
                "verdict_counterfactuals": [
                    {
                        "changes": _change_data(c.changes),
                        "verdict": next(v.to for v in c.verdict_changes if v.option == o.id),
                    }
                    for c in o.verdict_counterfactuals
                ],
                "narrative": o.narrative,
                "trace": o.trace.model_dump(mode="json", exclude_defaults=True),
            }
            for o in explanation.options
        ],
        "switching_values": [
            {
                "criterion": s.criterion,
                "direction": s.direction,
                "weight": round(s.weight, 9),
                "current_weight": s.current_weight,
                "share": round(s.share, 9),
                "current_share": round(s.current_share, 9),
                "new_winner": s.new_winner,
                "tied_with": list(s.tied_with),
            }
            for s in explanation.switching_values
        ],
        "stable_to_weights": explanation.stable_to_weights,
        "evidence_counterfactuals": [
            {
                "changes": _change_data(c.changes),
                "new_winner": c.new_winner,
                "changes_winner": c.changes_winner,
                "verdict_changes": [
                    {"option": v.option, "from": v.from_, "to": v.to} for v in c.verdict_changes
                ],
            }
            for c in explanation.evidence_counterfactuals
        ],
        "search": explanation.search.model_dump(),
        "find_out_next": (
            None
            if explanation.find_out_next is None
            else information_data(explanation.find_out_next)
        ),
    }


def explanation_json(explanation: Explanation, fingerprint: Fingerprint | None = None) -> str:
    data = explanation_data(explanation)
    if fingerprint is not None:
        data["fingerprint"] = fingerprint_data(fingerprint)
    return to_json(data)


def _trace_label(node: TraceNode) -> str:
    parts = [f"{node.kind} {node.id}"]
    if node.value is not None and node.kind != "option":
        parts.append(f"= {show(node.value)}")
    if node.points is not None:
        parts.append(
            f"({node.points:+.2f} pts)" if node.kind == "rule" else f"({node.points:.2f} pts)"
        )
    text = " ".join(parts)
    if node.kind in ("option", "rule", "evidence", "gate") and node.label != node.id:
        text += f": {node.label}"
    if node.source:
        text += f" [{node.source}]"
    return text


def trace_renderable(trace: TraceNode) -> RenderableType:
    """An evidence trace as a rich tree, verdict at the root, evidence at the leaves."""
    from rich.tree import Tree

    styles = {
        "option": "bold",
        "gate": "red",
        "criterion": "cyan",
        "rule": "",
        "finding": "magenta",
        "evidence": "green",
    }

    def grow(tree: Tree, node: TraceNode) -> None:
        for child in node.children:
            branch = tree.add(rich_text(_trace_label(child)), style=styles[child.kind])
            grow(branch, child)

    root = Tree(rich_text(_trace_label(trace)), style=styles["option"])
    grow(root, trace)
    return root


def _switch_line(switch: Any) -> str:
    return (
        f"{switch.criterion}: {switch.direction} from {switch.current_weight:.4g} to"
        f" {switch.weight:.4g} (share {switch.current_share:.3f} -> {switch.share:.3f});"
        f" first place passes to {switch.new_winner}"
        + (f", tied with {', '.join(switch.tied_with)}" if switch.tied_with else "")
    )


def _counterfactual_line(counterfactual: Any) -> str:
    changes = "; ".join(
        f"{c.evidence}: {show(c.from_)} -> {show(c.to)}" for c in counterfactual.changes
    )
    effects = []
    if counterfactual.changes_winner:
        effects.append(f"first place passes to {counterfactual.new_winner or 'a tie'}")
    effects += [f"{v.option} becomes {verdict_label(v.to)}" for v in counterfactual.verdict_changes]
    return f"{changes}: {', '.join(effects)}"


def _search_line(explanation: Explanation) -> str:
    search = explanation.search
    if search.smallest_flip is not None:
        found = f"the smallest set that changes the winner has {search.smallest_flip} change(s)"
    elif explanation.winner is None:
        found = "first place is tied, so no winner to overturn"
    else:
        found = f"no set of up to {search.max_size} evidence changes changes the winner"
    scope = "exhaustive" if search.exhaustive else f"stopped at {search.budget} evaluations"
    return f"{found} ({search.candidates} candidate changes, {search.evaluated} evaluated, {scope})"


def explanation_renderable(
    explanation: Explanation,
    option: str | None = None,
    trace: bool = True,
    fingerprint: Fingerprint | None = None,
) -> RenderableType:
    """Narratives, traces, switching values and evidence counterfactuals, for the terminal."""
    from rich.console import Group
    from rich.text import Text

    title = f"Explanation: {one_line(explanation.scenario)}"
    parts: list[RenderableType] = [rich_text(title, style="bold")]
    chosen = [o for o in explanation.options if option is None or o.id == option]
    for o in chosen:
        method = (
            "exact"
            if o.attribution_method == "exact"
            else f"sampled, +/-{o.attribution_error:.2g} pts"
        )
        parts.append(
            rich_text(
                f"\n{one_line(o.name)} ({o.id}): {verdict_label(o.verdict)}",
                style=f"bold {VERDICT_STYLES.get(o.verdict, '')}".strip(),
            )
        )
        parts.append(rich_text(o.narrative))
        parts.append(
            Text(
                f"Attribution ({method}); total {o.total:.2f} = {o.baseline:.2f} with"
                " all evidence unknown + evidence points",
                style="dim",
            )
        )
        if trace:
            parts.append(trace_renderable(o.trace))
    parts.append(Text("\nWeight switching values", style="bold"))
    if explanation.stable_to_weights:
        parts.append(Text("The recommendation is stable to any single weight change."))
    parts += [rich_text("  - " + _switch_line(s)) for s in explanation.switching_values]
    parts.append(Text("\nEvidence counterfactuals", style="bold"))
    parts += [
        rich_text("  - " + _counterfactual_line(c)) for c in explanation.evidence_counterfactuals
    ]
    parts.append(Text("  " + _search_line(explanation), style="dim"))
    if explanation.find_out_next is not None:
        parts.append(Text("\nWhat to find out next", style="bold"))
        parts.append(rich_text(_standing_line(explanation)))
        parts.append(information_renderable(explanation.find_out_next))
    return Group(*parts, *footer_renderables(fingerprint))


def _standing_line(explanation: Explanation) -> str:
    """Where the recommendation stands, before what could change it."""
    report = explanation.find_out_next
    if report is None or report.recommended is not None:
        return f"Recommended now: {explanation.recommended}."
    return f"No option is recommended: {report.reason}"


def _trace_markdown(node: TraceNode, depth: int = 0) -> list[str]:
    lines = [f"{'  ' * depth}- {md(_trace_label(node))}"]
    for child in node.children:
        lines += _trace_markdown(child, depth + 1)
    return lines


def explanation_markdown(
    explanation: Explanation,
    option: str | None = None,
    trace: bool = True,
    fingerprint: Fingerprint | None = None,
) -> str:
    """The explanation as a Markdown briefing: narrative, then the trace, per option.

    Text from the files is escaped (``_common.md``).
    """
    lines = [f"# Why: {md(explanation.scenario)}", ""]
    for o in explanation.options:
        if option is not None and o.id != option:
            continue
        lines += [f"## {md(o.name)}: {verdict_label(o.verdict)}", "", md_block(o.narrative), ""]
        top = sorted(o.attribution.items(), key=lambda kv: -abs(kv[1]))
        rows = [(e, p) for e, p in top if p != 0.0][:8]
        if rows:
            lines += ["| Evidence | Points |", "| --- | ---: |"]
            lines += [f"| {md(e)} | {p:+.2f} |" for e, p in rows]
            lines.append("")
        if trace:
            lines += ["<details><summary>Evidence trace</summary>", ""]
            lines += _trace_markdown(o.trace)
            lines += ["", "</details>", ""]
    lines += ["## Switching values", ""]
    if explanation.stable_to_weights:
        lines.append("The recommendation is stable to any single weight change.")
    lines += [f"- {md(_switch_line(s))}" for s in explanation.switching_values]
    lines += ["", "## Evidence counterfactuals", ""]
    lines += [f"- {md(_counterfactual_line(c))}" for c in explanation.evidence_counterfactuals]
    lines += ["", md_block(_search_line(explanation))]
    if explanation.find_out_next is not None:
        lines += ["", "## What to find out next", "", md_block(_standing_line(explanation)), ""]
        lines += information_lines(explanation.find_out_next)
    return "\n".join(lines + markdown_footer(fingerprint)) + "\n"


def versus_data(pair: Versus) -> dict[str, Any]:
    """Why A over B, as data (``appraisal explain --versus A B --format json``)."""
    return pair.model_dump(mode="json")


def _versus_rows(pair: Versus, top: int) -> list[tuple[str, ...]]:
    rows = []
    for diff in pair.criteria[:top]:
        rules = [
            ", ".join(f"{d.rule} {d.points:+.1f}" for d in deltas if abs(d.points) >= 0.005)
            for deltas in (diff.rules_a, diff.rules_b)
        ]
        evidence = [f"{e} {p:+.1f}" for e, p in list(diff.evidence.items())[:4]]
        rows.append((diff.name, f"{diff.difference:+.2f}", *rules, ", ".join(evidence)))
    return rows


def versus_renderable(
    pair: Versus, top: int = 8, fingerprint: Fingerprint | None = None
) -> RenderableType:
    """A table of the criteria that separate two options, with rules and evidence."""
    from rich.console import Group

    verb = "over" if pair.difference >= 0 else "behind"
    head = rich_text(
        f"{pair.a} {verb} {pair.b}: {pair.total_a:.2f} vs {pair.total_b:.2f}"
        f" ({pair.difference:+.2f} pts)",
        style="bold",
    )
    footer = footer_renderables(fingerprint)
    return Group(head, AtWidth(lambda width: _versus_layout(pair, top, width)), *footer)


def _versus_layout(pair: Versus, top: int, width: int) -> RenderableType:
    """A table, one rule or evidence item to a line, when the terminal is wide enough for
    every id whole; otherwise each criterion stacked over its rules and evidence."""
    from rich.console import Group
    from rich.table import Table

    rows = _versus_rows(pair, top)
    headers = (
        "Criterion",
        f"{pair.a} - {pair.b}",
        f"Rules for {pair.a}",
        f"Rules for {pair.b}",
        "Evidence (points, A - B)",
    )
    cells = [(row[0], row[1], *(cell.replace(", ", "\n") for cell in row[2:])) for row in rows]
    widths = [
        max(len(line) for text in (header, *column) for line in text.split("\n"))
        for header, *column in zip(headers, *cells, strict=True)
    ]
    if sum(widths) + 3 * len(widths) + 1 <= width:
        table = Table(title_justify="left")
        for header in headers:
            table.add_column(rich_text(header), no_wrap=True)
        for row in cells:
            table.add_row(*(rich_text(cell) for cell in row))
        return table
    lines: list[RenderableType] = []
    for name, difference, rules_a, rules_b, evidence in rows:
        lines.append(rich_text(f"{one_line(name)}: {difference}", style="bold"))
        for label, text in (
            (f"rules for {pair.a}", rules_a),
            (f"rules for {pair.b}", rules_b),
            ("evidence (points, A - B)", evidence),
        ):
            if text:
                lines.append(hanging("  - ", f"{label}: {text}"))
    return Group(*lines)


def versus_markdown(pair: Versus, top: int = 8, fingerprint: Fingerprint | None = None) -> str:
    a, b = md(pair.a), md(pair.b)
    lines = [
        f"# {a} vs {b}: {pair.difference:+.2f} points",
        "",
        f"| Criterion | Difference | Rules for {a} | Rules for {b} | Evidence |",
        "| --- | ---: | --- | --- | --- |",
    ]
    lines += [f"| {' | '.join(md(cell) for cell in row)} |" for row in _versus_rows(pair, top)]
    return "\n".join(lines + markdown_footer(fingerprint)) + "\n"
