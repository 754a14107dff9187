"""The Birmingham panel's 46 reasons for and against the four options: how the rule
base captures each, and whether ``appraisal explain`` names it.

The reasons are those the panel gives in paras 9.2 to 9.6 and the unnumbered text
of Option IV (cited here as "Opt IV"), numbered I-1 .. IV-12 by option. For each,
the mapping below records by hand the rule base items that carry it:

- ``rule:ID``: a rule (its rationale is what the narrative would quote);
- ``fact:ID``: a fact whose evidence item the narrative would list (``ID = value``);
- ``baseline:OPTION.CRITERION``: a declared baseline value, with its rationale;
- ``gate:ID``: a gate (its rationale);
- ``verdict:VERDICT``: a verdict rule (its rationale);
- ``others``: the narrative says where every other option stands (a gate failed,
  or its verdict), the panel's reasoning by elimination.

``captured`` is the judgement: Y when a fact, a rule and an effect (or a declared
baseline with the reason as its rationale) carry the reason; Partly when they
carry only part of it, or nothing moves; N when nothing does. Every id must exist
in the rule base; a missing one is reported, and the reason then counts as
captured at most partly (not at all when every item is missing).

``named`` is computed, never typed in: the narrative of ``appraisal explain`` for
the option the reason concerns (``explain(appraise(path)).option(id).narrative``)
contains the rationale of one of the listed items, or the id of one of the listed
facts (every listed item when the reason says ``all``). ``in play`` says whether a
listed rule fired, or a listed gate failed, for that option in the scenario.

Run from the repository root:

    python scripts/panel_reasons.py                    # the bundled Birmingham scenario
    python scripts/panel_reasons.py --format md        # the table as Markdown
    python scripts/panel_reasons.py SCENARIO           # another scenario
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import appraisal
from appraisal.explain import Explanation, explain
from appraisal.models import DeriveEffect

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "birmingham-2014.yaml"
OPTIONS = {
    "I": "watchful_waiting",
    "II": "isle_of_wight",
    "III": "commissioning_split",
    "IV": "commissioner",
}


@dataclass(frozen=True)
class Reason:
    id: str
    side: str
    """for, against, or caution."""
    text: str
    para: str
    captured: str
    """Y, Partly or N: the judgement."""
    by: tuple[str, ...]
    all: bool = False
    """Named only when every item is named (otherwise any one will do)."""

    @property
    def option(self) -> str:
        return OPTIONS[self.id.split("-")[0]]


REASONS = (
    # ---- Option I: watchful waiting (9.4, with 9.2-9.3)
    Reason("I-1", "for", "widespread confidence in the new director of children's services",
           "9.2, 9.4", "Y",
           ("rule:waiting_under_favourable_conditions", "fact:confidence_in_leadership")),
    Reason("I-2", "for", "the widespread desire not to see more (structural) change",
           "9.2, 9.4", "Y",
           ("rule:structural_change_opposed", "fact:opposition_to_structural_change")),
    Reason("I-3", "for", "stronger political engagement; a new chief executive experienced"
           " in children's services", "6.1, 9.4", "Y",
           ("rule:political_ownership_strong", "rule:waiting_under_favourable_conditions",
            "fact:political_ownership", "fact:experienced_leadership_arriving")),
    Reason("I-4", "against", "no clear and coherent improvement narrative across the service",
           "7.1-7.3, 9.4", "Y",
           ("rule:waiting_without_a_plan", "fact:coherent_improvement_plan")),
    Reason("I-5", "against", "no convincing analysis of how the service operates",
           "5.11, 9.4", "Y",
           ("rule:waiting_without_a_plan", "fact:needs_analysis_comprehensive")),
    Reason("I-6", "against", "worries about undetected risk in the system", "5.5-5.7, 9.4", "Y",
           ("rule:waiting_leaves_risk", "fact:referral_obstruction_reported",
            "fact:police_protection_start_pct", "fact:core_assessment_rate_per_10k",
            "fact:repeat_referral_pct")),
    Reason("I-7", "against", "funding levels and existing structures may not let enough of"
           " the demand be met", "5.9-5.10, 9.4", "Y",
           ("rule:waiting_on_under_investment", "rule:demand_outruns_structures",
            "fact:spend_per_deprived_child_gbp", "fact:demand_rise_pct")),
    Reason("I-8", "against", "management capacity and structure could not remedy the"
           " weaknesses without a significant external stimulus", "8.1-8.4, 9.4", "Y",
           ("rule:council_cannot_improve", "rule:waiting_with_stretched_management",
            "fact:management_capacity_for_change")),
    Reason("I-9", "against", "the evidence on improvement is equivocal: building blocks, but"
           " little impact yet on front-line practice", "9.2, 9.4", "Y",
           ("rule:waiting_on_fragile_improvement", "fact:practice_impact_evident",
            "fact:improvement_evidence")),
    Reason("I-10", "against", "several false dawns: fragile signs of improvement may not"
           " survive setbacks", "9.4", "Y",
           ("rule:waiting_after_false_dawns", "rule:waiting_on_fragile_improvement",
            "fact:repeated_false_dawns")),
    Reason("I-11", "against", '"do nothing for a year" would discourage the medium and longer'
           " term planning needed", "9.4", "Y", ("rule:waiting_discourages_planning",)),
    Reason("I-12", "against", "might not help staff retention: half a vote of confidence",
           "6.4, 9.4", "Y",
           ("rule:waiting_with_unstable_workforce", "fact:experienced_staff_leaving")),
    Reason("I-13", "against", "the signs of improvement are modest and evidently fragile",
           "6.8, 9.3", "Y",
           ("rule:waiting_on_fragile_improvement", "fact:improvement_sustained")),
    Reason("I-14", "against", "given the history of leadership changes, no new director can"
           " overcome the legacy alone", "9.3", "Y",
           ("rule:waiting_on_churning_leadership", "fact:senior_leadership_changes")),
    Reason("I-15", "against", "doubts about the longer-term fitness of the new managerial"
           " arrangements", "8.1-8.3, 9.3", "Y",
           ("rule:waiting_with_stretched_management",
            "fact:dedicated_childrens_social_care_leadership")),
    Reason("I-16", "against", "a more effective system of challenge, internal and external,"
           " is needed", "9.3", "Y",
           ("rule:challenge_missing", "rule:escalate_lighter_intervention",
            "fact:external_challenge")),
    # ---- Option II: transfer to another council (9.5)
    Reason("II-1", "for", "injects established leadership, managerial capacity and competence,"
           " if the partners are committed and sovereignty is negotiated", "9.5", "Y",
           ("rule:partner_injects_leadership", "rule:partner_committed", "rule:sovereignty_agreed",
            "fact:partner_willing", "fact:council_supports_partnership")),
    Reason("II-2", "caution", "the model is in its first year: early to judge, but promising",
           "9.5", "Partly", ("baseline:isle_of_wight.sustainable_improvement",)),
    Reason("II-3", "against", "fraught with risk because failure falls on the intervening"
           " authority", "9.5", "Y",
           ("baseline:isle_of_wight.transition_risk", "rule:partner_larger")),
    Reason("II-4", "against", "acceptable only because of the two authorities' relative size"
           " and performance", "9.5", "Y",
           ("gate:capable_partner", "rule:partner_unsuitable",
            "fact:partner_larger_than_authority")),
    Reason("II-5", "against", "no authority is both strong enough and large enough to take"
           " the service over", "9.5", "Y",
           ("rule:no_partner_in_view", "fact:partner_identified")),
    # ---- Option III: splitting commissioning from provision (9.6)
    Reason("III-1", "for", "a clear break with the past; the potential for a new culture and"
           " practice", "9.6", "Y",
           ("baseline:commissioning_split.culture_change", "rule:waiting_after_false_dawns")),
    Reason("III-2", "for", "challenge to the service comes from the commissioner", "9.6", "Y",
           ("baseline:commissioning_split.challenge",)),
    Reason("III-3", "for", "the council's own option appraisal scores it quite highly", "9.6",
           "Y", ("rule:split_favoured_by_council_appraisal",
                 "fact:council_appraisal_favours_split")),
    Reason("III-4", "against", "the principal difficulty: no resources in the short term,"
           " in existing organisations or to set up a new one", "9.6", "Y",
           ("rule:split_without_providers", "fact:provider_market_capacity")),
    Reason("III-5", "against", "the dearth of high-quality social workers in the region",
           "5.2, 9.6", "Y", ("rule:scarce_workforce", "fact:workforce_supply")),
    Reason("III-6", "against", "no obvious high-quality delivery partners; unclear how quickly"
           " structural change would change practice", "9.6", "Y",
           ("rule:market_not_ready", "rule:direction_acts_now", "fact:provider_market_capacity")),
    Reason("III-7", "against", 'doubt about the ability to "commission well" in the short term',
           "9.6", "Y", ("rule:market_not_ready", "fact:commissioning_capability")),
    Reason("III-8", "against", "complexity lets the council distance itself; arm's length"
           " compounds a lack of corporate priority", "9.6", "Y",
           ("rule:split_at_arms_length", "rule:split_without_political_ownership",
            "rule:split_imposed", "fact:corporate_priority")),
    Reason("III-9", "against", "a significant risk of failure in the short run; transitional"
           " risks while providers are set up", "9.6", "Y",
           ("baseline:commissioning_split.transition_risk",)),
    Reason("III-10", "against", "it must be deliverable in a timely fashion, without"
           " indecision and delay", "9.6", "Y",
           ("baseline:commissioning_split.deliverability",
            "rule:capacity_unassessed_at_trigger")),
    Reason("III-11", "for", "the scale and persistence of the problem call for a radical,"
           " long-term solution; its capacity barriers deserve study", "9.6, s.10 rec 1", "Y",
           ("rule:waiting_after_false_dawns", "verdict:longer_term_potential")),
    Reason("III-12", "for", "the variant with the Department as commissioner: a really"
           " decisive break with the past", "9.6", "Y",
           ("rule:split_commissioned_centrally", "fact:split_commissioned_centrally")),
    Reason("III-13", "for", "several providers, by area or by service, mitigate the"
           " short-run risk", "9.6", "Y",
           ("rule:split_across_several_providers", "fact:separable_service_areas")),
    # ---- Option IV: commissioner, expert panel and directions (Opt IV)
    Reason("IV-1", "for", "by elimination: III cannot be done now and I and II are rejected,"
           " so directed measures are needed immediately", "Opt IV", "Y",
           ("verdict:recommended", "others"), all=True),
    Reason("IV-2", "for", "directly addresses the absence of challenge", "9.3, Opt IV", "Y",
           ("rule:challenge_missing", "fact:external_challenge")),
    Reason("IV-3", "for", "the risk of outright failure is low, at least relative to the"
           " other options", "Opt IV", "Y", ("baseline:commissioner.transition_risk",)),
    Reason("IV-4", "for", "should lead to an improvement in management; strengthens existing"
           " management capacity", "8.4, Opt IV", "Y",
           ("rule:waiting_with_stretched_management", "fact:management_capacity_for_change")),
    Reason("IV-5", "for", "a continuous process of monitoring", "Opt IV", "Y",
           ("baseline:commissioner.challenge",)),
    Reason("IV-6", "for", "avoids further significant structural upheaval, as contributors"
           " wished", "9.2, Opt IV", "Y",
           ("rule:structural_change_opposed", "fact:opposition_to_structural_change")),
    Reason("IV-7", "for", "a report on the balance of risk to vulnerable children",
           "Opt IV", "Y", ("rule:commissioner_reports_on_risk",)),
    Reason("IV-8", "for", "professional advice and challenge from the commissioner and expert"
           " panel", "Opt IV", "Y", ("baseline:commissioner.challenge",)),
    Reason("IV-9", "for", "dedicated leadership of children's social care, through a review"
           " of senior staffing", "8.1-8.3, Opt IV item 2", "Y",
           ("rule:waiting_with_stretched_management",
            "fact:dedicated_childrens_social_care_leadership")),
    Reason("IV-10", "for", "the chief executive must assure resourcing, recruitment and"
           " salaries, infrastructure, commissioning and engagement", "Opt IV item 3", "Partly",
           ("rule:direction_assures_resources",)),
    Reason("IV-11", "for", "an interim one-year package that reports on further directions"
           " or alternative structures", "Opt IV item 5, s.10", "Y",
           ("rule:interim_package_keeps_structures_open", "rule:capacity_unassessed_at_trigger")),
    Reason("IV-12", "for", "reinforces senior management's hand, since no new director can"
           " turn the legacy round alone", "9.3", "Y",
           ("rule:waiting_on_churning_leadership", "rule:stimulus_needed")),
)  # fmt: skip


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".").lower()


class Checker:
    """Looks up each mapped item in the rule base and in one option's narrative."""

    def __init__(self, result: appraisal.Appraisal, explanation: Explanation) -> None:
        self.result = result
        self.rule_base = result.rule_base_model
        self.explanation = explanation
        verdicts = self.rule_base.verdicts
        self.verdict_rules = {v.verdict: v for v in verdicts}
        self.fired = {f.rule for f in result.firings}

    def narrative(self, option: str) -> str:
        return self.explanation.option(option).narrative

    def exists(self, item: str) -> bool:
        kind, _, ref = item.partition(":")
        rb = self.rule_base
        if kind == "rule":
            return ref in rb.rules
        if kind == "fact":
            return ref in rb.facts
        if kind == "gate":
            return ref in rb.gates
        if kind == "verdict":
            return ref in self.verdict_rules
        if kind == "baseline":
            option, _, criterion = ref.partition(".")
            return option in rb.options and criterion in rb.options[option].values
        return item == "others"

    def text(self, item: str) -> str | None:
        """What the narrative must contain for the item to count as named."""
        kind, _, ref = item.partition(":")
        rb = self.rule_base
        if kind == "rule":
            return rb.rules[ref].rationale
        if kind == "gate":
            return rb.gates[ref].rationale
        if kind == "verdict":
            return self.verdict_rules[ref].rationale
        if kind == "baseline":
            option, _, criterion = ref.partition(".")
            return rb.options[option].values[criterion].rationale
        return None

    def named(self, item: str, option: str) -> bool:
        narrative = self.narrative(option)
        kind, _, ref = item.partition(":")
        if kind == "fact":
            return re.search(rf"\b{re.escape(ref)} = ", narrative) is not None
        if item == "others":
            return all(
                f"{o.name} is {o.verdict.replace('_', ' ')}" in narrative
                or f"{o.name} fails the gate" in narrative
                for o in self.result.options
                if o.id != option
            )
        wanted = self.text(item)
        return wanted is not None and _clean(wanted) in _clean(narrative)

    def in_play(self, item: str, option: str) -> bool:
        """Whether the item bears on the option in this scenario: a rule that fired
        and moved it, failed it on a gate or derived a finding; a gate it failed; a
        baseline that differs from another option's; its own verdict rule."""
        kind, _, ref = item.partition(":")
        result = self.result.option(option)
        if kind == "rule":
            rule = self.rule_base.rules[ref]
            derives_only = all(isinstance(e, DeriveEffect) for e in rule.then)
            moved = any(
                ref in (a.rule for a in v.adjustments) or v.set_by == ref
                for v in result.values.values()
            )
            gated = any(f.rule == ref for f in result.gate_failures)
            return ref in self.fired and (derives_only or moved or gated)
        if kind == "gate":
            return any(f.gate == ref for f in result.gate_failures)
        if kind == "baseline":
            owner, _, criterion = ref.partition(".")
            value = self.rule_base.options[owner].values[criterion].value
            return any(o.values[criterion].value != value for o in self.rule_base.options.values())
        if kind == "verdict":
            return result.verdict == ref
        return item == "others" and result.verdict == "recommended"


