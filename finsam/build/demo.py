"""Demo participation records reconstructed from the published reports.

Each report's intervention is a *stream*: a window of years with published flows (total, new, ended),
published tables (municipality x referral source, gender, exit reasons...) and what the reports do not
publish, drawn from stated priors. The streams themselves are declared in finsam/build/demo_streams.py from
data/published_figures.csv; this module turns a stream into records:

1. an integer allocation (finsam.build.allocate) of (municipality, referral source) cells to start/end years
   that meets every followed published count exactly;
2. the same for gender, paired with the cells at random within each start/end pair (gender within a
   municipality is synthetic);
3. per year, the ended participations get assignment, positive step, exit reason and follow-up from
   published quotas (synthetic where unpublished);
4. dates are drawn inside their years, then moved so the mean time in intervention hits the published
   mean; background variables come from published tables or the stated priors.
Everything is seeded: the same data and seed give the same records.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Callable

from finsam.build.allocate import Problem, Span, spans_for

POSITIVE_EXITS = {"arbete": 0.15, "studier": 0.10, "aktivt_arbetssokande": 0.25, "fortsatt_rehabilitering": 0.50}
NEGATIVE_EXITS = {"medicinsk_rehabilitering": 0.45, "avbrott": 0.40, "ovrigt": 0.15}
# Priors for variables no report publishes per record (documented in the README as synthetic); the age,
# education and time-in-support priors are the Västerås 2020 tables.
AGE_BAND_PRIOR = {"15-29": 8, "30-44": 21, "45-59": 17, "60-74": 1}
EDUCATION_PRIOR = {"grundskola": 17, "gymnasium": 21, "hogskola_mer_3ar": 1, "hogskola_3ar": 2,
                   "hogskola_1ar": 2, "okand": 4}
SUPPORT_TIME_PRIOR = {"upp_till_1": 8, "upp_till_2": 4, "upp_till_3": 4, "upp_till_4": 4, "upp_till_5": 4,
                      "upp_till_6": 3, "upp_till_8": 2, "upp_till_9": 1, "9_eller_mer": 17}
INCOME_BEFORE_PRIOR = {"forsorjningsstod": 33, "sjukpenning_rehabpenning": 7, "aktivitetsstod": 6, "a_kassa": 3,
                       "sjukersattning": 2, "aktivitetsersattning": 1, "ingen_offentlig_forsorjning": 1}
INCOME_AFTER_PRIOR = {"forsorjningsstod": 19, "aktivitetsstod": 15, "ingen_offentlig_forsorjning": 5,
                      "sjukpenning_rehabpenning": 4, "studiemedel": 3, "aktivitetsersattning": 2}
FOLLOWUP_PRIOR = (0.70, 0.85)  # response rate, kept share: used only where a stream asks for synthetic follow-up


def apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split total into integer parts proportional to weights (largest remainder, ties by key order)."""
    weights = {k: w for k, w in weights.items() if w > 0}
    if total == 0 or not weights:
        return {k: 0 for k in weights}
    s = sum(weights.values())
    raw = {k: total * w / s for k, w in weights.items()}
    out = {k: int(v) for k, v in raw.items()}
    rest = total - sum(out.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - out[k]), list(raw).index(k)))[:rest]:
        out[k] += 1
    return out


def expand(counts: dict[str, int]) -> list[str]:
    return [k for k, n in counts.items() for _ in range(n)]


@dataclass
class CellTarget:
    """Published counts over one population of one year, by a key of the (municipality, referral) cell."""
    year: int
    population: str  # total | new | ended
    key: Callable[[tuple[str, str]], str | None]
    counts: dict[str, int]
    label: str


@dataclass
class EndedGroup:
    """Participations ending in a year with one assignment: how many, how many with a positive step, and
    (when published) their exit reasons; with gender when the report splits exit reasons by gender."""
    count: int
    positive: int | None = None
    assignment: str | None = None
    exit_reasons: dict[str, int] | None = None
    exit_reasons_by_gender: dict[tuple[str, str], int] | None = None


@dataclass
class EndedYear:
    groups: list[EndedGroup]
    mean_days: float | None = None  # target mean of days in intervention over the year's ended
    followup_6m: tuple[int, int] | None = None  # (respondents, kept) among those with a positive step
    followup_18m: tuple[int, int] | None = None
    synthetic_followup: bool = False


@dataclass
class Background:
    """Published background tables: population 'new' or 'ended' of a year, counts per code."""
    year: int
    population: str
    field: str  # age_band | education | public_support_time | income_before | income_after
    counts: dict[str, int]


