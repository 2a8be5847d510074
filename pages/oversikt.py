"""Översikt: key figures of the last year of the selection, with the change from the year before, and
the participant flow per year."""
import streamlit as st

from finsam.present import goal_charts, participant_charts
from finsam.query import goals, queries as q
from finsam.web import app, blocks, context, reads
from finsam.labels import number, percent, t

p = app.page("page_overview")
lang, f = p.lang, p.filters

last = f.years[1]
prev = f.with_years(last - 1, last)
kf = q.key_figure_series(reads.query("key_figures", prev))


def value(series, year):
    return series.get(year) if year in series.index else None


def delta(series, fmt):
    now, before = value(series, last), value(series, last - 1)
    if now is None or before is None or before != before or now != now:
        return None
    return f"{fmt(now - before)} {t('vs_prev', lang)} {last - 1}"


st.subheader(str(last))
figures = [
    ("kf_participants", kf["participants_total"], lambda v: number(v, 0, lang), lambda d: f"{d:+.0f}"),
    ("kf_new", kf["new"], lambda v: number(v, 0, lang), lambda d: f"{d:+.0f}"),
    ("kf_ended", kf["ended"], lambda v: number(v, 0, lang), lambda d: f"{d:+.0f}"),
    ("kf_women", kf["women_share_pct"], lambda v: percent(v, 0, lang), lambda d: f"{d:+.0f} %-enh." if lang == "sv" else f"{d:+.0f} pp"),
    ("kf_mean_time", kf["mean_months"], lambda v: f"{number(v, 1, lang)} {t('months', lang)}",
     lambda d: f"{'+' if d >= 0 else '-'}{number(abs(d), 1, lang)} {t('months', lang)}"),
    ("kf_positive", kf["positive_step_pct"], lambda v: percent(v, 0, lang), lambda d: f"{d:+.0f} %-enh." if lang == "sv" else f"{d:+.0f} pp"),
    ("kf_retained", kf["retained_6m_pct"], lambda v: percent(v, 0, lang), lambda d: f"{d:+.0f} %-enh." if lang == "sv" else f"{d:+.0f} pp"),
]
marks = goals.marks_for_key_figures(reads.goal_query("attainment", f, last), f, context.access().associations or ())
columns = ["participants_total", "new", "ended", "women_share_pct", "mean_months", "positive_step_pct", "retained_6m_pct"]
cols = st.columns(4) + st.columns(4)
for c, column, (key, series, fmt, dfmt) in zip(cols, columns, figures):
    v = value(series, last)
    mark = f" · {t('goal_mark', lang).format(marks[column])}" if column in marks else ""
    c.metric(t(key, lang) + mark, fmt(v) if v is not None and v == v else "–", delta(series, dfmt), delta_color="off",
             border=True)

all_flow = reads.query("participant_flow", f)
flow_chart = participant_charts.flow(all_flow, lang, p.subtitle)
goal_charts.add_goal_lines(flow_chart, reads.goal_query("goal_lines", f, "participants"), lang)
blocks.chart(flow_chart, all_flow, "flow", lang)
