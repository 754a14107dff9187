"""Charts of sensitivity analysis (skipped where matplotlib is not installed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from appraisal.cli import main
from appraisal.errors import AppraisalError


def test_cli_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    assert main(["sensitivity", "--samples", "1000", "--plots", str(tmp_path / "charts")]) == 0
    names = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert names == ["acceptability.svg", "spider.svg", "tornado.svg"]
    first = (tmp_path / "charts" / "tornado.svg").read_bytes()
    assert main(["sensitivity", "--samples", "1000", "--plots", str(tmp_path / "charts")]) == 0
    assert (tmp_path / "charts" / "tornado.svg").read_bytes() == first  # reproducible


def test_plots_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    from appraisal.plots import require_matplotlib

    with pytest.raises(AppraisalError, match=r"pip install 'appraisal\[plots\]'"):
        require_matplotlib()


def test_charts_from_the_library(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from appraisal.plots import write_plots
    from appraisal.sensitivity import sensitivity

    from .conftest import BIRMINGHAM

    report = sensitivity(BIRMINGHAM, samples=500)
    paths = write_plots(report, tmp_path, "png")
    assert [p.name for p in paths] == ["tornado.png", "spider.png", "acceptability.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths)
    with pytest.raises(AppraisalError, match="svg or png"):
        from appraisal.plots import save, tornado_chart

        save(tornado_chart(report.sweeps), tmp_path / "chart.pdf")
