"""Load YAML files into validated models, with every error pointing at file and line.

PyYAML's ``safe_load`` forgets where each value came from, so files are composed
into nodes (which keep their marks) and converted by hand: that is also where
duplicate keys are caught. Pydantic's error ``loc`` is then mapped back to the
line of the nearest node it names.

A scenario may ``extends:`` another; its evidence items and weights replace the
parent's item by item, so a what-if states only what changes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import (
    AppraisalError,
    GraphCycleError,
    Location,
    ScenarioLoadError,
    UnknownReferenceError,
    ValidationReport,
)
from .models import Criterion, Document, EvidenceItem, RuleBase, Scenario, Source

__all__ = [
    "LoadedScenario",
    "Marks",
    "load_rule_base",
    "load_scenario",
    "read_yaml",
]

KeyPath = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class Marks:
    """Line and column (1-based) of every key path in one YAML file."""

    path: str
    positions: Mapping[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, key_path: KeyPath, field_name: str | None = None) -> Location:
        """The location of the deepest prefix of ``key_path`` that the file has."""
        for end in range(len(key_path), -1, -1):
            prefix = key_path[:end]
            if prefix in self.positions:
                line, column = self.positions[prefix]
                return Location(self.path, line, column, field_name or format_key_path(key_path))
        return Location(self.path, None, None, field_name or format_key_path(key_path))


def format_key_path(key_path: KeyPath) -> str | None:
    """``('options', 'x', 'values', 0)`` -> ``options.x.values[0]``."""
    text = ""
    for part in key_path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or None


# --------------------------------------------------------------------------- YAML


def read_yaml(path: Path) -> tuple[Any, Marks]:
    """Parse one YAML file safely, rejecting duplicate keys, and keep positions."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioLoadError("file not found", Location(shown)) from None
    except IsADirectoryError:
        raise ScenarioLoadError("is a directory, not a YAML file", Location(shown)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioLoadError(f"cannot read file: {error}", Location(shown)) from error
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioLoadError("the file is empty", Location(shown, 1, 1))
        positions: dict[KeyPath, tuple[int, int]] = {}
        data = _convert(node, (), loader, positions, shown)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = error.problem or "invalid YAML"
        raise ScenarioLoadError(
            f"YAML syntax error: {problem}", Location(shown, line, column)
        ) from error
    except yaml.YAMLError as error:
        raise ScenarioLoadError(f"YAML error: {error}", Location(shown)) from error
    finally:
        loader.dispose()
    return data, Marks(shown, positions)


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (ten times faster), else PyYAML's."""

_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _convert(
    node: yaml.Node,
    key_path: KeyPath,
    loader: Any,
    positions: dict[KeyPath, tuple[int, int]],
    shown: str,
) -> Any:
    positions.setdefault(key_path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
        where = Location(shown, node.start_mark.line + 1, node.start_mark.column + 1)
        raise ScenarioLoadError(f"unsupported YAML tag {node.tag!r}", where)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ScenarioLoadError(
                    "merge keys ('<<') are not supported; write the keys out",
                    Location(shown, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                )
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise ScenarioLoadError(
                    f"mapping keys must be plain scalars, not {type(key).__name__}",
                    Location(shown, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                )
            key = str(key) if not isinstance(key, int) or isinstance(key, bool) else key
            if key in result:
                first = positions.get((*key_path, key))
                earlier = f" (first defined on line {first[0]})" if first else ""
                raise ScenarioLoadError(
                    f"duplicate key {key!r}{earlier}",
                    Location(
                        shown,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        format_key_path((*key_path, key)),
                    ),
                )
            child_path = (*key_path, key)
            positions[child_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _convert(value_node, child_path, loader, positions, shown)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*key_path, index), loader, positions, shown)
            for index, item in enumerate(node.value)
        ]
    if node.tag == _STR_TAG:  # most scalars: skip the general constructor
        return node.value
    return loader.construct_object(node, deep=True)


def display_path(path: Path) -> str:
    """A path as the user will recognise it: relative to the cwd when inside it."""
    try:
        relative = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return str(path)
    return str(relative) if relative.parts else str(path)


def validate_model(model: type[ModelT], data: Any, marks: Marks) -> ModelT:
    """Validate with pydantic; turn every error into one located error."""
    if not isinstance(data, dict):
        raise ScenarioLoadError(
            f"expected a mapping at the top of the file, found {type(data).__name__}",
            marks.locate(()),
        )
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems: list[AppraisalError] = []
        for detail in error.errors():
            key_path = _data_path(detail["loc"], data)
            message = detail["msg"].removeprefix("Value error, ")
            if detail["type"] == "extra_forbidden":
                message = "unknown field (not part of the format)"
            elif detail["type"] == "missing":
                message = "required field is missing"
            problems.append(ScenarioLoadError(message, marks.locate(key_path)))
        if len(problems) == 1:
            raise problems[0] from error
        raise ValidationReport(problems) from error


def _data_path(loc: tuple[Any, ...], data: Any) -> KeyPath:
    """Drop pydantic's union tags from ``loc``, keeping only keys present in the data."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and part == "not_" and "not" in node:
            path.append("not")
            node = node["not"]
        elif isinstance(part, str) and not isinstance(node, dict | list):
            break
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part
            not in ("all", "any", "not", "known", "compare", "derive", "adjust", "set", "fail_gate")
        ):
            path.append(part)  # a missing field: name it
            break
    return tuple(path)


# --------------------------------------------------------------------------- loading


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
    from .graph import build_graph
    from .rules import check_rules

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


def _raise_all(problems: list[AppraisalError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationReport(problems)


# --------------------------------------------------------------------------- references


def check_rule_base(rule_base: RuleBase, marks: Marks) -> list[AppraisalError]:
    """Every cross-reference in a rule base, except inside rules (see rules.py)."""
    return (
        _check_vocabulary(rule_base, marks)
        + _check_options_and_causes(rule_base, marks)
        + _check_citations_and_verdicts(rule_base, marks)
    )


def _check_vocabulary(rule_base: RuleBase, marks: Marks) -> list[AppraisalError]:
    """Criteria ids unique across the tree; scales sound; facts and findings distinct."""
    problems: list[AppraisalError] = []
    seen: set[str] = set()
    for criterion_id, key_path in _walk_criteria(rule_base.criteria, ("criteria",)):
        if criterion_id in seen:
            message = f"criterion id {criterion_id!r} is used twice in the criteria tree"
            problems.append(ScenarioLoadError(message, marks.locate(key_path)))
        seen.add(criterion_id)
    for scale_id, levels in rule_base.scales.items():
        if len(levels) < 2 or len(set(levels)) != len(levels):
            message = "a scale lists at least two distinct levels"
            problems.append(ScenarioLoadError(message, marks.locate(("scales", scale_id))))
    for section in ("facts", "findings"):
        for fact_id, spec in getattr(rule_base, section).items():
            if spec.scale is not None and spec.scale not in rule_base.scales:
                where = marks.locate((section, fact_id, "scale"))
                problems.append(unknown("scale", spec.scale, rule_base.scales, where))
    for fact_id in sorted(set(rule_base.facts) & set(rule_base.findings)):
        message = f"{fact_id!r} is declared both as a fact and as a finding"
        problems.append(ScenarioLoadError(message, marks.locate(("findings", fact_id))))
    return problems


def _check_options_and_causes(rule_base: RuleBase, marks: Marks) -> list[AppraisalError]:
    """Causal links and option targets exist; every option values every leaf criterion."""
    problems: list[AppraisalError] = []
    leaves = leaf_criteria(rule_base)
    causal_ids = [*rule_base.causes, *rule_base.problems]
    for cause_id, cause in rule_base.causes.items():
        for index, target in enumerate(cause.drives):
            if target not in causal_ids:
                where = marks.locate(("causes", cause_id, "drives", index))
                problems.append(unknown("cause or problem", target, causal_ids, where))
    for option_id, option in rule_base.options.items():
        for index, target in enumerate(option.addresses):
            if target not in causal_ids:
                where = marks.locate(("options", option_id, "addresses", index))
                problems.append(unknown("cause or problem", target, causal_ids, where))
        for criterion_id in option.values:
            if criterion_id not in leaves:
                where = marks.locate(("options", option_id, "values", criterion_id))
                problems.append(unknown("leaf criterion", criterion_id, leaves, where))
        missing = [c for c in leaves if c not in option.values]
        if missing:
            message = f"no baseline value for criteria {', '.join(missing)}"
            where = marks.locate(("options", option_id, "values"))
            problems.append(ScenarioLoadError(message, where))
    return problems


def _check_citations_and_verdicts(rule_base: RuleBase, marks: Marks) -> list[AppraisalError]:
    """Citations name declared documents; the verdict list ends in one ``otherwise``."""
    problems: list[AppraisalError] = []
    for key_path, source in iter_sources(rule_base):
        if source.document not in rule_base.documents:
            where = marks.locate((*key_path, "source", "document"))
            problems.append(unknown("document", source.document, rule_base.documents, where))
    verdicts = rule_base.verdicts
    if not verdicts[-1].otherwise or any(v.otherwise for v in verdicts[:-1]):
        message = (
            "the last verdict rule, and only the last, is 'otherwise: true', so every option"
            " gets a verdict"
        )
        problems.append(ScenarioLoadError(message, marks.locate(("verdicts",))))
    return problems


def check_scenario(
    layer: Scenario, rule_base: RuleBase, marks: Marks, documents: Mapping[str, Document]
) -> list[AppraisalError]:
    """Evidence must state declared facts, with values of the declared type."""
    from .rules import value_problem

    problems: list[AppraisalError] = []
    known_documents = {**rule_base.documents, **documents}
    for evidence_id, item in layer.evidence.items():
        spec = rule_base.facts.get(evidence_id)
        if spec is None:
            problems.append(
                unknown(
                    "fact", evidence_id, rule_base.facts, marks.locate(("evidence", evidence_id))
                )
            )
            continue
        if item.value is not None:
            problem = value_problem(item.value, spec, rule_base)
            if problem:
                problems.append(
                    ScenarioLoadError(problem, marks.locate(("evidence", evidence_id, "value")))
                )
        if item.range is not None and spec.type != "number":
            problems.append(
                ScenarioLoadError(
                    "only numeric evidence has a range",
                    marks.locate(("evidence", evidence_id, "range")),
                )
            )
        if item.source.document not in known_documents:
            problems.append(
                unknown(
                    "document",
                    item.source.document,
                    known_documents,
                    marks.locate(("evidence", evidence_id, "source", "document")),
                )
            )
    all_criteria = criteria_paths(rule_base)
    for criterion_id in layer.weights:
        if criterion_id not in all_criteria:
            problems.append(
                unknown(
                    "criterion", criterion_id, all_criteria, marks.locate(("weights", criterion_id))
                )
            )
    for criterion_id in layer.weight_ranges:
        if criterion_id not in all_criteria:
            where = marks.locate(("weight_ranges", criterion_id))
            problems.append(unknown("criterion", criterion_id, all_criteria, where))
    return problems


def iter_sources(rule_base: RuleBase) -> Iterator[tuple[KeyPath, Source]]:
    """Every citation in a rule base, with the key path it sits at."""

    def walk(
        criteria: Mapping[str, Criterion], prefix: KeyPath
    ) -> Iterator[tuple[KeyPath, Source]]:
        for criterion_id, criterion in criteria.items():
            if criterion.source:
                yield (*prefix, criterion_id), criterion.source
            yield from walk(criterion.children, (*prefix, criterion_id, "children"))

    yield from walk(rule_base.criteria, ("criteria",))
    for section in ("gates", "causes", "problems", "rules"):
        for item_id, item in getattr(rule_base, section).items():
            if item.source:
                yield (section, item_id), item.source
    for option_id, option in rule_base.options.items():
        for criterion_id, value in option.values.items():
            if value.source:
                yield ("options", option_id, "values", criterion_id), value.source
    for index, verdict in enumerate(rule_base.verdicts):
        if verdict.source:
            yield ("verdicts", index), verdict.source


def _walk_criteria(
    criteria: Mapping[str, Criterion], prefix: KeyPath
) -> Iterator[tuple[str, KeyPath]]:
    for criterion_id, criterion in criteria.items():
        yield criterion_id, (*prefix, criterion_id)
        yield from _walk_criteria(criterion.children, (*prefix, criterion_id, "children"))


def _criterion_at(rule_base: RuleBase, key_path: KeyPath) -> Criterion:
    """The criterion at ``('criteria', a, 'children', b, ...)``."""
    criterion = rule_base.criteria[str(key_path[1])]
    for part in key_path[3::2]:
        criterion = criterion.children[str(part)]
    return criterion


def criteria_paths(rule_base: RuleBase) -> dict[str, KeyPath]:
    """Every criterion id (at any level) with its key path in the file."""
    return dict(_walk_criteria(rule_base.criteria, ("criteria",)))


def leaf_criteria(rule_base: RuleBase) -> dict[str, Criterion]:
    """The criteria that carry values, in declaration order."""
    found: dict[str, Criterion] = {}

    def walk(criteria: Mapping[str, Criterion]) -> None:
        for criterion_id, criterion in criteria.items():
            if criterion.children:
                walk(criterion.children)
            else:
                found[criterion_id] = criterion

    walk(rule_base.criteria)
    return found


def unknown(
    kind: str, name: str, known: Mapping[str, Any] | list[str], loc: Location
) -> AppraisalError:
    """An unknown-reference error with a did-you-mean suggestion."""
    return UnknownReferenceError(kind, name, list(known), loc)


# --------------------------------------------------------------------------- bundled files

DEFAULT_SCENARIO = "birmingham-2014"


def bundled_root() -> Path:
    """Where the bundled ``rules/`` and ``scenarios/`` live, installed or in a checkout."""
    installed = Path(__file__).parent / "bundled"
    if (installed / "scenarios").is_dir():
        return installed
    return Path(__file__).resolve().parents[2]


def bundled_scenarios() -> dict[str, Path]:
    """The scenarios shipped with appraisal, by name (file name without ``.yaml``)."""
    folder = bundled_root() / "scenarios"
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def resolve_scenario(name: str | None) -> Path:
    """A path as given if it exists, else a bundled scenario of that name."""
    if name is None:
        return bundled_scenarios()[DEFAULT_SCENARIO]
    path = Path(name)
    if path.exists():
        return path
    bundled = bundled_scenarios()
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    if stem in bundled and path.parent == Path("."):
        return bundled[stem]
    if path.suffix:
        raise ScenarioLoadError("file not found", Location(name))
    raise UnknownReferenceError(
        "scenario (no such file or bundled scenario)", name, bundled, Location(name)
    )


# --------------------------------------------------------------------------- validate


@dataclass(frozen=True)
class ValidationResult:
    """What ``validate`` found: errors make a file unusable, warnings are advice."""

    path: str
    kind: str
    errors: tuple[AppraisalError, ...] = ()
    warnings: tuple[str, ...] = ()


def validate_file(path: str | Path) -> ValidationResult:
    """Check a rule base or a scenario, collecting every problem rather than the first."""
    from .graph import build_graph, structural_warnings

    file_path = Path(path)
    shown = display_path(file_path)
    try:
        data, _ = read_yaml(file_path)
    except AppraisalError as error:
        return ValidationResult(shown, "unknown", (error,))
    kind = "rule base" if isinstance(data, dict) and "criteria" in data else "scenario"
    try:
        if kind == "rule base":
            rule_base, marks = load_rule_base(file_path)
        else:
            loaded = load_scenario(file_path)
            rule_base, marks = load_rule_base(Path(loaded.rule_base_path))
    except ValidationReport as report:
        return ValidationResult(shown, kind, report.errors)
    except AppraisalError as error:
        return ValidationResult(shown, kind, (error,))
    graph = build_graph(rule_base)
    warnings = [f"{marks.path}: {w}" for w in structural_warnings(graph, rule_base)]
    warnings += [f"{marks.path}: {w}" for w in judgement_warnings(rule_base, marks)]
    return ValidationResult(shown, kind, (), tuple(warnings))


def judgement_warnings(rule_base: RuleBase, marks: Marks) -> list[str]:
    """Every judgement (weight, baseline, rule, gate, verdict) lacking a rationale or a source."""
    found: list[str] = []

    def check(key_path: KeyPath, item: Any) -> None:
        missing = [name for name in ("rationale", "source") if getattr(item, name) is None]
        if missing:
            where = marks.locate(key_path)
            found.append(f"{where.line}: {where.field}: no {' and no '.join(missing)}")

    for key_path in criteria_paths(rule_base).values():
        check(key_path, _criterion_at(rule_base, key_path))
    for section in ("gates", "rules"):
        for item_id, item in getattr(rule_base, section).items():
            check((section, item_id), item)
    for option_id, option in rule_base.options.items():
        for criterion_id, value in option.values.items():
            check(("options", option_id, "values", criterion_id), value)
    for index, verdict in enumerate(rule_base.verdicts):
        check(("verdicts", index), verdict)
    return found
