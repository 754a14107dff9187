"""The rule base graph as Mermaid, Graphviz DOT, GraphML and JSON.

Each writer draws the diagram of ``appraisal.diagram``: the graph connected
through criteria and gates, at the chosen detail, with a scenario's state when
an appraisal is given. Mermaid and DOT group nodes by kind (subgraphs,
clusters), give each kind its own shape and colour, and mark the state with
classes of their own (a fired rule, a failed gate, an excluded or recommended
option) and with heavy edges for what the scenario's rules did. GraphML and
JSON are networkx's own formats, carrying every attribute.

Labels are names from the rule base, cleaned of control characters and escaped
for each language (Mermaid entity codes, DOT string escapes), so no name can
end a label early or add markup. Each output ends with the fingerprint of its
inputs: a comment in Mermaid and DOT, graph attributes in GraphML, a field in
JSON.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import networkx as nx

from ..diagram import GROUPS, Detail, diagram
from ._common import FOOTER_LABEL, fingerprint_data, markdown_footer, md, one_line, to_json

if TYPE_CHECKING:
    from ..appraise import Appraisal
    from ..fingerprint import Fingerprint

__all__ = [
    "KIND_COLOURS",
    "MERMAID_STYLES",
    "graph_dot",
    "graph_graphml",
    "graph_json",
    "graph_markdown",
    "graph_mermaid",
]

GROUP_TITLES = {
    "options": "Options",
    "causes": "Causes and problems",
    "criteria": "Criteria",
    "gates": "Gates",
    "evidence": "Evidence",
    "findings": "Findings",
    "rules": "Rules",
}

KIND_COLOURS: dict[str, tuple[str, str, str]] = {
    "option": ("#dbeafe", "#1d4ed8", "#0b1f4d"),
    "cause": ("#fde2e1", "#b42318", "#55160c"),
    "problem": ("#feecd2", "#b54708", "#4e1d09"),
    "criterion": ("#e3f6ea", "#067647", "#053321"),
    "gate": ("#efe7fb", "#6941c6", "#2c1c5f"),
    "fact": ("#ffffff", "#98a2b3", "#101828"),
    "finding": ("#fef7c3", "#a15c07", "#542c0d"),
    "rule": ("#f2f4f7", "#667085", "#101828"),
}
"""Fill, border and text colour of each kind of node, in Mermaid and DOT alike."""

MERMAID_STYLES: dict[str, str] = {
    **{kind: f"fill:{f},stroke:{s},color:{t}" for kind, (f, s, t) in KIND_COLOURS.items()},
    # states, declared after the kinds so that they win where both set a property
    "recommended": "fill:#b7ebc6,stroke:#067647,stroke-width:4px,color:#053321",
    "excluded": "fill:#f2f4f7,stroke:#98a2b3,stroke-dasharray:5 3,color:#667085",
    "failed": "fill:#fecdca,stroke:#d92d20,stroke-width:4px,color:#55160c",
    "fired": "fill:#fedf89,stroke:#b54708,stroke-width:3px",
    "unknown": "stroke-dasharray:5 3,color:#667085",
}
"""Mermaid ``classDef`` styles: one class per node kind, then one per state marked."""

_STATE_CLASSES = ("recommended", "excluded", "failed", "fired", "unknown")

_MERMAID_SHAPES = {
    "option": ('[["', '"]]'),
    "cause": ('(["', '"])'),
    "problem": ('{{"', '"}}'),
    "criterion": ('["', '"]'),
    "gate": ('[/"', '"\\]'),
    "fact": ('[("', '")]'),
    "finding": ('>"', '"]'),
    "rule": ('("', '")'),
}

_DOT_SHAPES = {
    "fact": "note",
    "finding": "ellipse",
    "rule": "box",
    "option": "doubleoctagon",
    "criterion": "component",
    "gate": "hexagon",
    "cause": "oval",
    "problem": "octagon",
}

_POSITIVE, _NEGATIVE, _FAILED = "#067647", "#b42318", "#d92d20"


def _comment(fingerprint: Fingerprint) -> str:
    return f"appraisal {one_line(fingerprint.version)}, {FOOTER_LABEL}: {fingerprint.sha256}"


def _drawn(graph: nx.DiGraph, appraisal: Appraisal | None, detail: Detail) -> nx.DiGraph:
    return diagram(graph, appraisal, detail=detail)


def _grouped(drawn: nx.DiGraph) -> list[tuple[str, list[str]]]:
    """The diagram's nodes by group, in drawing order; empty groups left out."""
    groups = []
    for group, kinds in GROUPS.items():
        members = [n for n, kind in drawn.nodes(data="kind") if kind in kinds]
        if members:
            groups.append((group, members))
    return groups


