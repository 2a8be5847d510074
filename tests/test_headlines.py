"""Översikt's headline figures reconcile with the annual report (issue 24, finding 4): where a selection
spans several interventions they stand side by side with the total, and the words say how the total
relates to what the report prints."""
from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from conftest import DATA, ROOT
from finsam.data import published
from finsam.present import headlines as words
from finsam.query import headlines, queries as q

PUBLISHED = published.read(DATA)


def split(con, association: str, year: int) -> tuple[pd.DataFrame, dict]:
    f = q.Filters(years=(year, year), associations=(association,))
    kf = q.run(con, "key_figures", f)
    return (headlines.split(q.run(con, "intervention_flow", f), PUBLISHED, year),
            {c: kf[c].iloc[0] for c in headlines.COUNTS} if len(kf) else {})


def test_sydnarke_2025_side_by_side_with_the_total_and_the_report(demo_con):
    s, total = split(demo_con, "Sydnärke", 2025)
    assert list(s.intervention_id) == ["Samordningsteamet", "Ciceron"]
    team = s.iloc[0]
    assert (team.participants_total, team.report_participants_total) == (173, 173)
    assert (team.report_new, team.report_ended) == (122, 86)
    for c in headlines.COUNTS:  # the total is the sum of the interventions
        assert s[c].sum() == total[c]
    text = words.words(s, total, 2025, "sv")
    assert "Totalen, 206 deltagare, är summan av insatserna" in text
    assert "Samordningsteamet 173 deltagare, 122 nya, 86 avslutade" in text
    table = words.table(s, total, "sv")
    assert list(table.iloc[-1][["Insats", "Deltagare", "Nya", "Avslutade"]]) == ["Totalt", "206", "156", "95"]


def test_no_hidden_intervention_can_be_worked_out_from_the_total(demo_con):
    for association in ("Sydnärke", "Norra Västmanland"):
        for year in range(2016, 2026):
            s, total = split(demo_con, association, year)
            if len(s) < 2:
                continue
            table = words.table(s, total, "sv")
            for c in headlines.COUNTS:
                assert s[c].isna().sum() != 1, (association, year, c)
                report = words.say("report", "sv").format(words.say(c, "sv"))
                if report in table:  # the report's figure is not printed beside a hidden one
                    hidden = table[words.say(c, "sv")] == ".."
                    assert (table.loc[hidden, report] == "..").all(), (association, year, c)


def test_the_overview_shows_the_split_and_says_how_it_relates_to_the_report(demo_db, monkeypatch):
    monkeypatch.setenv("FINSAM_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["forbund"], at.session_state["ar"] = ["Sydnärke"], (2024, 2025)
    at.run()
    assert not at.exception
    shown = next(d.value for d in at.dataframe if "Insats" in d.value.columns)
    assert list(shown["Insats"]) == ["Samordningsteamet", "Ciceron", "Totalt"]
    assert any("Årsrapporten redovisar insatserna var för sig" in c.value for c in at.caption)
    at.query_params["insats"] = "Samordningsteamet"  # one intervention: nothing to split
    at.run()
    assert not [d for d in at.dataframe if "Insats" in d.value.columns]
