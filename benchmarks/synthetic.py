"""What the synthetic rule bases of the scaling benchmarks share: their criteria tree,
their options' drawn values and their verdicts."""

from __future__ import annotations

import random

LEAVES = ("c1", "c2", "c3a", "c3b")

CRITERIA = {
    "c1": {"weight": 3, "horizon": "short"},
    "c2": {"weight": 2, "horizon": "long"},
    "c3": {
        "weight": 1,
        "children": {
            "c3a": {"weight": 1, "horizon": "short"},
            "c3b": {"weight": 2, "horizon": "long"},
        },
    },
}
"""Three top criteria, one of them with two children: five sweeps, both horizons."""

VERDICTS = [
    {"verdict": "recommended", "recommends": True, "when": {"metric": "rank", "eq": 1}},
    {"verdict": "not_recommended", "otherwise": True},
]


def synthetic_options(rng: random.Random, count: int) -> dict[str, object]:
    """``count`` options ``o0``, ``o1``, ... with values drawn uniformly on every leaf."""
    return {
        f"o{i}": {
            "name": f"Option {i}",
            "values": {c: {"value": round(rng.uniform(0, 100), 3)} for c in LEAVES},
        }
        for i in range(count)
    }
