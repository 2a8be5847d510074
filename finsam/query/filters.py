"""The selection (Filters) and what a chart of it shows: the years a chart of many categories keeps
(chart_years, recent_rows), each series' latest year (latest_rows) and a chart per group or one over them all
(group_chart)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import pandas as pd


@dataclass(frozen=True)
class Filters:
    """A selection. Empty tuples mean "all"; years is an inclusive (first, last) range or None for all."""
    years: tuple[int, int] | None = None
    associations: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()  # municipality codes
    genders: tuple[str, ...] = ()
    referral_sources: tuple[str, ...] = ()

    def with_years(self, first: int, last: int) -> "Filters":
        return replace(self, years=(first, last))

    @property
    def has_record_only_filter(self) -> bool:
        return bool(self.municipalities or self.referral_sources)


RECENT_YEARS = 3  # a chart of categories by year shows at most these last years of the selection ...
MANY_CATEGORIES = 30  # ... and only the last when it has more categories than this (a county, the country)


def chart_years(f: Filters, categories: int) -> Filters:
    """The selection narrowed to the years a chart of `categories` categories by year shows, so it stays
    readable and a few hundred points at most at any scale."""
    first = f.years[1] if categories > MANY_CATEGORIES else max(f.years[0], f.years[1] - RECENT_YEARS + 1)
    return f.with_years(first, f.years[1])


def recent_rows(df: pd.DataFrame, groups: int) -> pd.DataFrame:
    """The rows of a result by year that a chart of `groups` groups per year shows, as chart_years but
    counted back from the last year with rows (budgets and surveys are not of every year)."""
    years = sorted(df.year.unique())
    return df[df.year.isin(years[-1:] if groups > MANY_CATEGORIES else years[-RECENT_YEARS:])]


def latest_rows(df: pd.DataFrame, series: Sequence[str] = ("association_id",)) -> pd.DataFrame:
    """The rows of each series' latest year in a result by year (each association at its last survey)."""
    return df[df.year == df.groupby(list(series)).year.transform("max")]


FEW_GROUPS = 5  # a page draws a chart per association up to this many, else one chart over them all


def group_chart(f: Filters, interventions: int, associations: int) -> tuple[tuple[str, ...], Filters]:
    """The `by` and the selection of a chart per group: per intervention within one association, else per
    association (a national selection has 75 associations and 300 interventions), over chart_years.
    interventions, associations: how many the selection has."""
    if len(f.associations) == 1:
        return ("association_id", "intervention_id"), chart_years(f, interventions)
    return ("association_id",), chart_years(f, associations)
