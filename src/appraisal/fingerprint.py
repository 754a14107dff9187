"""A reproducibility fingerprint: what an output was computed from, in one SHA-256 digest.

Two analysts who get the same digest appraised the same bytes with the same
settings: the rule base file, every scenario file of the ``extends`` chain,
and the options that change the figures (weight and evidence overrides, and
where relevant the number of samples, the seed, and the like). Presentation
options (output format, ``--top``, ``--no-trace``) are not part of it.

The digest is SHA-256 over a canonical JSON document::

    {"fingerprint": 1,
     "files": [["rule_base", SHA256], ["scenario", SHA256], ["extends", SHA256], ...],
     "options": {...}, "parts": [SHA256, ...]}

with sorted keys, no spaces, ASCII only, numbers as floats (``1`` and ``1.0``
are the same weight). Files are hashed byte for byte, in a fixed order: the
rule base, then the scenario, then each file it extends in turn. Paths are
not hashed, so a copy of the same files elsewhere gets the same digest; they
are recorded beside it, relative to the scenario's folder, for the reader.
``parts`` joins several fingerprints into one (``compare``, ``test``), in the
order the outputs list them. The tool's version is shown beside the digest
but is not part of it: the digest names the inputs, the version the tool.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from .errors import AppraisalError, Location
from .tables import Displayable, Summary, Table, counted
from .version import __version__

if TYPE_CHECKING:
    from .loader import LoadedScenario

__all__ = [
    "FORMAT",
    "FileDigest",
    "Fingerprint",
    "combined_fingerprint",
    "file_sha256",
    "rule_base_fingerprint",
    "scenario_fingerprint",
]

FORMAT = 1
"""Version of the canonical document hashed; changes only if its layout does."""

JSONValue = Any


class _Result(Displayable, BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class FileDigest(_Result):
    """One input file: what it is, where it is (for the reader), and its digest."""

    role: str
    """``rule_base``, ``scenario`` (the one appraised) or ``extends`` (one it extends)."""
    path: str
    """Relative to the scenario's folder (to the rule base's, for a rule base alone)."""
    sha256: str


class Fingerprint(_Result):
    """What an output was computed from; ``sha256`` is the digest to compare."""

    version: str
    sha256: str
    files: tuple[FileDigest, ...] = ()
    options: dict[str, JSONValue] = {}
    parts: tuple[Fingerprint, ...] = ()

    def _summary(self) -> Summary:
        return Summary(
            kind="Fingerprint",
            headline=f"sha256 {self.sha256[:16]}... over {counted(len(self.files), 'file')}"
            f" (appraisal {self.version})",
            lines=(f"SHA-256: {self.sha256}",),
            tables=(
                Table(
                    ("Role", "File", "SHA-256"),
                    tuple((f.role, f.path, f.sha256[:16] + "...") for f in self.files),
                ),
            ),
        )


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise AppraisalError(
            f"cannot read it to fingerprint the output: {error.strerror}", Location(str(path))
        ) from None
    return digest.hexdigest()


def _canonical(value: Any) -> JSONValue:
    """Numbers as floats, mappings with string keys: one spelling per value."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            raise AppraisalError(
                f"{value!r} is not a finite number", Location(field="fingerprint options")
            )
        return number
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return str(value)


def _digest(files: Sequence[FileDigest], options: Mapping[str, Any], parts: Sequence[str]) -> str:
    document = {
        "fingerprint": FORMAT,
        "files": [[f.role, f.sha256] for f in files],
        "options": options,
        "parts": list(parts),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _relative(path: str | Path, folder: Path) -> str:
    """``path`` relative to ``folder`` (both resolved), in forward slashes."""
    target = Path(path).resolve()
    try:
        relative = os.path.relpath(target, folder.resolve())
    except ValueError:  # another drive, on Windows
        relative = str(target)
    return Path(relative).as_posix()


def _options(options: Mapping[str, Any]) -> dict[str, JSONValue]:
    canonical = _canonical({k: v for k, v in options.items() if v is not None})
    assert isinstance(canonical, dict)
    return canonical


def _of_files(files: Sequence[FileDigest], options: Mapping[str, Any]) -> Fingerprint:
    """A fingerprint over these files and the canonical form of ``options``.

    Fingerprints are built here from values of their fields' types, so without
    validation (nor a validator built for them).
    """
    canonical = _options(options)
    return Fingerprint.model_construct(
        version=__version__,
        sha256=_digest(files, canonical, ()),
        files=tuple(files),
        options=canonical,
    )


def scenario_fingerprint(loaded: LoadedScenario, **options: Any) -> Fingerprint:
    """The fingerprint of an appraisal of a loaded scenario under ``options``.

    The loaded scenario's ``chain`` (the scenario, then each file it
    extends) and ``rule_base_path`` name the files, as paths from the working
    directory it was loaded in. ``options`` are the settings that
    change the figures (``weights={...}``, ``evidence={...}``, ``samples=...``);
    a ``None`` is left out, so an option not given and one given as ``None``
    fingerprint alike.
    """
    chain: Sequence[str] = loaded.chain or (loaded.path,)
    folder = Path(chain[0]).parent
    files = [
        FileDigest.model_construct(
            role="rule_base",
            path=_relative(loaded.rule_base_path, folder),
            sha256=file_sha256(loaded.rule_base_path),
        )
    ]
    for index, path in enumerate(chain):
        files.append(
            FileDigest.model_construct(
                role="scenario" if index == 0 else "extends",
                path=_relative(path, folder),
                sha256=file_sha256(path),
            )
        )
    return _of_files(files, options)


def rule_base_fingerprint(path: str | Path, **options: Any) -> Fingerprint:
    """The fingerprint of an output computed from a rule base alone (``check``, ``graph``)."""
    files = [
        FileDigest.model_construct(
            role="rule_base", path=Path(path).name, sha256=file_sha256(path)
        ),
    ]
    return _of_files(files, options)


def combined_fingerprint(parts: Sequence[Fingerprint], **options: Any) -> Fingerprint:
    """One fingerprint for an output about several scenarios, in the order it lists them."""
    canonical = _options(options)
    return Fingerprint.model_construct(
        version=__version__,
        sha256=_digest((), canonical, [p.sha256 for p in parts]),
        options=canonical,
        parts=tuple(parts),
    )
