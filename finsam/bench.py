"""`python -m finsam bench`: every dashboard page's queries on typical selections, timed cold and warm, beside
a plain pandas implementation of the same answers.

For each database, six selections (whole country; the largest association; the largest municipality; the
last year; five years of the two largest associations; women referred by FK) run the finsam.queries calls of
every page in pages/ (PAGES lists them as the pages make them, including the participant_flow of
ui.page()). finsam runs in its own process: per selection and page a fresh connection (cold: DuckDB's
buffers empty, the file in the OS cache), then `repeat` warm runs. pandas runs in another process: the
records loaded once into a DataFrame, each call a filter and per-year groupby with the year semantics of
finsam.queries. Peak memory is the resident set (VmHWM, reset per page through /proc/self/clear_refs), so
DuckDB's native memory counts. Both give the same answers or the run says where they differ.
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

from finsam import db, queries as q

BY_INTERVENTION = ("association_id", "intervention_id")
KEY_COLUMNS = ("association_id", "intervention_id", "year", "gender", "municipality_association_id",
               "municipality_code", "municipality_name", "referral_source", "exit_reason", "assignment", "horizon",
               "band_order", "band")
RTOL = 1e-9


@dataclass(frozen=True)
class Call:
    """One call a page makes: a query through finsam.queries.run, or (filters None) a lookup."""
    name: str
    filters: q.Filters | None = None
    kwargs: tuple = ()  # sorted (name, value) pairs; a lookup's positional arguments

    def run(self, con):
        if self.filters is None:
            return getattr(q, self.name)(con, *self.kwargs)
        return q.run(con, self.name, self.filters, **dict(self.kwargs))


def page_calls(f: q.Filters, latest: dict[str, int]) -> dict[str, list[Call]]:
    """Per page, the calls it makes for selection f (latest: each association's last year, for jamfor)."""
    last = f.years[1]
    prev = f.with_years(last - 1, last)
    flow = Call("participant_flow", f)  # ui.page(), before every page
    return {
        "oversikt": [flow, Call("participant_flow", prev), Call("gender_split", prev),
                     Call("time_in_intervention", prev), Call("positive_steps", prev), Call("followup", prev),
                     Call("participant_flow", f)],
        "kon": [flow, Call("gender_split", f), Call("gender_split", f, (("by", BY_INTERVENTION),))],
        "remittenter": [flow, Call("referral_split", f), Call("referral_by_municipality", f.with_years(last, last))],
        "tid": [flow, Call("time_in_intervention", f), Call("time_distribution", f),
                Call("time_in_intervention", f, (("split", "exit_reason"),)),
                Call("time_in_intervention", f, (("split", "assignment"),))],
        "uppfoljning": [flow, Call("followup", f)],
        "kommuner": [flow, Call("municipality_split", f)],
        "avslut": [flow, Call("exit_reasons", f), Call("positive_steps", f),
                   Call("positive_steps", f, (("by_assignment", True),))],
        "jamfor": [flow] + [c for a, year in latest.items() for c in (
            Call("year_range", None, ((a,),)),
            Call("key_figures", replace(f, associations=(a,), interventions=(), municipalities=(), years=(year, year)),
                 (("by", ("association_id",)),)))] + [Call("key_figures", f)],
    }


def panel_calls(f: q.Filters) -> list[Call]:
    """The filter panel's lookups (cached by the app per database version, so not part of the page totals)."""
    scope = f.associations
    return [Call("associations"), Call("year_range", None, (scope,)), Call("interventions", None, (scope,)),
            Call("municipalities", None, (scope,)), Call("code_list", None, ("gender",)),
            Call("code_list", None, ("referral_source",)), Call("is_demo", None, (scope,))]


def selections(con) -> dict[str, q.Filters]:
    """The typical selections, picked from the database: the largest association(s) and municipality."""
    first, last = q.year_range(con)
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


def _rows(result) -> int:
    return len(result) if isinstance(result, pd.DataFrame) else 1


def finsam_worker(path: str, plan: list[tuple[str, str, list[Call]]], repeat: int) -> dict:
    """Run the plan (selection, page, calls) with finsam.queries: per step a fresh connection, the cold run,
    then `repeat` warm runs. Returns timings, the answers (first run of each distinct call) and peak memory."""
    steps, answers = [], {}
    for selection, page, calls in plan:
        _reset_peak()
        con = db.connect(path, read_only=True)
        started = time.perf_counter()
        results = [c.run(con) for c in calls]
        cold = time.perf_counter() - started
        warm = []
        for _ in range(repeat):
            started = time.perf_counter()
            for c in calls:
                c.run(con)
            warm.append(time.perf_counter() - started)
        con.close()
        for c, r in zip(calls, results):
            if c.filters is not None:
                answers.setdefault(c, r)
        steps.append({"selection": selection, "page": page, "cold_s": cold, "warm_s": warm,
                      "rows": sum(_rows(r) for r in results), "peak_bytes": _peak_bytes()})
    return {"steps": steps, "answers": answers,
            "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def pandas_worker(path: str, plan: list[tuple[str, str, list[Call]]]) -> dict:
    """Load the records once, then run each step of the plan once with the pandas baseline."""
    started = time.perf_counter()
    base = PandasBaseline.load(path)
    load_s = time.perf_counter() - started
    steps, answers = [], {}
    for selection, page, calls in plan:
        started = time.perf_counter()
        results = [base.run(c) for c in calls]
        steps.append({"selection": selection, "page": page, "s": time.perf_counter() - started})
        for c, r in zip(calls, results):
            if c.filters is not None:
                answers.setdefault(c, r)
    return {"steps": steps, "answers": answers, "load_s": load_s,
            "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def _in_process(fn, *args):
    """fn(*args) in a fresh interpreter, so each implementation's peak memory is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


# --- the pandas baseline -----------------------------------------------------------------------------

class PandasBaseline:
    """The answers of finsam.queries computed in pandas from the records held in one DataFrame."""

    RECORD_COLUMNS = ["association_id", "intervention_id", "person_id", "municipality_code", "gender",
                      "referral_source", "assignment", "start_date", "end_date", "exit_reason", "has_positive_step",
                      "followup_6m", "followup_18m"]

    def __init__(self, records: pd.DataFrame, interventions: pd.DataFrame, anonymous: pd.DataFrame,
                 members: pd.DataFrame, shares: pd.DataFrame):
        self.anonymous, self.members, self.shares = anonymous, members, shares
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
        con = duckdb.connect(path, read_only=True)
        try:
            records = con.execute(f"SELECT {', '.join(cls.RECORD_COLUMNS)} FROM participation").df()
            for col in ("start_date", "end_date"):
                records[col] = pd.to_datetime(records[col])
            return cls(records, con.execute("SELECT * FROM intervention").df(),
                       con.execute("SELECT * FROM anonymous_participants").df(),
                       con.execute("SELECT am.association_id, am.municipality_code, m.municipality_name "
                                   "FROM association_municipality am JOIN municipality m USING (municipality_code)").df(),
                       con.execute("SELECT * FROM population_share").df())
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
        flow = self.per_year(self.parts(f, by + ["person_id"]), by, lambda g: g.agg(
            participations=("is_new", "size"), new=("is_new", "sum"), ended=("is_ended", "sum"),
            persons=("person_id", "nunique")))
        keys = self.years(f)[by + ["year"]].drop_duplicates()
        an = self.anon(f).groupby(by + ["year"]).participant_count.sum().rename("anonymous").reset_index()
        out = keys.merge(flow, how="left", on=by + ["year"]).merge(an, how="left", on=by + ["year"])
        counts = ["participations", "new", "ended", "persons", "anonymous"]
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
        return out

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
        steps = self.positive_steps(f, by)[keys + ["share_pct"]].rename(columns={"share_pct": "positive_share_pct"})
        fu = self.followup(f, by)
        fu = fu[fu.horizon == "6m"][keys + ["retained_share_pct"]].rename(columns={"retained_share_pct": "retained_6m_pct"})
        for part in (women, time_, steps, fu):
            out = out.merge(part, on=keys, how="left")
        return out

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


def bench(path: Path, repeat: int) -> str:
    """Print the report for one database; return its summary line."""
    con = db.connect(path, read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM participation").fetchone()[0]
        n_assoc = con.execute("SELECT count(*) FROM association").fetchone()[0]
        sel = selections(con)
        spans = {a: q.year_range(con, (a,)) for a in q.associations(con).association_id}
        latest = {a: span[1] for a, span in spans.items() if span}
    finally:
        con.close()
    plan = [(s, page, calls) for s, f in sel.items() for page, calls in page_calls(f, latest).items()]
    panel = [(s, "(filter panel)", panel_calls(f)) for s, f in sel.items()]
    fs = _in_process(finsam_worker, str(path), plan + panel, repeat)
    pd_ = _in_process(pandas_worker, str(path), plan)

    steps = pd.DataFrame(fs["steps"])
    steps["warm_median_s"] = steps.warm_s.map(statistics.median)
    steps = steps.merge(pd.DataFrame(pd_["steps"]).rename(columns={"s": "pandas_s"}), how="left",
                        on=["selection", "page"])
    pages = steps[steps.page != "(filter panel)"]
    print(f"bench {path}: {n} participations, {n_assoc} associations; {len(sel)} selections x "
          f"{pages.page.nunique()} pages, cold run + {repeat} warm runs each; DuckDB {duckdb.__version__}")
    for name, f in sel.items():
        print(f"  {name}: " + ", ".join(f"{k}={v}" for k, v in vars(f).items() if v))
    print(f"  {'page':<16}{'calls':>6}{'warm median':>13}{'warm p95':>11}{'cold median':>13}{'cold max':>10}"
          f"{'rows max':>10}{'peak RSS':>10}{'pandas median':>15}")
    for page, g in steps.groupby("page", sort=False):
        warm = [w for ws in g.warm_s for w in ws]
        calls = len(next(c for s, p, c in plan + panel if p == page))
        print(f"  {page:<16}{calls:>6}{_ms(statistics.median(warm)):>13}{_ms(float(np.percentile(warm, 95))):>11}"
              f"{_ms(g.cold_s.median()):>13}{_ms(g.cold_s.max()):>10}{g.rows.max():>10}{_mb(g.peak_bytes.max()):>10}"
              f"{_ms(g.pandas_s.median()) if g.pandas_s.notna().all() else '-':>15}")
    per_sel = pages.groupby("selection", sort=False).agg(warm=("warm_median_s", "sum"), cold=("cold_s", "sum"),
                                                         pandas=("pandas_s", "sum"), rows=("rows", "sum"))
    print(f"  {'all pages, per selection':<28}{'warm median':>13}{'cold':>10}{'pandas':>10}{'rows':>8}")
    for s, r in per_sel.iterrows():
        print(f"  {s:<28}{_ms(r.warm):>13}{_ms(r.cold):>10}{_ms(r.pandas):>10}{r.rows:>8}")
    warm_all, cold_all, pandas_all = per_sel.warm.median(), per_sel.cold.median(), per_sel.pandas.median()
    time_ratio = pages.pandas_s.sum() / pages.warm_median_s.sum()
    mem_ratio = pd_["peak_bytes"] / fs["peak_bytes"]

    compared, differ = 0, []
    for call, ours in fs["answers"].items():
        if call in pd_["answers"]:
            compared += 1
            why = difference(ours, pd_["answers"][call])
            if why:
                differ.append(f"{call.name}{dict(call.kwargs)} {call.filters}: {why}")
    print(f"  process peak RSS: finsam {_mb(fs['peak_bytes'])}, pandas {_mb(pd_['peak_bytes'])} "
          f"(records loaded in {pd_['load_s']:.1f} s)")
    print(f"  agreement: {compared} distinct answers compared, {len(differ)} differ")
    for d in differ[:20]:
        print(f"    DIFFERS {d}")
    verdict = "agree" if not differ and compared else "DISAGREE"
    return (f"bench {n} participations: finsam warm median {_ms(warm_all)} (all pages), cold {_ms(cold_all)}; "
            f"pandas {_ms(pandas_all)}; pandas/finsam time x{time_ratio:.1f}, memory x{mem_ratio:.1f}; {verdict}")


def cmd_bench(args) -> int:
    summaries = []
    for path in args.db:
        if not path.exists():
            raise SystemExit(f"Databasen {path} finns inte. Skapa den med: python -m finsam generate --out {path}")
        summaries.append(bench(path, args.repeat))
    print("\n".join(summaries))
    return 0 if all(s.endswith("; agree") for s in summaries) else 1
