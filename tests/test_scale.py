"""The synthetic national database and the benchmark, on small sizes: generate writes a valid database with
the schema's rules, bench runs on it, and finsam and the pandas baseline give the same answers. Timings are
printed by bench, never asserted here (the machines are shared and noisy)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import DATA, ROOT
from finsam.tools import bench, bench_baseline, bench_import, bench_pages
from finsam.present import participant_charts
from finsam.data import db
from finsam.query import queries as q, reconcile
from finsam.web.app import PAGES
from finsam.tools.scale import generate
from finsam.tools.scale_country import ASSOCIATIONS
from finsam.query import lookups
from finsam.query import filters as query_filters

N = 30_000


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "finsam", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "national.duckdb"
    generate(path, N, seed=7, data_dir=DATA)
    con = db.connect(path, read_only=True)
    yield con
    con.close()


def one(con, sql: str):
    return con.execute(sql).fetchone()[0]


def test_generate_writes_the_size_asked_over_all_290_municipalities(national):
    assert one(national, "SELECT count(*) FROM participation") == N
    assert one(national, "SELECT count(*) FROM association") == ASSOCIATIONS
    assert one(national, "SELECT count(*) FROM municipality") == 290
    assert one(national, "SELECT count(DISTINCT municipality_code) FROM association_municipality") == 290
    assert one(national, "SELECT count(*) FROM association_municipality") == 290
    assert one(national, "SELECT count(DISTINCT municipality_code) FROM participation") == 290
    assert one(national, "SELECT value FROM build_info WHERE key = 'kind'") == "synthetic"
    assert not one(national, "SELECT bool_or(is_demo) FROM participation")
    assert one(national, "SELECT min(year(start_date)) FROM participation") == 2006
    assert one(national, "SELECT max(year(start_date)) FROM participation") == 2025
    assert one(national, "SELECT sum(participant_count) FROM anonymous_participants") > 0


def test_every_association_has_several_interventions_with_records_and_covered_years(national):
    per = national.execute("""
        SELECT a.association_id, count(DISTINCT i.intervention_id) FILTER (i.kind = 'individual') AS individual,
               count(DISTINCT p.intervention_id) AS with_records,
               bool_and(i.first_year IS NOT NULL AND i.last_year IS NOT NULL) AS years_set
        FROM association a JOIN intervention i USING (association_id)
        LEFT JOIN participation p ON p.association_id = i.association_id AND p.intervention_id = i.intervention_id
        GROUP BY ALL""").df()
    assert len(per) == ASSOCIATIONS
    assert (per.individual >= 2).all() and (per.with_records >= 2).all() and per.years_set.all()
    # a participation lies in its intervention's covered years
    assert one(national, """SELECT count(*) FROM participation p JOIN intervention i USING (association_id, intervention_id)
        WHERE year(p.start_date) NOT BETWEEN i.first_year AND i.last_year
           OR year(p.end_date) > i.last_year""") == 0


def test_population_shares_cover_each_association(national):
    shares = national.execute("""SELECT association_id, sum(population_share_pct) AS total, count(*) AS members
        FROM population_share GROUP BY ALL""").df()
    assert len(shares) == ASSOCIATIONS and shares.members.sum() == 290
    assert shares.total.between(99.8, 100.2).all()


def test_the_schema_rules_hold_on_every_record(national):
    """The inserts passed the schema's constraints; the rules restated, so a schema change cannot hide a break."""
    violations = {
        "ended without exit reason or the reverse": "(end_date IS NULL) != (exit_reason IS NULL)",
        "end before start": "end_date < start_date",
        "positive step while ongoing": "end_date IS NULL AND has_positive_step IS NOT NULL",
        "follow-up while ongoing": "end_date IS NULL AND (followup_6m != 'ej_aktuell' OR followup_18m != 'ej_aktuell')",
        "follow-up without a positive step": "coalesce(NOT has_positive_step, true) AND followup_6m != 'ej_aktuell'",
        "younger than 10": "birth_year > year(start_date) - 10",
        "personnummer-shaped person id": r"regexp_matches(person_id, '^\s*(19|20)?[0-9]{6}\s*[-+]?\s*[0-9]{4}\s*$')",
    }
    for rule, where in violations.items():
        assert one(national, f"SELECT count(*) FROM participation WHERE {where}") == 0, rule
    assert one(national, """SELECT count(*) FROM participation p ANTI JOIN association_municipality am
        USING (association_id, municipality_code)""") == 0
    assert one(national, """SELECT count(*) - count(DISTINCT (association_id, intervention_id, person_id, start_date))
        FROM participation""") == 0


