"""Charts of who takes part: the flow of participants, gender (per year, per association or intervention),
the municipalities against their population, and the key figures side by side (compare)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from finsam import colors
from finsam.labels import col, number, percent, t
from finsam.present import hidden_parts
from finsam.present.chart_layout import as_text, layout, year_totals, years_axis
from finsam.present.figure_cache import cached
from finsam.query.filters import MANY_CATEGORIES


@cached
def flow(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """participant_flow: bars of new, ended and ongoing, and the year's participants in all."""
    fig = go.Figure()
    for name in ("new", "ended", "ongoing"):
        fig.add_bar(x=df.year, y=df[name], name=col(name, lang), marker_color=colors.FLOW[name],
                    text=[number(v, 0, lang) for v in df[name]], textposition="outside",
                    hovertemplate=f"%{{x}}: %{{y}} {col(name, lang).lower()}<extra></extra>")
    fig.add_scatter(x=df.year, y=df.participants_total, name=col("participants_total", lang), mode="lines+markers+text",
                    line=dict(color=colors.FLOW["participants_total"], width=3),
                    text=[number(v, 0, lang) for v in df.participants_total], textposition="top center",
                    hovertemplate="%{x}: %{y}<extra></extra>")
    fig.update_layout(barmode="group")
    years_axis(fig, lang)
    return layout(fig, t("t_flow", lang), subtitle, lang, col("year", lang), col("participations", lang))


