"""The SQL the questions of finsam.query.queries are built from, every filter bound as a parameter: the
WHERE clauses of a selection (Sql, scope, selection), the grouping columns (by_columns), the expansion of
records into the years they take part in (years_cte, records_cte, base_ctes), the choice of the smallest
aggregate table that answers a question (cube_for, cells_cte, cube_cte), the anonymous counts and the covered
years (anonymous_cte, year_keys_cte), and running a statement into a DataFrame (fetch)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import pandas as pd

from finsam.data.aggregates import CUBES
from finsam.query.filters import Filters

GROUPS = ("association_id", "intervention_id")


@dataclass
class Sql:
    """WHERE clauses and their parameters, built up clause by clause."""
    clauses: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)

    def add_in(self, column: str, values: Sequence) -> None:
        if values:
            self.clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
            self.params.extend(values)

    def where(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "true"


def scope(f: Filters, association: str, intervention: str, year: str) -> Sql:
    """WHERE clauses for the selection's associations, interventions and years on the given columns."""
    s = Sql()
    s.add_in(association, f.associations)
    s.add_in(intervention, f.interventions)
    if f.years:
        s.clauses.append(f"{year} BETWEEN ? AND ?")
        s.params.extend(f.years)
    return s


def by_columns(by: Sequence[str]) -> tuple[str, str]:
    """The `by` columns as a prefix of a column list ("association_id, "), checked against GROUPS."""
    for b in by:
        if b not in GROUPS:
            raise ValueError(f"cannot group by {b}")
    cols = "".join(f"{b}, " for b in by)
    return cols, cols


def years_cte(f: Filters) -> tuple[str, list]:
    """years(association_id, intervention_id, year): the covered years of the selected interventions."""
    s = scope(f, "association_id", "intervention_id", "year")
    return f"years AS (SELECT association_id, intervention_id, year FROM intervention_year WHERE {s.where()})", s.params


def selection(f: Filters, years: bool = True) -> Sql:
    """WHERE clauses for the whole selection on a table with the record columns (and year, unless not)."""
    s = scope(f if years else replace(f, years=None), "association_id", "intervention_id", "year")
    s.add_in("municipality_code", f.municipalities)
    s.add_in("gender", f.genders)
    s.add_in("referral_source", f.referral_sources)
    return s


def records_cte(f: Filters, columns: str = "*") -> tuple[str, list]:
    """CTE recs: the selection's participation records (any year)."""
    s = selection(f, years=False)  # the years are bounded by the expansion (base_ctes)
    return f"recs AS (SELECT {columns} FROM participation WHERE {s.where()})", s.params


def base_ctes(f: Filters, columns: str = "*") -> tuple[str, list]:
    """CTEs years, recs and yp (one row per participation and year it takes part in, with flags).
    The expansion unnests each record's years (no range join), bounded by its intervention's years.
    columns: the record columns the query needs besides the keys and dates (fewer is faster)."""
    ysql, yparams = years_cte(f)
    keep = "*" if columns == "*" else f"association_id, intervention_id, start_date, end_date, {columns}"
    rsql, rparams = records_cte(f, keep)
    sql = f"""WITH {ysql}, {rsql},
    spans AS (SELECT association_id, intervention_id, min(year) AS first_year, max(year) AS last_year
              FROM years GROUP BY ALL),
    yp AS (
        SELECT r.*, y.year, year(r.start_date) = y.year AS is_new,
               r.end_date IS NOT NULL AND year(r.end_date) = y.year AS is_ended,
               CASE WHEN r.end_date IS NOT NULL AND year(r.end_date) = y.year
                    THEN date_diff('day', r.start_date, r.end_date) END AS days_in_intervention
        FROM recs r JOIN spans w USING (association_id, intervention_id),
        LATERAL (SELECT unnest(range(greatest(year(r.start_date), w.first_year),
                                     least(coalesce(year(r.end_date), w.last_year), w.last_year) + 1)) AS year) y)"""
    return sql, yparams + rparams


def _filter_dimensions(f: Filters) -> set[str]:
    return ({"municipality_code"} if f.municipalities else set()) | ({"gender"} if f.genders else set()) | (
        {"referral_source"} if f.referral_sources else set())


def cube_for(f: Filters, family: str, dimensions: Sequence[str] = ()) -> str:
    """The smallest aggregate table of a family ("flow" or "ended") that answers a query grouping by
    `dimensions` under selection f."""
    need = set(dimensions) | _filter_dimensions(f)
    return next(table for table, dims in CUBES[family] if need <= set(dims))


def cells_cte(f: Filters, family: str = "flow", dimensions: Sequence[str] = (), name: str = "yc") -> tuple[str, list]:
    """CTE `name`: the rows in selection f of the smallest aggregate table of the family that has
    `dimensions`."""
    s = selection(f)
    return f"{name} AS (SELECT * FROM {cube_for(f, family, dimensions)} WHERE {s.where()})", s.params


def cube_cte(f: Filters, family: str = "flow", dimensions: Sequence[str] = ()) -> tuple[str, list]:
    """WITH yc: see cells_cte."""
    sql, params = cells_cte(f, family, dimensions)
    return f"WITH {sql}", params


def anonymous_cte(f: Filters) -> tuple[str, list]:
    """CTE anon: the anonymous counts of the selection (in their interventions' covered years)."""
    s = scope(f, "association_id", "intervention_id", "year")
    s.add_in("gender", f.genders)
    if f.has_record_only_filter:
        s.clauses.append("false")
    return f"anon AS (SELECT * FROM anonymous_year WHERE {s.where()})", s.params


def year_keys_cte(f: Filters, g: str) -> tuple[str, list]:
    """CTE ykeys: every covered year of the selection (with the `by` columns), so years without anyone
    still get a row."""
    ysql, yparams = years_cte(f)
    return f"{ysql}, ykeys AS (SELECT DISTINCT {g}year FROM years)", yparams


def fetch(con, sql: str, params: list) -> pd.DataFrame:
    """The result of a statement with its parameters, as a DataFrame."""
    return con.execute(sql, params).df()
