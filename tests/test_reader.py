"""The book as a reader uses it, in headless Chromium offline: on a phone and a tablet the menu
and contents buttons open their drawers and their links go somewhere."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest
from conftest import soup, toc_files
from PIL import Image
from test_browser import SCREENSHOTS, open_offline

CHAPTERS = [Path(f).name for f in toc_files() if Path(f).name.startswith("ch")]
NARROW = [390, 820]  # a phone and a tablet, both below the theme's 992 px breakpoint


ON_SCREEN = """e => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    const x = r.left + Math.min(r.width / 2, 20), y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return false;
    const hit = document.elementFromPoint(x, y);
    return hit !== null && (hit === e || e.contains(hit) || hit.contains(e));
}"""


def _visible(locator) -> list:
    """The matches a reader can see and tap: inside the viewport and not covered."""
    found = []
    for i in range(locator.count()):
        item = locator.nth(i)
        if not item.is_visible():
            continue
        item.scroll_into_view_if_needed(timeout=2000)
        if item.evaluate(ON_SCREEN):
            found.append(item)
    return found


@pytest.mark.parametrize("width", NARROW)
def test_the_menu_button_opens_the_book_contents_and_its_links_navigate(built_book, browser, width):
    page, failed, errors = open_offline(
        browser, (built_book / "book" / "ch02_unrolled_rnn.html").as_uri(), width=width
    )
    toggles = _visible(page.locator(".primary-toggle"))
    assert len(toggles) == 1, "exactly one visible menu button"
    link = page.locator(".bd-sidebar-primary a.reference.internal", has_text="Powers of W")
    assert not _visible(link), "the book's contents should start hidden on a narrow screen"
    toggles[0].click()
    page.wait_for_timeout(300)
    shown = _visible(link)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"menu_open_w{width}.png"))
    assert shown, "the menu button did not open the book's contents"
    shown[0].click()
    page.wait_for_load_state("load")
    assert page.url.endswith("ch03_powers_of_w.html"), page.url
    assert not failed and not errors, (failed, errors)


@pytest.mark.parametrize("width", NARROW)
def test_the_contents_button_opens_the_page_sections_and_its_links_jump(built_book, browser, width):
    page, failed, errors = open_offline(
        browser, (built_book / "book" / "ch02_unrolled_rnn.html").as_uri(), width=width
    )
    toggles = _visible(page.locator(".secondary-toggle"))
    assert len(toggles) == 1, "exactly one visible contents button"
    link = page.locator(".bd-sidebar-secondary a", has_text="Summary")
    assert not _visible(link)
    toggles[0].click()
    page.wait_for_timeout(300)
    shown = _visible(link)
    assert shown, "the contents button did not open the page's sections"
    shown[0].click()
    page.wait_for_timeout(300)
    assert "#" in page.url and page.url.split("#")[1], page.url
    assert not failed and not errors, (failed, errors)


TABLE_CELLS = """() => Array.from(document.querySelectorAll('.bd-article table td')).map(td => {
    const r = td.getBoundingClientRect();
    const label = getComputedStyle(td, '::before').content;
    return [td.textContent.trim().slice(0, 40), Math.round(r.left), Math.round(r.right),
            td.dataset.label || '', label];
})"""


@pytest.mark.parametrize("name", ["notation", "errata"])
def test_tables_read_as_labelled_cards_on_a_phone(built_book, browser, name):
    page, failed, errors = open_offline(
        browser, (built_book / "book" / f"{name}.html").as_uri(), width=390
    )
    cells = page.evaluate(TABLE_CELLS)
    page.screenshot(path=str(SCREENSHOTS / f"{name}_table_w390.png"), full_page=True)
    assert len(cells) >= 20, f"{name}: only {len(cells)} table cells"
    cut = [c for c in cells if c[1] < 0 or c[2] > 390 + 1]
    assert not cut, f"cells reaching past the screen: {cut[:3]}"
    unlabelled = [c for c in cells if not c[3] or c[4] in ("none", '""', "normal")]
    assert not unlabelled, f"cells without their column's heading: {unlabelled[:3]}"
    assert not failed and not errors, (failed, errors)


FEW_EQUATIONS = {"ch09_diagnosing"}  # a practical chapter: tables and code, little display maths
# chapters whose every display formula fits a 390 px column (split onto aligned lines): asserted
FITS_A_PHONE = {"ch06_gating", "ch08_long_sequences"}  # every display fits 390 px
WIDE_EQUATIONS = """() => Array.from(
    document.querySelectorAll('div.math > mjx-container[display="true"]'))
    .filter(c => c.scrollWidth > c.clientWidth + 1)
    .map(c => [c.textContent.slice(0, 40), getComputedStyle(c).overflowX,
               getComputedStyle(c).backgroundImage])"""


@pytest.mark.parametrize("name", CHAPTERS)
def test_equations_wider_than_a_phone_scroll_with_a_visible_cue(built_book, browser, name):
    page, failed, errors = open_offline(
        browser, (built_book / "book" / f"{name}.html").as_uri(), width=390
    )
    wide = page.evaluate(WIDE_EQUATIONS)
    if name in FITS_A_PHONE:
        assert not wide, f"{name}: equations wider than a phone: {wide}"
    elif name not in FEW_EQUATIONS:
        assert wide, f"{name}: no equation wider than a phone (the check would be vacuous)"
    for text, overflow, background in wide:
        assert overflow in ("auto", "scroll"), f"{text!r} is cut off, not scrollable"
        assert background.count("radial-gradient") == 2, f"{text!r} scrolls with no edge shadow"
    assert not failed and not errors, (failed, errors)


DESKTOP = 1280
EQUATIONS = """() => Array.from(document.querySelectorAll('mjx-container[display="true"]'))
    .filter(c => c.getClientRects().length)
    .map(c => {
        const math = c.querySelector(':scope > mjx-math').getBoundingClientRect();
        const eqno = c.parentElement.querySelector(':scope > .eqno');
        const e = eqno ? eqno.getBoundingClientRect() : null;
        const overlaps = e !== null && math.right > e.left - 4 && math.left < e.right
            && math.bottom > e.top && math.top < e.bottom;
        return [c.parentElement.id || c.textContent.slice(0, 50), Math.ceil(math.width),
                c.clientWidth, c.scrollWidth, overlaps];
    })"""


@pytest.mark.parametrize("name", CHAPTERS)
def test_display_equations_fit_their_column_at_desktop_width(built_book, browser, name):
    """At 1280 px no display formula (typed or printed by SymPy) is wider than its column, none
    needs scrolling, and no equation number sits on its formula."""
    page, failed, errors = open_offline(
        browser, (built_book / "book" / f"{name}.html").as_uri(), width=DESKTOP
    )
    found = page.evaluate(EQUATIONS)
    assert len(found) >= (0 if name in FEW_EQUATIONS else 5), f"{name}: only {len(found)} displays"
    too_wide = [f for f in found if f[1] > f[2] + 1 or f[3] > f[2] + 1]
    assert not too_wide, f"wider than the column ({DESKTOP} px): {too_wide}"
    on_number = [f[0] for f in found if f[4]]
    assert not on_number, f"equation number overlapping its formula: {on_number}"
    assert not failed and not errors, (failed, errors)


PHONE = 390
LEGIBLE_PX = 8.0  # the smallest figure text a reader can read without zooming
GLYPH_SCALE = re.compile(r"scale\(([\d.]+) -[\d.]+\)")  # matplotlib's text drawn as paths


def smallest_label(svg: Path) -> tuple[float, float]:
    """(width of the viewBox, font size of the smallest label) of a matplotlib SVG, both in the
    SVG's units: each label is a group text_N of glyphs scaled by font size / 100 (a label's
    sub- and superscripts are smaller; the label counts at its main size)."""
    text = svg.read_text()
    width = float(re.search(r'viewBox="[\d.-]+ [\d.-]+ ([\d.]+) ', text)[1])
    sizes = [
        100 * max(float(v) for v in GLYPH_SCALE.findall(chunk))
        for chunk in text.split('<g id="text_')[1:]
        if GLYPH_SCALE.search(chunk)
    ]
    return width, min(sizes)


FIGURE_IMAGES = """sel => Array.from(document.querySelectorAll(sel))
    .filter(i => i.getClientRects().length)
    .map(i => [i.closest('figure') ? i.closest('figure').id : '', i.currentSrc || i.src,
               i.getBoundingClientRect().width])"""


def rendered_text_px(src: str, shown_width: float) -> float:
    """The smallest label of the SVG figure at ``src`` in CSS px when shown ``shown_width`` wide."""
    width, size = smallest_label(Path(unquote(urlparse(src).path)))
    return size * shown_width / width


SVG_TEXT = """root => Math.min(...Array.from(root.querySelectorAll('svg text, svg tspan'))
    .filter(t => t.getClientRects().length)
    .map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))"""


def shown_text_px(page, root: str) -> float:
    """The smallest text in CSS px of the figure shown in ``root``: an SVG image (its labels are
    glyph paths; sizes from the file) or an inline SVG (sizes from the page)."""
    images = page.evaluate(FIGURE_IMAGES, f"{root} img")
    if images:
        (shown,) = images
        return rendered_text_px(shown[1], shown[2])
    return page.locator(root).first.evaluate(SVG_TEXT)


@pytest.mark.parametrize("name", CHAPTERS)
def test_figures_on_a_phone_open_full_size_with_legible_text(built_book, browser, name):
    """At 390 px a wide figure shows part of itself at a time (it scrolls); every figure (images
    and the interactive one) has a visible "Enlarge" button that shows it in an overlay where its
    smallest label is at least 8 px and no smaller than in the page, and an interactive figure
    still responds there."""
    page, failed, errors = open_offline(
        browser, (built_book / "book" / f"{name}.html").as_uri(), width=PHONE
    )
    figures = page.locator(".bd-article figure:has(img, .vg-interactive svg)")
    assert figures.count(), f"{name}: no figures"
    ids = [figures.nth(k).get_attribute("id") for k in range(figures.count())]
    inline = {f: shown_text_px(page, f"figure#{f}") for f in ids}
    buttons = page.locator(".bd-article figure .vg-enlarge")
    assert buttons.count() == len(ids), "one Enlarge button per figure"
    overlay = page.locator(".vg-lightbox")
    enlarged = {}
    for k, figure in enumerate(ids):
        button = buttons.nth(k)
        button.scroll_into_view_if_needed()
        assert button.evaluate(ON_SCREEN), f"figure {figure}: Enlarge is not visible"
        assert "Enlarge" in button.inner_text()
        button.click()
        assert overlay.is_visible(), f"figure {figure}: Enlarge opened nothing"
        live = overlay.locator(".vg-lightbox-live:not([hidden])")
        enlarged[figure] = shown_text_px(
            page, ".vg-lightbox-live" if live.count() else ".vg-lightbox-body"
        )
        if live.count():  # the slider works in the overlay
            readout = live.locator("output")
            before = readout.inner_text()
            live.locator("input[type=range]").focus()
            page.keyboard.press("ArrowRight")
            assert readout.inner_text() != before, "the interactive figure stopped responding"
            page.screenshot(path=str(SCREENSHOTS / f"{name}_interactive_enlarged_w{PHONE}.png"))
        if k == 0:
            page.screenshot(path=str(SCREENSHOTS / f"{name}_enlarged_w{PHONE}.png"))
            assert overlay.locator(".vg-lightbox-caption").inner_text().strip()
        page.keyboard.press("Escape")
        assert not overlay.is_visible(), "Escape closes the overlay"
        assert page.locator(f"figure#{figure}").locator("img, .vg-interactive svg").count()
    small = {f: round(px, 1) for f, px in enlarged.items() if px < LEGIBLE_PX}
    assert not small, f"text still under {LEGIBLE_PX} px when enlarged: {small}"
    smaller = {
        f: (round(inline[f], 1), round(px, 1))
        for f, px in enlarged.items()
        if px < inline[f] - 0.01
    }
    assert not smaller, f"figures smaller enlarged than in the page (page, overlay): {smaller}"
    assert not failed and not errors, (failed, errors)


WIDE_FIGURES = {"ch03_powers_of_w", "ch06_gating", "ch07_signal_propagation"}  # multi-panel
SCROLL_BOXES = """() => Array.from(document.querySelectorAll('.bd-article .vg-figure-frame'))
    .map(frame => {
        const box = frame.querySelector('.vg-figure-scroll');
        const after = getComputedStyle(frame, '::after');
        return [frame.closest('figure').id, box.scrollWidth, box.clientWidth,
                frame.classList.contains('vg-more-right'), after.opacity, after.backgroundImage];
    })"""
FIGURE_EDGES = """() => {
    const column = document.querySelector('.bd-article').getBoundingClientRect();
    return Array.from(document.querySelectorAll('.bd-article figure'))
        .filter(f => f.querySelector('img, .vg-interactive svg'))
        .map(f => {
            const r = f.querySelector('img, .vg-interactive svg').getBoundingClientRect();
            return [f.id, r.left - column.left, column.right - r.right];
        });
}"""


def cue_contrast(page, figure: str) -> float:
    """How much the right-hand scroll cue darkens the figure: the mean absolute difference (0-255)
    of the frame's rightmost 10 px columns, screenshot with the cue and with it switched off."""
    frame = page.locator(f"figure#{figure} .vg-figure-frame")
    frame.scroll_into_view_if_needed()
    shots = [np.asarray(Image.open(io.BytesIO(frame.screenshot())).convert("L"), float)]
    frame.evaluate("f => f.classList.remove('vg-more-right')")
    shots.append(np.asarray(Image.open(io.BytesIO(frame.screenshot())).convert("L"), float))
    frame.evaluate("f => f.classList.add('vg-more-right')")
    with_cue, without = (s[:, -10:] for s in shots)
    return float(np.abs(with_cue - without).mean())


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("width", [PHONE, 820, DESKTOP])
@pytest.mark.parametrize("name", CHAPTERS)
def test_figure_text_is_legible_in_the_page(built_book, browser, name, width, mode):
    """Every figure of the chapter, as it sits in the page (not enlarged), has its smallest label
    at least 8 px: from the SVG file's font sizes and viewBox and the image's rendered width, or
    from the interactive figure's SVG text. On a phone a figure wider than the screen scrolls
    inside its own box and shows a visible shadow at the edge that hides the rest; at 820 and
    1280 px no figure is wider than its column or needs scrolling."""
    page, failed, errors = open_offline(
        browser, (built_book / "book" / f"{name}.html").as_uri(), width=width, mode=mode
    )
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    figures = page.locator(".bd-article figure:has(img, .vg-interactive svg)")
    ids = [figures.nth(k).get_attribute("id") for k in range(figures.count())]
    assert ids, f"{name}: no figures"
    text = {f: shown_text_px(page, f"figure#{f}") for f in ids}
    small = {f: round(px, 2) for f, px in text.items() if px < LEGIBLE_PX}
    assert not small, f"figure text under {LEGIBLE_PX} px at {width} px: {small}"
    boxes = page.evaluate(SCROLL_BOXES)
    assert len(boxes) == sum(1 for f in ids if page.locator(f"figure#{f} img").count())
    scrolling = [b for b in boxes if b[1] > b[2] + 1]
    if width == PHONE:
        for figure, _, _, cued, opacity, shadow in scrolling:
            assert cued and float(opacity) == 1.0, f"{figure}: scrolls with no cue at its edge"
            assert "radial-gradient" in shadow, f"{figure}: the cue is not the edge shadow"
        if name in WIDE_FIGURES:
            assert scrolling, f"{name}: no figure wider than a phone (the check would be vacuous)"
        if scrolling:  # the cue is visible: it darkens the figure's edge
            figure = scrolling[0][0]
            darkening = cue_contrast(page, figure)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.locator(f"figure#{figure}").screenshot(
                path=str(SCREENSHOTS / f"{name}_figure_scrolls_w{width}_{mode}.png")
            )
            assert darkening > 15, f"{figure}: the scroll cue is barely visible ({darkening:.1f})"
            box = page.locator(f"figure#{figure} .vg-figure-scroll")
            box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
            page.wait_for_function(  # scrolled to the end: the cue moves to the left edge
                "f => f.matches('.vg-more-left:not(.vg-more-right)')",
                arg=page.locator(f"figure#{figure} .vg-figure-frame").element_handle(),
            )
    else:
        assert not scrolling, f"figures that need scrolling at {width} px: {scrolling}"
        cued = page.locator(".vg-figure-frame:is(.vg-more-left, .vg-more-right)").count()
        assert cued == 0, f"{cued} scroll cues shown at {width} px"
        outside = [e for e in page.evaluate(FIGURE_EDGES) if e[1] < -1 or e[2] < -1]
        assert not outside, f"figures reaching past the column at {width} px: {outside}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    assert not failed and not errors, (failed, errors)


