"""Charts of the surveys: the share of positive answers per question and year, per association and
question (a heatmap), and the share of new participants exposed to violence."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from finsam import colors
from finsam.labels import col, number, percent, t
from finsam.present.chart_layout import layout, years_axis
from finsam.present.figure_cache import cached


@cached
def survey(df: pd.DataFrame, lang: str, title: str, subtitle: str) -> go.Figure:
    """surveys: share of positive answers per question (or per year), one bar per year, n in the label."""
    fig = go.Figure()
    looks = colors.year_colors(df.year)
    for year, d in df.groupby("year"):
        labels = [percent(s, 0, lang) for s in d.positive_share_pct]
        n = d.respondents.astype("float").max()
        name = f"{year} (n = {number(n, 0, lang)})" if n == n else str(year)
        fig.add_bar(y=[f"{q}. {txt}" if q.isdigit() else txt for q, txt in zip(d.question, d.question_text)],
                    x=d.positive_share_pct, orientation="h", name=name,
                    marker=colors.marker(*looks[int(year)], outline=True), text=labels, textposition="outside",
                    hovertemplate="%{y}: %{x:.0f} %<extra>" + str(year) + "</extra>")
    fig.update_layout(barmode="group")
    fig.update_xaxes(range=[0, 115])
    fig.update_yaxes(autorange="reversed")
    return layout(fig, title, subtitle, lang, col("positive_share_pct_answers", lang), "",
                   height=max(420, 110 + 55 * df.question.nunique() * max(1, df.year.nunique())))


@cached
def survey_by_association(df: pd.DataFrame, lang: str, title: str, subtitle: str) -> go.Figure:
    """surveys of many associations (one timepoint): association x question, the share of positive answers
    at each association's latest year, the question as that association words it in the hover."""
    names = df.association_id + (" · " + df.intervention_id if df.intervention_id.nunique() > 1 else "")
    rows = df.assign(row=[f"{a} {y}" + (f" (n = {number(n, 0, lang)})" if n == n else "")
                          for a, y, n in zip(names, df.year, df.respondents.astype("float"))]).set_index(["row", "question"])
    order = sorted(df.question.unique(), key=lambda q: (not q.isdigit(), int(q) if q.isdigit() else 0, q))
    share = rows.positive_share_pct.unstack().reindex(columns=order)  # NaN: hidden (..) or not asked
    text = rows.question_text.unstack().reindex(index=share.index, columns=order)
    fig = go.Figure(go.Heatmap(
        z=share.values, x=list(share.columns), y=list(share.index), colorscale="Blues", zmin=0, zmax=100,
        text=[[percent(v, 0, lang) for v in row] for row in share.values],
        customdata=text.values, texttemplate="%{text}", hovertemplate="%{y} · %{customdata}: %{text}<extra></extra>",
        colorbar=dict(title=col("positive_share_pct_answers", lang))))
    fig.update_yaxes(autorange="reversed")
    return layout(fig, title, subtitle, lang, col("question", lang), "", height=max(360, 120 + 30 * len(share)))


@cached
def violence(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """surveys (violence): share of new participants exposed to violence per year, by answer group."""
    fig = go.Figure()
    for group, name, color in (("all", t("all_respondents", lang), "#5E3C99"),
                               ("kvinna", labels.get("kvinna", "kvinna"), colors.GENDER["kvinna"]),
                               ("man", labels.get("man", "man"), colors.GENDER["man"])):
        d = df[df.answer_group == group]
        if d.empty:
            continue
        n = d.respondents.astype("float")
        fig.add_bar(x=[f"{a}<br>{i}" for a, i in zip(d.association_id, d.year)] if d.association_id.nunique() > 1
                    else d.year, y=d.positive_share_pct, name=name, marker_color=color,
                    text=[percent(s, 0, lang) + (f" (n = {number(k, 0, lang)})" if k == k else "")
                          for s, k in zip(d.positive_share_pct, n)], textposition="outside",
                    hovertemplate="%{x}: %{y:.0f} %<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 115])
    years_axis(fig, lang)
    return layout(fig, t("t_violence", lang), subtitle, lang, col("year", lang), "%")
