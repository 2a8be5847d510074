"""Charts of where participants come from: referral sources per year, per municipality (a heatmap) and
each source's share over the years."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from finsam import colors
from finsam.labels import col, number, percent, t
from finsam.present import hidden_parts
from finsam.present.chart_layout import as_text, layout, year_totals, years_axis
from finsam.present.figure_cache import cached


@cached
def referrals(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """referral_split: stacked bars per year by referral source, count and share; the hidden sources as one
    "Dolt" part on top, or a note on the bar (hidden_parts)."""
    fig = go.Figure()
    order = df.groupby("referral_source").participations.sum().sort_values(ascending=False).index
    totals = year_totals(df, "participations")
    for code in order:
        d = df[(df.referral_source == code) & df.participations.notna()]
        fig.add_bar(x=d.year, y=d.participations, name=labels.get(code, code),
                    marker=colors.marker(colors.category("referral_source", code),
                                         colors.category_pattern("referral_source", code)),
                    text=[percent(s, 0, lang) if s >= 4 else "" for s in d.share_pct], textposition="inside",
                    customdata=list(zip(as_text(d.share_pct, lang, 1), as_text(totals.loc[d.year], lang))),
                    hovertemplate=f"%{{x}} {labels.get(code, code)}: %{{y}} (%{{customdata[0]}} %), n = %{{customdata[1]}}<extra></extra>")
    hidden_parts.mark(fig, hidden_parts.parts(df, "participations", "share_pct"), lang)
    fig.update_layout(barmode="stack")
    years_axis(fig, lang)
    return layout(fig, t("t_referrals", lang), subtitle, lang, col("year", lang), col("participants", lang))


@cached
def referral_heatmap(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """referral_by_municipality for one year: municipality x referral source counts."""
    cells = df.set_index(["municipality_name", "referral_source"]).participations
    present = cells.index.to_frame().assign(row=True).row.unstack().notna()
    pivot = cells.unstack().mask(~present, 0)  # no row: nobody (0); a row with NaN: hidden (..)
    pivot = pivot[pivot.sum().sort_values(ascending=False).index]
    text = [[number(v, 0, lang) if v != 0 else "" for v in row] for row in pivot.values]
    fig = go.Figure(go.Heatmap(
        z=pivot.values, x=[labels.get(c, c) for c in pivot.columns], y=list(pivot.index), colorscale="Blues",
        text=text, texttemplate="%{text}", hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
        colorbar=dict(title=col("participants", lang))))
    fig.update_yaxes(autorange="reversed")
    return layout(fig, t("t_referral_heat", lang), subtitle, lang, col("referral_source", lang),
                   col("municipality_name", lang), height=max(360, 120 + 45 * len(pivot)))


@cached
def referral_trend(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """referral_split over years: each source's share as a line."""
    fig = go.Figure()
    totals = year_totals(df, "participations")
    for code in df.groupby("referral_source").participations.sum().sort_values(ascending=False).index:
        d = df[df.referral_source == code]
        patterned = bool(colors.category_pattern("referral_source", code))  # dashed, open points (not colour alone)
        fig.add_scatter(x=d.year, y=d.share_pct, name=labels.get(code, code), mode="lines+markers",
                        line=dict(color=colors.category("referral_source", code), width=3,
                                  dash="dash" if patterned else "solid"),
                        marker=dict(symbol="circle-open" if patterned else "circle", size=9,
                                    line=dict(width=2)),
                        customdata=list(zip(as_text(d.participations, lang), as_text(totals.loc[d.year], lang))),
                        hovertemplate=f"%{{x}} {labels.get(code, code)}: %{{y:.1f}} % (%{{customdata[0]}} av %{{customdata[1]}})<extra></extra>")
    years_axis(fig, lang)
    return layout(fig, t("t_referral_trend", lang), subtitle, lang, col("year", lang), col("share_pct", lang))
