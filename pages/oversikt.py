"""Översikt: key figures of the last year of the selection, with the change from the year before, and
the participant flow per year."""
import streamlit as st

from finsam.present import goal_charts, headlines as headline_text, participant_charts
from finsam.query import goals, headlines, queries as q
from finsam.web import app, blocks, compare_reads, context, reads
from finsam.labels import t
from finsam.present.key_figures import KEY_FIGURES, change, shown

p = app.page("page_overview")
lang, f = p.lang, p.filters

last = f.years[1]
prev = f.with_years(last - 1, last)
kf = q.key_figure_series(reads.query("key_figures", prev))


def value(series, year):
    return series.get(year) if year in series.index else None


st.subheader(str(last))
marks = goals.marks_for_key_figures(reads.goal_query("attainment", f, last), f, context.access().associations or ())
cols = st.columns(4) + st.columns(4)
medians = compare_reads.median_lines(f, last, lang)  # the median of the associations that share (issue 27)
for c, k in zip(cols, KEY_FIGURES):
    series = kf[k.column]
    mark = f" · {t('goal_mark', lang).format(marks[k.column])}" if k.column in marks else ""
    text, arrow = change(k, value(series, last), value(series, last - 1), lang)
    c.metric(t(k.label_key, lang) + mark, shown(k, value(series, last), lang),
             f"{text} {t('vs_prev', lang)} {last - 1}" if text else None, delta_color="off", delta_arrow=arrow,
             border=True)
    if any(medians.values()):  # a line under every figure only where there is a median to give
        c.caption(medians.get(k.column) or "\u00a0")

split = headlines.split(reads.query("intervention_flow", f.with_years(last, last)), reads.published_figures(), last)
if len(split) > 1:  # several interventions: side by side with the total, and how it relates to the report
    totals = {k.column: value(kf[k.column], last) for k in KEY_FIGURES[:3]}
    st.subheader(headline_text.say("heading", lang).format(last))
    st.dataframe(headline_text.table(split, totals, lang), hide_index=True, key="headline_split")
    st.caption(headline_text.words(split, totals, last, lang))

all_flow = reads.query("participant_flow", f)
flow_chart = participant_charts.flow(all_flow, lang, p.subtitle)
goal_charts.add_goal_lines(flow_chart, reads.goal_query("goal_lines", f, "participants"), lang)
blocks.chart(flow_chart, all_flow, "flow", lang)
