"""Remittenter: referral sources per year (counts and shares), the municipality x source table as a
heatmap, and each source's share over the years."""
import streamlit as st

from finsam.present import referral_charts
from finsam.web import app, blocks, reads, sidebar
from finsam.labels import t

p = app.page("page_referrals")
lang, f = p.lang, p.filters
labels = reads.code_labels("referral_source", lang)
df = reads.query("referral_split", f)
blocks.chart(referral_charts.referrals(df, labels, lang, p.subtitle), df, "referrals", lang, {"referral_source": labels})
years = list(range(f.years[0], f.years[1] + 1))
year = st.selectbox(t("years", lang), years, index=len(years) - 1, key="heat_year")
heat = reads.query("referral_by_municipality", f.with_years(year, year))
if not heat.empty:
    blocks.chart(referral_charts.referral_heatmap(heat, labels, lang, sidebar.selection_text(f.with_years(year, year), lang)), heat,
             "referral_municipality", lang, {"referral_source": labels})
blocks.chart(referral_charts.referral_trend(df, labels, lang, p.subtitle), df, "referral_trend", lang, {"referral_source": labels})
