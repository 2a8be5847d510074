"""Charts honest by construction (issue 24, finding 6): the figures the chart builders return from real
query results on the demo database, as the pages and the pack draw them."""
from __future__ import annotations

import itertools
import json
import re

import pytest

from finsam import colors, privacy
from finsam.present import outcome_charts, participant_charts, referral_charts, survey_charts
from finsam.query import queries as q
from test_app import app  # noqa: F401  (the AppTest fixture: the dashboard on the demo database)

SYDNARKE = ("Sydnärke",)
HIDDEN, NOTE = "Dolt", "+ dolt (..)"  # the hidden parts of a bar, and the note on a bar whose hidden part is not drawn


def run(con, name: str, f: q.Filters, **kwargs):
    return q.run(con, name, f, privacy.Protection(), **kwargs)  # protected, as every view shows it


def lines(fig):
    return [tr for tr in fig.data if tr.type == "scatter" and "lines" in (tr.mode or "lines")]


def test_a_year_axis_keeps_the_years_without_data_and_the_total_line_stops_at_them(demo_con):
    f = q.Filters(years=(2016, 2025))  # every association: 2016, then 2020-2025
    flow = participant_charts.flow(run(demo_con, "participant_flow", f), "sv", "x")
    assert list(flow.layout.xaxis.categoryarray or ()) == [str(y) for y in range(2016, 2026)]  # 2017-2019 there, empty
    total = lines(flow)[0]
    at = dict(zip(total.x, total.y))
    assert all(at[y] is None for y in ("2017", "2018", "2019")) and at["2016"] == 208 and at["2020"] == 85
    assert not total.connectgaps  # ... so the line is broken there, not drawn across
    assert any("2017–2019" in a.text for a in flow.layout.annotations)
    trend = referral_charts.referral_trend(run(demo_con, "referral_split", f), {}, "sv", "x")
    assert all(len(tr.x) == 10 for tr in lines(trend))


def test_a_stacked_bar_with_hidden_parts_reaches_its_total_and_says_so(demo_con):
    f = q.Filters(years=(2024, 2025), associations=SYDNARKE)
    split = run(demo_con, "referral_split", f)
    flow = run(demo_con, "participant_flow", f).set_index("year")
    fig = referral_charts.referrals(split, {}, "sv", "x")
    for year in (2024, 2025):
        top = sum(tr.y[[str(v) for v in tr.x].index(str(year))] for tr in fig.data
                  if tr.type == "bar" and str(year) in [str(v) for v in tr.x])
        assert top == flow.loc[year, "participations"]  # 2025: 193 drawn + 13 hidden = 206, not 193
    hidden = next(tr for tr in fig.data if tr.name == HIDDEN)
    assert all(v >= 5 for v in hidden.y)  # a hidden sum privacy would publish as a count
    assert hidden.marker.pattern.shape == "x" and hidden.marker.pattern.bgcolor == "#FFFFFF"
    # the 100 % bars of exit reasons in the pack, whose hidden rows are left out before the chart is made
    exits = run(demo_con, "exit_reasons", q.Filters(years=(2016, 2025), associations=SYDNARKE))
    fig = outcome_charts.exits(exits.dropna(subset=["share_pct"]), {}, "sv", "x")
    for x in exits.year.astype(str).unique():
        top = sum(tr.y[[str(v) for v in tr.x].index(x)] for tr in fig.data if tr.type == "bar" and x in [str(v) for v in tr.x])
        assert top == pytest.approx(100)


def test_a_small_hidden_sum_is_not_drawn_the_bar_carries_a_note_instead(demo_con):
    # Ciceron 2025: 9 ended, 5 drawn; the other 4 are under the threshold, as a sum too
    f = q.Filters(years=(2024, 2025), associations=SYDNARKE, interventions=("Ciceron",))
    exits = run(demo_con, "exit_reasons", f)
    assert exits[exits.year == 2025].ended.isna().any()
    fig = outcome_charts.exits(exits, {}, "sv", "x")
    assert HIDDEN not in [tr.name for tr in fig.data]
    notes = [a for a in fig.layout.annotations if a.text == NOTE]
    assert {a.x for a in notes} >= {1}  # the second category: 2025
    data = json.dumps([{k: v for k, v in tr.to_plotly_json().items() if k in ("y", "text", "customdata")}
                       for tr in fig.data], default=str)
    assert "44.4" not in data and not re.search(r"\b4 \(", data)


def test_a_one_year_selection_draws_bars_not_lone_points(demo_con):
    f = q.Filters(years=(2025, 2025), associations=SYDNARKE)
    made = [participant_charts.flow(run(demo_con, "participant_flow", f), "sv", "x"),
            outcome_charts.time_mean(run(demo_con, "time_in_intervention", f), "sv", "x"),
            referral_charts.referral_trend(run(demo_con, "referral_split", f), {}, "sv", "x")]
    for fig in made:
        assert not lines(fig), fig.layout.title.text
        assert all(tr.type == "bar" for tr in fig.data)
    total = next(tr for tr in made[0].data if tr.name == "Deltagare totalt")
    assert list(total.y) == [206]


def _look(trace) -> tuple:
    m = trace.marker
    return m.color, m.pattern.shape or "", m.pattern.bgcolor or ""


