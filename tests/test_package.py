"""The package itself: its public names, and a test file for every module."""

from __future__ import annotations

from pathlib import Path

import appraisal

SOURCE = Path(appraisal.__file__).parent
TESTS = Path(__file__).parent


def test_all_is_sorted_and_resolves() -> None:
    assert list(appraisal.__all__) == sorted(appraisal.__all__)
    for name in appraisal.__all__:
        assert getattr(appraisal, name) is not None


def test_every_error_derives_from_the_root() -> None:
    errors = [getattr(appraisal, n) for n in appraisal.__all__ if n.endswith(("Error", "Report"))]
    assert errors
    for error in errors:
        assert issubclass(error, appraisal.AppraisalError)


def test_every_module_has_a_test_file() -> None:
    modules = {p.stem for p in SOURCE.glob("*.py") if not p.stem.startswith("_")}
    modules |= {p.parent.name for p in SOURCE.glob("*/__init__.py")}  # stage subpackages
    missing = [m for m in modules if not list(TESTS.glob(f"test_{m}*.py"))]
    assert missing == []


def test_docstring_example() -> None:
    import doctest

    failures, tried = doctest.testmod(appraisal)
    assert tried > 0 and failures == 0
