"""How robust a recommendation is to the weights and to the evidence.

Three analyses, all pure functions returning frozen data (rendering is in
``render`` and ``plots``):

* **Weight sweeps.** Each criterion's share among its siblings moves from 0 to
  1 while the siblings keep their proportions. Every total is linear in that
  share, so the points where the ranking changes (and the *switching values*,
  where the leader changes) are computed exactly, not read off a grid.
* **Weight uncertainty (SMAA).** The total is linear in the leaves' global
  weights, so one utility matrix (options x leaves) and a batch of sampled
  weight vectors give every score at once: ``totals = W @ U.T``. Weights are
  sampled per sibling group: each group's shares are uniform on its simplex
  (Dirichlet(1)) when nothing is declared, or raw weights are drawn uniformly
  within declared ranges and normalised. Samples are processed in fixed chunks,
  each with its own generator derived from the seed, so memory is flat in the
  number of samples and a run is identical for the same seed.
* **Evidence uncertainty.** Each evidence item holds with its confidence (an
  item that does not hold becomes unknown, as if never gathered); a numeric
  item with a range takes a value drawn uniformly within it. Rules are
  re-evaluated once per distinct body of evidence (a numeric value matters
  only through the thresholds the rules test it against), and scores, ranks
  and verdicts are then computed for every sample at once.

Ties are explicit: options whose totals are equal (within the scorer's
tolerance) share the ranks they jointly occupy equally, so two options tied
for first each get half a first place and half a second place. Options that
fail a gate take no part in ranks and are reported as excluded.

The package, one module per concern (all of it is re-exported here):

* ``model``: ``CriteriaTree``, ``DecisionModel``, ``decision_model`` and the
  rank counting every analysis shares.
* ``weights``: ``WeightPrior``, ``weight_prior``, ``weight_samples`` and SMAA
  (``smaa``, ``SMAAResult``).
* ``sweeps``: ``sweep_lines``, ``weight_sweep(s)``, ``WeightSweep`` and ``Crossing``.
* ``evidence``: ``evidence_uncertainty``, ``sampled_evidence`` and ``EvidenceResult``.
* ``_common``: the sample chunks (``CHUNK``), their seeded generators and checks.
* here: ``sensitivity``, all of it together, and its ``SensitivityReport``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..appraise import appraise
from ..engine.criteria import CriteriaTree
from ..explain import switching_values
from ..loader import LoadedScenario, load_scenario
from ..tables import Summary, Table, counted, percent, quoted
from ._common import CHUNK, Progress, Result, check_samples
from .evidence import EvidenceResult, evidence_uncertainty, sampled_evidence
from .model import DecisionModel, decision_model
from .sweeps import Crossing, WeightSweep, sweep_lines, weight_sweeps
from .sweeps import weight_sweep as weight_sweep
from .weights import SMAAResult, WeightPrior, smaa, weight_prior, weight_samples

__all__ = [
    "CHUNK",
    "CriteriaTree",
    "Crossing",
    "DecisionModel",
    "EvidenceResult",
    "SMAAResult",
    "SensitivityReport",
    "WeightPrior",
    "WeightSweep",
    "decision_model",
    "evidence_uncertainty",
    "sampled_evidence",
    "sensitivity",
    "smaa",
    "sweep_lines",
    "weight_prior",
    "weight_samples",
    "weight_sweeps",
]


class SensitivityReport(Result):
    """Weight sweeps, SMAA and (optionally) evidence uncertainty for one scenario."""

    scenario: str
    scenario_path: str | None
    recommended: str | None
    weights: dict[str, float]
    """The global weights of the appraisal analysed."""
    sweeps: tuple[WeightSweep, ...]
    smaa: SMAAResult
    evidence: EvidenceResult | None = None

    def _summary(self) -> Summary:
        smaa = self.smaa
        leader = self.recommended or max(smaa.options, key=smaa.first_rank, default=None)
        lines = [f"Recommended: {self.recommended}." if self.recommended else "None recommended."]
        headline = f"{quoted(self.scenario, 30)}: " + (
            f"recommended {self.recommended}" if self.recommended else "none recommended"
        )
        if leader in smaa.rank_acceptability:
            first = percent(smaa.first_rank(leader))
            who = "" if leader == self.recommended else f" {leader}"
            headline += f";{who} first in {first} of weight samples"
            lines.append(f"{leader} is first in {first} of {smaa.samples:,} weight samples.")
        if self.evidence is not None and leader in self.evidence.recommended_probability:
            chance = percent(self.evidence.recommended_probability[leader])
            headline += f", recommended in {chance} of evidence samples"
            lines.append(
                f"{leader} is recommended in {chance} of {self.evidence.samples:,} samples"
                " of the evidence."
            )
        switching = [w for w in self.sweeps if (w.switch_below, w.switch_above) != (None, None)]
        acceptability = tuple(
            (o, percent(smaa.first_rank(o)), percent(smaa.confidence.get(o)))
            for o in sorted(smaa.options, key=lambda o: -smaa.first_rank(o))
        )
        switches = tuple(
            (
                w.criterion,
                f"{w.share:.3g}",
                "-" if w.switch_below is None else f"{w.switch_below:.3g}",
                "-" if w.switch_above is None else f"{w.switch_above:.3g}",
            )
            for w in switching
        )
        tables = [
            Table(
                ("Option", "First (weight samples)", "Confidence"),
                acceptability,
                align="lrr",
            )
        ]
        if switches:
            tables.append(
                Table(
                    ("Criterion", "Share now", "Switch below", "Switch above"),
                    switches,
                    align="lrrr",
                    caption="Shares at which first place changes",
                )
            )
        return Summary(
            kind="SensitivityReport",
            headline=f"{headline}; {len(switching)} of {counted(len(self.sweeps), 'weight')}"
            " can switch it",
            title=self.scenario,
            lines=tuple(lines),
            tables=tuple(tables),
            notes=(
                "smaa.to_frame(), evidence.to_frame() and sweeps[i].to_frame() give DataFrames.",
            ),
        )


def sensitivity(
    scenario: LoadedScenario | str | Path,
    *,
    samples: int = 10_000,
    seed: int = 0,
    evidence: bool = False,
    joint: bool = False,
    weights: Mapping[str, float] | None = None,
    prior: WeightPrior | None = None,
    points: int = 21,
    progress: Progress | None = None,
) -> SensitivityReport:
    """Everything sensitivity analysis offers, for a scenario (a loaded one, or a path).

    ``prior`` defaults to what the rule base and scenario declare (uniform when
    they declare nothing); ``evidence`` adds evidence uncertainty at the
    scenario's weights, ``joint`` samples the weights with it.
    """
    check_samples(samples, seed)
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    appraisal = appraise(loaded, weights=weights)
    model = decision_model(appraisal)
    prior = prior if prior is not None else weight_prior(loaded.rule_base, loaded.scenario)
    result = smaa(model, prior, samples=samples, seed=seed, progress=progress)
    evidence_result = None
    if evidence or joint:
        evidence_result = evidence_uncertainty(
            loaded,
            samples=samples,
            seed=seed,
            weights=weights,
            prior=prior if joint else None,
            progress=progress,
        )
    return SensitivityReport(
        scenario=appraisal.scenario,
        scenario_path=appraisal.scenario_path,
        recommended=appraisal.recommended,
        weights=appraisal.weights,
        sweeps=weight_sweeps(model, points, switching_values(appraisal, weights)),
        smaa=result,
        evidence=evidence_result,
    )
