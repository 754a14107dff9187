"""``appraisal init``: a small, valid, commented rule base and scenario to start from.

A format learnt from reference pages alone is learnt slowly; a working pair of
files, every section explained where it sits, can be run at once and edited
into one's own. The templates are package data (``templates/init/``), so the
installed command writes the same files as a checkout.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from .errors import AppraisalError, Location
from .output import write_files

__all__ = ["DEFAULT_NAME", "StarterFiles", "starter_files", "starter_name", "write_starter"]

DEFAULT_NAME = "my-appraisal"
"""The name used when the folder's own name is not an id."""

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
_TEMPLATES = ("rules", "scenario")


@dataclass(frozen=True)
class StarterFiles:
    """What ``write_starter`` wrote: the rule base and the scenario, as paths under the folder."""

    folder: Path
    rule_base: Path
    scenario: Path


def starter_name(folder: str | os.PathLike[str]) -> str:
    """The name the starter files take from their folder (``my-appraisal`` if it is no id)."""
    name = Path(os.path.abspath(folder)).name
    return name if _ID.fullmatch(name) else DEFAULT_NAME


def starter_files(name: str) -> dict[str, str]:
    """The starter's files by path within the folder (``rules/NAME.yaml``), as text."""
    if not _ID.fullmatch(name):
        raise AppraisalError(
            f"a name is an id: letters, digits, '_' and '-', starting with a letter, not {name!r}",
            Location("--name"),
        )
    folder = resources.files("appraisal") / "templates" / "init"
    texts = {kind: (folder / f"{kind}.yaml").read_text(encoding="utf-8") for kind in _TEMPLATES}
    return {
        f"rules/{name}.yaml": Template(texts["rules"]).substitute(name=name),
        f"scenarios/{name}.yaml": Template(texts["scenario"]).substitute(name=name),
    }


def write_starter(
    folder: str | os.PathLike[str], name: str | None = None, *, force: bool = False
) -> StarterFiles:
    """Write the starter rule base and scenario into ``folder``, creating it if need be.

    A folder that already holds anything is refused unless ``force``, which
    writes the two files into it, replacing them if they exist and leaving
    everything else as it was. Both files are written or neither is.
    """
    root = Path(folder)
    name = name if name is not None else starter_name(root)
    files = starter_files(name)
    where = Location(os.fspath(folder))
    if root.exists() and not root.is_dir():
        raise AppraisalError("is not a folder", where)
    if root.is_dir() and not force and _has_entries(root, where):
        raise AppraisalError(
            "the folder is not empty; name a new folder, or pass --force to write"
            f" {' and '.join(files)} into it (replacing them if they exist)",
            where,
        )
    try:
        for subfolder in {Path(path).parent for path in files}:
            (root / subfolder).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AppraisalError(
            f"cannot create the folder: {error.strerror or error}", where
        ) from None
    write_files({root / path: text.encode("utf-8") for path, text in files.items()})
    rule_base, scenario = (root / path for path in files)
    return StarterFiles(root, rule_base, scenario)


def _has_entries(folder: Path, where: Location) -> bool:
    try:
        return any(folder.iterdir())
    except OSError as error:
        raise AppraisalError(f"cannot read the folder: {error.strerror or error}", where) from None
