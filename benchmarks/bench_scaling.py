"""How time grows with the number of options: ranks, weight sweeps, SMAA, whole commands.

A synthetic rule base (three top criteria, one of them with two children, so
five sweeps; option values drawn at random, seed 0) and a scenario with two
evidence items are written to a temporary folder for each size, then timed:

1. in process: ``competition_ranks`` on the scores, ``appraise``, the weight
   sweeps, and SMAA with 100 samples (median of a few runs);
2. whole process: ``appraisal run --format json`` and ``appraisal sensitivity
   --samples 100 --format json`` (one run each, cut off after ``--timeout``).

Run: ``python benchmarks/bench_scaling.py [--sizes 100 200 400 1000] [--timeout 120]``.
Set ``PYTHONPATH`` to another checkout's ``src`` to time that one the same way.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from synthetic import CRITERIA, VERDICTS, synthetic_options
from timing import median_seconds

from appraisal import appraise, load_scenario
from appraisal.scoring import competition_ranks
from appraisal.sensitivity import WeightPrior, decision_model, smaa, weight_sweeps


def synthetic_files(folder: Path, options: int, seed: int = 0) -> Path:
    """A rule base with ``options`` options and its scenario; returns the scenario's path."""
    rng = random.Random(seed)
    rule_base = {
        "id": "scaling",
        "title": "Synthetic rule base for scaling measurements",
        "documents": {"synthetic": {"title": "Synthetic evidence"}},
        "facts": {"x": {"type": "number"}, "flag": {"type": "boolean"}},
        "criteria": CRITERIA,
        "options": synthetic_options(rng, options),
        "rules": {
            "high_x": {
                "when": {"fact": "x", "gt": 10},
                "then": [{"option": "o0", "adjust": "c1", "by": 5}],
            },
            "flagged": {
                "when": {"fact": "flag", "eq": True},
                "then": [{"option": "o1", "adjust": "c2", "by": -5}],
            },
        },
        "verdicts": VERDICTS,
    }
    scenario = {
        "title": f"{options} options",
        "rule_base": "rules.yaml",
        "evidence": {
            "x": {"statement": "x is 20", "value": 20, "source": "synthetic"},
            "flag": {"statement": "not flagged", "value": False, "source": "synthetic"},
        },
    }
    (folder / "rules.yaml").write_text(yaml.safe_dump(rule_base, sort_keys=False))
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    return path


def command_seconds(arguments: list[str], timeout: float) -> str:
    start = time.perf_counter()
    try:
        subprocess.run(
            [sys.executable, "-m", "appraisal.cli", *arguments],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} s"
    return f"{time.perf_counter() - start:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 400, 1000])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--no-commands", action="store_true", help="in-process timings only")
    parser.add_argument(
        "--commands-only", action="store_true", help="whole-process timings only (each cut off)"
    )
    args = parser.parse_args()
    print(f"{'options':>7}  {'ranks':>9}  {'appraise':>9}  {'sweeps':>9}  {'smaa 100':>9}", end="")
    print("" if args.no_commands else f"  {'run json':>9}  {'sensitivity':>11}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            path = synthetic_files(Path(folder), size)
            if args.commands_only:
                run = command_seconds(["run", str(path), "--format", "json"], args.timeout)
                sensitivity = command_seconds(
                    ["sensitivity", str(path), "--samples", "100", "--format", "json"],
                    args.timeout,
                )
                print(f"{size:>7}  {'':>9}  {'':>9}  {'':>9}  {'':>9}  {run:>9}  {sensitivity:>11}")
                continue
            loaded = load_scenario(path)
            result = appraise(loaded)
            scores = {o.id: o.score for o in result.options}
            model = decision_model(result)
            repeats = 3
            ranks = median_seconds(lambda s=scores: competition_ranks(s), repeats)
            whole = median_seconds(lambda ld=loaded: appraise(ld), repeats)
            sweeps = median_seconds(lambda m=model: weight_sweeps(m), 1)
            sampled = median_seconds(
                lambda m=model: smaa(m, WeightPrior(), samples=100, seed=0), repeats
            )
            print(
                f"{size:>7}  {ranks * 1e3:>7.2f}ms  {whole:>8.3f}s  {sweeps:>8.3f}s"
                f"  {sampled:>8.3f}s",
                end="",
            )
            if args.no_commands:
                print()
                continue
            run = command_seconds(["run", str(path), "--format", "json"], args.timeout)
            sensitivity = command_seconds(
                ["sensitivity", str(path), "--samples", "100", "--format", "json"], args.timeout
            )
            print(f"  {run:>9}  {sensitivity:>11}")


if __name__ == "__main__":
    main()
