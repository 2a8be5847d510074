"""Goals and goal attainment (måluppfyllelse): the reports' goals measured on the demo records against the
reports' verdicts, the pro-rata rule on hand-made records, the editor's validation and who may write."""
from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys

import pandas as pd
import pytest
from conftest import DATA, ROOT, insert_records, record

from finsam.data import db
from finsam.query import figures, goals, queries as q, reconcile
from finsam.access import ADMIN, Access, AccessDenied
from finsam.labels import SUPPRESSED
from finsam.privacy import OFF, Protection
from finsam.write import goal_edits

COORDINATOR = Access("coordinator", ("Sydnärke",), "samordnare")
BOARD = Access("board", ("Sydnärke",), "ledamot")
DEMO = Access("demo", None, "demo")


def by_id(att: pd.DataFrame) -> dict[str, dict]:
    return {r["goal_id"]: r for r in att.to_dict("records")}


def test_the_2016_goals_against_the_reports_verdicts(demo_con):
    """Sydnärke 2016 (001_): each measurable goal's outcome from the records and finsam's status beside the
    report's 'Resultatmålet för perioden har (delvis) uppnåtts'. Unprotected, as the reports print."""
    att = by_id(goals.attainment(demo_con, q.Filters(associations=("Sydnärke",)), 2016, OFF))
    mot = att["SN-2016-MOT-1"]  # "minst 50 individer under året": 63 took part
    assert (mot["indicator"], mot["comparison"], mot["target"], mot["outcome"], mot["status"]) == \
        ("participants", "at_least", 50.0, 63.0, "uppnått")
    fra = att["SN-2016-FRA-1"]  # "minst 7 går vidare till anställning eller studier": the report's 5 + 2
    assert fra["target"] == 7.0 and fra["status"] == "uppnått"
    # the records keep the result table's 'Egenförsörjning' 6 as work: 11 to work + 2 to studies
    assert fra["outcome"] == 13.0 and fra["outcome"] >= 5 + 2
    assert att["SN-2016-FOR-1"]["outcome"] == 64.0  # "64 % kom vidare"; 80 % was the goal
    assert att["SN-2016-FOR-1"]["status"] == "delvis uppnått"  # the report: "delvis uppnåtts"
    assert att["SN-2016-PAV-1"]["status"] == "uppnått"
    assert att["SN-2016-FRA-2"]["outcome"] == 27.0 and att["SN-2016-FRA-2"]["status"] == "delvis uppnått"
    ips = att["SN-2016-IPS-1"]  # a two-year goal the 2016 records cannot measure: the coordinator's status
    assert ips["indicator"] == "" and math.isnan(ips["outcome"]) and ips["status"] == "uppnått"
    assert att["SN-2016-HUN-1"]["outcome"] == 9.0 and att["SN-2016-HUN-1"]["status"] == "ej uppnått"
    # every goal the 2016 report states is there, with its source and section
    assert all(r["source_file"].startswith("001_") and r["section"] for r in att.values())
    assert list(goals.attainment(demo_con, q.Filters(), 2016, OFF).columns[:11]) == goals.ATTAINMENT_COLUMNS


def test_reconcile_compares_finsams_verdict_with_the_reports(demo_con):
    rec = reconcile.reconciliation(demo_con, DATA)
    g = rec[rec.measure.str.startswith("goal_")].set_index(["category", "measure"])
    assert (rec.status != "mismatch").all()
    assert g.loc[("SN-2016-MOT-1", "goal_status"), "status"] == "match"
    assert g.loc[("SN-2016-FOR-1", "goal_status"), ["value", "computed_value", "status"]].tolist() == [1.0, 1.0, "match"]
    assert g.loc[("SN-2016-FRA-1", "goal_status"), "status"] == "match"
    # where finsam's verdict differs from the report's, reconcile says so and why
    hun = g.loc[("SN-2016-HUN-1", "goal_status")]
    assert (hun.value, hun.computed_value, hun.status) == (2.0, 0.0, "conflict")
    assert g.loc[("SN-2016-FRA-1", "goal_outcome"), ["value", "computed_value", "status"]].tolist() == \
        [7.0, 13.0, "conflict"]
    assert g.loc[("SN-2025-ST-2", "goal_outcome"), "status"] == "match"  # 71 % printed, records 70,9 %


