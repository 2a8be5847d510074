"""Uppföljning: the share who kept their positive step 6 and 18 months after exit, with response rates
and the number behind each share."""
import streamlit as st

from finsam.present import outcome_charts
from finsam.web import app, blocks, reads
from finsam.labels import t

p = app.page("page_followup")
lang, f = p.lang, p.filters
df = reads.query("followup", f)
if df.empty or df.due.sum() == 0:
    st.info(t("no_followup", lang))
    st.stop()
blocks.chart(outcome_charts.followup(df, lang, p.subtitle), df[df.due > 0], "followup", lang, note=t("n_note", lang))
