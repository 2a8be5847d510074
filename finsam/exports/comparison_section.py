"""The board pack's and the chapter's comparison with the other associations (issue 27): where the association
stands among those that share their key figures, in sentences ("Andelen som gick till arbete eller studier,
38 %, är högre än hos tre av fyra förbund.") and a table, both from finsam.query.comparison, the query Jämför
shows, under the export's protection. None when no other association shares a figure of the year."""
from __future__ import annotations

import pandas as pd

from finsam.exports.sections import LANG, Chart, Context, Section, Table
from finsam.present import comparison_charts as cc
from finsam.query import comparison

TITLE = "Jämfört med andra förbund"
NOTE = ("Jämförelsen gäller de förbund som har valt att dela sina nyckeltal. Plats 1 = högst värde; kvartil 1 = den "
        "lägsta fjärdedelen. Medianen och kvartilerna räknas över de värden som visas; ett dolt värde (..) ingår inte.")
LEAD = "work_or_study_pct"  # the pack's one sentence and chart, when the association has it


def _read(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict]] | None:
    long, stats = comparison.comparison(ctx.con, ctx.access, ctx.sel.association, ctx.y, "all", ctx.protection)
    where = {m: p for m in comparison.MEASURES for p in [comparison.position(long, m)] if p is not None}
    return (long, stats, where) if where else None


def sentences(where: dict[str, dict]) -> list[str]:
    """A sentence per key figure the association can be compared on, the lead figure first."""
    order = sorted(where, key=lambda m: (m != LEAD, comparison.MEASURES.index(m)))
    return [cc.sentence_sv(m, where[m]) for m in order]


def _rows(stats: pd.DataFrame, where: dict[str, dict]) -> list[dict]:
    rows = []
    for m in comparison.MEASURES:
        st, p = stats[stats.measure == m], where.get(m)
        if p is None or st.empty:
            continue
        rows.append({"measure": m, "value": p["value"], "median": float(st["median"].iloc[0]),
                     "q1": float(st.q1.iloc[0]), "q3": float(st.q3.iloc[0]), "rank": p["rank"], "of": p["of"]})
    return rows


def pack(ctx: Context) -> Section | None:
    """One sentence, the table of every key figure (printed) and the lead figure's ranked chart."""
    read = _read(ctx)
    if read is None:
        return None
    long, stats, where = read
    rows = [[cc.w(r["measure"], LANG), cc.value_text(r["measure"], r["value"], LANG),
             cc.value_text(r["measure"], r["median"], LANG),
             cc.middle_text(r["measure"], r["q1"], r["q3"], LANG),
             f"{r['rank']} av {r['of']}"] for r in _rows(stats, where)]
    table = pd.DataFrame(rows, columns=["Nyckeltal", ctx.sel.association, "Median", "Mittersta hälften", "Plats"])
    lead = LEAD if LEAD in where else next(iter(where))
    figure = cc.ranked(long, stats, lead, LANG, f"Förbund som delar sina nyckeltal · {ctx.y}")
    return Section(TITLE, sentences=sentences(where)[:1], tables=[Table(table)], charts=[Chart(figure)],
                   notes=[NOTE], key="comparison")


def chapter(s: Context) -> Section | None:
    """The association as a whole: a sentence per key figure and the table (numbers as numbers)."""
    if s.intervention:
        return None
    read = _read(s)
    if read is None:
        return None
    _long, stats, where = read
    rows = _rows(stats, where)
    data = pd.DataFrame({"Nyckeltal": [cc.w(r["measure"], LANG) for r in rows],
                         "Förbundet": [r["value"] for r in rows], "Median": [r["median"] for r in rows],
                         "Kvartil 1": [r["q1"] for r in rows], "Kvartil 3": [r["q3"] for r in rows],
                         "Plats": [r["rank"] for r in rows], "Antal förbund": [r["of"] for r in rows]})
    decimals = {c: 1 for c in ("Förbundet", "Median", "Kvartil 1", "Kvartil 3")}
    return Section(TITLE, s.level, sentences(where),
                   [Table(data, s.caption(f"Nyckeltal {s.y} bland förbunden som delar dem"),
                          "Källa: finsam, nyckeltal som förbunden delar", None, decimals)], notes=[NOTE])
