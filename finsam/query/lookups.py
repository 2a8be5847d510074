"""What the filter panel and the pages' notices read, without a selection: associations, interventions,
municipalities, years, code lists, published figures, demo status, the import log; lookup() is their door for
a role (its associations bound them, as queries.run bounds the questions)."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import pandas as pd

from finsam.access import ADMIN, Access
from finsam.query.filters import Filters
from finsam.query.sql import Sql, fetch


def associations(con) -> pd.DataFrame:
    """association_id, name_sv, name_en (whether one shows demo records: demo_status)."""
    return fetch(con, "SELECT association_id, name_sv, name_en FROM association ORDER BY association_id", [])


def interventions(con, association_ids: Sequence[str] = ()) -> pd.DataFrame:
    """association_id, intervention_id, name_sv, first_year, last_year of individual interventions."""
    s = Sql()
    s.add_in("association_id", association_ids)
    return fetch(con, f"""SELECT w.association_id, w.intervention_id, i.name_sv, w.first_year, w.last_year
        FROM intervention_span w JOIN intervention i USING (association_id, intervention_id)
        WHERE w.kind = 'individual' AND w.first_year IS NOT NULL AND {s.where()} ORDER BY ALL""", s.params)


def municipalities(con, association_ids: Sequence[str] = ()) -> pd.DataFrame:
    """association_id, municipality_code, municipality_name of the associations' member municipalities."""
    s = Sql()
    s.add_in("am.association_id", association_ids)
    return fetch(con, f"""SELECT am.association_id, am.municipality_code, m.municipality_name
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
    return fetch(con, f"SELECT code, label_sv, label_en FROM {name} ORDER BY sort_order", [])


def published_figures(con) -> pd.DataFrame:
    """The published figures as data/published_figures.csv has them, plus value_text (as printed)."""
    return fetch(con, "SELECT * EXCLUDE (figure_id) FROM published_figure ORDER BY figure_id", [])


def interventions_with_records(con) -> set[tuple[str, str]]:
    """The (association_id, intervention_id) pairs with participation records in their covered years."""
    return set(fetch(con, "SELECT DISTINCT association_id, intervention_id FROM flow_total WHERE participations > 0",
                    []).itertuples(index=False, name=None))


def is_demo(con, association_ids: Sequence[str] = ()) -> bool:
    """True when a selected association shows only demo records (none imported yet)."""
    return not demo_status(con, association_ids).query("has_demo and not has_imported").empty


def demo_status(con, association_ids: Sequence[str] = ()) -> pd.DataFrame:
    """Per association: has_demo (demo records present) and has_imported (imported records present)."""
    s = Sql()
    s.add_in("a.association_id", association_ids)
    return fetch(con, f"""SELECT a.association_id, coalesce(r.has_demo, false) AS has_demo,
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
    associations bound it here, as queries.run bounds the questions (a cached lookup carries the access)."""
    if name not in PLAIN_LOOKUPS:
        raise ValueError(f"unknown lookup {name}")
    if name == "associations":
        df = associations(con)
        return df[df.association_id.map(access.allows).astype(bool)].reset_index(drop=True)
    if name == "import_log":
        return import_log(con, access)
    if name in SCOPED_LOOKUPS and access.associations is not None:
        args = (access.scope(tuple(args[0]) if args else ()), *args[1:])
    if name == "selection_counts" and access.associations is not None:
        args = (replace(args[0], associations=access.scope(args[0].associations)),)
    return globals()[name](con, *args)


def import_log(con, access: Access = ADMIN) -> pd.DataFrame:
    """The import log, newest first: when, by whom, file name and hash, kind and row counts (no values).
    For a role: only the imports whose every association it may see (a file that touched another
    association is not shown); nothing for a role that sees no records."""
    log = fetch(con, "SELECT * FROM import_log ORDER BY import_id DESC", [])
    if access.associations is None and access.sees_records:
        return log
    allowed = set(access.associations or ()) if access.sees_records else set()
    mine = log.associations.map(lambda ids: bool(ids) and set(ids.split(", ")) <= allowed)
    return log[mine.astype(bool)].reset_index(drop=True)
