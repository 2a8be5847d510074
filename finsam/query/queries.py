"""The query layer: one named function per question, every filter bound as a parameter.

Year semantics (the same everywhere):
- a participation *takes part* in year Y if it overlaps Y: it started on or before 31 December Y and has
  no end date or ended on or after 1 January Y;
- it is *new* in Y if it started in Y, *ended* in Y if it ended in Y, *ongoing* at the end of Y if it
  took part in Y and did not end in Y;
- time in intervention, exit reasons, positive steps and follow-up are over participations ended in Y;
- the years of an intervention are those its records cover (intervention.first_year..last_year): a
  participation still ongoing is not counted in years after its intervention's last year.
Anonymous participants (a count per year and gender) are added to totals and gender splits only, and
only when no municipality or referral-source filter is set (they have neither).

Every function takes a connection (or cursor) and Filters and returns a DataFrame of aggregates whose
columns are listed in its docstring; `by` adds grouping columns (`association_id`, `intervention_id`).
Nothing here knows of Streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import duckdb
import pandas as pd

from finsam import privacy
from finsam.access import ADMIN, Access, AccessDenied
from finsam.privacy import Protection

GROUPS = ("association_id", "intervention_id")
DAYS_PER_MONTH = 30  # the reports convert days to months with 30-day months (276 days = 9,2 months)
DAY_BANDS = [(0, 90, "0–3 mån"), (91, 180, "3–6 mån"), (181, 365, "6–12 mån"), (366, 730, "1–2 år"),
             (731, 100_000, "över 2 år")]


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


@dataclass
class _Sql:
    clauses: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)

    def add_in(self, column: str, values: Sequence) -> None:
        if values:
            self.clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
            self.params.extend(values)

    def where(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "true"


def _scope(f: Filters, association: str, intervention: str, year: str) -> _Sql:
    """WHERE clauses for the selection's associations, interventions and years on the given columns."""
    s = _Sql()
    s.add_in(association, f.associations)
    s.add_in(intervention, f.interventions)
    if f.years:
        s.clauses.append(f"{year} BETWEEN ? AND ?")
        s.params.extend(f.years)
    return s


def _by(by: Sequence[str]) -> tuple[str, str]:
    for b in by:
        if b not in GROUPS:
            raise ValueError(f"cannot group by {b}")
    cols = "".join(f"{b}, " for b in by)
    return cols, cols


def _years_cte(f: Filters) -> tuple[str, list]:
    """years(association_id, intervention_id, year): the covered years of the selected interventions."""
    s = _scope(f, "association_id", "intervention_id", "year")
    return f"years AS (SELECT association_id, intervention_id, year FROM intervention_year WHERE {s.where()})", s.params


def _selection(f: Filters, years: bool = True) -> _Sql:
    """WHERE clauses for the whole selection on a table with the record columns (and year, unless not)."""
    s = _scope(f if years else replace(f, years=None), "association_id", "intervention_id", "year")
    s.add_in("municipality_code", f.municipalities)
    s.add_in("gender", f.genders)
    s.add_in("referral_source", f.referral_sources)
    return s


def _records_cte(f: Filters, columns: str = "*") -> tuple[str, list]:
    s = _selection(f, years=False)  # the years are bounded by the expansion (_base)
    return f"recs AS (SELECT {columns} FROM participation WHERE {s.where()})", s.params


def _base(f: Filters, columns: str = "*") -> tuple[str, list]:
    """CTEs years, recs and yp (one row per participation and year it takes part in, with flags).
    The expansion unnests each record's years (no range join), bounded by its intervention's years.
    columns: the record columns the query needs besides the keys and dates (fewer is faster)."""
    ysql, yparams = _years_cte(f)
    keep = "*" if columns == "*" else f"association_id, intervention_id, start_date, end_date, {columns}"
    rsql, rparams = _records_cte(f, keep)
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


# The aggregate tables, smallest first within each family: a query reads the first whose dimensions
# cover those it groups by and those the selection filters on (year, association and intervention are in
# all). The full ones are built from the records, the others rolled up from them.
DIMENSIONS = ("municipality_code", "gender", "referral_source")
FLOW_MEASURES = ("participations", "new", "ended")
ENDED_MEASURES = ("ended", "days_sum", "positive", "step_known", "kept_6m", "not_kept_6m", "no_answer_6m",
                  "kept_18m", "not_kept_18m", "no_answer_18m") + tuple(f"band_{i}" for i in range(len(DAY_BANDS)))
CUBES = {
    "flow": [("flow_total", ()), ("flow_gender", ("gender",)), ("flow_municipality", ("municipality_code",)),
             ("flow_referral", ("referral_source",)), ("flow_cube", DIMENSIONS)],
    "ended": [("ended_total", ()), ("ended_gender", ("gender",)), ("ended_exit", ("exit_reason",)),
              ("ended_assignment", ("assignment",)), ("ended_cube", DIMENSIONS + ("exit_reason", "assignment"))],
}


