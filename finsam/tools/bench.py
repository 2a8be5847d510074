"""`python -m finsam bench`: every dashboard page's queries on typical selections, timed cold and warm, beside
a plain pandas implementation of the same answers.

For each database, six selections (whole country; the largest association; the largest municipality; the
last year; five years of the two largest associations; women referred by FK) give each page of
finsam.web.app.PAGES its calls (page_calls lists them as the pages make them: queries, lookups and the
reconciliation of Källor and Jämför, with those of app.page() and the other ui helpers; a test fails when a
page makes a call not listed). Every distinct call is measured once, as the app's cache would run it once:
in its own fresh connection the cold run (DuckDB's buffers empty, the file in the OS cache), then up to
`repeat` warm runs (fewer when they pass WARM_BUDGET_S, at least one), the queries through
finsam.query.queries.run with small-count protection as the pages get them. A page's time is the sum of its
calls. finsam runs in one process, pandas in another: the records loaded once into a DataFrame, each query
a filter and a groupby per year with the year semantics of finsam.query.queries. Peak memory is the resident set (VmHWM, reset per call through /proc/self/clear_refs), so
DuckDB's native memory counts. The unprotected answers of both must be equal, or the run says where not.
"""
from __future__ import annotations

import multiprocessing
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from finsam import config
from finsam.data import db
from finsam.query import filters, lookups, queries as q, reconcile

BY_INTERVENTION = ("association_id", "intervention_id")
KEY_COLUMNS = ("association_id", "intervention_id", "kind", "year", "gender", "municipality_association_id",
               "municipality_code", "municipality_name", "referral_source", "exit_reason", "assignment", "horizon",
               "band_order", "band", "timepoint", "question", "answer_group")
RTOL = 1e-9
WARM_BUDGET_S = 5.0
PANEL = "(frame)"


@dataclass(frozen=True)
class Call:
    """One call a page makes: a query through finsam.query.queries.run, or (filters None) a lookup: a function of
    finsam.query.lookups, or of OTHER (the reconciliation)."""
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


OTHER = {"reconciliation": reconcile.reconciliation}  # lookups outside finsam.query.lookups (reads.reconciliation)


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
    (the app caches repeats): its reads.query, reads.lookup and reads.reconciliation calls, and those of the web
    helpers it uses (ui.page, ui.code_labels, ui.municipality_years). counts: how many municipalities,
    interventions and associations the selection has (lookups.selection_counts). A test runs every page and
    fails when it makes a call that is not listed here (tests/test_app.py)."""
    by_group, recent = filters.group_chart(f, counts["interventions"], counts["associations"])
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
        "oversikt": start + [Call("key_figures", both)],
        "kon": start + labels("gender") + [Call("gender_split", f), counted,
                                           Call("gender_split", recent, (("by", by_group),))],
        "remittenter": start + labels("referral_source") + [
            Call("referral_split", f), Call("referral_by_municipality", f.with_years(last, last))],
        "tid": start + labels("exit_reason", "assignment") + [
            Call("time_in_intervention", f), Call("time_distribution", f),
            Call("time_in_intervention", f, (("split", "exit_reason"),)),
            Call("time_in_intervention", f, (("split", "assignment"),))],
        "uppfoljning": start + [Call("followup", f)],
        "kommuner": start + [counted, Call("municipality_split", filters.chart_years(f, counts["municipalities"]))],
        "avslut": start + labels("exit_reason", "assignment") + [
            Call("exit_reasons", f), Call("positive_steps", f), Call("positive_steps", f, (("by_assignment", True),))],
        "ekonomi": start + [counted, Call("economy", f, (("by", by_group),))] + (
            [Call("economy", f, (("by", ()),))] if database.with_money else []),
        "enkater": start + surveys + labels("gender"),
        "jamfor": start + [Call("year_range", None, ((),)),
                           Call("key_figures", replace(f, associations=(), interventions=(), municipalities=(),
                                                       years=database.span), (("by", ("association_id",)),)),
                           Call("key_figures", f), published],
        "kallor": [published],
        # the goals (finsam.query.goals through reads.goal_query) run query-layer functions directly, not reads.query
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


# --- measuring ---------------------------------------------------------------------------------------

def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # not Linux, or not allowed: the peak then runs from the process's start
        pass


def _peak_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _connect(path) -> duckdb.DuckDBPyConnection:
    """Read-only and without DuckDB's progress bar (it would print into the report)."""
    con = db.connect(path, read_only=True)
    con.execute("SET enable_progress_bar = false")
    return con


