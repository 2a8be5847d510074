"""Comparisons across associations (issue 27), in the query layer on a real generated national database: who
shares is decided per association and enforced where the figures are read, switching it off works at once and
is audited, the protection holds for what is shared, and the CLI, Översikt's median, the pack's and the
chapter's sentences all say what the query says."""
from __future__ import annotations

import csv
import io
import shutil

import numpy as np
import pandas as pd
import pytest

from conftest import DATA
from finsam.access import ADMIN, Access, AccessDenied
from finsam.cli.main import main
from finsam.data import audit, db
from finsam.privacy import OFF, Protection
from finsam.query import comparison as c
from finsam.query import queries as q
from finsam.tools.scale import generate
from finsam.write import sharing

PARTICIPATIONS, ASSOCIATIONS, SEED = 8000, 20, 11
COUNTS = ("participants_total", "ended", "step_known", "answered_6m", "cost_participants")


@pytest.fixture(scope="session")
def national(tmp_path_factory):
    """A small generated national database (about 20 associations, most of them sharing, some not)."""
    path = tmp_path_factory.mktemp("compare") / "national.duckdb"
    generate(path, PARTICIPATIONS, seed=SEED, data_dir=DATA, associations=ASSOCIATIONS)
    return path


def read(path):
    return db.connect(path, read_only=True)


def settings(path) -> pd.DataFrame:
    con = read(path)
    try:
        return c.sharing(con)
    finally:
        con.close()


def largest(con, among: set[str], year: int) -> str:
    kf = q.key_figures(con, q.Filters(years=(year, year), associations=tuple(sorted(among))), ("association_id",))
    return kf.sort_values(["participants_total", "association_id"], ascending=[False, True]).association_id.iloc[0]


def test_the_generator_gives_every_association_a_setting_most_share(national):
    s = settings(national)
    assert s.changed_by.eq("finsam generate").all()
    assert 0 < (~s.shares).sum() < s.shares.sum()


def test_an_association_that_does_not_share_is_absent_from_what_others_get(national):
    s = settings(national)
    closed = set(s.association_id[~s.shares])
    con = read(national)
    try:
        own = largest(con, set(s.association_id[s.shares]), 2024)
        kf = c.shared_key_figures(con, Access("board", (own,), "styrelse"), own, (2016, 2025))
        long, _stats = c.comparison(con, Access("board", (own,), "styrelse"), own, 2024)
    finally:
        con.close()
    assert closed and not closed & set(kf.association_id) and not closed & set(long.association_id)
    assert set(kf.association_id) <= set(s.association_id[s.shares]) | {own}
    assert len(set(kf.association_id)) > 10
    # aggregates only: nothing of another association's records, interventions or municipalities
    assert not {"intervention_id", "municipality_code", "person_id", "gender"} & set(kf.columns)


