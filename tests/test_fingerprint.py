"""The reproducibility fingerprint: the same bytes and settings give the same digest."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from appraisal import load_scenario
from appraisal.errors import AppraisalError
from appraisal.fingerprint import (
    combined_fingerprint,
    file_sha256,
    rule_base_fingerprint,
    scenario_fingerprint,
)

from .conftest import write_yaml


def test_the_digest_is_sha256_of_the_canonical_document(
    make_scenario: Callable[..., Path],
) -> None:
    path = make_scenario(rate=5.0)
    loaded = load_scenario(path)
    fingerprint = scenario_fingerprint(loaded, weights={"cost": 2})
    document = {
        "fingerprint": 1,
        "files": [
            ["rule_base", hashlib.sha256((path.parent / "rules.yaml").read_bytes()).hexdigest()],
            ["scenario", hashlib.sha256(path.read_bytes()).hexdigest()],
        ],
        "options": {"weights": {"cost": 2.0}},
        "parts": [],
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    assert fingerprint.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert [(f.role, f.path) for f in fingerprint.files] == [
        ("rule_base", "rules.yaml"),
        ("scenario", "scenario.yaml"),
    ]


def test_equal_settings_spelled_differently_fingerprint_alike(
    make_scenario: Callable[..., Path],
) -> None:
    loaded = load_scenario(make_scenario(rate=5.0))
    a = scenario_fingerprint(loaded, weights={"cost": 2, "benefit": 1}, samples=None)
    b = scenario_fingerprint(loaded, weights={"benefit": 1.0, "cost": 2.0})
    assert a.sha256 == b.sha256
    assert scenario_fingerprint(loaded, weights={"cost": 3}).sha256 != a.sha256


def test_any_change_to_any_file_of_the_chain_changes_it(
    tmp_path: Path, make_scenario: Callable[..., Path]
) -> None:
    base = make_scenario(rate=5.0)
    what_if = write_yaml(
        tmp_path / "what-if.yaml", {"title": "What if", "extends": base.name, "evidence": {}}
    )
    first = scenario_fingerprint(load_scenario(what_if))
    assert [f.role for f in first.files] == ["rule_base", "scenario", "extends"]
    base.write_text(base.read_text() + "# a comment is a change too\n")
    assert scenario_fingerprint(load_scenario(what_if)).sha256 != first.sha256
    rules = tmp_path / "rules.yaml"
    rules.write_text(rules.read_text() + "\n")
    assert scenario_fingerprint(load_scenario(what_if)).sha256 != first.sha256


def test_the_same_files_elsewhere_fingerprint_alike(
    tmp_path: Path, make_scenario: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_scenario(rate=5.0)
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("rules.yaml", "scenario.yaml"):
        shutil.copy(tmp_path / name, copy / name)
    here = scenario_fingerprint(load_scenario(path))
    monkeypatch.chdir(copy)
    there = scenario_fingerprint(load_scenario("scenario.yaml"))
    assert here.sha256 == there.sha256
    assert here.files == there.files


def test_parts_join_in_order(make_scenario: Callable[..., Path]) -> None:
    one = scenario_fingerprint(load_scenario(make_scenario("one.yaml", rate=5.0)))
    two = scenario_fingerprint(load_scenario(make_scenario("two.yaml", rate=9.0)))
    assert combined_fingerprint([one, two]).sha256 != combined_fingerprint([two, one]).sha256
    assert combined_fingerprint([one, two]).parts == (one, two)


def test_a_rule_base_alone(make_rule_base: Callable[..., Path]) -> None:
    path = make_rule_base()
    fingerprint = rule_base_fingerprint(path, verdicts=True)
    assert fingerprint.files[0].sha256 == file_sha256(path)
    assert fingerprint.options == {"verdicts": True}


def test_a_non_finite_setting_is_refused(make_scenario: Callable[..., Path]) -> None:
    loaded = load_scenario(make_scenario(rate=5.0))
    with pytest.raises(AppraisalError, match="not a finite number"):
        scenario_fingerprint(loaded, weights={"cost": float("nan")})