def aggregate_tables() -> set[str]:
    """The names of the tables refresh_aggregates builds."""
    return {table for family in CUBES.values() for table, _dims in family} | {
        "intervention_span", "intervention_year", "ended_record", "anonymous_year", "municipality_year",
        "association_records"}


def _filter_dimensions(f: Filters) -> set[str]:
    return ({"municipality_code"} if f.municipalities else set()) | ({"gender"} if f.genders else set()) | (
        {"referral_source"} if f.referral_sources else set())


def cube_for(f: Filters, family: str, dimensions: Sequence[str] = ()) -> str:
    """The smallest aggregate table of a family ("flow" or "ended") that answers a query grouping by
    `dimensions` under selection f."""
    need = set(dimensions) | _filter_dimensions(f)
    return next(table for table, dims in CUBES[family] if need <= set(dims))


def _cells(f: Filters, family: str = "flow", dimensions: Sequence[str] = (), name: str = "yc") -> tuple[str, list]:
    """CTE `name`: the rows in selection f of the smallest aggregate table of the family that has
    `dimensions`."""
    s = _selection(f)
    return f"{name} AS (SELECT * FROM {cube_for(f, family, dimensions)} WHERE {s.where()})", s.params


def _cube(f: Filters, family: str = "flow", dimensions: Sequence[str] = ()) -> tuple[str, list]:
    """WITH yc: see _cells."""
    sql, params = _cells(f, family, dimensions)
    return f"WITH {sql}", params


