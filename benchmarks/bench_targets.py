"""The performance targets, each measured as a ratio or exponent within one run.

The machine is shared and noisy, so nothing here is compared with a number
measured elsewhere: every figure is either a ratio of two timings taken side
by side in this run, or an exponent fitted to timings at several sizes.

1. Birmingham in process: ``appraise``, ``explain`` (target: 5 ms or less),
   the evidence Monte Carlo's samples per second (target: 1,000,000 or more),
   with SMAA's for comparison, and each part of ``explain`` timed alone.
2. Whole process: ``appraisal run`` against two import floors of its
   dependencies: their packages (``python -c "import pydantic, yaml, rich,
   numpy"``), and every third-party module the run loads; target 1.5 times or
   less.
3. Scaling in options (100 to 10,000; 200 rules) and in rules (1,000 to
   10,000 from files, 20,000 built in code; 10 options): loading, appraising
   and 1,000 SMAA samples, with the exponent of a least-squares fit of log
   time on log size (1 is linear). Loading and compiling are timed again with
   cyclic garbage collection off: the work's own growth, without the
   collector's traversals of a growing heap.
   SMAA is timed up to 3,000 options: its result holds every option's share
   of every rank, m x m numbers (9 million at 3,000, 100 million at 10,000),
   so beyond that its time and memory are the result's own size.

Run: ``python benchmarks/bench_targets.py [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml
from synthetic import CRITERIA, LEAVES, VERDICTS, synthetic_options
from timing import median_seconds, seconds_without_collector

from appraisal import appraise, appraise_facts, compile_rule_base, explain, load_scenario
from appraisal.appraise import Appraisal
from appraisal.explain import (
    Tracer,
    WhatIf,
    attribute,
    counterfactual_stages,
    information_stages,
    narrative,
    rule_deltas,
    switching_values,
)
from appraisal.loader import bundled_scenarios
from appraisal.models import RuleBase
from appraisal.sensitivity import decision_model, evidence_uncertainty, smaa

SMAA_UP_TO = 3_000


def synthetic_files(folder: Path, options: int, rules: int, seed: int = 0) -> Path:
    """A rule base of ``options`` options and ``rules`` rules over 20 facts; its scenario."""
    rule_base, scenario = synthetic_data(options, rules, seed)
    (folder / "rules.yaml").write_text(yaml.safe_dump(rule_base, sort_keys=False))
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    return path


def synthetic_data(
    options: int, rules: int, seed: int = 0
) -> tuple[dict[str, object], dict[str, object]]:
    """The rule base and scenario ``synthetic_files`` writes, as plain data."""
    rng = random.Random(seed)
    facts = [f"x{i}" for i in range(20)]
    rule_table: dict[str, object] = {}
    for i in range(rules):
        fact = facts[i % len(facts)]
        if i % 10 == 9:  # a finding derived by one rule and read by the next
            rule_table[f"r{i}"] = {
                "when": {"fact": fact, "gt": rng.uniform(0, 100)},
                "then": [{"derive": f"f{i}", "value": True}],
            }
            continue
        condition: dict[str, object] = {"fact": fact, "gt": round(rng.uniform(0, 100), 2)}
        if i % 10 == 0 and i > 0:
            condition = {"all": [condition, {"fact": f"f{i - 1}", "eq": True}]}
        rule_table[f"r{i}"] = {
            "when": condition,
            "then": [
                {
                    "option": f"o{rng.randrange(options)}",
                    "adjust": LEAVES[i % len(LEAVES)],
                    "by": round(rng.uniform(-5, 5), 2),
                }
            ],
        }
    rule_base = {
        "id": "scaling",
        "title": "Synthetic rule base for scaling measurements",
        "documents": {"synthetic": {"title": "Synthetic evidence"}},
        "facts": {fact: {"type": "number"} for fact in facts},
        "findings": {f"f{i}": {"type": "boolean"} for i in range(9, rules, 10)},
        "criteria": CRITERIA,
        "options": synthetic_options(rng, options),
        "rules": rule_table,
        "verdicts": VERDICTS,
    }
    scenario = {
        "title": f"{options} options, {rules} rules",
        "rule_base": "rules.yaml",
        "evidence": {
            fact: {
                "statement": f"{fact} measured",
                "value": round(rng.uniform(0, 100), 2),
                "source": "synthetic",
                "confidence": 0.9,
            }
            for fact in facts
        },
    }
    return rule_base, scenario


def exponent(sizes: Sequence[int], seconds: Sequence[float]) -> float:
    """Slope of log(seconds) on log(size): 1 is linear, 2 quadratic."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(t, 1e-9)) for t in seconds]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return covariance / sum((x - mean_x) ** 2 for x in xs)


