"""Privacy: small counts hidden everywhere, secondary suppression, roles enforced in the query layer,
sign-in with local accounts (lockout) and the mapping of OpenID Connect identities to roles (sign-in itself,
through a real provider, is tests/test_signin.py)."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, insert_records, record
from finsam.web import auth
from finsam.data import aggregates, db
from finsam import privacy
from finsam.query import queries as q
from finsam.access import Access, AccessDenied
from finsam.present.tables import excel_csv
from finsam.privacy import OFF, Protection

D = dt.date
SMALL = {1, 2, 3, 4}


def test_primary_and_secondary_suppression_on_a_table_built_to_leak():
    # a year's referral sources: 3 would be worked out from the total (shown on the overview) minus 10 + 12
    df = pd.DataFrame({"year": [2024] * 3, "referral_source": ["FK", "Soc", "Egen"], "participations": [12, 10, 3],
                       "new": [5, 5, 0], "share_pct": [48.0, 40.0, 12.0]})
    out = privacy.protect("referral_split", df, Protection())
    assert out.participations.isna().tolist() == [False, True, True]  # 3 hidden, and the next smallest (10)
    assert out.share_pct.isna().tolist() == [False, True, True]
    assert out.new.tolist() == [5, 5, 0]  # a 0 reveals nobody; 5 is publishable


def test_hidden_cells_whose_sum_is_small_take_the_next_smallest_with_them():
    # 1 and 2 hidden: the total (shown on the overview) minus 12 + 10 would give away the 3 in them
    df = pd.DataFrame({"year": [2024] * 4, "referral_source": ["FK", "Soc", "Egen", "AF"],
                       "participations": [12, 10, 1, 2], "new": [5, 5, 0, 0], "share_pct": [48.0, 40.0, 4.0, 8.0]})
    out = privacy.protect("referral_split", df, Protection())
    assert out.participations.isna().tolist() == [False, True, True, True]


def test_secondary_suppression_in_a_cross_table_both_ways():
    rows = [("Kumla", "FK", 20), ("Kumla", "Soc", 2), ("Kumla", "Egen", 9), ("Laxå", "FK", 8), ("Laxå", "Soc", 7),
            ("Laxå", "Egen", 6)]
    df = pd.DataFrame([(2024, "1881" if m == "Kumla" else "1860", m, r, n) for m, r, n in rows],
                      columns=["year", "municipality_code", "municipality_name", "referral_source", "participations"])
    out = privacy.protect("referral_by_municipality", df, Protection())
    hidden = out[out.participations.isna()][["municipality_name", "referral_source"]].values.tolist()
    for key in ("municipality_code", "referral_source"):  # no row or column with exactly one hidden cell
        assert (out.participations.isna().groupby(df[key]).sum() != 1).all(), hidden
    assert ["Kumla", "Soc"] in hidden and len(hidden) >= 4


def test_rates_over_fewer_than_five_are_hidden_and_the_n_stays():
    df = pd.DataFrame({"year": [2023, 2024], "ended": [4, 12], "positive": [2, 5], "share_pct": [50.0, 41.7]})
    out = privacy.protect("positive_steps", df, Protection())
    assert np.isnan(out.share_pct[0]) and out.share_pct[1] == 41.7
    assert np.isnan(out.ended[0]) and out.ended[1] == 12


def test_a_share_whose_complement_is_small_is_hidden_with_its_part():
    """5 positive of 7 ended: 71 % would give away the 2 without a step, and so would 5 beside 7."""
    df = pd.DataFrame({"year": [2024, 2025], "ended": [7, 7], "positive": [5, 7], "share_pct": [71.4, 100.0]})
    out = privacy.protect("positive_steps", df, Protection())
    assert np.isnan(out.share_pct[0]) and np.isnan(out.positive[0]) and out.ended[0] == 7
    assert out.share_pct[1] == 100.0 and out.positive[1] == 7  # nobody on the other side: nothing to give away


def test_a_share_of_a_hidden_count_is_hidden_too():
    """2 positive of 100 ended: the n is large, but 2,0 % would give the hidden 2 away."""
    steps = pd.DataFrame({"year": [2024, 2025], "ended": [100, 100], "positive": [2, 40], "share_pct": [2.0, 40.0]})
    out = privacy.protect("positive_steps", steps, Protection())
    assert np.isnan(out.positive[0]) and np.isnan(out.share_pct[0]) and out.share_pct[1] == 40.0
    fu = pd.DataFrame({"year": [2024, 2024], "horizon": ["6m", "18m"], "kept": [3, 30], "not_kept": [60, 30],
                       "no_answer": [20, 20], "due": [83, 80], "retained_share_pct": [4.8, 50.0],
                       "response_rate_pct": [75.9, 75.0]})
    out = privacy.protect("followup", fu, Protection())
    assert out.kept.isna().tolist() == [True, False] and out.retained_share_pct.isna().tolist() == [True, False]
    assert out.due.tolist() == [83, 80]  # the total stays; the hidden part cannot be worked out from it
    kf = pd.DataFrame({"year": [2024, 2025], "participants_total": [100, 100], "new": [50, 50], "ended": [40, 40],
                       "women_share_pct": [3.0, 60.0], "mean_months": [7.0, 7.0], "positive_step_pct": [50.0, 50.0],
                       "retained_6m_pct": [75.0, 75.0], "women": [3, 60], "positive": [20, 20],
                       "step_known": [40, 40], "kept_6m": [15, 15], "answered_6m": [20, 20]})
    out = privacy.protect("key_figures", kf, Protection())
    assert out.women_share_pct.isna().tolist() == [True, False] and out.women.isna().tolist() == [True, False]
    assert out.positive_step_pct.notna().all() and out.retained_6m_pct.notna().all()


def test_a_municipality_hidden_alone_in_its_association_takes_a_neighbour_with_it():
    """Shares within each association are shown, so an association's total is known from any shown
    municipality: one hidden municipality per association would be worked out by subtraction."""
    df = pd.DataFrame({"year": [2025] * 5, "municipality_association_id": ["A", "A", "B", "B", "B"],
                       "municipality_code": ["1", "2", "3", "4", "5"], "participations": [3, 40, 30, 20, 10],
                       "new": [0, 0, 0, 0, 0], "share_pct": [2.9, 38.8, 29.1, 19.4, 9.7],
                       "association_share_pct": [7.0, 93.0, 50.0, 33.3, 16.7]})
    out = privacy.protect("municipality_split", df, Protection())
    hidden = out.participations.isna().groupby(df.municipality_association_id).sum()
    assert hidden["A"] == 2  # not 1: 40 and 93 % would give the 3 away
    assert out.association_share_pct.isna().tolist() == out.participations.isna().tolist()


def test_threshold_is_configurable():
    df = pd.DataFrame({"year": [2024, 2024], "gender": ["kvinna", "man"], "registered": [6, 9], "anonymous": [0, 0],
                       "participants": [6, 9], "share_pct": [40.0, 60.0]})
    assert privacy.protect("gender_split", df, Protection(threshold=7)).participants.isna().all()
    assert not privacy.protect("gender_split", df, Protection()).participants.isna().any()


@pytest.fixture()
def small(tiny, tmp_path):
    """Six participants in Sydnärke 2024: four women in Kumla, two men in Laxå; three of them ended."""
    recs = [record(person_id=f"K{i}", municipality_code="1881", gender="kvinna", referral_source="FK",
                   start_date=D(2024, 2, 1 + i), end_date=D(2024, 9, 1) if i < 2 else None,
                   exit_reason="arbete" if i < 2 else None, has_positive_step=True if i < 2 else None,
                   followup_6m="behallit" if i < 2 else "ej_aktuell") for i in range(4)]
    recs += [record(person_id=f"L{i}", municipality_code="1860", gender="man", referral_source="Soc",
                    start_date=D(2024, 3, 1 + i), end_date=D(2024, 10, 1) if i == 0 else None,
                    exit_reason="avbrott" if i == 0 else None, has_positive_step=False if i == 0 else None)
             for i in range(2)]
    insert_records(tiny, recs)
    tiny.execute("UPDATE intervention SET first_year = 2024, last_year = 2024")
    aggregates.refresh_aggregates(tiny)
    tiny.execute("CHECKPOINT")
    return tiny


def _numbers_in(value) -> list:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers_in(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers_in(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [value]
    if isinstance(value, str):
        return [int(m) for m in re.findall(r"(?<![\d,.])(\d+)(?![\d,.]| ?%)", value)]
    return []


def test_no_small_count_in_any_figure_or_csv(small):
    f = q.Filters(associations=("Sydnärke",), years=(2024, 2024))
    flow = q.run(small, "participant_flow", f)
    assert flow.participants_total.tolist() == [6] and flow.ended.isna().all() and flow.ongoing.isna().all()
    for name, kwargs in [("gender_split", {}), ("municipality_split", {}), ("referral_split", {}),
                         ("referral_by_municipality", {}), ("time_in_intervention", {}), ("exit_reasons", {}),
                         ("positive_steps", {}), ("dropouts", {}), ("followup", {}), ("time_distribution", {}),
                         ("background", {"variable": "age_band"})]:
        df = q.run(small, name, f, **kwargs)
        counts = privacy.SPECS[name].counts
        values = df[list(counts)].to_numpy().ravel()
        assert not set(v for v in values if v == v) & SMALL, (name, df)
        assert not re.search(r"(^|;)[1-4](;|\r)", excel_csv(df[list(counts)]).decode("utf-8-sig")), name
    from finsam.present import participant_charts
    fig = participant_charts.gender(q.run(small, "gender_split", f), {}, "sv", "test")
    data = json.loads(fig.to_json())["data"]
    assert not set(_numbers_in([{k: v for k, v in tr.items() if k in ("y", "text", "customdata")} for tr in data])) & SMALL


def test_figures_command_protects_by_default_and_no_suppress_shows_everything(small, tmp_path):
    path = Path(small.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0])
    small.close()
    run = lambda *a: subprocess.run([sys.executable, "-m", "finsam", "figures", "--db", str(path), *a], cwd=ROOT,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    protected = pd.read_csv(io.StringIO(run().stdout), dtype=str, keep_default_na=False)
    counts = protected[(protected.unit == "count") & (protected.value != "..")]
    assert not set(counts.value.astype(float).astype(int)) & SMALL
    assert (protected.value == "..").any()
    full = pd.read_csv(io.StringIO(run("--no-suppress").stdout), dtype=str, keep_default_na=False)
    assert "4" in set(full[full.measure == "gender_count"].value.str.replace(".0", "", regex=False))


def test_the_query_layer_refuses_other_associations_whatever_is_asked(demo_con):
    board = Access("board", ("Sydnärke",), "anna")
    ok = q.run(demo_con, "participant_flow", q.Filters(), access=board)
    assert ok.participants_total.sum() == q.run(demo_con, "participant_flow",
                                                q.Filters(associations=("Sydnärke",))).participants_total.sum()
    with pytest.raises(AccessDenied):
        q.run(demo_con, "participant_flow", q.Filters(associations=("Västerås",)), access=board)
    with pytest.raises(AccessDenied):
        q.run(demo_con, "participant_flow", q.Filters(), access=Access("reader", None, "r"))


def test_only_roles_that_may_unprotect_get_unprotected_figures(demo_con):
    f = q.Filters(associations=("Sydnärke",), municipalities=("1860",), years=(2024, 2024))
    board = q.run(demo_con, "referral_split", f, OFF, Access("board", ("Sydnärke",), "b"))
    coordinator = q.run(demo_con, "referral_split", f, OFF, Access("coordinator", ("Sydnärke",), "c"))
    assert board.participations.isna().any() and not coordinator.participations.isna().any()


# --- sign-in ---------------------------------------------------------------------------------------------

@pytest.fixture()
def accounts(tmp_path, monkeypatch):
    users = tmp_path / "users.toml"
    from argon2 import PasswordHasher
    h = PasswordHasher()
    auth.write_users({"anna": {"password_hash": h.hash("rätt lösenord 1"), "role": "board", "association": "Sydnärke"},
                      "kim": {"password_hash": h.hash("rätt lösenord 2"), "role": "coordinator",
                              "association": "Västerås"}}, users)
    roles = tmp_path / "roles.toml"
    roles.write_text('[[roles]]\nemail = "bo@sydnarke.se"\nrole = "board"\nassociation = "Sydnärke"\n\n'
                     '[[roles]]\ndomain = "vasteras.se"\nrole = "coordinator"\nassociation = "Västerås"\n\n'
                     '[[roles]]\nclaim = "groups"\nvalue = "finsam-admin"\nrole = "admin"\n\n'
                     '[[roles]]\nemail = "las@example.se"\nrole = "reader"\n', encoding="utf-8")
    monkeypatch.setenv("FINSAM_USERS", str(users))
    monkeypatch.setenv("FINSAM_ROLES", str(roles))
    return users


def test_local_login_and_lockout(accounts):
    waits = []
    now = dt.datetime(2026, 1, 1, 12, 0)
    assert auth.login_local("anna", "rätt lösenord 1", now=now).access.associations == ("Sydnärke",)
    for i in range(4):
        r = auth.login_local("anna", "fel", now=now, sleep=waits.append)
        assert r.access is None and "Fel användarnamn eller lösenord" in r.message
    assert waits == [1.0]  # the fourth attempt (after three failures) waits
    r = auth.login_local("anna", "fel", now=now, sleep=waits.append)
    assert "låst" in r.message
    assert auth.login_local("anna", "rätt lösenord 1", now=now + dt.timedelta(minutes=5)).access is None
    assert auth.login_local("anna", "rätt lösenord 1", now=now + dt.timedelta(minutes=16)).access is not None
    assert auth.login_local("okänd", "x", now=now).message == "Fel användarnamn eller lösenord."


def test_thirty_people_signing_in_at_once_all_get_in_and_failures_still_count(accounts):
    """A board meeting: everybody signs in in the same second (threads, as the server's pool runs them);
    the failures file is never read half-written (it was: JSON 'Extra data' and HTTP 500 under load)."""
    from concurrent.futures import ThreadPoolExecutor

    now = dt.datetime(2026, 1, 1, 12, 0)
    tries = [("anna", "rätt lösenord 1"), ("kim", "rätt lösenord 2"), ("kim", "fel")] * 10
    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(lambda t: auth.login_local(*t, now=now, sleep=lambda s: None), tries))
    assert all(r.access is not None for (_, pw), r in zip(tries, results) if pw != "fel")
    assert all(r.access is None for (_, pw), r in zip(tries, results) if pw == "fel")
    failures = json.loads(accounts.with_name(accounts.name + ".failures.json").read_text(encoding="utf-8"))
    assert set(failures) <= {"kim"}  # written only on a failure, and a success clears it
    # a file left half-written by an earlier version does not lock everybody out
    accounts.with_name(accounts.name + ".failures.json").write_text('{"kim": {}}{"kim": {}}', encoding="utf-8")
    assert auth.login_local("kim", "rätt lösenord 2", now=now).access is not None


def test_oidc_identities_map_to_roles(accounts):
    assert auth.access_for_identity({"email": "bo@sydnarke.se"}).associations == ("Sydnärke",)
    assert auth.access_for_identity({"email": "x@vasteras.se"}).role == "coordinator"
    assert auth.access_for_identity({"email": "y@z.se", "groups": ["a", "finsam-admin"]}).role == "admin"
    assert auth.access_for_identity({"email": "nobody@z.se"}) is None


def app(demo_db, monkeypatch, mode: str, user: dict | None = None, **state) -> AppTest:
    monkeypatch.setenv("FINSAM_DB", str(demo_db))
    monkeypatch.setenv("FINSAM_AUTH", mode)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    if user is not None:
        at.user = user
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def test_demo_installation_says_it_is_demo(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "none")
    assert any("Demoinstallation" in c.value for c in at.sidebar.caption)
    assert any("Demodata" in w.value for w in at.warning)
