"""The HTML report in a real browser: Chromium, headless, driven by Playwright.

It opens Birmingham's report as a reader would, from a file, and checks that the
page raises no console error, requests nothing but itself, draws every chart
at a real size, and both screenshots and prints to A4 PDF.

Without Chromium (``/usr/bin/chromium``, Debian's package) or Playwright this
test skips, unless ``APPRAISAL_REQUIRE_BROWSER=1`` (as continuous integration
sets it), when it fails instead. With ``APPRAISAL_KEEP_ARTIFACTS`` set, the
screenshot and PDF are kept as ``build/report-birmingham.png`` and ``.pdf``.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from appraisal.cli import main

from .conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHARTS = ("contributions", "value-tree", "acceptability", "tornado", "graph")
A4 = (595.3, 841.9)
"""210 x 297 mm in points (Chromium rounds to whole device pixels, within a point or so)."""


def _playwright() -> Any:
    """Playwright's synchronous API, or a skip (a failure when the browser is required)."""
    required = os.environ.get("APPRAISAL_REQUIRE_BROWSER") == "1"
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "Playwright for Python is not installed (pip install playwright)"
    if missing is None and not CHROMIUM.exists():
        missing = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if missing is not None:
        if required:
            pytest.fail(f"APPRAISAL_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    return sync_playwright


def _pages(pdf: bytes) -> tuple[int, list[tuple[float, float]]]:
    """How many pages a PDF has (its page objects), and every page size it declares."""
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", pdf)
    return pages, [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def test_report_in_chromium(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sync_playwright = _playwright()
    report = tmp_path / "report-birmingham.html"
    assert main(["report", "birmingham-2014", "-o", str(report)]) == 0
    capsys.readouterr()
    url = report.resolve().as_uri()
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url, wait_until="load")
            sizes = {
                chart: page.evaluate(
                    "id => { const r = document.getElementById(id).getBoundingClientRect();"
                    " return [r.width, r.height]; }",
                    chart,
                )
                for chart in CHARTS
            }
            encoding = page.evaluate("document.characterSet")
            screenshot = tmp_path / "report-birmingham.png"
            page.screenshot(path=str(screenshot), full_page=True)
            pdf = page.pdf(format="A4", print_background=True)
        finally:
            browser.close()
    assert errors == []
    assert requests == [url]
    assert encoding == "UTF-8"
    for chart, (width, height) in sizes.items():
        assert width > 300 and height > 100, (chart, width, height)
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 100_000
    assert pdf.startswith(b"%PDF-") and len(pdf) > 50_000
    pages, boxes = _pages(pdf)
    assert 6 <= pages <= 40, pages
    assert boxes and all(abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2 for w, h in boxes), boxes
    pdf_path = tmp_path / "report-birmingham.pdf"
    pdf_path.write_bytes(pdf)
    kept = [screenshot, pdf_path]
    if os.environ.get("APPRAISAL_KEEP_ARTIFACTS"):
        build = ROOT / "build"
        build.mkdir(exist_ok=True)
        kept = [Path(shutil.copy(path, build / path.name)) for path in kept]
    with capsys.disabled():
        print(
            f"\nreport screenshot: {kept[0]} ({len(png):,} bytes); PDF: {kept[1]}, {pages} A4 pages"
        )
