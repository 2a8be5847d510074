"""The pandas baseline of the bench: the answers of finsam.query.queries computed in pandas from the records
held in one DataFrame (a filter and a groupby per year, with the query layer's year semantics), to time
beside finsam and to check its answers against."""
from __future__ import annotations

import numpy as np
import pandas as pd

from finsam.query import queries as q
from finsam.tools.bench_pages import Call, connect

BY_INTERVENTION = ("association_id", "intervention_id")


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
        con = connect(path)
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



def _in_selection(df: pd.DataFrame, f: q.Filters) -> pd.DataFrame:
    """Rows of a table by association, intervention and year that the selection's whole interventions hold."""
    if f.associations:
        df = df[df.association_id.isin(f.associations)]
    if f.interventions:
        df = df[df.intervention_id.isin(f.interventions)]
    if f.years:
        df = df[df.year.between(*f.years)]
    return df
