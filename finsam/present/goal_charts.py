"""Charts of goals (issue 17): goal lines on a chart of their indicator, and goals by attainment status."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from finsam import colors
from finsam.labels import number
from finsam.present.chart_layout import headroom, layout
from finsam.present.figure_cache import cached


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
    fig.add_scatter(x=lines.year.astype(str), y=lines.target,  # as the year axis holds them (years_axis) name=label, mode="markers+text",
                    marker=dict(symbol="line-ew", size=70, line=dict(width=3, color=colors.GOAL)),
                    text=[f"{label} {number(v, 0 if float(v).is_integer() else 1, lang)}" for v in lines.target],
                    textposition="bottom center", textfont=dict(color=colors.GOAL),
                    customdata=lines.goal_id, hovertemplate=f"%{{x}} {label} %{{customdata}}: %{{y}}<extra></extra>")
    headroom(fig)
    return fig


@cached
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
    return layout(fig, title, subtitle, lang, "", "Mål" if lang == "sv" else "Goals")
