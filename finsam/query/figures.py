"""Every figure the product computes, in the long format of data/published_figures.csv.

`compute(con, filters)` returns the columns association, intervention, year, measure, dimension,
category, value, unit, for each association and intervention of the selection and for each association
over all its interventions (intervention `ALL`). All numbers come from finsam.query.queries.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from finsam.query import lookups, queries as q
from finsam.labels import SUPPRESSED
from finsam.privacy import Protection

COLUMNS = ["association", "intervention", "year", "measure", "dimension", "category", "value", "unit"]
GROUPINGS = (("association_id", "intervention_id"), ("association_id",))
MERGED_REFERRALS = {"Psyk/Vc/Hab": ("Psyk", "Vc", "Hab")}
# SUS's exit category "Utskrivning" is work, studies or active job seeking (Västerås 2020)
MERGED_EXITS = {"utskrivning": ("arbete", "studier", "aktivt_arbetssokande")}
TABLE_MEASURES = [("exit_reason_count", "exit_reason"), ("exit_reason_share", "exit_reason"),
                  ("education_count", "education"), ("education_share", "education"),
                  ("public_support_time_count", "public_support_time"),
                  ("public_support_time_share", "public_support_time"), ("age_band_count", "age_band"),
                  ("age_band_share", "age_band")]
COMPUTED_MEASURES = {
    "participants_total", "participants_registered", "participants_new", "participants_ended",
    "participants_ongoing", "participants_unique", "gender_count", "gender_share", "municipality_count",
    "municipality_share", "municipality_new_count", "municipality_population_share", "referral_count",
    "referral_share", "referral_new_count", "referral_count_by_municipality", "mean_days_in_intervention",
    "mean_months_in_intervention", "median_days_in_intervention", "exit_reason_count", "exit_reason_share",
    "positive_step_share", "positive_step_count", "followup_6m_retained_share", "followup_18m_retained_share",
    "followup_response_rate", "followup_respondents", "age_band_count", "age_band_share", "education_count",
    "education_share", "public_support_time_count", "public_support_time_share", "income_source_before_count",
    "income_source_before_share", "income_source_after_count", "income_source_after_share",
    *(MONEY_AND_SURVEY_MEASURES := {"budget_sek", "cost_sek", "deviation_sek", "cost_per_participant_sek",
                                    "cost_per_positive_sek", "nns_positive_share", "nns_respondents",
                                    "violence_exposed_share", "violence_respondents"}),
    *(GOAL_MEASURES := {"goal_target", "goal_outcome", "goal_attained", "goal_status"}),
}


class _Out:
    """Collects figures; with protection on, a hidden value is written as `..` (never left out silently)."""

    def __init__(self, protected: bool):
        self.rows: list[tuple] = []
        self.protected = protected

    def add(self, df: pd.DataFrame, by: tuple, measure: str, column: str, unit: str, dimension: str = "",
            category=None) -> None:
        """One figure per row of df; category is a column name, a callable of the row, or None."""
        if df.empty:
            return
        for r in df.itertuples(index=False):
            value = getattr(r, column)
            if value is None or pd.isna(value):
                if not self.protected:
                    continue
                value = SUPPRESSED
            else:
                value = float(value)
            cat = "" if category is None else category(r) if callable(category) else getattr(r, category)
            interv = r.intervention_id if "intervention_id" in by else "ALL"
            self.rows.append((r.association_id, interv, int(r.year), measure, dimension, str(cat), value, unit))


def compute(con, f: q.Filters = q.Filters(), protection: Protection = Protection()) -> pd.DataFrame:
    """Every figure for the selection; small counts are protected unless protection is OFF (reconcile
    compares with the reports, which print small counts)."""
    out = _Out(protection.enabled)

    def run(name: str, filters: q.Filters, by=(), **kwargs) -> pd.DataFrame:
        return q.run(con, name, filters, protection, by=by, **kwargs)

    labels = {name: dict(zip(df.code, df.label_sv)) for name in ("assignment",)
              for df in [lookups.code_list(con, name)]}
    for by in GROUPINGS:
        flow = run("participant_flow", f, by)
        for measure, col in (("participants_total", "participants_total"), ("participants_registered", "participations"),
                             ("participants_new", "new"), ("participants_ended", "ended"),
                             ("participants_ongoing", "ongoing")):
            out.add(flow, by, measure, col, "count")
        out.add(run("unique_persons", f, by), by, "participants_unique", "persons", "count")
        for g in ("kvinna", "man"):
            gf = run("participant_flow", replace(f, genders=(g,)), by)
            for measure, col in (("participants_total", "participants_total"), ("participants_new", "new"),
                                 ("participants_ended", "ended"), ("participants_ongoing", "ongoing")):
                out.add(gf, by, measure, col, "count", "gender", lambda r, g=g: g)
            out.add(run("unique_persons", replace(f, genders=(g,)), by), by, "participants_unique", "persons", "count",
                    "gender", lambda r, g=g: g)
            ex = _with_merged(run("exit_reasons", replace(f, genders=(g,)), by), list(by) + ["year"], "exit_reason",
                              ["ended"], MERGED_EXITS)
            out.add(ex, by, "exit_reason_count", "ended", "count", "exit_reason|gender",
                    lambda r, g=g: f"{r.exit_reason}|{g}")
        gs = run("gender_split", f, by)
        out.add(gs, by, "gender_count", "participants", "count", "gender", "gender")
        out.add(gs, by, "gender_share", "share_pct", "percent", "gender", "gender")

        ms = run("municipality_split", f, by)
        out.add(ms, by, "municipality_count", "participations", "count", "municipality", "municipality_name")
        out.add(ms, by, "municipality_new_count", "new", "count", "municipality", "municipality_name")
        out.add(ms, by, "municipality_share", "share_pct", "percent", "municipality", "municipality_name")
        out.add(ms, by, "municipality_population_share", "population_share_pct", "percent", "municipality",
                "municipality_name")

        rs = _with_merged(run("referral_split", f, by), list(by) + ["year"], "referral_source",
                          ["participations", "new"])
        if not rs.empty:
            leaf = rs[~rs.referral_source.isin(MERGED_REFERRALS)]
            year_total = leaf.groupby(list(by) + ["year"], as_index=False)["participations"].sum()
            rs = rs.merge(year_total.rename(columns={"participations": "year_total"}), on=list(by) + ["year"])
            rs["share_pct"] = 100.0 * rs.participations / rs.year_total
        out.add(rs, by, "referral_count", "participations", "count", "referral_source", "referral_source")
        out.add(rs, by, "referral_new_count", "new", "count", "referral_source", "referral_source")
        out.add(rs, by, "referral_share", "share_pct", "percent", "referral_source", "referral_source")
        rm = _with_merged(run("referral_by_municipality", f, by), list(by) + ["year", "municipality_name"],
                          "referral_source", ["participations"])
        out.add(rm, by, "referral_count_by_municipality", "participations", "count", "municipality|referral_source",
                lambda r: f"{r.municipality_name}|{r.referral_source}")

        t = run("time_in_intervention", f, by)
        out.add(t, by, "mean_days_in_intervention", "mean_days", "days")
        out.add(t, by, "median_days_in_intervention", "median_days", "days")
        out.add(t, by, "mean_months_in_intervention", "mean_months", "months")

        ex = _with_merged(run("exit_reasons", f, by), list(by) + ["year"], "exit_reason", ["ended", "share_pct"],
                          MERGED_EXITS)
        out.add(ex, by, "exit_reason_count", "ended", "count", "exit_reason", "exit_reason")
        out.add(ex, by, "exit_reason_share", "share_pct", "percent", "exit_reason", "exit_reason")
        year_ended = run("participant_flow", f, by)[list(by) + ["year", "ended"]].rename(columns={"ended": "year_ended"})
        for g in ("kvinna", "man"):
            eg = _with_merged(run("exit_reasons", replace(f, genders=(g,)), by), list(by) + ["year"], "exit_reason",
                              ["ended"], MERGED_EXITS)
            if not eg.empty:
                eg = eg.merge(year_ended, on=list(by) + ["year"])
                eg["share_of_all_ended_pct"] = 100.0 * eg.ended / eg.year_ended
            # the share is of all the year's ended, as the SUS tables print it
            out.add(eg, by, "exit_reason_share", "share_of_all_ended_pct", "percent", "exit_reason|gender",
                    lambda r, g=g: f"{r.exit_reason}|{g}")

        ps = run("positive_steps", f, by)
        out.add(ps, by, "positive_step_share", "share_pct", "percent")
        out.add(ps, by, "positive_step_count", "positive", "count")
        pa = run("positive_steps", f, by, by_assignment=True)
        pa = pa[pa.assignment != ""]
        assignment = lambda r: labels["assignment"].get(r.assignment, r.assignment)  # noqa: E731
        out.add(pa, by, "positive_step_share", "share_pct", "percent", "assignment", assignment)
        out.add(pa, by, "positive_step_count", "positive", "count", "assignment", assignment)
        out.add(pa, by, "participants_ended", "ended", "count", "assignment", assignment)

        fu = run("followup", f, by)
        fu = fu[fu.due > 0]
        out.add(fu[fu.horizon == "6m"], by, "followup_6m_retained_share", "retained_share_pct", "percent")
        out.add(fu[fu.horizon == "18m"], by, "followup_18m_retained_share", "retained_share_pct", "percent")
        out.add(fu, by, "followup_response_rate", "response_rate_pct", "percent", "followup", "horizon")
        fu = fu.assign(respondents=fu.kept + fu.not_kept)
        out.add(fu, by, "followup_respondents", "respondents", "count", "followup", "horizon")

        for variable, stem, dimension in (("age_band", "age_band", "age_band"), ("education", "education", "education"),
                                          ("public_support_time", "public_support_time", "public_support_time"),
                                          ("income_before", "income_source_before", "income_source"),
                                          ("income_after", "income_source_after", "income_source")):
            bg = run("background", f, by, variable=variable)
            bg = bg[bg.code != ""]
            out.add(bg, by, f"{stem}_count", "participations", "count", dimension, "code")
            out.add(bg, by, f"{stem}_share", "share_pct", "percent", dimension, "code")
    _money_and_voices(out, run, f)
    _goals(con, out, f, protection)
    df = _with_table_totals(pd.DataFrame(out.rows, columns=COLUMNS))
    return df.sort_values(["association", "intervention", "year", "measure", "dimension", "category"],
                          kind="stable").reset_index(drop=True)


def _money_and_voices(out: _Out, run, f: q.Filters) -> None:
    """Budget, cost and survey figures: per intervention, and per association over its individual
    interventions (`ALL`) and over its structural ones (`ALL_STRUCTURAL`)."""
    for by in GROUPINGS:
        money = run("economy", f, by)
        if "intervention_id" not in by:
            money = money.assign(intervention_id=money.kind.map({"individual": "ALL", "structural": "ALL_STRUCTURAL"}))
        by_ = ("association_id", "intervention_id")
        for measure, column in (("budget_sek", "granted_sek"), ("cost_sek", "used_sek"), ("deviation_sek", "deviation_sek"),
                                ("cost_per_participant_sek", "cost_per_participant_sek"),
                                ("cost_per_positive_sek", "cost_per_positive_sek")):
            out.add(money, by_, measure, column, "sek")
    for survey, measure in (("nns", "nns_positive_share"), ("violence", "violence_exposed_share")):
        df = run("surveys", f, survey=survey)
        by_ = ("association_id", "intervention_id")
        everyone = df[df.answer_group == "all"]
        if survey == "nns":
            out.add(everyone, by_, measure, "positive_share_pct", "percent", "timepoint|question",
                    lambda r: f"{r.timepoint}|{r.question}")
        else:
            out.add(everyone, by_, measure, "positive_share_pct", "percent")
            out.add(df[df.answer_group != "all"], by_, measure, "positive_share_pct", "percent", "gender", "answer_group")
        n = everyone.groupby(["association_id", "intervention_id", "year"], as_index=False).respondents.max()
        out.add(n, by_, "nns_respondents" if survey == "nns" else "violence_respondents", "respondents", "count")


def _goals(con, out: _Out, f: q.Filters, protection: Protection) -> None:
    """Per goal (category: the goal id) of the selection's years: goal_target and goal_outcome in the
    indicator's unit, goal_attained 1/0 (empty when not measurable) and goal_status 2 uppnått / 1 delvis
    uppnått / 0 ej uppnått (a not measurable goal: the coordinator's status, else empty)."""
    from finsam.query import goals

    years = [y for y in goals.goal_years(con, f.associations) if f.years is None or f.years[0] <= y <= f.years[1]]
    for year in years:
        att = goals.attainment(con, f, year, protection)
        for r in att.itertuples(index=False):
            key = (r.association_id, r.intervention, int(year))
            measurable = bool(r.indicator)
            if measurable:
                out.rows.append((*key, "goal_target", "goal", r.goal_id, float(r.target), r.unit))
                hidden = pd.isna(r.outcome)
                if not hidden or protection.enabled:
                    out.rows.append((*key, "goal_outcome", "goal", r.goal_id,
                                     SUPPRESSED if hidden else float(r.outcome), r.unit))
            code = goals.status_code(r.status)
            attained = "" if r.status == "ej mätbart" or not measurable else (1.0 if r.status == "uppnått" else 0.0)
            out.rows.append((*key, "goal_attained", "goal", r.goal_id, attained, "score"))
            out.rows.append((*key, "goal_status", "goal", r.goal_id, "" if code is None else code, "score"))


def _with_table_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Add a total row (empty dimension and category) to each table of TABLE_MEASURES, as reports print."""
    parts = [df]
    for measure, dimension in TABLE_MEASURES:
        t = df[(df.measure == measure) & (df.dimension == dimension) & ~df.category.isin(MERGED_EXITS)]
        if t.empty:
            continue
        t = t.assign(value=pd.to_numeric(t.value, errors="coerce"))
        s = t.groupby(["association", "intervention", "year", "measure", "unit"], as_index=False)["value"] \
            .agg(lambda x: x.sum(skipna=False))
        s["value"] = s["value"].map(lambda v: SUPPRESSED if pd.isna(v) else v)
        s["dimension"] = ""
        s["category"] = ""
        parts.append(s[COLUMNS])
    return pd.concat(parts, ignore_index=True)


def _with_merged(df: pd.DataFrame, keys: list[str], code_col: str, value_cols: list[str],
                 groups: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """Append rows for merged groups (sum of their members) to a frame of record codes."""
    if df.empty:
        return df
    extra = []
    for group, members in (groups or MERGED_REFERRALS).items():
        part = df[df[code_col].isin(members)]
        if part.empty:
            continue
        s = part.groupby(keys, as_index=False)[value_cols].agg(lambda x: x.sum(skipna=False))
        s[code_col] = group
        extra.append(s)
    return pd.concat([df, *extra], ignore_index=True) if extra else df
