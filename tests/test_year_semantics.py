"""Year semantics of the query layer, on hand-made records whose figures are known by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import insert_records, record
from finsam.data import aggregates
from finsam.query import queries as q

D = dt.date
F = q.Filters(associations=("Sydnärke",), interventions=("Samordningsteamet",))


@pytest.fixture()
def con(tiny):
    insert_records(tiny, [
        # started 2023, ended 2024 after 400 days: takes part 2023 and 2024, ended 2024
        record(person_id="A", start_date=D(2023, 6, 1), end_date=D(2024, 7, 5), exit_reason="arbete",
               has_positive_step=True, followup_6m="behallit", assignment="arbetstraning"),
        # new and ended in 2024 (100 days)
        record(person_id="B", gender="man", municipality_code="1860", referral_source="Soc",
               start_date=D(2024, 2, 1), end_date=D(2024, 5, 11), exit_reason="avbrott", has_positive_step=False,
               assignment="kartlaggning"),
        # new 2024, ongoing through 2025
        record(person_id="C", start_date=D(2024, 11, 1)),
        # ended on 1 January 2025: takes part in 2025 too
        record(person_id="D", start_date=D(2024, 3, 1), end_date=D(2025, 1, 1), exit_reason="studier",
               has_positive_step=True, followup_6m="ej_svar"),
        # the same person A again in 2025
        record(person_id="A", start_date=D(2025, 2, 1)),
    ])
    tiny.execute("INSERT INTO anonymous_participants VALUES ('Sydnärke', 'Samordningsteamet', 2024, 'kvinna', 2, false)")
    aggregates.refresh_aggregates(tiny)
    return tiny


def test_flow(con):
    flow = q.participant_flow(con, F).set_index("year")
    assert flow.loc[2023, ["participations", "new", "ended", "ongoing"]].tolist() == [1, 1, 0, 1]
    assert flow.loc[2024, ["participations", "new", "ended", "ongoing", "anonymous", "participants_total"]].tolist() \
        == [4, 3, 2, 2, 2, 6]
    assert flow.loc[2025, ["participations", "new", "ended", "ongoing"]].tolist() == [3, 1, 1, 2]
    assert q.unique_persons(con, F).set_index("year").loc[2025, "persons"] == 3


def test_years_stop_at_the_interventions_last_year(con):
    assert set(q.participant_flow(con, F).year) == {2021, 2022, 2023, 2024, 2025}
    assert q.participant_flow(con, F).set_index("year").loc[2021, "participations"] == 0


def test_persons_count_a_person_once(con):
    con.execute("UPDATE intervention SET first_year = 2023, last_year = 2025")
    aggregates.refresh_aggregates(con)
    allyears = q.unique_persons(con, q.Filters(associations=("Sydnärke",), years=(2025, 2025)))
    assert allyears.persons.tolist() == [3]


def test_time_in_intervention_is_over_the_years_ended(con):
    t = q.time_in_intervention(con, F).set_index("year")
    assert t.loc[2024, "ended"] == 2
    assert t.loc[2024, "mean_days"] == pytest.approx((400 + 100) / 2)
    assert t.loc[2024, "median_days"] == pytest.approx(250)
    assert t.loc[2024, "mean_months"] == pytest.approx(250 / 30)
    assert t.loc[2025, "mean_days"] == 306


def test_gender_split_includes_anonymous_unless_filtered_by_municipality(con):
    g = q.gender_split(con, F.with_years(2024, 2024)).set_index("gender")
    assert g.loc["kvinna", ["registered", "anonymous", "participants"]].tolist() == [3, 2, 5]
    assert g.loc["man", "participants"] == 1
    assert g.share_pct.sum() == pytest.approx(100)
    kumla = q.gender_split(con, q.Filters(municipalities=("1881",), years=(2024, 2024))).set_index("gender")
    assert kumla.loc["kvinna", "anonymous"] == 0 and kumla.loc["kvinna", "participants"] == 3


def test_exit_reasons_positive_steps_and_followup(con):
    ex = q.exit_reasons(con, F.with_years(2024, 2024)).set_index("exit_reason")
    assert ex.ended.to_dict() == {"arbete": 1, "avbrott": 1}
    ps = q.positive_steps(con, F).set_index("year")
    assert ps.loc[2024, "share_pct"] == 50 and ps.loc[2025, "share_pct"] == 100
    fu = q.followup(con, F).set_index(["year", "horizon"])
    assert fu.loc[(2024, "6m"), ["kept", "not_kept", "due"]].tolist() == [1, 0, 1]
    assert fu.loc[(2024, "6m"), "retained_share_pct"] == 100
    assert fu.loc[(2025, "6m"), "response_rate_pct"] == 0


def test_filters_are_parameters_not_sql(con):
    evil = q.Filters(municipalities=("1881' OR '1'='1",))
    assert q.participant_flow(con, evil).participations.sum() == 0


def test_municipality_split_has_every_member_and_population_share(con):
    m = q.municipality_split(con, F.with_years(2024, 2024)).set_index("municipality_name")
    assert set(m.index) == {"Askersund", "Hallsberg", "Kumla", "Laxå"}
    assert m.loc["Kumla", "participations"] == 3 and m.loc["Laxå", "participations"] == 1
    assert m.loc["Askersund", "participations"] == 0
    assert m.loc["Kumla", "population_share_pct"] == 40
    assert m.share_pct.sum() == pytest.approx(100)