def _node_lines(data: dict[str, Any]) -> list[str]:
    """A node's label, line by line: its name, then what the scenario made of it."""
    lines = [one_line(data["name"])]
    state, kind = data["state"], data["kind"]
    if kind == "option" and state:
        verdict = str(data["verdict"]).replace("_", " ")
        lines.append(verdict if state == "excluded" else f"{verdict}, {data['score']:.1f}")
    elif kind == "gate" and state == "failed":
        lines.append("failed")
    elif kind in ("fact", "finding") and state:
        lines[0] += f" = {one_line(data['value'])}" if state == "known" else ": unknown"
    return lines


def _edge_label(data: dict[str, Any]) -> str:
    """An edge's label: what it is, or (for a scenario) what the rules did along it."""
    kind, state = data["kind"], data["state"]
    if kind in ("addresses", "drives"):
        return str(kind)
    if kind in ("moves", "fails"):
        return one_line(data["options"])
    if kind == "scored_by":
        if state == "moved":
            change = round(data["change"], 1)
            return f"{change:+.1f} pts" if change else "0 pts"
        return "" if state else f"{data['rules']} rule{'s' if data['rules'] != 1 else ''}"
    if kind == "gated_by":
        return {"failed": "fails", "passed": "passes"}.get(state, "can fail")
    return ""


def _drawn_edges(drawn: nx.DiGraph) -> list[tuple[str, str, dict[str, Any]]]:
    """The edges a picture draws: all but the criteria a scenario's rules left unmoved, which
    would crowd out the ones they did move (GraphML and JSON keep them)."""
    return [
        (source, target, data)
        for source, target, data in drawn.edges(data=True)
        if not (data["kind"] == "scored_by" and data["state"] == "unmoved")
    ]


def _emphasised(data: dict[str, Any]) -> bool:
    """Whether an edge is something the scenario's rules did (drawn heavy)."""
    return str(data["state"]) in ("fired", "moved", "failed")


def _faint(data: dict[str, Any]) -> bool:
    """Whether an edge is a possibility that did not happen, or a gate (drawn dotted)."""
    state = str(data["state"])
    if data["kind"] == "gated_by":
        return state != "failed"
    return state in ("not_fired", "unknown", "unmoved", "passed")


# --------------------------------------------------------------------------- Mermaid

