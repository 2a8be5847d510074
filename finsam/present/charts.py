"""Chart builders: a query's DataFrame in, a Plotly figure out. No queries, no Streamlit.

Every figure has a title that says what is shown and a subtitle with the selection and period, axis labels
in the chosen language, Swedish number format, one colour per category (finsam.colors), counts with
shares and the n behind every percentage in labels and hover texts.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from finsam import colors
from finsam.labels import col, number, percent, plotly_separators, t
from finsam.query.filters import MANY_CATEGORIES

FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=15)
# every new figure copies and validates the default template: make it the one the charts use, so it is done
# once per figure rather than twice (that was a third of a page run's time on the server)
pio.templates.default = "plotly_white"
HEIGHT = 460
INK = "#3D3D3D"  # axis ticks and titles: 10.6:1 on white


def _layout(fig: go.Figure, title: str, subtitle: str, lang: str, x: str = "", y: str = "",
            height: int = HEIGHT) -> go.Figure:
    fig.update_layout(
        title=dict(text=f"{title}<br><sup>{subtitle}</sup>", x=0.01, xanchor="left", font=dict(size=20)),
        font=FONT, separators=plotly_separators(lang), height=height,
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0, traceorder="normal"),
        margin=dict(l=60, r=20, t=90, b=120), hoverlabel=dict(font_size=14),
        uniformtext=dict(minsize=11, mode="hide"),
    )
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y, rangemode="tozero")
    # axis text dark enough for 4.5:1 (Streamlit's chart theme draws it #808495, 3.8:1 on white)
    fig.update_xaxes(tickfont_color=INK, title_font_color=INK)
    fig.update_yaxes(tickfont_color=INK, title_font_color=INK)
    _headroom(fig)
    _readable_inside(fig)
    return fig


def _readable_inside(fig: go.Figure) -> None:
    """Text on a chart at 4.5:1 (WCAG 1.4.3): inside a bar black or white, whichever reads on the bar's colour
    (colors.text_on); beside a bar or a point the dark ink (Streamlit's theme would draw it grey, 3.8:1)."""
    for trace in fig.data:
        if trace.type == "bar":
            trace.outsidetextfont = dict(color=INK)
            color = trace.marker.color
            if isinstance(color, str) and color.startswith("#") and len(color) == 7:
                trace.insidetextfont = dict(color=colors.text_on(color))
        elif trace.type == "scatter" and trace.text is not None and trace.textfont.color is None:
            trace.textfont.color = INK


def _headroom(fig: go.Figure) -> None:
    """Room above the tallest bar or point for its label (per y axis of a figure with subplots)."""
    tallest: dict[str, float] = {}
    for trace in fig.data:
        if trace.type not in ("bar", "scatter") or trace.y is None or getattr(trace, "orientation", None) == "h":
            continue
        values = [v for v in trace.y if v is not None and v == v]
        if values:
            axis = (trace.yaxis or "y").replace("y", "yaxis", 1)
            tallest[axis] = max(tallest.get(axis, 0.0), max(values))
    for axis, top in tallest.items():
        if top > 0 and fig.layout[axis].range is None and fig.layout.barmode != "stack":
            fig.layout[axis].range = [0, top * 1.18]


def _txt(values, lang: str, decimals: int = 0) -> list[str]:
    """Numbers as the reader sees them; a hidden small count (NaN) as `..`."""
    return [number(v, decimals, lang) for v in values]


def _totals(df: pd.DataFrame, column: str) -> pd.Series:
    """The year's total of a column, hidden (NaN) when any of its cells is hidden."""
    return df.groupby("year")[column].agg(lambda x: x.sum(skipna=False))


def _years_axis(fig: go.Figure) -> None:
    fig.update_xaxes(type="category")


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
    _years_axis(fig)
    return _layout(fig, t("t_flow", lang), subtitle, lang, col("year", lang), col("participations", lang))


def gender(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """gender_split: stacked bars per year, registered and anonymous apart, with count and share."""
    fig = go.Figure()
    totals = _totals(df, "participants")
    for g in ("kvinna", "man"):
        d = df[(df.gender == g) & df.registered.notna()]  # a hidden segment is left out, not drawn from zero
        if d.empty:
            continue
        fig.add_bar(x=d.year, y=d.registered, name=labels.get(g, g), marker_color=colors.GENDER[g],
                    text=[f"{number(r, 0, lang)} ({percent(s, 0, lang)})" for r, s in zip(d.participants, d.share_pct)],
                    textposition="inside", insidetextanchor="middle",
                    customdata=list(zip(_txt(d.participants, lang), _txt(d.share_pct, lang, 1), _txt(totals.loc[d.year], lang))),
                    hovertemplate=f"%{{x}} {labels.get(g, g)}: %{{customdata[0]}} (%{{customdata[1]}} %), "
                                  f"n = %{{customdata[2]}}<extra></extra>")
        if d.anonymous.sum():
            fig.add_bar(x=d.year, y=d.anonymous, name=f"{labels.get(g, g)}, {t('anonymous_suffix', lang)}",
                        marker=dict(color=colors.GENDER[g], opacity=colors.ANONYMOUS_ALPHA, pattern_shape="/"),
                        hovertemplate=f"%{{x}}: %{{y}} {t('anonymous_suffix', lang)}<extra></extra>")
    fig.update_layout(barmode="stack")
    _years_axis(fig)
    return _layout(fig, t("t_gender", lang), subtitle, lang, col("year", lang), col("participants", lang))


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
    return _layout(fig, t(title, lang), subtitle, lang, col(group, lang), col("participants", lang), height=520)


def referrals(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """referral_split: stacked bars per year by referral source, count and share."""
    fig = go.Figure()
    order = df.groupby("referral_source").participations.sum().sort_values(ascending=False).index
    totals = _totals(df, "participations")
    for code in order:
        d = df[(df.referral_source == code) & df.participations.notna()]
        fig.add_bar(x=d.year, y=d.participations, name=labels.get(code, code), marker_color=colors.REFERRAL.get(code, colors.stable(code)),
                    marker_pattern_shape=colors.REFERRAL_PATTERN.get(code, ""),
                    text=[percent(s, 0, lang) if s >= 4 else "" for s in d.share_pct], textposition="inside",
                    customdata=list(zip(_txt(d.share_pct, lang, 1), _txt(totals.loc[d.year], lang))),
                    hovertemplate=f"%{{x}} {labels.get(code, code)}: %{{y}} (%{{customdata[0]}} %), n = %{{customdata[1]}}<extra></extra>")
    fig.update_layout(barmode="stack")
    _years_axis(fig)
    return _layout(fig, t("t_referrals", lang), subtitle, lang, col("year", lang), col("participants", lang))


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
    return _layout(fig, t("t_referral_heat", lang), subtitle, lang, col("referral_source", lang),
                   col("municipality_name", lang), height=max(360, 120 + 45 * len(pivot)))


def referral_trend(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """referral_split over years: each source's share as a line."""
    fig = go.Figure()
    totals = _totals(df, "participations")
    for code in df.groupby("referral_source").participations.sum().sort_values(ascending=False).index:
        d = df[df.referral_source == code]
        fig.add_scatter(x=d.year, y=d.share_pct, name=labels.get(code, code), mode="lines+markers",
                        line=dict(color=colors.REFERRAL.get(code, colors.stable(code)), width=3,
                                  dash="dash" if colors.REFERRAL_PATTERN.get(code) else "solid"),
                        customdata=list(zip(_txt(d.participations, lang), _txt(totals.loc[d.year], lang))),
                        hovertemplate=f"%{{x}} {labels.get(code, code)}: %{{y:.1f}} % (%{{customdata[0]}} av %{{customdata[1]}})<extra></extra>")
    _years_axis(fig)
    return _layout(fig, t("t_referral_trend", lang), subtitle, lang, col("year", lang), col("share_pct", lang))


def time_distribution(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """time_distribution: ended per band of days, a bar series per year."""
    fig = go.Figure()
    bands = df.sort_values("band_order").band.unique()
    for i, (year, d) in enumerate(df.groupby("year")):
        fig.add_bar(x=d.band, y=d.ended, name=str(year), marker_color=colors.SERIES[i % len(colors.SERIES)], marker_pattern_shape=colors.pattern(i),
                    text=[number(v, 0, lang) for v in d.ended], textposition="outside",
                    hovertemplate=f"{year} %{{x}}: %{{y}}<extra></extra>")
    fig.update_xaxes(categoryorder="array", categoryarray=list(bands))
    fig.update_layout(barmode="group")
    return _layout(fig, t("t_time_dist", lang), subtitle, lang, col("band", lang), col("ended", lang))


def time_mean(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """time_in_intervention per year: mean and median days, n ended in the hover and labels."""
    fig = go.Figure()
    for name, dash, where in (("mean_days", "solid", "top center"), ("median_days", "dot", "bottom center")):
        fig.add_scatter(x=df.year, y=df[name], name=col(name, lang), mode="lines+markers+text",
                        line=dict(width=3, dash=dash, color="#1F5AA6" if name == "mean_days" else "#E07B00"),
                        text=[number(v, 0, lang) for v in df[name]], textposition=where,
                        customdata=_txt(df.ended, lang), hovertemplate="%{x}: %{y:.0f} (n = %{customdata})<extra></extra>")
    _years_axis(fig)
    return _layout(fig, t("t_time_mean", lang), subtitle, lang, col("year", lang), t("days", lang))


def time_by(df: pd.DataFrame, split: str, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """time_in_intervention split by exit_reason or assignment: mean days per category and year."""
    fig = go.Figure()
    for code in df[split].unique():
        d = df[df[split] == code]
        name = labels.get(code, code) if code else ("–" if lang == "sv" else "not stated")
        color = colors.EXIT.get(code) if split == "exit_reason" else colors.stable(code or "none")
        fig.add_bar(x=d.year, y=d.mean_days, name=name, marker_color=color or colors.stable(code),
                    text=[f"{number(m, 0, lang)}" for m in d.mean_days], textposition="outside",
                    customdata=_txt(d.ended, lang), hovertemplate=f"%{{x}} {name}: %{{y:.0f}} (n = %{{customdata}})<extra></extra>")
    fig.update_layout(barmode="group")
    _years_axis(fig)
    key = "t_time_exit" if split == "exit_reason" else "t_time_assign"
    return _layout(fig, t(key, lang), subtitle, lang, col("year", lang), col("mean_days", lang))


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
                    textposition="outside", customdata=list(zip(_txt(d.kept, lang), _txt(n, lang), _txt(d.due, lang))),
                    hovertemplate="%{x}: %{y:.1f} % (%{customdata[0]} av %{customdata[1]} svarande)<extra></extra>")
        fig.add_scatter(x=d.year, y=d.response_rate_pct, name=f"{t('response_rate', lang)}, {t(key, lang)}",
                        mode="markers+text", marker=dict(symbol="diamond", size=16, color="#1A1A1A",
                                                         line=dict(color="white", width=2)),
                        text=[percent(r, 0, lang) for r in d.response_rate_pct], textposition="middle right",
                        textfont=dict(color=colors.text_on(colors.FOLLOWUP[horizon])),  # over its bar
                        customdata=list(zip(_txt(n, lang), _txt(d.due, lang))),
                        hovertemplate="%{x}: %{y:.1f} % (%{customdata[0]} av %{customdata[1]})<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 115])
    _years_axis(fig)
    return _layout(fig, t("t_followup", lang), subtitle, lang, col("year", lang), "%")


def municipalities(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """municipality_split: share of participants per municipality and year, the population share as a grey
    bar beside them; with more municipalities than a bar chart can show (a county, the country) a scatter."""
    if df.municipality_code.nunique() > MANY_CATEGORIES:
        return _municipality_scatter(df, lang, subtitle)
    fig = go.Figure()
    df = df.sort_values("municipality_name")
    years = sorted(df.year.unique())
    for i, year in enumerate(years):
        d = df[df.year == year]
        fig.add_bar(x=d.municipality_name, y=d.share_pct, name=f"{t('share_participants', lang)} {year}",
                    marker_color=colors.SERIES[i % len(colors.SERIES)], marker_pattern_shape=colors.pattern(i),
                    text=[percent(s, 0, lang) for s in d.share_pct], textposition="outside",
                    customdata=_txt(d.participations, lang),
                    hovertemplate=f"{year} %{{x}}: %{{y:.1f}} % (%{{customdata}} deltagare)<extra></extra>")
    last = df[df.year == years[-1]]
    fig.add_bar(x=last.municipality_name, y=last.population_share_pct,
                name=f"{t('share_population', lang)} ({years[-1]})", marker_color="#8C8C8C",
                marker_pattern_shape="/",  # grey alone looks like a series' colour under deuteranopia
                text=[percent(s, 0, lang) for s in last.population_share_pct], textposition="outside",
                hovertemplate=f"{t('share_population', lang)} %{{x}}: %{{y:.1f}} %<extra></extra>")
    fig.update_layout(barmode="group")
    return _layout(fig, t("t_municipalities", lang), subtitle, lang, col("municipality_name", lang), "%")


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
                                        _txt(d.participations, lang))),
                    hovertemplate="%{customdata[0]} (%{customdata[1]}): %{y:.1f} % av deltagarna, "
                                  "%{x:.1f} % av befolkningen (%{customdata[2]} deltagare)<extra></extra>"
                    if lang == "sv" else
                    "%{customdata[0]} (%{customdata[1]}): %{y:.1f} % of participants, %{x:.1f} % of population "
                    "(%{customdata[2]} participants)<extra></extra>")
    return _layout(fig, t("t_municipalities", lang), subtitle, lang, t("share_population_assoc", lang),
                   t("share_participants_assoc", lang))


def exits(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """exit_reasons: 100 % stacked bars per year, count and share in the hover."""
    fig = go.Figure()
    totals = _totals(df, "ended")
    for code in [c for c in colors.EXIT if c in set(df.exit_reason)]:
        d = df[(df.exit_reason == code) & df.share_pct.notna()]
        fig.add_bar(x=d.year, y=d.share_pct, name=labels.get(code, code), marker_color=colors.EXIT[code],
                    text=[percent(s, 0, lang) if s >= 5 else "" for s in d.share_pct], textposition="inside",
                    customdata=list(zip(_txt(d.ended, lang), _txt(totals.loc[d.year], lang))),
                    hovertemplate=f"%{{x}} {labels.get(code, code)}: %{{customdata[0]}} (%{{y:.1f}} %), n = %{{customdata[1]}}<extra></extra>")
    fig.update_layout(barmode="stack")
    _years_axis(fig)
    return _layout(fig, t("t_exits", lang), subtitle, lang, col("year", lang), col("share_pct", lang))


def positive_steps(df: pd.DataFrame, labels: dict[str, str], lang: str, subtitle: str) -> go.Figure:
    """positive_steps (optionally by assignment): share with a positive step and n ended."""
    fig = go.Figure()
    groups = df.assignment.unique() if "assignment" in df else [None]
    for i, a in enumerate(groups):
        d = df if a is None else df[df.assignment == a]
        name = t("kf_positive", lang) if a is None else (labels.get(a, a) if a else "–")
        fig.add_bar(x=d.year, y=d.share_pct, name=name, marker_color=colors.SERIES[i % len(colors.SERIES)], marker_pattern_shape=colors.pattern(i),
                    text=[f"{percent(s, 0, lang)} (n = {number(n, 0, lang)})" for s, n in zip(d.share_pct, d.ended)],
                    textposition="outside", customdata=list(zip(_txt(d.positive, lang), _txt(d.ended, lang))),
                    hovertemplate=f"%{{x}} {name}: %{{customdata[0]}} av %{{customdata[1]}} (%{{y:.1f}} %)<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 115])
    _years_axis(fig)
    return _layout(fig, t("t_positive", lang), subtitle, lang, col("year", lang), "%")


def compare(df: pd.DataFrame, group_col: str, measures: list[tuple[str, str]], lang: str, title: str,
            subtitle: str) -> go.Figure:
    """Small multiples: one panel per measure, one bar per group (association or year)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(measures), subplot_titles=[label for _m, label in measures])
    for j, (measure, _label) in enumerate(measures, start=1):
        d = df.dropna(subset=[measure])
        fig.add_bar(x=d[group_col].astype(str), y=d[measure], row=1, col=j, showlegend=False,
                    marker_color=[colors.ASSOCIATION.get(str(g).rsplit(" ", 1)[0], colors.stable(str(g)))
                                  for g in d[group_col]],
                    text=[number(v, 1 if measure == "mean_months" else 0, lang) for v in d[measure]],
                    textposition="outside", hovertemplate="%{x}: %{y:.1f}<extra></extra>")
    fig.update_xaxes(type="category")
    return _layout(fig, title, subtitle, lang, height=480)


def _group_years(df: pd.DataFrame) -> list[str]:
    """x labels of a result by group and year: the intervention's (or, by association, the association's)
    name over the year, or the year alone for the whole selection."""
    group = "intervention_id" if "intervention_id" in df else "association_id" if "association_id" in df else None
    return [str(y) for y in df.year] if group is None else [f"{g}<br>{y}" for g, y in zip(df[group], df.year)]


def economy(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """economy: granted against used per intervention (or association, or the selection) and year, the
    deviation in the hover."""
    fig = go.Figure()
    x = _group_years(df)
    for column, color in (("granted_sek", "#92C5DE"), ("used_sek", "#1F5AA6")):
        fig.add_bar(x=x, y=df[column], name=col(column, lang), marker_color=color,
                    customdata=_txt(df.deviation_sek, lang),
                    hovertemplate=f"%{{x}}: %{{y:,.0f}} kr ({col('deviation_sek', lang).lower()} %{{customdata}} kr)"
                                  "<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=",.0f")
    fig = _layout(fig, t("t_economy", lang), subtitle, lang, "", "kr", height=560)
    fig.update_layout(legend=dict(yanchor="bottom", y=1.0, x=0), margin=dict(t=120, b=170))
    return fig


def cost_per_participant(df: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """economy: used funds per participant and per participant with a positive step, with the n."""
    fig = go.Figure()
    x = _group_years(df)
    for column, n, color in (("cost_per_participant_sek", "participants", "#1F5AA6"),
                             ("cost_per_positive_sek", "positive", "#1B7837")):
        fig.add_bar(x=x, y=df[column], name=col(column, lang), marker_color=color,
                    text=[number(v, 0, lang) for v in df[column]], textposition="outside",
                    customdata=_txt(df[n], lang), hovertemplate="%{x}: %{y:,.0f} kr (n = %{customdata})<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=",.0f")
    fig = _layout(fig, t("t_cost_per_participant", lang), subtitle, lang, "", "kr", height=560)
    fig.update_layout(legend=dict(yanchor="bottom", y=1.0, x=0), margin=dict(t=120, b=170))
    return fig


def survey(df: pd.DataFrame, lang: str, title: str, subtitle: str) -> go.Figure:
    """surveys: share of positive answers per question (or per year), one bar per year, n in the label."""
    fig = go.Figure()
    for i, (year, d) in enumerate(df.groupby("year")):
        labels = [percent(s, 0, lang) for s in d.positive_share_pct]
        n = d.respondents.astype("float").max()
        name = f"{year} (n = {number(n, 0, lang)})" if n == n else str(year)
        fig.add_bar(y=[f"{q}. {txt}" if q.isdigit() else txt for q, txt in zip(d.question, d.question_text)],
                    x=d.positive_share_pct, orientation="h", name=name,
                    marker_color=colors.SERIES[i % len(colors.SERIES)], marker_pattern_shape=colors.pattern(i), text=labels, textposition="outside",
                    hovertemplate="%{y}: %{x:.0f} %<extra>" + str(year) + "</extra>")
    fig.update_layout(barmode="group")
    fig.update_xaxes(range=[0, 115])
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, subtitle, lang, col("positive_share_pct_answers", lang), "",
                   height=max(420, 110 + 55 * df.question.nunique() * max(1, df.year.nunique())))


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
        text=[[percent(v, 0, lang) if v == v else ".." for v in row] for row in share.values],
        customdata=text.values, texttemplate="%{text}", hovertemplate="%{y} · %{customdata}: %{text}<extra></extra>",
        colorbar=dict(title=col("positive_share_pct_answers", lang))))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, subtitle, lang, col("question", lang), "", height=max(360, 120 + 30 * len(share)))


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
    _years_axis(fig)
    return _layout(fig, t("t_violence", lang), subtitle, lang, col("year", lang), "%")


def add_goal_lines(fig: go.Figure, lines: pd.DataFrame, lang: str) -> go.Figure:
    """Goals on a chart of their indicator by year: a horizontal line at each goal's target over its year
    (lines: year, target, goal_id; from finsam.query.goals.goal_lines). A goal for another year is not drawn."""
    if lines is None or lines.empty:
        return fig
    years = set()
    for trace in fig.data:
        if trace.x is not None:
            years |= {str(x) for x in trace.x}
    lines = lines[lines.year.astype(str).isin(years)] if years else lines
    if lines.empty:
        return fig
    label = "Mål" if lang == "sv" else "Goal"
    fig.add_scatter(x=lines.year, y=lines.target, name=label, mode="markers+text",
                    marker=dict(symbol="line-ew", size=70, line=dict(width=3, color=colors.GOAL)),
                    text=[f"{label} {number(v, 0 if float(v).is_integer() else 1, lang)}" for v in lines.target],
                    textposition="bottom center", textfont=dict(color=colors.GOAL),
                    customdata=lines.goal_id, hovertemplate=f"%{{x}} {label} %{{customdata}}: %{{y}}<extra></extra>")
    _headroom(fig)
    return fig


def goal_status(att: pd.DataFrame, lang: str, subtitle: str) -> go.Figure:
    """finsam.query.goals.attainment: how many goals have each status (uppnått, delvis, ej uppnått, ej mätbart)."""
    from finsam.query.goals import STATUSES

    counts = att.status.value_counts()
    fig = go.Figure()
    fig.add_bar(x=list(STATUSES), y=[int(counts.get(s, 0)) for s in STATUSES],
                marker_color=[colors.STATUS[s] for s in STATUSES],
                text=[number(int(counts.get(s, 0)), 0, lang) for s in STATUSES], textposition="outside",
                hovertemplate="%{x}: %{y}<extra></extra>", showlegend=False)
    title = "Måluppfyllelse: antal mål per status" if lang == "sv" else "Goal attainment: goals by status"
    fig.update_yaxes(dtick=1)
    return _layout(fig, title, subtitle, lang, "", "Mål" if lang == "sv" else "Goals")


# --- text alternative (README "Tillgänglighet") -------------------------------------------------------

N_COLUMNS = ("participants_total", "participants", "participations", "ended", "respondents", "n")


def _plain(text) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", str(text or "")).replace("  ", " ").strip()


def _value(v, lang: str) -> str:
    if v is None or v != v:
        return ".."
    return number(v, 0 if float(v).is_integer() else 1, lang)


def summary(fig: go.Figure, lang: str, table: pd.DataFrame | None = None) -> str:
    """The chart in one or two sentences for a screen reader and for anyone who cannot tell its colours
    apart: the title and selection, each series' value at the last category drawn (as the chart labels it,
    so a hidden small count stays '..'), and n, the participants of the last year in the chart's table."""
    raw = str(fig.layout.title.text or "")
    title, _, sub = raw.partition("<br>")
    parts = [_plain(title) + (f" ({_plain(sub)})" if _plain(sub) else "") + "."]
    series, heat = [], None
    for trace in fig.data:
        if trace.type == "heatmap" and trace.z is not None:
            heat = trace
            continue
        if trace.type not in ("bar", "scatter") or trace.x is None or not len(trace.x) or not trace.name:
            continue
        last = len(trace.x) - 1
        texts = trace.text if trace.text is not None and not isinstance(trace.text, str) else None
        value = _plain(texts[last]) if texts is not None and len(texts) > last and texts[last] else \
            _value(trace.y[last], lang) if trace.y is not None else ".."
        series.append((_plain(trace.x[last]), _plain(trace.name), value))
    if series:
        at = series[-1][0]
        shown = [f"{name} {value}" for x, name, value in series[:10]]
        more = len(series) - len(shown)
        head = f"{at}: " if all(x == at for x, _, _ in series) else ""
        parts.append(head + "; ".join(shown) + (f"; {more} {'till' if lang == 'sv' else 'more'}" if more > 0 else "") + ".")
    if heat is not None:
        rows, cols = len(heat.y or []), len(heat.x or [])
        parts.append((f"Värmekarta, {rows} rader × {cols} kolumner; värdet står i varje ruta." if lang == "sv" else
                       f"Heatmap, {rows} rows × {cols} columns; the value is written in each cell."))
    if table is not None and not table.empty:
        column = next((c for c in N_COLUMNS if c in table.columns), None)
        if column is not None:
            rows = table[table.year == table.year.max()] if "year" in table.columns else table
            values = pd.to_numeric(rows[column], errors="coerce")
            n = ".." if values.isna().any() else number(values.sum(), 0, lang)
            parts.append(f"n = {n}" + (f" ({rows.year.iloc[0]})" if "year" in rows.columns and len(rows) else "") + ".")
    parts.append("Alla värden finns i tabellen." if lang == "sv" else "Every value is in the table.")
    return " ".join(parts)
