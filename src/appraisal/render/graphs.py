"""The rule base graph as Mermaid and Graphviz DOT text."""

from __future__ import annotations

import networkx as nx


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
