"""AppTest tests for every page: runs without exception on the default selection, on an empty selection and
on a one-municipality selection, and its chart and table show what the query layer returns."""
from __future__ import annotations

import base64
import json
import logging

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from finsam.query import queries as q
from finsam.privacy import Protection
from finsam.query import lookups
from finsam.labels import fmt

PAGES = ["pages/oversikt.py", "pages/kon.py", "pages/remittenter.py", "pages/tid.py", "pages/uppfoljning.py",
         "pages/kommuner.py", "pages/avslut.py", "pages/ekonomi.py", "pages/enkater.py", "pages/jamfor.py",
         "pages/kallor.py", "pages/importera.py"]
NO_CHART = {"pages/kallor.py", "pages/importera.py"}
LAXA = "1860"


@pytest.fixture()
def app(demo_db, monkeypatch):
    monkeypatch.setenv("FINSAM_DB", str(demo_db))

    def run(page: str | None = None, **state) -> AppTest:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert not at.error, [e.value for e in at.error]
        return at
    return run


def _decode(value):
    """Plotly's JSON stores numeric arrays as {"dtype", "bdata"} (base64); turn them back into lists."""
    if isinstance(value, dict):
        if {"dtype", "bdata"} <= set(value):
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
            return array.tolist()
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def figures(at: AppTest) -> list[go.Figure]:
    return [go.Figure(_decode(json.loads(el.proto.spec))) for el in at.get("plotly_chart")]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_the_default_selection(app, page):
    at = app(page)
    if page not in NO_CHART:
        assert figures(at), "no chart"
    assert any("Demodata" in w.value for w in at.warning)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_an_empty_selection(app, page):
    at = app(page, forbund=["Västerås"], remittent=["Hab"])
    if page not in NO_CHART | {"pages/ekonomi.py", "pages/enkater.py"}:
        assert any("inga deltagare" in i.value for i in at.info), [i.value for i in at.info]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_one_municipality(app, page):
    at = app(page, forbund=["Sydnärke"], kommun=[LAXA])
    assert at.sidebar.multiselect(key="kommun").value == [LAXA]


def test_overview_key_figures_equal_the_query_layer(app, demo_con):
    at = app("pages/oversikt.py", forbund=["Sydnärke"], kommun=[LAXA], ar=(2023, 2024))
    f = q.Filters(years=(2023, 2024), associations=("Sydnärke",), municipalities=(LAXA,))
    flow = q.participant_flow(demo_con, f).set_index("year")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Deltagare"] == str(flow.loc[2024, "participants_total"])
    assert metrics["Nya"] == str(flow.loc[2024, "new"])
    fig = figures(at)[0]
    bars = {tr.name: list(tr.y) for tr in fig.data if tr.type == "bar"}
    assert bars["Nya"] == flow.new.tolist() and bars["Avslutade"] == flow.ended.tolist()


def test_gender_chart_and_table_equal_the_query_layer(app, demo_con):
    at = app("pages/kon.py", forbund=["Sydnärke"], kommun=[LAXA])
    f = q.Filters(years=(2016, 2025), associations=("Sydnärke",), municipalities=(LAXA,))
    expected = q.run(demo_con, "gender_split", f)  # protected, as the page shows it
    fig = figures(at)[0]
    women = next(tr for tr in fig.data if tr.name == "Kvinna")
    assert [None if v != v else v for v in women.y] == \
        [None if v != v else v for v in expected[expected.gender == "kvinna"].registered]
    table = at.dataframe[0].value  # on the screen as the reader sees it: '1 234', '..' (the files keep numbers)
    assert table["Deltagare"].tolist() == [fmt(v, 0, "sv") for v in expected.participants]


def test_referral_heatmap_equals_the_cross_table(app, demo_con):
    at = app("pages/remittenter.py", forbund=["Sydnärke"], insats=["Samordningsteamet"], ar=(2024, 2024))
    heat = next(f for f in figures(at) if f.data[0].type == "heatmap").data[0]
    cells = {(m, r): z for m, row in zip(heat.y, heat.z) for r, z in zip(heat.x, row)}
    assert cells[("Kumla", "Försäkringskassan")] == 42
    expected = q.run(demo_con, "referral_by_municipality", q.Filters(years=(2024, 2024), associations=("Sydnärke",),
                                                                      interventions=("Samordningsteamet",)))
    assert sum(v for row in heat.z for v in row if v == v) == expected.participations.sum()
    texts = [t for row in heat.text for t in row]
    assert ".." in texts  # the small cells are shown as '..', never as the number


