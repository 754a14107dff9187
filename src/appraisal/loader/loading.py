"""Rule bases and scenarios, read, checked and resolved (``extends``).

A scenario may ``extends:`` another; its evidence items and weights replace the
parent's item by item, so a what-if states only what changes. Its ``expect`` is
its own or none: a what-if exists to change the answer, so the parent's
expectation would be wrong more often than right.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import (
    AppraisalError,
    GraphCycleError,
    Location,
    ScenarioLoadError,
)
from ..models import Document, EvidenceItem, RuleBase, Scenario
from .checks import _raise_all, check_rule_base, check_scenario
from .reading import Marks, display_path, read_yaml, validate_model


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario with its ``extends`` chain resolved, and the rule base it names."""

    scenario: Scenario
    rule_base: RuleBase
    path: str
    rule_base_path: str
    evidence_locations: Mapping[str, Location]
    chain: tuple[str, ...]
    graph: Any = None
    """The rule base's graph, built while checking it (see ``graph.build_graph``)."""


def load_rule_base(path: str | Path) -> tuple[RuleBase, Marks]:
    """Read a rule base file and check every internal reference, reporting all problems."""
    rule_base, marks, _ = _load_rule_base_with_graph(path)
    return rule_base, marks


def _load_rule_base_with_graph(path: str | Path) -> tuple[RuleBase, Marks, Any]:
    """The checked rule base, its marks and its graph, parsed once per file version.

    Several scenarios usually share one rule base (a comparison, a notebook
    re-running what-ifs), and parsing it dominates loading. The models are
    frozen, so the cached result is shared safely; the graph is only read. A
    change to the file (its modification time or size) or to the working
    directory (which the reported paths are relative to) reads it afresh.
    """
    file_path = Path(path)
    try:
        stat = file_path.stat()
    except OSError:
        return _parse_rule_base(file_path)  # raises the located "not found" error
    return _cached_rule_base(
        str(file_path.resolve()), stat.st_mtime_ns, stat.st_size, str(Path.cwd())
    )


@functools.lru_cache(maxsize=8)
def _cached_rule_base(
    resolved: str, mtime_ns: int, size: int, cwd: str
) -> tuple[RuleBase, Marks, Any]:
    del mtime_ns, size, cwd  # part of the cache key only
    return _parse_rule_base(Path(resolved))


def _parse_rule_base(file_path: Path) -> tuple[RuleBase, Marks, Any]:
    from ..graph import build_graph
    from ..rules import check_rules

    data, marks = read_yaml(file_path)
    rule_base = validate_model(RuleBase, data, marks)
    problems = check_rule_base(rule_base, marks) + check_rules(rule_base, marks)
    _raise_all(problems)
    try:
        graph = build_graph(rule_base)  # refuses cycles among findings or causes
    except GraphCycleError as error:
        kind, _, item_id = error.nodes[0].partition(":")
        section = {"rule": "rules", "finding": "findings", "cause": "causes"}.get(kind, kind)
        error.location = marks.locate((section, item_id))
        raise
    return rule_base, marks, graph


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read a scenario, resolve ``extends``, load its rule base, check the evidence."""
    layers: list[tuple[Path, Scenario, Marks]] = []
    seen: list[Path] = []
    current: Path | None = Path(path)
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            names = " -> ".join(display_path(p) for p in (*seen, resolved))
            raise ScenarioLoadError(
                f"scenarios extend each other in a loop: {names}",
                Location(display_path(current), field="extends"),
            )
        seen.append(resolved)
        data, marks = read_yaml(current)
        layer = validate_model(Scenario, data, marks)
        layers.append((current, layer, marks))
        current = (current.parent / layer.extends) if layer.extends else None

    rule_base_ref: Path | None = None
    rule_base_marks_at: Location | None = None
    evidence: dict[str, EvidenceItem] = {}
    evidence_locations: dict[str, Location] = {}
    weights: dict[str, float] = {}
    weight_ranges: dict[str, tuple[float, float]] = {}
    weight_spread: float | None = None
    documents: dict[str, Document] = {}
    for file_path, layer, marks in reversed(layers):  # the base first, variants over it
        if layer.rule_base is not None:
            rule_base_ref = file_path.parent / layer.rule_base
            rule_base_marks_at = marks.locate(("rule_base",))
        documents.update(layer.documents)
        weights.update(layer.weights)
        weight_ranges.update(layer.weight_ranges)
        if layer.weight_spread is not None:
            weight_spread = layer.weight_spread
        for evidence_id, item in layer.evidence.items():
            evidence[evidence_id] = item
            evidence_locations[evidence_id] = marks.locate(("evidence", evidence_id))
    assert rule_base_ref is not None and rule_base_marks_at is not None  # model guarantees it
    if not rule_base_ref.is_file():
        raise ScenarioLoadError(
            f"rule base file {display_path(rule_base_ref)!r} not found", rule_base_marks_at
        )
    rule_base, _, graph = _load_rule_base_with_graph(rule_base_ref)

    problems: list[AppraisalError] = []
    for _, layer, marks in layers:
        problems += check_scenario(layer, rule_base, marks, documents)
    _raise_all(problems)

    top_path, top, _ = layers[0]
    inherited = {
        name: next((getattr(lay, name) for _, lay, _ in layers if getattr(lay, name)), None)
        for name in ("description", "authority", "as_of")
    }
    scenario = Scenario(
        title=top.title,
        rule_base=display_path(rule_base_ref),
        extends=top.extends,
        documents=documents,
        evidence=evidence,
        weights=weights,
        weight_ranges=weight_ranges,
        weight_spread=weight_spread,
        expect=top.expect,  # never inherited: a what-if usually changes the answer
        **inherited,
    )
    return LoadedScenario(
        scenario=scenario,
        rule_base=rule_base,
        path=display_path(top_path),
        rule_base_path=display_path(rule_base_ref),
        evidence_locations=evidence_locations,
        chain=tuple(display_path(p) for p in seen),
        graph=graph,
    )
