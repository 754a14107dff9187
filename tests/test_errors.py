"""Errors say where and what, and suggest close names."""

from __future__ import annotations

import pytest

from appraisal.errors import (
    AppraisalError,
    Location,
    UnknownReferenceError,
    ValidationReport,
    suggest,
)


@pytest.mark.parametrize(
    ("location", "text"),
    [
        (Location("a.yaml", 3, 5, "options.x"), "a.yaml:3:5: options.x"),
        (Location("a.yaml", 3), "a.yaml:3"),
        (Location("a.yaml"), "a.yaml"),
        (Location(), ""),
    ],
)
def test_location_text(location: Location, text: str) -> None:
    assert str(location) == text


def test_message_with_and_without_location() -> None:
    assert str(AppraisalError("bad", Location("a.yaml", 1, 2))) == "a.yaml:1:2: bad"
    assert str(AppraisalError("bad")) == "bad"


def test_unknown_reference_suggests() -> None:
    error = UnknownReferenceError("option", "comissioner", ["commissioner", "watchful_waiting"])
    assert error.suggestion == "commissioner"
    assert str(error) == "unknown option 'comissioner' (did you mean 'commissioner'?)"
    assert suggest("zzz", ["commissioner"]) is None


def test_report_lists_every_error() -> None:
    report = ValidationReport([AppraisalError("one"), AppraisalError("two")])
    assert str(report) == "one\ntwo"
    assert isinstance(report, AppraisalError)