@dataclass(frozen=True)
class Row:
    reason: Reason
    captured: str
    named: bool
    in_play: bool
    missing: tuple[str, ...]


def assess(scenario: Path | str = SCENARIO) -> list[Row]:
    """Each reason, with its capture checked against the rule base and its naming
    checked against the explanation of the scenario."""
    result = appraisal.appraise(scenario)
    checker = Checker(result, explain(result))
    rows = []
    for reason in REASONS:
        missing = tuple(i for i in reason.by if not checker.exists(i))
        present = [i for i in reason.by if i not in missing]
        hits = [checker.named(i, reason.option) for i in present]
        named = bool(present) and (all(hits) and not missing if reason.all else any(hits))
        rows.append(
            Row(
                reason=reason,
                captured=_captured(reason, missing, present),
                named=named,
                in_play=any(checker.in_play(i, reason.option) for i in present),
                missing=missing,
            )
        )
    return rows


def _captured(reason: Reason, missing: tuple[str, ...], present: list[str]) -> str:
    """The judgement, unless the rule base lacks what it rests on: N when every
    item is missing, at most Partly when some are."""
    if not present:
        return "N"
    if missing and reason.captured == "Y":
        return "Partly"
    return reason.captured


def _by_text(reason: Reason) -> str:
    return ", ".join(reason.by)


