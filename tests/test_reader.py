"""The book as a reader uses it, in headless Chromium offline: on a phone and a tablet the menu
and contents buttons open their drawers and their links go somewhere."""

from __future__ import annotations

import pytest
from test_browser import SCREENSHOTS, open_offline

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