def _rows(result) -> int:
    return len(result) if isinstance(result, pd.DataFrame) else 1


def finsam_worker(path: str, calls: list[Call], repeat: int) -> dict:
    """Each call in a fresh connection: the cold run, the warm runs, then its unprotected answer (untimed).
    Returns per call the times, rows, peak memory and answer, and the process's peak memory."""
    out = {}
    for call in calls:
        _reset_peak()
        con = _connect(path)
        started = time.perf_counter()
        result = call.run(con)
        cold = time.perf_counter() - started
        warm = []
        while len(warm) < max(1, repeat) and (not warm or sum(warm) < WARM_BUDGET_S):
            started = time.perf_counter()
            call.run(con)
            warm.append(time.perf_counter() - started)
        answer = call.answer(con) if call.filters is not None else None
        con.close()
        out[call] = {"cold_s": cold, "warm_s": warm, "rows": _rows(result), "peak_bytes": _peak_bytes(),
                     "answer": answer}
    # each call reset the peak (ru_maxrss too), so the process's peak is the largest call's
    return {"calls": out, "peak_bytes": max(m["peak_bytes"] for m in out.values())}


def pandas_worker(path: str, calls: list[Call]) -> dict:
    """Load the records once, then compute each call once with the pandas baseline."""
    started = time.perf_counter()
    base = PandasBaseline.load(path)
    load_s = time.perf_counter() - started
    out = {}
    for call in calls:
        started = time.perf_counter()
        answer = base.run(call)
        out[call] = {"s": time.perf_counter() - started, "answer": answer if call.filters is not None else None}
    return {"calls": out, "load_s": load_s, "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def _in_process(fn, *args):
    """fn(*args) in a fresh interpreter, so each implementation's peak memory is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


# --- the pandas baseline -----------------------------------------------------------------------------

class PandasBaseline:
    """The answers of finsam.query.queries computed in pandas from the records held in one DataFrame."""

    RECORD_COLUMNS = ["association_id", "intervention_id", "person_id", "municipality_code", "gender",
                      "referral_source", "assignment", "start_date", "end_date", "exit_reason", "has_positive_step",
                      "followup_6m", "followup_18m"]
    TABLES = ["intervention", "anonymous_participants", "association_municipality", "municipality", "population_share",
              "budget", "survey_result", "survey_question"]

    def __init__(self, records: pd.DataFrame, tables: dict[str, pd.DataFrame]):
        self.interventions, self.anonymous = tables["intervention"], tables["anonymous_participants"]
        self.shares, self.budget = tables["population_share"], tables["budget"]
        self.surveys_, self.questions = tables["survey_result"], tables["survey_question"]
        self.members = tables["association_municipality"].merge(tables["municipality"], on="municipality_code")[
            ["association_id", "municipality_code", "municipality_name"]]
        interventions = self.interventions
        records["start_year"] = records.start_date.dt.year.astype("int16")
        records["end_year"] = records.end_date.dt.year.fillna(9999).astype("int16")  # 9999: ongoing
        records["days"] = (records.end_date - records.start_date).dt.days
        # an intervention's years: its first/last year, else those its records cover
        covered = records.assign(
            last=np.maximum(records.start_year, records.end_year.where(records.end_year < 9999, 0))).groupby(
            ["association_id", "intervention_id"]).agg(rec_first=("start_year", "min"), rec_last=("last", "max"))
        iv = interventions[interventions.kind == "individual"].merge(
            covered.reset_index(), how="left", on=["association_id", "intervention_id"])
        iv["first_year"] = iv.first_year.fillna(iv.rec_first)
        iv["last_year"] = iv.last_year.fillna(iv.rec_last)
        self.windows = iv.dropna(subset=["first_year", "last_year"])[
            ["association_id", "intervention_id", "first_year", "last_year"]].astype({"first_year": int, "last_year": int})
        self.records = records.merge(self.windows, on=["association_id", "intervention_id"])

    @classmethod
    def load(cls, path: str) -> "PandasBaseline":
        con = _connect(path)
        try:
            records = con.execute(f"SELECT {', '.join(cls.RECORD_COLUMNS)} FROM participation").df()
            for col in ("start_date", "end_date"):
                records[col] = pd.to_datetime(records[col])
            return cls(records, {t: con.table(t).df() for t in cls.TABLES})
        finally:
            con.close()

    def run(self, call: Call):
        if call.filters is None:
            return getattr(self, call.name)(*call.kwargs)
        return getattr(self, call.name)(call.filters, **dict(call.kwargs))

    # the years and the records of a selection

    def years(self, f: q.Filters) -> pd.DataFrame:
        """(association_id, intervention_id, year) of the selected interventions' covered years."""
        w = self.windows
        if f.associations:
            w = w[w.association_id.isin(f.associations)]
        if f.interventions:
            w = w[w.intervention_id.isin(f.interventions)]
        rows = [(r.association_id, r.intervention_id, y) for r in w.itertuples()
                for y in range(r.first_year, r.last_year + 1) if not f.years or f.years[0] <= y <= f.years[1]]
        return pd.DataFrame(rows, columns=["association_id", "intervention_id", "year"])

    def parts(self, f: q.Filters, columns: list[str]):
        """(year, records taking part in it, with is_new and is_ended) for each year of the selection."""
        r = self.records
        mask = np.ones(len(r), dtype=bool)
        for col, values in (("association_id", f.associations), ("intervention_id", f.interventions),
                            ("municipality_code", f.municipalities), ("gender", f.genders),
                            ("referral_source", f.referral_sources)):
            if values:
                mask &= r[col].isin(values).to_numpy()
        columns = list(dict.fromkeys(columns + ["start_year", "end_year"]))
        years = sorted(self.years(f).year.unique())
        if not years:  # still one (empty) part, so that answers keep their columns
            yield None, r.loc[r.index[:0], columns].assign(is_new=False, is_ended=False)
        for year in years:
            take = (mask & (r.first_year <= year).to_numpy() & (r.last_year >= year).to_numpy()
                    & (r.start_year <= year).to_numpy() & (r.end_year >= year).to_numpy())
            part = r.loc[take, columns]
            yield year, part.assign(is_new=part.start_year == year, is_ended=part.end_year == year)

    def anon(self, f: q.Filters) -> pd.DataFrame:
        if f.has_record_only_filter:
            return self.anonymous.iloc[:0]
        a = self.anonymous.merge(self.years(f), on=["association_id", "intervention_id", "year"])
        return a[a.gender.isin(f.genders)] if f.genders else a

    @staticmethod
    def per_year(parts, keys: list[str], aggregate) -> pd.DataFrame:
        """aggregate(groupby) of each year's records by keys, the years stacked with a year column."""
        def grouped(part: pd.DataFrame, year) -> pd.DataFrame:
            g = part.groupby(keys, dropna=False, sort=False) if keys else part.groupby(np.zeros(len(part), dtype=np.int8))
            df = aggregate(g)
            df = df.reset_index() if keys else df.reset_index(drop=True)
            return df.assign(year=pd.Series(year, index=df.index, dtype="int64"))

        out, empty = [], None
        for year, part in parts:
            if part.empty:
                empty = part
            else:
                out.append(grouped(part, year))
        return pd.concat(out, ignore_index=True) if out else grouped(empty, 0)

    @staticmethod
    def share(df: pd.DataFrame, column: str, within: list[str]) -> pd.Series:
        total = df.groupby(within)[column].transform("sum")
        return 100.0 * df[column] / total.where(total != 0)

    # the queries

    def participant_flow(self, f: q.Filters, by=()) -> pd.DataFrame:
        by = list(by)
        flow = self.per_year(self.parts(f, by), by, lambda g: g.agg(
            participations=("is_new", "size"), new=("is_new", "sum"), ended=("is_ended", "sum")))
        keys = self.years(f)[by + ["year"]].drop_duplicates()
        an = self.anon(f).groupby(by + ["year"]).participant_count.sum().rename("anonymous").reset_index()
        out = keys.merge(flow, how="left", on=by + ["year"]).merge(an, how="left", on=by + ["year"])
        counts = ["participations", "new", "ended", "anonymous"]
        out[counts] = out[counts].fillna(0).astype("int64")
        out["ongoing"] = out.participations - out.ended
        out["participants_total"] = out.participations + out.anonymous
        return out

    def gender_split(self, f: q.Filters, by=()) -> pd.DataFrame:
        by = list(by)
        keys = by + ["year", "gender"]
        reg = self.per_year(self.parts(f, by + ["gender"]), by + ["gender"], lambda g: g.size().rename("registered"))
        an = self.anon(f).groupby(keys).participant_count.sum().rename("anonymous").reset_index()
        out = reg.merge(an, how="outer", on=keys)
        out[["registered", "anonymous"]] = out[["registered", "anonymous"]].fillna(0).astype("int64")
        out["participants"] = out.registered + out.anonymous
        out["share_pct"] = self.share(out, "participants", by + ["year"])
        return out

    def municipality_split(self, f: q.Filters, by=()) -> pd.DataFrame:
        by = list(by)
        munis = self.members.rename(columns={"association_id": "municipality_association_id"})
        if f.associations:
            munis = munis[munis.municipality_association_id.isin(f.associations)]
        if f.municipalities:
            munis = munis[munis.municipality_code.isin(f.municipalities)]
        keys = self.years(f).assign(key_assoc=lambda d: d.association_id)[
            list(dict.fromkeys(by + ["key_assoc", "year"]))].drop_duplicates()
        grid = keys.merge(munis, left_on="key_assoc", right_on="municipality_association_id").drop(columns="key_assoc")
        counts = self.per_year(self.parts(f, by + ["municipality_code"]), by + ["municipality_code"],
                               lambda g: g.agg(participations=("is_new", "size"), new=("is_new", "sum")))
        out = grid.merge(counts, how="left", on=by + ["year", "municipality_code"])
        out[["participations", "new"]] = out[["participations", "new"]].fillna(0).astype("int64")
        out["share_pct"] = self.share(out, "participations", by + ["year"])
        out["association_share_pct"] = self.share(out, "participations", by + ["year", "municipality_association_id"])
        shares = self.shares.rename(columns={"association_id": "municipality_association_id", "year": "share_year"})
        pair = ["municipality_association_id", "municipality_code"]
        cand = out[pair + ["year"]].drop_duplicates().merge(shares, on=pair)
        before = cand[cand.share_year <= cand.year].sort_values("share_year").groupby(pair + ["year"]).last()
        earliest = shares.sort_values("share_year").groupby(pair).first()
        out = out.merge(before.population_share_pct.rename("before").reset_index(), how="left", on=pair + ["year"])
        out = out.merge(earliest.population_share_pct.rename("earliest").reset_index(), how="left", on=pair)
        out["population_share_pct"] = out.before.fillna(out.earliest)
        return out.drop(columns=["before", "earliest"])

    def referral_split(self, f: q.Filters, by=()) -> pd.DataFrame:
        by = list(by)
        out = self.per_year(self.parts(f, by + ["referral_source"]), by + ["referral_source"],
                            lambda g: g.agg(participations=("is_new", "size"), new=("is_new", "sum")))
        out["share_pct"] = self.share(out, "participations", by + ["year"])
        return out

    def referral_by_municipality(self, f: q.Filters, by=()) -> pd.DataFrame:
        by = list(by)
        keys = by + ["municipality_code", "referral_source"]
        out = self.per_year(self.parts(f, keys), keys, lambda g: g.size().rename("participations"))
        names = self.members[["municipality_code", "municipality_name"]].drop_duplicates()
        return out.merge(names, on="municipality_code")

    def ended(self, f: q.Filters, columns: list[str]):
        for year, part in self.parts(f, columns):
            yield year, part[part.is_ended]

    def time_in_intervention(self, f: q.Filters, by=(), split: str | None = None) -> pd.DataFrame:
        by = list(by)
        keys = by + ([split] if split else [])
        out = self.per_year(((y, p.fillna({split: ""}) if split else p) for y, p in self.ended(f, keys + ["days"])),
                            keys, lambda g: g.agg(ended=("days", "size"), mean_days=("days", "mean"),
                                                  median_days=("days", "median")))
        out["mean_months"] = out.mean_days / q.DAYS_PER_MONTH
        return out.drop(columns=["median_days"]) if split else out

    def mean_time(self, f: q.Filters, by=()) -> pd.DataFrame:
        return self.time_in_intervention(f, by).drop(columns=["median_days"])

    def time_distribution(self, f: q.Filters, by=()) -> pd.DataFrame:
        by = list(by)
        upper = np.array([hi for _lo, hi, _label in q.DAY_BANDS])
        banded = ((y, p.assign(band_order=np.searchsorted(upper, p.days.to_numpy(), side="left")))
                  for y, p in self.ended(f, by + ["days"]))
        out = self.per_year(banded, by + ["band_order"], lambda g: g.size().rename("ended"))
        out["band"] = out.band_order.map({i: label for i, (_lo, _hi, label) in enumerate(q.DAY_BANDS)})
        return out

    def exit_reasons(self, f: q.Filters, by=()) -> pd.DataFrame:
        by = list(by)
        out = self.per_year(self.ended(f, by + ["exit_reason"]), by + ["exit_reason"], lambda g: g.size().rename("ended"))
        out["share_pct"] = self.share(out, "ended", by + ["year"])
        return out

    def positive_steps(self, f: q.Filters, by=(), by_assignment: bool = False) -> pd.DataFrame:
        by = list(by)
        keys = by + (["assignment"] if by_assignment else [])
        parts = ((y, p.fillna({"assignment": ""}).assign(positive=p.has_positive_step.fillna(False).astype(bool)))
                 for y, p in self.ended(f, keys + ["assignment", "has_positive_step"]))
        out = self.per_year(parts, keys, lambda g: g.agg(ended=("positive", "size"), positive=("positive", "sum"),
                                                         recorded=("has_positive_step", "count")))
        out["share_pct"] = 100.0 * out.positive / out.recorded.where(out.recorded != 0)
        return out.drop(columns="recorded")

    def followup(self, f: q.Filters, by=()) -> pd.DataFrame:
        by = list(by)
        out = []
        for horizon, column in (("6m", "followup_6m"), ("18m", "followup_18m")):
            parts = ((y, p.assign(kept=p[column] == "behallit", not_kept=p[column] == "ej_behallit",
                                  no_answer=p[column] == "ej_svar"))
                     for y, p in self.ended(f, by + [column]))
            df = self.per_year(parts, by, lambda g: g.agg(kept=("kept", "sum"), not_kept=("not_kept", "sum"),
                                                          no_answer=("no_answer", "sum")))
            out.append(df.assign(horizon=horizon))
        out = pd.concat(out, ignore_index=True)
        out["due"] = out.kept + out.not_kept + out.no_answer
        answered = out.kept + out.not_kept
        out["retained_share_pct"] = 100.0 * out.kept / answered.where(answered != 0)
        out["response_rate_pct"] = 100.0 * answered / out.due.where(out.due != 0)
        return out

    def key_figures(self, f: q.Filters, by=()) -> pd.DataFrame:
        keys = list(by) + ["year"]
        out = self.participant_flow(f, by)[keys + ["participants_total", "new", "ended"]]
        gender = self.gender_split(f, by)
        women = gender[gender.gender == "kvinna"][keys + ["share_pct"]].rename(columns={"share_pct": "women_share_pct"})
        time_ = self.time_in_intervention(f, by)[keys + ["mean_months"]]
        steps = self.positive_steps(f, by)[keys + ["share_pct"]].rename(columns={"share_pct": "positive_step_pct"})
        fu = self.followup(f, by)
        fu = fu[fu.horizon == "6m"].assign(answered_6m=lambda d: d.kept + d.not_kept)[
            keys + ["retained_share_pct", "kept", "answered_6m"]].rename(
            columns={"retained_share_pct": "retained_6m_pct", "kept": "kept_6m"})
        women = women.merge(gender[gender.gender == "kvinna"][keys + ["participants"]].rename(
            columns={"participants": "women"}), on=keys)
        steps = steps.merge(self.positive_steps(f, by)[keys + ["positive"]], on=keys).merge(
            self.step_known(f, by), on=keys)
        for part in (women, time_, steps, fu):
            out = out.merge(part, on=keys, how="left")
        return out.fillna({c: 0 for c in ("women", "positive", "step_known", "kept_6m", "answered_6m")})

    def step_known(self, f: q.Filters, by=()) -> pd.DataFrame:
        by = list(by)
        return self.per_year(self.ended(f, by + ["has_positive_step"]), by,
                             lambda g: g.agg(step_known=("has_positive_step", "count")))

    def economy(self, f: q.Filters, by=BY_INTERVENTION) -> pd.DataFrame:
        whole = q.Filters(years=f.years, associations=f.associations, interventions=f.interventions)
        b = self.budget.merge(self.interventions[["association_id", "intervention_id", "kind"]],
                              on=["association_id", "intervention_id"])
        b = _in_selection(b, f)
        keys = ["association_id", "intervention_id", "year"]
        flow = self.participant_flow(whole, BY_INTERVENTION)[keys + ["participants_total"]]
        steps = self.positive_steps(whole, BY_INTERVENTION)[keys + ["positive"]]
        out = b[keys + ["kind", "granted_sek", "used_sek"]].merge(flow, on=keys, how="left").merge(steps, on=keys, how="left")
        out = out.rename(columns={"participants_total": "participants"}).fillna({"participants": 0, "positive": 0})
        group = [c for c in BY_INTERVENTION if c in by] + ["kind", "year"]
        out = out.groupby(group, as_index=False)[["granted_sek", "used_sek", "participants", "positive"]].sum()
        out["deviation_sek"] = out.granted_sek - out.used_sek
        booked = out.used_sek > 0
        out["cost_per_participant_sek"] = (out.used_sek / out.participants).where((out.participants > 0) & booked)
        out["cost_per_positive_sek"] = (out.used_sek / out.positive).where((out.positive > 0) & booked)
        return out

    def surveys(self, f: q.Filters, survey: str = "nns", by=()) -> pd.DataFrame:
        r = self.surveys_[self.surveys_.survey == survey]
        r = _in_selection(r, f)
        series = ["association_id", "intervention_id", "timepoint", "question", "answer_group"]
        r = r.sort_values(series + ["year"])
        out = r.merge(self.questions, how="left", on=["association_id", "survey", "timepoint", "question"])
        out["question_text"] = out.text_sv.fillna(out.question)
        out["change_pct"] = out.positive_share_pct - out.groupby(series).positive_share_pct.shift()
        return out[["association_id", "intervention_id", "year", "timepoint", "question", "question_text",
                    "answer_group", "respondents", "positive_share_pct", "change_pct"]]

    def year_range(self, association_ids=()) -> tuple[int, int] | None:
        w = self.windows[self.windows.association_id.isin(association_ids)] if association_ids else self.windows
        return None if w.empty else (int(w.first_year.min()), int(w.last_year.max()))


# --- agreement and report ----------------------------------------------------------------------------

def difference(ours: pd.DataFrame, theirs: pd.DataFrame) -> str | None:
    """Where two answers differ (None when they hold the same rows and values, in any order)."""
    if set(ours.columns) != set(theirs.columns):
        return f"columns {sorted(ours.columns)} != {sorted(theirs.columns)}"
    if len(ours) != len(theirs):
        return f"{len(ours)} rows != {len(theirs)} rows"
    keys = [c for c in KEY_COLUMNS if c in ours.columns]
    a = ours.sort_values(keys, ignore_index=True) if keys else ours.reset_index(drop=True)
    b = theirs[list(ours.columns)].sort_values(keys, ignore_index=True) if keys else theirs[list(ours.columns)]
    for col in ours.columns:
        x, y = a[col], b[col].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            same = np.isclose(x.astype(float), y.astype(float), rtol=RTOL, atol=RTOL, equal_nan=True)
        else:
            same = (x.astype(object).where(x.notna(), "") == y.astype(object).where(y.notna(), "")).to_numpy()
        if not same.all():
            i = int(np.argmin(same))
            return f"{col} row {i}: {x.iloc[i]!r} != {y.iloc[i]!r}"
    return None


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _mb(n: float) -> str:
    return f"{n / 2**20:.0f} MB"


def _page_rows(plan: dict[tuple[str, str], list[Call]], fs: dict, pandas: dict) -> pd.DataFrame:
    """Per (selection, page): its calls' times summed (warm run i of the page: run i of each call), rows,
    the largest peak, and the pandas time of the calls pandas made beside finsam's warm median of the same
    calls (the lookups and the reconciliation are finsam's only)."""
    rows = []
    for (selection, page), calls in plan.items():
        if not calls:  # a page of text only (the accessibility statement) has nothing to time
            continue
        m = [fs[c] for c in calls]
        runs = max(len(x["warm_s"]) for x in m)
        warm = [sum(x["warm_s"][i % len(x["warm_s"])] for x in m) for i in range(runs)]
        rows.append({"selection": selection, "page": page, "calls": len(calls), "cold_s": sum(x["cold_s"] for x in m),
                     "warm_s": warm, "warm_median_s": statistics.median(warm), "rows": sum(x["rows"] for x in m),
                     "peak_bytes": max(x["peak_bytes"] for x in m),
                     "pandas_s": sum(pandas[c]["s"] for c in calls if c in pandas) if any(c in pandas for c in calls)
                     else np.nan,
                     "compared_s": sum(statistics.median(fs[c]["warm_s"]) for c in calls if c in pandas)})
    return pd.DataFrame(rows)


def bench(path: Path, repeat: int) -> str:
    """Print the report for one database; return its summary line."""
    con = _connect(path)
    try:
        n = con.execute("SELECT count(*) FROM participation").fetchone()[0]
        n_assoc = con.execute("SELECT count(*) FROM association").fetchone()[0]
        published = con.execute("SELECT count(*) FROM published_figure").fetchone()[0]
        sel = selections(con)
        database = Database.read(con, config.load().data_dir)
        counts = {s: lookups.selection_counts(con, f) for s, f in sel.items()}
    finally:
        con.close()
    plan = {(s, page): calls for s, f in sel.items()
            for page, calls in page_calls(f, database, counts[s]).items()}
    panel = {(s, PANEL): panel_calls(f, database.association_ids) for s, f in sel.items()}
    page_distinct = list(dict.fromkeys(c for calls in plan.values() for c in calls))
    distinct = list(dict.fromkeys(page_distinct + [c for calls in panel.values() for c in calls]))
    fs = _in_process(finsam_worker, str(path), distinct, repeat)
    pd_ = _in_process(pandas_worker, str(path), [c for c in page_distinct if hasattr(PandasBaseline, c.name)])

    steps = _page_rows({**plan, **panel}, fs["calls"], pd_["calls"])
    pages = steps[steps.page != PANEL]
    print(f"bench {path}: {n} participations, {n_assoc} associations, {published} published figures; "
          f"{len(sel)} selections x {pages.page.nunique()} pages, {len(distinct)} distinct calls, each cold and up "
          f"to {repeat} warm; DuckDB {duckdb.__version__}")
    for name, f in sel.items():
        print(f"  {name}: " + ", ".join(f"{k}={v}" for k, v in vars(f).items() if v))
    print(f"  {'page':<16}{'calls':>6}{'warm median':>13}{'warm p95':>11}{'cold median':>13}{'cold max':>10}"
          f"{'rows max':>10}{'peak RSS':>10}{'pandas median':>15}")
    for page, g in steps.groupby("page", sort=False):
        warm = [w for ws in g.warm_s for w in ws]
        print(f"  {page:<16}{g.calls.max():>6}{_ms(statistics.median(warm)):>13}"
              f"{_ms(float(np.percentile(warm, 95))):>11}{_ms(g.cold_s.median()):>13}{_ms(g.cold_s.max()):>10}"
              f"{g.rows.max():>10}{_mb(g.peak_bytes.max()):>10}"
              f"{_ms(g.pandas_s.median()) if g.pandas_s.notna().all() else '-':>15}")
    per_sel = pages.groupby("selection", sort=False).agg(warm=("warm_median_s", "sum"), cold=("cold_s", "sum"),
                                                         compared=("compared_s", "sum"), pandas=("pandas_s", "sum"),
                                                         rows=("rows", "sum"))
    print(f"  {'all pages, per selection':<28}{'warm median':>13}{'cold':>10}{'of which pandas did':>21}"
          f"{'pandas':>10}{'rows':>8}")
    for s, r in per_sel.iterrows():
        print(f"  {s:<28}{_ms(r.warm):>13}{_ms(r.cold):>10}{_ms(r.compared):>21}{_ms(r.pandas):>10}{int(r.rows):>8}")
    print("  (pandas makes the queries and year_range; the other lookups and the reconciliation are finsam's only, "
          "so the ratio compares the calls both made)")
    print("  slowest calls (warm median):")
    slow = sorted(fs["calls"].items(), key=lambda kv: -statistics.median(kv[1]["warm_s"]))[:8]
    for call, m in slow:
        print(f"    {_ms(statistics.median(m['warm_s'])):>9}  {call.name}{dict(call.kwargs) if call.filters else call.kwargs} "
              f"{', '.join(f'{k}={v}' for k, v in vars(call.filters).items() if v) if call.filters else ''}")

    compared, differ = 0, []
    for call, theirs in pd_["calls"].items():
        if call.filters is not None:
            compared += 1
            why = difference(fs["calls"][call]["answer"], theirs["answer"])
            if why:
                differ.append(f"{call.name}{dict(call.kwargs)} {call.filters}: {why}")
    print(f"  process peak RSS: finsam {_mb(fs['peak_bytes'])}, pandas {_mb(pd_['peak_bytes'])} "
          f"(records loaded in {pd_['load_s']:.1f} s, not in its times)")
    print(f"  agreement: {compared} distinct answers compared, {len(differ)} differ")
    for d in differ[:20]:
        print(f"    DIFFERS {d}")
    time_ratio = pages.pandas_s.sum() / pages.compared_s.sum()
    mem_ratio = pd_["peak_bytes"] / fs["peak_bytes"]
    verdict = "agree" if not differ and compared else "DISAGREE"
    return (f"bench {n} participations: finsam warm median {_ms(per_sel.warm.median())} (all pages), "
            f"cold {_ms(per_sel.cold.median())}; pandas {_ms(per_sel.pandas.median())}; "
            f"pandas/finsam time x{time_ratio:.1f}, memory x{mem_ratio:.1f}; {verdict}")


def import_file_rows(rows: int, seed: int = 1) -> bytes:
    """A participant file as coordinators have them (semicolon CSV in Windows-1252, Swedish headers and
    labels) with `rows` valid rows for Sydnärke's Samordningsteamet: a third ongoing, the rest ended."""
    rng = np.random.default_rng(seed)
    start = pd.Series(pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 9 * 365, rows), unit="D"))
    days = rng.integers(0, 900, rows)
    ended = rng.random(rows) < 0.67
    end = (start + pd.to_timedelta(days, unit="D")).where(ended)
    end = end.where(end <= pd.Timestamp("2025-06-30"))
    ended = end.notna()
    def pick(values, p=None):
        return np.asarray(values, dtype=object)[rng.choice(len(values), rows, p=p)]
    frame = pd.DataFrame({
        "deltagare_id": [f"IMP-{i:07d}" for i in range(rows)], "förbund": "Sydnärke", "insats": "Samordningsteamet",
        "kommun": pick(["Kumla", "Hallsberg", "Askersund", "Laxå"]),
        "kön": pick(["kvinna", "man"]), "födelseår": rng.integers(1960, 2004, rows),
        "remittent": pick(["FK", "AF", "Soc", "Psyk", "Vc"]), "uppdrag": pick(["Arbetsträning", "Kartläggning", ""]),
        "startdatum": start.dt.strftime("%Y-%m-%d"), "slutdatum": end.dt.strftime("%Y-%m-%d").fillna(""),
        "avslutsanledning": np.where(ended, pick(["Arbete", "Studier", "Avbrott", "Fortsatt rehabilitering"]), ""),
        "stegförflyttning": np.where(ended, pick(["ja", "nej"]), ""),
        "uppföljning_6m": "", "uppföljning_18m": "", "utbildningsnivå": pick(["gymnasium", "grundskola", ""]),
        "tid_i_offentlig_försörjning": "", "försörjning_före": pick(["försörjningsstöd", ""]),
        "försörjning_efter": ""})
    return frame.to_csv(sep=";", index=False).encode("cp1252")


