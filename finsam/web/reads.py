"""The database as the dashboard reads it: the file's version, the first build and upgrade, the process's
reader, and the cached reads pages make through it (queries, lookups, the reconciliation, the audit log,
goals), each cached by the signed-in role, its protection and the database version."""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import streamlit as st

from finsam import config
from finsam.access import Access
from finsam.data import db
from finsam.labels import t
from finsam.privacy import Protection
from finsam.query import queries as q
from finsam.web.context import access, protection
from finsam.query import lookups
from finsam.query import filters as query_filters

log = logging.getLogger("finsam")


def db_path() -> Path:
    return config.load().db_path


def db_version() -> str:
    """Changes whenever the database file is replaced (a build or an import): part of every cache key."""
    stat = db_path().stat()
    return f"{stat.st_mtime_ns}-{stat.st_size}-{stat.st_ino}"


def ensure_database(lang: str) -> None:
    """Build the demo database on first start if it is missing (once, whoever arrives, with a progress
    bar for everyone waiting); explain and stop if that fails."""
    path = db_path()
    if path.exists():
        _upgrade(str(path), db_version())  # a file from an earlier version gets the tables this one reads
        return
    from finsam.build.database import first_build

    cfg = config.load()
    job = first_build(path, cfg.data_dir, cfg.seed)
    bar = st.progress(0.0, text=t("building", lang))
    while not job.done.wait(0.3):
        bar.progress(min(job.fraction, 1.0), text=t("building_step", lang).format(job.text) if job.text
                     else t("building", lang))
    if job.failed or not path.exists():
        st.error(t("no_db", lang))
        st.stop()
    st.rerun()


@st.cache_resource(max_entries=2, show_spinner=False)
def _upgrade(path: str, version: str) -> bool:
    from finsam.write.importer import upgrade

    return upgrade(Path(path))


@st.cache_resource(max_entries=2, show_spinner=False)
def _reader(path: str, version: str) -> db.Reader:
    return db.Reader(path)


def reader() -> db.Reader:
    """The process's reader of the current database version (db.Reader: a cursor per query, never a
    statement on the shared connection). Use `with reads.reader().reading() as cur:`."""
    return _reader(str(db_path()), db_version())


@st.cache_data(max_entries=2000, show_spinner=False)
def _cached(name: str, filters: q.Filters, version: str, protection: Protection, access: Access,
            kwargs: tuple) -> pd.DataFrame:
    log.debug("computing query %s %s %s", name, filters, kwargs)  # a cache miss (finsam.tools.bench lists them)
    with _reader(str(db_path()), version).reading() as cursor:
        return q.run(cursor, name, filters, protection, access, **dict(kwargs))


def query(name: str, filters: q.Filters, **kwargs) -> pd.DataFrame:
    """A query of finsam.query.queries by name for the signed-in role and its protection; cached by all of these
    and the database version (a cached result is never served to a role it was not made for)."""
    return _cached(name, filters, db_version(), protection(), access(), tuple(sorted(kwargs.items())))

@st.cache_data(max_entries=200, show_spinner=False)
def _cached_plain(name: str, version: str, args: tuple, access: Access):
    log.debug("computing lookup %s %s", name, args)
    with _reader(str(db_path()), version).reading() as cursor:
        return lookups.lookup(cursor, name, args, access)


def lookup(name: str, *args):
    """A filter-less query function (code lists, associations ...) for the signed-in role
    (finsam.query.lookups.lookup bounds it by the role's associations), cached by role and database version."""
    return _cached_plain(name, db_version(), args, access())


def municipality_years(f: q.Filters) -> q.Filters:
    """The selection with the years a per-municipality chart shows (queries.chart_years)."""
    return query_filters.chart_years(f, lookup("selection_counts", f)["municipalities"])


def code_labels(name: str, lang: str) -> dict[str, str]:
    df = lookup("code_list", name)
    return dict(zip(df.code, df.label_en if lang == "en" else df.label_sv))

@st.cache_data(max_entries=16, show_spinner=False)
def _reconciliation(version: str, access: Access, protection: Protection) -> pd.DataFrame:
    from finsam.query import reconcile

    data_dir = config.load().data_dir
    log.debug("computing lookup %s %s", "reconciliation", (data_dir,))
    with _reader(str(db_path()), version).reading() as cursor:
        return reconcile.reconciliation(cursor, data_dir, access, protection)


def audit_entries(limit: int = 500) -> pd.DataFrame:
    """The audit log as the signed-in role may read it (finsam.data.audit.entries decides)."""
    from finsam.data import audit

    return audit.entries(db_path(), access=access(), limit=limit)


def reconciliation() -> pd.DataFrame:
    """Every published figure beside the computed one (finsam.query.reconcile.reconciliation) for the signed-in
    role: its associations, its protection; cached by these and the database version."""
    return _reconciliation(db_version(), access(), protection())


@st.cache_data(max_entries=4, show_spinner=False)
def _published(data_dir: str) -> pd.DataFrame:
    from finsam.data import published

    return published.read(Path(data_dir))


def published_figures() -> pd.DataFrame:
    """What the annual reports print (data/published_figures.csv), of the associations the role reads."""
    df = _published(str(config.load().data_dir))
    allowed = access().associations
    return df if allowed is None else df[df.association.isin(allowed)]


# --- goals and goal attainment (issue 17) ------------------------------------------------------------

@st.cache_data(max_entries=500, show_spinner=False)
def _goal_query(name: str, filters: q.Filters, version: str, protection: Protection, access: Access,
                args: tuple) -> pd.DataFrame:
    from finsam.query import goals

    with _reader(str(db_path()), version).reading() as cursor:
        if name == "attainment":
            return goals.attainment(cursor, filters, *args, protection, access=access)
        if name == "goal_lines":
            return goals.goal_lines(cursor, filters, *args, access=access)
        if name == "goal_years":
            return pd.DataFrame({"year": goals.goal_years(cursor, access.scope(filters.associations))})
        if name == "goals":
            return goals.goals(cursor, *args)
    raise ValueError(name)


def goal_query(name: str, filters: q.Filters, *args) -> pd.DataFrame:
    """finsam.query.goals' attainment (args: year), goal_lines (args: indicator), goal_years or goals (args:
    associations) for the signed-in role, cached like query() by selection, role, protection and version."""
    return _goal_query(name, filters, db_version(), protection(), access(), args)
