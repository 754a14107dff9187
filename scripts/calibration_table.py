"""The calibration table: each bundled scenario with expectations, what it expects, what it gets.

For every scenario under the given folders that declares ``expect``, prints a
Markdown row: the scenario, the decision stage, the expected and the engine's
recommendation, the lead of the first-ranked option over the second, and the
evidence items that add most to the recommended option's score (its Shapley
attribution, largest first).

Run: ``python scripts/calibration_table.py [FOLDER...]`` (default: scenarios/), for the
scenarios of one rule base (``--rule-base``, default the children's social care one).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from appraisal.appraise import appraise
from appraisal.explain import attribute
from appraisal.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def row(path: Path, top: int, rule_base: str) -> str | None:
    loaded = load_scenario(path)
    expect = loaded.scenario.expect
    if expect is None or loaded.rule_base.id != rule_base:
        return None
    result = appraise(loaded)
    ranked = [o for o in result.options if o.rank is not None]
    lead = ranked[0].score - ranked[1].score if len(ranked) > 1 else float("nan")
    drivers = "-"
    if result.recommended:
        shares = attribute(result).options[result.recommended].attribution
        best = sorted((s for s in shares.items() if s[1] > 0), key=lambda s: -s[1])[:top]
        drivers = ", ".join(f"{fact} (+{points:.1f})" for fact, points in best)
    stage = result.evidence.get("decision_stage") or "-"
    match = "yes" if result.recommended == expect.recommended else "**no**"
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return (
        f"| `{name}` | {stage} | {expect.recommended} | {result.recommended} | {match}"
        f" | {lead:.1f} | {drivers} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", default=[str(ROOT / "scenarios")])
    parser.add_argument("--top", type=int, default=3, help="drivers to list per scenario")
    parser.add_argument(
        "--rule-base", default="childrens-social-care", help="the id of the rule base calibrated"
    )
    args = parser.parse_args()
    print("| scenario | stage | expected | engine | match | lead | top drivers (points) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for folder in args.folders:
        for path in sorted(Path(folder).resolve().rglob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            if "expect:" in text:
                line = row(path, args.top, args.rule_base)
                if line:
                    print(line)


if __name__ == "__main__":
    main()
