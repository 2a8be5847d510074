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
from finsam.labels import number, plotly_separators, t

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
        font=FONT, separators=plotly_separators(lang), height=height, showlegend=True,  # one series named too
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
            if trace.marker.pattern.shape and trace.marker.pattern.bgcolor:
                color = trace.marker.pattern.bgcolor  # stripes on white: the text is on the white
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


def _years(trace) -> list[int | None]:
    return [int(x) if x is not None and str(x).isdigit() else None for x in trace.x]


def years_axis(fig: go.Figure, lang: str = "sv") -> None:
    """A year axis that shows the years as they are: every year from the first to the last, a year without
    data an empty slot with a note (not 2016 beside 2021), a line broken across it (not drawn straight over
    it); a chart of one year draws its lines as bars (a lone point with its label on a bar's reads as
    neither)."""
    traces = [tr for tr in fig.data if tr.x is not None and len(tr.x) and getattr(tr, "orientation", None) != "h"]
    notes = [int(a.x) for a in fig.layout.annotations if str(a.x).isdigit() and int(a.x) > 999]
    years = sorted({y for tr in traces for y in _years(tr) if y is not None} | set(notes))  # a year all hidden too
    if not years or any(y is None for tr in traces for y in _years(tr)):
        fig.update_xaxes(type="category")
        return
    every = list(range(years[0], years[-1] + 1))
    # years as text on the axis and in the traces; a note on a category axis is placed by the category's
    # index (plotly reads "2018" as the number 2018, far to the right of the last category)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=[str(y) for y in every],
                     range=[-0.5, len(every) - 0.5])  # every year a slot, one with only a note too
    for trace in traces:
        trace.x = [str(y) for y in _years(trace)]
    for note in fig.layout.annotations:
        if str(note.x).isdigit() and int(note.x) in every:
            note.x = every.index(int(note.x))
    if len(years) == 1:
        _lines_as_bars(fig, lang)
        return
    for trace in traces:
        if trace.type == "scatter" and "lines" in (trace.mode or "lines"):
            _break_lines(trace, every)
    missing = [y for y in every if y not in years]
    for run in _runs(missing):
        fig.add_annotation(x=every.index(run[len(run) // 2]), y=0.5, yref="paper", showarrow=False, textangle=-90,
                           text=t("no_data_years", lang).format(f"{run[0]}–{run[-1]}" if len(run) > 1 else run[0]),
                           font=dict(color=INK, size=12))


def _runs(years: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for y in years:
        if runs and runs[-1][-1] == y - 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return runs


def _break_lines(trace, every: list[int]) -> None:
    """A line's points on every year of the axis, None where it has none, so the line stops at the gap."""
    at = {y: i for i, y in enumerate(_years(trace))}
    for name in ("y", "text", "customdata"):
        values = getattr(trace, name)
        if values is not None and not isinstance(values, str) and len(values) == len(at):
            trace[name] = [values[at[y]] if y in at else (None if name != "text" else "") for y in every]
    trace.x = [str(y) for y in every]


def _lines_as_bars(fig: go.Figure, lang: str) -> None:
    """One year: each line of the chart a bar beside the others, with its colour, label (its value where the
    line had none; a hidden one `..`) and hover text; a dashed line's bar striped (colors.marker), as the
    line was told apart by its dash."""
    data = []
    for trace in fig.data:
        if trace.type == "scatter" and "lines" in (trace.mode or "lines"):
            dashed = trace.line.dash not in (None, "solid")
            text = trace.text if trace.text is not None else as_text(trace.y, lang)
            bar = go.Bar(x=trace.x, y=trace.y, name=trace.name, text=text, customdata=trace.customdata,
                         hovertemplate=trace.hovertemplate, textposition="outside", showlegend=trace.showlegend,
                         marker=colors.marker(trace.line.color or colors.SERIES[0], "/" if dashed else ""))
            data.append(bar)
        else:
            data.append(trace)
    fig.data = ()
    for trace in data:
        fig.add_trace(trace)
    if fig.layout.barmode is None:
        fig.update_layout(barmode="group")
