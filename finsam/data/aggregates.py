"""The aggregate tables and views the questions read instead of the records (AGGREGATES: which each is,
a table or a view), built from the records by refresh_aggregates after every change of them."""
from __future__ import annotations

import duckdb

DAY_BANDS = [(0, 90, "0–3 mån"), (91, 180, "3–6 mån"), (181, 365, "6–12 mån"), (366, 730, "1–2 år"),
             (731, 100_000, "över 2 år")]


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


# every aggregate, in the order refresh_aggregates builds it: name -> "view" or "table"
AGGREGATES = {"intervention_window": "view", "intervention_span": "table", "intervention_year": "table",
              "flow_cube": "table", "ended_cube": "table", "ended_record": "table",
              **{table: "table" for family in CUBES.values() for table, _dims in family[:-1]},
              "municipality_year": "table", "association_records": "table", "anonymous_year": "table"}


def aggregate_tables() -> set[str]:
    """The names of the tables refresh_aggregates builds."""
    return {name for name, kind in AGGREGATES.items() if kind == "table"}


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
