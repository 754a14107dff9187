"""``to_frame``: results as pandas DataFrames, when the optional extra is installed."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import appraisal
from appraisal.appraise import FRAME_COLUMNS
from appraisal.errors import MissingExtraError
from appraisal.loader import criteria_paths
from appraisal.sensitivity import sensitivity

from .conftest import BIRMINGHAM

LOADED = appraisal.load_scenario(BIRMINGHAM)
CRITERIA = sorted(criteria_paths(LOADED.rule_base))


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    result = appraisal.appraise(LOADED)
    report = sensitivity(LOADED, samples=300, evidence=True)
    return {
        "appraisal": result,
        "explanation": appraisal.explain(result),
        "attribution": appraisal.attribute(result),
        "report": report,
    }


def frames(results: dict[str, Any]) -> list[Any]:
    """Every ``to_frame`` there is, as a call to make."""
    report = results["report"]
    return [
        results["appraisal"].to_frame,
        results["explanation"].to_frame,
        results["attribution"].to_frame,
        report.smaa.to_frame,
        report.evidence.to_frame,
        report.sweeps[0].to_frame,
    ]


def test_without_pandas_every_frame_says_which_extra_to_install(
    results: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # so that importing pandas fails
    for to_frame in frames(results):
        with pytest.raises(MissingExtraError, match=r"pip install 'appraisal\[pandas\]'"):
            to_frame()


@pytest.fixture
def pandas() -> Any:
    """pandas, or a skip: it is an optional extra (the ``test`` extra installs it)."""
    return pytest.importorskip("pandas")


def test_an_appraisal_frame_has_one_row_per_option_and_leaf_criteria_only(
    results: dict[str, Any], pandas: Any
) -> None:
    result = results["appraisal"]
    frame = result.to_frame()
    leaves = list(result.options[0].values)
    assert list(frame.index) == [o.id for o in result.options] and frame.index.name == "option"
    assert list(frame.columns) == [*FRAME_COLUMNS, *leaves]
    assert "effectiveness" not in frame.columns  # a parent criterion
    commissioner = frame.loc["commissioner"]
    assert commissioner["verdict"] == "recommended" and commissioner["rank"] == 1
    assert commissioner["challenge"] == result.option("commissioner").values["challenge"].value
    assert pandas.isna(frame.loc["isle_of_wight", "rank"])  # excluded: no rank
    assert str(frame["rank"].dtype) == "Int64"


def test_an_appraisal_frame_in_utilities_reverses_minimised_criteria(
    results: dict[str, Any],
    pandas: Any,
) -> None:
    result = results["appraisal"]
    values, utilities = result.to_frame("value"), result.to_frame("utility")
    for leaf, criterion in appraisal.compile_rule_base(LOADED.rule_base).leaves.items():
        expected = values[leaf] if criterion.direction == "maximise" else 100 - values[leaf]
        assert list(utilities[leaf]) == pytest.approx(list(expected))
    assert (utilities["transition_risk"] != values["transition_risk"]).any()  # minimised
    with pytest.raises(ValueError, match="criteria is 'value', 'utility' or 'points'"):
        result.to_frame("weights")  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.sampled_from(CRITERIA), st.floats(0.01, 100), max_size=6))
def test_leaf_points_sum_to_the_score_whatever_the_weights(weights: dict[str, float]) -> None:
    pytest.importorskip("pandas")
    frame = appraisal.appraise(LOADED, weights=weights).to_frame("points")
    leaves = frame.columns[len(FRAME_COLUMNS) :]
    assert list(frame[leaves].sum(axis=1)) == pytest.approx(list(frame["score"]))


def test_attribution_frames_sum_to_total_minus_baseline(
    results: dict[str, Any], pandas: Any
) -> None:
    explanation, attribution = results["explanation"], results["attribution"]
    frame = explanation.to_frame()
    assert frame.index.name == "option" and frame.columns.name == "evidence"
    for option in explanation.options:
        assert frame.loc[option.id].sum() == pytest.approx(option.total - option.baseline)
    assert frame.equals(attribution.to_frame())
    assert frame.loc["commissioner", "intervention_in_force"] == pytest.approx(
        explanation.option("commissioner").attribution["intervention_in_force"]
    )


def test_acceptability_frames_have_rows_that_sum_to_one(
    results: dict[str, Any], pandas: Any
) -> None:
    smaa, evidence = results["report"].smaa, results["report"].evidence
    ranks = smaa.to_frame()
    assert list(ranks.index) == list(smaa.options) and list(ranks.columns) == [1, 2, 3]
    assert ranks.loc["commissioner", 1] == smaa.first_rank("commissioner")
    assert list(ranks.sum(axis=1)) == pytest.approx([1.0] * len(smaa.options))
    for table in ("ranks", "verdicts"):
        frame = evidence.to_frame(table)
        assert list(frame.sum(axis=1)) == pytest.approx([1.0] * len(evidence.options))
    assert list(evidence.to_frame("ranks").columns) == [1, 2, 3, 4, "excluded"]
    assert evidence.to_frame("verdicts").loc["commissioner", "recommended"] == 1.0
    with pytest.raises(ValueError, match="table is 'ranks' or 'verdicts'"):
        evidence.to_frame("weights")  # type: ignore[arg-type]


def test_a_sweep_frame_follows_its_lines(results: dict[str, Any], pandas: Any) -> None:
    sweep = results["report"].sweeps[0]
    frame = sweep.to_frame()
    assert frame.index.name == "share" and list(frame.columns) == list(sweep.scores)
    for option in sweep.scores:
        expected = [sweep.intercepts[option] + sweep.slopes[option] * s for s in sweep.points]
        assert list(frame[option]) == pytest.approx(expected)
