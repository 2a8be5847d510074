"""The demo database: invariants, named figures from the reports, determinism."""
from __future__ import annotations


from conftest import DATA, SEED
from finsam.query import figures, lookups, queries as q
from finsam.build.database import demo_records
from finsam.privacy import OFF

SN = q.Filters(associations=("Sydnärke",))
TEAM = q.Filters(associations=("Sydnärke",), interventions=("Samordningsteamet",))


def test_named_figures_sydnarke_2024(demo_con):
    f = TEAM.with_years(2024, 2024)
    assert q.participant_flow(demo_con, f).participants_total.tolist() == [145]
    m = q.municipality_split(demo_con, f).set_index("municipality_name")
    assert m.participations.to_dict() == {"Askersund": 31, "Hallsberg": 35, "Kumla": 63, "Laxå": 16}
    r = q.referral_split(demo_con, f).set_index("referral_source")
    assert r.loc["FK", "participations"] == 72 and r.loc["Soc", "participations"] == 36
    g = q.gender_split(demo_con, f).set_index("gender")
    assert round(g.loc["kvinna", "share_pct"]) == 60
    # "vår verksamhet" is all of Sydnärke's participants, Ciceron's four who ended that autumn included
    t = q.time_in_intervention(demo_con, q.Filters(associations=("Sydnärke",), years=(2024, 2024)))
    assert round(t.mean_days.iloc[0]) == 276 and round(t.mean_months.iloc[0], 1) == 9.2
    assert q.time_in_intervention(demo_con, f).mean_days.iloc[0] > 276
    assert round(q.positive_steps(demo_con, f).share_pct.iloc[0]) == 66


def test_named_figures_other_reports(demo_con):
    v = q.participant_flow(demo_con, q.Filters(associations=("Västerås",))).iloc[0]
    assert (v.participants_total, v.new, v.ended, v.ongoing) == (85, 47, 49, 36)
    nv = q.participant_flow(demo_con, q.Filters(associations=("Norra Västmanland",))).set_index("year")
    assert tuple(nv.loc[2022, ["participations", "new", "ended"]]) == (134, 64, 52)
    # 2021: the new starts the 2022 report prints in parentheses (68); exits as in 2022 (synthetic)
    assert tuple(nv.loc[2021, ["participations", "new", "ended"]]) == (122, 68, 52)
    assert nv.loc[2021, "ongoing"] == nv.loc[2022, "participations"] - nv.loc[2022, "new"]
    s16 = q.participant_flow(demo_con, SN.with_years(2016, 2016)).iloc[0]
    assert s16.participants_total == 208
    cic = q.referral_by_municipality(demo_con, q.Filters(associations=("Sydnärke",), interventions=("Ciceron",),
                                                         years=(2025, 2025)))
    assert cic.participations.sum() == 33


def test_parts_sum_to_totals(demo_con):
    f = q.Filters()
    by = ("association_id", "intervention_id")
    flow = q.participant_flow(demo_con, f, by).set_index(["association_id", "intervention_id", "year"])
    gender = q.gender_split(demo_con, f, by).groupby(["association_id", "intervention_id", "year"]).participants.sum()
    assert (gender == flow.participants_total.loc[gender.index]).all()
    munis = q.municipality_split(demo_con, f, by).groupby(["association_id", "intervention_id", "year"]).participations.sum()
    assert (munis == flow.participations.loc[munis.index]).all()
    refs = q.referral_split(demo_con, f, by).groupby(["association_id", "intervention_id", "year"]).participations.sum()
    assert (refs == flow.participations.loc[refs.index]).all()
    ex = q.exit_reasons(demo_con, f, by).groupby(["association_id", "intervention_id", "year"]).ended.sum()
    assert (ex == flow.ended.loc[ex.index]).all()
    assert (flow.participations == flow.ongoing + flow.ended).all()


def test_record_invariants(demo_con):
    bad = demo_con.execute("""
        SELECT count(*) FILTER (end_date < start_date),
               count(*) FILTER (end_date IS NULL AND exit_reason IS NOT NULL),
               count(*) FILTER (end_date IS NOT NULL AND exit_reason IS NULL),
               count(*) FILTER (NOT EXISTS (SELECT 1 FROM association_municipality am
                     WHERE am.association_id = p.association_id AND am.municipality_code = p.municipality_code))
        FROM participation p""").fetchone()
    assert bad == (0, 0, 0, 0)


def test_the_build_follows_every_figure_it_should(demo_con):
    from finsam.query import reconcile
    with_records = set(demo_con.execute("SELECT DISTINCT association_id, intervention_id FROM participation").fetchall())
    result = reconcile.reconcile(lookups.published_figures(demo_con), figures.compute(demo_con, protection=OFF),
                                 reconcile.read_conflicts(DATA), with_records)
    assert (result.status == "mismatch").sum() == 0, result[result.status == "mismatch"]
    assert (result.status == "match").sum() > 450


def test_reconcile_catches_a_wrong_figure(demo_con):
    from finsam.query import reconcile
    published = lookups.published_figures(demo_con)
    i = published.index[(published.measure == "municipality_count") & (published.category == "Kumla")
                        & (published.year == 2024) & (published.intervention == "Samordningsteamet")][0]
    published.loc[i, "value"] = 64
    with_records = set(demo_con.execute("SELECT DISTINCT association_id, intervention_id FROM participation").fetchall())
    result = reconcile.reconcile(published, figures.compute(demo_con, protection=OFF), reconcile.read_conflicts(DATA), with_records)
    assert result.loc[result.status == "mismatch", "category"].tolist() == ["Kumla"]


def test_build_is_deterministic():
    a, anon_a = demo_records(DATA, SEED)
    b, anon_b = demo_records(DATA, SEED)
    assert a.equals(b) and anon_a.equals(anon_b)


def test_demo_records_carry_no_personal_identity_numbers(demo_con):
    assert demo_con.execute("SELECT count(*) FROM participation WHERE regexp_matches(person_id, '\\d{6}')").fetchone()[0] == 0
    assert demo_con.execute("SELECT bool_and(is_demo) FROM participation").fetchone()[0]
