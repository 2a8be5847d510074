"""Tid i insats: the distribution of days in intervention, mean and median per year, by exit reason and by
assignment (over participations ended in each year)."""
import streamlit as st

from finsam.present import outcome_charts
from finsam.web import app, blocks, reads
from finsam.labels import t

p = app.page("page_time")
lang, f = p.lang, p.filters
summary = reads.query("time_in_intervention", f)
if summary.empty:
    st.info(t("empty", lang))
    st.stop()
blocks.chart(outcome_charts.time_mean(summary, lang, p.subtitle), summary, "time_mean", lang)
dist = reads.query("time_distribution", f)
blocks.chart(outcome_charts.time_distribution(dist, lang, p.subtitle), dist, "time_distribution", lang)
exits = reads.code_labels("exit_reason", lang)
by_exit = reads.query("time_in_intervention", f, split="exit_reason")
blocks.chart(outcome_charts.time_by(by_exit, "exit_reason", exits, lang, p.subtitle), by_exit, "time_exit", lang,
         {"exit_reason": exits})
assignments = {**reads.code_labels("assignment", lang), "": t("no_assignment", lang)}  # never a blank
by_assignment = reads.query("time_in_intervention", f, split="assignment")
blocks.chart(outcome_charts.time_by(by_assignment, "assignment", assignments, lang, p.subtitle), by_assignment,
         "time_assignment", lang, {"assignment": assignments})
