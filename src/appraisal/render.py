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
from .explain import (
    Attribution,
    Driver,
    EvidenceDriver,
    Explanation,
    TraceNode,
    Versus,
    attribute,
    drivers,
    evidence_drivers,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

    from .sensitivity import SensitivityReport

__all__ = [
    "appraisal_data",
    "appraisal_html",
    "appraisal_json",
    "appraisal_markdown",
    "appraisal_renderable",
    "comparison_renderable",
    "explanation_data",
    "explanation_json",
    "explanation_markdown",
    "explanation_renderable",
    "graph_dot",
    "graph_mermaid",
    "sensitivity_data",
    "sensitivity_json",
    "sensitivity_renderable",
    "trace_renderable",
    "verdict_label",
    "versus_data",
    "versus_markdown",
    "versus_renderable",
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
    """The machine-readable result: ranking, verdicts, drivers, findings, firings.

    An option's drivers are the evidence items with the largest attributed
    points (Shapley values), each with the rules it acts through and their
    citations; gate failures are listed separately.
    """
    attribution = attribute(appraisal)
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
                "drivers": [
                    _evidence_driver_data(d)
                    for d in evidence_drivers(appraisal, result, attribution)[:top]
                ],
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


def _evidence_driver_line(driver: EvidenceDriver) -> str:
    cited = driver.evidence
    source = f" ({cited.source})" if cited.source else ""
    rules = f" [{'; '.join(driver.rule_sources)}]" if driver.rule_sources else ""
    return f"{driver.points:+.1f} pts: {cited.id} = {_show(cited.value)}{source}{rules}"


def _option_lines(
    appraisal: Appraisal, attribution: Attribution, option_id: str, top: int
) -> list[str]:
    """Gate failures, then the evidence that weighs most, each line with its citations."""
    result = appraisal.option(option_id)
    lines = [_driver_line(d) for d in drivers(appraisal, result) if d.kind == "gate"]
    lines += [
        _evidence_driver_line(d) for d in evidence_drivers(appraisal, result, attribution)[:top]
    ]
    return lines


def appraisal_renderable(appraisal: Appraisal, top: int = 3) -> RenderableType:
    """A ranking table, then each option's top drivers with their citations."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title=appraisal.scenario, title_justify="left", expand=False)
    table.add_column("Rank", justify="right")
    table.add_column("Option")
    table.add_column("Score", justify="right")
    table.add_column("Short", justify="right")
    table.add_column("Long", justify="right")
    table.add_column("Verdict")
    for result in appraisal.options:
        style = VERDICT_STYLES.get(result.verdict, "")
        table.add_row(
            _rank(result.rank),
            result.name,
            "excluded" if result.excluded else f"{result.score:.1f}",
            f"{result.short_term_score:.1f}",
            f"{result.long_term_score:.1f}",
            Text(verdict_label(result.verdict), style=style),
        )
    parts: list[RenderableType] = [table]
    if appraisal.recommended:
        parts.append(
            Text(f"Recommended: {appraisal.option(appraisal.recommended).name}", style="bold green")
        )
    elif appraisal.tied_first:
        parts.append(Text(f"Tied first: {', '.join(appraisal.tied_first)}", style="bold yellow"))
    attribution = attribute(appraisal)
    for result in appraisal.options:
        heading = f"\n{result.name} ({result.id}): {verdict_label(result.verdict)}"
        parts.append(Text(heading, style="bold"))
        for line in _option_lines(appraisal, attribution, result.id, top):
            parts.append(Text("  - " + line))
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
            cells.append(
                Text(
                    f"{score}\n{verdict_label(result.verdict)}",
                    style=VERDICT_STYLES.get(result.verdict, ""),
                )
            )
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
    attribution = attribute(appraisal)
    for r in appraisal.options:
        lines += ["", f"## {r.name}: {verdict_label(r.verdict)}", ""]
        lines += [f"- {line}" for line in _option_lines(appraisal, attribution, r.id, top)]
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
    shapes = {
        "fact": "note",
        "finding": "ellipse",
        "rule": "box",
        "option": "doubleoctagon",
        "criterion": "component",
        "gate": "hexagon",
        "cause": "oval",
        "problem": "octagon",
    }
    lines = ["digraph appraisal {", "  rankdir=LR;"]
    for name, kind in graph.nodes(data="kind"):
        label = _label(graph, name).replace('"', "'")
        lines.append(f'  "{name}" [label="{label}", shape={shapes.get(kind, "box")}];')
    for source, target, data in graph.edges(data=True):
        lines.append(f'  "{source}" -> "{target}" [label="{data["kind"]}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- sensitivity


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def sensitivity_data(report: SensitivityReport) -> dict[str, Any]:
    """The machine-readable sensitivity analysis (``appraisal sensitivity --format json``)."""
    smaa = report.smaa
    data: dict[str, Any] = {
        "scenario": report.scenario,
        "scenario_path": report.scenario_path,
        "recommended": report.recommended,
        "samples": smaa.samples,
        "seed": smaa.seed,
        "prior": smaa.prior,
        "options": list(smaa.options),
        "excluded": list(smaa.excluded),
        "rank_acceptability": {
            o: [round(x, 6) for x in shares] for o, shares in smaa.rank_acceptability.items()
        },
        "central_weights": {
            o: None if w is None else {c: round(x, 6) for c, x in w.items()}
            for o, w in smaa.central_weights.items()
        },
        "confidence": dict(smaa.confidence),
        "tie_share": smaa.tie_share,
        "switching_values": {
            s.criterion: {
                "parent": s.parent,
                "share": _round(s.share),
                "global_weight": _round(s.global_weight),
                "raw_weight": s.raw_weight,
                "leader": list(s.leader),
                "switch_below": _round(s.switch_below),
                "switch_above": _round(s.switch_above),
                "raw_below": _round(None if s.switch_below is None else s.raw_at(s.switch_below)),
                "raw_above": _round(None if s.switch_above is None else s.raw_at(s.switch_above)),
            }
            for s in report.sweeps
        },
        "sweeps": {
            s.criterion: {
                "points": [round(p, 6) for p in s.points],
                "scores": {o: [round(x, 6) for x in xs] for o, xs in s.scores.items()},
                "crossings": [
                    {
                        "share": round(c.share, 6),
                        "global_weight": round(c.global_weight, 6),
                        "raw_weight": _round(c.raw_weight),
                        "options": list(c.options),
                        "ranking_before": list(c.ranking_before),
                        "ranking_after": list(c.ranking_after),
                    }
                    for c in s.crossings
                ],
            }
            for s in report.sweeps
        },
    }
    evidence = report.evidence
    if evidence is not None:
        data["recommended_probability"] = dict(evidence.recommended_probability)
        data["evidence"] = evidence.model_dump(mode="json")
    return data


def sensitivity_json(report: SensitivityReport) -> str:
    return json.dumps(sensitivity_data(report), indent=2)


_BLOCKS = " ▏▎▍▌▋▊▉█"


def _bar(share: float, width: int = 20) -> str:
    """A horizontal bar of ``share`` (0..1) in ``width`` characters, to the eighth."""
    eighths = round(max(0.0, min(1.0, share)) * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (_BLOCKS[part] if part else "")
    return text.ljust(width)


def _span(low: float, now: float, high: float, width: int = 24) -> str:
    """``[0, 1]`` in ``width`` cells: the span ``low..high`` filled, ``now`` marked."""
    cells = []
    for k in range(width):
        middle = (k + 0.5) / width
        if abs(middle - now) <= 0.5 / width:
            cells.append("┃")
        elif low <= middle <= high:
            cells.append("━")
        else:
            cells.append("·")
    return "".join(cells)


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


def sensitivity_renderable(report: SensitivityReport) -> RenderableType:
    """Rank acceptability, switching values and evidence uncertainty as rich tables with bars."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    smaa = report.smaa
    parts: list[RenderableType] = [Text(f"Sensitivity: {report.scenario}", style="bold")]
    ranks = len(smaa.options)
    table = Table(
        title=f"Rank acceptability over {smaa.samples:,} weight samples (seed {smaa.seed};"
        f" {smaa.prior})",
        title_justify="left",
    )
    table.add_column("Option")
    table.add_column("First", no_wrap=True)
    for rank in range(ranks):
        table.add_column(f"Rank {rank + 1}", justify="right")
    table.add_column("Confidence", justify="right")
    for option in smaa.options:
        shares = smaa.rank_acceptability[option]
        style = "bold green" if option == report.recommended else ""
        table.add_row(
            Text(option, style=style),
            Text(_bar(shares[0]), style="green"),
            *(_percent(x) for x in shares),
            _percent(smaa.confidence[option]),
        )
    parts.append(table)
    if smaa.excluded:
        parts.append(Text(f"Excluded by a gate (not ranked): {', '.join(smaa.excluded)}"))
    if smaa.tie_share:
        parts.append(Text(f"Ties in {smaa.tie_share:.2%} of samples (tied ranks shared evenly)"))

    switching = Table(
        title="Switching values: share among siblings over which the leader stays first",
        title_justify="left",
    )
    for name in ("Criterion", "Now", "Leader stays first", "0 ── share ── 1", "Raw weight"):
        switching.add_column(name, no_wrap=name != "Criterion")
    for sweep in report.sweeps:
        low = sweep.switch_below if sweep.switch_below is not None else 0.0
        high = sweep.switch_above if sweep.switch_above is not None else 1.0
        raw_low = sweep.raw_at(low) if sweep.switch_below is not None else 0.0
        raw_high = sweep.raw_at(high) if sweep.switch_above is not None else None
        raw = f"{sweep.raw_weight:g}: {raw_low:.3g} to " + (
            "any" if raw_high is None else f"{raw_high:.3g}"
        )
        switching.add_row(
            sweep.criterion if sweep.parent is None else f"{sweep.parent} / {sweep.criterion}",
            f"{sweep.share:.3f}",
            f"{low:.3f} to {high:.3f}",
            _span(low, sweep.share, high),
            raw,
        )
    parts.append(switching)

    evidence = report.evidence
    if evidence is not None:
        title = (
            f"Evidence uncertainty over {evidence.samples:,} samples (seed {evidence.seed};"
            f" weights: {evidence.weights}; items sampled: {', '.join(evidence.items) or 'none'})"
        )
        table = Table(title=title, title_justify="left")
        table.add_column("Option")
        table.add_column("Recommended", no_wrap=True)
        table.add_column("P", justify="right")
        table.add_column("Verdicts")
        for option in evidence.options:
            p = evidence.recommended_probability[option]
            verdicts = ", ".join(
                f"{verdict_label(v)} {_percent(x)}"
                for v, x in evidence.verdict_probability[option].items()
                if x > 0
            )
            table.add_row(option, Text(_bar(p), style="green"), _percent(p), verdicts)
        parts.append(table)
        if evidence.no_recommendation:
            parts.append(Text(f"No single recommendation in {evidence.no_recommendation:.1%}"))
    return Group(*parts)


# --------------------------------------------------------------------------- explanation


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
    }


def explanation_json(explanation: Explanation) -> str:
    return json.dumps(explanation_data(explanation), indent=2, ensure_ascii=False)


def _trace_label(node: TraceNode) -> str:
    parts = [f"{node.kind} {node.id}"]
    if node.value is not None and node.kind != "option":
        parts.append(f"= {_show(node.value)}")
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
    from rich.markup import escape
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
            branch = tree.add(escape(_trace_label(child)), style=styles[child.kind])
            grow(branch, child)

    root = Tree(escape(_trace_label(trace)), style=styles["option"])
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
        f"{c.evidence}: {_show(c.from_)} -> {_show(c.to)}" for c in counterfactual.changes
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
    explanation: Explanation, option: str | None = None, trace: bool = True
) -> RenderableType:
    """Narratives, traces, switching values and evidence counterfactuals, for the terminal."""
    from rich.console import Group
    from rich.text import Text

    parts: list[RenderableType] = [Text(f"Explanation: {explanation.scenario}", style="bold")]
    chosen = [o for o in explanation.options if option is None or o.id == option]
    for o in chosen:
        method = (
            "exact"
            if o.attribution_method == "exact"
            else f"sampled, +/-{o.attribution_error:.2g} pts"
        )
        parts.append(
            Text(
                f"\n{o.name} ({o.id}): {verdict_label(o.verdict)}",
                style=f"bold {VERDICT_STYLES.get(o.verdict, '')}".strip(),
            )
        )
        parts.append(Text(o.narrative))
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
    parts += [Text("  - " + _switch_line(s)) for s in explanation.switching_values]
    parts.append(Text("\nEvidence counterfactuals", style="bold"))
    parts += [Text("  - " + _counterfactual_line(c)) for c in explanation.evidence_counterfactuals]
    parts.append(Text("  " + _search_line(explanation), style="dim"))
    return Group(*parts)


