"""Comparisons across associations (issue 27): each association decides whether its key figures are shown
to the other associations' users (table association_sharing); here, in the query layer, a role gets its own
association's key figures plus those of the associations that share, as aggregates under the small-count
protection (always on: they leave their association), and never anything else of another association.

The key figures compared (COMPARED, each with the count it is over): participants, women's share, mean time,
positive steps, exits to work or studies, retention after 6 months and cost per participant. The group a value
is ranked in: the associations that share plus one's own (always in one's own picture, sharing or not); its
median and quartiles are over the values shown (a hidden value is in no statistic). Ranks count from the
highest value (1 = highest), quartiles from the lowest (1 = the lowest quarter, 4 = the highest): the
figures are neither good nor bad by themselves.
"""
from __future__ import annotations

import math
import numpy as np
import pandas as pd

from finsam import privacy
from finsam.access import Access, AccessDenied
from finsam.privacy import Protection
from finsam.query import queries as q
from finsam.query.sql import fetch

# (measure, the count it is over, decimals as shown, kind: count | percent | months | sek)
COMPARED = (("participants_total", "participants_total", 0, "count"),
            ("women_share_pct", "participants_total", 0, "percent"),
            ("mean_months", "ended", 1, "months"),
            ("positive_step_pct", "step_known", 0, "percent"),
            ("work_or_study_pct", "ended", 0, "percent"),
            ("retained_6m_pct", "answered_6m", 0, "percent"),
            ("cost_per_participant_sek", "cost_participants", 0, "sek"))
MEASURES = tuple(m for m, *_ in COMPARED)
N_OF = {m: n for m, n, *_ in COMPARED}
WORK_OR_STUDY = ("arbete", "studier")
PEERS = ("all", "county", "size")
SIZE_FACTOR = 2.0  # similar size: from half to twice one's own number of participants


def has_sharing_table(con) -> bool:
    return bool(fetch(con, "SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = current_database() "
                      "AND table_name = 'association_sharing'", []).n.iloc[0])


def sharing(con) -> pd.DataFrame:
    """Every association with its setting: association_id, name_sv, shares (False where never set),
    changed_at, changed_by."""
    if not has_sharing_table(con):
        df = fetch(con, "SELECT association_id, name_sv FROM association ORDER BY association_id", [])
        return df.assign(shares=False, changed_at=pd.NaT, changed_by="")
    return fetch(con, """SELECT a.association_id, a.name_sv, coalesce(s.shares_key_figures, false) AS shares,
        s.changed_at, coalesce(s.changed_by, '') AS changed_by
        FROM association a LEFT JOIN association_sharing s USING (association_id) ORDER BY a.association_id""", [])


def counties(con) -> dict[str, str]:
    """Each association's county (län): the county of most of its member municipalities."""
    df = fetch(con, """SELECT am.association_id, m.county_code, count(*) AS n FROM association_municipality am
        JOIN municipality m USING (municipality_code) GROUP BY ALL ORDER BY association_id, n DESC, county_code""", [])
    return df.drop_duplicates("association_id").set_index("association_id").county_code.to_dict()


def group(con, access: Access, own: str | None) -> tuple[str, ...]:
    """The associations a role's comparison may show: those that share, and its own association (one the role
    may read; None: none highlighted). A role that reads no records gets nothing."""
    if not access.sees_records:
        raise AccessDenied("Rollen ser bara publicerade siffror.")
    if own is not None:
        access.scope((own,))  # refused unless the role may read it
    shared = sharing(con)
    return tuple(sorted(set(shared.association_id[shared.shares]) | ({own} if own else set())))


def shared_key_figures(con, access: Access, own: str | None, years: tuple[int, int],
                       protection: Protection = Protection()) -> pd.DataFrame:
    """Per association of the group (see group()) and year: is_own, shares, the COMPARED measures and the counts
    they are over, protected (always: the protection's threshold, never off)."""
    ids = group(con, access, own)
    columns = ["association_id", "year", "is_own", "shares", *MEASURES,
               *dict.fromkeys(n for n in N_OF.values() if n not in MEASURES)]
    if not ids:
        return pd.DataFrame(columns=columns)
    f = q.Filters(years=years, associations=ids)
    by = ("association_id",)
    kf = q.key_figures(con, f, by)
    exits = q.exit_reasons(con, f, by)
    work = (exits[exits.exit_reason.isin(WORK_OR_STUDY)].groupby(["association_id", "year"]).ended.sum()
            .rename("work_or_study"))
    money = q.economy(con, f, by)
    money = money[money.kind == "individual"].groupby(["association_id", "year"])[["used_sek", "participants"]].sum()
    df = kf.merge(work, on=["association_id", "year"], how="left").merge(
        money.rename(columns={"participants": "cost_participants"}), on=["association_id", "year"], how="left")
    df["work_or_study"] = df.work_or_study.fillna(0)
    df["cost_participants"] = df.cost_participants.fillna(0)  # no budget: no cost figure (n 0), not a hidden one
    df["work_or_study_pct"] = 100.0 * df.work_or_study / df.ended.where(df.ended > 0)
    used, people = df.used_sek.astype("float64"), df.cost_participants.astype("float64")
    df["cost_per_participant_sek"] = (used / people.where(people > 0)).where(used > 0)
    df = df[df.participants_total > 0].drop(columns=["used_sek"])
    df = privacy.protect("key_figure_comparison", df.reset_index(drop=True),
                         Protection(threshold=protection.threshold))
    shares = set(sharing(con).query("shares").association_id)
    df["is_own"] = df.association_id == own
    df["shares"] = df.association_id.isin(shares)
    return df[columns].sort_values(["association_id", "year"]).reset_index(drop=True)