@cached
def gender(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """gender_split: stacked bars per year, registered and anonymous apart, with count and share; where
    the split is hidden the gender's participants as one part, where they are hidden a "Dolt" part or a
    note on the bar (hidden_parts)."""
    fig = go.Figure()
    totals = year_totals(df, "participants")
    split = df.registered.notna()
    bar = df.registered.where(split, df.participants)  # registered, or all of the gender where the split is hidden
    for g in ("kvinna", "man"):
        d = df[(df.gender == g) & bar.notna()]  # a hidden part is left out here (not drawn from zero) ...
        if d.empty:
            continue
        fig.add_bar(x=d.year, y=bar[d.index], name=labels.get(g, g), marker_color=colors.GENDER[g],
                    text=[f"{number(r, 0, lang)} ({percent(s, 0, lang)})" for r, s in zip(d.participants, d.share_pct)],
                    textposition="inside", insidetextanchor="middle",
                    customdata=list(zip(as_text(d.participants, lang), as_text(d.share_pct, lang, 1), as_text(totals.loc[d.year], lang))),
                    hovertemplate=f"%{{x}} {labels.get(g, g)}: %{{customdata[0]}} (%{{customdata[1]}} %), "
                                  f"n = %{{customdata[2]}}<extra></extra>")
        d = d[split[d.index]]
        if d.anonymous.sum():
            fig.add_bar(x=d.year, y=d.anonymous, name=f"{labels.get(g, g)}, {t('anonymous_suffix', lang)}",
                        marker=dict(color=colors.GENDER[g], opacity=colors.ANONYMOUS_ALPHA, pattern_shape="/"),
                        hovertemplate=f"%{{x}}: %{{y}} {t('anonymous_suffix', lang)}<extra></extra>")
    drawn = (df.registered + df.anonymous.fillna(0)).where(split, df.participants).fillna(0)
    # ... and drawn on top as "Dolt", or noted
    hidden_parts.mark(fig, hidden_parts.parts(df, "participants", "share_pct", drawn), lang)
    fig.update_layout(barmode="stack")
    years_axis(fig, lang)
    return layout(fig, t("t_gender", lang), subtitle, lang, col("year", lang), col("participants", lang))


@cached
def gender_by_group(df: pd.DataFrame, group: str, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """gender_split by association_id or intervention_id (group): one stacked bar per group and year."""
    fig = go.Figure()
    df = df.sort_values([group, "year"])
    order = list(dict.fromkeys(f"{i}<br>{y}" for i, y in zip(df[group], df.year)))
    for g in ("kvinna", "man"):
        d = df[df.gender == g]
        fig.add_bar(x=[f"{i}<br>{y}" for i, y in zip(d[group], d.year)], y=d.participants,
                    name=labels.get(g, g), marker_color=colors.GENDER[g],
                    text=[f"{number(p, 0, lang)} ({percent(s, 0, lang)})" for p, s in zip(d.participants, d.share_pct)],
                    textposition="inside", hovertemplate="%{x}: %{y}<extra></extra>")
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    fig.update_layout(barmode="stack")
    title = "t_gender_interv" if group == "intervention_id" else "t_gender_assoc"
    return layout(fig, t(title, lang), subtitle, lang, col(group, lang), col("participants", lang), height=520)


@cached
def municipalities(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """municipality_split: share of participants per municipality and year, the population share as a grey
    bar beside them; with more municipalities than a bar chart can show (a county, the country) a scatter."""
    if df.municipality_code.nunique() > MANY_CATEGORIES:
        return _municipality_scatter(df, lang, subtitle)
    fig = go.Figure()
    df = df.sort_values("municipality_name")
    years = sorted(df.year.unique())
    looks = colors.year_colors(years)
    for year in years:
        d = df[df.year == year]
        fig.add_bar(x=d.municipality_name, y=d.share_pct, name=f"{t('share_participants', lang)} {year}",
                    marker=colors.marker(*looks[int(year)], outline=True),
                    text=[percent(s, 0, lang) for s in d.share_pct], textposition="outside",
                    customdata=as_text(d.participations, lang),
                    hovertemplate=f"{year} %{{x}}: %{{y:.1f}} % (%{{customdata}} deltagare)<extra></extra>")
    last = df[df.year == years[-1]]
    fig.add_bar(x=last.municipality_name, y=last.population_share_pct,
                name=f"{t('share_population', lang)} ({years[-1]})",  # hatched on white: not a year's grey
                marker=colors.marker("#3D3D3D", "/"),
                text=[percent(s, 0, lang) for s in last.population_share_pct], textposition="outside",
                hovertemplate=f"{t('share_population', lang)} %{{x}}: %{{y:.1f}} %<extra></extra>")
    fig.update_layout(barmode="group")
    return layout(fig, t("t_municipalities", lang), subtitle, lang, col("municipality_name", lang), "%")


def _municipality_scatter(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """The last year's municipalities as points: share of the association's population against share of
    its participants; on the diagonal a municipality has its population's share of the participants."""
    d = df[df.year == df.year.max()].dropna(subset=["population_share_pct"])
    top = float(max(d.population_share_pct.max(), d.association_share_pct.max(), 1)) * 1.05
    fig = go.Figure()
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", line=dict(color="#999999", dash="dot", width=2),
                    name=t("proportional", lang), hoverinfo="skip")
    fig.add_scatter(x=d.population_share_pct, y=d.association_share_pct, mode="markers",
                    name=f"{t('municipalities', lang)} {int(df.year.max())}",
                    marker=dict(size=9, color=colors.SERIES[0], opacity=0.75),
                    customdata=list(zip(d.municipality_name, d.municipality_association_id,
                                        as_text(d.participations, lang))),
                    hovertemplate="%{customdata[0]} (%{customdata[1]}): %{y:.1f} % av deltagarna, "
                                  "%{x:.1f} % av befolkningen (%{customdata[2]} deltagare)<extra></extra>"
                    if lang == "sv" else
                    "%{customdata[0]} (%{customdata[1]}): %{y:.1f} % of participants, %{x:.1f} % of population "
                    "(%{customdata[2]} participants)<extra></extra>")
    return layout(fig, t("t_municipalities", lang), subtitle, lang, t("share_population_assoc", lang),
                   t("share_participants_assoc", lang))


def _group_colors(groups: pd.Series, group_col: str) -> list[str]:
    """A bar's colour by what it stands for: a year its year's grey (colors.year_colors), an association
    ("Västerås 2025": the association at a year) its association's colour, so green is Västerås on
    every chart and never a year."""
    if group_col == "year":
        looks = colors.year_colors(groups)
        return [looks[int(y)][0] for y in groups]
    return [colors.category("association", str(g).rsplit(" ", 1)[0]) for g in groups]


@cached
def compare(df: pd.DataFrame, group_col: str, measures: list[tuple[str, str]], lang: str, title: str,
            subtitle: str) -> go.Figure:
    """Small multiples: one panel per measure, one bar per group (association or year)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(measures), subplot_titles=[label for _m, label in measures])
    for j, (measure, _label) in enumerate(measures, start=1):
        d = df.dropna(subset=[measure])
        fig.add_bar(x=d[group_col].astype(str), y=d[measure], row=1, col=j, showlegend=False,
                    marker_color=_group_colors(d[group_col], group_col),
                    text=[number(v, 1 if measure == "mean_months" else 0, lang) for v in d[measure]],
                    textposition="outside", hovertemplate="%{x}: %{y:.1f}<extra></extra>")
    fig.update_xaxes(type="category")
    return layout(fig, title, subtitle, lang, height=480)
