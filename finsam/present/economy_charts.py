"""Charts of money: granted against used funds and the cost per participant, per intervention,
association or the whole selection and year."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from finsam.labels import col, number, t
from finsam.present.chart_layout import as_text, layout
from finsam.present.figure_cache import cached


def _group_years(df: pd.DataFrame) -> list[str]:
    """x labels of a result by group and year: the intervention's (or, by association, the association's)
    name over the year, or the year alone for the whole selection."""
    group = "intervention_id" if "intervention_id" in df else "association_id" if "association_id" in df else None
    return [str(y) for y in df.year] if group is None else [f"{g}<br>{y}" for g, y in zip(df[group], df.year)]


@cached
def economy(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """economy: granted against used per intervention (or association, or the selection) and year, the
    deviation in the hover."""
    fig = go.Figure()
    x = _group_years(df)
    for column, color in (("granted_sek", "#92C5DE"), ("used_sek", "#1F5AA6")):
        fig.add_bar(x=x, y=df[column], name=col(column, lang), marker_color=color,
                    customdata=as_text(df.deviation_sek, lang),
                    hovertemplate=f"%{{x}}: %{{y:,.0f}} kr ({col('deviation_sek', lang).lower()} %{{customdata}} kr)"
                                  "<extra></extra>")
    return _kronor_bars(fig, t("t_economy", lang), subtitle, lang)


@cached
def cost_per_participant(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """economy: used funds per participant and per participant with a positive step, with the n."""
    fig = go.Figure()
    x = _group_years(df)
    for column, n, color in (("cost_per_participant_sek", "participants", "#1F5AA6"),
                             ("cost_per_positive_sek", "positive", "#1B7837")):
        fig.add_bar(x=x, y=df[column], name=col(column, lang), marker_color=color,
                    text=[number(v, 0, lang) for v in df[column]], textposition="outside",
                    customdata=as_text(df[n], lang), hovertemplate="%{x}: %{y:,.0f} kr (n = %{customdata})<extra></extra>")
    return _kronor_bars(fig, t("t_cost_per_participant", lang), subtitle, lang)


def _kronor_bars(fig: go.Figure, title: str, subtitle: str, lang: str) -> go.Figure:
    """Grouped bars of kronor under long x labels (group and year): the legend above the chart."""
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=",.0f")
    fig = layout(fig, title, subtitle, lang, "", "kr", height=560)
    fig.update_layout(legend=dict(yanchor="bottom", y=1.0, x=0), margin=dict(t=120, b=170))
    return fig
