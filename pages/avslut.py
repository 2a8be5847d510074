"""Avslut och resultat: exit reasons and the share with a positive step per year (and per assignment)."""
import streamlit as st

from finsam.present import goal_charts, outcome_charts
from finsam.web import app, blocks, reads
from finsam.labels import t

p = app.page("page_exits")
lang, f = p.lang, p.filters
exits = reads.code_labels("exit_reason", lang)
df = reads.query("exit_reasons", f)
if df.empty:
    st.info(t("empty", lang))
    st.stop()
blocks.chart(outcome_charts.exits(df, exits, lang, p.subtitle), df, "exits", lang, {"exit_reason": exits})
steps = reads.query("positive_steps", f)
steps_chart = goal_charts.add_goal_lines(outcome_charts.positive_steps(steps, {}, lang, p.subtitle),
                                    reads.goal_query("goal_lines", f, "positive_step_share"), lang)
blocks.chart(steps_chart, steps, "positive", lang, note=t("n_note", lang))
assignments = {**reads.code_labels("assignment", lang), "": t("no_assignment", lang)}  # never a blank
by_assignment = reads.query("positive_steps", f, by_assignment=True)
if (by_assignment.assignment != "").any():
    blocks.chart(outcome_charts.positive_steps(by_assignment, assignments, lang, p.subtitle), by_assignment, "positive_assignment",
             lang, {"assignment": assignments})