def build_and_import(rows: int) -> str:
    """Time the demo build and the import of a `rows`-row file into it, as a coordinator would import it."""
    import tempfile

    from finsam.build import database as build
    from finsam import config
    from finsam.write import importer

    cfg = config.load()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "finsam.duckdb"
        t0 = time.perf_counter()
        build.build(path, cfg.data_dir, cfg.seed)
        built = time.perf_counter() - t0
        content = import_file_rows(rows)
        t0 = time.perf_counter()
        report = importer.import_file(path, "deltagare.csv", content, kind="deltagare")
        imported = time.perf_counter() - t0
        if not report.ok or report.added != rows:
            raise SystemExit(f"the import did not take every row:\n{report.text()}")
    return (f"build and import: demo database built in {built:.1f} s; a {rows}-row semicolon CSV "
            f"(Windows-1252, {len(content) / 1e6:.1f} MB) validated and imported in {imported:.1f} s")


def _in_selection(df: pd.DataFrame, f: q.Filters) -> pd.DataFrame:
    """Rows of a table by association, intervention and year that the selection's whole interventions hold."""
    if f.associations:
        df = df[df.association_id.isin(f.associations)]
    if f.interventions:
        df = df[df.intervention_id.isin(f.interventions)]
    if f.years:
        df = df[df.year.between(*f.years)]
    return df