def test_figures_emit_target_outcome_and_attained_with_protection(demo_con):
    df = figures.compute(demo_con, q.Filters(associations=("Sydnärke",), years=(2016, 2016)), Protection())
    g = df[df.measure.str.startswith("goal_")].set_index(["category", "measure"]).value
    assert g[("SN-2016-MOT-1", "goal_target")] == 50.0 and g[("SN-2016-MOT-1", "goal_outcome")] == 63.0
    assert g[("SN-2016-MOT-1", "goal_attained")] == 1.0
    assert g[("SN-2016-FOR-1", "goal_attained")] == 0.0  # delvis is not attained
    assert g[("SN-2016-IPS-1", "goal_attained")] == ""  # not measurable: empty
    # Framsteget's outcome rests on 2 to studies: hidden with protection on, so not measurable either
    assert g[("SN-2016-FRA-1", "goal_outcome")] == SUPPRESSED
    assert g[("SN-2016-FRA-1", "goal_attained")] == ""


def test_judge_rule():
    assert goals.judge(50, "at_least", 50) == "uppnått"
    assert goals.judge(37.5, "at_least", 50) == "delvis uppnått"
    assert goals.judge(37.4, "at_least", 50) == "ej uppnått"
    assert goals.judge(100, "at_most", 100) == "uppnått"
    assert goals.judge(130, "at_most", 100) == "delvis uppnått"
    assert goals.judge(140, "at_most", 100) == "ej uppnått"
    assert goals.judge(45, "between", 40, 60) == "uppnått"
    assert goals.judge(35, "between", 40, 60) == "delvis uppnått"
    assert goals.judge(90, "between", 40, 60) == "ej uppnått"
    assert goals.judge(math.nan, "at_least", 5) == "ej mätbart"


@pytest.fixture()
def small(tmp_path):
    """A database file with hand-made 2025 records of Sydnärke's Samordningsteamet: six new by July, four
    of whom ended by then with a positive step (three) or not (one)."""
    path = tmp_path / "small.duckdb"
    con = db.init_database(path, DATA)
    recs = []
    for i in range(6):
        ended = i < 4
        recs.append(record(person_id=f"P-{i}", start_date=dt.date(2025, 1, 10 + i),
                           end_date=dt.date(2025, 5, 1) if ended else None,
                           exit_reason=("arbete" if i < 2 else "studier" if i == 2 else "avbrott") if ended else None,
                           has_positive_step=(i < 3) if ended else None))
    insert_records(con, recs)
    con.close()
    return path


def _goal(**kw) -> dict:
    base = {"goal_id": "", "association_id": "Sydnärke", "intervention_id": "Samordningsteamet", "first_year": 2025,
            "last_year": 2025, "text_sv": "Ett mål.", "indicator": "new", "comparison": "minst", "target": 10,
            "target_high": "", "set_status": "", "comment": "", "source_file": "", "section": ""}
    base.update(kw)
    return base


def test_pro_rata_during_the_year_on_hand_made_records(small):
    goal_edits.save(small, ADMIN, ("Sydnärke",), pd.DataFrame([
        _goal(goal_id="A", target=10),  # 6 new by 1 July: 10 x 182/365 = 4,99 so far -> i fas
        _goal(goal_id="B", target=20),  # 20 x 182/365 = 9,97 so far -> efter
        _goal(goal_id="C", indicator="exits_work_or_studies", target=4),  # 3 by July against 1,99 -> i fas
        _goal(goal_id="D", indicator="positive_step_share", target=80),  # a share is not scaled: 75 % < 80 %
        _goal(goal_id="E", indicator="ended", comparison="högst", target=4),  # at most 4 ended: 4 > 1,99 so far
    ]))
    con = db.connect(small, read_only=True)
    try:
        july = dt.date(2025, 7, 1)
        att = by_id(goals.attainment(con, q.Filters(), 2025, OFF, today=july))
        assert goals.year_share(2025, july) == pytest.approx(182 / 365)
        assert att["A"]["outcome"] == 6 and att["A"]["target_so_far"] == pytest.approx(10 * 182 / 365)
        assert (att["A"]["pace"], att["A"]["status"]) == ("i fas", "ej uppnått")  # 6 of the year's 10
        assert (att["B"]["pace"], att["B"]["status"]) == ("efter", "ej uppnått")
        assert (att["C"]["outcome"], att["C"]["pace"], att["C"]["status"]) == (3, "i fas", "delvis uppnått")
        assert (att["D"]["outcome"], att["D"]["target_so_far"], att["D"]["pace"]) == (75.0, 80.0, "efter")
        assert att["D"]["status"] == "delvis uppnått"
        assert (att["E"]["outcome"], att["E"]["pace"], att["E"]["status"]) == (4, "efter", "uppnått")
        # the year over: no pace, the status alone
        after = by_id(goals.attainment(con, q.Filters(), 2025, OFF, today=dt.date(2026, 2, 1)))
        assert after["A"]["pace"] == "" and math.isnan(after["A"]["target_so_far"])
        # protected, 3 to work or studies is too few to show: not measurable, and the comment says why
        prot = by_id(goals.attainment(con, q.Filters(), 2025, Protection(), today=july))
        assert math.isnan(prot["C"]["outcome"]) and prot["C"]["status"] == "ej mätbart"
        assert "för få" in prot["C"]["comment"]
        assert prot["A"]["outcome"] == 6
    finally:
        con.close()