def render_text(rows: list[Row]) -> str:
    lines = [f"{'reason':7} {'captured':8} {'named':5} {'in play':7}  capture"]
    for row in rows:
        r = row.reason
        lines.append(
            f"{r.id:7} {row.captured:8} {'Y' if row.named else 'N':5}"
            f" {'Y' if row.in_play else 'N':7}  {_by_text(r)}"
            + (f"  [missing: {', '.join(row.missing)}]" if row.missing else "")
        )
    lines.append("")
    lines.append(totals(rows))
    return "\n".join(lines)


KINDS = {
    "rule": ("rule", "rules"),
    "fact": ("fact", "facts"),
    "baseline": ("baseline", "baselines"),
    "gate": ("gate", "gates"),
    "verdict": ("verdict rule", "verdict rules"),
}


def _how(reason: Reason) -> str:
    """The mapped items grouped by kind: ``rules `a`, `b`; fact `c```."""
    groups: dict[str, list[str]] = {}
    for item in reason.by:
        kind, _, ref = item.partition(":")
        groups.setdefault(kind, []).append(ref)
    parts = []
    for kind, refs in groups.items():
        if kind == "others":
            parts.append("where the other options stand")
            continue
        one, many = KINDS[kind]
        parts.append(f"{one if len(refs) == 1 else many} " + ", ".join(f"`{r}`" for r in refs))
    return "; ".join(parts)