@dataclass
class Stream:
    association: str
    intervention: str
    first: int
    last: int
    municipalities: list[str]
    referral_codes: list[str]
    flows: dict[int, tuple[int | None, int | None, int | None]]  # year -> (total, new, ended)
    prior_cells: dict[tuple[str, str], float]
    women_share: float = 0.6
    cell_targets: list[CellTarget] = field(default_factory=list)
    gender_targets: list[tuple[int, str, dict[str, int]]] = field(default_factory=list)
    ended: dict[int, EndedYear] = field(default_factory=dict)
    background: list[Background] = field(default_factory=list)
    anonymous: list[tuple[int, str, int]] = field(default_factory=list)
    carry_in: bool = True
    closes: bool = False  # ongoing after the window get an end date early in the next year
    age_range: tuple[int, int] = (16, 64)
    opens: dt.date | None = None  # no participation starts before this day (a project that began mid-year)
    linked_person_cells: dict[tuple[str, str], int] = field(default_factory=dict)  # cells whose people also
    #                                                   took part in the association's other intervention


def _population(span: Span, population: str, year: int) -> bool:
    if population == "total":
        return span.overlaps(year)
    if population == "new":
        return span.start == year
    if population == "ended":
        return span.end == year
    raise ValueError(population)


def _days_bounds(stream: Stream, year: int, n: int) -> tuple[int, int] | None:
    target = stream.ended.get(year)
    if target is None or target.mean_days is None or n == 0:
        return None
    total = round(target.mean_days * n)
    return total, total


def allocate_cells(stream: Stream) -> tuple[dict[tuple[tuple[str, str, str], Span], int], list[str]]:
    """Counts of participations per (municipality, referral, gender) cell and start/end span."""
    cells = [(m, r, g) for m in stream.municipalities for r in stream.referral_codes for g in ("kvinna", "man")]
    spans = spans_for(stream.first, stream.last, carry_in=stream.carry_in)
    p = Problem(cells, spans)
    everything = lambda c: True  # noqa: E731
    for y, (total, new, ended) in stream.flows.items():
        for pop, n in (("total", total), ("new", new), ("ended", ended)):
            if n is not None:
                p.add(everything, lambda s, y=y, pop=pop: _population(s, pop, y), n, label=f"{y} {pop}")
        if ended:
            bounds = _days_bounds(stream, y, ended)
            if bounds:
                p.add(everything, lambda s, y=y: s.end == y, 0, upper=bounds[1], coef=lambda s: s.min_days(),
                      label=f"{y} days min")
                p.add(everything, lambda s, y=y: s.end == y, bounds[0], upper=float("inf"),
                      coef=lambda s: s.max_days(), label=f"{y} days max")
    targeted_years = set()
    for t in stream.cell_targets:
        targeted_years.add(t.year)
        for cat, n in t.counts.items():
            p.add(lambda c, t=t, cat=cat: t.key(c) == cat, lambda s, t=t: _population(s, t.population, t.year), n,
                  label=f"{t.label} {cat}")
        # cells whose key is not among the published categories hold nobody that year
        p.add(lambda c, t=t: t.key(c) is not None and t.key(c) not in t.counts,
              lambda s, t=t: _population(s, t.population, t.year), 0, label=f"{t.label} other")
    for year, population, counts in stream.gender_targets:
        for g, n in counts.items():
            p.add(lambda c, g=g: c[2] == g, lambda s, y=year, pop=population: _population(s, pop, y), n,
                  label=f"gender {year} {population} {g}")
    # soft targets: the prior over (municipality, referral) times the prior share of women, per year,
    # so that what no report publishes (e.g. gender within a municipality) comes out roughly independent
    prior_total = sum(stream.prior_cells.values())
    for y, (total, _new, _ended) in stream.flows.items():
        if total is None:
            continue
        for c in cells:
            share = stream.prior_cells.get(c[:2], 0.0) / prior_total
            share *= stream.women_share if c[2] == "kvinna" else 1 - stream.women_share
            p.add(lambda cc, c=c: cc == c, lambda s, y=y: s.overlaps(y), share * total, hard=False,
                  weight=0.1 if y in targeted_years else 1.0, label=f"prior {y} {c}")
    return p.solve()


