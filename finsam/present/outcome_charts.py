"""Charts of how participations go and end: time in the intervention (bands of days, mean and median, by
exit reason or assignment), follow-up after 6 and 18 months, exit reasons and positive steps."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from finsam import colors
from finsam.labels import col, number, percent, t
from finsam.present import hidden_parts
from finsam.present.chart_layout import as_text, layout, year_totals, years_axis
from finsam.present.figure_cache import cached


@cached
def time_distribution(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """time_distribution: ended per band of days, a bar series per year."""
    fig = go.Figure()
    bands = df.sort_values("band_order").band.unique()
    looks = colors.year_colors(df.year)
    for year, d in df.groupby("year"):
        fig.add_bar(x=d.band, y=d.ended, name=str(year), marker=colors.marker(*looks[int(year)], outline=True),
                    text=[number(v, 0, lang) for v in d.ended], textposition="outside",
                    hovertemplate=f"{year} %{{x}}: %{{y}}<extra></extra>")
    fig.update_xaxes(categoryorder="array", categoryarray=list(bands))
    fig.update_layout(barmode="group")
    return layout(fig, t("t_time_dist", lang), subtitle, lang, col("band", lang), col("ended", lang))


@cached
def time_mean(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """time_in_intervention per year: mean and median days, n ended in the hover and labels."""
    fig = go.Figure()
    for name, dash, where in (("mean_days", "solid", "top center"), ("median_days", "dot", "bottom center")):
        fig.add_scatter(x=df.year, y=df[name], name=col(name, lang), mode="lines+markers+text",
                        line=dict(width=3, dash=dash, color="#1F5AA6" if name == "mean_days" else "#E07B00"),
                        text=[number(v, 0, lang) for v in df[name]], textposition=where,
                        customdata=as_text(df.ended, lang), hovertemplate="%{x}: %{y:.0f} (n = %{customdata})<extra></extra>")
    years_axis(fig, lang)
    return layout(fig, t("t_time_mean", lang), subtitle, lang, col("year", lang), t("days", lang))


@cached
def time_by(df: pd.DataFrame, split: str, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """time_in_intervention split by exit_reason or assignment: mean days per category and year."""
    fig = go.Figure()
    for code in colors.ordered(split, df[split]):
        d = df[df[split].fillna("") == code]
        name = category_name(split, code, labels, lang)
        fig.add_bar(x=d.year, y=d.mean_days, name=name,
                    marker=colors.marker(colors.category(split, code), colors.category_pattern(split, code)),
                    text=[f"{number(m, 0, lang)}" for m in d.mean_days], textposition="outside",
                    customdata=as_text(d.ended, lang), hovertemplate=f"%{{x}} {name}: %{{y:.0f}} (n = %{{customdata}})<extra></extra>")
    fig.update_layout(barmode="group")
    years_axis(fig, lang)
    key = "t_time_exit" if split == "exit_reason" else "t_time_assign"
    return layout(fig, t(key, lang), subtitle, lang, col("year", lang), col("mean_days", lang))


def category_name(kind: str, code, labels: dict[str, str], lang: str) -> str:
    """A category's name as the legend shows it; a participation without an assignment "Uppdrag saknas"
    (never "–", which reads as a missing figure)."""
    if not code or code != code:
        return t("no_assignment", lang) if kind == "assignment" else labels.get("", "–")
    return labels.get(code, code)


@cached
def followup(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """followup: retained share per year and horizon with n, response rate as markers."""
    fig = go.Figure()
    for horizon, key in (("6m", "six_months"), ("18m", "eighteen_months")):
        d = df[(df.horizon == horizon) & (df.due > 0)]
        if d.empty:
            continue
        n = d.kept + d.not_kept
        fig.add_bar(x=d.year, y=d.retained_share_pct, name=t(key, lang), marker_color=colors.FOLLOWUP[horizon],
                    text=[f"{percent(s, 0, lang)} (n = {number(k, 0, lang)})" for s, k in zip(d.retained_share_pct, n)],
                    textposition="outside", customdata=list(zip(as_text(d.kept, lang), as_text(n, lang), as_text(d.due, lang))),
                    hovertemplate="%{x}: %{y:.1f} % (%{customdata[0]} av %{customdata[1]} svarande)<extra></extra>")
        fig.add_scatter(x=d.year, y=d.response_rate_pct, name=f"{t('response_rate', lang)}, {t(key, lang)}",
                        mode="markers+text", marker=dict(symbol="diamond", size=16, color="#1A1A1A",
                                                         line=dict(color="white", width=2)),
                        text=[percent(r, 0, lang) for r in d.response_rate_pct], textposition="middle right",
                        textfont=dict(color=colors.text_on(colors.FOLLOWUP[horizon])),  # over its bar
                        customdata=list(zip(as_text(n, lang), as_text(d.due, lang))),
                        hovertemplate="%{x}: %{y:.1f} % (%{customdata[0]} av %{customdata[1]})<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 115])
    years_axis(fig, lang)
    return layout(fig, t("t_followup", lang), subtitle, lang, col("year", lang), "%")


@cached
def exits(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """exit_reasons: 100 % stacked bars per year, count and share in the hover; the hidden reasons as one
    "Dolt" part on top, or a note on the bar (hidden_parts)."""
    fig = go.Figure()
    totals = year_totals(df, "ended")
    for code in [c for c in colors.EXIT if c in set(df.exit_reason)]:
        d = df[(df.exit_reason == code) & df.share_pct.notna()]
        fig.add_bar(x=d.year, y=d.share_pct, name=labels.get(code, code), marker_color=colors.EXIT[code],
                    text=[percent(s, 0, lang) if s >= 5 else "" for s in d.share_pct], textposition="inside",
                    customdata=list(zip(as_text(d.ended, lang), as_text(totals.loc[d.year], lang))),
                    hovertemplate=f"%{{x}} {labels.get(code, code)}: %{{customdata[0]}} (%{{y:.1f}} %), n = %{{customdata[1]}}<extra></extra>")
    hidden_parts.mark(fig, hidden_parts.parts(df, "ended", "share_pct"), lang, as_share=True)
    fig.update_layout(barmode="stack")
    years_axis(fig, lang)
    return layout(fig, t("t_exits", lang), subtitle, lang, col("year", lang), col("share_pct", lang))


@cached
def positive_steps(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """positive_steps (optionally by assignment, with its own title): share with a positive step and n ended."""
    fig = go.Figure()
    by = "assignment" in df
    groups = colors.ordered("assignment", df.assignment) if by else [None]
    for a in groups:
        d = df if a is None else df[df.assignment.fillna("") == a]
        name = t("kf_positive", lang) if a is None else category_name("assignment", a, labels, lang)
        look = colors.marker(colors.SERIES[0]) if a is None else \
            colors.marker(colors.category("assignment", a), colors.category_pattern("assignment", a))
        fig.add_bar(x=d.year, y=d.share_pct, name=name, marker=look,
                    text=[f"{percent(s, 0, lang)} (n = {number(n, 0, lang)})" for s, n in zip(d.share_pct, d.ended)],
                    textposition="outside", customdata=list(zip(as_text(d.positive, lang), as_text(d.ended, lang))),
                    hovertemplate=f"%{{x}} {name}: %{{customdata[0]}} av %{{customdata[1]}} (%{{y:.1f}} %)<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 115])
    years_axis(fig, lang)
    return layout(fig, t("t_positive_assign" if by else "t_positive", lang), subtitle, lang, col("year", lang), "%")
