"""Shared fixtures: a small rule base written inline, and the bundled files."""

from __future__ import annotations

import atexit
import copy
import itertools
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from appraisal.loader.bundled import bundled_root
from appraisal.models import RuleBase, Scenario
from appraisal.testing import to_yaml

# In CI the property tests draw the same examples every run, so a result can
# be reproduced; locally they explore new examples each time.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
# The bundled files as the installed package ships them (the checkout's own
# copies when installed in editable mode): scenarios written by tests outside
# the working folder may name these without --allow-outside-paths.
BUNDLED = bundled_root()
RULES = BUNDLED / "rules" / "childrens-social-care.yaml"
SCENARIOS = BUNDLED / "scenarios"
BIRMINGHAM = SCENARIOS / "birmingham-2014.yaml"

SMALL_RULE_BASE: dict[str, Any] = {
    "id": "small",
    "title": "A small rule base for tests",
    "documents": {"doc": {"title": "A document"}},
    "scales": {"strength": ["none", "weak", "strong"]},
    "facts": {
        "rate": {"type": "number"},
        "national_rate": {"type": "number"},
        "plan": {"type": "boolean"},
        "support": {"type": "level", "scale": "strength"},
    },
    "findings": {"low_rate": {"type": "boolean"}},
    "criteria": {
        "benefit": {
            "weight": 2,
            "children": {
                "now": {"weight": 1, "horizon": "short"},
                "later": {"weight": 1, "horizon": "long"},
            },
        },
        "cost": {"weight": 1, "horizon": "short", "direction": "minimise"},
    },
    "gates": {"feasible": {"name": "Feasible"}},
    "problems": {"harm": {"name": "Harm"}},
    "causes": {"neglect": {"name": "Neglect", "drives": ["harm"]}},
    "options": {
        "wait": {
            "name": "Wait",
            "addresses": ["harm"],
            "values": {"now": {"value": 50}, "later": {"value": 50}, "cost": {"value": 0}},
        },
        "act": {
            "name": "Act",
            "addresses": ["neglect"],
            "values": {"now": {"value": 60}, "later": {"value": 70}, "cost": {"value": 40}},
        },
    },
    "rules": {
        "rate_low": {
            "when": {"fact": "rate", "lt": {"fact": "national_rate", "times": 0.9}},
            "then": [{"derive": "low_rate", "value": True}],
            "source": "doc para 1",
            "rationale": "Low rates hide risk.",
        },
        "waiting_is_risky": {
            "when": {"fact": "low_rate", "eq": True},
            "then": [{"option": "wait", "adjust": "now", "by": -30}],
        },
        "no_plan_no_action": {
            "when": {"all": [{"fact": "plan", "eq": False}, {"fact": "support", "le": "weak"}]},
            "then": [{"option": "act", "fail_gate": "feasible"}],
        },
    },
    "verdicts": [
        {"verdict": "not_considered_further", "when": {"metric": "excluded", "eq": True}},
        {"verdict": "recommended", "recommends": True, "when": {"metric": "rank", "eq": 1}},
        {"verdict": "not_recommended", "otherwise": True},
    ],
}


GENERATED = Path(tempfile.mkdtemp(prefix="appraisal-generated-"))
"""Where generated cases are written: a hypothesis example cannot use ``tmp_path``, which
is made once per test, not once per example."""
atexit.register(shutil.rmtree, GENERATED, ignore_errors=True)
_FOLDERS = itertools.count()


