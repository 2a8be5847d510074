"""Jämför in Chromium on a small generated national database (issue 27): a board member signed in with a real
local account sees her association highlighted and named among the sharing associations on every key figure,
with the median and the middle half; the associations that do not share appear nowhere; axe finds nothing."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from browser import streamlit_server, wait_for_app
from finsam.access import ADMIN
from finsam.data import db
from finsam.query import comparison as c
from finsam.web import auth
from test_accessibility import violations
from test_compare import national  # noqa: F401 (the fixture)

playwright = pytest.importorskip("playwright.sync_api")
PASSWORD = "ett långt lösenord"
YEAR = 2025  # the page opens on the selection's last year


def test_a_board_member_sees_her_association_among_those_that_share(national, browser, tmp_path):  # noqa: F811
    con = db.connect(national, read_only=True)
    try:
        kf = c.shared_key_figures(con, ADMIN, None, (YEAR, YEAR))
        own = sorted(kf.dropna(subset=list(c.MEASURES)).association_id)[0]  # one with every key figure shown
        long, stats = c.comparison(con, ADMIN, own, YEAR)
        closed = list(c.sharing(con).query("not shares").association_id)
    finally:
        con.close()
    users = tmp_path / "users.toml"
    auth.write_users({"styrelse": {"password_hash": PasswordHasher().hash(PASSWORD), "role": "board",
                                   "association": own}}, users)
    with streamlit_server(national, env={"FINSAM_AUTH": "local", "FINSAM_USERS": str(users)}) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        pg = context.new_page()
        try:
            pg.goto(f"{url}/jamfor")  # signed in there, she stays there
            pg.wait_for_selector("form.finsam-login")
            pg.get_by_label("Användarnamn").fill("styrelse")
            pg.get_by_label("Lösenord").fill(PASSWORD)
            pg.get_by_role("button", name="Logga in", exact=True).click()
            wait_for_app(pg)
            pg.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot').length >= {len(c.MEASURES) + 1}",
                                 timeout=60_000)
            charts = pg.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => ({
                title: p.layout.title.text, traces: p.data.map(t => ({name: t.name, points: (t.x || []).length}))}))""")
            text = pg.inner_text('[data-testid="stMain"]')
            found = violations(pg, "jamfor")
        finally:
            context.close()
    mine = f"{own} (ert förbund)"
    ranked = charts[:len(c.MEASURES)]
    for measure, chart in zip(c.MEASURES, ranked):
        names = {t["name"]: t["points"] for t in chart["traces"]}
        assert names.get(mine) == 1, (measure, names)
        assert {"Median", "Mittersta hälften"} <= set(names), (measure, names)
        shown = int(stats[stats.measure == measure].associations.iloc[0])
        assert names["Förbund som delar"] + 1 == shown, (measure, names)
    assert "Deltagare<br>" in ranked[0]["title"] and "över tid" in charts[len(c.MEASURES)]["title"]
    assert "Diagrammet i text: Till arbete eller studier" in text and mine in text
    for other in closed:
        assert other not in text, other
    assert set(long.association_id) & set(closed) == set()
    assert found == []
