"""Chapter 1 in headless Chromium with no network: maths typeset by the bundled MathJax."""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import ROOT

SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's chromium (or $CHROMIUM); never a browser downloaded by a test tool."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("VANISHING_REQUIRE_BROWSER"):
            pytest.fail("VANISHING_REQUIRE_BROWSER is set but no Chromium is installed")
        pytest.skip("no Chromium installed (Debian: apt-get install chromium); .ci/run installs it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def open_offline(browser, url: str):
    """Open ``url`` with every non-file request refused; return (page, failed, errors)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    failed: list[str] = []
    errors: list[str] = []

    def refuse_network(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            failed.append(f"network request attempted: {route.request.url}")
            route.abort()

    context.route("**/*", refuse_network)
    page = context.new_page()
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("MathJax.startup.promise")
    return page, failed, errors


def test_chapter_1_maths_typeset_offline(built_book, browser):
    page_path = built_book / "book" / "ch01_depth.html"
    page, failed, errors = open_offline(browser, page_path.as_uri())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "ch01_depth.png"), full_page=True)
    n_math = page.locator("mjx-container").count()
    text = page.locator("article").inner_text()
    assert not failed, failed
    assert not errors, errors
    assert n_math >= 50, f"only {n_math} typeset formulas"
    assert "\\(" not in text and "\\[" not in text and "$$" not in text, "raw TeX left on the page"
    assert "Math input error" not in text
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.currentSrc, i.complete && i.naturalWidth > 0])"
    )
    assert images and all(ok for _, ok in images), images


def test_interactive_slider_redraws_the_curves(built_book, browser):
    page, failed, errors = open_offline(
        browser, (built_book / "book" / "ch03_powers_of_w.html").as_uri()
    )
    figure = page.locator("figure.vg-interactive")
    figure.scroll_into_view_if_needed()
    slider = figure.locator("input[type=range]")
    line = figure.locator("polyline").first
    readout = figure.locator("output")
    before_points, before_value = line.get_attribute("points"), readout.inner_text()
    slider.focus()
    for _ in range(6):  # six steps of 0.05 to the right
        page.keyboard.press("ArrowRight")
    after_points, after_value = line.get_attribute("points"), readout.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    figure.screenshot(path=str(SCREENSHOTS / "ch03_slider.png"))
    assert not failed, failed
    assert not errors, errors
    assert before_value == "1.00" and after_value == "1.30", (before_value, after_value)
    assert after_points != before_points
