"""Load YAML files into validated models, with every error pointing at file and line.

- ``reading``: YAML to data with positions; pydantic errors mapped back to lines
- ``checks``: cross-references (ids that must name something declared)
- ``rule_checks``: rules and verdict rules against their rule base (names, types, scales)
- ``suggestions``: unknown ids with "did you mean"
- ``loading``: rule bases and scenarios, read, checked, ``extends`` resolved
- ``bundled``: the shipped rule bases and scenarios
- ``validation``: ``validate``, every problem of a file, and advice
"""

from .bundled import DEFAULT_SCENARIO, bundled_root, bundled_scenarios, resolve_scenario
from .checks import (
    check_rule_base,
    check_scenario,
    criteria_paths,
    iter_sources,
    leaf_criteria,
)
from .loading import (
    LoadedScenario,
    allowed_folders,
    load_model,
    load_rule_base,
    load_scenario,
    outside_paths_allowed,
)
from .reading import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    KeyPath,
    Marks,
    display_path,
    file_problem,
    format_key_path,
    read_yaml,
    validate_model,
)
from .suggestions import unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .validation import ValidationResult, judgement_warnings, validate_file

__all__ = [
    "DEFAULT_SCENARIO",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "KeyPath",
    "LoadedScenario",
    "Marks",
    "ValidationResult",
    "allowed_folders",
    "bundled_root",
    "bundled_scenarios",
    "check_rule_base",
    "check_scenario",
    "criteria_paths",
    "display_path",
    "file_problem",
    "format_key_path",
    "iter_sources",
    "judgement_warnings",
    "leaf_criteria",
    "load_model",
    "load_rule_base",
    "load_scenario",
    "outside_paths_allowed",
    "read_yaml",
    "resolve_scenario",
    "unknown",
    "validate_file",
    "validate_model",
]


def __getattr__(name: str) -> object:
    """``validate``'s names, imported when first asked for: loading a scenario needs none."""
    if name in ("ValidationResult", "judgement_warnings", "validate_file"):
        from . import validation

        return getattr(validation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
