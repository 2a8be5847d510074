"""Ekonomi: budget against used funds per intervention and year, the deviation, cost per participant and
per participant with a positive step; individual and structural interventions apart."""
import streamlit as st

from finsam import charts, ui
from finsam.labels import t

p = ui.page("page_economy")
lang, f = p.lang, p.filters
df = ui.query("economy", f)
if df.empty:
    st.info(t("no_money", lang))
    st.stop()
for kind in ("individual", "structural"):
    part = df[df.kind == kind]
    if part.empty:
        continue
    st.subheader(t(kind, lang))
    ui.chart(charts.economy(part, lang, p.subtitle), part, f"economy_{kind}", lang)
    if kind == "individual":
        ui.chart(charts.cost_per_participant(part, lang, p.subtitle), part, "cost_per_participant", lang,
                 note=t("economy_note", lang))
trend = ui.query("economy", f, by=("association_id",))
if trend.year.nunique() > 1:
    ui.chart(charts.economy(trend.assign(intervention_id=trend.association_id), lang, p.subtitle), trend,
             "economy_trend", lang)