def test_switching_sharing_off_removes_it_at_once_and_is_in_the_audit_log(national, tmp_path, capsys):
    """A board member of one association gets another's key figures only while it shares; an administrator
    switches it (a board member cannot), at once, in the audit log, and can switch it back."""
    path = tmp_path / "national.duckdb"
    shutil.copy(national, path)
    s = settings(path)
    own, other = sorted(s.association_id[s.shares])[:2]
    board = Access("board", (own,), "styrelse")

    def seen() -> set[str]:
        con = read(path)
        try:
            return set(c.shared_key_figures(con, board, own, (2016, 2025)).association_id)
        finally:
            con.close()

    assert other in seen()
    con = read(path)
    try:
        with pytest.raises(AccessDenied):  # another association's figures as one's own: refused
            c.shared_key_figures(con, board, other, (2024, 2024))
        with pytest.raises(AccessDenied):  # a reader of published figures compares nothing
            c.shared_key_figures(con, Access("reader", None, "läsare"), None, (2024, 2024))
    finally:
        con.close()
    with pytest.raises(AccessDenied):  # a board member cannot decide what an association shares
        sharing.set_sharing(path, own, False, board)
    assert main(["sharing", "--db", str(path), "--association", other, "off"]) == 0
    assert other not in seen() and own in seen()  # one's own association is always in one's own picture
    log = audit.entries(path)
    assert (log.händelse.iloc[0], log.förbund.iloc[0]) == ("sharing_changed", other)
    assert '"av"' in log.detaljer.iloc[0]
    capsys.readouterr()
    assert main(["sharing", "--db", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(s) and next(x for x in lines if x.startswith(other + "\t")).split("\t")[1] == "av"
    assert main(["sharing", "--db", str(path), "--association", other, "on"]) == 0  # withdrawn, and back
    assert other in seen()
    assert audit.entries(path).förbund.iloc[0] == other
    assert main(["sharing", "--db", str(path), "--association", "Inget sådant", "on"]) == 1


def test_protected_values_stay_protected(national):
    """What another association shares is its key figures as its own pages show them protected: no count from 1
    to 4, no share over fewer than 5, whatever the role could see unprotected of its own."""
    con = read(national)
    try:
        own = sorted(settings(national).query("shares").association_id)[0]
        kf = c.shared_key_figures(con, ADMIN, own, (2006, 2025), OFF)  # asked unprotected: protected all the same
        theirs = q.run(con, "key_figures", q.Filters(years=(2006, 2025), associations=tuple(kf.association_id.unique())),
                       Protection(), ADMIN, by=("association_id",))
    finally:
        con.close()
    for column in COUNTS:
        values = kf[column].dropna()
        assert not values.between(1, 4).any(), column
    assert kf.women_share_pct.isna().any()  # the small database has hidden figures to check
    merged = kf.merge(theirs, on=["association_id", "year"], suffixes=("", "_page"))
    for measure in ("participants_total", "women_share_pct", "mean_months", "positive_step_pct", "retained_6m_pct"):
        hidden_on_page = merged[f"{measure}_page"].isna() & merged[measure.replace("_pct", "_pct")].notna()
        assert not hidden_on_page.any(), measure
        both = merged[merged[measure].notna()]
        np.testing.assert_allclose(both[measure], both[f"{measure}_page"])
    small = kf[kf.ended.between(1, 4, inclusive="both") | kf.ended.isna()]
    assert small.work_or_study_pct.isna().all() and small.mean_months.isna().all()


def test_rank_quartile_median_and_middle_half_are_those_of_the_values_shown(national):
    con = read(national)
    try:
        s = settings(national)
        own = largest(con, set(s.association_id[s.shares]), 2024)
        long, stats = c.comparison(con, Access("coordinator", (own,), "samordnare"), own, 2024)
    finally:
        con.close()
    for measure in c.MEASURES:
        shown = long[(long.measure == measure) & long.value.notna()]
        values = shown.value.to_numpy()
        st = stats[stats.measure == measure].iloc[0]
        assert st.associations == len(values)
        assert st["median"] == pytest.approx(np.median(values))
        assert (st.q1, st.q3) == pytest.approx((np.percentile(values, 25), np.percentile(values, 75)))
        mine = shown[shown.is_own]
        if len(mine):
            v = mine.value.iloc[0]
            assert mine["rank"].iloc[0] == 1 + (values > v).sum()
            assert mine.quartile.iloc[0] == (1 if v < st.q1 else 4 if v > st.q3 else 2 if v <= st["median"] else 3)
    assert long[long.value.isna()]["rank"].isna().all()


def test_compare_from_the_command_line_prints_what_the_query_says(national, capsys):
    s = settings(national)
    con = read(national)
    try:
        own = largest(con, set(s.association_id[s.shares]), 2024)
        long, stats = c.comparison(con, ADMIN, own, 2024)
    finally:
        con.close()
    assert main(["compare", "--db", str(national), "--association", own, "--year", "2024", "--format", "csv"]) == 0
    rows = {r["key_figure"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert list(rows) == list(c.MEASURES)
    for measure, decimals, in ((m, d) for m, _n, d, _k in c.COMPARED):
        st, r = stats[stats.measure == measure], rows[measure]
        assert int(r["associations"]) == (int(st.associations.iloc[0]) if len(st) else 0)
        pos = c.position(long, measure)
        if pos is not None:
            assert float(r["value"]) == pytest.approx(pos["value"], abs=10 ** -(decimals + 1))
            assert int(r["rank"]) == pos["rank"]
            assert float(r["median"]) == pytest.approx(st["median"].iloc[0], abs=10 ** -(decimals + 1))
    assert main(["compare", "--db", str(national), "--association", own, "--year", "2024"]) == 0
    text = capsys.readouterr().out
    assert "None" not in text and "nan" not in text and "_pct" not in text


def test_the_pack_and_the_chapter_say_what_the_query_says(national):
    from finsam.exports import comparison_section
    from finsam.exports.sections import context
    from finsam.exports.selection import Selection
    from finsam.present.comparison_charts import count_sv

    con = read(national)
    try:
        s = settings(national)
        own = largest(con, set(s.association_id[s.shares]), 2024)
        ctx = context(con, Selection(own, 2024), Access("board", (own,), "styrelse"), own)
        pack, chapter = comparison_section.pack(ctx), comparison_section.chapter(ctx)
        long, _stats = c.comparison(con, ADMIN, own, 2024, "all", ctx.protection)
    finally:
        con.close()
    lead = comparison_section.LEAD
    pos = c.position(long, lead)
    assert pos is not None, "the largest association has its exits to work or studies shown"
    others = long[(long.measure == lead) & ~long.is_own & long.value.notna()].value
    higher, lower = int((others < pos["value"]).sum()), int((others > pos["value"]).sum())
    word, count = ("högre", higher) if higher >= lower else ("lägre", lower)
    assert pack.sentence.startswith("Andelen som gick till arbete eller studier, ")
    assert f"är {word} än hos {count_sv(count)} av {count_sv(len(others))} förbund." in pack.sentence
    assert chapter.sentences[0] == pack.sentence
    assert len(chapter.sentences) == len(chapter.tables[0].data) == len(pack.table)
    assert pack.figure is not None and any(own in str(t.name) for t in pack.figure.data)
    cells = pack.table.to_numpy().ravel().tolist()
    assert not [x for x in cells if x in ("None", "nan") or "_pct" in str(x)]


def test_overview_median_line_reads_the_same_statistics(national):
    from finsam.present.comparison_charts import median_line

    con = read(national)
    try:
        _long, stats = c.comparison(con, ADMIN, None, 2024)
    finally:
        con.close()
    st = stats[stats.measure == "women_share_pct"].iloc[0]
    assert median_line(stats, "women_share_pct", "sv") == (
        f"Median för {st.associations} förbund: {round(st['median'])}\u00a0%")
    # one association is oneself, two would give the other's value away: no median under three
    few = stats.assign(associations=2)
    assert median_line(few, "women_share_pct", "sv") == ""