def test_distributions_are_shaped_like_the_reports(national):
    shape = national.execute("""SELECT avg((gender = 'kvinna')::INT) AS women, avg((end_date IS NULL)::INT) AS ongoing,
        avg(has_positive_step::INT) FILTER (end_date IS NOT NULL) AS positive,
        avg(date_diff('day', start_date, end_date)) AS mean_days,
        count(*) FILTER (referral_source = 'FK') > count(*) FILTER (referral_source = 'Soc') AS fk_first,
        count(DISTINCT (association_id, person_id)) < count(*) AS persons_return
        FROM participation""").df().iloc[0]
    assert 0.5 < shape.women < 0.66
    assert 0.01 < shape.ongoing < 0.15
    assert 0.55 < shape.positive < 0.75
    assert 150 < shape.mean_days < 330
    assert shape.fk_first and shape.persons_return


def test_generate_writes_budgets_shaped_like_the_reports(national):
    """Granted and used funds for every individual intervention and year with participants and for each
    structural intervention; per participant and used of granted as Sydnärke 2016 and Norra Västmanland 2022."""
    missing = one(national, """SELECT count(*) FROM (SELECT DISTINCT association_id, intervention_id, year(start_date)
        AS year FROM participation) p ANTI JOIN budget USING (association_id, intervention_id, year)""")
    assert missing == 0
    assert one(national, """SELECT count(*) FROM intervention i ANTI JOIN budget b USING (association_id, intervention_id)
        WHERE i.kind = 'structural'""") == 0
    used = one(national, "SELECT sum(used_sek) / sum(granted_sek) FROM budget")
    assert 0.85 < used < 1.0
    money = q.economy(national, q.Filters(years=(2006, 2025)), by=("association_id",))
    per_participant = money[money.kind == "individual"].cost_per_participant_sek.median()
    assert 10_000 < per_participant < 50_000, per_participant
    structural = money[money.kind == "structural"]
    assert structural.granted_sek.between(20_000, 155_000 * 3).all()  # a few per association and year at most


def test_generate_writes_surveys_with_respondents_and_their_questions(national):
    f = q.Filters(years=(2006, 2025))
    nns, violence = q.surveys(national, f, survey="nns"), q.surveys(national, f, survey="violence")
    assert nns.association_id.nunique() > 10 and violence.association_id.nunique() > 5
    for df in (nns, violence):
        assert df.respondents.gt(0).all() and df.positive_share_pct.between(0, 100).all()
        assert (df.question_text != df.question).all()  # every question has its text
    assert set(nns.question) == {str(i) for i in range(1, 9)} and set(nns.timepoint) == {"exit"}
    assert nns.groupby(["association_id", "year"]).question.nunique().eq(8).all()
    # the shape of Sydnärke 2024-2025: planning and being listened to high, readiness for work low
    by_question = nns.groupby("question").positive_share_pct.mean()
    assert by_question["6"] < by_question["5"] < by_question["1"] < by_question["7"]
    assert 55 < violence.positive_share_pct.mean() < 80
    # everyone's answers are the women's and the men's together
    wide = violence.pivot_table(index=["association_id", "year"], columns="answer_group", values="respondents")
    both = wide.dropna()
    assert len(both) and (both["all"] == both.kvinna + both.man).all()


def test_the_published_figures_stand_beside_synthetic_records_unreconstructable(national):
    """The generated database holds the published figures, as every database finsam makes. None is about
    its records: the reports' associations are not in it, or (Västerås) not their interventions, so the
    reconciliation computes nothing and calls every figure not reconstructable, none a mismatch."""
    published = lookups.published_figures(national)
    assert len(published) == 1196  # 1175 figures and 21 about goals (data/goals.csv)
    associations = set(lookups.associations(national).association_id)
    assert reconcile.published_scope(published, associations) == q.Filters(
        years=(2020, 2020), associations=("Västerås",), interventions=("Samordningsteam Västerås",))
    result = reconcile.reconciliation(national, DATA)
    assert list(result.columns) == reconcile.COLUMNS and len(result) == len(published)
    assert (result.status == "not_reconstructable").all() and result.computed_value.isna().all()
    record_measures = reconcile.COMPUTED_MEASURES - reconcile.MONEY_AND_SURVEY_MEASURES
    absent = result[~result.association.isin(associations) & result.measure.isin(record_measures)]
    assert (absent.reason == "the database holds no records of this association").all() and len(absent) > 400


