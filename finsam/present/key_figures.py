"""The board's key figures as every view shows them (Översikt, Presentation): the label, the value as
shown, and the change from the year before computed from the values as shown (58 % then 62 % is +4, not
the +3 of the unrounded shares), with a true minus sign and no arrow when nothing changed. No figure (no
year, nobody behind it) prints as labels.MISSING, a hidden one as labels.SUPPRESSED; a change involving
either is not shown."""
from __future__ import annotations

import math
from dataclasses import dataclass

from finsam.labels import MISSING, SUPPRESSED, fmt, number, pct, t

MINUS = "\u2212"


@dataclass(frozen=True)
class KeyFigure:
    label_key: str  # finsam.labels key of the label
    column: str  # column of finsam.query.queries.key_figures
    decimals: int
    kind: str  # count | percent | months


KEY_FIGURES = (KeyFigure("kf_participants", "participants_total", 0, "count"),
               KeyFigure("kf_new", "new", 0, "count"),
               KeyFigure("kf_ended", "ended", 0, "count"),
               KeyFigure("kf_women", "women_share_pct", 0, "percent"),
               KeyFigure("kf_mean_time", "mean_months", 1, "months"),
               KeyFigure("kf_positive", "positive_step_pct", 0, "percent"),
               KeyFigure("kf_retained", "retained_6m_pct", 0, "percent"))


def shown(k: KeyFigure, value, lang: str) -> str:
    """The value as the views print it (None: no figure, NaN: hidden)."""
    if k.kind == "percent":
        return pct(value, k.decimals, lang)
    text = fmt(value, k.decimals, lang)
    return f"{text} {t('months', lang)}" if k.kind == "months" and text not in (MISSING, SUPPRESSED) else text


def _rounded(value, decimals: int) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), decimals)


def change(k: KeyFigure, now, before, lang: str) -> tuple[str | None, str]:
    """(text, arrow) of the change from `before` to `now` as shown: text None when either is missing or
    hidden; arrow "up", "down" or "off" (no change), for st.metric's delta_arrow."""
    a, b = _rounded(now, k.decimals), _rounded(before, k.decimals)
    if a is None or b is None:
        return None, "off"
    d = round(a - b, k.decimals)
    size = number(abs(d), k.decimals, lang)
    sign = "±" if d == 0 else "+" if d > 0 else MINUS
    unit = {"count": "", "percent": " %-enh." if lang == "sv" else " pp", "months": f" {t('months', lang)}"}[k.kind]
    return f"{sign}{size}{unit}", "off" if d == 0 else "up" if d > 0 else "down"
