"""Jämför: where one's association stands among the associations that share their key figures (issue 27): each
key figure on one ranked axis with the median and the middle half, the same as a table with rank and quartile,
and one's own line over the years against the median and middle half (the published figures: Källor)."""
import streamlit as st

from finsam.access import AccessDenied
from finsam.present import comparison_charts as cc
from finsam.query.comparison import MEASURES, PEERS
from finsam.web import app, blocks, compare_reads

p = app.page("page_compare")
lang, f = p.lang, p.filters
own = compare_reads.own_association(f)
c1, c2 = st.columns([1, 2])
year = c1.selectbox(cc.w("year", lang), list(range(f.years[1], f.years[0] - 1, -1)), key="compare_year")
peers = c2.radio(cc.w("peers", lang), PEERS, format_func=lambda v: cc.w(f"peers_{v}", lang), horizontal=True,
                 key="compare_peers")
try:
    ranked, stats = compare_reads.year(own, year, peers)
    over_time = compare_reads.over_time(own, f.years, peers)
except AccessDenied as e:
    st.info(str(e))
    st.stop()
st.caption(cc.w("intro", lang))
if own is None:
    st.info(cc.w("choose_own", lang))
subtitle = f"{cc.w(f'peers_{peers}', lang)} · {year}"
st.subheader(f"{own or cc.w('others', lang)} · {year}")
st.dataframe(cc.overview(ranked, stats, lang), hide_index=True, key="compare_overview")
for measure in MEASURES:
    blocks.chart(cc.ranked(ranked, stats, measure, lang, subtitle), cc.league(ranked, measure, lang),
                 f"compare_{measure}", lang)

st.subheader(cc.w("over_time", lang))
measure = st.selectbox(cc.w("key_figure", lang), MEASURES, format_func=lambda m: cc.w(m, lang), key="compare_measure")
blocks.chart(cc.over_time(over_time, measure, own, lang, f"{cc.w(f'peers_{peers}', lang)} · {f.years[0]}–{f.years[1]}"),
             cc.over_time_table(over_time, measure, own, lang), "compare_over_time", lang)

st.caption(cc.w("published_elsewhere", lang))
