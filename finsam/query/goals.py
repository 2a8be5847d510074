"""Goals and goal attainment (måluppfyllelse): what the board decided, measured over the same selection
rules as every figure (finsam.query.queries, through queries.run, so access and small-count protection apply).

A goal belongs to an association, an intervention (`ALL`: all its interventions) and a year or a period
(first_year..last_year; a goal for a period is measured in each of its years). A measurable goal names an
indicator (INDICATORS), a comparison and a target:
- at_least T: uppnått when the outcome >= T, delvis uppnått when >= PARTIAL x T, else ej uppnått;
- at_most T: uppnått when <= T, delvis uppnått when <= T / PARTIAL, else ej uppnått;
- between T..H: uppnått inside, delvis uppnått inside PARTIAL x T .. H / PARTIAL, else ej uppnått.
A goal without an indicator keeps the status the coordinator set (or ej mätbart), as does a measurable
goal whose outcome is hidden by small-count protection or has nobody behind it (ej mätbart).
During the current year the outcome so far is compared with the target pro rata (counts scale with the
share of the year gone; shares and means are compared as they are): pace "i fas" or "efter".
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

import pandas as pd

from finsam.query import queries as q
from finsam.access import ADMIN, Access
from finsam.privacy import Protection
from finsam.labels import fmt, pct
from finsam.query.sql import Sql

PARTIAL = 0.75  # delvis uppnått: at least three quarters of the way (Försteget 2016: 64 % of 80 % = "delvis")
ALL = "ALL"


@dataclass(frozen=True)
class Indicator:
    label_sv: str
    unit: str  # count | percent | days | sek
    is_count: bool  # a count grows through the year: compared pro rata during it


INDICATORS = {
    "participants": Indicator("Deltagare", "count", True),
    "new": Indicator("Nya deltagare", "count", True),
    "ended": Indicator("Avslutade", "count", True),
    "exits_work_or_studies": Indicator("Avslut till arbete eller studier", "count", True),
    "exits_work_or_studies_share": Indicator("Andel avslut till arbete eller studier", "percent", False),
    "women_share": Indicator("Andel kvinnor", "percent", False),
    "positive_step_share": Indicator("Andel med positiv stegförflyttning", "percent", False),
    "kept_after_6_months": Indicator("Behållit stegförflyttningen efter 6 månader", "percent", False),
    "mean_days": Indicator("Medeltid i insats (dagar)", "days", False),
    "cost_per_participant": Indicator("Kostnad per deltagare (kr)", "sek", False),
}
COMPARISONS = {"at_least": "minst", "at_most": "högst", "between": "mellan"}
STATUSES = ("uppnått", "delvis uppnått", "ej uppnått", "ej mätbart")
SET_STATUSES = STATUSES[:3]
# what the key figures of Översikt are, in indicator terms (for the status mark there)
KEY_FIGURE_INDICATOR = {"participants_total": "participants", "new": "new", "ended": "ended",
                        "women_share_pct": "women_share", "positive_step_pct": "positive_step_share",
                        "retained_6m_pct": "kept_after_6_months"}

GOAL_COLUMNS = ["goal_id", "association_id", "intervention_id", "first_year", "last_year", "text_sv", "indicator",
                "comparison", "target", "target_high", "set_status", "comment", "source_file", "section"]
ATTAINMENT_COLUMNS = ["association_id", "intervention", "goal_id", "text", "indicator", "comparison", "target",
                      "outcome", "n", "status", "comment"]
EXTRA_COLUMNS = ["year", "target_high", "unit", "target_so_far", "pace", "source_file", "section"]
# the editor's and the template's Swedish headers
HEADERS = {"goal_id": "mål-id", "association_id": "förbund", "intervention_id": "insats", "first_year": "från år",
           "last_year": "till år", "text_sv": "mål", "indicator": "indikator", "comparison": "jämförelse",
           "target": "målvärde", "target_high": "målvärde till", "set_status": "status (ej mätbart mål)",
           "comment": "kommentar", "source_file": "källa", "section": "avsnitt"}


# --- reading ------------------------------------------------------------------------------------------

def has_goals_table(con) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'goal' "
                            "AND database_name = current_database()").fetchone()[0])


def goals(con, associations: tuple[str, ...] = (), year: int | None = None) -> pd.DataFrame:
    """The goals (GOAL_COLUMNS) of the associations (all when empty) whose period covers year (all when None)."""
    if not has_goals_table(con):
        return pd.DataFrame(columns=GOAL_COLUMNS)
    s = Sql()
    s.add_in("association_id", associations)
    if year is not None:
        s.clauses.append("? BETWEEN first_year AND last_year")
        s.params.append(year)
    return con.execute(f"SELECT {', '.join(GOAL_COLUMNS)} FROM goal WHERE {s.where()} "
                       "ORDER BY association_id, intervention_id, first_year, goal_id", s.params).df()


def goal_years(con, associations: tuple[str, ...] = ()) -> list[int]:
    g = goals(con, associations)
    return sorted({y for r in g.itertuples() for y in range(int(r.first_year), int(r.last_year) + 1)})


# --- measuring ----------------------------------------------------------------------------------------

def _outcomes(con, f: q.Filters, by: tuple[str, ...], indicator: str, protection: Protection,
              access: Access) -> pd.DataFrame:
    """Per group of `by` (the selection is one year): outcome and n of an indicator, as the query layer
    gives them after protection (NaN: hidden)."""
    keys = list(by)

    def run(name, **kw):
        return q.run(con, name, f, protection, access, by=by, **kw)

    if indicator in ("participants", "new", "ended"):
        df = run("participant_flow")
        col = {"participants": "participants_total"}.get(indicator, indicator)
        return df.assign(outcome=df[col], n=df[col])[keys + ["outcome", "n"]]
    if indicator == "women_share":
        df = run("key_figures")
        return df.assign(outcome=df.women_share_pct, n=df.participants_total)[keys + ["outcome", "n"]]
    if indicator == "positive_step_share":
        df = run("positive_steps")
        return df.assign(outcome=df.share_pct, n=df.ended)[keys + ["outcome", "n"]]
    if indicator == "kept_after_6_months":
        df = run("followup")
        df = df[df.horizon == "6m"]
        return df.assign(outcome=df.retained_share_pct, n=df.kept + df.not_kept)[keys + ["outcome", "n"]]
    if indicator in ("exits_work_or_studies", "exits_work_or_studies_share"):
        ex = run("exit_reasons")
        flow = run("participant_flow")[keys + ["ended"]].rename(columns={"ended": "n"})
        if ex.empty:
            out = flow.assign(count=0.0)
        else:
            part = ex.assign(hit=ex.ended.where(ex.exit_reason.isin(("arbete", "studier")), 0.0))
            count = part.groupby(keys).hit.agg(lambda x: x.sum(skipna=False)).rename("count").reset_index()
            out = flow.merge(count, on=keys, how="left", indicator=True)
            out["count"] = out["count"].where(out._merge == "both", 0.0)  # nobody to work or studies: 0
        if indicator == "exits_work_or_studies":
            return out.assign(outcome=out["count"])[keys + ["outcome", "n"]]
        return out.assign(outcome=100.0 * out["count"] / out.n.where(out.n > 0))[keys + ["outcome", "n"]]
    if indicator == "mean_days":
        df = run("mean_time")
        return df.assign(outcome=df.mean_days, n=df.ended)[keys + ["outcome", "n"]]
    if indicator == "cost_per_participant":
        df = q.run(con, "economy", f, protection, access, by=by if "intervention_id" in by else ("association_id",))
        return df.assign(outcome=df.cost_per_participant_sek, n=df.participants)[keys + ["outcome", "n"]]
    raise ValueError(f"unknown indicator {indicator}")


def judge(outcome: float, comparison: str, target: float, target_high: float | None = None) -> str:
    """The status of an outcome against a target (module docstring); ej mätbart when there is no outcome."""
    if outcome is None or pd.isna(outcome):
        return "ej mätbart"
    eps = 1e-9 * max(1.0, abs(target))
    if comparison == "at_least":
        return ("uppnått" if outcome >= target - eps else
                "delvis uppnått" if outcome >= PARTIAL * target - eps else "ej uppnått")
    if comparison == "at_most":
        return ("uppnått" if outcome <= target + eps else
                "delvis uppnått" if outcome <= target / PARTIAL + eps else "ej uppnått")
    if comparison == "between":
        if target - eps <= outcome <= target_high + eps:
            return "uppnått"
        return "delvis uppnått" if PARTIAL * target - eps <= outcome <= target_high / PARTIAL + eps else "ej uppnått"
    raise ValueError(comparison)


def year_share(year: int, today: dt.date) -> float | None:
    """The share of `year` gone by `today` (counting today); None when the year is not the current one."""
    if today.year != year:
        return None
    first = dt.date(year, 1, 1)
    return ((today - first).days + 1) / ((dt.date(year + 1, 1, 1) - first).days)


def attainment(con, filters: q.Filters, year: int, protection: Protection, *, access: Access = ADMIN,
               today: dt.date | None = None) -> pd.DataFrame:
    """Each goal of the selection's associations (and interventions) whose period covers `year`, measured
    in that year over the selection (municipality, gender and referral-source filters apply as on every
    page): ATTAINMENT_COLUMNS, then EXTRA_COLUMNS (year, target_high, unit, target_so_far, pace "i fas" /
    "efter" during the current year, source_file, section). status: uppnått / delvis uppnått / ej uppnått
    / ej mätbart; outcome NaN when hidden by protection or not measurable."""
    today = today or dt.date.today()
    associations = access.scope(filters.associations)
    g = goals(con, associations, year)
    if filters.interventions:
        g = g[g.intervention_id.isin(filters.interventions) | (g.intervention_id == ALL)]
    if g.empty:
        return pd.DataFrame(columns=ATTAINMENT_COLUMNS + EXTRA_COLUMNS)
    # an association's goal is judged on the association (or the goal's intervention), whatever the page's
    # municipalities, genders or referral sources: Kumla's 73 are not measured against a goal of 150 for all
    f = replace(whole(filters), years=(year, year), associations=tuple(sorted(set(g.association_id))))
    share = year_share(year, today)
    measured: dict[tuple, tuple[float, float]] = {}
    for indicator in sorted(set(g.indicator.dropna())):
        for by in (("association_id", "intervention_id"), ("association_id",)):
            if by == ("association_id",) and not (g[g.indicator == indicator].intervention_id == ALL).any():
                continue
            for r in _outcomes(con, f, by, indicator, protection, access).itertuples(index=False):
                key = (r.association_id, getattr(r, "intervention_id", ALL), indicator)
                measured[key] = (r.outcome, r.n)
    rows = []
    for r in g.itertuples(index=False):
        comment = r.comment or ""
        target_high = None if pd.isna(r.target_high) else float(r.target_high)
        base = {"association_id": r.association_id, "intervention": r.intervention_id, "goal_id": r.goal_id,
                "text": r.text_sv, "year": year, "source_file": r.source_file, "section": r.section,
                "target_high": target_high, "target_so_far": math.nan, "pace": ""}
        if r.indicator is None or pd.isna(r.indicator):
            status = r.set_status if isinstance(r.set_status, str) and r.set_status else "ej mätbart"
            rows.append({**base, "indicator": "", "comparison": "", "target": math.nan, "outcome": math.nan,
                         "n": math.nan, "status": status, "comment": comment, "unit": ""})
            continue
        if year > today.year:
            outcome, n = math.nan, math.nan
        else:
            outcome, n = measured.get((r.association_id, r.intervention_id, r.indicator), (0.0, 0.0))
        outcome = float(outcome) if outcome is not None and not pd.isna(outcome) else math.nan
        n = float(n) if n is not None and not pd.isna(n) else math.nan
        if n == 0 and not INDICATORS[r.indicator].is_count:
            outcome = math.nan  # a share or mean of nobody
        status = judge(outcome, r.comparison, float(r.target), target_high)
        if math.isnan(outcome) and protection.enabled and not n == 0 and year <= today.year:
            comment = (comment + " " if comment else "") + "Utfallet visas inte: för få bakom siffran."
        so_far = math.nan
        pace = ""
        if share is not None and not math.isnan(outcome):
            scale = share if INDICATORS[r.indicator].is_count else 1.0
            so_far = float(r.target) * scale
            high = None if target_high is None else target_high * scale
            on_track = judge(outcome, r.comparison, so_far, high) == "uppnått"
            if r.comparison == "at_most" and INDICATORS[r.indicator].is_count:
                on_track = outcome <= float(r.target) * share + 1e-9
            pace = "i fas" if on_track else "efter"
        rows.append({**base, "indicator": r.indicator, "comparison": r.comparison, "target": float(r.target),
                     "outcome": outcome, "n": n, "status": status, "comment": comment,
                     "unit": INDICATORS[r.indicator].unit, "target_so_far": so_far, "pace": pace})
    return pd.DataFrame(rows, columns=ATTAINMENT_COLUMNS + EXTRA_COLUMNS)


def whole(filters: q.Filters) -> q.Filters:
    """The selection as goals are judged on it: whole associations (or interventions), without the
    municipalities, genders and referral sources a page may narrow to."""
    return replace(filters, interventions=(), municipalities=(), genders=(), referral_sources=())


def narrowed(filters: q.Filters) -> bool:
    """Whether the selection is a part of its associations that goals are not judged on."""
    return bool(filters.municipalities or filters.genders or filters.referral_sources)


def measures_selection(association: str, intervention: str, filters: q.Filters, associations: tuple[str, ...]) -> bool:
    """Whether a goal measures the figures a page shows for the selection: one association selected (or the
    only one the role sees), no municipalities, genders or referral sources chosen, and the goal over all its
    interventions with none chosen, or over the one intervention chosen."""
    chosen = filters.associations or associations
    if tuple(chosen) != (association,) or narrowed(filters):
        return False
    return (intervention == ALL and not filters.interventions) or tuple(filters.interventions) == (intervention,)


def goal_lines(con, filters: q.Filters, indicator: str, access: Access = ADMIN) -> pd.DataFrame:
    """year, target, goal_id of the goals measuring `indicator` over the selection (measures_selection), one
    row per year of each goal's period (two for `between`): the lines on a chart of that indicator."""
    g = goals(con, access.scope(filters.associations))
    g = g[g.indicator == indicator]
    scope = access.associations or tuple(sorted(set(g.association_id)))
    rows = [{"year": y, "target": float(t), "goal_id": r.goal_id}
            for r in g.itertuples() if measures_selection(r.association_id, r.intervention_id, filters, scope)
            for y in range(int(r.first_year), int(r.last_year) + 1)
            if filters.years is None or filters.years[0] <= y <= filters.years[1]
            for t in ([r.target] if pd.isna(r.target_high) else [r.target, r.target_high])]
    return pd.DataFrame(rows, columns=["year", "target", "goal_id"])


