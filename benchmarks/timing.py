"""The one timing helper the benchmark scripts share."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    """Median wall-clock time of ``repeats`` calls: robust to a noisy, shared machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def seconds_without_collector(action: Callable[[], object]) -> float:
    """Wall-clock time of one call with cyclic garbage collection off: how the work itself
    grows, apart from the collector traversing everything alive at each collection."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        action()
        return time.perf_counter() - start
    finally:
        gc.enable()
