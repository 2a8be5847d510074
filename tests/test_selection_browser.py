"""The URL is the single source of the selection (issue 24, findings 3 and 7): a shared link keeps its
selection on the next page however early the click comes, in the screen and in the URL, and Esc from the
presentation keeps it too."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from browser import wait_for_app

pytest.importorskip("playwright.sync_api")

LINK = "?forbund=Sydn%C3%A4rke&kommun=Kumla&ar=2025"
REAL_NAV = '[data-testid="stSidebarNav"] a[href$="/remittenter"]:has-text("Remittenter")'


def selection(pg) -> tuple[str, dict]:
    wait_for_app(pg)
    captions = pg.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').all_inner_texts()
    subtitle = next((c for c in captions if " · " in c), "")
    return subtitle, parse_qs(urlsplit(pg.url).query)


@pytest.fixture()
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, locale="sv-SE")
    yield ctx
    ctx.close()


def test_a_click_while_a_shared_link_loads_keeps_its_selection(app_url, context):
    pg = context.new_page()
    pg.goto(app_url + "/" + LINK)  # a server's first session shows the pages/ folder's links before the frame runs
    wait_for_app(pg)
    lost = []
    for delay in (0, 100, 250, 500, 900, 1500):  # ms after the page links appear
        pg = context.new_page()
        pg.goto(app_url + "/" + LINK)
        pg.wait_for_selector(REAL_NAV, timeout=60_000)
        pg.wait_for_timeout(delay)
        pg.locator(REAL_NAV).click()
        pg.wait_for_url("**/remittenter**", timeout=30_000)
        pg.wait_for_selector("h1:has-text('Remittenter')", timeout=60_000)
        subtitle, params = selection(pg)
        if subtitle != "Sydnärke · Kumla · 2025" or params.get("forbund") != ["Sydnärke"] \
                or params.get("kommun") != ["Kumla"] or set(params.get("ar", [])) != {"2025"}:
            lost.append((delay, subtitle, pg.url))
        pg.close()
    assert not lost


def test_esc_from_the_presentation_keeps_the_selection(app_url, context):
    pg = context.new_page()
    pg.goto(app_url + "/presentation" + LINK)
    wait_for_app(pg, "h1")
    pg.keyboard.press("Escape")
    pg.wait_for_url(lambda u: "/presentation" not in u, timeout=30_000)
    subtitle, params = selection(pg)
    assert subtitle == "Sydnärke · Kumla · 2025"
    assert params.get("forbund") == ["Sydnärke"] and params.get("kommun") == ["Kumla"]


def test_the_selection_comes_first_on_a_laptop_and_speaks_swedish(app_url, context):
    pg = context.new_page()  # 1280 x 720
    pg.goto(app_url + "/" + LINK)
    wait_for_app(pg)
    sidebar = pg.locator('[data-testid="stSidebar"]')
    boxes = [sidebar.locator('[data-testid="stMultiSelect"]').nth(i).bounding_box() for i in range(5)]
    assert all(b and b["y"] + b["height"] <= 720 for b in boxes[:3])  # Förbund, År's neighbours, Insatser, Kommuner
    assert boxes[0]["y"] < pg.locator('[data-testid="stSidebarNav"]').bounding_box()["y"]
    assert boxes[0]["y"] < sidebar.get_by_text("Språk / Language").bounding_box()["y"]
    sidebar.locator('[data-testid="stMultiSelect"]').nth(2).click()  # Kommuner: its menu open
    pg.wait_for_timeout(500)
    names = pg.evaluate("""() => [...document.querySelectorAll('[aria-label],[title],[placeholder]')]
        .flatMap(e => ['aria-label', 'title', 'placeholder'].map(a => e.getAttribute(a)).filter(Boolean))""")
    words = names + pg.locator("body").inner_text().splitlines()
    english = [w for w in words if w.startswith(("Remove ", "Select all", "Clear all", "Selected values"))]
    assert not english
    assert "Ta bort Kumla" in names
    pg.keyboard.press("Escape")


def test_the_first_page_by_its_name_opens_with_the_selection(app_url, context):
    pg = context.new_page()
    pg.goto(app_url + "/oversikt" + LINK)  # not Streamlit's English "Page not found"
    subtitle, params = selection(pg)
    assert subtitle == "Sydnärke · Kumla · 2025" and "Page not found" not in pg.inner_text("body")