def test_followup_and_time_pages_show_the_published_figures(app, demo_con):
    # 96 % kept of 25 who answered: the one who did not keep it is a hidden count, and the share would give
    # it away, so it shows only with the protection off (for a role that may switch it off)
    at = app("pages/uppfoljning.py", forbund=["Sydnärke"], insats=["Samordningsteamet"], ar=(2024, 2024))
    bar = next(tr for tr in figures(at)[0].data if tr.type == "bar")
    assert bar.y[0] is None or np.isnan(bar.y[0])
    f = q.Filters(years=(2024, 2024), associations=("Sydnärke",), interventions=("Samordningsteamet",))
    unprotected = q.run(demo_con, "followup", f, Protection(enabled=False))
    assert round(unprotected[unprotected.horizon == "6m"].retained_share_pct.iloc[0]) == 96
    at = app("pages/tid.py", forbund=["Sydnärke"], ar=(2024, 2024))  # over all, as the reports count it
    mean = next(tr for tr in figures(at)[0].data if tr.name == "Medeltid (dagar)")
    assert round(mean.y[0]) == 276


def test_the_legend_says_a_share_is_hidden_for_the_few_on_its_other_side(app):
    """Sydnärke's 2024 retention is hidden for the 2 who did not keep their step, not for a small n: the
    legend under the page says both reasons (it said only "färre än 5 deltagare")."""
    at = app("pages/uppfoljning.py", forbund=["Sydnärke"], ar=(2024, 2025))
    legend = next(c.value for c in at.caption if c.value.startswith("`..`"))
    assert "färre än 5 deltagare" in legend and "färre än 5 står på andra sidan" in legend


def test_english(app):
    at = app("pages/kommuner.py", lang="en", forbund=["Sydnärke"])
    assert at.title[0].value == "Municipalities"
    assert "Demo data" in at.warning[0].value


def test_impossible_municipality_is_dropped(app):
    at = app(None, forbund=["Västerås"], kommun=[LAXA])
    assert at.sidebar.multiselect(key="kommun").value == []


def test_years_outside_the_data_are_narrowed_without_a_warning_in_the_log(app, demo_con):
    """A shared link or another association's years beyond the data: the slider narrows them to the data's
    years, and the server log gets no Streamlit warning (with its stack) about a default and a session value."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    policies = logging.getLogger("streamlit.elements.lib.policies")
    policies.addHandler(handler)
    try:
        at = app(None, forbund=["Sydnärke"], ar=(2000, 2030))
    finally:
        policies.removeHandler(handler)
    assert at.sidebar.slider(key="ar").value == tuple(lookups.year_range(demo_con, ("Sydnärke",)))
    assert not [r.getMessage() for r in records if r.levelno >= logging.WARNING]


def test_reset_clears_the_selection(app):
    at = app(None, forbund=["Sydnärke"], kommun=[LAXA])
    at.sidebar.button(key="reset").click().run()
    assert at.sidebar.multiselect(key="forbund").value == []
    assert at.sidebar.multiselect(key="kommun").value == []


def _calls_computed(records) -> set:
    """The calls the app computed (finsam.web.ui logs each cache miss) as finsam.tools.bench_pages.Call."""
    from finsam.tools.bench_pages import Call

    out = set()
    for r in records:
        if r.name == "finsam" and r.msg.startswith("computing query"):
            name, filters, kwargs = r.args
            out.add(Call(name, filters, kwargs))
        elif r.name == "finsam" and r.msg.startswith("computing lookup"):
            name, args = r.args
            out.add(Call(name, None, args))
    return out


@pytest.mark.parametrize("state", [{}, {"forbund": ["Sydnärke"], "kommun": [LAXA], "kon": ["kvinna"]}],
                         ids=["everything", "one_municipality_women"])
def test_the_bench_lists_every_call_every_page_makes(demo_db, demo_con, monkeypatch, caplog, state):
    """Every page of the app, run on an empty cache: each query, lookup and reconciliation it makes is among
    finsam.tools.bench_pages.page_calls for that page (or the frame's, bench_pages.panel_calls), so the benchmark cannot
    miss a page's call; and bench lists exactly the app's pages, which are exactly the files in pages/."""
    import logging
    from pathlib import Path

    import streamlit as st

    from conftest import DATA
    from finsam.web import app as frame
    from finsam.tools import bench_pages

    monkeypatch.setenv("FINSAM_DB", str(demo_db))
    caplog.set_level(logging.DEBUG, logger="finsam")
    database = bench_pages.Database.read(demo_con, DATA)
    stems = [Path(path).stem for path, *_ in frame.PAGES]
    assert set(stems) == {p.stem for p in (ROOT / "pages").glob("*.py")}
    unlisted, made = {}, {}
    for path, *_ in frame.PAGES:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        f = at.session_state["_filters"]
        st.cache_data.clear()
        caplog.clear()
        at.switch_page(path).run()
        assert not at.exception, (path, [e.value for e in at.exception])
        stem = Path(path).stem
        listed = bench_pages.page_calls(f, database, lookups.selection_counts(demo_con, f))
        assert set(listed) == set(stems)
        made[stem] = _calls_computed(caplog.records)
        unlisted[stem] = made[stem] - set(listed[stem]) - set(bench_pages.panel_calls(f, database.association_ids))
    assert {page: calls for page, calls in unlisted.items() if calls} == {}
    assert all(made.values()), [page for page, calls in made.items() if not calls]
    assert bench_pages.Call("reconciliation", None, (DATA,)) in made["kallor"]
