"""Avslut och resultat: exit reasons and the share with a positive step per year (and per assignment)."""
import streamlit as st

from finsam.present import charts
from finsam.web import app, ui
from finsam.labels import t

p = app.page("page_exits")
lang, f = p.lang, p.filters
exits = ui.code_labels("exit_reason", lang)
df = ui.query("exit_reasons", f)
if df.empty:
    st.info(t("empty", lang))
    st.stop()
ui.chart(charts.exits(df, exits, lang, p.subtitle), df, "exits", lang, {"exit_reason": exits})
steps = ui.query("positive_steps", f)
steps_chart = charts.add_goal_lines(charts.positive_steps(steps, {}, lang, p.subtitle),
                                    ui.goal_query("goal_lines", f, "positive_step_share"), lang)
ui.chart(steps_chart, steps, "positive", lang, note=t("n_note", lang))
assignments = ui.code_labels("assignment", lang)
by_assignment = ui.query("positive_steps", f, by_assignment=True)
if (by_assignment.assignment != "").any():
    ui.chart(charts.positive_steps(by_assignment, assignments, lang, p.subtitle), by_assignment, "positive_assignment",
             lang, {"assignment": assignments})