CROSS_PAGE = {  # a reference on one page to a target on another, and what its preview must show
    "figure": ("book/ch08_long_sequences", "ch06_gating.html#fig-ch06-steps", "figure img"),
    "equation": (
        "book/ch08_long_sequences",
        "ch02_unrolled_rnn.html#equation-eq-ch02-bptt",
        "mjx-container",
    ),
    "theorem": ("book/errata", "ch04_activations.html#thm-pascanu", ".proof, .admonition"),
}


@pytest.mark.parametrize("kind", CROSS_PAGE)
def test_hovering_a_reference_to_another_page_previews_it_from_disk(built_book, browser, kind):
    """Opened from disk (file://, where a page cannot fetch its neighbours) and with no network, a
    reference to a figure, an equation or a theorem on another chapter previews that target: the
    figure's image (loaded) and caption, the typeset equation with its number, the theorem."""
    page_name, href, inside = CROSS_PAGE[kind]
    url = (built_book / f"{page_name}.html").as_uri()
    assert url.startswith("file://")
    page, failed, errors = open_offline(browser, url, width=DESKTOP)
    link = page.locator(f'.bd-article a.reference.internal[href="{href}"]').first
    link.scroll_into_view_if_needed()
    tip = page.locator(".vg-preview")
    link.hover()
    tip.wait_for(state="visible", timeout=5000)
    assert tip.locator(inside).count() >= 1, f"the {kind} preview does not show the {kind}"
    target_page, target_id = href.split("#")
    target = soup(built_book / "book" / target_page).find(id=target_id)
    assert target is not None
    shown = " ".join(tip.inner_text().split())
    if kind == "figure":
        image = tip.locator("figure img").first
        image.evaluate("i => i.decode()")
        assert image.evaluate("i => i.complete && i.naturalWidth > 0"), "the image did not load"
        src = image.evaluate("i => i.src")
        assert src.split("/")[-1] == target.find("img")["src"].split("/")[-1]
        caption = " ".join(target.find("figcaption").get_text(" ").split())
        assert caption.split()[0:2] == shown.split()[0:2], (caption[:40], shown[:40])  # "Fig. 6.4"
    elif kind == "equation":
        page.wait_for_function("() => document.querySelector('.vg-preview mjx-container')")
        number = target.select_one(".eqno").get_text().strip("#").strip()
        assert number in shown, (number, shown[:80])
    else:
        title = " ".join(target.select_one(".admonition-title, .proof-title, p").get_text().split())
        assert title[:20] in shown, (title, shown[:80])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"preview_other_page_{kind}.png"))
    assert not failed and not errors, (failed, errors)


