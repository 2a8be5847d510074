"""Jämför: associations side by side and years side by side on the same key figures, with the published
figures beside them where the records do not reach."""
from dataclasses import replace

import streamlit as st

from finsam.present import participant_charts
from finsam.web import app, blocks, reads, sidebar
from finsam.labels import col, t

p = app.page("page_compare")
lang, f = p.lang, p.filters
measures = [("participants_total", t("short_participants", lang)), ("women_share_pct", t("short_women", lang)),
            ("mean_months", t("short_time", lang)), ("positive_step_pct", t("short_positive", lang)),
            ("retained_6m_pct", t("short_retained", lang))]
years = list(range(f.years[0], f.years[1] + 1))

choice = st.selectbox(t("years", lang), ["latest"] + years, key="compare_year",
                      format_func=lambda y: t("latest_per_association", lang) if y == "latest" else str(y))
# every association, for the same gender and referral sources (interventions and municipalities belong to
# one association each, so they do not carry over); each at its latest year or all at one year
span = reads.lookup("year_range", ())
peers = replace(f, associations=(), interventions=(), municipalities=(),
                years=span if choice == "latest" else (choice, choice))
by_assoc = reads.query("key_figures", peers, by=("association_id",))  # one query for every association
by_assoc = by_assoc[by_assoc.participants_total.isna() | (by_assoc.participants_total > 0)]
if choice == "latest":  # each association at its own latest year with participants
    by_assoc = by_assoc[by_assoc.year == by_assoc.groupby("association_id").year.transform("max")]
by_assoc["group"] = by_assoc.association_id + " " + by_assoc.year.astype(str)
if by_assoc.empty:
    st.info(t("empty", lang))
else:
    blocks.chart(participant_charts.compare(by_assoc, "group", measures, lang, t("t_compare_assoc", lang),
                            sidebar.selection_text(replace(f, associations=(), interventions=(), municipalities=(),
                                                      years=None), lang)),
             by_assoc.drop(columns=["group"]), "compare_associations", lang, note=t("compare_note", lang))

c1, c2 = st.columns(2)
year_a = c1.selectbox(t("year_a", lang), years, index=max(0, len(years) - 2), key="compare_a")
year_b = c2.selectbox(t("year_b", lang), years, index=len(years) - 1, key="compare_b")
both = reads.query("key_figures", f)
both = both[both.year.isin([year_a, year_b])]
blocks.chart(participant_charts.compare(both, "year", measures, lang, t("t_compare_years", lang), p.subtitle), both,
         "compare_years", lang)

st.subheader(t("published_note", lang))
published = reads.reconciliation()
shown = published[(published.status == "not_reconstructable") & published.year.between(*f.years)]
if f.associations:
    shown = shown[shown.association.isin(f.associations)]
shown = shown[["association", "intervention", "year", "measure", "dimension", "category", "value", "unit",
               "source_file", "section"]]
if published.empty:
    st.info(t("no_published", lang))
else:
    st.dataframe(shown.rename(columns={c: col(c, lang) for c in shown.columns}), hide_index=True,
                 key="published_table")