def render_markdown(rows: list[Row]) -> str:
    lines = [
        "| # | reason | para | captured | how | in play | named |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        r = row.reason
        lines.append(
            f"| {r.id} | {r.side}: {r.text} | {r.para} | {row.captured} | {_how(r)}"
            f" | {'Y' if row.in_play else 'N'} | {'Y' if row.named else 'N'} |"
        )
    return "\n".join(lines) + "\n\n" + totals(rows)


def totals(rows: list[Row]) -> str:
    count = len(rows)
    captured = sum(r.captured == "Y" for r in rows)
    partly = sum(r.captured == "Partly" for r in rows)
    named = sum(r.named for r in rows)
    per_option = "; ".join(
        f"{key}: {sum(r.captured == 'Y' for r in group)} captured,"
        f" {sum(r.named for r in group)} named of {len(group)}"
        for key in OPTIONS
        if (group := [r for r in rows if r.reason.id.split("-")[0] == key])
    )
    return (
        f"Captured: {captured} of {count} (and {partly} partly); named by explain:"
        f" {named} of {count}. By option: {per_option}."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("scenario", nargs="?", default=str(SCENARIO))
    parser.add_argument("--format", choices=("text", "md"), default="text")
    args = parser.parse_args(argv)
    rows = assess(args.scenario)
    print(render_markdown(rows) if args.format == "md" else render_text(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