def test_the_editors_validation_names_row_column_and_rule(small):
    rows = pd.DataFrame([
        _goal(text_sv=""),
        _goal(indicator="antal_fikor"),
        _goal(comparison="ungefär"),
        _goal(target="många"),
        _goal(indicator="women_share", target=140),
        _goal(comparison="mellan", target=60, target_high=40),
        _goal(intervention_id="Hemliga teamet"),
        _goal(first_year=2025, last_year=2024),
        _goal(indicator="", comparison="", target="", set_status="klart"),
        _goal(association_id="Västerås", intervention_id="Samordningsteam Västerås"),
        _goal(goal_id="X"), _goal(goal_id="X"),
    ])
    with pytest.raises(goal_edits.GoalError) as err:
        goal_edits.save(small, COORDINATOR, ("Sydnärke",), rows)
    p = err.value.problems
    assert "Rad 1, kolumn mål: målet behöver en text, som styrelsen skrev det." in p
    assert any(s.startswith("Rad 2, kolumn indikator: okänd indikator 'antal_fikor'") for s in p)
    assert any(s.startswith("Rad 3, kolumn jämförelse: 'ungefär' är ingen jämförelse") for s in p)
    assert "Rad 4, kolumn målvärde: 'många' är inget tal." in p
    assert "Rad 5, kolumn målvärde: 140 ligger utanför 0–100 %." in p
    assert "Rad 6, kolumn målvärde till: 40 är mindre än målvärdet 60." in p
    assert any(s.startswith("Rad 7, kolumn insats: insatsen 'Hemliga teamet' finns inte i Sydnärke") for s in p)
    assert "Rad 8, kolumn till år: 2024 är före från år 2025." in p
    assert any(s.startswith("Rad 9, kolumn status (ej mätbart mål): 'klart' är ingen status") for s in p)
    assert "Rad 10, kolumn förbund: du får bara ändra mål för Sydnärke." in p
    assert "Rad 12, kolumn mål-id: mål-id 'X' finns redan på en annan rad." in p
    con = db.connect(small, read_only=True)
    try:
        assert goals.goals(con).empty  # nothing was written
    finally:
        con.close()


def test_a_board_member_and_the_demo_cannot_save_a_coordinator_only_their_own(small):
    one = pd.DataFrame([_goal(goal_id="A")])
    for who in (BOARD, DEMO, Access("reader", None, "läsare")):
        with pytest.raises(AccessDenied):
            goal_edits.save(small, who, ("Sydnärke",), one)
    with pytest.raises(AccessDenied):
        goal_edits.save(small, COORDINATOR, ("Västerås",), pd.DataFrame([_goal(association_id="Västerås")]))
    assert goal_edits.save(small, COORDINATOR, ("Sydnärke",), one) == 1
    con = db.connect(small, read_only=True)
    try:
        assert goals.goals(con).goal_id.tolist() == ["A"]
    finally:
        con.close()
    # who changed a goal when: the audit log and a version that can be undone
    from finsam.data import audit
    from finsam.write import versions

    log = audit.entries(small)
    changed = log[log.apply(lambda r: "goal_changed" in r.astype(str).tolist(), axis=1)]
    assert len(changed) == 1 and COORDINATOR.user in changed.iloc[0].astype(str).tolist()
    assert [v for v in versions.history(small) if v["action"] == "goal_changed"][0]["user"] == COORDINATOR.user
    # change and remove: the table as saved is the association's goals
    assert goal_edits.save(small, COORDINATOR, ("Sydnärke",), pd.DataFrame([_goal(goal_id="B", target=3)])) == 1
    con = db.connect(small, read_only=True)
    try:
        g = goals.goals(con)
        assert g.goal_id.tolist() == ["B"] and g.target.tolist() == [3.0] and g.comparison.tolist() == ["at_least"]
    finally:
        con.close()


