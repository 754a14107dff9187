"""The rule base graph as a diagram draws it: connected, named, and marked with a scenario's state.

``graph.build_graph`` makes the graph evaluation needs, where a rule points at
the option it moves. A reader asks other questions: which criterion does the
option move on, which gate excludes it, what happened in this case. So the
diagram adds, from the same graph:

- ``moves``: rule -> the criterion it moves (``options``: on which options);
- ``fails``: rule -> the gate it fails (``options``: which options);
- ``scored_by``: option -> leaf criterion, when some rule can move the option
  there (``rules``: how many);
- ``gated_by``: option -> gate, when some rule can fail the option on it.

The rule-to-option edges are left out: the two above carry the same relation,
and draw the criteria tree and the gates into one connected picture.

Every node has its ``kind``, ``item_id`` (its id in the rule base) and
``name`` (the label a reader sees). Given an ``Appraisal``, every node and edge
gets a ``state``: rules ``fired``,
``not_fired`` or ``unknown``; gates ``failed`` or ``passed``; options
``recommended``, ``ranked`` or ``excluded`` (with verdict, rank and score);
facts and findings ``known`` or ``unknown`` (with their value); ``scored_by``
edges ``moved`` (with the net points the rules moved the value by) or
``unmoved``; ``gated_by`` edges ``failed`` or ``passed``; ``moves``, ``fails``
and ``derives`` edges the state of their rule. Without one, ``state`` is the
empty string. Every attribute is a plain string or number, so the diagram
goes to GraphML and JSON as it is.

Two levels of detail: ``full`` keeps facts, findings and rules; ``overview``
keeps causes, problems, options, criteria and gates, with the rules folded into
the ``scored_by`` and ``gated_by`` edges. At the bundled rule base's size
(over a hundred rules and seventy facts) no layout makes the full graph
legible, while the overview fits on a page and still says which option
addresses what, moves on which criterion and fails which gate; the rules
behind each edge are in ``appraisal explain``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Literal

import networkx as nx

from .graph import node

if TYPE_CHECKING:
    from .appraise import Appraisal

__all__ = ["DETAILS", "GROUPS", "Detail", "diagram"]

Detail = Literal["overview", "full"]
DETAILS: tuple[Detail, ...] = ("overview", "full")

GROUPS: dict[str, tuple[str, ...]] = {
    "options": ("option",),
    "causes": ("cause", "problem"),
    "criteria": ("criterion",),
    "gates": ("gate",),
    "evidence": ("fact",),
    "findings": ("finding",),
    "rules": ("rule",),
}
"""The diagram's groups (subgraphs, clusters) in drawing order, each with the node kinds in it."""

_OVERVIEW_KINDS = frozenset({"option", "cause", "problem", "criterion", "gate"})


def diagram(
    graph: nx.DiGraph, appraisal: Appraisal | None = None, *, detail: Detail = "overview"
) -> nx.DiGraph:
    """The diagram of a rule base graph (``graph.build_graph``), with ``appraisal``'s state."""
    if detail not in DETAILS:
        raise ValueError(f"detail is one of {', '.join(DETAILS)}, not {detail!r}")
    drawn = nx.DiGraph(
        detail=detail,
        scenario="" if appraisal is None else appraisal.scenario,
        recommended=""
        if appraisal is None or appraisal.recommended is None
        else appraisal.recommended,
    )
    kinds = _OVERVIEW_KINDS if detail == "overview" else None
    for name, data in graph.nodes(data=True):
        if kinds is None or data["kind"] in kinds:
            drawn.add_node(name, **_node_attributes(data, appraisal))
    for source, target, data in graph.edges(data=True):
        if data["kind"] in ("scores", "fails"):
            continue
        if source in drawn and target in drawn:
            drawn.add_edge(
                source, target, kind=data["kind"], state=_rule_state(graph, source, appraisal)
            )
    _add_rule_edges(drawn, graph, appraisal, full=detail == "full")
    return drawn


def _firings(appraisal: Appraisal | None) -> dict[str, str]:
    return {} if appraisal is None else {f.rule: f.status for f in appraisal.firings}


