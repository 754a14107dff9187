"""Unknown ids, reported with the closest known id ("did you mean"), within a budget."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..errors import MAX_SHOWN, AppraisalError, Location, UnknownReferenceError

__all__ = ["suggestion_budget", "unknown"]

_SUGGESTIONS_LEFT: ContextVar[list[int] | None] = ContextVar("suggestions_left", default=None)


@contextmanager
def suggestion_budget(count: int = MAX_SHOWN) -> Iterator[None]:
    """Within the block, only the first ``count`` unknown ids get a "did you mean".

    A suggestion compares the id with every known one, so a file of 100,000
    unknown ids would take minutes; reports spell out only the first
    ``MAX_SHOWN`` problems anyway.
    """
    token = _SUGGESTIONS_LEFT.set([count])
    try:
        yield
    finally:
        _SUGGESTIONS_LEFT.reset(token)


def unknown(
    kind: str, name: str, known: Mapping[str, Any] | list[str], loc: Location
) -> AppraisalError:
    """An unknown-reference error with a did-you-mean suggestion (within the budget)."""
    left = _SUGGESTIONS_LEFT.get()
    if left is not None:
        if left[0] <= 0:
            return UnknownReferenceError(kind, name, (), loc)
        left[0] -= 1
    return UnknownReferenceError(kind, name, list(known), loc)