def test_the_template_reads_back_and_saves(small):
    for fmt, name in (("csv", "mal.csv"), ("xlsx", "mal.xlsx")):
        raw = goal_edits.read_template(name, goal_edits.template(fmt))
        assert goal_edits.save(small, ADMIN, ("Sydnärke",), raw) == 2
    con = db.connect(small, read_only=True)
    try:
        g = goals.goals(con).set_index("section")
        assert g.loc["Mål 1", "indicator"] == "participants" and g.loc["Mål 1", "target"] == 150.0
        assert g.loc["Mål 2", "set_status"] == "delvis uppnått" and g.loc["Mål 2", "intervention_id"] == "ALL"
    finally:
        con.close()
    with pytest.raises(goal_edits.GoalError, match="Kolumn hemligt: okänd rubrik"):
        goal_edits.read_template("x.csv", "mål;hemligt\nEtt mål;1\n".encode())


def test_the_goals_command(demo_db):
    out = subprocess.run([sys.executable, "-m", "finsam", "goals", "--db", str(demo_db), "--association", "Sydnärke",
                          "--year", "2016", "--no-suppress"], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    lines = out.splitlines()
    assert lines[0] == "year," + ",".join(goals.ATTAINMENT_COLUMNS) + ",pace"
    mot = next(line for line in lines if "SN-2016-MOT-1" in line)
    assert mot.startswith("2016,Sydnärke,Mottagningsteamet,SN-2016-MOT-1,") and ",participants,at_least,50,63,63,uppnått," in mot
    bad = subprocess.run([sys.executable, "-m", "finsam", "goals", "--db", str(demo_db), "--association", "Nowhere"],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "okänt förbund: Nowhere" in bad.stderr


def test_the_goals_page_in_the_browser_a_coordinator_imports_a_goal_a_board_member_only_reads(demo_db, browser,
                                                                                              tmp_path):
    """The real server, local accounts: the 2016 goals as the report judged them; a coordinator fills in the
    goals template and imports it, and the new goal is measured at once; a board member sees the goals and
    no editor."""
    import shutil
    from urllib.parse import quote

    from argon2 import PasswordHasher
    from browser import SCREENSHOTS, streamlit_server, wait_for_app

    from finsam.web import auth

    live = tmp_path / "finsam.duckdb"
    shutil.copy(demo_db, live)
    users = tmp_path / "users.toml"
    h = PasswordHasher()
    auth.write_users({"sam": {"password_hash": h.hash("ett långt lösenord"), "role": "coordinator",
                              "association": "Sydnärke"},
                      "bo": {"password_hash": h.hash("ett annat lösenord"), "role": "board", "association": "Sydnärke"}},
                     users)
    filled = tmp_path / "mina_mal.csv"
    filled.write_text("mål-id;förbund;insats;från år;mål;indikator;jämförelse;målvärde\n"
                      "SN-2025-NY;Sydnärke;Samordningsteamet;2025;Minst 100 nya deltagare under året.;new;minst;100\n",
                      encoding="utf-8-sig")
    con = db.connect(live, read_only=True)
    try:
        new_2025 = int(q.participant_flow(con, q.Filters(years=(2025, 2025), associations=("Sydnärke",),
                                                         interventions=("Samordningsteamet",))).new.iloc[0])
    finally:
        con.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def sign_in(pg, name, password):
        pg.wait_for_selector("form.finsam-login")
        pg.get_by_label("Användarnamn").fill(name)
        pg.get_by_label("Lösenord").fill(password)
        pg.get_by_role("button", name="Logga in", exact=True).click()

    with streamlit_server(live, env={"FINSAM_AUTH": "local", "FINSAM_USERS": str(users)}) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 1300})
        pg = context.new_page()
        pg.goto(f"{url}/mal?forbund={quote('Sydnärke')}&ar=2016&ar=2016")
        sign_in(pg, "sam", "ett långt lösenord")
        wait_for_app(pg, '[data-testid="stDataFrame"]')
        assert pg.locator("h1").first.inner_text() == "Mål"
        body = pg.inner_text("body")
        assert "Måluppfyllelse" in body and "Ändra mål" in body
        pg.screenshot(path=str(SCREENSHOTS / "mal_maluppfyllelse_2016.png"), full_page=True)
        # the editor is there for the coordinator, with the template to fill in and import
        assert pg.locator('[data-testid="stDataFrame"]').count() == 2  # the attainment table and the editor
        pg.get_by_text("Mall för mål").click()
        pg.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(filled))
        pg.get_by_role("button", name="Importera målen").click()
        pg.wait_for_selector('[data-testid="stAlertContentSuccess"]', timeout=60_000)
        assert "Sparat:" in pg.inner_text('[data-testid="stAlertContentSuccess"]')
        pg.goto(f"{url}/mal?forbund={quote('Sydnärke')}&ar=2025&ar=2025")
        wait_for_app(pg, '[data-testid="stDataFrame"]')
        context.close()

        con = db.connect(live, read_only=True)
        try:
            att = by_id(goals.attainment(con, q.Filters(associations=("Sydnärke",)), 2025, Protection()))
        finally:
            con.close()
        assert att["SN-2025-NY"]["outcome"] == new_2025
        assert att["SN-2025-NY"]["status"] == goals.judge(new_2025, "at_least", 100)
        con = db.connect(live, read_only=True)
        try:
            assert len(goals.goals(con, ("Sydnärke",))) == 14  # the 13 goals of the reports kept, one added
        finally:
            con.close()

        board = browser.new_context(viewport={"width": 1440, "height": 1300})
        pg = board.new_page()
        pg.goto(f"{url}/mal?forbund={quote('Sydnärke')}&ar=2025&ar=2025")
        sign_in(pg, "bo", "ett annat lösenord")
        wait_for_app(pg, '[data-testid="stDataFrame"]')
        body = pg.inner_text("body")
        assert "Målen ändras av förbundets samordnare och administratörer." in body
        assert "Spara målen" not in body and "Mall för mål" not in body
        assert pg.locator('[data-testid="stDataFrame"]').count() == 1  # the attainment table, no editor
        board.close()


