"""Browser tests of the board-meeting features, in headless Chromium: presentation mode stepped through by
the keyboard (arrows, a clicker's Page Down/Page Up, Esc) and by the buttons, the Styrelseunderlag page
making a pack and handing out the PDF and the PowerPoint, and a chart's PNG made on the click. Screenshots
go to tests/browser.SCREENSHOTS."""
from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

import pytest
from PIL import Image

from browser import SCREENSHOTS, wait_for_app
from finsam.present import images
from finsam.query import queries as q
from finsam.labels import t

playwright = pytest.importorskip("playwright.sync_api")

SN = quote("Sydnärke")
SELECTION = f"forbund={SN}&ar=2023&ar=2024"
IDLE = ("() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-script-state') === 'notRunning'")


@pytest.fixture()
def page(browser):
    """A projector's screen: 1920 x 1080."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="sv-SE", accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()


def settle(pg) -> None:
    """Wait until the script run a key or click started has finished (presentation mode hides the status
    widget that wait_for_app watches, so this reads the app's own state)."""
    pg.wait_for_timeout(300)
    pg.wait_for_function(IDLE, timeout=60_000)
    pg.wait_for_timeout(400)


def shot(pg, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=SCREENSHOTS / f"{name}.png")


def heading(pg) -> str:
    return pg.locator("h1").first.inner_text()


def no_error(pg) -> None:
    assert pg.locator('[data-testid="stException"]').count() == 0
    assert pg.locator('[data-testid="stAlertContentError"]').count() == 0


def test_presentation_mode_steps_through_by_keyboard_and_buttons(app_url, page, demo_con):
    page.goto(f"{app_url}/presentation?{SELECTION}")
    wait_for_app(page, '[data-testid="stMetric"]')
    settle(page)
    assert page.locator('[data-testid="stSidebar"]').is_hidden()  # no filter panel on the projector
    assert heading(page) == "Nyckeltal 2024" and "Sydnärke · 2023–2024" in page.inner_text("body")
    total = q.run(demo_con, "participant_flow", q.Filters(years=(2024, 2024), associations=("Sydnärke",)))
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == f"{total.participants_total.iloc[0]:.0f}"
    no_error(page)
    shot(page, "presentation_1_nyckeltal")

    steps = [("ArrowRight", "t_flow", "2_flode"), ("PageDown", "t_gender", "3_kon"),
             ("button", "t_municipalities", "4_kommuner"), ("ArrowRight", "t_referrals", "5_remittenter")]
    for action, title, name in steps:
        if action == "button":
            page.locator(".st-key-presentation_next button").click()
        else:
            page.keyboard.press(action)
        settle(page)
        assert heading(page) == t(title, "sv"), action
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=30_000)
        assert page.locator('[data-testid="stPlotlyChart"]').count() == 1
        no_error(page)
        shot(page, f"presentation_{name}")
    page.keyboard.press("ArrowLeft")
    settle(page)
    assert heading(page) == t("t_municipalities", "sv")
    page.keyboard.press("PageUp")
    settle(page)
    assert heading(page) == t("t_gender", "sv")
    page.locator(".st-key-presentation_previous button").click()
    settle(page)
    assert heading(page) == t("t_flow", "sv")

    page.keyboard.press("Escape")  # back to the dashboard, the selection kept
    page.wait_for_url(f"{app_url}/?*", timeout=30_000)
    wait_for_app(page)
    assert heading(page) == t("page_overview", "sv")
    assert page.locator('[data-testid="stSidebar"]').is_visible()
    assert "forbund=Sydn%C3%A4rke" in page.url


def test_the_board_pack_page_makes_a_pdf_and_a_powerpoint(app_url, page, tmp_path):
    """The pack as PDF and PowerPoint; beside them the annual report's chapter as Word, in the Word template
    uploaded on the page (its heading style, sv-SE throughout), and its tables as Excel (issue 25)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    template = Document()
    template.styles["Heading 1"].font.size = Pt(26)
    template.save(tmp_path / "var_mall.docx")
    page.goto(f"{app_url}/styrelseunderlag?{SELECTION}")
    wait_for_app(page, ".st-key-pack_make")
    body = page.inner_text("body")
    assert "Sydnärke" in body and "2024" in body and "2023" in body
    assert "Ingen mall" in body
    page.locator(".st-key-chapter_template input[type=file]").set_input_files(str(tmp_path / "var_mall.docx"))
    page.wait_for_function("() => document.body.innerText.includes('var_mall.docx används')", timeout=60_000)
    settle(page)
    page.locator(".st-key-pack_make button").click()
    page.wait_for_selector('[data-testid="stProgress"]', timeout=30_000)
    shot(page, "styrelseunderlag_1_skapas")
    page.wait_for_selector(".st-key-pack_pdf", timeout=180_000)
    settle(page)
    no_error(page)
    assert "Klart: styrelseunderlag för Samordningsförbundet Sydnärke 2024 jämfört med 2023" in page.inner_text("body")
    shot(page, "styrelseunderlag_2_klart")
    with page.expect_download() as pdf:
        page.locator(".st-key-pack_pdf button").click()
    assert pdf.value.suggested_filename == "styrelseunderlag_Sydnärke_2024.pdf"
    assert open(pdf.value.path(), "rb").read(5) == b"%PDF-"
    with page.expect_download() as pptx:
        page.locator(".st-key-pack_pptx button").click()
    with zipfile.ZipFile(pptx.value.path()) as z:
        assert "ppt/slides/slide10.xml" in z.namelist()
    with page.expect_download() as word:
        page.locator(".st-key-pack_docx button").click()
    assert word.value.suggested_filename == "arsrapport_Sydnärke_2024.docx"
    doc = Document(word.value.path())
    assert doc.styles["Heading 1"].font.size == Pt(26)  # the uploaded template's
    assert doc.paragraphs[0].text == "Statistik 2024 jämfört med 2023"
    assert {r.find(qn("w:rPr")).find(qn("w:lang")).get(qn("w:val")) for r in doc.element.body.iter(qn("w:r"))} \
        == {"sv-SE"}
    with page.expect_download() as excel:
        page.locator(".st-key-pack_xlsx button").click()
    assert excel.value.suggested_filename == "arsrapport_Sydnärke_2024.xlsx"
    with zipfile.ZipFile(excel.value.path()) as z:
        assert "xl/worksheets/sheet1.xml" in z.namelist()


def test_a_chart_offers_its_png_made_on_the_click(app_url, page):
    page.goto(f"{app_url}/kon?{SELECTION}")
    wait_for_app(page)
    with page.expect_download(timeout=120_000) as png:  # the server may be busy with other images
        page.locator(".st-key-download_png_gender button").click()
    assert png.value.suggested_filename == "finsam_gender.png"
    image = Image.open(io.BytesIO(open(png.value.path(), "rb").read()))
    assert image.size == (images.WIDTH * images.SCALE, images.HEIGHT * images.SCALE)
    page.get_by_text(t("show_table", "sv")).first.click()
    settle(page)  # a click during the rerun the table started can land on a button about to be replaced
    page.wait_for_selector(".st-key-download_xlsx_gender button", timeout=60_000)
    with page.expect_download(timeout=120_000) as workbook:
        page.locator(".st-key-download_xlsx_gender button").click()
    assert workbook.value.suggested_filename == "finsam_gender.xlsx"
    assert zipfile.is_zipfile(workbook.value.path())
    no_error(page)
    shot(page, "kon_nedladdningar")
