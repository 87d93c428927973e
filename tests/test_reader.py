"""The book as a reader uses it, in headless Chromium offline: on a phone and a tablet the menu
and contents buttons open their drawers and their links go somewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import toc_files
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
    assert wide, f"{name}: no equation wider than a phone (the check would be vacuous)"
    for text, overflow, background in wide:
        assert overflow in ("auto", "scroll"), f"{text!r} is cut off, not scrollable"
        assert background.count("radial-gradient") == 2, f"{text!r} scrolls with no edge shadow"
    assert not failed and not errors, (failed, errors)