_MERMAID_ENTITIES = {
    '"': "#quot;",
    "#": "#35;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "`": "#96;",
    "|": "#124;",
}


def _mermaid_text(text: object) -> str:
    """Text for the inside of a quoted Mermaid label: one line, with entity codes for the
    characters that would end the label, open markup or be read as an entity."""
    return "".join(_MERMAID_ENTITIES.get(c, c) for c in one_line(text))


def graph_mermaid(
    graph: nx.DiGraph,
    fingerprint: Fingerprint | None = None,
    *,
    appraisal: Appraisal | None = None,
    detail: Detail = "overview",
) -> str:
    """The graph as a Mermaid flowchart, ready for a file or a fenced ``mermaid`` block.

    ``graph`` is the rule base graph (``graph.build_graph``); with
    ``appraisal``, the scenario's state is marked.
    """
    drawn = _drawn(graph, appraisal, detail)
    ids = {name: f"n{i}" for i, name in enumerate(drawn.nodes)}
    lines = []
    if appraisal is not None:
        lines.append(f"%% scenario: {one_line(appraisal.scenario)}")
    lines.append("flowchart LR")
    for group, members in _grouped(drawn):
        lines.append(f'  subgraph {group}["{GROUP_TITLES[group]}"]')
        for name in members:
            data = drawn.nodes[name]
            opening, closing = _MERMAID_SHAPES[data["kind"]]
            label = "<br/>".join(_mermaid_text(line) for line in _node_lines(data))
            lines.append(f"    {ids[name]}{opening}{label}{closing}")
        lines.append("  end")
    colours: dict[str, list[int]] = {}
    for index, (source, target, data) in enumerate(_drawn_edges(drawn)):
        arrow = "==>" if _emphasised(data) else "-.->" if _faint(data) else "-->"
        label = _edge_label(data)
        text = f'|"{_mermaid_text(label)}"|' if label else ""
        lines.append(f"  {ids[source]} {arrow}{text} {ids[target]}")
        colour = _edge_colour(data)
        if colour:
            colours.setdefault(colour, []).append(index)
    for colour, indices in colours.items():
        lines.append(f"  linkStyle {','.join(map(str, indices))} stroke:{colour},stroke-width:3px")
    for name, style in MERMAID_STYLES.items():
        lines.append(f"  classDef {name} {style}")
    for kind in _MERMAID_SHAPES:
        members = [ids[n] for n, k in drawn.nodes(data="kind") if k == kind]
        if members:
            lines.append(f"  class {','.join(members)} {kind}")
    for state in _STATE_CLASSES:
        members = [ids[n] for n, s in drawn.nodes(data="state") if s == state]
        if members:
            lines.append(f"  class {','.join(members)} {state}")
    if fingerprint is not None:
        lines.append(f"%% {_comment(fingerprint)}")
    return "\n".join(lines) + "\n"


def _edge_colour(data: dict[str, Any]) -> str | None:
    if data["state"] == "failed":
        return _FAILED
    if data["kind"] == "scored_by" and data["state"] == "moved" and data["change"]:
        return _POSITIVE if data["change"] > 0 else _NEGATIVE
    return None


_LEGEND = {
    "overview": (
        "Options (double-edged boxes) point to the causes and problems they address, to the"
        " criteria some rule moves them on and to the gates some rule can fail them on."
    ),
    "full": (
        "Evidence and findings feed the rules that read them; each rule points to the"
        " findings it derives, the criteria it moves and the gates it fails, labelled with"
        " the options it acts on."
    ),
}


def graph_markdown(
    graph: nx.DiGraph,
    fingerprint: Fingerprint | None = None,
    *,
    appraisal: Appraisal | None = None,
    detail: Detail = "overview",
) -> str:
    """The Mermaid flowchart in a fenced block, with a heading and a key, for a code host."""
    title = "Rule base graph" if appraisal is None else f"Graph: {md(appraisal.scenario)}"
    lines = [f"# {title}", "", _LEGEND[detail]]
    if appraisal is not None:
        lines[-1] += (
            " Heavy edges are what this scenario's rules did: points moved on a criterion"
            " (green up, red down) and gates failed; dotted edges did not happen. The"
            " recommended option is green, an excluded one grey and dashed, a failed gate red"
            + (", a fired rule amber." if detail == "full" else ".")
        )
    mermaid = graph_mermaid(graph, appraisal=appraisal, detail=detail)
    lines += ["", "```mermaid", mermaid.rstrip("\n"), "```"]
    return "\n".join(lines + markdown_footer(fingerprint)) + "\n"


# --------------------------------------------------------------------------- DOT

_DOT_STATE_STYLES = {
    "recommended": 'fillcolor="#b7ebc6", color="#067647", penwidth=3',
    "excluded": 'fillcolor="#f2f4f7", color="#98a2b3", fontcolor="#667085", style="filled,dashed"',
    "failed": 'fillcolor="#fecdca", color="#d92d20", penwidth=3',
    "fired": 'fillcolor="#fedf89", color="#b54708", penwidth=2',
    "unknown": 'color="#98a2b3", fontcolor="#667085", style="filled,dashed"',
}


def _dot(text: str) -> str:
    """A DOT string's inside: backslashes and quotes escaped."""
    return one_line(text).replace("\\", "\\\\").replace('"', '\\"')


def _dot_style(kind: str, state: str) -> str:
    """A node's DOT colours: its kind's, with its state's on top (the last value wins)."""
    fill, stroke, text = KIND_COLOURS[kind]
    style = f'fillcolor="{fill}", color="{stroke}", fontcolor="{text}"'
    return f"{style}, {_DOT_STATE_STYLES[state]}" if state in _DOT_STATE_STYLES else style


def graph_dot(
    graph: nx.DiGraph,
    fingerprint: Fingerprint | None = None,
    *,
    appraisal: Appraisal | None = None,
    detail: Detail = "overview",
) -> str:
    """The graph in Graphviz DOT: the same diagram as ``graph_mermaid``, in clusters."""
    drawn = _drawn(graph, appraisal, detail)
    lines = ["digraph appraisal {", "  rankdir=LR;", '  node [style=filled, fontname="Helvetica"];']
    lines.append('  edge [fontname="Helvetica", fontsize=10];')
    if appraisal is not None:
        lines.append(f'  label="{_dot(appraisal.scenario)}"; labelloc=t;')
    for group, members in _grouped(drawn):
        lines.append(f'  subgraph cluster_{group} {{ label="{GROUP_TITLES[group]}";')
        for name in members:
            data = drawn.nodes[name]
            label = "\\n".join(_dot(line) for line in _node_lines(data))
            style = _dot_style(data["kind"], data["state"])
            lines.append(
                f'    "{_dot(name)}" [label="{label}", shape={_DOT_SHAPES[data["kind"]]}, {style}];'
            )
        lines.append("  }")
    for source, target, data in _drawn_edges(drawn):
        attributes = [f'kind="{data["kind"]}"']
        label = _edge_label(data)
        if label:
            attributes.append(f'label="{_dot(label)}"')
        if _emphasised(data):
            attributes.append("penwidth=3")
        elif _faint(data):
            attributes.append("style=dashed")
        colour = _edge_colour(data)
        if colour:
            attributes.append(f'color="{colour}"')
        lines.append(f'  "{_dot(source)}" -> "{_dot(target)}" [{", ".join(attributes)}];')
    if fingerprint is not None:
        lines.append(f"  // {_comment(fingerprint)}")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- GraphML and JSON


def graph_graphml(
    graph: nx.DiGraph,
    fingerprint: Fingerprint | None = None,
    *,
    appraisal: Appraisal | None = None,
    detail: Detail = "full",
) -> str:
    """The diagram as GraphML (``networkx.write_graphml``), for yEd, Gephi or Cytoscape.

    The fingerprint, when given, is in the graph's attributes ``appraisal_version``
    and ``fingerprint_sha256``.
    """
    drawn = _drawn(graph, appraisal, detail)
    if fingerprint is not None:
        drawn.graph["appraisal_version"] = fingerprint.version
        drawn.graph["fingerprint_sha256"] = fingerprint.sha256
    buffer = io.BytesIO()
    nx.write_graphml(drawn, buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def graph_json(
    graph: nx.DiGraph,
    fingerprint: Fingerprint | None = None,
    *,
    appraisal: Appraisal | None = None,
    detail: Detail = "full",
) -> str:
    """The diagram as networkx node-link JSON (``networkx.node_link_data``), with the
    fingerprint in a ``fingerprint`` field."""
    data = nx.node_link_data(_drawn(graph, appraisal, detail), edges="edges")
    if fingerprint is not None:
        data["fingerprint"] = fingerprint_data(fingerprint)
    return to_json(data, ensure_ascii=True)
