"""The rule bases and scenarios shipped with appraisal, found installed or in a checkout."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import (
    Location,
    ScenarioLoadError,
    UnknownReferenceError,
)

DEFAULT_SCENARIO = "birmingham-2014"


def bundled_root() -> Path:
    """Where the bundled ``rules/`` and ``scenarios/`` live, installed or in a checkout."""
    installed = Path(__file__).parents[1] / "bundled"
    if (installed / "scenarios").is_dir():
        return installed
    return Path(__file__).resolve().parents[3]


def bundled_scenarios() -> dict[str, Path]:
    """The scenarios shipped with appraisal, by name (file name without ``.yaml``).

    Subfolders count too (the calibration cases are in ``scenarios/cases/``);
    names are file names, so they are unique across the folders.
    """
    folder = bundled_root() / "scenarios"
    top = sorted(folder.glob("*.yaml"))
    below = sorted(p for p in folder.rglob("*.yaml") if p.parent != folder)
    return {p.stem: p for p in [*top, *below]}


def resolve_scenario(name: str | None) -> Path:
    """A path as given if there is anything at it, else a bundled scenario of that name.

    Anything at the path counts, even a loop of symbolic links or a file the
    user cannot read, so that reading it reports what is wrong rather than
    "not found".
    """
    if name is None:
        return bundled_scenarios()[DEFAULT_SCENARIO]
    path = Path(name)
    try:
        os.lstat(path)
        present = True
    except (FileNotFoundError, NotADirectoryError):
        present = False
    except (OSError, ValueError):  # unreadable, or a NUL character: reading it says so
        present = True
    if present:
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