PREVIEWED = {  # a reference of each kind, on a page that has one to a target on the same page
    "figure": ("book/ch03_powers_of_w", "#fig-ch03-norm-vs-lag", "figure img"),
    "equation": ("book/ch02_unrolled_rnn", "#equation-eq-ch02-bptt", "mjx-container"),
    "exercise": ("book/ch03_powers_of_w", "#ex-ch03-jordan-peak", ".admonition-title"),
}


@pytest.mark.parametrize("kind", PREVIEWED)
def test_hovering_a_reference_previews_its_target(built_book, browser, kind):
    """Pointing at a reference to a figure, an equation or an exercise shows the target in a box
    next to the link, offline; moving away hides it, and tabbing to the link shows it too."""
    page_name, fragment, inside = PREVIEWED[kind]
    page, failed, errors = open_offline(
        browser, (built_book / f"{page_name}.html").as_uri(), width=DESKTOP
    )
    link = page.locator(f'.bd-article p a.reference.internal[href="{fragment}"]').first
    link.scroll_into_view_if_needed()
    tip = page.locator(".vg-preview")
    assert not tip.is_visible()
    link.hover()
    tip.wait_for(state="visible", timeout=3000)
    assert tip.locator(inside).count() >= 1, f"the {kind} preview does not show the {kind}"
    assert link.get_attribute("aria-describedby") == "vg-preview"
    box, anchor = tip.bounding_box(), link.bounding_box()
    assert abs(box["y"] - (anchor["y"] + anchor["height"])) < 40 or box["y"] + box["height"] <= (
        anchor["y"] + 1
    ), "the preview sits next to its link"
    assert 0 <= box["x"] and box["x"] + box["width"] <= DESKTOP, "the preview stays on screen"
    page.screenshot(path=str(SCREENSHOTS / f"preview_{kind}.png"))
    page.mouse.move(5, 5)
    tip.wait_for(state="hidden", timeout=3000)
    link.focus()
    tip.wait_for(state="visible", timeout=3000)
    assert not failed and not errors, (failed, errors)


def test_the_header_has_no_second_search_box(built_book, browser):
    """One search field (in the sidebar) at desktop width; the header bar holds the page's
    buttons, not an empty strip with a second search box."""
    page, failed, errors = open_offline(
        browser, (built_book / "book" / "ch02_unrolled_rnn.html").as_uri(), width=DESKTOP
    )
    searches = _visible(page.locator(".search-button-field, .search-button__button, .bd-search"))
    assert len(searches) == 1, f"{len(searches)} search boxes"
    header = page.locator(".bd-header")
    assert (
        header.count() == 0
        or not header.first.is_visible()
        or (len(_visible(header.first.locator("a, button"))) >= 2)
    ), "an empty header bar"
    buttons = _visible(page.locator(".bd-header-article button, .bd-header-article a"))
    assert len(buttons) >= 4, "the article header's buttons (menu, download, mode...)"
    assert not failed and not errors, (failed, errors)