def _rule_state(graph: nx.DiGraph, name: str, appraisal: Appraisal | None) -> str:
    """A rule's firing status, for the edges that leave it; the empty string for other nodes."""
    if appraisal is None or graph.nodes[name]["kind"] != "rule":
        return ""
    return _firings(appraisal).get(graph.nodes[name]["id"], "not_fired")


def _node_attributes(data: dict[str, object], appraisal: Appraisal | None) -> dict[str, object]:
    kind, item_id = str(data["kind"]), str(data["id"])
    attributes: dict[str, object] = {
        "kind": kind,
        "item_id": item_id,
        "name": str(data.get("name") or item_id),
        "state": "",
    }
    if appraisal is None:
        return attributes
    if kind == "option":
        result = appraisal.option(item_id)
        if result.excluded:
            attributes["state"] = "excluded"
        elif item_id == appraisal.recommended:
            attributes["state"] = "recommended"
        else:
            attributes["state"] = "ranked"
        attributes["verdict"] = result.verdict
        attributes["score"] = round(result.score, 6)
        if result.rank is not None:
            attributes["rank"] = result.rank
    elif kind == "gate":
        failed = any(
            failure.gate == item_id
            for result in appraisal.options
            for failure in result.gate_failures
        )
        attributes["state"] = "failed" if failed else "passed"
    elif kind == "rule":
        attributes["state"] = _firings(appraisal).get(item_id, "not_fired")
    elif kind in ("fact", "finding"):
        values = appraisal.evidence if kind == "fact" else appraisal.findings
        value = values.get(item_id)
        attributes["state"] = "unknown" if value is None else "known"
        if value is not None:
            attributes["value"] = value if isinstance(value, str) else _plain(value)
    elif kind == "criterion" and item_id in appraisal.weights:
        attributes["weight"] = round(appraisal.weights[item_id], 6)
    return attributes


def _plain(value: bool | float) -> str:
    """A value as text (GraphML keeps one type per attribute, and values are of several)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}"


def _add_rule_edges(
    drawn: nx.DiGraph, graph: nx.DiGraph, appraisal: Appraisal | None, *, full: bool
) -> None:
    """The rules' effects as edges that reach criteria and gates (see the module docstring)."""
    firings = _firings(appraisal)
    # (rule, criterion or gate) -> options; (option, criterion or gate) -> rules
    by_rule: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    by_option: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for source, target, data in graph.edges(data=True):
        if data["kind"] not in ("scores", "fails"):
            continue
        option_id = graph.nodes[target]["id"]
        for kind, key, target_kind in (
            ("moves", "criteria", "criterion"),
            ("fails", "gates", "gate"),
        ):
            for item in data.get(key, ()):
                by_rule[(source, node(target_kind, item), kind)].append(option_id)
                by_option[(target, node(target_kind, item), kind)].append(graph.nodes[source]["id"])
    if full:
        for (rule, target, kind), options in by_rule.items():
            state = "" if appraisal is None else firings.get(graph.nodes[rule]["id"], "not_fired")
            drawn.add_edge(
                rule, target, kind=kind, options=", ".join(dict.fromkeys(options)), state=state
            )
    for (option, target, kind), rules in by_option.items():
        rules = list(dict.fromkeys(rules))
        attributes: dict[str, object] = {"rules": len(rules), "state": ""}
        if appraisal is not None:
            attributes.update(_option_edge_state(appraisal, option, target, kind, rules, firings))
        drawn.add_edge(
            option, target, kind="scored_by" if kind == "moves" else "gated_by", **attributes
        )


def _option_edge_state(
    appraisal: Appraisal,
    option: str,
    target: str,
    kind: str,
    rules: list[str],
    firings: dict[str, str],
) -> dict[str, object]:
    """What the scenario's rules did to one option on one criterion or gate."""
    result = appraisal.option(option.partition(":")[2])
    item = target.partition(":")[2]
    fired = sum(1 for rule in rules if firings.get(rule) == "fired")
    if kind == "fails":
        failed = any(failure.gate == item for failure in result.gate_failures)
        return {"state": "failed" if failed else "passed", "fired": fired}
    value = result.values.get(item)
    change = 0.0 if value is None else value.value - value.baseline
    return {
        "state": "moved" if fired else "unmoved",
        "fired": fired,
        "change": round(change, 6),
    }
