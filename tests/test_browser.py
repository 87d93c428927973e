"""The built book in headless Chromium with no network: every page at phone and desktop widths, in
light and dark mode, typeset by the bundled MathJax, with its images and no sideways scrolling."""

from __future__ import annotations

import io
import os
import re
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, toc_files
from PIL import Image

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


def require_chromium() -> str:
    """Chromium's path and playwright, else skip (fail if VANISHING_REQUIRE_BROWSER is set)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("VANISHING_REQUIRE_BROWSER"):
            pytest.fail("VANISHING_REQUIRE_BROWSER is set but no Chromium is installed")
        pytest.skip("no Chromium installed (Debian: apt-get install chromium); .ci/run installs it")
    pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    return path


def open_offline(browser, url: str, width: int = 1280, mode: str | None = None):
    """Open ``url`` at ``width`` px (a touch screen below 992 px) with every non-file request
    refused, in the theme's light or dark ``mode`` if given; return (page, failed, errors)."""
    touch = width < 992
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        is_mobile=touch,
        has_touch=touch,
        **({"color_scheme": mode} if mode else {}),
    )
    if mode:
        context.add_init_script(
            f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
        )
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
    figure = page.locator(".vg-interactive")
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


# --- Every page of the book, offline, at phone and desktop widths, in light and dark mode ---

WIDTHS = (390, 1280)
MODES = ("light", "dark")
OPTIONAL_PAGES = ("search.html", "genindex.html")  # Sphinx's own pages, checked if built
RAW_TEX = ("\\(", "\\[", "$$")
NEAR_WHITE = 200  # every channel of a light figure background, after the dark-mode dimming
LIGHT_EDGE = 0.9  # share of a figure's edge that must be light (axis labels may touch it)
MIN_CONTRAST = 4.5  # WCAG AA for body text
NOT_A_FILE = re.compile(r"^(?!file:)")
WORKERS = 2  # browsers checking pages at once


def toc_pages() -> list[str]:
    """The toc's pages as paths inside the html folder."""
    return [f"{f}.html" for f in toc_files()]


PAGES = ["index.html", *toc_pages(), *OPTIONAL_PAGES]


def themed_context(browser, width: int, mode: str):
    """A context of ``width`` px whose pages start in the pydata theme's ``mode``."""
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)
    context.add_init_script(
        f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
    )
    return context


def watch(page) -> list[str]:
    """Refuse the network on ``page``; the returned list collects every request and JS problem."""
    problems: list[str] = []

    def refuse_network(route):
        problems.append(f"network request attempted: {route.request.url}")
        route.abort()

    def console(message):
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    page.route(NOT_A_FILE, refuse_network)  # file:// requests go through untouched (and fast)
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}: {r.failure}"))
    page.on("pageerror", lambda e: problems.append(f"JS error: {e}"))
    page.on("console", console)
    return problems


def goto(page, html: Path, name: str) -> None:
    """Open ``name``; index.html must redirect to the toc's root page, followed here."""
    page.goto((html / name).as_uri(), wait_until="load")
    if name == "index.html":
        page.wait_for_url(f"**/{toc_pages()[0]}", timeout=10_000)
        page.wait_for_load_state("load")


def finish_maths(page) -> None:
    """Wait until MathJax (if the page has maths or loads it) has typeset the page."""
    if page.evaluate("document.querySelector('.math') !== null || 'MathJax' in window"):
        page.wait_for_function(
            "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000
        )
        page.evaluate("MathJax.startup.promise.then(() => true)")


def theme_problems(page, mode: str) -> list[str]:
    """The page is shown in ``mode``."""
    theme = page.evaluate("document.documentElement.dataset.theme")
    return [] if theme == mode else [f"data-theme is {theme!r}, not {mode!r}"]