def write_generated(rule_base: RuleBase, scenario: Scenario) -> Path:
    """A generated rule base and scenario, written to a fresh folder; the scenario's path."""
    folder = GENERATED / str(next(_FOLDERS))
    folder.mkdir()
    (folder / "rules.yaml").write_text(to_yaml(rule_base), encoding="utf-8")
    (folder / "scenario.yaml").write_text(to_yaml(scenario), encoding="utf-8")
    return folder / "scenario.yaml"


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def evidence_items(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Scenario evidence holding these values, each with a statement and a source."""
    return {
        key: {"statement": f"{key} is {value}", "value": value, "source": "doc para 2"}
        for key, value in values.items()
    }


def write_case(folder: Path, rule_base: dict[str, Any], values: dict[str, Any]) -> Path:
    """A rule base and a scenario with these evidence values, written to ``folder``; the
    scenario's path."""
    write_yaml(folder / "rules.yaml", rule_base)
    return write_yaml(
        folder / "scenario.yaml",
        {"title": "A test scenario", "rule_base": "rules.yaml", "evidence": evidence_items(values)},
    )


@pytest.fixture
def make_rule_base(tmp_path: Path) -> Callable[..., Path]:
    """Write the small rule base, with top-level keys replaced by ``overrides``."""

    def make(name: str = "rules.yaml", **overrides: Any) -> Path:
        data = copy.deepcopy(SMALL_RULE_BASE)
        data.update(overrides)
        return write_yaml(tmp_path / name, data)

    return make


@pytest.fixture
def make_scenario(tmp_path: Path, make_rule_base: Callable[..., Path]) -> Callable[..., Path]:
    """Write a scenario for the small rule base with the given evidence values."""

    def make(name: str = "scenario.yaml", rule_base: Path | None = None, **values: Any) -> Path:
        rule_base = rule_base or make_rule_base()
        evidence = evidence_items(values)
        data = {"title": "A test scenario", "rule_base": rule_base.name, "evidence": evidence}
        return write_yaml(tmp_path / name, data)

    return make


SETS_CONFLICTING_ON_PART_OF_THE_EVIDENCE: dict[str, Any] = {
    "set_when_plan_unknown": {
        "when": {"not": {"known": "plan"}},
        "then": [{"option": "act", "set": "now", "to": 10}],
    },
    "set_when_supported": {
        "when": {"fact": "support", "ge": "weak"},
        "then": [{"option": "act", "set": "now", "to": 20}],
    },
}
"""Two rules for ``SMALL_RULE_BASE`` that set one value to different numbers only when
the known ``plan`` is made unknown, as attribution does: consistent as stated."""


# --------------------------------------------------------------------------- the drift case

DRIFT_RULES = """\
id: t
title: t
documents: {doc: {title: d}}
facts: {p: {type: boolean}, q: {type: boolean}}
findings: {f: {type: boolean}}
criteria: {c: {weight: 1, horizon: short}}
options:
  a: {name: A, values: {c: {value: 50}}}
  b: {name: B, values: {c: {value: 40}}}
rules:
  no_p:   {when: {not: {known: p}}, then: [{derive: f, value: true}]}
  q_true: {when: {fact: q, eq: true}, then: [{derive: f, value: false}]}
  uses_f: {when: {fact: f, eq: true}, then: [{option: a, adjust: c, by: -30}]}
verdicts:
  - {verdict: recommended, recommends: true, when: {metric: rank, eq: 1}}
  - {verdict: not_recommended, otherwise: true}
"""
"""A rule base that derives ``f`` true while ``p`` is unknown and false when ``q`` is
true: consistent on the evidence as stated, contradictory on part of it (``q`` alone)."""

DRIFT_SCENARIO = """\
title: s
rule_base: rb.yaml
evidence:
  p: {statement: p, value: true, source: doc x%s}
  q: {statement: q, value: true, source: doc x}
"""


def write_drift_case(folder: Path) -> Path:
    """The drift case's rule base (``rb.yaml``) and two scenarios in ``folder``: ``sc.yaml``
    as stated, and ``doubt.yaml``, which doubts ``p`` so that sampling the evidence meets
    the contradiction."""
    (folder / "rb.yaml").write_text(DRIFT_RULES, encoding="utf-8")
    (folder / "sc.yaml").write_text(DRIFT_SCENARIO % "", encoding="utf-8")
    (folder / "doubt.yaml").write_text(DRIFT_SCENARIO % ", confidence: 0.5", encoding="utf-8")
    return folder
