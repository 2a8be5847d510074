"""Accessibility (WCAG 2.1 AA, README "Tillgänglighet"): axe-core on every page as users meet it (the real
server in Chromium: the demo, signed in, presentation mode, the sign-in form), a board member's path with
the keyboard only, the palettes under simulated colour-vision deficiencies, and the exports' metadata."""
from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from argon2 import PasswordHasher

from browser import streamlit_server, wait_for_app
from finsam.web import app, auth
from finsam.present import chart_text, outcome_charts, participant_charts, referral_charts
from finsam import colors
from finsam.labels import number, t

playwright = pytest.importorskip("playwright.sync_api")
SN = quote("Sydnärke")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "ett långt lösenord"
URLS = [url for _path, _key, url, _icon in app.PAGES]
LANG_PARAM = {"sv": "Svenska", "en": "English"}  # the language radio is bound to the URL by its label


def settle(pg) -> None:
    wait_for_app(pg, "h1", timeout=90_000)
    pg.wait_for_timeout(300)


def violations(pg, where: str) -> list[str]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page, one line per rule with the first elements."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(pg, options={"runOnly": {"type": "tag", "values": TAGS}})
    return [f"{where}: {v['id']} ({len(v['nodes'])}) {[n['target'] for n in v['nodes'][:2]]} "
            f"{v['nodes'][0]['failureSummary'][:160]!r}" for v in result.response["violations"]]


