"""The rule base graph as Mermaid and Graphviz DOT text.

Labels and node names are ids from the rule base: cleaned of control
characters and quoted for each language, so no id can end a string early.
Each ends with the fingerprint of the rule base, as a comment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from ._common import FOOTER_LABEL, one_line

if TYPE_CHECKING:
    from ..fingerprint import Fingerprint


def _label(graph: nx.DiGraph, name: str) -> str:
    return one_line(f"{graph.nodes[name]['kind']}: {graph.nodes[name]['id']}")


def _comment(fingerprint: Fingerprint) -> str:
    return f"appraisal {one_line(fingerprint.version)}, {FOOTER_LABEL}: {fingerprint.sha256}"


def _dot(text: str) -> str:
    """A DOT string's inside: backslashes and quotes escaped."""
    return one_line(text).replace("\\", "\\\\").replace('"', '\\"')


def graph_mermaid(graph: nx.DiGraph, fingerprint: Fingerprint | None = None) -> str:
    """The rule base graph as a Mermaid flowchart."""
    ids = {name: f"n{i}" for i, name in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for name in graph.nodes:
        label = _label(graph, name).replace('"', "'")
        lines.append(f'  {ids[name]}["{label}"]')
    for source, target, data in graph.edges(data=True):
        lines.append(f"  {ids[source]} -->|{data['kind']}| {ids[target]}")
    if fingerprint is not None:
        lines.append(f"%% {_comment(fingerprint)}")
    return "\n".join(lines) + "\n"


def graph_dot(graph: nx.DiGraph, fingerprint: Fingerprint | None = None) -> str:
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
        lines.append(f'  "{_dot(name)}" [label="{_dot(label)}", shape={shapes.get(kind, "box")}];')
    for source, target, data in graph.edges(data=True):
        lines.append(f'  "{_dot(source)}" -> "{_dot(target)}" [label="{data["kind"]}"];')
    if fingerprint is not None:
        lines.append(f"  // {_comment(fingerprint)}")
    lines.append("}")
    return "\n".join(lines) + "\n"