def _random_date(rng: random.Random, year: int, lo: dt.date | None = None) -> dt.date:
    first = dt.date(year, 1, 1)
    last = dt.date(year, 12, 31)
    if lo and lo > first:
        first = lo
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _fit_mean_days(rows: list[dict], target_sum: int, rng: random.Random, not_before: dt.date | None = None) -> None:
    """Move end dates (then start dates, never before not_before) inside their years until the days add up
    to target_sum."""
    def days(r):
        return (r["end_date"] - r["start_date"]).days

    diff = target_sum - sum(days(r) for r in rows)
    order = rows[:]
    rng.shuffle(order)
    for field_name in ("end_date", "start_date"):
        for r in order:
            if diff == 0:
                return
            if field_name == "end_date":
                y = r["end_date"].year
                lo, hi = max(r["start_date"], dt.date(y, 1, 1)), dt.date(y, 12, 31)
                new = min(hi, max(lo, r["end_date"] + dt.timedelta(days=diff)))
                diff -= (new - r["end_date"]).days
                r["end_date"] = new
            else:
                y = r["start_date"].year
                lo, hi = max(dt.date(y, 1, 1), not_before or dt.date.min), min(r["end_date"], dt.date(y, 12, 31))
                new = min(hi, max(lo, r["start_date"] - dt.timedelta(days=diff)))
                diff -= (r["start_date"] - new).days
                r["start_date"] = new
    if diff:
        raise RuntimeError(f"mean time in intervention out of reach by {diff} days")


@dataclass
class JointMean:
    """A published mean time in intervention over all of an association's participations ending in a year,
    several interventions together; met by moving the dates of one intervention's ended participations."""
    association: str
    year: int
    mean_days: float
    adjust: str  # the intervention whose ended participations take up the difference


def fit_joint_mean(jm: JointMean, records: dict[str, list[dict]], seed: int) -> None:
    """Move the end (then start) dates of jm.adjust's participations ending in jm.year until the mean over
    every intervention's participations ending that year is jm.mean_days; records by intervention."""
    ended = {i: [r for r in rows if r["end_date"] is not None and r["end_date"].year == jm.year]
             for i, rows in records.items()}
    n = sum(len(rows) for rows in ended.values())
    others = sum((r["end_date"] - r["start_date"]).days for i, rows in ended.items() if i != jm.adjust for r in rows)
    _fit_mean_days(ended[jm.adjust], round(jm.mean_days * n) - others,
                   random.Random(f"{seed}:{jm.association}:{jm.year}:joint"))


def _assign_ended(rows: list[dict], spec: EndedYear, rng: random.Random, label: str) -> None:
    """Give the year's ended participations assignment, exit reason, positive step and follow-up."""
    if sum(g.count for g in spec.groups) != len(rows):
        raise RuntimeError(f"{label}: ended groups add up to {sum(g.count for g in spec.groups)}, "
                           f"the allocation ended {len(rows)}")
    pool = rows[:]
    rng.shuffle(pool)
    by_gender_groups = [g for g in spec.groups if g.exit_reasons_by_gender]
    rest = [g for g in spec.groups if not g.exit_reasons_by_gender]
    for g in by_gender_groups:
        for (reason, gender), n in g.exit_reasons_by_gender.items():
            chosen = [r for r in pool if r["gender"] == gender][:n]
            if len(chosen) < n:
                raise RuntimeError(f"{label}: too few {gender} for exit reason {reason}")
            for r in chosen:
                pool.remove(r)
                r["assignment"] = g.assignment
                r["exit_reason"] = reason
    for g in rest:
        group, pool = pool[: g.count], pool[g.count:]
        if g.exit_reasons:
            reasons = expand(g.exit_reasons)
        else:
            positive = g.positive if g.positive is not None else round(0.65 * g.count)
            reasons = expand(apportion(positive, POSITIVE_EXITS)) + expand(apportion(g.count - positive, NEGATIVE_EXITS))
        rng.shuffle(reasons)
        for r, reason in zip(group, reasons):
            r["assignment"] = g.assignment
            r["exit_reason"] = reason
    # positive step: the group's published count, given first to positive exit reasons
    for g in spec.groups:
        members = [r for r in rows if r["assignment"] == g.assignment]
        positive = g.positive if g.positive is not None else sum(r["exit_reason"] in POSITIVE_EXITS for r in members)
        ranked = sorted(members, key=lambda r: (r["exit_reason"] not in POSITIVE_EXITS, r["participation_key"]))
        for i, r in enumerate(ranked):
            r["has_positive_step"] = i < positive
    for attr, target in (("followup_6m", spec.followup_6m), ("followup_18m", spec.followup_18m)):
        positives = sorted((r for r in rows if r["has_positive_step"]), key=lambda r: r["participation_key"])
        rng.shuffle(positives)
        if target is None and spec.synthetic_followup and attr == "followup_6m":
            respondents = round(FOLLOWUP_PRIOR[0] * len(positives))
            target = (respondents, round(FOLLOWUP_PRIOR[1] * respondents))
        for r in rows:
            r[attr] = "ej_aktuell"
        if target is None:
            continue
        respondents, kept = target
        if respondents > len(positives):
            raise RuntimeError(f"{label}: {respondents} follow-up respondents but {len(positives)} positive steps")
        for i, r in enumerate(positives):
            r[attr] = "behallit" if i < kept else "ej_behallit" if i < respondents else "ej_svar"


