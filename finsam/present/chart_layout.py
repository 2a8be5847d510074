"""What every chart shares: the font, the height, the ink, the layout (title with the selection and period
as subtitle, axis labels, Swedish number format, room above the tallest bar, text readable on its colour),
and the small helpers the chart modules use to label values and total a year.

The chart modules (participant_charts, referral_charts, outcome_charts, economy_charts, survey_charts,
goal_charts) take a query's DataFrame and give a Plotly figure: no queries, no Streamlit. Every figure has a
title that says what is shown and a subtitle with the selection and period, axis labels in the chosen
language, Swedish number format, one colour per category (finsam.colors), counts with shares and the n behind
every percentage in labels and hover texts. chart_text says a figure in words.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from finsam import colors
from finsam.labels import number, plotly_separators

FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=15)
# every new figure copies and validates the default template: make it the one the charts use, so it is done
# once per figure rather than twice (that was a third of a page run's time on the server)
pio.templates.default = "plotly_white"
HEIGHT = 460
INK = "#3D3D3D"  # axis ticks and titles: 10.6:1 on white


def layout(fig: go.Figure, title: str, subtitle: str, lang: str, x: str = "", y: str = "",
           height: int = HEIGHT) -> go.Figure:
    """The look every chart shares: the title with the selection and period under it, the axis titles,
    the chosen language's number format, readable ink, room above the tallest bar."""
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
    headroom(fig)
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


def headroom(fig: go.Figure) -> None:
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


def as_text(values, lang: str, decimals: int = 0) -> list[str]:
    """Numbers as the reader sees them; a hidden small count (NaN) as `..`."""
    return [number(v, decimals, lang) for v in values]


def year_totals(df: pd.DataFrame, column: str) -> pd.Series:
    """The year's total of a column, hidden (NaN) when any of its cells is hidden."""
    return df.groupby("year")[column].agg(lambda x: x.sum(skipna=False))


def years_axis(fig: go.Figure) -> None:
    fig.update_xaxes(type="category")
