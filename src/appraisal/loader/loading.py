"""Rule bases and scenarios, read, checked and resolved (``extends``).

A scenario may ``extends:`` another; its evidence items and weights replace the
parent's item by item, so a what-if states only what changes. Its ``expect`` is
its own or none: a what-if exists to change the answer, so the parent's
expectation would be wrong more often than right.

Every file reached through ``extends:`` and ``rule_base:`` is held to the same
budgets as the scenario itself (see ``reading``), and must lie in a folder the
scenario may refer to (``allowed_folders``), unless outside paths are allowed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.compiled import CompiledModel, compile_model
from ..engine.criteria import CriteriaTree
from ..errors import (
    AppraisalError,
    GraphCycleError,
    Location,
    ScenarioLoadError,
)
from ..models import Document, EvidenceItem, RuleBase, Scenario
from ..tables import Displayable, Summary, counted, quoted
from .bundled import bundled_root
from .checks import check_rule_base, check_scenario, raise_all
from .reading import Marks, display_path, file_problem, read_yaml, validate_model
from .rule_checks import check_rules
from .suggestions import suggestion_budget


@dataclass(frozen=True, repr=False)
class LoadedScenario(Displayable):
    """A scenario with its ``extends`` chain resolved, and the rule base it names."""

    scenario: Scenario
    rule_base: RuleBase
    path: str
    rule_base_path: str
    evidence_locations: Mapping[str, Location]
    chain: tuple[str, ...]
    model: CompiledModel
    """The rule base compiled for evaluation, once per rule base file."""
    rule_base_marks: Marks | None = None
    """Where each part of the rule base sits, to locate problems found when appraising."""

    def _summary(self) -> Summary:
        return Summary(
            kind="LoadedScenario",
            headline=f"{quoted(self.scenario.title)} ({self.path}):"
            f" {counted(len(self.scenario.evidence), 'evidence item')},"
            f" rule base {self.rule_base.id!r}"
            f" with {counted(len(self.rule_base.options), 'option')}",
            title=self.scenario.title,
            lines=(
                f"File: {self.path}"
                + (f", extending {', '.join(self.chain[1:])}" if len(self.chain) > 1 else ""),
                f"Rule base: {self.rule_base.id} ({self.rule_base_path}).",
                "appraise(loaded) appraises it.",
            ),
        )


def load_rule_base(path: str | Path) -> tuple[RuleBase, Marks]:
    """Read a rule base file and check every internal reference, reporting all problems."""
    rule_base, marks, _ = load_model(path)
    return rule_base, marks


def load_model(path: str | Path) -> tuple[RuleBase, Marks, CompiledModel]:
    """The checked rule base, its marks and its compiled model, parsed once per file version.

    Several scenarios usually share one rule base (a comparison, a notebook
    re-running what-ifs), and parsing it dominates loading. The models are
    frozen, so the cached result is shared safely. A
    change to the file (its modification time or size) or to the working
    directory (which the reported paths are relative to) reads it afresh.
    """
    file_path = Path(path)
    try:
        stat = file_path.stat()
        cwd = str(Path.cwd())
    except (OSError, ValueError):
        return _parse_rule_base(file_path)  # raises the located "not found" error
    return _cached_rule_base(str(_real(file_path)), stat.st_mtime_ns, stat.st_size, cwd)


@functools.lru_cache(maxsize=8)
def _cached_rule_base(
    resolved: str, mtime_ns: int, size: int, cwd: str
) -> tuple[RuleBase, Marks, CompiledModel]:
    del mtime_ns, size, cwd  # part of the cache key only
    return _parse_rule_base(Path(resolved))


def _parse_rule_base(file_path: Path) -> tuple[RuleBase, Marks, CompiledModel]:
    data, marks = read_yaml(file_path)
    if isinstance(data, dict) and not _is_rule_base(data) and {"rule_base", "extends"} & set(data):
        raise ScenarioLoadError(
            "a scenario, not a rule base (it has no 'criteria:')", marks.locate(())
        )
    rule_base = validate_model(RuleBase, data, marks)
    with suggestion_budget():
        problems = check_rule_base(rule_base, marks) + check_rules(rule_base, marks)
    raise_all(problems)
    locations = {rule_id: marks.locate(("rules", rule_id)) for rule_id in rule_base.rules}
    try:
        model = compile_model(rule_base, locations)  # refuses cycles among findings or causes
    except GraphCycleError as error:
        kind, _, item_id = error.nodes[0].partition(":")
        section = {"rule": "rules", "finding": "findings", "cause": "causes"}.get(kind, kind)
        error.location = marks.locate((section, item_id))
        raise
    return rule_base, marks, model


_OUTSIDE_ALLOWED: ContextVar[bool] = ContextVar("appraisal_outside_paths", default=False)


@contextmanager
def outside_paths_allowed(allowed: bool = True) -> Iterator[None]:
    """Within the block, every scenario loaded may refer to files anywhere.

    What ``--allow-outside-paths`` does for a whole command, whichever
    functions it loads scenarios through; a library call can pass
    ``allow_outside=True`` to ``load_scenario`` instead.
    """
    token = _OUTSIDE_ALLOWED.set(allowed or _OUTSIDE_ALLOWED.get())
    try:
        yield
    finally:
        _OUTSIDE_ALLOWED.reset(token)


def _is_rule_base(data: Any) -> bool:
    """Whether parsed data is a rule base (it has criteria and names no other file)."""
    return (
        isinstance(data, dict) and "criteria" in data and not {"rule_base", "extends"} & set(data)
    )


def _real(path: Path) -> Path:
    """The path with every symbolic link followed, or as given when it cannot be."""
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return path


def allowed_folders(scenario: str | Path) -> tuple[Path, ...]:
    """The folders whose files a scenario's ``extends:`` and ``rule_base:`` may name.

    - the folder of the scenario and everything below it;
    - the working folder and everything below it, when the scenario lies in it;
    - the bundled ``rules/`` and ``scenarios/`` folders.

    So a project laid out as this one (``scenarios/``, ``scenarios/cases/``,
    ``rules/``) works from its top folder, while a scenario received from
    elsewhere, and saved outside the working folder, reads only the files
    beside it and below: never ``/etc/passwd`` or a home folder. Paths are
    compared with every symbolic link followed.
    """
    own = _real(Path(scenario).parent)
    folders = [own]
    try:
        working = _real(Path.cwd())
    except OSError:  # the working folder was deleted
        working = None
    if working is not None and own.is_relative_to(working):
        folders.append(working)
    bundled = bundled_root()
    folders += [_real(bundled / "rules"), _real(bundled / "scenarios")]
    return tuple(folders)


def _referenced_file(
    referrer: Path,
    reference: str,
    kind: str,
    where: Location,
    folders: tuple[Path, ...] | None,
) -> Path:
    """The file an ``extends:`` or ``rule_base:`` names, checked before it is read.

    Problems are located at the line that names the file, not in the file
    itself: that line is what the user has to change.
    """
    target = referrer.parent / reference
    problem = file_problem(target)
    if problem is not None:
        raise ScenarioLoadError(f"{kind} file {reference!r} {problem}", where)
    if folders is not None:
        real = _real(target)
        if not any(real.is_relative_to(folder) for folder in folders):
            named = dict.fromkeys(str(f) for f in folders[:-2])  # not the bundled ones
            raise ScenarioLoadError(
                f"{kind} file {reference!r} is outside the folders a scenario may refer to"
                f" ({' or '.join(map(repr, named))} and below, and the bundled rules);"
                " to read it, pass --allow-outside-paths"
                " (library: load_scenario(..., allow_outside=True))",
                where,
            )
    return target


def load_scenario(path: str | Path, *, allow_outside: bool = False) -> LoadedScenario:
    """Read a scenario, resolve ``extends``, load its rule base, check the evidence.

    ``extends:`` and ``rule_base:`` may name only files in the folders
    ``allowed_folders`` gives, unless ``allow_outside`` is true (or the call is
    inside ``outside_paths_allowed()``).
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"load_scenario takes a path, not {type(path).__name__}")
    top = Path(path)
    allowed = allow_outside or _OUTSIDE_ALLOWED.get()
    folders = None if allowed else allowed_folders(top)
    layers: list[tuple[Path, Scenario, Marks]] = []
    seen: list[Path] = []
    current: Path | None = top
    extended_at: Location | None = None
    while current is not None:
        resolved = _real(current)
        if resolved in seen:
            names = " -> ".join(display_path(p) for p in (*seen, resolved))
            raise ScenarioLoadError(f"scenarios extend each other in a loop: {names}", extended_at)
        seen.append(resolved)
        data, marks = read_yaml(current)
        if _is_rule_base(data):
            hint = "; a scenario names its rule base with 'rule_base:'"
            if extended_at is None:
                raise ScenarioLoadError("a rule base, not a scenario" + hint, Location(marks.path))
            raise ScenarioLoadError(
                f"{marks.path!r} is a rule base, not a scenario" + hint, extended_at
            )
        layer = validate_model(Scenario, data, marks)
        layers.append((current, layer, marks))
        if layer.extends is None:
            break
        extended_at = marks.locate(("extends",))
        current = _referenced_file(current, layer.extends, "scenario", extended_at, folders)

    rule_base_file: tuple[Path, str, Location] | None = None
    evidence: dict[str, EvidenceItem] = {}
    evidence_locations: dict[str, Location] = {}
    weights: dict[str, float] = {}
    weight_locations: dict[str, Location] = {}
    weight_ranges: dict[str, tuple[float, float]] = {}
    weight_spread: float | None = None
    documents: dict[str, Document] = {}
    for file_path, layer, marks in reversed(layers):  # the base first, variants over it
        if layer.rule_base is not None:
            rule_base_file = (file_path, layer.rule_base, marks.locate(("rule_base",)))
        documents.update(layer.documents)
        weights.update(layer.weights)
        for criterion_id in layer.weights:
            weight_locations[criterion_id] = marks.locate(("weights", criterion_id))
        weight_ranges.update(layer.weight_ranges)
        if layer.weight_spread is not None:
            weight_spread = layer.weight_spread
        for evidence_id, item in layer.evidence.items():
            evidence[evidence_id] = item
            evidence_locations[evidence_id] = marks.locate(("evidence", evidence_id))
    if rule_base_file is None:  # the model requires one of rule_base or extends
        raise ScenarioLoadError("no scenario in the chain names a rule base", Location(str(path)))
    referrer, reference, rule_base_at = rule_base_file
    rule_base_ref = _referenced_file(referrer, reference, "rule base", rule_base_at, folders)
    rule_base, rule_base_marks, model = load_model(rule_base_ref)

    problems: list[AppraisalError] = []
    with suggestion_budget():
        for _, layer, marks in layers:
            problems += check_scenario(layer, rule_base, marks, documents)
    problems += _zero_weight_groups(
        CriteriaTree.from_rule_base(rule_base), weights, weight_locations
    )
    raise_all(problems)

    top_path, top_layer, _ = layers[0]
    inherited = {
        name: next((getattr(lay, name) for _, lay, _ in layers if getattr(lay, name)), None)
        for name in ("description", "authority", "as_of")
    }
    scenario = Scenario(
        title=top_layer.title,
        rule_base=display_path(rule_base_ref),
        extends=top_layer.extends,
        documents=documents,
        evidence=evidence,
        weights=weights,
        weight_ranges=weight_ranges,
        weight_spread=weight_spread,
        expect=top_layer.expect,  # never inherited: a what-if usually changes the answer
        **inherited,
    )
    return LoadedScenario(
        scenario=scenario,
        rule_base=rule_base,
        path=display_path(top_path),
        rule_base_path=display_path(rule_base_ref),
        evidence_locations=evidence_locations,
        chain=tuple(display_path(p) for p in seen),
        model=model,
        rule_base_marks=rule_base_marks,
    )


def _zero_weight_groups(
    tree: CriteriaTree, weights: Mapping[str, float], locations: Mapping[str, Location]
) -> list[AppraisalError]:
    """Sibling criteria whose weights the scenario sets so that all are zero.

    Weights are normalised among siblings, so such a group cannot be scored;
    found here, the error names the scenario line that zeroed it rather than
    surfacing later, unlocated, from the scorer.
    """
    problems: list[AppraisalError] = []
    for parent, (start, stop) in tree.groups_declared():
        members = tree.ids[start:stop]
        raw = [weights.get(c, tree.weights[start + k]) for k, c in enumerate(members)]
        if all(w == 0 for w in raw):
            zeroed = [locations[c] for c in members if c in locations]
            under = "the root of the criteria tree" if parent < 0 else repr(tree.ids[parent])
            problems.append(
                ScenarioLoadError(
                    f"the weights of {', '.join(members)} (under {under}) are all zero, so"
                    " nothing under it can be scored; give one of them a positive weight",
                    zeroed[-1] if zeroed else None,
                )
            )
    return problems
