"""What every analysis shares: the sample chunks, their seeded generators, checks.

Kept apart so that ``weights``, ``evidence`` and the package's ``sensitivity``
draw identical samples for the same seed without importing one another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from pydantic import BaseModel, ConfigDict

from ..errors import AppraisalError, Location
from ..tables import Displayable

CHUNK = 16_384
"""Samples per chunk: small enough to stay in cache, large enough to vectorise."""

Progress = Callable[[int], None]
"""Called with the number of samples just processed, after each chunk."""

WEIGHT_STREAM, EVIDENCE_STREAM = 0, 1


def generator(seed: int, stream: int, chunk: int) -> np.random.Generator:
    """The generator of one chunk of one stream: independent of chunking elsewhere."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stream, chunk)))
    )


def chunks(samples: int) -> Iterator[tuple[int, int]]:
    for index, start in enumerate(range(0, samples, CHUNK)):
        yield index, min(CHUNK, samples - start)


def check_samples(samples: int, seed: int) -> None:
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise AppraisalError(
            f"the number of samples must be a positive integer, not {samples!r}",
            Location(field="samples"),
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise AppraisalError(
            f"the seed must be a non-negative integer, not {seed!r}", Location(field="seed")
        )


class Result(Displayable, BaseModel):
    model_config = ConfigDict(frozen=True)