MATHS = """() => {
    const maths = Array.from(document.querySelectorAll('.math'));
    const main = (document.querySelector('main') || document.body).cloneNode(true);
    main.querySelectorAll('pre, code, script, style, textarea, mjx-container')
        .forEach(e => e.remove());
    const width = el => el.getBoundingClientRect().width;
    const clipped = m => getComputedStyle(m).overflowX === 'hidden'
        && Array.from(m.querySelectorAll(':scope > mjx-container'))
            .some(c => width(c) > width(m) + 1);
    return {
        untypeset: maths.filter(m => !m.querySelector('mjx-container')).length,
        clipped: maths.filter(clipped).map(m => m.textContent.trim().slice(0, 60)),
        errors: document.querySelectorAll('mjx-merror').length,
        text: main.textContent,
    };
}"""


def maths_problems(page) -> list[str]:
    """Every .math element typeset and not cut off, no input error, no raw TeX in the text."""
    found = page.evaluate(MATHS)
    problems = [f"formula cut off (overflow hidden): {tex!r}" for tex in found["clipped"]]
    if found["untypeset"]:
        problems.append(f"{found['untypeset']} .math elements not typeset by MathJax")
    if found["errors"] or "Math input error" in found["text"]:
        problems.append(f"{found['errors']} MathJax input errors")
    problems += [f"raw TeX {tex!r} left in the text" for tex in RAW_TEX if tex in found["text"]]
    return problems


IMAGES = """async () => {
    const images = Array.from(document.images);
    images.forEach(i => { i.loading = 'eager'; });
    await Promise.all(images.map(i => i.decode().catch(() => null)));
    return images.map(i => [i.currentSrc || i.src, i.complete && i.naturalWidth > 0]);
}"""


def image_problems(page) -> list[str]:
    """Every <img> (lazy ones loaded now) has loaded."""
    return [f"image not loaded: {src}" for src, ok in page.evaluate(IMAGES) if not ok]


OVERFLOW = """() => {
    const limit = window.innerWidth + 1;
    const width = document.documentElement.scrollWidth;
    const out = el => el.getBoundingClientRect().right > limit;
    const fixed = el => getComputedStyle(el).position === 'fixed';  // off-canvas drawers
    const scrolls = el => getComputedStyle(el).overflowX !== 'visible';
    const boxed = el => {  // fixed, or inside a box that scrolls or clips sideways by itself
        for (let a = el; a && a !== document.body; a = a.parentElement) {
            if (fixed(a) || (a !== el && scrolls(a))) return true;
        }
        return false;
    };
    const culprits = width <= limit ? [] : Array.from(document.body.querySelectorAll('*'))
        .filter(el => out(el) && !boxed(el) && !(el.parentElement && out(el.parentElement)))
        .slice(0, 8)
        .map(el => `<${el.tagName.toLowerCase()} class="${el.className}"> `
            + `${JSON.stringify(el.textContent.trim().slice(0, 50))} ends at `
            + `${Math.round(el.getBoundingClientRect().right)} px`);
    return {width, limit, culprits};
}"""


def overflow_problems(page) -> list[str]:
    """The page itself does not scroll sideways; names the elements that stick out."""
    found = page.evaluate(OVERFLOW)
    if found["width"] <= found["limit"]:
        return []
    culprits = "; ".join(found["culprits"])
    return [f"page scrolls sideways ({found['width']} px > {found['limit']} px): {culprits}"]


TEXT_COLOURS = """() => {
    const layers = el => {  // background colours from el outwards, to the first opaque one
        const out = [];
        for (; el; el = el.parentElement) {
            const c = getComputedStyle(el).backgroundColor;
            out.push(c);
            if (c.startsWith('rgb(')) break;
        }
        return out;
    };
    const seen = new Map();
    const text = 'p, li, dt, dd, td, th, figcaption, caption, blockquote';
    for (const el of [document.body, ...document.querySelectorAll(`main :is(${text})`)]) {
        if (!el.getClientRects().length || !el.textContent.trim()) continue;
        const colours = [getComputedStyle(el).color, layers(el)];
        const key = JSON.stringify(colours);
        const where = `<${el.tagName.toLowerCase()}> ${el.textContent.trim().slice(0, 40)}`;
        if (!seen.has(key)) seen.set(key, [where, ...colours]);
    }
    return Array.from(seen.values());
}"""


