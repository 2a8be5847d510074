"""Browser tests: the real app in headless Chromium (Debian's package), driven with Playwright."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from browser import SCREENSHOTS, streamlit_server, wait_for_app
from conftest import DATA
from finsam.query import queries as q

playwright = pytest.importorskip("playwright.sync_api")

PAGES = ["", "kon", "remittenter", "tid", "uppfoljning", "kommuner", "avslut", "ekonomi", "enkater", "jamfor",
         "kallor"]
SN = quote("Sydnärke")


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="sv-SE")
    pg = context.new_page()
    yield pg
    context.close()


def no_exception(pg) -> None:
    assert pg.locator('[data-testid="stException"]').count() == 0
    assert pg.locator('[data-testid="stAlertContentError"]').count() == 0


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_with_its_charts(app_url, page, path):
    years = "" if path in ("ekonomi",) else "&ar=2023&ar=2025"  # the demo budgets are of 2016
    page.goto(f"{app_url}/{path}?forbund={SN}{years}")
    wait_for_app(page, '[data-testid="stDataFrame"]' if path == "kallor" else '[data-testid="stPlotlyChart"]')
    no_exception(page)
    if path == "kallor":
        assert page.locator('[data-testid="stDataFrame"]').count() >= 1
    else:
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1
    assert "Demodata" in page.inner_text("body")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{path or 'oversikt'}.png", full_page=True)


def first_metric(pg) -> str:
    return pg.locator('[data-testid="stMetricValue"]').first.inner_text()


def test_a_filter_changed_in_the_panel_changes_the_figures(app_url, page, demo_con):
    page.goto(f"{app_url}/?forbund={SN}&ar=2024&ar=2024")
    wait_for_app(page)
    all_sydnarke = first_metric(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').nth(2).click()
    page.keyboard.type("Laxå")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => document.querySelector('[data-testid=\"stMetricValue\"]').innerText != '{all_sydnarke}'",
                           timeout=30_000)
    wait_for_app(page)
    expected = q.participant_flow(demo_con, q.Filters(years=(2024, 2024), associations=("Sydnärke",),
                                                      municipalities=("1860",))).participants_total.iloc[0]
    assert first_metric(page) == str(expected)
    assert re.search(r"kommun=Lax%C3%A5|kommun=Laxå", page.url)
    no_exception(page)


def test_a_url_with_filters_reopens_the_selection(app_url, page, demo_con):
    page.goto(f"{app_url}/?forbund={SN}&kommun={quote('Kumla')}&kommun={quote('Laxå')}&ar=2024&ar=2024")
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "Kumla" in sidebar and "Laxå" in sidebar
    expected = q.participant_flow(demo_con, q.Filters(years=(2024, 2024), associations=("Sydnärke",),
                                                      municipalities=("1881", "1860"))).participants_total.iloc[0]
    assert first_metric(page) == str(expected)
    # the same selection carries over to another page
    page.goto(f"{app_url}/kon?forbund={SN}&kommun={quote('Kumla')}&kommun={quote('Laxå')}&ar=2024&ar=2024")
    wait_for_app(page)
    assert "Kumla, Laxå · 2024" in page.inner_text("body")
    no_exception(page)


def test_english_by_url(app_url, page):
    page.goto(f"{app_url}/kommuner?lang=English&forbund={SN}")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text() == "Municipalities"
    assert "Demo data" in page.inner_text("body")


def test_local_account_sees_its_association_only_even_by_url(demo_db, browser, tmp_path):
    from argon2 import PasswordHasher

    from finsam.web import auth

    users = tmp_path / "users.toml"
    auth.write_users({"anna": {"password_hash": PasswordHasher().hash("ett långt lösenord"), "role": "board",
                               "association": "Västerås"}}, users)
    with streamlit_server(demo_db, env={"FINSAM_AUTH": "local", "FINSAM_USERS": str(users)}) as url:
        pg = browser.new_page(viewport={"width": 1440, "height": 1000})
        pg.goto(f"{url}/?forbund={SN}")  # a link to another association's figures
        pg.get_by_label("Användarnamn").fill("anna")
        pg.get_by_label("Lösenord").fill("ett långt lösenord")
        pg.get_by_role("button", name="Logga in").click()
        wait_for_app(pg)
        body = pg.inner_text("body")
        assert "Inloggad: anna" in body and "Sydnärke" not in pg.locator('[data-testid="stSidebar"]').inner_text()
        assert first_metric(pg) == "85"  # Västerås 2020, not Sydnärke
        pg.goto(f"{url}/kommuner?forbund={SN}&kommun={quote('Kumla')}")  # editing the URL again: still anna's
        wait_for_app(pg)
        sidebar = pg.locator('[data-testid="stSidebar"]').inner_text()
        assert "Inloggad: anna" in sidebar and "Sydnärke" not in sidebar and "Kumla" not in sidebar
        pg.close()


def test_every_page_opens_on_a_national_database(browser, tmp_path):
    """A generated national database (synthetic: 75 associations, 290 municipalities, budgets, surveys and
    the published figures; it opens without sign-in): every page of the dashboard, in one server, shows its
    charts (Källor its table; Import its upload, the board pack its button, the presentation its key
    figures) with no exception and no error."""
    from finsam.web.app import PAGES
    from finsam.tools.scale import generate

    db = tmp_path / "national.duckdb"
    generate(db, 20_000, seed=11, data_dir=DATA)
    shows = {"kallor": '[data-testid="stDataFrame"]', "importera": '[data-testid="stFileUploader"]',
             "styrelseunderlag": ".st-key-pack_make", "presentation": '[data-testid="stMetric"]',
             "mal": ".st-key-goals_attainment", "tillganglighet": "h1"}
    with streamlit_server(db) as url:
        pg = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="sv-SE")
        for i, (_file, _title, path, _icon) in enumerate(PAGES):
            pg.goto(f"{url}/{'' if i == 0 else path}")
            selector = shows.get(path, '[data-testid="stPlotlyChart"]')
            wait_for_app(pg, selector)
            no_exception(pg)
            assert pg.locator(selector).count() >= 1, path
            assert "Demodata" not in pg.inner_text("body"), path
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=SCREENSHOTS / f"national_{path}.png")
        pg.close()
