"""A stacked bar with hidden parts says so (issue 24): the categories the small-count protection hides are
drawn as one grey cross-hatched "Dolt" part on top of the bar, or, where that part may not be shown, the
bar carries the note "+ dolt (..)". A bar never silently ends short of its year's total.

What the "Dolt" part may show is decided by finsam.privacy, as for every other count: its size is the
year's total less the parts drawn, and it is drawn only where privacy would publish that sum as a count
(not from 1 to threshold-1). It reveals nothing the chart did not already give: every drawn part carries
its count and its share of the year's total, so the total, and the total less the drawn parts, could be
worked out from any one of them; and it never reveals one hidden category, since the protection hides at
least two of a year's categories whenever it hides one (secondary suppression). A small sum of hidden
parts is not drawn (it would print a count under the threshold); a year whose every part is hidden has
no shown share to give its total, and gets the note only.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from finsam import colors, config, privacy
from finsam.labels import percent, t
from finsam.present.chart_layout import as_text

COLUMNS = ["year", "total", "drawn", "drawn_share", "hidden"]


def _protection() -> privacy.Protection:
    return privacy.Protection(threshold=int(config.setting("FINSAM_SMALL_COUNT")))


def parts(df: pd.DataFrame, count: str, share: str, drawn: pd.Series | None = None) -> pd.DataFrame:
    """Per year with a hidden part: the year's total (a shown part's count over its share), what the drawn
    parts add up to (drawn: each row's drawn count, default the count), their share, and the hidden sum
    (NaN where privacy hides it, or where no part is shown)."""
    drawn = df[count] if drawn is None else drawn
    rows = []
    for year, d in df.groupby("year", sort=True):
        known = d[d[count].notna() & (d[share].fillna(0) > 0)]
        total = round(float((known[count] * 100 / known[share]).median())) if len(known) else float("nan")
        done = float(drawn.loc[d.index].sum())
        if total == total and done >= total:
            continue  # every part drawn (a caller may have left the hidden rows out: the total still tells)
        rows.append(dict(year=year, total=total, drawn=done, drawn_share=float(d[share].sum()),
                         hidden=total - done if total == total else float("nan")))
    out = pd.DataFrame(rows, columns=COLUMNS)
    return privacy.protect("hidden_parts", out, _protection())


def mark(fig: go.Figure, hidden: pd.DataFrame, lang: str, as_share: bool = False) -> go.Figure:
    """The "Dolt" part on top of each stacked bar that has one (as_share: a 100 % bar, the part's share
    of the total), the note "+ dolt (..)" on a bar whose hidden part may not be drawn."""
    shown = hidden[hidden.hidden.notna() & (hidden.hidden > 0)]
    if len(shown):
        y = shown.hidden / shown.total * 100 if as_share else shown.hidden
        fig.add_bar(x=shown.year, y=y, name=t("hidden_part", lang),
                    marker=dict(color="#FFFFFF", line=dict(color=colors.HIDDEN, width=1.5),
                                pattern=dict(shape="x", fgcolor=colors.HIDDEN, bgcolor="#FFFFFF",
                                             fillmode="replace", solidity=0.3, size=8)),
                    text=[percent(v, 0, lang) for v in y] if as_share else as_text(y, lang), textposition="inside",
                    insidetextanchor="middle", customdata=as_text(shown.hidden, lang),
                    hovertemplate="%{x} " + t("hidden_part_hover", lang).replace("{}", str(_protection().threshold))
                    + "<extra></extra>")
    for r in hidden[hidden.hidden.isna()].itertuples():
        fig.add_annotation(x=r.year, y=r.drawn_share if as_share else r.drawn, yanchor="bottom", yshift=2,
                           text=t("hidden_part_note", lang), showarrow=False, font=dict(size=12, color="#3D3D3D"))
    return fig
