"""Turn results into things to read: rich renderables, Markdown, HTML, JSON, graphs.

Pure functions from result data to text or renderables; nothing here prints.
The command line decides where output goes.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

import networkx as nx

from .appraise import Appraisal
from .explain import Driver, drivers

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = [
    "appraisal_data",
    "appraisal_html",
    "appraisal_json",
    "appraisal_markdown",
    "appraisal_renderable",
    "comparison_renderable",
    "graph_dot",
    "graph_mermaid",
    "verdict_label",
]

VERDICT_STYLES = {
    "recommended": "bold green",
    "longer_term_potential": "yellow",
    "not_considered_further": "dim",
    "not_recommended": "red",
}


def verdict_label(verdict: str) -> str:
    return verdict.replace("_", " ")


def _rank(value: int | None) -> str:
    return "-" if value is None else str(value)


# --------------------------------------------------------------------------- data


def appraisal_data(appraisal: Appraisal, top: int = 3) -> dict[str, Any]:
    """The machine-readable result: ranking, verdicts, drivers, findings, firings."""
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
                "drivers": [d.model_dump() for d in drivers(appraisal, result)[:top]],
            }
        )
    return {
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


def appraisal_json(appraisal: Appraisal, top: int = 3) -> str:
    return json.dumps(appraisal_data(appraisal, top), indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------- terminal


def _driver_line(driver: Driver) -> str:
    cite = f" [{driver.source}]" if driver.source else ""
    if driver.kind == "gate":
        head = f"fails gate {driver.criteria[0]}"
    else:
        head = f"{driver.points:+.1f} pts"
    return f"{head}: {driver.rationale or driver.rule}{cite}"


def appraisal_renderable(appraisal: Appraisal, top: int = 3) -> RenderableType:
    """A ranking table, then each option's top drivers with their citations."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title=appraisal.scenario, title_justify="left", expand=False)
    table.add_column("Rank", justify="right")
    table.add_column("Option")
    table.add_column("Score", justify="right")
    table.add_column("Short term", justify="right")
    table.add_column("Long term", justify="right")
    table.add_column("Verdict")
    for result in appraisal.options:
        style = VERDICT_STYLES.get(result.verdict, "")
        table.add_row(
            _rank(result.rank),
            f"{result.name} ({result.id})",
            "excluded" if result.excluded else f"{result.score:.1f}",
            f"{result.short_term_score:.1f}",
            f"{result.long_term_score:.1f}",
            Text(verdict_label(result.verdict), style=style),
        )
    parts: list[RenderableType] = [table]
    if appraisal.recommended:
        parts.append(Text(f"Recommended: {appraisal.option(appraisal.recommended).name}",
                          style="bold green"))
    elif appraisal.tied_first:
        parts.append(Text(f"Tied first: {', '.join(appraisal.tied_first)}", style="bold yellow"))
    for result in appraisal.options:
        parts.append(Text(f"\n{result.name}: {verdict_label(result.verdict)}", style="bold"))
        for driver in drivers(appraisal, result)[:top]:
            line = Text("  - " + _driver_line(driver))
            parts.append(line)
            cited = [e for e in driver.evidence if e.source][:3]
            if cited:
                evidence = "; ".join(f"{e.id}={_show(e.value)} ({e.source})" for e in cited)
                parts.append(Text(f"      evidence: {evidence}", style="dim"))
    return Group(*parts)


def _show(value: object) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def comparison_renderable(appraisals: list[Appraisal]) -> RenderableType:
    """Several scenarios side by side: each option's score and verdict per scenario."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Scenarios compared", title_justify="left")
    table.add_column("Option")
    for appraisal in appraisals:
        table.add_column(appraisal.scenario, justify="center")
    option_ids = [o.id for o in appraisals[0].options]
    for appraisal in appraisals[1:]:
        option_ids += [o.id for o in appraisal.options if o.id not in option_ids]
    for option_id in option_ids:
        cells: list[Text | str] = [option_id]
        for appraisal in appraisals:
            try:
                result = appraisal.option(option_id)
            except Exception:  # an option some rule bases lack
                cells.append("")
                continue
            score = "excl." if result.excluded else f"{result.score:.1f} (#{_rank(result.rank)})"
            cells.append(Text(f"{score}\n{verdict_label(result.verdict)}",
                              style=VERDICT_STYLES.get(result.verdict, "")))
        table.add_row(*cells)
    return table


# --------------------------------------------------------------------------- documents


def appraisal_markdown(appraisal: Appraisal, top: int = 3) -> str:
    """A briefing-ready Markdown report of the ranking and its drivers."""
    lines = [f"# {appraisal.scenario}", ""]
    if appraisal.recommended:
        lines += [f"**Recommended:** {appraisal.option(appraisal.recommended).name}", ""]
    lines += [
        "| Rank | Option | Score | Short term | Long term | Verdict |",
        "| ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for r in appraisal.options:
        score = "excluded" if r.excluded else f"{r.score:.1f}"
        lines.append(
            f"| {_rank(r.rank)} | {r.name} | {score} | {r.short_term_score:.1f} |"
            f" {r.long_term_score:.1f} | {verdict_label(r.verdict)} |"
        )
    for r in appraisal.options:
        lines += ["", f"## {r.name}: {verdict_label(r.verdict)}", ""]
        for driver in drivers(appraisal, r)[:top]:
            lines.append(f"- {_driver_line(driver)}")
    return "\n".join(lines) + "\n"


def appraisal_html(appraisal: Appraisal) -> str:
    """A small HTML table, for notebooks."""
    rows = "".join(
        f"<tr><td>{_rank(r.rank)}</td><td>{html.escape(r.name)}</td>"
        f"<td>{'excluded' if r.excluded else f'{r.score:.1f}'}</td>"
        f"<td>{r.short_term_score:.1f}</td><td>{r.long_term_score:.1f}</td>"
        f"<td>{html.escape(verdict_label(r.verdict))}</td></tr>"
        for r in appraisal.options
    )
    return (
        f"<table><caption>{html.escape(appraisal.scenario)}</caption>"
        "<tr><th>Rank</th><th>Option</th><th>Score</th><th>Short term</th>"
        f"<th>Long term</th><th>Verdict</th></tr>{rows}</table>"
    )


# --------------------------------------------------------------------------- graphs


def _label(graph: nx.DiGraph, name: str) -> str:
    return f"{graph.nodes[name]['kind']}: {graph.nodes[name]['id']}"


def graph_mermaid(graph: nx.DiGraph) -> str:
    """The rule base graph as a Mermaid flowchart."""
    ids = {name: f"n{i}" for i, name in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for name in graph.nodes:
        label = _label(graph, name).replace('"', "'")
        lines.append(f'  {ids[name]}["{label}"]')
    for source, target, data in graph.edges(data=True):
        lines.append(f"  {ids[source]} -->|{data['kind']}| {ids[target]}")
    return "\n".join(lines) + "\n"


def graph_dot(graph: nx.DiGraph) -> str:
    """The rule base graph in Graphviz DOT."""
    shapes = {"fact": "note", "finding": "ellipse", "rule": "box", "option": "doubleoctagon",
              "criterion": "component", "gate": "hexagon", "cause": "oval", "problem": "octagon"}
    lines = ["digraph appraisal {", "  rankdir=LR;"]
    for name, kind in graph.nodes(data="kind"):
        label = _label(graph, name).replace('"', "'")
        lines.append(f'  "{name}" [label="{label}", shape={shapes.get(kind, "box")}];')
    for source, target, data in graph.edges(data=True):
        lines.append(f'  "{source}" -> "{target}" [label="{data["kind"]}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