def peers_of(con, kf: pd.DataFrame, own: str | None, peers: str, year: int) -> pd.DataFrame:
    """The rows of shared_key_figures among one's peers: all, the same county (län) or of similar size (from
    half to twice one's own participants in the year); one's own association always."""
    if peers not in PEERS:
        raise ValueError(peers)
    if peers == "all" or own is None:
        return kf
    if peers == "county":
        county = counties(con)
        return kf[kf.association_id.map(county) == county.get(own)]
    size = kf[kf.year == year].set_index("association_id").participants_total
    mine = size.get(own)
    if mine is None or pd.isna(mine):
        return kf[kf.association_id == own]
    near = set(size[(size >= mine / SIZE_FACTOR) & (size <= mine * SIZE_FACTOR)].index) | {own}
    return kf[kf.association_id.isin(near)]


def _long(kf: pd.DataFrame) -> pd.DataFrame:
    """shared_key_figures in long form: association_id, year, is_own, shares, measure, value, n; without the
    rows where nobody is behind a figure (no one ended, no budget: no figure, not a hidden one)."""
    keys = kf[["association_id", "year", "is_own", "shares"]]
    parts = [keys.assign(measure=m, value=kf[m].astype("float64"), n=kf[n].astype("float64")) for m, n, *_ in COMPARED]
    out = pd.concat(parts, ignore_index=True) if len(kf) else pd.DataFrame(
        columns=["association_id", "year", "is_own", "shares", "measure", "value", "n"])
    return out[~(out.n == 0)].reset_index(drop=True)


def ranked(kf: pd.DataFrame, year: int) -> pd.DataFrame:
    """One year of shared_key_figures in long form: association_id, is_own, shares, measure, value, n, rank
    (1 = highest), of (how many have a value shown), quartile (1: below the lower quartile, 2: up to the median,
    3: up to the upper quartile, 4: above it); a hidden value (NaN) has neither."""
    d = _long(kf[kf.year == year])
    g = d.groupby("measure").value
    q1, med, q3 = (g.transform("quantile", p) for p in (0.25, 0.5, 0.75))
    quartile = np.select([d.value < q1, d.value > q3, d.value <= med], [1, 4, 2], 3)  # as statistics() marks
    d = d.assign(of=g.transform("count").astype(int), rank=g.rank(ascending=False, method="min"),
                 quartile=np.where(d.value.notna(), quartile, np.nan))
    d["measure"] = pd.Categorical(d.measure, MEASURES)
    d = d.sort_values(["measure", "association_id"]).assign(measure=lambda x: x.measure.astype(str))
    return d[["measure", "association_id", "is_own", "shares", "value", "n", "rank", "of", "quartile"]].reset_index(
        drop=True)


def statistics(long: pd.DataFrame) -> pd.DataFrame:
    """Per measure (and year, when long has one): associations (with a value shown), median, q1 and q3 (the
    middle half lies between them), over the values shown."""
    keys = ["measure"] + (["year"] if "year" in long else [])
    g = long.dropna(subset=["value"]).groupby(keys).value
    out = pd.DataFrame({"associations": g.size(), "median": g.median(), "q1": g.quantile(0.25),
                        "q3": g.quantile(0.75)}).reset_index()
    return out


def comparison(con, access: Access, own: str | None, year: int, peers: str = "all",
               protection: Protection = Protection()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The year's comparison for a role: (ranked rows of the peers, statistics per measure)."""
    kf = peers_of(con, shared_key_figures(con, access, own, (year, year), protection), own, peers, year)
    long = ranked(kf, year)
    return long, statistics(long)


def over_time(con, access: Access, own: str | None, years: tuple[int, int], peers: str = "all",
              protection: Protection = Protection()) -> pd.DataFrame:
    """Per measure and year: own (one's own value, NaN when hidden or none), associations, median, q1, q3."""
    kf = peers_of(con, shared_key_figures(con, access, own, years, protection), own, peers, years[1])
    long = _long(kf)
    stats = statistics(long) if len(long) else pd.DataFrame(
        columns=["measure", "year", "associations", "median", "q1", "q3"])
    mine = long[long.is_own.astype(bool)][["measure", "year", "value"]].rename(columns={"value": "own"})
    return stats.merge(mine, on=["measure", "year"], how="left").sort_values(["measure", "year"]).reset_index(drop=True)


def position(long: pd.DataFrame, measure: str) -> dict | None:
    """Where one's own association stands on a measure: value, n, rank, of, quartile, higher_than and
    lower_than (how many others' shown values are below / above it), others (others with a value shown);
    None when it has no value shown or none to compare with."""
    d = long[long.measure == measure]
    me = d[d.is_own.astype(bool)]
    if me.empty or pd.isna(me.value.iloc[0]):
        return None
    value = float(me.value.iloc[0])
    others = d[~d.is_own.astype(bool)].value.dropna()
    if others.empty:
        return None
    r = me.iloc[0]
    return {"value": value, "n": r.n, "rank": int(r["rank"]), "of": int(r.of), "quartile": int(r.quartile),
            "higher_than": int((others < value).sum()), "lower_than": int((others > value).sum()),
            "others": len(others)}


def median_of(stats: pd.DataFrame, measure: str) -> tuple[float, int] | None:
    """(median, associations) of a measure in statistics(); None when none has a value shown."""
    row = stats[stats.measure == measure]
    if row.empty or not row.associations.iloc[0] or math.isnan(row["median"].iloc[0]):
        return None
    return float(row["median"].iloc[0]), int(row.associations.iloc[0])

