"""data/published_figures.csv: every figure printed in the source reports, and lookups into it."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = ["association", "intervention", "year", "measure", "dimension", "category", "value", "unit",
           "source_file", "section", "notes"]
KEY = ["association", "intervention", "year", "measure", "dimension", "category"]


def read(data_dir: Path) -> pd.DataFrame:
    df = pd.read_csv(data_dir / "published_figures.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    if list(df.columns) != COLUMNS:
        raise ValueError(f"published_figures.csv: columns {list(df.columns)}, expected {COLUMNS}")
    df["year"] = df["year"].astype(int)
    df["value"] = df["value"].astype(float)
    return df


class Published:
    """Look up printed figures by key; a key printed with different values needs its source file."""

    def __init__(self, df: pd.DataFrame):
        self.df = df

    def rows(self, association: str, intervention: str, year: int, measure: str, dimension: str = "",
             source: str | None = None, section: str | None = None) -> pd.DataFrame:
        d = self.df
        m = ((d.association == association) & (d.intervention == intervention) & (d.year == year)
             & (d.measure == measure) & (d.dimension == dimension))
        if source:
            m &= d.source_file.str.startswith(source)
        if section:
            m &= d.section.str.startswith(section)
        return d[m]

    def value(self, association: str, intervention: str, year: int, measure: str, dimension: str = "",
              category: str = "", source: str | None = None, section: str | None = None) -> float:
        r = self.rows(association, intervention, year, measure, dimension, source, section)
        values = set(r.loc[r.category == category, "value"])
        if len(values) != 1:
            raise KeyError(f"published figure {association}/{intervention}/{year}/{measure}/{dimension}/{category}"
                           f" ({source or 'any source'}): {sorted(values) or 'missing'}")
        return values.pop()

    def count(self, *args, **kw) -> int:
        v = self.value(*args, **kw)
        if v != int(v):
            raise ValueError(f"not a count: {args} = {v}")
        return int(v)

    def table(self, association: str, intervention: str, year: int, measure: str, dimension: str,
              source: str | None = None) -> dict[str, int]:
        """All categories of one printed table (one value per category)."""
        r = self.rows(association, intervention, year, measure, dimension, source)
        r = r[r.category != ""]
        out: dict[str, int] = {}
        for cat, grp in r.groupby("category", sort=False):
            values = set(grp["value"])
            if len(values) != 1:
                raise KeyError(f"{association}/{intervention}/{year}/{measure}/{cat}: several values {values}")
            out[cat] = int(values.pop())
        if not out:
            raise KeyError(f"no published table {association}/{intervention}/{year}/{measure}/{dimension}")
        return out
