"""Speed of the explanation, printed as figures to quote.

1. Birmingham: appraise alone, then a full explanation of every option
   (median of many runs), as a ratio; and the parts of the explanation.
2. A generated rule base with 200 evidence items and 1,000 rules (10 options x
   10 leaf criteria, 100 findings in two layers): appraise, attribute, explain.

Run: ``python benchmarks/bench_explain.py`` (``--quick`` for fewer repetitions).
Compare ratios within one run: the machine may be shared and noisy.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from timing import median_seconds

from appraisal.appraise import appraise, appraise_facts, compile_rule_base
from appraisal.explain import (
    attribute,
    evidence_counterfactuals,
    explain,
    switching_values,
)
from appraisal.loader import load_scenario
from appraisal.models import RuleBase

ROOT = Path(__file__).resolve().parents[1]
BIRMINGHAM = ROOT / "scenarios" / "birmingham-2014.yaml"


def generated_rule_base(evidence: int = 200, rules: int = 1000, seed: int = 0) -> RuleBase:
    """Rules read one to three facts or first-layer findings; most adjust option values."""
    rng = random.Random(seed)
    facts = {f"e{i}": {"type": "number"} for i in range(evidence)}
    layer1 = [f"f{i}" for i in range(60)]
    layer2 = [f"g{i}" for i in range(40)]
    findings = {f: {"type": "boolean"} for f in layer1 + layer2}
    leaves = [f"c{i}" for i in range(10)]
    criteria = {
        "benefit": {
            "weight": 3,
            "children": {c: {"weight": rng.randint(1, 5), "horizon": "short"} for c in leaves[:5]},
        },
        "cost": {
            "weight": 2,
            "children": {c: {"weight": rng.randint(1, 5), "horizon": "long"} for c in leaves[5:]},
        },
    }
    options = {
        f"o{i}": {
            "name": f"option {i}",
            "values": {c: {"value": rng.randint(30, 70)} for c in leaves},
        }
        for i in range(10)
    }

    def test(fact: str) -> dict[str, object]:
        if fact in findings:
            return {"fact": fact, "eq": True}
        return {"fact": fact, rng.choice(["lt", "ge"]): float(rng.randint(20, 80))}

    body: dict[str, dict[str, object]] = {}
    for i, finding in enumerate(layer1 + layer2):
        pool = list(facts) if finding in layer1 else list(facts)[: evidence // 2] + layer1
        reads = rng.sample(pool, rng.randint(1, 3))
        body[f"d{i}"] = {
            "when": {"all": [test(f) for f in reads]},
            "then": [{"derive": finding, "value": True}],
        }
    for i in range(rules - len(body)):
        pool = list(facts) if rng.random() < 0.6 else layer1 + layer2
        reads = rng.sample(pool, rng.randint(1, 2))
        key = rng.choice(["all", "any"])
        effects = [
            {
                "option": rng.choice(list(options)),
                "adjust": rng.choice(leaves),
                "by": float(rng.randint(-8, 8) or 1),
            }
            for _ in range(rng.randint(1, 2))
        ]
        body[f"r{i}"] = {"when": {key: [test(f) for f in reads]}, "then": effects}
    return RuleBase.model_validate(
        {
            "id": "generated",
            "title": "generated",
            "facts": facts,
            "findings": findings,
            "criteria": criteria,
            "options": options,
            "rules": body,
            "verdicts": [
                {"verdict": "recommended", "recommends": True, "when": {"metric": "rank", "eq": 1}},
                {"verdict": "other", "otherwise": True},
            ],
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeats = 5 if args.quick else 30

    loaded = load_scenario(BIRMINGHAM)
    result = appraise(loaded)
    explain(result)  # compile and warm caches once
    base = median_seconds(lambda: appraise(loaded), repeats * 4)
    full = median_seconds(lambda: explain(appraise(loaded)), repeats)
    singles = median_seconds(lambda: explain(appraise(loaded), max_changes=1), repeats)
    rb = loaded.rule_base
    print(
        f"Birmingham 2014 ({len(rb.options)} options, {len(loaded.scenario.evidence)} evidence"
        f" items, {len(rb.rules)} rules)"
    )
    print(f"  appraise alone                          {base * 1e3:8.2f} ms")
    print(
        f"  appraise + explain (sets of <= 2 changes){full * 1e3:8.2f} ms"
        f"   ratio {full / base:6.1f}x"
    )
    print(
        f"  appraise + explain (single changes only){singles * 1e3:8.2f} ms"
        f"   ratio {singles / base:6.1f}x"
    )
    for name, action in (
        ("  attribution (exact Shapley)           ", lambda: attribute(result)),
        ("  weight switching values (closed form) ", lambda: switching_values(result)),
        (
            "  evidence changes, sets of <= 3        ",
            lambda: evidence_counterfactuals(result, max_size=3),
        ),
    ):
        seconds = median_seconds(action, max(3, repeats // 5))
        print(f"{name} {seconds * 1e3:8.2f} ms")

    rule_base = generated_rule_base()
    compiled = compile_rule_base(rule_base)
    rng = random.Random(1)
    facts = {f: float(rng.randint(0, 100)) for f in rule_base.facts}
    generated = appraise_facts(compiled, facts)
    attribution = attribute(generated)
    gen_base = median_seconds(lambda: appraise_facts(compiled, facts), max(3, repeats // 3))
    gen_attr = median_seconds(lambda: attribute(generated), 3)
    gen_full = median_seconds(lambda: explain(appraise_facts(compiled, facts)), 3)
    print("Generated: 200 evidence items, 1,000 rules, 10 options x 10 criteria")
    print(f"  appraise alone                          {gen_base * 1e3:8.2f} ms")
    print(
        f"  attribution                             {gen_attr * 1e3:8.2f} ms"
        f"   ({attribution.method}; {attribution.sampled_games} game(s) sampled)"
    )
    print(
        f"  appraise + explain (sets of <= 2 changes){gen_full * 1e3:8.2f} ms"
        f"   ratio {gen_full / gen_base:6.1f}x"
    )


if __name__ == "__main__":
    main()
