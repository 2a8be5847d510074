"""Ekonomi: budget against used funds per intervention and year, the deviation, cost per participant and
per participant with a positive step; individual and structural interventions apart. Per intervention
within one association, else per association (filters.group_chart), over the last years with budgets
(filters.recent_rows); then the whole selection year by year."""
import streamlit as st

from finsam.present import economy_charts
from finsam.query.filters import group_chart, recent_rows
from finsam.web import app, blocks, reads, sidebar
from finsam.labels import t

p = app.page("page_economy")
lang, f = p.lang, p.filters
counts = reads.lookup("selection_counts", f)
by, _recent = group_chart(f, counts["interventions"], counts["associations"])
df = reads.query("economy", f, by=by)
if df.empty:
    st.info(t("no_money", lang))
    st.stop()
for kind in ("individual", "structural"):
    part = df[df.kind == kind]
    if part.empty:
        continue
    part = recent_rows(part, part.groupby(list(by)).ngroups)
    shown = sidebar.selection_text(f.with_years(int(part.year.min()), int(part.year.max())), lang)
    st.subheader(t(kind, lang))
    blocks.chart(economy_charts.economy(part, lang, shown), part, f"economy_{kind}", lang)
    if kind == "individual":
        blocks.chart(economy_charts.cost_per_participant(part, lang, shown), part, "cost_per_participant", lang,
                 note=t("economy_note", lang))
trend = reads.query("economy", f, by=())
trend = trend[trend.kind == "individual"]
if trend.year.nunique() > 1:
    blocks.chart(economy_charts.economy(trend, lang, p.subtitle), trend, "economy_trend", lang)