def marks_for_key_figures(att: pd.DataFrame, filters: q.Filters, associations: tuple[str, ...] = ()) -> dict[str, str]:
    """{key figure column of queries.key_figures: status} for Översikt: the status of the goal measuring that
    figure over the selection (measures_selection); several such goals: the worst status."""
    out = {}
    scope = associations or tuple(sorted(set(att.association_id)))
    for column, indicator in KEY_FIGURE_INDICATOR.items():
        rows = [r for r in att[att.indicator == indicator].itertuples()
                if measures_selection(r.association_id, r.intervention, filters, scope)]
        if rows:
            out[column] = max((r.status for r in rows), key=STATUSES.index)
    return out


def value_text(v, unit: str) -> str:
    """An outcome or target as the reports print it: counts and kronor whole, shares with %."""
    if not unit:
        return ""
    return pct(v) if unit == "percent" else fmt(v, 0 if unit in ("count", "sek") or v != v or float(v).is_integer() else 1)


def target_text(r) -> str:
    """A goal's target in words ("minst 50", "mellan 10 % och 20 %"); empty for a goal without indicator."""
    if not r.indicator:
        return ""
    text = f"{COMPARISONS[r.comparison]} {value_text(r.target, r.unit)}"
    if r.comparison == "between":
        text += f"–{value_text(r.target_high, r.unit)}"
    return text


def status_text(r) -> str:
    """The status word, "(bedömt)" when the coordinator set it, and the pace during the year."""
    status = r.status + (" (bedömt)" if not r.indicator and r.status != "ej mätbart" else "")
    return status + (f", {r.pace}" if r.pace else "")


def status_code(status: str) -> float | None:
    """The verdict as a number for figures and reconcile: 2 uppnått, 1 delvis uppnått, 0 ej uppnått."""
    return {"uppnått": 2.0, "delvis uppnått": 1.0, "ej uppnått": 0.0}.get(status)