def _assign_background(rows: list[dict], stream: Stream, rng: random.Random) -> None:
    published = {(b.field, b.year, b.population): b.counts for b in stream.background}
    priors = {"age_band": AGE_BAND_PRIOR, "education": EDUCATION_PRIOR, "public_support_time": SUPPORT_TIME_PRIOR,
              "income_before": INCOME_BEFORE_PRIOR, "income_after": INCOME_AFTER_PRIOR}
    for fld, prior in priors.items():
        groups: dict[tuple[int, str] | None, list[dict]] = {}
        for r in rows:
            if fld == "income_after" and r["end_date"] is None:
                r[fld] = None
                continue
            key = None
            for (f, y, pop) in published:
                if f == fld and ((pop == "new" and r["start_date"].year == y)
                                 or (pop == "ended" and r["end_date"] and r["end_date"].year == y)):
                    key = (y, pop)
            groups.setdefault(key, []).append(r)
        for key, members in sorted(groups.items(), key=lambda kv: str(kv[0])):
            members.sort(key=lambda r: r["participation_key"])
            counts = published[(fld, *key)] if key else apportion(len(members), prior)
            if sum(counts.values()) != len(members):
                raise RuntimeError(f"{stream.intervention}: {fld} table adds up to {sum(counts.values())}, "
                                   f"the records are {len(members)}")
            values = expand(counts)
            rng.shuffle(values)
            for r, v in zip(members, values):
                r[fld] = v
    lo_age, hi_age = stream.age_range
    bands = {"15-29": (15, 29), "30-44": (30, 44), "45-59": (45, 59), "60-74": (60, 74)}
    for r in rows:
        a, b = bands[r.pop("age_band")]
        a, b = max(a, lo_age), min(b, hi_age)
        if a > b:
            a, b = lo_age, hi_age
        r["birth_year"] = r["start_date"].year - rng.randint(a, b)


def build_stream(stream: Stream, seed: int) -> tuple[list[dict], list[str]]:
    """Records for one stream, and the published counts the allocation could not meet (should be none)."""
    rng = random.Random(f"{seed}:{stream.association}:{stream.intervention}")
    cell_counts, unmet = allocate_cells(stream)
    rows: list[dict] = []
    for (cell, s), n in sorted(cell_counts.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        muni, ref, g = cell
        for _ in range(n):
            start = _random_date(rng, s.start, lo=stream.opens)
            end = None
            if s.end is not None:
                end = _random_date(rng, s.end, lo=start)
            elif stream.closes:
                end = _random_date(rng, stream.last + 1, lo=dt.date(stream.last + 1, 1, 1))
                end = min(end, dt.date(stream.last + 1, 6, 30))
            rows.append({"participation_key": len(rows), "municipality": muni, "referral_source": ref, "gender": g,
                         "start_date": start, "end_date": end, "span": s, "assignment": None, "exit_reason": None,
                         "has_positive_step": None, "followup_6m": "ej_aktuell", "followup_18m": "ej_aktuell"})
    for y in range(stream.first, stream.last + 1):
        ended = [r for r in rows if r["span"].end == y]
        spec = stream.ended.get(y)
        if not ended:
            continue
        if spec is None:
            spec = EndedYear([EndedGroup(len(ended))])
        _assign_ended(ended, spec, rng, f"{stream.intervention} {y}")
        if spec.mean_days is not None:
            _fit_mean_days(ended, round(spec.mean_days * len(ended)), rng, stream.opens)
    closing = [r for r in rows if r["span"].end is None and r["end_date"] is not None]
    if closing:
        _assign_ended(closing, EndedYear([EndedGroup(len(closing))]), rng, f"{stream.intervention} after window")
    _assign_background(rows, stream, rng)
    return rows, unmet
