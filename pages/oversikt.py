"""Översikt: key figures of the last year of the selection, with the change from the year before, and
the participant flow per year."""
import streamlit as st

from finsam import charts, ui
from finsam.labels import number, percent, t

p = ui.page("page_overview")
lang, f = p.lang, p.filters

last = f.years[1]
prev = f.with_years(last - 1, last)
flow = ui.query("participant_flow", prev).set_index("year")
gender = ui.query("gender_split", prev)
time = ui.query("mean_time", prev).set_index("year")
steps = ui.query("positive_steps", prev).set_index("year")
follow = ui.query("followup", prev)
follow = follow[follow.horizon == "6m"].set_index("year")
women = gender[gender.gender == "kvinna"].set_index("year").share_pct


def value(series, year):
    return series.get(year) if year in series.index else None


def delta(series, fmt):
    now, before = value(series, last), value(series, last - 1)
    if now is None or before is None or before != before or now != now:
        return None
    return f"{fmt(now - before)} {t('vs_prev', lang)} {last - 1}"


st.subheader(str(last))
figures = [
    ("kf_participants", flow.participants_total, lambda v: number(v, 0, lang), lambda d: f"{d:+.0f}"),
    ("kf_new", flow.new, lambda v: number(v, 0, lang), lambda d: f"{d:+.0f}"),
    ("kf_ended", flow.ended, lambda v: number(v, 0, lang), lambda d: f"{d:+.0f}"),
    ("kf_women", women, lambda v: percent(v, 0, lang), lambda d: f"{d:+.0f} %-enh." if lang == "sv" else f"{d:+.0f} pp"),
    ("kf_mean_time", time.mean_months, lambda v: f"{number(v, 1, lang)} {t('months', lang)}",
     lambda d: f"{'+' if d >= 0 else '-'}{number(abs(d), 1, lang)} {t('months', lang)}"),
    ("kf_positive", steps.share_pct, lambda v: percent(v, 0, lang), lambda d: f"{d:+.0f} %-enh." if lang == "sv" else f"{d:+.0f} pp"),
    ("kf_retained", follow.retained_share_pct, lambda v: percent(v, 0, lang), lambda d: f"{d:+.0f} %-enh." if lang == "sv" else f"{d:+.0f} pp"),
]
cols = st.columns(4) + st.columns(4)
for c, (key, series, fmt, dfmt) in zip(cols, figures):
    v = value(series, last)
    c.metric(t(key, lang), fmt(v) if v is not None and v == v else "–", delta(series, dfmt), delta_color="off",
             border=True)

all_flow = ui.query("participant_flow", f)
ui.chart(charts.flow(all_flow, lang, p.subtitle), all_flow, "flow", lang)
