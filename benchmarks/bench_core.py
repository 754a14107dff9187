"""Speed of the core engine, printed as figures to quote.

1. In process: load + appraise the bundled Birmingham scenario (median of many
   runs), with the rule base parsed afresh each time (as in a new process) and
   cached (as when several scenarios share it), and appraise alone.
2. Whole process: ``appraisal run`` against the import floor of its own
   dependencies (``python -c 'import pydantic, networkx, yaml, rich'``),
   measured in the same run, as a ratio.
3. Scale: a synthetic rule base of 1,000 options x 50 criteria with 2,500,
   5,000 and 10,000 rules, to show cost growing linearly in rules.

Run: ``python benchmarks/bench_core.py`` (``--quick`` for fewer repetitions).
Compare ratios within one run: the machine may be shared and noisy.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from timing import median_seconds

import appraisal
from appraisal.appraise import appraise_facts, compile_rule_base
from appraisal.loader import loading
from appraisal.models import RuleBase

ROOT = Path(__file__).resolve().parents[1]
BIRMINGHAM = ROOT / "scenarios" / "birmingham-2014.yaml"


def whole_processes(commands: list[list[str]], repeats: int) -> list[float]:
    """Median wall-clock time of each command, run in turn so drift hits all alike."""
    times: list[list[float]] = [[] for _ in commands]
    for command in commands:  # warm the file cache
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd="/")
    for _ in range(repeats):
        for index, command in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd="/")
            times[index].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def synthetic_rule_base(options: int, criteria: int, rules: int, seed: int = 0) -> RuleBase:
    """Options x leaf criteria in 5 groups; rules derive findings and adjust values."""
    rng = random.Random(seed)
    facts = {f"e{i}": {"type": "number"} for i in range(200)}
    findings = {f"f{i}": {"type": "boolean"} for i in range(rules // 10)}
    groups = 5
    per_group = criteria // groups
    tree = {
        f"g{g}": {
            "weight": rng.randint(1, 5),
            "children": {
                f"c{g}_{i}": {"weight": rng.randint(1, 5), "horizon": rng.choice(["short", "long"])}
                for i in range(per_group)
            },
        }
        for g in range(groups)
    }
    leaves = [c for g in tree.values() for c in g["children"]]
    option_ids = [f"o{i}" for i in range(options)]
    rule_defs = {}
    for index in range(rules):
        if index < len(findings):  # the first tenth derive findings from evidence
            rule_defs[f"r{index}"] = {
                "when": {"fact": f"e{rng.randrange(200)}", "gt": rng.uniform(0, 100)},
                "then": [{"derive": f"f{index}"}],
            }
            continue
        finding = f"f{rng.randrange(len(findings))}"
        rule_defs[f"r{index}"] = {
            "when": {
                "all": [
                    {"fact": finding, "eq": True},
                    {"fact": f"e{rng.randrange(200)}", "lt": rng.uniform(0, 100)},
                ]
            },
            "then": [
                {
                    "option": rng.choice(option_ids),
                    "adjust": rng.choice(leaves),
                    "by": rng.uniform(-20, 20),
                }
            ],
        }
    return RuleBase.model_validate(
        {
            "id": "synthetic",
            "title": "synthetic",
            "facts": facts,
            "findings": findings,
            "criteria": tree,
            "options": {
                o: {"name": o, "values": {c: {"value": rng.uniform(0, 100)} for c in leaves}}
                for o in option_ids
            },
            "rules": rule_defs,
            "verdicts": [
                {"verdict": "recommended", "recommends": True, "when": {"metric": "rank", "eq": 1}},
                {"verdict": "not_recommended", "otherwise": True},
            ],
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeats, process_repeats = (20, 5) if args.quick else (200, 30)

    def cold() -> object:
        loading._cached_rule_base.cache_clear()  # parse the rule base afresh, as a new process does
        return appraisal.appraise(BIRMINGHAM)

    cold_load = median_seconds(cold, repeats)
    warm_load = median_seconds(lambda: appraisal.appraise(BIRMINGHAM), repeats)
    loaded = appraisal.load_scenario(BIRMINGHAM)
    appraise_only = median_seconds(lambda: appraisal.appraise(loaded), repeats)
    print(
        f"birmingham load + appraise, rule base parsed  (median of {repeats}): "
        f"{cold_load * 1e3:7.2f} ms"
    )
    print(
        f"birmingham load + appraise, rule base cached  (median of {repeats}): "
        f"{warm_load * 1e3:7.2f} ms"
    )
    print(
        f"birmingham appraise only                      (median of {repeats}): "
        f"{appraise_only * 1e3:7.2f} ms"
    )

    floor, run = whole_processes(
        [
            [sys.executable, "-c", "import pydantic, networkx, yaml, rich"],
            [sys.executable, "-m", "appraisal.cli", "run"],
        ],
        process_repeats,
    )
    print(f"import floor (pydantic, networkx, yaml, rich):  {floor * 1e3:8.1f} ms")
    print(f"appraisal run, whole process:                   {run * 1e3:8.1f} ms")
    print(f"ratio run / floor:                              {run / floor:8.2f}x")

    print("synthetic: 1,000 options x 50 criteria, 200 evidence items")
    facts = {f"e{i}": random.Random(i).uniform(0, 100) for i in range(200)}
    previous = None
    for rules in (2500, 5000, 10000):
        rule_base = synthetic_rule_base(1000, 50, rules)
        start = time.perf_counter()
        compiled = compile_rule_base(rule_base)
        compile_time = time.perf_counter() - start
        appraise_time = median_seconds(
            lambda compiled=compiled: appraise_facts(compiled, facts), 1 if args.quick else 3
        )
        growth = f"  x{appraise_time / previous:4.2f} for x2 rules" if previous else ""
        print(
            f"  {rules:6d} rules: compile {compile_time:6.2f} s, appraise {appraise_time:6.2f} s"
            f"{growth}"
        )
        previous = appraise_time


if __name__ == "__main__":
    main()
