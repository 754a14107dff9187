"""The package itself: its public names, and a test file for every module."""

from __future__ import annotations

import ast
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


def _package_modules() -> list[tuple[Path, ast.Module]]:
    root = Path(appraisal.__file__).parent
    return [(path, ast.parse(path.read_text())) for path in sorted(root.rglob("*.py"))]


def test_no_private_name_is_imported_across_modules() -> None:
    """Shared code has a public name; an underscore name stays in its module."""
    found = [
        f"{path.name}:{node.lineno} {alias.name}"
        for path, tree in _package_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and (node.level or (node.module or "").startswith("appraisal"))
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert found == []


def test_no_module_of_the_package_is_imported_inside_a_function() -> None:
    """Imports inside functions are for optional or slow third-party libraries only,
    never to step round an import cycle (the command line, which loads each
    command's modules when it runs, is the exception)."""
    entry_points = {"cli.py", "__main__.py", "__init__.py"}
    found = [
        f"{path.name}:{node.lineno}"
        for path, tree in _package_modules()
        if path.name not in entry_points
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.ImportFrom)
        and (node.level or (node.module or "").startswith("appraisal"))
    ]
    assert found == []


def test_the_package_ships_its_types() -> None:
    """Users' type checkers read the package's annotations (PEP 561)."""
    assert (Path(appraisal.__file__).parent / "py.typed").is_file()
