"""Comparisons across associations as the reader meets them (issue 27): each key figure as one ranked axis
of dots (every association that shares, one's own highlighted and named, the median and the middle half
marked), one's own line over the years against the median and middle half of all, the Kolada-style tables
(rank and quartile) and the sentences of Översikt, the board pack and the chapter. Figures from
finsam.query.comparison; every number printed through finsam.labels."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from finsam.labels import MISSING, SUPPRESSED, number, percent
from finsam.present.chart_layout import INK, layout
from finsam.present.figure_cache import cached
from finsam.query.comparison import COMPARED

OWN = "#B2182B"  # one's own association: the one red among grey-blue dots (and named, so colour is not alone)
OTHERS = "#4A6FA5"
BAND = "rgba(74, 111, 165, 0.16)"
MEDIAN = "#1A1A1A"
NAMED_UP_TO = 30  # up to this many associations each is named on the axis; beyond, one's own only
DECIMALS = {m: d for m, _n, d, _k in COMPARED}
KIND = {m: k for m, _n, _d, k in COMPARED}
WORDS = {
    "participants_total": ("Deltagare", "Participants"),
    "women_share_pct": ("Andel kvinnor", "Share of women"),
    "mean_months": ("Medeltid i insats", "Mean time in intervention"),
    "positive_step_pct": ("Positiv stegförflyttning", "Positive step"),
    "work_or_study_pct": ("Till arbete eller studier", "To work or studies"),
    "retained_6m_pct": ("Behållit steget efter 6 mån", "Kept the step after 6 months"),
    "cost_per_participant_sek": ("Kostnad per deltagare", "Cost per participant"),
    "association": ("Förbund", "Association"),
    "key_figure": ("Nyckeltal", "Key figure"),
    "value": ("Värde", "Value"),
    "rank": ("Plats (1 = högst)", "Rank (1 = highest)"),
    "quartile": ("Kvartil (1 = lägst)", "Quartile (1 = lowest)"),
    "median": ("Median", "Median"),
    "middle_half": ("Mittersta hälften", "Middle half"),
    "associations": ("Antal förbund", "Associations"),
    "others": ("Förbund som delar", "Associations that share"),
    "own_suffix": ("ert förbund", "your association"),
    "not_sharing": ("delar inte", "does not share"),
    "of": ("av", "of"),
    "t_ranked": ("{} bland förbunden {}", "{} among the associations, {}"),
    "t_over_time": ("{} över tid, mot medianen och mittersta hälften", "{} over time, against the median and middle half"),
    "year": ("År", "Year"),
    "median_line": ("Median för {} förbund: {}", "Median of {} associations: {}"),
    "peers": ("Jämför med", "Compare with"),
    "peers_all": ("alla förbund som delar", "all associations that share"),
    "peers_county": ("förbund i samma län", "associations in the same county"),
    "peers_size": ("förbund av liknande storlek", "associations of similar size"),
    "intro": ("Här visas de förbund som har valt att dela sina nyckeltal, och ert eget förbund. Varje förbund "
              "bestämmer själv om det delar; ingen ser ett annat förbunds deltagare, insatser eller kommuner, och "
              "små tal skyddas som överallt. Liknande storlek: från hälften till dubbelt så många deltagare som ert "
              "förbund samma år.",
              "Shown: the associations that chose to share their key figures, and your own. Each association "
              "decides whether it shares; nobody sees another association's participants, interventions or "
              "municipalities, and small counts are protected as everywhere. Similar size: from half to twice "
              "your association's participants the same year."),
    "choose_own": ("Välj ett förbund i urvalet för att se var det står bland de andra.",
                   "Choose one association in the selection to see where it stands among the others."),
    "over_time": ("Över tid", "Over time"),
    "published_elsewhere": ("Publicerade siffror som deltagarposterna inte räcker till finns under Källor.",
                            "Published figures the records do not reach are under Sources."),
}
SUBJECT_SV = {  # the pack's and the chapter's sentences
    "participants_total": "Antalet deltagare", "women_share_pct": "Andelen kvinnor",
    "mean_months": "Medeltiden i insats", "positive_step_pct": "Andelen med positiv stegförflyttning",
    "work_or_study_pct": "Andelen som gick till arbete eller studier",
    "retained_6m_pct": "Andelen som behållit sitt steg efter 6 månader",
    "cost_per_participant_sek": "Kostnaden per deltagare"}
NUMBER_WORDS_SV = ("noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv")


def w(key: str, lang: str) -> str:
    sv, en = WORDS[key]
    return en if lang == "en" else sv


def value_text(measure: str, value, lang: str) -> str:
    """A compared value as printed: 38 %, 9,2 mån, 41 000 kr, 312; hidden '..', none '–'."""
    if value is None:
        return MISSING
    d, kind = DECIMALS[measure], KIND[measure]
    if kind == "percent":
        return percent(value, d, lang)
    text = number(value, d, lang)
    if text == SUPPRESSED or kind == "count":
        return text
    return f"{text}\u00a0{'mån' if lang == 'sv' else 'months'}" if kind == "months" else f"{text}\u00a0kr"


def middle_text(measure: str, q1, q3, lang: str) -> str:
    """The middle half as printed: "35–44 %" ('–' when there is none)."""
    if q1 is None or q3 is None or pd.isna(q1) or pd.isna(q3):
        return MISSING
    low, high = value_text(measure, q1, lang), value_text(measure, q3, lang)
    unit = high[len(number(q3, DECIMALS[measure], lang)):]  # " %", " mån", " kr" or ''
    return f"{low[:len(low) - len(unit)] if unit and low.endswith(unit) else low}–{high}"


def _name(row, lang: str) -> str:
    if not row.is_own:
        return str(row.association_id)
    return f"{row.association_id} ({w('own_suffix', lang)}{'' if row.shares else ', ' + w('not_sharing', lang)})"


@cached
def ranked(long: pd.DataFrame, stats: pd.DataFrame, measure: str, lang: str, subtitle: str) -> go.Figure:
    """One key figure: every association with a value shown as a dot on one axis, sorted (highest on top), one's
    own red, larger and named with its value and n; the middle half shaded and the median a line."""
    d = long[(long.measure == measure) & long.value.notna()].sort_values(["value", "association_id"],
                                                                        ascending=[False, True])
    n = len(d)
    pos = list(range(1, n + 1))
    counted = KIND[measure] == "count"  # a count is its own n
    d = d.assign(pos=pos, label=[_name(r, lang) for r in d.itertuples()],
                 text=[value_text(measure, v, lang) + ("" if counted else f" (n\u00a0{number(k, 0, lang)})")
                       for v, k in zip(d.value, d.n)])
    fig = go.Figure()
    st = stats[stats.measure == measure]
    top, bottom = 0.2, n + 0.8
    if len(st) and n:
        q1, med, q3 = (float(st[c].iloc[0]) for c in ("q1", "median", "q3"))
        middle, median = middle_text(measure, q1, q3, lang), value_text(measure, med, lang)
        fig.add_scatter(x=[q1, q3, q3, q1, q1], y=[top, top, bottom, bottom, top], mode="lines", fill="toself",
                        fillcolor=BAND, line=dict(width=0), name=w("middle_half", lang), text=[middle] * 5,
                        hoveron="fills", hoverinfo="text+name")
        fig.add_scatter(x=[med, med], y=[top, bottom], mode="lines", line=dict(color=MEDIAN, width=2, dash="dash"),
                        name=w("median", lang), text=[median] * 2, hoverinfo="text+name")
        fig.add_annotation(x=med, y=top, yanchor="bottom", text=f"{w('median', lang)} {median}", showarrow=False,
                           font=dict(color=INK, size=13), bgcolor="rgba(255,255,255,0.85)")
    few = n <= NAMED_UP_TO
    others = d[~d.is_own.astype(bool)]
    fig.add_scatter(x=others.value.tolist(), y=others.pos.tolist(), mode="markers+text" if few else "markers", name=w("others", lang),
                    marker=dict(color=OTHERS, size=10 if few else 8, line=dict(color="white", width=1)),
                    text=others.text, textposition="middle right", textfont=dict(color=INK, size=12),
                    customdata=others.label, hovertemplate="%{customdata}: %{text}<extra></extra>")
    mine = d[d.is_own.astype(bool)]
    if len(mine):
        named = "" if few else f"{mine.association_id.iloc[0]} "
        fig.add_scatter(x=mine.value.tolist(), y=mine.pos.tolist(), mode="markers+text", name=mine.label.iloc[0],
                        marker=dict(color=OWN, size=16, symbol="diamond", line=dict(color="white", width=1.5)),
                        text=[f"<b>{named}{mine.text.iloc[0]}</b>"],
                        textposition="middle right", textfont=dict(color=OWN, size=14),
                        customdata=mine.label, hovertemplate="%{customdata}: %{text}<extra></extra>")
    height = max(300, min(560, 150 + 24 * n))
    fig = layout(fig, WORDS[measure][1 if lang == "en" else 0], subtitle, lang, "", "", height=height)
    ranks = [1] + [r for r in range(10 if n <= 60 else 25, n + 1, 10 if n <= 60 else 25)]
    fig.update_yaxes(autorange=False, range=[bottom, top - 0.9], tickvals=pos if few else ranks,
                     ticktext=list(d.label) if few else [str(r) for r in ranks], showgrid=False, rangemode="normal",
                     zeroline=False, title_text="" if few else w("rank", lang))
    low, high = (min(0.0, float(d.value.min())), float(d.value.max())) if n else (0.0, 1.0)
    fig.update_xaxes(range=[low, high + 0.4 * ((high - low) or 1.0)], zeroline=False,
                     tickformat=",d" if KIND[measure] in ("count", "sek") else None)  # 20 000, not 20k
    fig.update_layout(margin=dict(l=20, r=20, t=90, b=70), legend=dict(y=-0.08 if n > 10 else -0.2))
    return fig


@cached
def over_time(df: pd.DataFrame, measure: str, own: str | None, lang: str, subtitle: str) -> go.Figure:
    """finsam.query.comparison.over_time for one measure: the middle half as a band, the median dashed and one's
    own line with its values."""
    d = df[df.measure == measure].sort_values("year")
    fig = go.Figure()
    fig.add_scatter(x=d.year, y=d.q3, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
    fig.add_scatter(x=d.year, y=d.q1, mode="lines", line=dict(width=0), fill="tonexty", fillcolor=BAND,
                    name=w("middle_half", lang), hoverinfo="skip")
    fig.add_scatter(x=d.year, y=d["median"], mode="lines", line=dict(color=MEDIAN, width=2, dash="dash"),
                    name=w("median", lang), text=[value_text(measure, v, lang) for v in d["median"]],
                    hovertemplate="%{x}: %{text}<extra>" + w("median", lang) + "</extra>")
    if own:
        fig.add_scatter(x=d.year, y=d.own, mode="lines+markers+text", name=own, line=dict(color=OWN, width=3),
                        marker=dict(size=9), text=[value_text(measure, v, lang) for v in d.own],
                        textposition="top center", textfont=dict(color=OWN),
                        hovertemplate="%{x}: %{text}<extra>" + own + "</extra>")
    fig = layout(fig, w("t_over_time", lang).format(WORDS[measure][1 if lang == "en" else 0]), subtitle, lang,
                 w("year", lang), "")
    fig.update_xaxes(type="category")
    return fig


def over_time_table(df: pd.DataFrame, measure: str, own: str | None, lang: str) -> pd.DataFrame:
    """The over-time chart's table: per year one's own value, the median, the middle half and how many."""
    d = df[df.measure == measure].sort_values("year")
    out = pd.DataFrame({w("year", lang): d.year.astype(int).astype(str)})
    if own:
        out[own] = [value_text(measure, v, lang) for v in d.own]
    out[w("median", lang)] = [value_text(measure, v, lang) for v in d["median"]]
    out[w("middle_half", lang)] = [middle_text(measure, a, b, lang) for a, b in zip(d.q1, d.q3)]
    out[w("associations", lang)] = [number(v, 0, lang) for v in d.associations]
    return out


def overview(long: pd.DataFrame, stats: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per key figure, one's own value, rank and quartile beside the median, the middle half and how many."""
    rows = []
    for measure, *_ in COMPARED:
        st = stats[stats.measure == measure]
        mine = long[(long.measure == measure) & long.is_own.astype(bool)]
        has = len(mine) and pd.notna(mine.value.iloc[0])
        rows.append({
            w("key_figure", lang): WORDS[measure][1 if lang == "en" else 0],
            w("value", lang): value_text(measure, mine.value.iloc[0], lang) if len(mine) else MISSING,
            "n": number(mine.n.iloc[0], 0, lang) if len(mine) else MISSING,
            w("rank", lang): f"{int(mine['rank'].iloc[0])} {w('of', lang)} {int(mine.of.iloc[0])}" if has else MISSING,
            w("quartile", lang): str(int(mine.quartile.iloc[0])) if has else MISSING,
            w("median", lang): value_text(measure, st["median"].iloc[0], lang) if len(st) else MISSING,
            w("middle_half", lang): middle_text(measure, st.q1.iloc[0], st.q3.iloc[0], lang) if len(st) else MISSING,
            w("associations", lang): number(st.associations.iloc[0], 0, lang) if len(st) else "0"})
    return pd.DataFrame(rows)


