"""Money and voices: cost per participant from records and costs against the 2016 report's Tabell 8, and
every published survey share reproduced."""
from __future__ import annotations

import pytest

from finsam.query import lookups, queries as q
from finsam.privacy import OFF


def published(con, measure: str, section: str | None = None):
    df = lookups.published_figures(con)
    df = df[df.measure == measure]
    return df if section is None else df[df.section == section]


def test_cost_per_participant_equals_tabell_8(demo_con):
    economy = q.run(demo_con, "economy", q.Filters(associations=("Sydnärke",), years=(2016, 2016)), OFF)
    computed = economy.set_index("intervention_id").cost_per_participant_sek
    table8 = published(demo_con, "cost_per_participant_sek", "Tabell 8")
    assert len(table8) == 8  # Drop-outs' cost per participant "cannot be calculated" (no cost booked)
    for row in table8.itertuples():
        assert round(computed[row.intervention]) == row.value, row.intervention


def test_budget_deviation_and_totals(demo_con):
    economy = q.run(demo_con, "economy", q.Filters(associations=("Sydnärke",), years=(2016, 2016)), OFF,
                    by=("association_id",)).set_index("kind")
    assert economy.loc["individual", "granted_sek"] == 5_156_000
    assert economy.loc["structural", ["granted_sek", "used_sek", "deviation_sek"]].tolist() == [546_000, 446_709, 99_291]
    nv = q.run(demo_con, "economy", q.Filters(associations=("Norra Västmanland",)), OFF, by=("association_id",))
    assert nv.granted_sek.sum() == 5_521_000 and nv.used_sek.sum() == 5_289_000


def test_every_published_survey_share_is_reproduced(demo_con):
    nns = q.run(demo_con, "surveys", q.Filters(), OFF, survey="nns")
    shares = {(r.association_id, r.year, f"{r.timepoint}|{r.question}"): r.positive_share_pct
              for r in nns[nns.answer_group == "all"].itertuples()}
    pub = published(demo_con, "nns_positive_share")
    assert len(pub) == 20
    for row in pub.itertuples():
        assert shares[(row.association, row.year, row.category)] == row.value
    violence = q.run(demo_con, "surveys", q.Filters(), OFF, survey="violence")
    by_key = {(r.association_id, r.intervention_id, r.year, r.answer_group): r.positive_share_pct
              for r in violence.itertuples()}
    for row in published(demo_con, "violence_exposed_share").itertuples():
        if row.association == "Sverige":
            continue
        group = row.category or "all"
        assert by_key[(row.association, row.intervention, row.year, group)] == pytest.approx(row.value)


def test_survey_shares_over_fewer_than_five_respondents_are_hidden(demo_con):
    violence = q.run(demo_con, "surveys", q.Filters(associations=("Norra Västmanland",)), survey="violence")
    sura = violence[violence.intervention_id == "Samordningsteam Surahammar"]
    assert sura.respondents.tolist() == [5] and sura.positive_share_pct.tolist() == [80.0]
    fake = violence.assign(respondents=4)
    from finsam import privacy
    assert privacy.protect("surveys", fake, privacy.Protection()).positive_share_pct.isna().all()


def test_the_board_pack_has_the_economy_and_survey_sections(demo_con):
    from finsam.exports.pack import build
    from finsam.exports.selection import selection

    pack = build(demo_con, selection(demo_con, "Sydnärke", 2016))
    economy = next(s for s in pack.sections if s.key == "economy")
    row = economy.table[economy.table.Insats == "Mottagningsteamet"].iloc[0]
    assert row.iloc[5].replace("\u202f", " ") == "10 242"  # Tabell 8's cost per participant
    assert economy.image[:8] == b"\x89PNG\r\n\x1a\n"
    pack = build(demo_con, selection(demo_con, "Sydnärke", 2025, 2024))
    surveys = next(s for s in pack.sections if s.key == "surveys")
    assert "58" in surveys.sentence and (surveys.table["År"] == "2025").any()