def parse_rgb(css: str) -> tuple[float, float, float, float]:
    """(r, g, b, alpha) of a computed CSS colour ``rgb(...)``/``rgba(...)``."""
    values = [float(v) for v in re.findall(r"[\d.]+", css)]
    if not css.startswith("rgb") or len(values) not in (3, 4):
        raise ValueError(f"unexpected computed colour {css!r}")
    return (*values[:3], values[3] if len(values) == 4 else 1.0)


def over(top: tuple, bottom: tuple) -> tuple[float, float, float, float]:
    """Colour ``top`` (with its alpha) composited over the opaque ``bottom``."""
    alpha = top[3]
    return (*(alpha * t + (1 - alpha) * b for t, b in zip(top[:3], bottom[:3], strict=True)), 1.0)


def backdrop(layers: list[str]) -> tuple:
    """The opaque colour seen behind an element: its background layers, innermost first, on the
    white canvas."""
    colour = (255.0, 255.0, 255.0, 1.0)
    for css in reversed(layers):
        colour = over(parse_rgb(css), colour)
    return colour


def luminance(rgb: tuple) -> float:
    """WCAG relative luminance of an sRGB colour with 0-255 channels."""
    linear = [c / 255 / 12.92 if c <= 10.31 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(fg: tuple, bg: tuple) -> float:
    """WCAG contrast ratio of two opaque colours."""
    high, low = sorted((luminance(fg[:3]), luminance(bg[:3])), reverse=True)
    return (high + 0.05) / (low + 0.05)


def contrast_problems(page) -> list[str]:
    """Body text, and every paragraph, list, table and caption colour, reach contrast 4.5."""
    problems = []
    for where, fg_css, layers in page.evaluate(TEXT_COLOURS):
        bg = backdrop(layers)
        ratio = contrast(over(parse_rgb(fg_css), bg), bg)
        if ratio < MIN_CONTRAST:
            shown = "rgb({:.0f}, {:.0f}, {:.0f})".format(*bg[:3])
            problems.append(f"{where}: text {fg_css} on {shown} has contrast {ratio:.2f}")
    return problems


FIGURE_BOXES = """() => Array.from(document.querySelectorAll('main figure :is(img, svg)'))
    .filter(el => el.getClientRects().length && !el.parentElement.closest('svg'))
    .map(el => {
        const r = el.getBoundingClientRect(), s = getComputedStyle(el);
        const inset = k => (parseFloat(s['padding' + k]) || 0)
            + (parseFloat(s['border' + k + 'Width']) || 0);
        let left = r.left + inset('Left'), right = r.right - inset('Right');
        // a figure wider than its scrolling box: the part in view; a side cut by the box is not
        // the figure's edge (it crosses the drawing), so it is left out of the check
        const box = el.closest('.vg-figure-scroll'), cut = [];
        if (box) {
            const b = box.getBoundingClientRect();
            if (left < b.left - 1) { left = b.left; cut.push('left'); }
            if (right > b.right + 1) { right = b.right; cut.push('right'); }
        }
        return [el.closest('figure').id || el.getAttribute('src'), cut,
                left + scrollX, r.top + scrollY + inset('Top'),
                right + scrollX, r.bottom + scrollY - inset('Bottom')];
    })"""


def edge_pixels(pixels: np.ndarray, box: list, inset: int = 3, cut: tuple = ()) -> np.ndarray:
    """The RGB pixels of the one-pixel ring ``inset`` px inside ``box`` (left, top, right,
    bottom), from an (height, width, 3) screenshot array, without the sides named in ``cut``."""
    left, top, right, bottom = (round(v) for v in box)
    left, top, right, bottom = left + inset, top + inset, right - 1 - inset, bottom - 1 - inset
    ring = [pixels[top, left : right + 1], pixels[bottom, left : right + 1]]
    ring += [] if "left" in cut else [pixels[top : bottom + 1, left]]
    ring += [] if "right" in cut else [pixels[top : bottom + 1, right]]
    return np.concatenate(ring)


def figure_background_problems(page, screenshot: bytes) -> list[str]:
    """Each figure (image or inline SVG) has an opaque light background: nearly all of its edge
    is light in the full-page screenshot (taken at the top, so nothing sticky covers it)."""
    pixels = np.asarray(Image.open(io.BytesIO(screenshot)).convert("RGB"))
    problems = []
    for name, cut, *box in page.evaluate(FIGURE_BOXES):
        edge = edge_pixels(pixels, box, cut=tuple(cut))
        light = float((edge.min(axis=1) >= NEAR_WHITE).mean())
        if light < LIGHT_EDGE:
            darkest = tuple(int(c) for c in edge[edge.sum(axis=1).argmin()])
            problems.append(f"figure {name}: only {light:.0%} of its edge is light ({darkest})")
    return problems


def full_page_screenshot(page, name: str, width: int, mode: str) -> bytes:
    """Screenshot of the whole page, scrolled to the top, saved as <page>-<width>-<mode>.png."""
    page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{Path(name).stem}-{width}-{mode}.png"
    return page.screenshot(path=str(path), full_page=True)


def page_problems(page, html: Path, name: str, width: int, mode: str) -> list[str]:
    """Open one page in a themed context and list everything wrong with it."""
    problems = watch(page)
    goto(page, html, name)
    finish_maths(page)
    problems += theme_problems(page, mode) + maths_problems(page) + image_problems(page)
    problems += overflow_problems(page) + contrast_problems(page)
    screenshot = full_page_screenshot(page, name, width, mode)
    if mode == "dark":
        problems += figure_background_problems(page, screenshot)
    return problems


def visit(context, html: Path, case: tuple[str, int, str]) -> list[str]:
    """The problems of one (page, width, mode) case, in a new tab of ``context``."""
    page = context.new_page()
    try:
        return page_problems(page, html, *case)
    except Exception as error:  # a timeout on one page must not lose the other pages' results
        return [f"{type(error).__name__}: {error}"]
    finally:
        page.close()


def check_cases(chromium: str, html: Path, cases: list[tuple], results: dict) -> None:
    """Worker thread: its own Playwright and Chromium, one context per (width, mode)."""
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
            )
            contexts = {}
            for case in cases:
                width, mode = case[1:]
                if (width, mode) not in contexts:
                    contexts[width, mode] = themed_context(browser, width, mode)
                results[case] = visit(contexts[width, mode], html, case)
            browser.close()
    except Exception as error:  # e.g. Chromium did not start: every case left says so
        for case in cases:
            results.setdefault(case, [f"browser worker failed: {type(error).__name__}: {error}"])


def selected_cases(session) -> list[tuple[str, int, str]]:
    """The (page, width, mode) cases of test_page_in_browser that this pytest session runs."""
    params = [
        item.callspec.params
        for item in session.items
        if getattr(item, "originalname", None) == "test_page_in_browser"
    ]
    return [(p["name"], p["width"], p["mode"]) for p in params]


@pytest.fixture(scope="module")
def checked_pages(request, built_book) -> dict:
    """Problems of each selected (page, width, mode), found by WORKERS browsers in parallel (the
    page loads wait on Chromium, not on Python)."""
    chromium = require_chromium()
    cases = [c for c in selected_cases(request.session) if (built_book / c[0]).is_file()]
    results: dict = {}
    threads = [
        threading.Thread(
            target=check_cases, args=(chromium, built_book, cases[i::WORKERS], results)
        )
        for i in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_page_in_browser(built_book, checked_pages, name, width, mode):
    if name in OPTIONAL_PAGES and not (built_book / name).is_file():
        pytest.skip(f"{name} not built")
    assert (built_book / name).is_file(), f"{name} is missing from the build"
    problems = checked_pages[name, width, mode]
    assert not problems, "\n".join(problems)