def refresh_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the tables the pages read instead of the records, from the records:
    intervention_year: the years each individual intervention covers (see intervention_window);
    flow_cube: participations, new and ended per year they take part in, association, intervention,
      municipality, gender and referral source;
    ended_cube: the participations ended in a year, per the same keys and exit reason and assignment, with
      days in intervention, positive steps, follow-up and counts per band of days;
    the other tables of CUBES: these two rolled up to fewer dimensions;
    ended_record: one narrow row per participation ended in a covered year (year, keys, days), for medians.
    anonymous_year: the anonymous counts in their interventions' covered years;
    municipality_year: each association's member municipalities per covered year with the population share;
    association_records: whether an association has demo records and imported (not demo) participations.
    Every table is ordered by association and year so a selection reads only its blocks. Run after every
    change of participations, anonymous counts or interventions (build, import, generate)."""
    create_views(con)
    con.execute("""CREATE OR REPLACE TABLE intervention_span AS SELECT * FROM intervention_window""")
    con.execute("""CREATE OR REPLACE TABLE intervention_year AS
    SELECT association_id, intervention_id, unnest(range(first_year, last_year + 1))::SMALLINT AS year
    FROM intervention_span WHERE kind = 'individual' AND first_year IS NOT NULL ORDER BY ALL""")
    window = """w AS (SELECT association_id, intervention_id, min(year) AS first_year, max(year) AS last_year
               FROM intervention_year GROUP BY ALL)"""
    expanded = f"""
    WITH {window},
    p AS (SELECT association_id, intervention_id, municipality_code, gender, referral_source, year(start_date) AS start_year,
                 year(end_date) AS end_year FROM participation),
    e AS (SELECT p.*, unnest(range(greatest(p.start_year, w.first_year),
                                   least(coalesce(p.end_year, w.last_year), w.last_year) + 1)) AS year
          FROM p JOIN w USING (association_id, intervention_id))"""
    keys = "year::SMALLINT AS year, association_id, intervention_id, municipality_code, gender, referral_source"
    con.execute(f"""CREATE OR REPLACE TABLE flow_cube AS {expanded}
    SELECT {keys}, count(*)::INTEGER AS participations, count(*) FILTER (start_year = year)::INTEGER AS new,
           count(*) FILTER (end_year = year)::INTEGER AS ended
    FROM e GROUP BY ALL ORDER BY association_id, year""")
    # the participations ended in a covered year, with the year they ended and their days
    ended = f"""WITH {window},
    p AS (SELECT p.*, year(p.end_date)::SMALLINT AS year, date_diff('day', p.start_date, p.end_date) AS days
          FROM participation p JOIN w USING (association_id, intervention_id)
          WHERE p.end_date IS NOT NULL AND year(p.end_date) BETWEEN w.first_year AND w.last_year)"""
    bands = ",\n".join(f"count(*) FILTER (days BETWEEN {lo} AND {hi})::INTEGER AS band_{i}"
                        for i, (lo, hi, _label) in enumerate(DAY_BANDS))
    con.execute(f"""CREATE OR REPLACE TABLE ended_cube AS {ended}
    SELECT {keys}, exit_reason, coalesce(assignment, '') AS assignment,
           count(*)::INTEGER AS ended, sum(days)::BIGINT AS days_sum,
           count(*) FILTER (has_positive_step)::INTEGER AS positive,
           count(*) FILTER (has_positive_step IS NOT NULL)::INTEGER AS step_known,
           count(*) FILTER (followup_6m = 'behallit')::INTEGER AS kept_6m,
           count(*) FILTER (followup_6m = 'ej_behallit')::INTEGER AS not_kept_6m,
           count(*) FILTER (followup_6m = 'ej_svar')::INTEGER AS no_answer_6m,
           count(*) FILTER (followup_18m = 'behallit')::INTEGER AS kept_18m,
           count(*) FILTER (followup_18m = 'ej_behallit')::INTEGER AS not_kept_18m,
           count(*) FILTER (followup_18m = 'ej_svar')::INTEGER AS no_answer_18m,
           {bands}
    FROM p GROUP BY ALL ORDER BY association_id, year""")
    con.execute(f"""CREATE OR REPLACE TABLE ended_record AS {ended}
    SELECT year, association_id, intervention_id, municipality_code, gender, referral_source, days::INTEGER AS days
    FROM p ORDER BY association_id, year""")
    for family, measures in (("flow", FLOW_MEASURES), ("ended", ENDED_MEASURES)):
        full, _dims = CUBES[family][-1]
        for table, dims in CUBES[family][:-1]:
            sums = ", ".join(f"sum({m})::{'BIGINT' if m == 'days_sum' else 'INTEGER'} AS {m}" for m in measures)
            con.execute(f"""CREATE OR REPLACE TABLE {table} AS
            SELECT year, association_id, intervention_id, {''.join(f"{d}, " for d in dims)}{sums}
            FROM {full} GROUP BY ALL ORDER BY association_id, year""")
    con.execute("""CREATE OR REPLACE TABLE municipality_year AS
    SELECT y.association_id, am.municipality_code, m.municipality_name, y.year,
           coalesce(
             (SELECT population_share_pct FROM population_share ps WHERE ps.association_id = y.association_id
               AND ps.municipality_code = am.municipality_code AND ps.year <= y.year ORDER BY ps.year DESC LIMIT 1),
             (SELECT population_share_pct FROM population_share ps WHERE ps.association_id = y.association_id
               AND ps.municipality_code = am.municipality_code ORDER BY ps.year LIMIT 1)) AS population_share_pct
    FROM (SELECT DISTINCT association_id, year FROM intervention_year) y
    JOIN association_municipality am USING (association_id) JOIN municipality m USING (municipality_code)
    ORDER BY y.association_id, y.year""")
    con.execute("""CREATE OR REPLACE TABLE association_records AS
    SELECT association_id, bool_or(is_demo) AS has_demo, bool_or(NOT is_demo AND is_record) AS has_imported
    FROM (SELECT association_id, is_demo, true AS is_record FROM participation
          UNION ALL SELECT association_id, is_demo, false FROM anonymous_participants) GROUP BY ALL""")
    con.execute("""CREATE OR REPLACE TABLE anonymous_year AS
    SELECT a.* FROM anonymous_participants a JOIN intervention_year y USING (association_id, intervention_id, year)
    ORDER BY association_id, year""")
    con.execute("DROP TABLE IF EXISTS year_cube")


def _anonymous_cte(f: Filters) -> tuple[str, list]:
    """CTE anon: the anonymous counts of the selection (in their interventions' covered years)."""
    s = _scope(f, "association_id", "intervention_id", "year")
    s.add_in("gender", f.genders)
    if f.has_record_only_filter:
        s.clauses.append("false")
    return f"anon AS (SELECT * FROM anonymous_year WHERE {s.where()})", s.params


def _year_keys_cte(f: Filters, g: str) -> tuple[str, list]:
    """CTE ykeys: every covered year of the selection (with the `by` columns), so years without anyone
    still get a row."""
    ysql, yparams = _years_cte(f)
    return f"{ysql}, ykeys AS (SELECT DISTINCT {g}year FROM years)", yparams


def _run(con, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).df()


def run(con, name: str, f: Filters, protection: Protection = Protection(), access: Access = ADMIN,
        **kwargs) -> pd.DataFrame:
    """Run the query function `name` for a selection: the one door every page, export, report and the
    CLI go through. Here, once for all of them, the role's associations bound the selection (a request
    for another association's records is refused, whatever the URL or session says) and the small-count
    protection is applied (on unless the role may see unprotected figures and asked for them)."""
    if name not in FILTERED_QUERIES:
        raise ValueError(f"unknown query {name}")
    f = replace(f, associations=access.scope(f.associations))
    if not protection.enabled and not access.may_unprotect:
        protection = Protection(threshold=protection.threshold)
    return privacy.protect(name, globals()[name](con, f, **kwargs), protection)


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """Views the queries read; created by the build and on opening an older file."""
    con.execute("""
    CREATE OR REPLACE VIEW intervention_window AS
    SELECT i.association_id, i.intervention_id, i.kind,
           coalesce(i.first_year, (SELECT min(year(p.start_date)) FROM participation p
                                   WHERE p.association_id = i.association_id
                                     AND p.intervention_id = i.intervention_id)) AS first_year,
           coalesce(i.last_year, (SELECT max(greatest(year(p.start_date), coalesce(year(p.end_date), 0)))
                                  FROM participation p WHERE p.association_id = i.association_id
                                    AND p.intervention_id = i.intervention_id)) AS last_year
    FROM intervention i""")


def participant_flow(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year: participations (taking part), new, ended, ongoing (at year end), anonymous (anonymous
    participants) and participants_total (participations + anonymous). Unique persons: unique_persons."""
    base, params = _cube(f)
    anon, aparams = _anonymous_cte(f)
    g, _ = _by(by)
    keys, kparams = _year_keys_cte(f, g)
    sql = f"""{base}, {anon}, {keys},
    parts AS (SELECT {g}year, participations, new, ended, 0 AS anonymous FROM yc
              UNION ALL SELECT {g}year, 0, 0, 0, participant_count FROM anon
              UNION ALL SELECT {g}year, 0, 0, 0, 0 FROM ykeys),
    flow AS (SELECT {g}year, sum(participations)::BIGINT AS participations, sum(new)::BIGINT AS new,
                    sum(ended)::BIGINT AS ended, sum(anonymous)::BIGINT AS anonymous FROM parts GROUP BY ALL)
    SELECT {g}year, participations, new, ended, participations - ended AS ongoing, anonymous,
           participations + anonymous AS participants_total
    FROM flow ORDER BY ALL"""
    return _run(con, sql, params + aparams + kparams)


def unique_persons(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year: persons, the unique person ids among the participations taking part (a person with two
    participations in a year counts once). Read from the records."""
    base, params = _base(f, "person_id")
    g, _ = _by(by)
    return _run(con, f"""{base}
    SELECT {g}year, count(DISTINCT person_id) AS persons FROM yp GROUP BY ALL ORDER BY ALL""", params)


def gender_split(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and gender: registered (participations), anonymous, participants (both) and share_pct of
    the year's participants."""
    base, params = _cube(f, "flow", ("gender",))
    anon, aparams = _anonymous_cte(f)
    g, _ = _by(by)
    sql = f"""{base}, {anon},
    parts AS (SELECT {g}year, gender, participations AS registered, 0 AS anonymous FROM yc
              UNION ALL SELECT {g}year, gender, 0, participant_count FROM anon),
    both_ AS (SELECT {g}year, gender, sum(registered)::BIGINT AS registered, sum(anonymous)::BIGINT AS anonymous
              FROM parts GROUP BY ALL)
    SELECT *, registered + anonymous AS participants,
           100.0 * (registered + anonymous) / sum(registered + anonymous) OVER (PARTITION BY {g}year) AS share_pct
    FROM both_ ORDER BY ALL"""
    return _run(con, sql, params + aparams)


def municipality_split(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and municipality (of the selected associations): participations, new, share_pct of the
    year's participations, association_share_pct of its association's participations that year, and
    population_share_pct (of the association's population: its latest published share as of the year,
    else its earliest: municipality_year). Municipalities with no participant appear with 0."""
    base, params = _cube(f, "flow", ("municipality_code",))
    ysql, yparams = _years_cte(f)
    g, _ = _by(by)
    s = _Sql()
    s.add_in("mu.municipality_code", f.municipalities)
    kcols = "".join(f"k.{b}, " for b in by)
    on_by = "".join(f" AND c.{b} = gr.{b}" for b in by)
    sql = f"""{base}, {ysql},
    keys AS (SELECT DISTINCT {g}association_id AS key_assoc, year FROM years),
    grid AS (SELECT {kcols}k.year, mu.association_id AS muni_assoc, mu.municipality_code, mu.municipality_name,
                    mu.population_share_pct
             FROM keys k JOIN municipality_year mu ON mu.association_id = k.key_assoc AND mu.year = k.year
             WHERE {s.where()}),
    counts AS (SELECT {g}year, municipality_code, sum(participations) AS participations, sum(new) AS new
               FROM yc GROUP BY ALL)
    SELECT {"".join(f"gr.{b}, " for b in by)}gr.year, gr.muni_assoc AS municipality_association_id,
           gr.municipality_code, gr.municipality_name,
           coalesce(c.participations, 0) AS participations, coalesce(c.new, 0) AS new,
           100.0 * coalesce(c.participations, 0)
             / nullif(sum(coalesce(c.participations, 0)) OVER (PARTITION BY {"".join(f"gr.{b}, " for b in by)}gr.year), 0)
             AS share_pct,
           100.0 * coalesce(c.participations, 0) / nullif(sum(coalesce(c.participations, 0)) OVER (
             PARTITION BY {"".join(f"gr.{b}, " for b in by)}gr.year, gr.muni_assoc), 0) AS association_share_pct,
           gr.population_share_pct
    FROM grid gr
    LEFT JOIN counts c ON c.year = gr.year AND c.municipality_code = gr.municipality_code{on_by}
    ORDER BY ALL"""
    return _run(con, sql, params + yparams + s.params)


def referral_split(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and referral source (record codes): participations, new and share_pct of the year's
    participations. Merged groups (Psyk/Vc/Hab) are added by finsam.query.figures."""
    base, params = _cube(f, "flow", ("referral_source",))
    g, _ = _by(by)
    sql = f"""{base}
    SELECT {g}year, referral_source, sum(participations)::BIGINT AS participations, sum(new)::BIGINT AS new,
           100.0 * sum(participations) / sum(sum(participations)) OVER (PARTITION BY {g}year) AS share_pct
    FROM yc GROUP BY {g}year, referral_source ORDER BY ALL"""
    return _run(con, sql, params)


def referral_by_municipality(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year, municipality and referral source: participations."""
    base, params = _cube(f, "flow", ("municipality_code", "referral_source"))
    g, _ = _by(by)
    sql = f"""{base}
    SELECT {g}year, municipality_code, m.municipality_name, referral_source, sum(participations)::BIGINT AS participations
    FROM yc JOIN municipality m USING (municipality_code) GROUP BY ALL ORDER BY ALL"""
    return _run(con, sql, params)


def time_in_intervention(con, f: Filters, by: Sequence[str] = (), split: str | None = None) -> pd.DataFrame:
    """Per year over participations ended that year: ended, mean_days, median_days, mean_months (days / 30).
    With split ("exit_reason" or "assignment") per year and that code instead, without the median (the
    pages show means per category): read from the aggregate table, not the records."""
    if split not in (None, "exit_reason", "assignment"):
        raise ValueError(split)
    g, _ = _by(by)
    if split:
        base, params = _cube(f, "ended", (split,))
        return _run(con, f"""{base}
        SELECT {g}year, {split}, sum(ended)::BIGINT AS ended, sum(days_sum) / sum(ended) AS mean_days,
               sum(days_sum) / sum(ended) / {DAYS_PER_MONTH} AS mean_months
        FROM yc GROUP BY ALL HAVING sum(ended) > 0 ORDER BY ALL""", params)
    s = _selection(f)
    return _run(con, f"""
    SELECT {g}year, count(*) AS ended, avg(days) AS mean_days, median(days) AS median_days,
           avg(days) / {DAYS_PER_MONTH} AS mean_months
    FROM ended_record WHERE {s.where()} GROUP BY ALL ORDER BY ALL""", s.params)


def mean_time(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year: ended, mean_days and mean_months over those ended that year (from the aggregate table;
    the median: time_in_intervention)."""
    base, params = _cube(f, "ended")
    g, _ = _by(by)
    return _run(con, f"""{base}
    SELECT {g}year, sum(ended)::BIGINT AS ended, sum(days_sum) / nullif(sum(ended), 0) AS mean_days,
           sum(days_sum) / nullif(sum(ended), 0) / {DAYS_PER_MONTH} AS mean_months
    FROM yc GROUP BY ALL ORDER BY ALL""", params)


def time_distribution(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and band of days in intervention (ended that year): band, band_order, ended. Bands with
    no one are left out."""
    base, params = _cube(f, "ended")
    g, _ = _by(by)
    bands = " UNION ALL ".join(f"SELECT {g}year, {i} AS band_order, '{label}' AS band, band_{i} AS n FROM yc"
                               for i, (_lo, _hi, label) in enumerate(DAY_BANDS))
    return _run(con, f"""{base}, b AS ({bands})
    SELECT {g}year, band_order, band, sum(n)::BIGINT AS ended FROM b GROUP BY ALL HAVING sum(n) > 0
    ORDER BY ALL""", params)


def exit_reasons(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and exit reason (ended that year): ended and share_pct of the year's ended."""
    base, params = _cube(f, "ended", ("exit_reason",))
    g, _ = _by(by)
    sql = f"""{base}
    SELECT {g}year, exit_reason, sum(ended)::BIGINT AS ended,
           100.0 * sum(ended) / sum(sum(ended)) OVER (PARTITION BY {g}year) AS share_pct
    FROM yc GROUP BY {g}year, exit_reason ORDER BY ALL"""
    return _run(con, sql, params)


def positive_steps(con, f: Filters, by: Sequence[str] = (), by_assignment: bool = False) -> pd.DataFrame:
    """Per year (and assignment): ended, positive (with a positive step) and share_pct = positive / ended
    over those ended with the step recorded."""
    base, params = _cube(f, "ended", ("assignment",) if by_assignment else ())
    g, _ = _by(by)
    extra = "assignment, " if by_assignment else ""
    sql = f"""{base}
    SELECT {g}year, {extra}sum(ended)::BIGINT AS ended, sum(positive)::BIGINT AS positive,
           100.0 * sum(positive) / nullif(sum(step_known), 0) AS share_pct
    FROM yc GROUP BY ALL ORDER BY ALL"""
    return _run(con, sql, params)


def followup(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year ended and horizon ('6m', '18m'): kept, not_kept, no_answer, due (all three),
    retained_share_pct = kept / (kept + not_kept) and response_rate_pct = (kept + not_kept) / due."""
    base, params = _cube(f, "ended")
    g, _ = _by(by)
    sums = ", ".join(f"sum({m}_{h})::BIGINT AS {m}_{h}" for h in ("6m", "18m")
                     for m in ("kept", "not_kept", "no_answer"))
    sql = f"""{base},
    t AS (SELECT {g}year, {sums} FROM yc GROUP BY ALL),
    h AS (SELECT {g}year, '6m' AS horizon, kept_6m AS kept, not_kept_6m AS not_kept, no_answer_6m AS no_answer
          FROM t UNION ALL SELECT {g}year, '18m', kept_18m, not_kept_18m, no_answer_18m FROM t)
    SELECT {g}year, horizon, kept, not_kept, no_answer, kept + not_kept + no_answer AS due,
           100.0 * kept / nullif(kept + not_kept, 0) AS retained_share_pct,
           100.0 * (kept + not_kept) / nullif(kept + not_kept + no_answer, 0) AS response_rate_pct
    FROM h ORDER BY ALL"""
    return _run(con, sql, params)


def background(con, f: Filters, variable: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and code of a background variable: participations and share_pct. age_band, education and
    public_support_time are over new participations (at start), income_before and income_after over
    ended ones. Missing values are the code ''."""
    base, params = _base(f, "birth_year, education, public_support_time, income_before, income_after")
    g, _ = _by(by)
    if variable == "age_band":
        value = """(SELECT code FROM age_band b WHERE year(start_date) - birth_year BETWEEN b.min_age AND b.max_age)"""
        population = "is_new"
    elif variable in ("education", "public_support_time"):
        value, population = variable, "is_new"
    elif variable in ("income_before", "income_after"):
        value, population = variable, "is_ended"
    else:
        raise ValueError(variable)
    sql = f"""{base}, v AS (SELECT {g}year, coalesce({value}, '') AS code FROM yp WHERE {population})
    SELECT {g}year, code, count(*) AS participations,
           100.0 * count(*) / sum(count(*)) OVER (PARTITION BY {g}year) AS share_pct
    FROM v GROUP BY {g}year, code ORDER BY ALL"""
    return _run(con, sql, params)


# --- what the filter panel offers -------------------------------------------------------------------

def associations(con) -> pd.DataFrame:
    """association_id, name_sv, name_en (whether one shows demo records: demo_status)."""
    return _run(con, "SELECT association_id, name_sv, name_en FROM association ORDER BY association_id", [])


def interventions(con, association_ids: Sequence[str] = ()) -> pd.DataFrame:
    """association_id, intervention_id, name_sv, first_year, last_year of individual interventions."""
    s = _Sql()
    s.add_in("association_id", association_ids)
    return _run(con, f"""SELECT w.association_id, w.intervention_id, i.name_sv, w.first_year, w.last_year
        FROM intervention_span w JOIN intervention i USING (association_id, intervention_id)
        WHERE w.kind = 'individual' AND w.first_year IS NOT NULL AND {s.where()} ORDER BY ALL""", s.params)


def municipalities(con, association_ids: Sequence[str] = ()) -> pd.DataFrame:
    """association_id, municipality_code, municipality_name of the associations' member municipalities."""
    s = _Sql()
    s.add_in("am.association_id", association_ids)
    return _run(con, f"""SELECT am.association_id, am.municipality_code, m.municipality_name
        FROM association_municipality am JOIN municipality m USING (municipality_code)
        WHERE {s.where()} ORDER BY m.municipality_name""", s.params)


def year_range(con, association_ids: Sequence[str] = ()) -> tuple[int, int] | None:
    """The first and last year covered by the associations' individual interventions."""
    df = interventions(con, association_ids)
    if df.empty:
        return None
    return int(df.first_year.min()), int(df.last_year.max())


def selection_counts(con, f: Filters) -> dict[str, int]:
    """How many municipalities, interventions and associations selection f has (all of the chosen
    associations' when none is chosen): what chart_years and group_chart are given."""
    return {"municipalities": len(f.municipalities or municipalities(con, f.associations)),
            "interventions": len(f.interventions or interventions(con, f.associations)),
            "associations": len(f.associations or associations(con))}


def code_list(con, name: str) -> pd.DataFrame:
    """code, label_sv, label_en in display order."""
    if name not in ("gender", "referral_source", "exit_reason", "assignment", "followup_status", "education",
                    "public_support_time", "income_source", "age_band"):
        raise ValueError(name)
    return _run(con, f"SELECT code, label_sv, label_en FROM {name} ORDER BY sort_order", [])


def published_figures(con) -> pd.DataFrame:
    """The published figures as data/published_figures.csv has them, plus value_text (as printed)."""
    return _run(con, "SELECT * EXCLUDE (figure_id) FROM published_figure ORDER BY figure_id", [])


def interventions_with_records(con) -> set[tuple[str, str]]:
    """The (association_id, intervention_id) pairs with participation records in their covered years."""
    return set(_run(con, "SELECT DISTINCT association_id, intervention_id FROM flow_total WHERE participations > 0",
                    []).itertuples(index=False, name=None))


def is_demo(con, association_ids: Sequence[str] = ()) -> bool:
    """True when a selected association shows only demo records (none imported yet)."""
    return not demo_status(con, association_ids).query("has_demo and not has_imported").empty


def demo_status(con, association_ids: Sequence[str] = ()) -> pd.DataFrame:
    """Per association: has_demo (demo records present) and has_imported (imported records present)."""
    s = _Sql()
    s.add_in("a.association_id", association_ids)
    return _run(con, f"""SELECT a.association_id, coalesce(r.has_demo, false) AS has_demo,
        coalesce(r.has_imported, false) AS has_imported
        FROM association a LEFT JOIN association_records r USING (association_id) WHERE {s.where()} ORDER BY 1""",
                s.params)


def needs_sign_in(con) -> bool:
    """True when the database holds real records: anything imported, or records that are neither the demo
    build's nor generate's synthetic ones. Such a database is never served without sign-in."""
    return bool(con.execute("""SELECT (SELECT count(*) FROM import_log) > 0
        OR (coalesce((SELECT value FROM build_info WHERE key = 'kind'), '') NOT IN ('demo', 'synthetic')
            AND EXISTS (SELECT 1 FROM association_records WHERE has_imported))""").fetchone()[0])


# lookups whose first argument is a tuple of associations (empty: all the role may see)
SCOPED_LOOKUPS = {"interventions", "municipalities", "year_range", "demo_status"}
PLAIN_LOOKUPS = {"code_list", "needs_sign_in", "associations", "selection_counts", "import_log", *SCOPED_LOOKUPS}


def lookup(con, name: str, args: tuple, access: Access):
    """A filter-less query function for a role, what the pickers and notices of the pages read: the role's
    associations bound it here, as run() bounds the queries (a cached lookup carries the access)."""
    if name not in PLAIN_LOOKUPS:
        raise ValueError(f"unknown lookup {name}")
    if name == "associations":
        df = associations(con)
        return df[df.association_id.map(access.allows).astype(bool)].reset_index(drop=True)
    if name == "import_log":
        return import_log(con, access)
    if name in SCOPED_LOOKUPS and access.associations is not None:
        requested = tuple(args[0]) if args else ()
        args = (_bounded(requested, access), *args[1:])
    if name == "selection_counts" and access.associations is not None:
        args = (replace(args[0], associations=_bounded(args[0].associations, access)),)
    return globals()[name](con, *args)


def _bounded(requested: tuple[str, ...], access: Access) -> tuple[str, ...]:
    refused = [a for a in requested if not access.allows(a)]
    if refused:
        raise AccessDenied(f"Ingen behörighet till {', '.join(refused)}.")
    return requested or access.associations


def import_log(con, access: Access = ADMIN) -> pd.DataFrame:
    """The import log, newest first: when, by whom, file name and hash, kind and row counts (no values).
    For a role: only the imports whose every association it may see (a file that touched another
    association is not shown); nothing for a role that sees no records."""
    log = _run(con, "SELECT * FROM import_log ORDER BY import_id DESC", [])
    if access.associations is None and access.sees_records:
        return log
    allowed = set(access.associations or ()) if access.sees_records else set()
    mine = log.associations.map(lambda ids: bool(ids) and set(ids.split(", ")) <= allowed)
    return log[mine.astype(bool)].reset_index(drop=True)


def key_figures(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year (and group): participants_total, new, ended, women_share_pct, mean_months,
    positive_step_pct and retained_6m_pct: the board's key figures, as participant_flow, gender_split,
    mean_time, positive_steps and followup have them, in one query; with the counts behind the shares:
    women, positive, step_known (ended with the step recorded), kept_6m and answered_6m."""
    flow_sql, params = _cube(f, "flow", ("gender",))
    ended_sql, eparams = _cells(f, "ended", name="ended_cells")
    anon, aparams = _anonymous_cte(f)
    g, _ = _by(by)
    keys, kparams = _year_keys_cte(f, g)
    on = " AND ".join([f"e.{c} = p.{c}" for c in list(by) + ["year"]])
    sql = f"""{flow_sql}, {anon}, {keys},
    {ended_sql},
    parts AS (SELECT {g}year, gender, participations, new, ended, participations AS people FROM yc
              UNION ALL SELECT {g}year, gender, 0, 0, 0, participant_count FROM anon
              UNION ALL SELECT {g}year, NULL, 0, 0, 0, 0 FROM ykeys),
    p AS (SELECT {g}year, sum(people)::BIGINT AS participants_total, sum(new)::BIGINT AS new,
                 sum(ended)::BIGINT AS ended, sum(people) FILTER (gender = 'kvinna') AS women
          FROM parts GROUP BY ALL),
    e AS (SELECT {g}year, sum(ended) AS n, sum(days_sum) AS days, sum(positive) AS positive,
                 sum(step_known) AS known, sum(kept_6m) AS kept, sum(not_kept_6m) AS not_kept
          FROM ended_cells GROUP BY ALL)
    SELECT {"".join(f"p.{b}, " for b in by)}p.year, p.participants_total, p.new, p.ended,
           100.0 * p.women / nullif(p.participants_total, 0) AS women_share_pct,
           e.days / nullif(e.n, 0) / {DAYS_PER_MONTH} AS mean_months,
           100.0 * e.positive / nullif(e.known, 0) AS positive_step_pct,
           100.0 * e.kept / nullif(e.kept + e.not_kept, 0) AS retained_6m_pct,
           coalesce(p.women, 0)::BIGINT AS women, coalesce(e.positive, 0)::BIGINT AS positive,
           coalesce(e.known, 0)::BIGINT AS step_known, coalesce(e.kept, 0)::BIGINT AS kept_6m,
           coalesce(e.kept + e.not_kept, 0)::BIGINT AS answered_6m
    FROM p LEFT JOIN e ON {on} ORDER BY ALL"""
    return _run(con, sql, params + aparams + kparams + eparams)


KEY_FIGURE_N = {"participants_total": None, "new": None, "ended": None, "women_share_pct": "participants_total",
                "mean_months": "ended", "positive_step_pct": "step_known", "retained_6m_pct": "answered_6m"}


def key_figure_series(kf: pd.DataFrame) -> dict[str, pd.Series]:
    """Each key figure of a key_figures result as a series by year, without the years where its n is 0
    (nobody ended, nobody answered: no figure, shown as '–'); a hidden one stays NaN (shown as '..')."""
    kf = kf.set_index("year")
    return {m: kf[m] if n is None else kf[m][~(kf[n] == 0)] for m, n in KEY_FIGURE_N.items()}


def economy(con, f: Filters, by: Sequence[str] = ("association_id", "intervention_id")) -> pd.DataFrame:
    """Per year and intervention (by association with by=("association_id",)): kind, granted_sek,
    used_sek, deviation_sek (granted - used), participants (all who took part that year, anonymous
    included), positive (ended that year with a positive step), cost_per_participant_sek (used /
    participants) and cost_per_positive_sek (used / positive). Money belongs to whole interventions, so
    the municipality, gender and referral-source filters do not apply here."""
    whole = Filters(years=f.years, associations=f.associations, interventions=f.interventions)
    s = _scope(f, "b.association_id", "b.intervention_id", "b.year")
    money = _run(con, f"""SELECT b.association_id, b.intervention_id, i.kind, b.year, b.granted_sek, b.used_sek
        FROM budget b JOIN intervention i USING (association_id, intervention_id) WHERE {s.where()}""", s.params)
    group = [c for c in ("association_id", "intervention_id") if c in by] + ["kind", "year"]
    if money.empty:  # no budget in the selection: nothing to count participants for
        return pd.DataFrame(columns=group + ["granted_sek", "used_sek", "participants", "positive", "deviation_sek",
                                             "cost_per_participant_sek", "cost_per_positive_sek"])
    keys = ["association_id", "intervention_id", "year"]
    flow = participant_flow(con, whole, ("association_id", "intervention_id"))[keys + ["participants_total"]]
    steps = positive_steps(con, whole, ("association_id", "intervention_id"))[keys + ["positive"]]
    out = money.merge(flow, on=keys, how="left").merge(steps, on=keys, how="left")
    out = out.rename(columns={"participants_total": "participants"}).fillna({"participants": 0, "positive": 0})
    out = out.groupby(group, as_index=False)[["granted_sek", "used_sek", "participants", "positive"]].sum()
    out["deviation_sek"] = out.granted_sek - out.used_sek
    out["cost_per_participant_sek"] = (out.used_sek / out.participants).where(out.participants > 0)
    out["cost_per_positive_sek"] = (out.used_sek / out.positive).where(out.positive > 0)
    for col in ("cost_per_participant_sek", "cost_per_positive_sek"):
        out[col] = out[col].where(out.used_sek > 0)  # no cost booked: nothing to divide (e.g. Drop-outs 2016)
    return out.sort_values(group).reset_index(drop=True)


def surveys(con, f: Filters, survey: str = "nns", by: Sequence[str] = ()) -> pd.DataFrame:
    """Survey results of the selection: association_id, intervention_id, year, timepoint, question,
    question_text, answer_group, respondents (where known), positive_share_pct and change_pct (from the
    previous year with the same question). Always per association and intervention (`by` is accepted for
    a uniform call and ignored)."""
    if survey not in ("nns", "violence"):
        raise ValueError(survey)
    s = _scope(f, "r.association_id", "r.intervention_id", "r.year")
    return _run(con, f"""
        SELECT r.association_id, r.intervention_id, r.year, r.timepoint, r.question,
               coalesce(q.text_sv, r.question) AS question_text, r.answer_group, r.respondents,
               r.positive_share_pct,
               r.positive_share_pct - lag(r.positive_share_pct) OVER (
                   PARTITION BY r.association_id, r.intervention_id, r.timepoint, r.question, r.answer_group
                   ORDER BY r.year) AS change_pct
        FROM survey_result r
        LEFT JOIN survey_question q ON q.association_id = r.association_id AND q.survey = r.survey
             AND q.timepoint = r.timepoint AND q.question = r.question
        WHERE r.survey = ? AND {s.where()}
        ORDER BY r.association_id, r.intervention_id, r.timepoint, TRY_CAST(r.question AS INTEGER), r.question,
                 r.answer_group, r.year""", [survey] + s.params)


FILTERED_QUERIES = ("participant_flow", "unique_persons", "mean_time", "gender_split", "municipality_split", "referral_split",
                    "referral_by_municipality", "time_in_intervention", "time_distribution", "exit_reasons",
                    "positive_steps", "followup", "background", "key_figures", "economy", "surveys")
