"""Speed of sensitivity analysis on the bundled Birmingham 2014 scenario.

Prints samples per second of vectorised SMAA at 10^4, 10^5 and 10^6 weight
samples, against a plain Python loop that appraises the scenario once per
sampled weight vector (the same draws), and of evidence Monte Carlo. Run with
``python benchmarks/bench_sensitivity.py``.
"""

from __future__ import annotations

import time
import tracemalloc

from appraisal import appraise, bundled_scenarios, compile_rule_base, load_scenario
from appraisal.appraise import appraise_facts, evidence_values
from appraisal.sensitivity import (
    WeightPrior,
    decision_model,
    evidence_uncertainty,
    smaa,
    weight_samples,
)

SEED = 0
LOOP_SAMPLES = 300


def _best_of(repeats: int, run: object) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    loaded = load_scenario(bundled_scenarios()["birmingham-2014"])
    compiled = compile_rule_base(loaded.rule_base)
    model = decision_model(appraise(loaded, compiled=compiled))
    prior = WeightPrior()
    print(
        f"Birmingham 2014: {len(model.options)} ranked options, {len(model.tree.leaves)} leaf"
        f" criteria in {len(model.tree.groups)} sibling groups; seed {SEED}"
    )

    facts = evidence_values(loaded.scenario.evidence)
    shares = weight_samples(model.tree, prior, LOOP_SAMPLES, SEED)
    ids = model.tree.ids

    def loop() -> None:
        for row in shares:
            appraise_facts(compiled, facts, dict(zip(ids, map(float, row), strict=True)))

    loop_rate = LOOP_SAMPLES / _best_of(3, loop)
    print(
        f"baseline: Python loop over appraise_facts, {LOOP_SAMPLES} samples:"
        f" {loop_rate:,.0f} samples/s"
    )

    for samples in (10**4, 10**5, 10**6):
        seconds = _best_of(3, lambda n=samples: smaa(model, prior, samples=n, seed=SEED))
        rate = samples / seconds
        print(
            f"SMAA {samples:>9,} weight samples: {seconds:7.3f} s, {rate:13,.0f} samples/s,"
            f" x{rate / loop_rate:,.0f} the loop"
        )

    for samples in (10**4, 10**6):
        tracemalloc.start()
        smaa(model, prior, samples=samples, seed=SEED)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"SMAA {samples:>9,} samples: peak traced memory {peak / 2**20:6.1f} MiB")

    result = smaa(model, prior, samples=10**6, seed=SEED)
    print(
        f"first-rank acceptability of commissioner, 10^6 uniform samples, seed {SEED}:"
        f" {result.first_rank('commissioner'):.4f}"
    )

    for samples, joint in ((10**4, False), (10**5, False), (10**5, True)):
        seconds = _best_of(
            3,
            lambda n=samples, j=joint: evidence_uncertainty(
                loaded, samples=n, seed=SEED, compiled=compiled, prior=prior if j else None
            ),
        )
        label = "evidence and weights" if joint else "evidence"
        print(
            f"{label} Monte Carlo {samples:>9,} samples: {seconds:7.3f} s,"
            f" {samples / seconds:13,.0f} samples/s"
        )


if __name__ == "__main__":
    main()
