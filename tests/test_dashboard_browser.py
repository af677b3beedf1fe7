"""The dashboard in a real browser: headless Chromium drives ``flowsim dashboard``.

Starts the app in a subprocess on a free localhost port, changes levers, steps and plays
the model and checks the numbers on the page move; opens the results tab on a fixture
results folder. Skipped only when Chromium is not installed (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_analysis_fixture import write_results

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
TIMEOUT_MS = 60_000
#: Set to a folder to keep the screenshots (the README's come from here: docs/img).
SHOTS_ENV = "FLOWSIM_SCREENSHOTS"


def _shoot(page, tmp_path: Path, name: str) -> Path:
    """Save a full-page screenshot in tmp_path, and in $FLOWSIM_SCREENSHOTS when set."""
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get(SHOTS_ENV):
        keep = Path(os.environ[SHOTS_ENV])
        keep.mkdir(parents=True, exist_ok=True)
        (keep / name).write_bytes(path.read_bytes())
    return path


pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install -y chromium); the browser test needs it",
    ),
    pytest.mark.timeout(300),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    results = write_results(tmp_path_factory.mktemp("dash") / "results")
    port = _free_port()
    log = (tmp_path_factory.mktemp("log") / "server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flowsim.cli.main",
            "dashboard",
            str(results),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--scenarios",
            str(SCENARIOS),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, stopped as a whole below
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"dashboard did not start:\n{Path(log.name).read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture()
def page(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1500, "height": 1150})
        tab.set_default_timeout(TIMEOUT_MS)
        tab.goto(server, timeout=TIMEOUT_MS)
        tab.locator(".flowsim-summary").wait_for()
        yield tab
        browser.close()


#: Lines of the summary block (one widget, updated at once) by the name the tests use.
SUMMARY_LINES = {
    "month": "Month:",
    "onward-month": "Onward journeys this month:",
    "onward-total": "Onward journeys so far:",
    "abroad": "Migrants abroad:",
}


def _text(page, cls: str) -> str:
    if cls in SUMMARY_LINES:
        lines = page.locator(".flowsim-summary").inner_text().splitlines()
        found = [line.strip() for line in lines if line.strip().startswith(SUMMARY_LINES[cls])]
        assert len(found) == 1, (cls, lines)
        return found[0]
    return page.locator(f".flowsim-{cls}").inner_text()


def _number(page, cls: str) -> float:
    return float(_text(page, cls).rsplit(":", 1)[1].strip().replace(",", ""))


def _set_text(page, label: str, value: str) -> None:
    field = page.get_by_label(label)
    field.fill(value)
    field.press("Enter")


def _step(page, expect_month: str) -> None:
    page.get_by_role("button", name="Step").click()
    page.locator(".flowsim-summary", has_text=f"Month: {expect_month}").wait_for()


def _settled_month(page, quiet: float = 8.0, limit: float = 180.0) -> str:
    """The month shown once no step is in flight (unchanged for ``quiet`` seconds).

    A step already started when the pause was pressed still renders afterwards; reading the
    month before it lands would expect the wrong month from the next step. On a loaded
    machine (the CI's two test workers) that render came more than 3 s late once, so the
    quiet window is 8 s.
    """
    deadline = time.monotonic() + limit
    month = _text(page, "month")
    while time.monotonic() < deadline:
        time.sleep(quiet)
        again = _text(page, "month")
        if again == month:
            return month
        month = again
    raise AssertionError(f"the month kept changing after the pause (last {month})")


def test_levers_step_and_play_update_the_numbers(page, tmp_path: Path) -> None:
    assert _text(page, "month") == "Month: not started"
    assert "baseline" in _text(page, "scenario")

    _set_text(page, "Labor pathway slots per year (to USA)", "150000")
    page.get_by_text("Regularization round, Andean hosts").click()
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function("() => document.body.innerText.includes('150,000 pathway slots/year')")
    assert "regularization (arrived before 2016-01)" in _text(page, "levers")
    assert "baseline_levers" in _text(page, "scenario")

    _step(page, "2015-01")
    abroad_seen = [_number(page, "abroad")]
    _step(page, "2015-02")
    before = _number(page, "onward-total")
    abroad_seen.append(_number(page, "abroad"))
    assert min(abroad_seen) > 0
    page.get_by_text("2 of 192 months simulated").wait_for()

    # play until onward journeys appear: with the initial stock abroad they start within months
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        "() => { const t = document.querySelector('.flowsim-summary').innerText;"
        " const m = t.match(/(\\d{4})-(\\d{2})/);"
        " return m && +m[1] * 12 + +m[2] >= 2015 * 12 + 8; }",
        timeout=240_000,
    )
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="Step").wait_for()
    month = _settled_month(page)
    after = _number(page, "onward-total")
    assert after > before, (before, after)
    abroad_seen.append(_number(page, "abroad"))
    year, mon = map(int, re.search(r"(\d{4})-(\d{2})", month).groups())
    nxt = f"{year + mon // 12}-{mon % 12 + 1:02d}"
    _step(page, nxt)
    assert _number(page, "onward-total") >= after
    abroad_seen.append(_number(page, "abroad"))
    # the stock abroad moves with the months (it may come back to a value it had: returns
    # and arrivals can balance at this scale), so a frozen figure shows one value throughout
    assert len(set(abroad_seen)) > 1, abroad_seen
    _shoot(page, tmp_path, "dashboard_live.png")


def test_bad_input_shows_a_message_and_the_page_keeps_working(page, tmp_path: Path) -> None:
    _set_text(page, "Start month (YYYY-MM)", "2015-13")
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("start month: '2015-13' is not a month written YYYY-MM").wait_for()
    page.get_by_text("Input not applied").wait_for()
    _step(page, "2015-01")
    _shoot(page, tmp_path, "dashboard_bad_input.png")


def test_policy_users_see_named_tabs_and_no_framework_settings(page) -> None:
    text = page.locator("body").inner_text()
    for tab in ("Live run", "Compare finished scenarios"):
        page.get_by_role("tab", name=tab).wait_for()
    for internal in ("Page 0", "Page 1", "Use Threads", "Render Interval", "Play Interval"):
        assert internal not in text, internal


def test_live_map_is_not_clipped(page, tmp_path: Path) -> None:
    _step(page, "2015-01")
    image = page.locator("img").first
    image.wait_for()
    inside = page.evaluate(
        """() => { const img = document.querySelector('img');
        let box = img.getBoundingClientRect();
        for (let el = img.parentElement; el; el = el.parentElement) {
            const s = getComputedStyle(el);
            if (s.overflow !== 'visible' || s.overflowX !== 'visible') {
                const c = el.getBoundingClientRect();
                if (c.width > 0 && (box.right > c.right + 1 || box.bottom > c.bottom + 1))
                    return [false, el.className];
            }
        }
        return [img.naturalWidth > 0 && box.width > 300, 'ok']; }"""
    )
    assert inside[0], f"the live map is cut by {inside[1]}"
    assert "mean of 1 runs" not in page.locator("body").inner_text()
    _shoot(page, tmp_path, "dashboard_first_month.png")


def test_results_tab_shows_the_compare_table(page, tmp_path: Path) -> None:
    page.get_by_role("tab", name="Compare finished scenarios").click()
    page.get_by_text("Results browser").wait_for()
    page.get_by_text("finished runs (").wait_for()
    page.get_by_text("Compare table not available").wait_for(state="detached")
    header = page.get_by_role("columnheader", name="Change vs baseline").first
    header.wait_for()
    # the table settles its column widths after its data and figures arrive; on a loaded
    # machine a first layout can be wider than the page for a moment: what must hold is
    # the settled layout (one CI run measured its right edge at 1,737 px of 1,500; the same
    # code passed in two others)
    width = page.viewport_size["width"]
    deadline = time.monotonic() + 20.0
    box = header.bounding_box()
    while (box is None or box["x"] + box["width"] > width) and time.monotonic() < deadline:
        time.sleep(0.25)
        box = header.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width, box
    page.get_by_role("columnheader", name="Relative change").first.wait_for()
    time.sleep(2.0)  # let the analysis figures arrive before the screenshot
    _shoot(page, tmp_path, "dashboard_results.png")
