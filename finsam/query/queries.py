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
The SQL they are built from: finsam.query.sql; the selection: finsam.query.filters; what the filter
panel offers: finsam.query.lookups. Nothing here knows of Streamlit.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import pandas as pd

from finsam import privacy
from finsam.access import ADMIN, Access
from finsam.data.aggregates import DAY_BANDS  # re-exported: the bands time_distribution reports
from finsam.privacy import Protection
from finsam.query.filters import Filters  # re-exported: callers everywhere write queries.Filters
from finsam.query.sql import (Sql, anonymous_cte, base_ctes, by_columns, cells_cte, cube_cte, fetch, scope,
                              selection, year_keys_cte, years_cte)

DAYS_PER_MONTH = 30  # the reports convert days to months with 30-day months (276 days = 9,2 months)


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


def participant_flow(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year: participations (taking part), new, ended, ongoing (at year end), anonymous (anonymous
    participants) and participants_total (participations + anonymous). Unique persons: unique_persons."""
    base, params = cube_cte(f)
    anon, aparams = anonymous_cte(f)
    g, _ = by_columns(by)
    keys, kparams = year_keys_cte(f, g)
    sql = f"""{base}, {anon}, {keys},
    parts AS (SELECT {g}year, participations, new, ended, 0 AS anonymous FROM yc
              UNION ALL SELECT {g}year, 0, 0, 0, participant_count FROM anon
              UNION ALL SELECT {g}year, 0, 0, 0, 0 FROM ykeys),
    flow AS (SELECT {g}year, sum(participations)::BIGINT AS participations, sum(new)::BIGINT AS new,
                    sum(ended)::BIGINT AS ended, sum(anonymous)::BIGINT AS anonymous FROM parts GROUP BY ALL)
    SELECT {g}year, participations, new, ended, participations - ended AS ongoing, anonymous,
           participations + anonymous AS participants_total
    FROM flow ORDER BY ALL"""
    return fetch(con, sql, params + aparams + kparams)


def intervention_flow(con, f: Filters) -> pd.DataFrame:
    """participant_flow per association and intervention: the headline figures side by side with the total
    they add up to (protected as categories of the association's year: one hidden intervention hides the
    next smallest, or the total would give it away)."""
    return participant_flow(con, f, by=("association_id", "intervention_id"))


def unique_persons(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year: persons, the unique person ids among the participations taking part (a person with two
    participations in a year counts once). Read from the records."""
    base, params = base_ctes(f, "person_id")
    g, _ = by_columns(by)
    return fetch(con, f"""{base}
    SELECT {g}year, count(DISTINCT person_id) AS persons FROM yp GROUP BY ALL ORDER BY ALL""", params)


def gender_split(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and gender: registered (participations), anonymous, participants (both) and share_pct of
    the year's participants."""
    base, params = cube_cte(f, "flow", ("gender",))
    anon, aparams = anonymous_cte(f)
    g, _ = by_columns(by)
    sql = f"""{base}, {anon},
    parts AS (SELECT {g}year, gender, participations AS registered, 0 AS anonymous FROM yc
              UNION ALL SELECT {g}year, gender, 0, participant_count FROM anon),
    both_ AS (SELECT {g}year, gender, sum(registered)::BIGINT AS registered, sum(anonymous)::BIGINT AS anonymous
              FROM parts GROUP BY ALL)
    SELECT *, registered + anonymous AS participants,
           100.0 * (registered + anonymous) / sum(registered + anonymous) OVER (PARTITION BY {g}year) AS share_pct
    FROM both_ ORDER BY ALL"""
    return fetch(con, sql, params + aparams)


def municipality_split(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and municipality (of the selected associations): participations, new, share_pct of the
    year's participations, association_share_pct of its association's participations that year, and
    population_share_pct (of the association's population: its latest published share as of the year,
    else its earliest: municipality_year). Municipalities with no participant appear with 0."""
    base, params = cube_cte(f, "flow", ("municipality_code",))
    ysql, yparams = years_cte(f)
    g, _ = by_columns(by)
    s = Sql()
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
    return fetch(con, sql, params + yparams + s.params)


def referral_split(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and referral source (record codes): participations, new and share_pct of the year's
    participations. Merged groups (Psyk/Vc/Hab) are added by finsam.query.figures."""
    base, params = cube_cte(f, "flow", ("referral_source",))
    g, _ = by_columns(by)
    sql = f"""{base}
    SELECT {g}year, referral_source, sum(participations)::BIGINT AS participations, sum(new)::BIGINT AS new,
           100.0 * sum(participations) / sum(sum(participations)) OVER (PARTITION BY {g}year) AS share_pct
    FROM yc GROUP BY {g}year, referral_source ORDER BY ALL"""
    return fetch(con, sql, params)


def referral_by_municipality(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year, municipality and referral source: participations."""
    base, params = cube_cte(f, "flow", ("municipality_code", "referral_source"))
    g, _ = by_columns(by)
    sql = f"""{base}
    SELECT {g}year, municipality_code, m.municipality_name, referral_source, sum(participations)::BIGINT AS participations
    FROM yc JOIN municipality m USING (municipality_code) GROUP BY ALL ORDER BY ALL"""
    return fetch(con, sql, params)


def time_in_intervention(con, f: Filters, by: Sequence[str] = (), split: str | None = None) -> pd.DataFrame:
    """Per year over participations ended that year: ended, mean_days, median_days, mean_months (days / 30).
    With split ("exit_reason" or "assignment") per year and that code instead, without the median (the
    pages show means per category): read from the aggregate table, not the records."""
    if split not in (None, "exit_reason", "assignment"):
        raise ValueError(split)
    g, _ = by_columns(by)
    if split:
        base, params = cube_cte(f, "ended", (split,))
        return fetch(con, f"""{base}
        SELECT {g}year, {split}, sum(ended)::BIGINT AS ended, sum(days_sum) / sum(ended) AS mean_days,
               sum(days_sum) / sum(ended) / {DAYS_PER_MONTH} AS mean_months
        FROM yc GROUP BY ALL HAVING sum(ended) > 0 ORDER BY ALL""", params)
    s = selection(f)
    return fetch(con, f"""
    SELECT {g}year, count(*) AS ended, avg(days) AS mean_days, median(days) AS median_days,
           avg(days) / {DAYS_PER_MONTH} AS mean_months
    FROM ended_record WHERE {s.where()} GROUP BY ALL ORDER BY ALL""", s.params)


def mean_time(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year: ended, mean_days and mean_months over those ended that year (from the aggregate table;
    the median: time_in_intervention)."""
    base, params = cube_cte(f, "ended")
    g, _ = by_columns(by)
    return fetch(con, f"""{base}
    SELECT {g}year, sum(ended)::BIGINT AS ended, sum(days_sum) / nullif(sum(ended), 0) AS mean_days,
           sum(days_sum) / nullif(sum(ended), 0) / {DAYS_PER_MONTH} AS mean_months
    FROM yc GROUP BY ALL ORDER BY ALL""", params)


def time_distribution(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and band of days in intervention (ended that year): band, band_order, ended. Bands with
    no one are left out."""
    base, params = cube_cte(f, "ended")
    g, _ = by_columns(by)
    bands = " UNION ALL ".join(f"SELECT {g}year, {i} AS band_order, '{label}' AS band, band_{i} AS n FROM yc"
                               for i, (_lo, _hi, label) in enumerate(DAY_BANDS))
    return fetch(con, f"""{base}, b AS ({bands})
    SELECT {g}year, band_order, band, sum(n)::BIGINT AS ended FROM b GROUP BY ALL HAVING sum(n) > 0
    ORDER BY ALL""", params)


def exit_reasons(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and exit reason (ended that year): ended and share_pct of the year's ended."""
    base, params = cube_cte(f, "ended", ("exit_reason",))
    g, _ = by_columns(by)
    sql = f"""{base}
    SELECT {g}year, exit_reason, sum(ended)::BIGINT AS ended,
           100.0 * sum(ended) / sum(sum(ended)) OVER (PARTITION BY {g}year) AS share_pct
    FROM yc GROUP BY {g}year, exit_reason ORDER BY ALL"""
    return fetch(con, sql, params)


def positive_steps(con, f: Filters, by: Sequence[str] = (), by_assignment: bool = False) -> pd.DataFrame:
    """Per year (and assignment): ended, positive (with a positive step) and share_pct = positive / ended
    over those ended with the step recorded."""
    base, params = cube_cte(f, "ended", ("assignment",) if by_assignment else ())
    g, _ = by_columns(by)
    extra = "assignment, " if by_assignment else ""
    sql = f"""{base}
    SELECT {g}year, {extra}sum(ended)::BIGINT AS ended, sum(positive)::BIGINT AS positive,
           100.0 * sum(positive) / nullif(sum(step_known), 0) AS share_pct
    FROM yc GROUP BY ALL ORDER BY ALL"""
    return fetch(con, sql, params)


def dropouts(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and assignment ('' where none is recorded): ended, dropped (exit reason avbrott) and
    share_pct = dropped / ended (the 2025 report's 6.1: 'har 5 % avbrutits')."""
    base, params = cube_cte(f, "ended", ("assignment", "exit_reason"))
    g, _ = by_columns(by)
    sql = f"""{base}
    SELECT {g}year, coalesce(assignment, '') AS assignment, sum(ended)::BIGINT AS ended,
           coalesce(sum(ended) FILTER (WHERE exit_reason = 'avbrott'), 0)::BIGINT AS dropped,
           100.0 * coalesce(sum(ended) FILTER (WHERE exit_reason = 'avbrott'), 0) / nullif(sum(ended), 0) AS share_pct
    FROM yc GROUP BY ALL ORDER BY ALL"""
    return fetch(con, sql, params)


def followup(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year ended and horizon ('6m', '18m'): kept, not_kept, no_answer, due (all three),
    retained_share_pct = kept / (kept + not_kept) and response_rate_pct = (kept + not_kept) / due."""
    base, params = cube_cte(f, "ended")
    g, _ = by_columns(by)
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
    return fetch(con, sql, params)


def background(con, f: Filters, variable: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year and code of a background variable: participations and share_pct. age_band, education and
    public_support_time are over new participations (at start), income_before and income_after over
    ended ones. Missing values are the code ''."""
    base, params = base_ctes(f, "birth_year, education, public_support_time, income_before, income_after")
    g, _ = by_columns(by)
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
    return fetch(con, sql, params)


def key_figures(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per year (and group): participants_total, new, ended, women_share_pct, mean_months,
    positive_step_pct and retained_6m_pct: the board's key figures, as participant_flow, gender_split,
    mean_time, positive_steps and followup have them, in one query; with the counts behind the shares:
    women, positive, step_known (ended with the step recorded), kept_6m and answered_6m."""
    flow_sql, params = cube_cte(f, "flow", ("gender",))
    ended_sql, eparams = cells_cte(f, "ended", name="ended_cells")
    anon, aparams = anonymous_cte(f)
    g, _ = by_columns(by)
    keys, kparams = year_keys_cte(f, g)
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
    return fetch(con, sql, params + aparams + kparams + eparams)


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
    s = scope(f, "b.association_id", "b.intervention_id", "b.year")
    money = fetch(con, f"""SELECT b.association_id, b.intervention_id, i.kind, b.year, b.granted_sek, b.used_sek
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
    s = scope(f, "r.association_id", "r.intervention_id", "r.year")
    return fetch(con, f"""
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


def conversations(con, f: Filters, by: Sequence[str] = ()) -> pd.DataFrame:
    """Counted conversations (e.g. rådgivande samtal) per association, intervention and year, as imported:
    conversation_count (a count of conversations, not of people: no small-count rule applies)."""
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'conversation_count'"
                       ).fetchone()[0]:  # a file made before conversations were imported
        return pd.DataFrame(columns=["association_id", "intervention_id", "year", "conversation_count"])
    s = scope(f, "association_id", "intervention_id", "year")
    if f.has_record_only_filter or f.genders:
        s.clauses.append("false")  # not kept per municipality, source or gender
    return fetch(con, f"""SELECT association_id, intervention_id, year, conversation_count FROM conversation_count
        WHERE {s.where()} ORDER BY ALL""", s.params)


FILTERED_QUERIES = ("participant_flow", "intervention_flow", "unique_persons", "mean_time", "gender_split", "municipality_split", "referral_split",
                    "referral_by_municipality", "time_in_intervention", "time_distribution", "exit_reasons",
                    "positive_steps", "dropouts", "followup", "background", "key_figures", "economy", "surveys",
                    "conversations")
