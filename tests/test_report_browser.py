"""The report in a real browser: headless Chromium opens report.html from disk.

Checks what a reader sees: the answer and the policy window at the top, every section, the
figures loaded, the CSV links working, and no table wider than the page. Skipped only when
Chromium is not installed (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from flowsim.analysis.report import build_report
from test_analysis_fixture import write_results

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"]

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install -y chromium); the browser test needs it",
    ),
    pytest.mark.timeout(300),
]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    return build_report(write_results(root / "results"), root / "out").out_dir


def test_report_reads_well_in_a_browser(report_dir: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((report_dir / "report.html").as_uri())
        top = page.locator("body").inner_text()[:600]
        assert "lowers onward journeys" in top and "Period compared:" in top
        for heading in ("Scenarios", "Words used", "How far to trust these numbers", "Files"):
            page.get_by_role("heading", name=heading).wait_for()
        images = page.evaluate(
            "() => Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"
        )
        assert images and all(images)
        widest = page.evaluate(
            "() => Math.max(...Array.from(document.querySelectorAll('table'))"
            ".map(t => t.getBoundingClientRect().right))"
        )
        assert widest <= 1280, "a table runs off the page"
        page.screenshot(path=str(tmp_path / "report_top.png"))
        keep = os.environ.get("FLOWSIM_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(keep) / "report_top.png"))
        links = page.eval_on_selector_all("a", "els => els.map(e => e.href)")
        browser.close()
    files = {Path(unquote(urlparse(link).path)) for link in links}
    assert {f.name for f in files} == {
        "summary.csv",
        "onward_by_host.csv",
        "onward_by_nationality.csv",
        "onward_by_year.csv",
    }
    assert all(f.is_file() for f in files)  # every link resolves to a file next to the page
