"""How often each option is recommended over random evidence drawn from a rule base's facts.

A rough check that evidence decides: every option should win for some share
of authorities, and a large share of thin evidence sets should get no
recommendation at all. Each declared fact (context facts excepted) is left
unknown with probability ``--unknown`` and otherwise drawn at random: a level
or boolean uniformly, a number uniformly between 0 and twice the largest
constant any rule compares it with (or 0..100 when it is only compared with
other facts). Draws that make the rule base contradict itself are counted
apart.

Run: ``python scripts/evidence_shares.py [RULE_BASE] --samples 20000 --seed 1``.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from pathlib import Path

from appraisal.appraise import appraise_facts, compile_rule_base
from appraisal.errors import AppraisalError
from appraisal.loader.loading import load_rule_base
from appraisal.models import Comparison, FactRef, RuleBase
from appraisal.rules import comparisons

ROOT = Path(__file__).resolve().parents[1]


def number_ceilings(rule_base: RuleBase) -> dict[str, float]:
    """Twice the largest constant each number fact is compared with."""
    largest: dict[str, float] = {}
    conditions = [rule.when for rule in rule_base.rules.values()]
    conditions += [v.when for v in rule_base.verdicts if v.when is not None]
    for condition in conditions:
        for comparison in comparisons(condition):
            for operand in _operands(comparison):
                if (
                    comparison.fact
                    and isinstance(operand, int | float)
                    and not isinstance(operand, bool)
                ):
                    largest[comparison.fact] = max(largest.get(comparison.fact, 0.0), operand)
    return {fact: 2 * value if value > 0 else 100.0 for fact, value in largest.items()}


def _operands(comparison: Comparison) -> list[object]:
    ops = (comparison.eq, comparison.ne, comparison.lt, comparison.le, comparison.gt, comparison.ge)
    return [op for op in ops if op is not None and not isinstance(op, FactRef)]


def draw(
    rule_base: RuleBase, ceilings: dict[str, float], unknown: float, rng: random.Random
) -> dict[str, object]:
    facts: dict[str, object] = {}
    for fact_id, spec in rule_base.facts.items():
        if spec.context or rng.random() < unknown:
            continue
        if spec.type == "boolean":
            facts[fact_id] = rng.random() < 0.5
        elif spec.type == "level" and spec.scale:
            facts[fact_id] = rng.choice(rule_base.scales[spec.scale])
        elif spec.type == "number":
            facts[fact_id] = round(rng.uniform(0, ceilings.get(fact_id, 100.0)), 1)
    return facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "rule_base", nargs="?", default=str(ROOT / "rules/childrens-social-care.yaml")
    )
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--unknown", type=float, default=0.3, help="chance a fact is left unknown")
    parser.add_argument("--by", help="also break the shares down by the value of this fact")
    args = parser.parse_args()
    rule_base, _ = load_rule_base(args.rule_base)
    compiled = compile_rule_base(rule_base)
    ceilings = number_ceilings(rule_base)
    rng = random.Random(args.seed)
    groups: dict[str, Counter[str]] = {"all": Counter()}
    for _ in range(args.samples):
        facts = draw(rule_base, ceilings, args.unknown, rng)
        try:
            outcome = appraise_facts(compiled, facts).recommended or "(nothing recommended)"
        except AppraisalError:
            outcome = "(contradictory evidence)"
        groups["all"][outcome] += 1
        if args.by:
            groups.setdefault(f"{args.by} = {facts.get(args.by)}", Counter())[outcome] += 1
    print(f"{args.samples} random evidence sets, seed {args.seed}, {args.unknown:.0%} unknown")
    for name, counts in groups.items():
        total = sum(counts.values())
        print(f"{name} ({total} sets)")
        for outcome in [*rule_base.options, "(nothing recommended)", "(contradictory evidence)"]:
            print(f"  {outcome:28s} {counts[outcome]:6d}  {counts[outcome] / total:6.1%}")


if __name__ == "__main__":
    main()