def process_times(arguments: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one Python process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


USED_MODULES = """
import contextlib, io, sys
from appraisal import cli
with contextlib.redirect_stdout(io.StringIO()):
    cli.main(["run"])
stdlib = sys.stdlib_module_names
print("; ".join(
    f"import {name}" for name, module in list(sys.modules.items())
    if name.partition(".")[0] not in stdlib and not name.startswith(("appraisal", "_"))
    and getattr(module, "__file__", None)
))
"""
"""Prints an import of every third-party module ``appraisal run`` loads, in load order."""


def birmingham(repeats: int) -> None:
    loaded = load_scenario(bundled_scenarios()["birmingham-2014"])
    result = appraise(loaded)
    appraise_s = median_seconds(lambda: appraise(loaded), repeats)
    explain(result)  # warm
    explain_s = median_seconds(lambda: explain(result), repeats)
    samples = 200_000
    evidence_uncertainty(loaded, samples=1_000, seed=0)  # warm
    monte_carlo_s = median_seconds(lambda: evidence_uncertainty(loaded, samples=samples, seed=0), 3)
    model = decision_model(result)
    smaa_s = median_seconds(lambda: smaa(model, samples=samples, seed=0), 3)
    print("Birmingham, in process (median)")
    print(f"  appraise                 {appraise_s * 1e3:9.2f} ms")
    print(
        f"  explain                  {explain_s * 1e3:9.2f} ms"
        f"   ({explain_s / appraise_s:.1f} x appraise; target <= 5 ms)"
    )
    print(
        f"  evidence Monte Carlo     {samples / monte_carlo_s:12,.0f} samples/s"
        "   (target >= 1,000,000)"
    )
    print(f"  SMAA over weights        {samples / smaa_s:12,.0f} samples/s")
    explain_parts(result, repeats)


def explain_parts(result: Appraisal, repeats: int) -> None:
    """Each part of ``explain`` timed alone, as ``explain`` runs it: where its time goes."""

    def searches() -> object:
        what_if = WhatIf(result)
        return what_if.together(
            counterfactual_stages(what_if, max_size=2, budget=20_000),
            information_stages(what_if),
        )

    attribution = attribute(result)
    switches = switching_values(result)
    report, _ = searches()
    deltas = {option.id: rule_deltas(result, option) for option in result.options}

    def traces() -> object:
        tracer = Tracer(result)
        return [tracer.trace(option, deltas[option.id]) for option in result.options]

    def narratives() -> object:
        return [
            narrative(result, option, attribution, report, switches, deltas)
            for option in result.options
        ]

    parts: list[tuple[str, Callable[[], object]]] = [
        ("attribution (exact Shapley)", lambda: attribute(result)),
        ("counterfactuals + find out next", searches),
        ("switching values", lambda: switching_values(result)),
        ("rule deltas", lambda: [rule_deltas(result, option) for option in result.options]),
        ("traces", traces),
        ("narratives", narratives),
    ]
    print("  explain, part by part (median)")
    total = 0.0
    for name, action in parts:
        seconds = median_seconds(action, repeats)
        total += seconds
        print(f"    {name:33s} {seconds * 1e3:7.2f} ms")
    print(f"    {'sum of the parts':33s} {total * 1e3:7.2f} ms")


def whole_process(repeats: int) -> None:
    """Each floor and the run measured in turn, so a busy spell weighs on all alike.

    Two floors: the dependencies' packages as ``import`` gives them (pydantic
    and rich import little of themselves until used), and every third-party
    module the run actually loads (pydantic's validation machinery, rich's
    console and tables, PyYAML's C loader, numpy), imported without appraisal.
    The second is what any program doing this job with these libraries pays
    before doing any of it; the ratio to it is this package's own cost.

    Under ``PYTHONDONTWRITEBYTECODE`` an editable install compiles the package from
    source on every start while its dependencies' bytecode was written when they were
    installed; the run is then measured from cached bytecode too, as an installed
    package starts, for a like-for-like ratio. Wall-clock and CPU time are both
    shown: on a busy machine CPU time is the steadier of the two.
    """
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    uncached = "PYTHONDONTWRITEBYTECODE" in os.environ
    used = subprocess.run(
        [sys.executable, "-c", USED_MODULES], check=True, capture_output=True, text=True, env=cached
    ).stdout.strip()
    commands = {
        "floor: import pydantic, yaml, rich, numpy": ["-c", "import pydantic, yaml, rich, numpy"],
        f"floor: the {used.count('import ')} dependency modules run loads": ["-c", used],
        "appraisal run": ["-m", "appraisal", "run"],
    }
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    if uncached:
        times["... from cached bytecode"] = []
    for _ in range(repeats):
        for label, arguments in commands.items():
            times[label].append(process_times(arguments))
        if uncached:
            times["... from cached bytecode"].append(
                process_times(["-m", "appraisal", "run"], env=cached)
            )
    medians = {
        label: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
        for label, t in times.items()
    }
    floors = list(medians.values())[:2]
    print("Whole process (median; target: run <= 1.5 x floor)")
    print(f"  {'':46} {'wall':>7} {'cpu':>7}   run / floor (wall, cpu)")
    for label, (wall, cpu) in medians.items():
        ratios = ""
        if not label.startswith("floor"):
            ratios = "   " + "   ".join(f"{wall / fw:.2f} {cpu / fc:.2f}" for fw, fc in floors)
        print(f"  {label:46} {wall:6.3f}s {cpu:6.3f}s{ratios}")


def scaling(
    label: str, sizes: Sequence[int], files: Callable[[Path, int], Path], repeats: int
) -> None:
    print(f"Scaling in {label}")
    print(f"  {label:>8}  {'load':>9}  {'gc off':>9}  {'appraise':>9}  {'smaa 1000':>9}")
    columns: dict[str, list[float]] = {"load": [], "gc off": [], "appraise": [], "smaa": []}
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as other:
            path = files(Path(folder), size)
            start = time.perf_counter()
            loaded = load_scenario(path)
            load_s = time.perf_counter() - start
            # The same files again, elsewhere (a loaded file is cached by path).
            copy = files(Path(other), size)
            columns["gc off"].append(seconds_without_collector(lambda c=copy: load_scenario(c)))
            result = appraise(loaded)
            appraise_s = median_seconds(lambda ld=loaded: appraise(ld), repeats)
            smaa_text = "-"
            if len(result.options) <= SMAA_UP_TO:
                model = decision_model(result)
                smaa_s = median_seconds(lambda m=model: smaa(m, samples=1_000, seed=0), repeats)
                columns["smaa"].append(smaa_s)
                smaa_text = f"{smaa_s:8.3f}s"
        columns["load"].append(load_s)
        columns["appraise"].append(appraise_s)
        print(
            f"  {size:>8}  {load_s:8.3f}s  {columns['gc off'][-1]:8.3f}s  {appraise_s:8.3f}s"
            f"  {smaa_text:>9}"
        )
    fitted = "  ".join(
        f"{name} {exponent(sizes[: len(times)], times):.2f}"
        for name, times in columns.items()
        if len(times) > 1
    )
    print(f"  exponents: {fitted}")


def rules_in_code(sizes: Sequence[int], repeats: int) -> None:
    """The engine's side of scaling in rules, past what one file may hold: a file of
    20,000 rules holds more than the 250,000 values the loader accepts from one file
    (a limit against hostile input), so the rule base is built in code and compiled."""
    print("Scaling in rules, rule base built in code (compile, then appraise the facts)")
    print(f"  {'rules':>8}  {'compile':>9}  {'gc off':>9}  {'appraise':>9}")
    columns: dict[str, list[float]] = {"compile": [], "gc off": [], "appraise": []}
    for size in sizes:
        data, scenario = synthetic_data(10, size)
        rule_base = RuleBase.model_validate(data)
        evidence = scenario["evidence"]
        assert isinstance(evidence, dict)
        facts = {fact: item["value"] for fact, item in evidence.items()}
        columns["compile"].append(
            median_seconds(lambda rb=rule_base: compile_rule_base(rb), repeats)
        )
        columns["gc off"].append(
            min(
                seconds_without_collector(lambda rb=rule_base: compile_rule_base(rb))
                for _ in range(repeats)
            )
        )
        compiled = compile_rule_base(rule_base)
        columns["appraise"].append(
            median_seconds(lambda c=compiled, f=facts: appraise_facts(c, f), repeats)
        )
        print("  " + "  ".join([f"{size:>8}", *(f"{t[-1]:8.3f}s" for t in columns.values())]))
    fitted = "  ".join(f"{name} {exponent(sizes, times):.2f}" for name, times in columns.items())
    print(f"  exponents: {fitted}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    birmingham(repeats * 3)
    whole_process(repeats)
    option_sizes = [100, 300, 1_000] if args.quick else [100, 300, 1_000, 3_000, 10_000]
    rule_sizes = [1_000, 2_000, 5_000] if args.quick else [1_000, 2_000, 5_000, 10_000]
    scaling("options", option_sizes, lambda f, n: synthetic_files(f, n, 200), 3)
    scaling("rules", rule_sizes, lambda f, n: synthetic_files(f, 10, n), 3)
    in_code = [1_000, 5_000] if args.quick else [1_000, 2_000, 5_000, 10_000, 20_000]
    rules_in_code(in_code, 3)


if __name__ == "__main__":
    main()