def test_oversikt_marks_the_key_figure_a_goal_measures_and_the_presentation_shows_the_goals(demo_db, demo_con,
                                                                                            monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("FINSAM_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["forbund"] = ["Sydnärke"]
    at.session_state["insats"] = ["Mottagningsteamet"]
    at.session_state["ar"] = (2016, 2016)
    at.run()
    at.switch_page("pages/oversikt.py").run()
    assert not at.exception
    labels = {m.label: m.value for m in at.metric}
    assert labels["Deltagare · Mål: uppnått"] == "63"  # SN-2016-MOT-1: at least 50
    assert "Nya" in labels  # no goal measures the new

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["forbund"] = ["Sydnärke"]
    at.run()
    at.switch_page("pages/presentation.py").run()
    for _ in range(15):
        if at.title and at.title[0].value.startswith("Måluppfyllelse"):
            break
        at.button(key="presentation_next").click().run()
    year = at.session_state["_filters"].years[1]
    assert at.title[0].value == f"Måluppfyllelse {year}" and not at.exception
    expected = goals.attainment(demo_con, q.Filters(associations=("Sydnärke",)), year, Protection())
    shown = {m.label: m.value for m in at.metric}
    assert shown == {s: str((expected.status == s).sum()) for s in goals.STATUSES}
    table = at.dataframe[0].value
    assert len(table) == len(expected)
    st1 = table[table["Mål"].str.startswith("Minst 150")].iloc[0]
    assert (st1["Målvärde"], st1["Utfall"], st1["Status"]) == ("minst 150", "173", "uppnått")
