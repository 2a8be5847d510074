"""The bench's calls: what each dashboard page (and the frame's filter panel) asks of the query layer on
opening, as Call, for the typical selections the bench picks from a database; and the read-only
connection the bench runs them in. tests/test_app.py checks the lists against the pages."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from finsam.data import db
from finsam.query import queries as q, reconcile
from finsam.query import lookups
from finsam.query import filters as query_filters


@dataclass(frozen=True)
class Call:
    """One call a page makes: a query through finsam.query.queries.run, or (filters None) a lookup: a function of
    finsam.query.queries, or of OTHER (the reconciliation)."""
    name: str
    filters: q.Filters | None = None
    kwargs: tuple = ()  # sorted (name, value) pairs; a lookup's positional arguments

    def run(self, con):
        if self.filters is None:
            return OTHER.get(self.name, getattr(lookups, self.name, None))(con, *self.kwargs)
        return q.run(con, self.name, self.filters, **dict(self.kwargs))

    def answer(self, con) -> pd.DataFrame:
        """The query's own answer, before small-count protection (what the pandas baseline computes)."""
        return getattr(q, self.name)(con, self.filters, **dict(self.kwargs))


OTHER = {"reconciliation": reconcile.reconciliation}  # lookups outside finsam.query.queries (ui.reconciliation)


@dataclass(frozen=True)
class Database:
    """What the pages' calls depend on besides the selection."""
    span: tuple[int, int]  # the years of all associations (jamfor)
    association_ids: tuple[str, ...]  # every association, in order (the panel; styrelseunderlag's first)
    with_money: bool  # the database has budget rows (ekonomi goes on past its first query)
    data_dir: Path  # reference data and conflicts (the reconciliation)

    @classmethod
    def read(cls, con, data_dir: Path) -> "Database":
        return cls(lookups.year_range(con, ()), tuple(lookups.associations(con).association_id),
                   con.execute("SELECT count(*) FROM budget").fetchone()[0] > 0, Path(data_dir))


def page_calls(f: q.Filters, database: Database, counts: dict[str, int]) -> dict[str, list[Call]]:
    """Per page of finsam.web.app.PAGES (by file name), the calls it makes for selection f on opening, each once
    (the app caches repeats): its ui.query, ui.lookup and ui.reconciliation calls, and those of the ui
    helpers it uses (ui.page, ui.code_labels, ui.municipality_years). counts: how many municipalities,
    interventions and associations the selection has (queries.selection_counts). A test runs every page and
    fails when it makes a call that is not listed here (tests/test_app.py)."""
    by_group, recent = query_filters.group_chart(f, counts["interventions"], counts["associations"])
    last = f.years[1]
    both = f.with_years(last - 1, last)
    # app.page(), before every page but Källor and Import: the participant flow, and the subtitle's names
    start = [Call("participant_flow", f)] + ([Call("municipalities", None, ((),))] if f.municipalities else []) + (
        [Call("code_list", None, ("gender",))] if f.genders else [])

    def labels(*names: str) -> list[Call]:  # ui.code_labels
        return [Call("code_list", None, (name,)) for name in names]

    counted = Call("selection_counts", None, (f,))  # ui.municipality_years, and Kön's choice of grouping
    surveys = [Call("surveys", f, (("survey", "nns"),)), Call("surveys", f, (("survey", "violence"),))]
    published = Call("reconciliation", None, (database.data_dir,))
    pack = f.associations[0] if f.associations else database.association_ids[0]
    return {
        "oversikt": start + [Call("key_figures", both), Call("intervention_flow", f.with_years(last, last))],
        "kon": start + labels("gender") + [Call("gender_split", f), counted,
                                           Call("gender_split", recent, (("by", by_group),))],
        "remittenter": start + labels("referral_source") + [
            Call("referral_split", f), Call("referral_by_municipality", f.with_years(last, last))],
        "tid": start + labels("exit_reason", "assignment") + [
            Call("time_in_intervention", f), Call("time_distribution", f),
            Call("time_in_intervention", f, (("split", "exit_reason"),)),
            Call("time_in_intervention", f, (("split", "assignment"),))],
        "uppfoljning": start + [Call("followup", f)],
        "kommuner": start + [counted, Call("municipality_split", query_filters.chart_years(f, counts["municipalities"]))],
        "avslut": start + labels("exit_reason", "assignment") + [
            Call("exit_reasons", f), Call("positive_steps", f), Call("positive_steps", f, (("by_assignment", True),))],
        "ekonomi": start + [counted, Call("economy", f, (("by", by_group),))] + (
            [Call("economy", f, (("by", ()),))] if database.with_money else []),
        "enkater": start + surveys + labels("gender"),
        "jamfor": start,  # its comparisons are read through finsam.web.compare_reads
        "kallor": [published] + labels("gender", "referral_source", "exit_reason", "assignment"),  # the categories named
        # the goals (finsam.query.goals through ui.goal_query) run query-layer functions directly, not ui.query
        "mal": start,
        "importera": [Call("associations"), Call("demo_status", None, ((),)), Call("import_log")],
        "styrelseunderlag": start + [Call("associations"), Call("interventions", None, ((pack,),)),
                                     Call("municipalities", None, ((pack,),))],
        # the first screen (its key figures), and the checks that decide which screens follow
        "presentation": start + labels("gender", "referral_source", "exit_reason") + [
            Call("referral_split", f), Call("exit_reasons", f), Call("followup", f), Call("economy", f)]
            + surveys + [Call("key_figures", both)],
        "tillganglighet": [],  # the accessibility statement: text only
    }


def panel_calls(f: q.Filters, association_ids: tuple[str, ...]) -> list[Call]:
    """The frame's lookups: the filter panel (its scope: the chosen associations, else all) and the demo
    notice, and whether the database needs a sign-in. The app caches them per database version, so they are
    not part of the page totals."""
    scope = f.associations or association_ids
    return [Call("associations"), Call("year_range", None, (scope,)), Call("interventions", None, (scope,)),
            Call("municipalities", None, (scope,)), Call("code_list", None, ("gender",)),
            Call("code_list", None, ("referral_source",)), Call("demo_status", None, (f.associations,)),
            Call("needs_sign_in")]


def selections(con) -> dict[str, q.Filters]:
    """The typical selections, picked from the database: the largest association(s) and municipality."""
    first, last = lookups.year_range(con)
    big = [r[0] for r in con.execute("SELECT association_id FROM participation GROUP BY ALL "
                                     "ORDER BY count(*) DESC, association_id LIMIT 2").fetchall()]
    muni = con.execute("SELECT municipality_code FROM participation GROUP BY ALL "
                       "ORDER BY count(*) DESC, municipality_code LIMIT 1").fetchone()[0]
    span = (first, last)
    return {
        "country": q.Filters(years=span),
        "association": q.Filters(years=span, associations=(big[0],)),
        "municipality": q.Filters(years=span, municipalities=(muni,)),
        "year": q.Filters(years=(last, last)),
        "two_associations_5y": q.Filters(years=(max(first, last - 4), last), associations=tuple(big)),
        "gender_referral": q.Filters(years=span, genders=("kvinna",), referral_sources=("FK",)),
    }


def connect(path) -> duckdb.DuckDBPyConnection:
    """Read-only and without DuckDB's progress bar (it would print into the report)."""
    con = db.connect(path, read_only=True)
    con.execute("SET enable_progress_bar = false")
    return con

