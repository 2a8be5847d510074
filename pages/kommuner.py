"""Kommuner: each municipality's share of the participants against its share of the population."""
import streamlit as st

from finsam import charts, ui
from finsam.labels import t

p = ui.page()
lang, f = p.lang, p.filters
st.title(t("page_municipalities", lang))
st.caption(p.subtitle)
df = ui.query("municipality_split", f)
ui.chart(charts.municipalities(df, lang, p.subtitle), df.drop(columns=["municipality_association_id"]),
         "municipalities", lang)