def league(long: pd.DataFrame, measure: str, lang: str) -> pd.DataFrame:
    """One key figure as Kolada shows municipalities side by side: rank, association, value, n, quartile."""
    d = long[long.measure == measure].sort_values(["rank", "association_id"], na_position="last")
    return pd.DataFrame({
        w("rank", lang): [MISSING if pd.isna(r) else str(int(r)) for r in d["rank"]],
        w("association", lang): [_name(r, lang) for r in d.itertuples()],
        w("value", lang): [value_text(measure, v, lang) for v in d.value],
        "n": [number(k, 0, lang) for k in d.n],
        w("quartile", lang): [MISSING if pd.isna(q) else str(int(q)) for q in d.quartile]})


MEDIAN_FROM = 3  # associations with a value before Översikt shows their median (one is oneself; two give the other away)


def median_line(stats: pd.DataFrame, measure: str, lang: str) -> str:
    """Översikt's line under a key figure: "Median för 12 förbund: 41 %" ('' with fewer than MEDIAN_FROM)."""
    st = stats[stats.measure == measure]
    if st.empty or not st.associations.iloc[0] or st.associations.iloc[0] < MEDIAN_FROM:
        return ""
    return w("median_line", lang).format(number(st.associations.iloc[0], 0, lang),
                                         value_text(measure, st["median"].iloc[0], lang))


def count_sv(n: int) -> str:
    """A number of associations in words as a Swedish sentence says it (ett, två ... tolv, then digits)."""
    return NUMBER_WORDS_SV[n] if 0 <= n < len(NUMBER_WORDS_SV) else number(n, 0, "sv")


def sentence_sv(measure: str, pos: dict) -> str:
    """"Andelen som gick till arbete eller studier, 38 %, är högre än hos tre av fyra förbund." from
    finsam.query.comparison.position."""
    value = value_text(measure, pos["value"], "sv")
    if pos["higher_than"] >= pos["lower_than"]:
        how = f"högre än hos {count_sv(pos['higher_than'])}"
    else:
        how = f"lägre än hos {count_sv(pos['lower_than'])}"
    if pos["higher_than"] == pos["lower_than"] == 0:
        return f"{SUBJECT_SV[measure]}, {value}, är densamma som hos de andra förbunden ({count_sv(pos['others'])})."
    return f"{SUBJECT_SV[measure]}, {value}, är {how} av {count_sv(pos['others'])} förbund."