def _trace_markdown(node: TraceNode, depth: int = 0) -> list[str]:
    lines = [f"{'  ' * depth}- {_trace_label(node)}"]
    for child in node.children:
        lines += _trace_markdown(child, depth + 1)
    return lines


def explanation_markdown(
    explanation: Explanation, option: str | None = None, trace: bool = True
) -> str:
    """The explanation as a Markdown briefing: narrative, then the trace, per option."""
    lines = [f"# Why: {explanation.scenario}", ""]
    for o in explanation.options:
        if option is not None and o.id != option:
            continue
        lines += [f"## {o.name}: {verdict_label(o.verdict)}", "", o.narrative, ""]
        top = sorted(o.attribution.items(), key=lambda kv: -abs(kv[1]))
        rows = [(e, p) for e, p in top if p != 0.0][:8]
        if rows:
            lines += ["| Evidence | Points |", "| --- | ---: |"]
            lines += [f"| {e} | {p:+.2f} |" for e, p in rows]
            lines.append("")
        if trace:
            lines += ["<details><summary>Evidence trace</summary>", ""]
            lines += _trace_markdown(o.trace)
            lines += ["", "</details>", ""]
    lines += ["## Switching values", ""]
    if explanation.stable_to_weights:
        lines.append("The recommendation is stable to any single weight change.")
    lines += [f"- {_switch_line(s)}" for s in explanation.switching_values]
    lines += ["", "## Evidence counterfactuals", ""]
    lines += [f"- {_counterfactual_line(c)}" for c in explanation.evidence_counterfactuals]
    lines += ["", _search_line(explanation)]
    return "\n".join(lines) + "\n"


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


def versus_renderable(pair: Versus, top: int = 8) -> RenderableType:
    """A table of the criteria that separate two options, with rules and evidence."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    verb = "over" if pair.difference >= 0 else "behind"
    head = Text(
        f"{pair.a} {verb} {pair.b}: {pair.total_a:.2f} vs {pair.total_b:.2f}"
        f" ({pair.difference:+.2f} pts)",
        style="bold",
    )
    table = Table(title_justify="left")
    for name in (
        "Criterion",
        f"{pair.a} - {pair.b}",
        f"Rules for {pair.a}",
        f"Rules for {pair.b}",
        "Evidence (points, A - B)",
    ):
        table.add_column(name)
    for row in _versus_rows(pair, top):
        table.add_row(*row)
    return Group(head, table)


def versus_markdown(pair: Versus, top: int = 8) -> str:
    lines = [
        f"# {pair.a} vs {pair.b}: {pair.difference:+.2f} points",
        "",
        f"| Criterion | Difference | Rules for {pair.a} | Rules for {pair.b} | Evidence |",
        "| --- | ---: | --- | --- | --- |",
    ]
    lines += [f"| {' | '.join(row)} |" for row in _versus_rows(pair, top)]
    return "\n".join(lines) + "\n"