def test_axe_finds_nothing_on_any_page_in_either_language_nor_in_presentation(app_url, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    pg = context.new_page()
    found = []
    for lang in ("sv", "en"):
        for url in URLS:
            pg.goto(f"{app_url}/{url}?forbund={SN}&lang={LANG_PARAM[lang]}")
            settle(pg)
            assert pg.evaluate("document.documentElement.lang") == lang
            found += violations(pg, f"{lang}/{url or 'oversikt'}")
            # a page that failed is no accessible page (Enkäter in English once did, with no axe violation)
            failed = pg.locator('[data-testid="stAlertContentError"], [data-testid="stException"]')
            found += [f"{lang}/{url or 'oversikt'}: {failed.first.inner_text()}"] if failed.count() else []
    pg.goto(f"{app_url}/presentation?forbund={SN}&ar=2024&ar=2024")
    settle(pg)
    for step in range(3):  # the key figures, then chart screens
        pg.keyboard.press("ArrowRight")
        pg.wait_for_function(f"() => document.body.innerText.includes('{step + 2} / ')", timeout=30_000)
        settle(pg)
        found += violations(pg, f"presentation screen {step + 2}")
    context.close()
    assert not found, "\n".join(found)


@pytest.fixture()
def board_users(tmp_path):
    path = tmp_path / "users.toml"
    auth.write_users({"bo": {"password_hash": PasswordHasher().hash(PASSWORD), "role": "board",
                             "association": "Sydnärke"}}, path)
    return path


def test_axe_finds_nothing_on_the_sign_in_form_the_statement_and_the_pages_signed_in(demo_db, browser, board_users):
    with streamlit_server(demo_db, env={"FINSAM_AUTH": "local", "FINSAM_USERS": str(board_users),
                                        "FINSAM_ACCESSIBILITY_CONTACT": "tillganglighet@example.se"}) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        pg = context.new_page()
        found = []
        for lang, user, password in (("en", "User name", "Password"), ("sv", "Användarnamn", "Lösenord")):
            pg.goto(f"{url}/?lang={LANG_PARAM[lang]}")
            pg.wait_for_selector("form.finsam-login")
            settle(pg)
            found += violations(pg, f"sign-in form {lang}")
            # every field has its label (WCAG 1.3.1, 4.1.2): found by the label's words
            assert pg.get_by_label(user, exact=True).count() == 1 and pg.get_by_label(password, exact=True).count() == 1
        # the statement is reachable before sign-in, by the link on the form
        pg.get_by_role("link", name="Tillgänglighet").click()
        pg.wait_for_selector("h1:has-text('Tillgänglighetsredogörelse')")
        settle(pg)
        assert "tillganglighet@example.se" in pg.inner_text("body")
        assert "Innehåll som inte är tillgängligt" in pg.inner_text("body")
        found += violations(pg, "statement before sign-in")
        pg.goto(f"{url}/?lang=Svenska")
        pg.wait_for_selector("form.finsam-login")
        pg.get_by_label("Användarnamn").fill("bo")
        pg.get_by_label("Lösenord").fill(PASSWORD)
        pg.get_by_role("button", name="Logga in", exact=True).click()
        settle(pg)
        shown = pg.locator('[data-testid="stSidebarNav"] a').count()
        assert shown >= 10  # every page the board may open is listed (expanded: no "more" button)
        for page_url in URLS:
            pg.goto(f"{url}/{page_url}?lang=Svenska")
            settle(pg)
            found += violations(pg, f"signed in/{page_url or 'oversikt'}")
        context.close()
    assert not found, "\n".join(found)


def tab_to(pg, test: str, limit: int = 150) -> None:
    """Press Tab until the focused element passes the JS test (given `e`, the active element)."""
    for _ in range(limit):
        pg.keyboard.press("Tab")
        if pg.evaluate(f"() => {{ const e = document.activeElement; return !!(e && ({test})); }}"):
            return
    raise AssertionError(f"Tab never reached an element with {test}")


FOCUS_RING = """() => {
    const hidden = e => { for (let a = e; a; a = a.parentElement) { const r = a.getBoundingClientRect(),
        s = getComputedStyle(a); if ((r.width <= 1 || r.height <= 1) && (s.overflow !== 'visible'
        || s.clipPath !== 'none')) return true; } return false; };
    let e = document.activeElement;
    for (let i = 0; e && i < 4; i++, e = e.parentElement) {
        const s = getComputedStyle(e);
        const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
        if (ring && !hidden(e)) return true; }
    return false; }"""  # a ring on the element or a control around it that is itself drawn (not 1 px, clipped)


def focus_is_visible(pg) -> bool:
    """The focused element (or the control around it) draws an outline or a ring (given a moment: the
    page may still be drawing its styles)."""
    try:
        pg.wait_for_function(FOCUS_RING, timeout=5_000)
        return True
    except playwright.TimeoutError:
        print("no focus ring on", pg.evaluate("() => { const e = document.activeElement, s = getComputedStyle(e);"
                                              " return [e.outerHTML.slice(0, 200), s.outline, s.boxShadow]; }"))
        return False


def test_a_board_member_gets_through_with_the_keyboard_only(app_url, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.goto(f"{app_url}/")
    settle(pg)
    # open a page: Tab to the sidebar's link to Kön, Enter
    tab_to(pg, "e.tagName === 'A' && e.innerText.trim().endsWith('Kön')")
    assert focus_is_visible(pg)
    pg.keyboard.press("Enter")
    pg.wait_for_selector("h1:has-text('Kön')")
    settle(pg)
    # choose an association: Tab to the multiselect, type, Enter
    tab_to(pg, "e.tagName === 'INPUT' && e.closest('[data-testid=stMultiSelect]')"
               " && e.closest('[data-testid=stMultiSelect]').innerText.includes('Förbund')")
    assert focus_is_visible(pg)
    pg.keyboard.type("Sydn")
    pg.keyboard.press("Enter")
    pg.keyboard.press("Escape")
    pg.wait_for_function("() => location.search.includes('forbund=Sydn')", timeout=30_000)
    settle(pg)
    # choose a year: Tab to the slider's first thumb, End moves it onto the last year
    tab_to(pg, "e.closest('[data-testid=stSlider]') && (e.getAttribute('aria-label') || '').includes('start')")
    assert focus_is_visible(pg)
    last = pg.evaluate("document.activeElement.max || document.activeElement.getAttribute('aria-valuemax')")
    pg.keyboard.press("End")
    pg.wait_for_function(f"() => new URLSearchParams(location.search).getAll('ar')[0] === '{last}'", timeout=30_000)
    settle(pg)
    assert f"Sydnärke · {last}" in pg.inner_text("h1 ~ div, [data-testid=stMain]")
    # open a chart's table: Tab to the expander, Enter
    tab_to(pg, "e.tagName === 'SUMMARY' && e.innerText.includes('Visa tabellen')")
    assert focus_is_visible(pg)
    pg.keyboard.press("Enter")
    pg.wait_for_selector('[data-testid="stExpanderDetails"] [data-testid="stDataFrame"]')
    # download it: Tab to the CSV button, Enter
    tab_to(pg, "e.tagName === 'BUTTON' && e.innerText.includes('CSV för Excel')")
    assert focus_is_visible(pg)
    with pg.expect_download() as download:
        pg.keyboard.press("Enter")
    saved = tmp_path / "table.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "Kön" in text and last in text
    # the chart's download as an image is a button too (the modebar's camera needs no mouse either)
    tab_to(pg, "e.tagName === 'BUTTON' && e.innerText.includes('PNG')")
    # start the presentation: the sidebar link, by Shift+Tab back up to it
    for _ in range(200):
        pg.keyboard.press("Shift+Tab")
        if pg.evaluate("() => document.activeElement.innerText && document.activeElement.tagName === 'A'"
                       " && document.activeElement.innerText.trim().endsWith('Presentation')"):
            break
    else:
        raise AssertionError("Shift+Tab never reached the link to Presentation")
    pg.keyboard.press("Enter")
    pg.wait_for_function("() => document.body.innerText.includes('1 / ')", timeout=60_000)
    settle(pg)
    headings = [pg.locator("h1").first.inner_text()]
    for step in (2, 3):
        pg.keyboard.press("ArrowRight")
        pg.wait_for_function(f"() => document.body.innerText.includes('{step} / ')", timeout=30_000)
        settle(pg)
        headings.append(pg.locator("h1").first.inner_text())
    assert len(set(headings)) == 3
    pg.keyboard.press("ArrowLeft")
    pg.wait_for_function("() => document.body.innerText.includes('2 / ')", timeout=30_000)
    tab_to(pg, "e.tagName === 'BUTTON' && e.innerText.includes('Nästa')")
    assert focus_is_visible(pg)
    pg.keyboard.press("Enter")
    pg.wait_for_function("() => document.body.innerText.includes('3 / ')", timeout=30_000)
    pg.keyboard.press("Escape")
    pg.wait_for_selector("h1:has-text('Översikt')", timeout=60_000)
    context.close()


# --- colour -------------------------------------------------------------------------------------------

PALETTES = {"gender": list(colors.GENDER.values()), "flow": list(colors.FLOW.values()),
            "followup": list(colors.FOLLOWUP.values()), "association": list(colors.ASSOCIATION.values()),
            "exit": list(colors.EXIT.values()), "series": colors.SERIES, "years": colors.YEARS,
            "assignment": list(colors.ASSIGNMENT.values())}
for _pattern in colors.PATTERNS:  # referral sources: colours apart within each fill pattern
    _group = [colors.REFERRAL[c] for c in colors._REF_CODES if colors.REFERRAL_PATTERN[c] == _pattern]
    if len(_group) > 1:
        PALETTES[f"referral{_pattern or '-plain'}"] = _group


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_every_palette_stays_apart_under_simulated_colour_vision_deficiencies(name):
    distances = colors.cvd_distance(PALETTES[name])
    assert set(distances) == {"normal", "deuteranomaly", "protanomaly", "tritanomaly"}
    assert min(distances.values()) >= colors.MIN_DISTANCE, distances


def test_the_check_would_catch_a_red_green_pair():
    distances = colors.cvd_distance(["#D62728", "#2CA02C"])  # plotly's red and green: apart, until deuteranopia
    assert distances["normal"] > 30 and distances["deuteranomaly"] < colors.MIN_DISTANCE


def test_no_two_referral_sources_look_the_same_and_text_on_every_bar_reads():
    seen = {(colors.REFERRAL[c], colors.REFERRAL_PATTERN[c]) for c in colors._REF_CODES}
    assert len(seen) == len(colors._REF_CODES)
    every = {c for palette in PALETTES.values() for c in palette} | set(colors.REFERRAL.values())
    for colour in every:
        assert colors.contrast(colour, colors.text_on(colour)) >= 4.5, colour
    assert round(colors.contrast("#777777", "#FFFFFF"), 2) == 4.48  # WCAG's own example of a near miss


def test_a_chart_says_what_it_shows_and_its_n(demo_con):
    import pandas as pd

    from finsam.query import queries as q
    from finsam.privacy import Protection

    f = q.Filters(years=(2023, 2024), associations=("Sydnärke",))
    df = q.run(demo_con, "referral_split", f, Protection(enabled=True, threshold=5))
    labels = {"FK": "Försäkringskassan"}
    fig = referral_charts.referrals(df, labels, "sv", "Sydnärke · 2023–2024")
    words = chart_text.summary(fig, "sv", df)
    last = df[df.year == 2024].participations
    n = ".." if last.isna().any() else number(last.sum(), 0, "sv")  # a hidden cell hides the total too
    assert words.startswith(t("t_referrals", "sv")) and "Försäkringskassan" in words
    assert f"n = {n} (2024)" in words
    shown = df[(df.year == 2024) & df.participations.notna()]
    assert all(f"{labels.get(c, c)} " in words for c in shown.referral_source)
    bar = next(tr for tr in fig.data if tr.name == "Försäkringskassan")
    assert colors.contrast(bar.marker.color, bar.insidetextfont.color) >= 4.5
    assert isinstance(df, pd.DataFrame)


def _look(trace) -> tuple[str | None, str]:
    marker = trace.marker if trace.type == "bar" else None
    color = (marker.color if marker is not None else trace.line.color) or None
    style = (marker.pattern.shape or "") if marker is not None else (trace.line.dash or "solid")
    if trace.type == "bar" and marker.opacity is not None and marker.opacity < 1:
        style += f"@{marker.opacity}"
    return (color if isinstance(color, str) else None), style


@pytest.mark.parametrize("builder", ["referrals", "referral_trend", "exits", "municipalities", "gender", "flow"])
def test_the_series_of_a_real_chart_differ_by_more_than_colour_where_colour_is_too_close(demo_con, builder):
    """The charts as the pages build them from the demo database: any two series either look different
    in colour under every simulation (CAM02-UCS distance >= MIN_DISTANCE) or differ in pattern or dash."""
    import itertools

    from finsam.query import queries as q

    f = q.Filters(years=(2016, 2025), associations=("Sydnärke",))
    query, kwargs = {"referrals": ("referral_split", {}), "referral_trend": ("referral_split", {}),
                     "exits": ("exit_reasons", {}), "municipalities": ("municipality_split", {}),
                     "gender": ("gender_split", {}), "flow": ("participant_flow", {})}[builder]
    df = q.run(demo_con, query, f if builder != "municipalities" else f.with_years(2023, 2025), **kwargs)
    module = {"referrals": referral_charts, "referral_trend": referral_charts, "exits": outcome_charts}.get(builder,
                                                                                                       participant_charts)
    make = getattr(module, builder)
    fig = make(df, "sv", "x") if builder in ("flow", "municipalities") else make(df, {}, "sv", "x")
    looks = [_look(tr) for tr in fig.data if tr.type in ("bar", "scatter") and tr.showlegend is not False]
    assert len(looks) >= 2
    for (c1, s1), (c2, s2) in itertools.combinations(looks, 2):
        if s1 == s2 and c1 and c2:
            assert min(colors.cvd_distance([c1, c2]).values()) >= colors.MIN_DISTANCE, (builder, c1, c2, s1)


# --- exports ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pack(demo_db):
    from finsam.data import db
    from finsam.exports.pack import build
    from finsam.exports.selection import selection

    con = db.connect(demo_db, read_only=True)
    try:
        built = build(con, selection(con, "Sydnärke", 2024, 2023))
    finally:
        con.close()
    return built


def test_the_powerpoint_images_have_alt_text_and_tables_a_header_row(pack):
    from pptx import Presentation

    from finsam.exports.slides import to_pptx

    prs = Presentation(io.BytesIO(to_pptx(pack)))
    pictures = tables = 0
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.shape_type == 13:  # picture
                pictures += 1
                descr = shape._element.nvPicPr.cNvPr.get("descr")
                assert descr and slide.shapes.title.text in descr and len(descr) > 30
            if shape.has_table:
                tables += 1
                assert shape.table.first_row
                assert shape._element.graphic.graphicData.tbl.tblPr.get("firstRow") == "1"
    assert pictures >= 5 and tables >= 5


def _pdf_string(raw: bytes) -> str:
    if raw.startswith(b"<"):
        return bytes.fromhex(raw.strip(b"<>").decode()).decode("utf-16")
    return raw[1:-1].replace(b"\\(", b"(").replace(b"\\)", b")").decode("latin-1")


def test_the_pdf_has_a_title_the_language_and_a_bookmark_per_section(pack, tmp_path):
    """Read back as a reader's PDF viewer sees it: pdfinfo (poppler) for the title, the catalog for /Lang,
    the outline items (objects with /Parent and /Title) for the bookmarks, in order."""
    import re
    import subprocess

    from finsam.exports.pdf import to_pdf

    data = to_pdf(pack)
    path = tmp_path / "pack.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Title:\s+Styrelseunderlag Samordningsförbundet Sydnärke 2024", info, re.M), info
    catalog = next(body for body in re.findall(rb"obj\s*<<(.*?)>>\s*endobj", data, re.S) if b"/Type /Catalog" in body)
    assert b"/Lang (sv)" in catalog and b"/Outlines" in catalog
    marks = [_pdf_string(m.group(1)) for body in re.findall(rb"obj\s*<<(.*?)>>\s*endobj", data, re.S)
             if b"/Parent" in body and (m := re.search(rb"/Title (\(.*?\)|<[0-9a-fA-F]+>)\s*(?:/|$)", body, re.S))]
    assert marks == [s.title for s in pack.sections]