def test_the_reconciliation_computes_the_published_associations_and_years_only(tmp_path, monkeypatch):
    """Published figures about a generated association: computed for its years only and compared (a right
    figure matches, a wrong one is a mismatch); no published figure: an empty result of the same columns,
    nothing computed, and Källor and Jämför say so."""
    from streamlit.testing.v1 import AppTest

    path = tmp_path / "unpublished.duckdb"
    generate(path, 2_000, seed=5, data_dir=DATA, associations=24)
    con = db.connect(path)
    con.execute("DELETE FROM published_figure")
    empty = reconcile.reconciliation(con, DATA)
    assert empty.empty and list(empty.columns) == reconcile.COLUMNS
    association = lookups.associations(con).association_id.iloc[0]
    flow = q.participant_flow(con, q.Filters(years=(2023, 2024), associations=(association,))).set_index("year")
    for i, (year, value) in enumerate(((2023, flow.participants_total[2023]), (2024, flow.participants_total[2024] + 1))):
        con.execute("INSERT INTO published_figure VALUES (?, ?, 'ALL', ?, 'participants_total', '', '', ?, ?, 'count', "
                    "'test', 'test', '')", [i + 1, association, year, float(value), str(value)])
    published = lookups.published_figures(con)
    assert reconcile.published_scope(published, {association}) == q.Filters(years=(2023, 2024),
                                                                            associations=(association,))
    result = reconcile.reconciliation(con, DATA)
    assert result.status.tolist() == ["match", "mismatch"]
    assert result.computed_value.tolist() == flow.participants_total.astype(float).tolist()
    con.execute("DELETE FROM published_figure")
    con.close()

    r = run("reconcile", "--db", str(path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [",".join(reconcile.COLUMNS), "reconcile: 0 published figures: 0 match, "
                                     "0 conflict, 0 not reconstructable, 0 mismatch"]
    monkeypatch.setenv("FINSAM_DB", str(path))
    for page in ("pages/kallor.py",):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        at.run()
        at.switch_page(page).run()
        assert not at.exception and not at.error, page
        assert any("inga publicerade siffror" in i.value for i in at.info), (page, [i.value for i in at.info])


def test_generate_from_the_command_line_is_deterministic(tmp_path):
    tables = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.duckdb"
        r = run("generate", "--participations", "3000", "--out", str(path), "--seed", "5")
        assert r.returncode == 0, r.stderr
        assert re.match(rf"generated {re.escape(str(path))}: 3000 synthetic participations, {ASSOCIATIONS} associations", r.stdout)
        con = db.connect(path, read_only=True)
        tables.append([con.execute(f"SELECT * FROM {table} ORDER BY ALL").df()
                       for table in ("participation", "budget", "survey_result", "survey_question")])
        con.close()
    for a, b in zip(*tables):
        pd.testing.assert_frame_equal(a, b)
    assert len(tables[0][1]) and len(tables[0][2])


def test_the_pandas_baseline_agrees_with_finsam_on_every_page_call_of_the_demo(demo_db, demo_con):
    sel = bench_pages.selections(demo_con)
    database = bench_pages.Database.read(demo_con, DATA)
    calls = {c for f in sel.values()
             for page in bench_pages.page_calls(f, database, lookups.selection_counts(demo_con, f)).values() for c in page
             if hasattr(bench_baseline.PandasBaseline, c.name)}
    answers = {c: c.answer(demo_con) for c in calls if c.filters is not None}
    baseline = bench_baseline.PandasBaseline.load(str(demo_db))
    differ = {f"{c.name}{dict(c.kwargs)} {c.filters}": bench.difference(a, baseline.run(c)) for c, a in answers.items()}
    assert {k: v for k, v in differ.items() if v} == {}
    assert len(answers) > 50


def test_the_agreement_check_sees_a_changed_value(demo_con):
    ours = q.exit_reasons(demo_con, q.Filters(years=(2024, 2024), associations=("Sydnärke",)))
    theirs = ours.sample(frac=1, random_state=1)
    assert bench.difference(ours, theirs) is None  # row order does not matter
    theirs = theirs.assign(ended=theirs.ended + (theirs.index == theirs.index[0]))
    assert "ended" in bench.difference(ours, theirs)


def test_bench_runs_and_both_implementations_agree(tmp_path):
    path = tmp_path / "small.duckdb"
    generate(path, 20_000, seed=3, data_dir=DATA, associations=24)
    r = run("bench", "--db", str(path), "--repeat", "1")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "agreement: " in r.stdout and " 0 differ" in r.stdout
    for path, *_ in PAGES:
        if Path(path).stem != "tillganglighet":  # every page that queries (the statement is text only)
            assert re.search(rf"^  {Path(path).stem} ", r.stdout, re.M), path
    last = r.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"bench 20000 participations: finsam warm median \S+ \S+ \(all pages\), cold \S+ \S+; "
                        r"pandas \S+ \S+; pandas/finsam time x[\d.]+, memory x[\d.]+; agree", last), last


def test_bench_times_the_build_and_an_import_of_a_coordinators_file():
    r = run("bench", "--import-rows", "300")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert re.fullmatch(r"build and import: demo database built in [\d.]+ s; a 300-row semicolon CSV "
                        r"\(Windows-1252, [\d.]+ MB\) validated and imported in [\d.]+ s", r.stdout.strip()), r.stdout
    content = bench_import.import_file_rows(300)
    assert content.decode("cp1252").splitlines()[0].startswith("deltagare_id;förbund;insats;kommun;kön")


def test_a_file_from_an_earlier_version_gets_the_aggregate_tables(tmp_path, national):
    from finsam.write.importer import upgrade

    path = tmp_path / "old.duckdb"
    generate(path, 2_000, seed=5, data_dir=DATA, associations=4)
    con = db.connect(path)
    before = con.execute("SELECT * FROM flow_total ORDER BY ALL").df()
    con.execute("DROP TABLE flow_total")
    con.execute("DROP TABLE ended_record")
    con.close()
    assert upgrade(path) is True
    con = db.connect(path, read_only=True)
    pd.testing.assert_frame_equal(con.execute("SELECT * FROM flow_total ORDER BY ALL").df(), before)
    assert one(con, "SELECT count(*) FROM ended_record") > 0
    con.close()
    assert upgrade(path) is False  # nothing to do the second time


def test_every_page_sends_a_few_hundred_points_at_most_for_the_whole_country(national):
    """Whatever the size, the pages' chart data stay small: per-category charts narrow their years and
    per-group charts group by association when the selection has several."""
    span = lookups.year_range(national, ())
    f = q.Filters(years=span)
    counts = lookups.selection_counts(national, f)
    assert counts == {"municipalities": 290, "interventions": len(lookups.interventions(national)), "associations": 75}
    calls = bench_pages.page_calls(f, bench_pages.Database.read(national, DATA), counts)
    # economy and surveys have a row per intervention and year that has a budget or survey (their tables)
    sizes = {c.name + str(dict(c.kwargs)): len(c.run(national)) for page in calls.values() for c in page
             if c.filters is not None and c.name not in ("key_figures", "economy", "surveys")}
    # the municipality x referral-source heatmap is of one year: at most a cell per municipality and source
    sources = len(lookups.code_list(national, "referral_source"))
    assert sizes.pop("referral_by_municipality{}") <= 290 * sources
    assert max(sizes.values()) <= 290, sizes
    municipalities = q.run(national, "municipality_split", query_filters.chart_years(f, 290))
    assert municipalities.year.unique().tolist() == [span[1]] and len(municipalities) == 290
    fig = participant_charts.municipalities(municipalities, "sv", "")
    assert [tr.type for tr in fig.data] == ["scatter", "scatter"] and len(fig.data[1].x) == 290
    by, recent = query_filters.group_chart(f, counts["interventions"], counts["associations"])
    assert by == ("association_id",) and recent.years == (span[1], span[1])
    one_association = q.Filters(years=span, associations=("Stockholm",))
    by, recent = query_filters.group_chart(one_association, 4, 1)
    assert by == ("association_id", "intervention_id") and recent.years == (span[1] - 2, span[1])