def test_time_by_assignment_gives_each_assignment_its_own_colour_and_a_name(demo_con):
    f = q.Filters(years=(2024, 2025), associations=SYDNARKE)
    df = run(demo_con, "time_in_intervention", f, split="assignment")
    assert (df.assignment == "").any()  # participations without an assignment
    labels = {"kartlaggning": "Kartläggning", "arbetstraning": "Arbetsträning", "studiecoachning": "Studiecoachning"}
    fig = outcome_charts.time_by(df, "assignment", labels, "sv", "x")
    names = [tr.name for tr in fig.data]
    assert "Uppdrag saknas" in names and not {"–", "", None} & set(names)
    looks = [_look(tr) for tr in fig.data]
    assert len(set(looks)) == len(looks)
    assert len({c for c, _p, _b in looks}) == len(looks)  # the colours alone differ too
    steps = outcome_charts.positive_steps(run(demo_con, "positive_steps", f, by_assignment=True), labels, "sv", "x")
    assert {tr.name: _look(tr) for tr in steps.data if tr.name in names} == dict(zip(names, looks))


def test_a_patterned_series_differs_from_the_plain_one_of_its_colour_in_lightness(demo_con):
    # 2024: AMI (plain vermillion) and Egen (vermillion with a pattern) side by side on one bar
    fig = referral_charts.referrals(run(demo_con, "referral_split", q.Filters(years=(2024, 2024), associations=SYDNARKE)),
                                    {}, "sv", "x")
    bars = [tr for tr in fig.data if tr.type == "bar" and tr.name != HIDDEN]
    pairs = [(a, b) for a, b in itertools.combinations(bars, 2) if a.marker.color == b.marker.color]
    assert pairs
    for a, b in pairs:
        plain, striped = sorted((a, b), key=lambda tr: bool(tr.marker.pattern.shape))
        assert not plain.marker.pattern.shape and striped.marker.pattern.shape
        # mostly white under the stripes: a projector shows it light, the plain one full
        assert striped.marker.pattern.bgcolor == "#FFFFFF" and striped.marker.pattern.fillmode == "replace"
        assert striped.marker.pattern.solidity <= 0.5
        assert striped.insidetextfont.color == "#000000"  # the label reads on the white


def test_a_colour_means_one_thing_on_a_page_and_a_year_keeps_its_colour(demo_con):
    f = q.Filters(years=(2023, 2025), associations=SYDNARKE)
    peers = q.Filters(years=(2025, 2025))
    by_assoc = run(demo_con, "key_figures", peers, by=("association_id",))
    by_assoc["group"] = by_assoc.association_id + " " + by_assoc.year.astype(str)
    measures = [("participants_total", "Deltagare")]
    assoc = participant_charts.compare(by_assoc, "group", measures, "sv", "a", "x")
    years = participant_charts.compare(run(demo_con, "key_figures", f), "year", measures, "sv", "y", "x")
    assoc_colours = set(assoc.data[0].marker.color)
    year_colours = dict(zip(years.data[0].x, years.data[0].marker.color))
    assert not assoc_colours & set(year_colours.values())  # green is Västerås, never a year
    dist = outcome_charts.time_distribution(run(demo_con, "time_distribution", f), "sv", "x")
    exits = outcome_charts.time_by(run(demo_con, "time_in_intervention", f, split="exit_reason"), "exit_reason", {},
                                   "sv", "x")
    municipalities = participant_charts.municipalities(run(demo_con, "municipality_split", f), "sv", "x")
    by_year = {tr.name: tr.marker.color for tr in dist.data}
    assert not set(by_year.values()) & {tr.marker.color for tr in exits.data}
    assert {str(y): c for y, c in year_colours.items()} == by_year
    for tr in municipalities.data:
        year = tr.name.rsplit(" ", 1)[-1]
        if year in by_year:
            assert tr.marker.color == by_year[year]
    nns = run(demo_con, "surveys", f, survey="nns")
    if not nns.empty:
        survey = survey_charts.survey(nns, "sv", "t", "x")
        for tr in survey.data:
            assert tr.marker.color == colors.year_colors(nns.year)[int(tr.name[:4])][0]


def test_the_two_positive_step_charts_of_avslut_have_titles_of_their_own(demo_con):
    f = q.Filters(years=(2024, 2025), associations=SYDNARKE)
    one = outcome_charts.positive_steps(run(demo_con, "positive_steps", f), {}, "sv", "x")
    two = outcome_charts.positive_steps(run(demo_con, "positive_steps", f, by_assignment=True), {}, "sv", "x")
    assert one.layout.title.text.split("<br>")[0] != two.layout.title.text.split("<br>")[0]


def test_kallor_names_measures_and_formats_numbers_in_either_language(app):
    raw = re.compile(r"^-?\d+\.\d{2,}$|^None$|^nan$")
    for lang, measure in (("sv", "Deltagare per remittent, andel"), ("en", "Participants by referral source, share")):
        at = app("pages/kallor.py", lang=lang, forbund=["Sydnärke"], ar=(2024, 2025))
        table = at.dataframe[0].value
        measures = table.iloc[:, 3]
        assert measure in set(measures)
        assert not measures.str.contains("_").any()
        cells = table.astype(str).to_numpy().ravel()
        assert not [c for c in cells if raw.match(c)]
        computed = table.iloc[:, 7]
        assert {"..", "–"} <= set(computed)  # hidden by the protection, and not computed
