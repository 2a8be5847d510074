"""The comparisons across associations as the dashboard reads them (finsam.query.comparison), cached by the
signed-in role, the small-count threshold and the database version, and which association a page compares:
the one chosen in the selection, else the role's own."""
from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from finsam.access import Access, AccessDenied
from finsam.privacy import Protection
from finsam.query import comparison
from finsam.query.filters import Filters
from finsam.web import reads
from finsam.web.context import access, protection

log = logging.getLogger("finsam")


def own_association(f: Filters) -> str | None:
    """The association a page compares: the one chosen in the selection, else the role's only one."""
    if len(f.associations) == 1:
        return f.associations[0]
    mine = access().associations
    return mine[0] if mine and len(mine) == 1 else None


@st.cache_data(max_entries=300, show_spinner=False)
def _comparison(name: str, version: str, who: Access, threshold: int, own: str | None, years: tuple[int, int],
                peers: str):
    log.debug("computing comparison %s %s %s %s", name, own, years, peers)
    with reads.reader().reading() as cur:
        if name == "year":
            return comparison.comparison(cur, who, own, years[1], peers, Protection(threshold=threshold))
        return comparison.over_time(cur, who, own, years, peers, Protection(threshold=threshold))


def year(own: str | None, y: int, peers: str = "all") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked rows, statistics) of year y among one's peers (finsam.query.comparison.comparison)."""
    return _comparison("year", reads.db_version(), access(), protection().threshold, own, (y, y), peers)


def over_time(own: str | None, years: tuple[int, int], peers: str = "all") -> pd.DataFrame:
    return _comparison("over_time", reads.db_version(), access(), protection().threshold, own, years, peers)


def median_lines(f: Filters, y: int, lang: str) -> dict[str, str]:
    """Översikt's line under each key figure ("Median för 12 förbund: 41 %"), by key figure column; nothing for
    a role that cannot compare."""
    from finsam.present.comparison_charts import median_line

    try:
        _long, stats = year(own_association(f), y)
    except AccessDenied:
        return {}
    return {m: median_line(stats, m, lang) for m in comparison.MEASURES}
