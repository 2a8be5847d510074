"""Every role signed in with a real local account on the real server, every page opened for two
associations: nothing of another association and no protected figure appears, on the page or in the
Källor download (issue 22). Real records are imported for Västerås first, as in the probe."""
from __future__ import annotations

import shutil
from urllib.parse import quote

import pytest
from argon2 import PasswordHasher

from browser import streamlit_server, wait_for_app
from finsam.web import auth
from finsam.web.app import PAGES

playwright = pytest.importorskip("playwright.sync_api")
PASSWORD = "ett långt lösenord"
ACCOUNTS = {  # name: (role, association, names that must never show)
    "styrelse_sn": ("board", "Sydnärke", ("Västerås", "Norra Västmanland")),
    "samordnare_va": ("coordinator", "Västerås", ("Sydnärke", "Norra Västmanland", "Kumla")),
}


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    from test_import import csv_bytes

    from finsam.write import sharing
    from finsam.write.importer import import_file

    tmp = tmp_path_factory.mktemp("roles")
    path = tmp / "real.duckdb"
    shutil.copy(demo_db, path)
    rows = [[f"V-{i}", "Västerås", "Samordningsteam Västerås", "Västerås", "kvinna", "1980", "FK", "", "2020-02-01",
             "", "", "", ""] for i in range(3)]
    assert import_file(path, "vasteras.csv", csv_bytes(rows)).written
    # none of them shares its key figures with the others (what sharing shows: tests/test_compare*.py)
    sharing.set_sharing(path, ["Sydnärke", "Västerås", "Norra Västmanland"], False)
    users = tmp / "users.toml"
    h = PasswordHasher().hash(PASSWORD)
    entries = {name: {"password_hash": h, "role": role, "association": assoc}
               for name, (role, assoc, _) in ACCOUNTS.items()}
    entries["lasare"] = {"password_hash": h, "role": "reader"}
    entries["samordnare_sn"] = {"password_hash": h, "role": "coordinator", "association": "Sydnärke"}
    auth.write_users(entries, users)
    with streamlit_server(path, env={"FINSAM_AUTH": "local", "FINSAM_USERS": str(users)}) as url:
        yield url


def signed_in(browser, url: str, name: str):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.goto(url)
    pg.wait_for_selector("form.finsam-login")
    pg.get_by_label("Användarnamn").fill(name)
    pg.get_by_label("Lösenord").fill(PASSWORD)
    pg.get_by_role("button", name="Logga in", exact=True).click()
    pg.wait_for_selector('[data-testid="stSidebar"]')
    return context, pg


def settle(pg) -> None:
    wait_for_app(pg, '[data-testid="stMain"] h1')


@pytest.mark.parametrize("name", list(ACCOUNTS))
def test_no_page_shows_another_associations_name(server, browser, name):
    _role, _assoc, foreign = ACCOUNTS[name]
    context, pg = signed_in(browser, server, name)
    try:
        for _path, _key, url_path, _icon in PAGES:
            pg.goto(f"{server}/{'' if url_path == PAGES[0][2] else url_path}")  # the first page is the root
            settle(pg)
            text = pg.inner_text("body")
            assert "Traceback" not in text, url_path
            for other in foreign:
                assert other not in text, (url_path, other)
        pg.goto(f"{server}/kallor")
        settle(pg)
        with pg.expect_download() as dl:
            pg.get_by_role("button", name="Ladda ner tabellen (CSV för Excel)").click()
        csv = open(dl.value.path(), encoding="utf-8-sig").read()
        assert csv.count("\n") > 10
        for other in foreign:
            assert other not in csv, other
    finally:
        context.close()


def test_a_board_member_sees_no_protected_key_figure(server, browser):
    """Sydnärke's 6-month retention in 2024 is protected (45 of 47 kept): Översikt and Presentation show
    neither it nor a change computed from it (main printed '2024: 96 %' and '-14 %-enh. mot 2024')."""
    context, pg = signed_in(browser, server, "styrelse_sn")
    try:
        pg.goto(f"{server}/?forbund={quote('Sydnärke')}&ar=2024&ar=2025")
        wait_for_app(pg)
        cards = pg.locator('[data-testid="stMetric"]')
        retained = next(cards.nth(i).inner_text() for i in range(cards.count()) if "6 mån" in cards.nth(i).inner_text())
        assert "mot 2024" not in retained and "81" in retained
        pg.goto(f"{server}/presentation?forbund={quote('Sydnärke')}&ar=2024&ar=2025")
        settle(pg)
        text = pg.inner_text("body")
        assert "96" not in text.replace("1996", "")
    finally:
        context.close()


def test_a_reader_sees_published_figures_and_nothing_computed(server, browser):
    context, pg = signed_in(browser, server, "lasare")
    try:
        pg.goto(server)  # a reader's first (and main) page is Källor
        settle(pg)
        assert pg.locator("h1").first.inner_text() == "Källor"
        with pg.expect_download() as dl:
            pg.get_by_role("button", name="Ladda ner tabellen (CSV för Excel)").click()
        lines = open(dl.value.path(), encoding="utf-8-sig").read().splitlines()
        header = lines[0].split(";")
        computed = next(i for i, h in enumerate(header) if "eräkn" in h)
        assert len(lines) > 100 and all(row.split(";")[computed] in ("", "..", "–") for row in lines[1:])  # none computed
    finally:
        context.close()


def download(pg, button) -> str:
    """The file a download button gives; a click that lands while the page is still rerunning (the button
    being drawn anew) is lost in the browser, so it is tried once more after the page has settled."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(2):
        try:
            with pg.expect_download(timeout=20_000) as dl:
                button.click()
            return dl.value.path()
        except PlaywrightTimeout:
            if attempt:
                raise
            settle(pg)


def test_every_table_download_of_a_board_member_holds_only_her_association(server, browser):
    """The CSV behind every chart of every page (what a board member takes to Excel): nothing of another
    association, and no count from 1 to 4 in a column of counts."""
    _role, _assoc, foreign = ACCOUNTS["styrelse_sn"]
    context, pg = signed_in(browser, server, "styrelse_sn")
    downloads = 0
    try:
        for _path, _key, url_path, _icon in PAGES:
            if url_path in ("presentation", "tillganglighet", "importera", "styrelseunderlag", "mal"):
                continue
            first = url_path == PAGES[0][2]  # the first page is served at the root
            pg.goto(f"{server}/{'' if first else url_path}?forbund={quote('Sydnärke')}")
            settle(pg)
            for summary in pg.locator('[data-testid="stExpander"] summary').all():
                summary.click()
            buttons = pg.get_by_role("button", name="Ladda ner tabellen (CSV för Excel)")
            for i in range(buttons.count()):
                lines = open(download(pg, buttons.nth(i)), encoding="utf-8-sig").read().splitlines()
                downloads += 1
                settle(pg)  # a protected download reruns the page; the next button's file is the new run's
                for other in foreign:
                    assert not any(other in line for line in lines), (url_path, other)
                header = lines[0].split(";")
                counts = [j for j, h in enumerate(header) if h in ("Deltagare", "Nya", "Avslutade", "Antal")]
                for line in lines[1:]:
                    cells = line.split(";")
                    assert not any(cells[j] in ("1", "2", "3", "4") for j in counts if j < len(cells)), (url_path, line)
        assert downloads >= 10, downloads
    finally:
        context.close()
