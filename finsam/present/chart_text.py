"""A chart in words, its text alternative (WCAG 1.1.1, README "Tillgänglighet"): for a screen reader and
for anyone who cannot tell its colours apart; under every chart in the dashboard and in presentation mode."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from finsam.labels import SUPPRESSED, number

N_COLUMNS = ("participants_total", "participants", "participations", "ended", "respondents", "n")


def _plain(text) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", str(text or "")).replace("  ", " ").strip()


def _value(v, lang: str) -> str:
    if v is None or v != v:
        return SUPPRESSED
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
            _value(trace.y[last], lang) if trace.y is not None else SUPPRESSED
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
            n = SUPPRESSED if values.isna().any() else number(values.sum(), 0, lang)
            parts.append(f"n = {n}" + (f" ({rows.year.iloc[0]})" if "year" in rows.columns and len(rows) else "") + ".")
    parts.append("Alla värden finns i tabellen." if lang == "sv" else "Every value is in the table.")
    return " ".join(parts)
