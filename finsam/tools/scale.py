"""`python -m finsam generate`: a synthetic national database, for scale tests and the benchmark.

Everything here is synthetic and the database says so (build_info kind = 'synthetic'; no association is
marked demo, since none shows the reports' records). The 290 real municipalities get drawn populations (no
population data is in the repository: a seeded lognormal, county seats and the three metropolitan cities
large) and are grouped by county into 75 associations (the metropolitan cities alone). Each association has
a coordination team and a few projects over 2006-2025; participations are spread over them by population,
a per-municipality rate and a growing national volume, with distributions shaped like the reports'
(data/published_figures.csv: Sydnärke 2016-2025, Norra Västmanland 2022, Västerås 2020) and the background
priors of finsam.build.demo.

Rows are made in chunks of numpy arrays and appended through Arrow, in the order yearly imports would
append them (start year, association, intervention), so memory stays bounded whatever the size. Budgets
and survey results (money_and_voices) are small tables drawn per intervention and year from a generator of
their own, so the records are the same with or without them; the published figures of data/ are loaded as
in every database finsam makes (they stand beside synthetic records here, and do not match them).
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from finsam.data import db
from finsam.build.demo import (AGE_BAND_PRIOR, EDUCATION_PRIOR, INCOME_AFTER_PRIOR, INCOME_BEFORE_PRIOR,
                         SUPPORT_TIME_PRIOR, apportion)
from finsam.data import aggregates

FIRST_YEAR, LAST_YEAR = 2006, 2025
AS_OF = dt.date(LAST_YEAR, 12, 31)  # a participation whose drawn end falls after this is ongoing
ASSOCIATIONS = 75
METROPOLITAN = ("0180", "1480", "1280")  # Stockholm, Göteborg, Malmö: an association each
CHUNK_ROWS = 500_000
EPOCH = dt.date(1970, 1, 1)

# Shapes read from the reports (data/published_figures.csv); each association draws its own around them.
WOMEN_SHARE = 0.58  # Sydnärke 2024 60 %, 2016 59 %; Västerås 2020 56 %
REFERRAL_SHARES = {"FK": 0.35, "Soc": 0.25, "AF": 0.08, "Egen": 0.09, "Psyk": 0.05, "Vc": 0.04, "Hab": 0.01,
                   "AMI": 0.03, "KAA": 0.03, "LSS": 0.015, "Pers omb": 0.01, "Kommun": 0.01, "Region": 0.005,
                   "Övr": 0.03}  # Sydnärke 2024-2025 (FK 36-50 %, Soc 24-32 %), Norra Västmanland FNS 2022 (AF)
EXIT_SHARES = {"arbete": 0.14, "studier": 0.08, "aktivt_arbetssokande": 0.14, "fortsatt_rehabilitering": 0.24,
               "medicinsk_rehabilitering": 0.17, "avbrott": 0.10, "ovrigt": 0.05,
               "utan_matning": 0.08}  # Västerås 2020, Norra Västmanland 2022
POSITIVE_EXITS = ("arbete", "studier", "aktivt_arbetssokande", "fortsatt_rehabilitering")
POSITIVE_STEP_RATE = {True: 0.92, False: 0.12}  # by positive exit: overall about 65 % (Sydnärke 66-71 %)
ASSIGNMENT_SHARES = {"kartlaggning": 0.40, "arbetstraning": 0.45, "studiecoachning": 0.08, "ovrigt": 0.07}
MEDIAN_DAYS, DAYS_SIGMA = 200, 0.75  # mean about 265 days (Sydnärke 196-276)
TRIAL_DAYS = (7, 60)  # ended inside the trial period (utan_matning)
FOLLOWUP = {"6m": (183, 0.71, 0.88), "18m": (548, 0.60, 0.80)}  # days after exit, response rate, kept share
AGE_RANGE = (16, 66)
# Money and voices, shaped like the reports (data/published_figures.csv)
COST_PER_PARTICIPANT_SEK = 22_000  # median granted per participant: Sydnärke 2016 Tabell 3 11-42 000, Norra
                                   # Västmanland 2022 per team 25-49 000
TAKING_PART_PER_NEW = 1.4  # participants in a year per new one (an average stay of about 265 days)
USED_SHARE = (0.96, 0.05)  # used of granted: Norra Västmanland 2022 91-99.6 %, Sydnärke 2016 mostly 93-107 % ...
LOW_USE = (0.05, (0.1, 0.8))  # ... and now and then far less (Fördjupad utredning 13 %): how often, how much
STRUCTURAL_GRANTED_SEK = (20_000, 155_000)  # Sydnärke 2016 Tabell 4
SURVEY_INTERVENTION = "Samordningsteam"  # where the surveys are asked, as Sydnärke's Samordningsteamet
NNS_SHARE, NNS_FIRST_YEARS = 0.55, (2018, 2024)  # associations with the NNS exit survey, from a year in this range
NNS_RESPONSE = (0.25, 0.6)  # respondents per ended participant (Sydnärke 2025: 32)
NNS_POSITIVE_PCT = {"1": 90, "2": 96, "3": 92, "4": 80, "5": 62, "6": 47, "7": 96, "8": 94}  # Sydnärke 2024-2025,
                                                                                             # Västerås 2020 at exit
VIOLENCE_SHARE, VIOLENCE_FIRST_YEARS = 0.4, (2021, 2025)  # Sydnärke asks new participants since 2022
VIOLENCE_RESPONSE = (0.2, 0.5)  # respondents per new participant (Sydnärke 2025: 48)
VIOLENCE_EXPOSED = {"kvinna": 0.68, "man": 0.58}  # Sydnärke 2022-2025 53-83 % (2025: women 56, men 62), NV 75 %
PROJECTS = ["Arbetsträning", "Unga vuxna", "IPS", "Kartläggning", "Motivationsgrupp", "Hälsoteam",
            "Språk och arbete", "Aktivitetshus", "Försteget", "Framsteget", "På väg", "Steg till arbete"]


@dataclass
class Country:
    """The drawn reference world: municipalities with populations, associations and interventions."""
    municipalities: pd.DataFrame  # municipality_code, population, rate, association (index)
    associations: pd.DataFrame  # association_id, women_share, follows_18m, anonymous_rate
    interventions: pd.DataFrame  # association (index), intervention_id, kind, first_year, last_year, weight
    referral_p: np.ndarray  # association x REFERRAL_SHARES
    exit_p: np.ndarray  # association x EXIT_SHARES


def draw_country(municipalities: pd.DataFrame, rng: np.random.Generator, associations: int = ASSOCIATIONS) -> Country:
    munis = municipalities[["municipality_code", "municipality_name", "county_code"]].sort_values(
        "municipality_code").reset_index(drop=True)
    code = munis.municipality_code
    median = np.where(code.isin(METROPOLITAN), 600_000, np.where(code.str.endswith("80"), 100_000, 14_000))
    sigma = np.where(code.str.endswith("80"), 0.35, 0.8)
    munis["population"] = np.maximum(2_400, median * rng.lognormal(0, sigma)).round().astype(np.int64)
    munis["rate"] = rng.lognormal(0, 0.35, len(munis))  # participations per inhabitant, relative
    munis["association"] = -1
    rest = munis[~code.isin(METROPOLITAN)]
    per_county = rest.groupby("county_code").size()
    extra = apportion(max(0, associations - len(METROPOLITAN) - len(per_county)), (per_county - 1).to_dict())
    groups = [munis.index[code == m].tolist() for m in METROPOLITAN]
    for county, members in rest.groupby("county_code"):
        groups += [list(part) for part in np.array_split(members.index.to_numpy(), 1 + extra.get(county, 0))]
    names = [munis.municipality_name[max(g, key=lambda i: munis.population[i])] for g in groups]
    order = np.argsort(names)
    for a, g in enumerate(groups[i] for i in order):
        munis.loc[g, "association"] = a
    n = len(groups)
    assocs = pd.DataFrame({
        "association_id": [names[i] for i in order],
        "members": [len(groups[i]) for i in order],
        "women_share": np.clip(rng.normal(WOMEN_SHARE, 0.04, n), 0.4, 0.75),
        "follows_18m": rng.random(n) < 0.5,
        "anonymous_rate": np.where(rng.random(n) < 0.4, rng.uniform(0.01, 0.05, n), 0.0),
        "volume": munis.assign(v=munis.population * munis.rate).groupby("association").v.sum().to_numpy()
                  * rng.lognormal(0, 0.3, n),
    })
    rows = []
    for a in range(n):
        start = FIRST_YEAR if rng.random() < 0.6 else int(rng.integers(FIRST_YEAR + 1, FIRST_YEAR + 5))
        rows.append((a, "Samordningsteam", "individual", start, LAST_YEAR, 1.0))
        for name in rng.choice(PROJECTS, min(5, 1 + rng.poisson(1.5)), replace=False):
            first = int(rng.integers(FIRST_YEAR, LAST_YEAR))
            rows.append((a, str(name), "individual", first, min(LAST_YEAR, first + int(rng.integers(1, 7))),
                         float(rng.uniform(0.15, 0.6))))
        if rng.random() < 0.5:
            first = int(rng.integers(FIRST_YEAR, LAST_YEAR))
            rows.append((a, "Kompetensutveckling för handläggare", "structural", first, first, 0.0))
    interventions = pd.DataFrame(rows, columns=["association", "intervention_id", "kind", "first_year", "last_year",
                                                "weight"])
    referral_p = rng.dirichlet(np.array(list(REFERRAL_SHARES.values())) * 60, n)
    exit_p = rng.dirichlet(np.array(list(EXIT_SHARES.values())) * 80, n)
    return Country(munis, assocs, interventions, referral_p, exit_p)


def allocate(country: Country, participations: int, rng: np.random.Generator) -> pd.DataFrame:
    """Participations per (start year, association, intervention): a multinomial over the cells of
    individual interventions in their years, by association volume, intervention weight and a national
    volume growing 4 % of 2006's a year."""
    iv = country.interventions[country.interventions.kind == "individual"]
    cells = [(y, r.association, i, country.associations.volume[r.association] * r.weight * (1 + 0.04 * (y - FIRST_YEAR)))
             for i, r in iv.iterrows() for y in range(r.first_year, r.last_year + 1)]
    df = pd.DataFrame(cells, columns=["year", "association", "intervention", "p"]).sort_values(
        ["year", "association", "intervention"], ignore_index=True)
    df["n"] = rng.multinomial(participations, df.p / df.p.sum())
    return df.drop(columns="p")


def _person_pools(cells: pd.DataFrame, n_assoc: int) -> tuple[np.ndarray, np.ndarray]:
    """Per association and start year, the range of person numbers its participations draw from: six per
    participation (so about 8 % of a year's participations share a person), overlapping a fifth of the year
    before's range (people who come back)."""
    years = LAST_YEAR - FIRST_YEAR + 1
    n = np.zeros((n_assoc, years), dtype=np.int64)
    np.add.at(n, (cells.association.to_numpy(), cells.year.to_numpy() - FIRST_YEAR), cells["n"].to_numpy())
    size = np.maximum(1, 6 * n)
    base = np.zeros_like(size)
    base[:, 1:] = np.cumsum((0.8 * size[:, :-1]).astype(np.int64), axis=1)
    return base, size


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


def _pick(p: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A category index per row, row i drawn from distribution p[rows[i]]."""
    cum = np.cumsum(p, axis=1)
    return np.minimum((rng.random(len(rows))[:, None] > cum[rows]).sum(axis=1), p.shape[1] - 1).astype(np.int8)


def _prior(prior: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    w = np.array(list(prior.values()), dtype=float)
    return rng.choice(len(w), n, p=w / w.sum()).astype(np.int8)


def _codes(indices: np.ndarray, labels: list[str], valid: np.ndarray | None = None) -> pa.DictionaryArray:
    mask = None if valid is None else ~valid
    return pa.DictionaryArray.from_arrays(pa.array(indices, mask=mask), pa.array(labels, pa.string()))


def make_chunk(country: Country, cells: pd.DataFrame, pools: tuple[np.ndarray, np.ndarray], first_id: int,
               rng: np.random.Generator) -> pa.Table:
    """The participations of consecutive cells (whole start years of whole associations) as an Arrow table."""
    counts = cells["n"].to_numpy()
    a = np.repeat(cells.association.to_numpy(), counts)
    iv = np.repeat(cells.intervention.to_numpy(), counts)
    year = np.repeat(cells.year.to_numpy(), counts)
    n = len(a)
    interventions, assocs = country.interventions, country.associations

    jan1 = np.array([_days(dt.date(y, 1, 1)) for y in range(FIRST_YEAR, LAST_YEAR + 2)])
    yi = year - FIRST_YEAR
    start = jan1[yi] + (rng.random(n) * (jan1[yi + 1] - jan1[yi])).astype(np.int64)

    munis = country.municipalities.sort_values(["association", "municipality_code"])
    weight = np.cumsum((munis.population * munis.rate).to_numpy())
    bounds = np.searchsorted(munis.association.to_numpy(), np.arange(len(assocs) + 1))
    lo = np.concatenate([[0.0], weight])[bounds[:-1]]
    hi = weight[bounds[1:] - 1]
    muni = np.minimum(np.searchsorted(weight, lo[a] + rng.random(n) * (hi[a] - lo[a]), side="right"), bounds[a + 1] - 1)

    gender = (rng.random(n) >= assocs.women_share.to_numpy()[a]).astype(np.int8)  # 0 kvinna, 1 man
    referral = _pick(country.referral_p, a, rng)
    assignment = _prior(ASSIGNMENT_SHARES, n, rng)
    has_assignment = rng.random(n) >= 0.05
    exit_codes = list(EXIT_SHARES)
    exit_reason = _pick(country.exit_p, a, rng)
    trial = exit_reason == exit_codes.index("utan_matning")
    days = np.where(trial, rng.integers(*TRIAL_DAYS, n, endpoint=True),
                    np.clip(rng.lognormal(np.log(MEDIAN_DAYS), DAYS_SIGMA, n), 14, 1800).astype(np.int64))
    # a closed intervention's participations end with it; an open one's run on past AS_OF (ongoing)
    last_day = np.array([_days(dt.date(int(y), 12, 31)) if y < LAST_YEAR else np.iinfo(np.int64).max
                         for y in interventions.last_year])[iv]
    end = np.minimum(start + days, last_day)
    ended = end <= _days(AS_OF)

    positive_exit = np.isin(exit_reason, [exit_codes.index(c) for c in POSITIVE_EXITS])
    positive = rng.random(n) < np.where(positive_exit, POSITIVE_STEP_RATE[True], POSITIVE_STEP_RATE[False])
    step_known = ended & ~trial & (rng.random(n) >= 0.02)
    followups = {}
    for horizon, (after_days, response, kept) in FOLLOWUP.items():
        due = step_known & positive & (end + after_days <= _days(AS_OF))
        if horizon == "18m":
            due &= assocs.follows_18m.to_numpy()[a]
        u = rng.random(n)
        # 0 behallit, 1 ej_behallit, 2 ej_svar, 3 ej_aktuell
        followups[horizon] = np.where(~due, 3, np.where(u >= response, 2, np.where(u < response * kept, 0, 1))).astype(np.int8)

    age_bands = {"15-29": (15, 29), "30-44": (30, 44), "45-59": (45, 59), "60-74": (60, 74)}
    band = np.array([age_bands[b] for b in AGE_BAND_PRIOR])[_prior(AGE_BAND_PRIOR, n, rng)]
    age_lo, age_hi = np.maximum(band[:, 0], AGE_RANGE[0]), np.minimum(band[:, 1], AGE_RANGE[1])
    birth_year = year - (age_lo + (rng.random(n) * (age_hi - age_lo + 1)).astype(np.int64))

    base, size = pools
    person = base[a, yi] + (rng.random(n) * size[a, yi]).astype(np.int64)
    key = (iv.astype(np.int64) << 45) | ((start - jan1[0]) << 30) | person
    order = np.argsort(key, kind="stable")
    repeated = np.zeros(n, dtype=bool)
    repeated[order[1:]] = key[order[1:]] == key[order[:-1]]
    person = np.where(repeated, 10**9 + first_id + np.arange(n), person)  # unique (intervention, person, start)

    names, name_of = np.unique(interventions.intervention_id.to_numpy(), return_inverse=True)
    prefixes = [f"F{i + 1:02d}-" for i in range(len(assocs))]
    return pa.table({
        "participation_id": pa.array(np.arange(first_id, first_id + n, dtype=np.int64)),
        "association_id": _codes(a.astype(np.int16), list(assocs.association_id)),
        "intervention_id": _codes(name_of[iv].astype(np.int16), list(names)),
        "person_prefix": _codes(a.astype(np.int16), prefixes),
        "person_number": pa.array(person),
        "municipality_code": _codes(muni.astype(np.int16), list(munis.municipality_code)),
        "gender": _codes(gender, ["kvinna", "man"]),
        "birth_year": pa.array(birth_year.astype(np.int16)),
        "referral_source": _codes(referral, list(REFERRAL_SHARES)),
        "assignment": _codes(assignment, list(ASSIGNMENT_SHARES), has_assignment),
        "start_date": pa.array(start.astype("datetime64[D]"), pa.date32()),
        "end_date": pa.array(end.astype("datetime64[D]"), pa.date32(), mask=~ended),
        "exit_reason": _codes(exit_reason, exit_codes, ended),
        "has_positive_step": pa.array(positive, mask=~step_known),
        "followup_6m": _codes(followups["6m"], ["behallit", "ej_behallit", "ej_svar", "ej_aktuell"]),
        "followup_18m": _codes(followups["18m"], ["behallit", "ej_behallit", "ej_svar", "ej_aktuell"]),
        "education": _codes(_prior(EDUCATION_PRIOR, n, rng), list(EDUCATION_PRIOR)),
        "public_support_time": _codes(_prior(SUPPORT_TIME_PRIOR, n, rng), list(SUPPORT_TIME_PRIOR)),
        "income_before": _codes(_prior(INCOME_BEFORE_PRIOR, n, rng), list(INCOME_BEFORE_PRIOR)),
        "income_after": _codes(_prior(INCOME_AFTER_PRIOR, n, rng), list(INCOME_AFTER_PRIOR), ended),
    })


def chunks(cells: pd.DataFrame, rows: int = CHUNK_ROWS):
    """Consecutive runs of cells of about `rows` participations, cut only between (year, association)
    groups, so each group's person numbers are made unique in one chunk."""
    group_rows = cells.groupby(["year", "association"], sort=False)["n"].sum()
    chunk_of_group = (group_rows.cumsum().to_numpy() - 1) // rows
    chunk = np.repeat(chunk_of_group, cells.groupby(["year", "association"], sort=False).size().to_numpy())
    for _, part in cells.groupby(chunk, sort=True):
        if part["n"].sum():
            yield part


def anonymous_counts(country: Country, cells: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Participants registered without personal data, where the association has any: a Poisson count per
    intervention, year and gender around its rate times the year's new participations."""
    assocs, interventions = country.associations, country.interventions
    rows = []
    for c in cells[cells["n"] > 0].itertuples(index=False):
        rate = assocs.anonymous_rate[c.association]
        for gender, share in (("kvinna", assocs.women_share[c.association]), ("man", 1 - assocs.women_share[c.association])):
            k = rng.poisson(rate * share * c.n) if rate else 0
            if k:
                rows.append((assocs.association_id[c.association], interventions.intervention_id[c.intervention],
                             c.year, gender, k))
    return pd.DataFrame(rows, columns=["association_id", "intervention_id", "year", "gender", "participant_count"])


def money_and_voices(country: Country, cells: pd.DataFrame, questions: pd.DataFrame,
                     rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The budget, survey_result and survey_question rows: granted and used funds per intervention and year
    (individual ones by their participants, structural ones in their year, as Sydnärke 2016 Tabell 3/4 and
    Norra Västmanland 2022 per team); the NNS survey at exit in the coordination team (its eight questions,
    respondents among those who ended) and the violence survey of new participants, everyone and women and
    men apart (as Sydnärke 2024/2025), for some associations from a drawn year; questions worded as
    Sydnärke's (questions: data/survey_questions.csv)."""
    assocs, iv = country.associations, country.interventions
    n_assoc = len(assocs)
    names = assocs.association_id.to_numpy()
    cells = cells[cells["n"] > 0]
    a = cells.association.to_numpy()
    cost = rng.lognormal(np.log(COST_PER_PARTICIPANT_SEK), 0.3, n_assoc)[a] * rng.lognormal(0, 0.15, len(cells))
    structural = iv[iv.kind == "structural"]
    granted = np.concatenate([np.round(cells["n"].to_numpy() * TAKING_PART_PER_NEW * cost, -3),
                              np.round(rng.uniform(*STRUCTURAL_GRANTED_SEK, len(structural)), -3)])
    low = rng.random(len(granted)) < LOW_USE[0]
    used_share = np.where(low, rng.uniform(*LOW_USE[1], len(granted)), np.clip(rng.normal(*USED_SHARE, len(granted)), 0.6, 1.1))
    budget = pd.DataFrame({
        "association_id": names[np.concatenate([a, structural.association.to_numpy()])],
        "intervention_id": np.concatenate([iv.intervention_id.to_numpy()[cells.intervention.to_numpy()],
                                           structural.intervention_id.to_numpy()]),
        "year": np.concatenate([cells.year.to_numpy(), structural.first_year.to_numpy()]),
        "granted_sek": granted.astype(np.int64), "used_sek": np.round(granted * used_share, -3).astype(np.int64)})

    def first_years(share: float, span: tuple[int, int]) -> np.ndarray:
        return np.where(rng.random(n_assoc) < share, rng.integers(span[0], span[1], n_assoc, endpoint=True), 10_000)

    nns_from, nns_response = first_years(NNS_SHARE, NNS_FIRST_YEARS), rng.uniform(*NNS_RESPONSE, n_assoc)
    violence_from, violence_response = first_years(VIOLENCE_SHARE, VIOLENCE_FIRST_YEARS), rng.uniform(*VIOLENCE_RESPONSE, n_assoc)
    level = rng.normal(0, 0.04, n_assoc)  # an association's answers above or below the reports' shape
    team = cells[iv.intervention_id.to_numpy()[cells.intervention.to_numpy()] == SURVEY_INTERVENTION]
    rows = []
    for c in team.itertuples(index=False):
        name = names[c.association]
        answered = rng.binomial(c.n, nns_response[c.association]) if c.year >= nns_from[c.association] else 0
        for question, pct in NNS_POSITIVE_PCT.items():
            if answered:
                p = np.clip(pct / 100 + level[c.association], 0.02, 0.99)
                rows.append((name, c.year, "nns", "exit", question, "all", answered,
                             round(100 * rng.binomial(answered, p) / answered)))
        if c.year < violence_from[c.association]:
            continue
        women_share = assocs.women_share[c.association]
        groups = {g: rng.binomial(c.n, violence_response[c.association] * share)
                  for g, share in (("kvinna", women_share), ("man", 1 - women_share))}
        exposed = {g: rng.binomial(n, np.clip(VIOLENCE_EXPOSED[g] + level[c.association], 0.02, 0.99))
                   for g, n in groups.items()}
        for g, n in [("all", sum(groups.values()))] + list(groups.items()):
            if n:
                k = sum(exposed.values()) if g == "all" else exposed[g]
                rows.append((name, c.year, "violence", "start", "exposed", g, n, round(100 * k / n)))
    surveys = pd.DataFrame(rows, columns=["association_id", "year", "survey", "timepoint", "question", "answer_group",
                                          "respondents", "positive_share_pct"])
    surveys.insert(1, "intervention_id", SURVEY_INTERVENTION)
    surveys["positive_share_pct"] = surveys.positive_share_pct.astype(float)
    template = questions[questions.association_id == "Sydnärke"].drop(columns="association_id")
    asked = surveys[["association_id", "survey"]].drop_duplicates()
    return {"budget": budget, "survey_result": surveys,
            "survey_question": asked.merge(template, on="survey")[["association_id", "survey", "timepoint", "question",
                                                                    "text_sv"]]}


def _load_reference(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    """The municipalities and code lists of data/, loaded by finsam.data.db (the demo's associations left out)."""
    ref = duckdb.connect()
    try:
        db.create_schema(ref)
        db.load_reference(ref, data_dir)
        for table in ["municipality", *db.CODE_LISTS]:
            db.insert_frame(con, table, ref.table(table).df())
    finally:
        ref.close()


def _insert_country(con: duckdb.DuckDBPyConnection, country: Country, seed: int) -> None:
    assocs, munis = country.associations, country.municipalities
    db.insert_frame(con, "association", pd.DataFrame({
        "association_id": assocs.association_id, "name_sv": assocs.association_id, "name_en": assocs.association_id,
        "full_name_sv": "Samordningsförbundet " + assocs.association_id
                        + np.where(assocs.members > 1, " m.fl.", "") + " (syntetiskt)"}))
    members = munis.assign(association_id=assocs.association_id.to_numpy()[munis.association])
    db.insert_frame(con, "association_municipality", members[["association_id", "municipality_code"]])
    total = members.groupby("association").population.transform("sum")
    db.insert_frame(con, "population_share", members.assign(
        year=FIRST_YEAR, population_share_pct=np.maximum(0.01, (100 * members.population / total).round(2)),
        source=f"synthetic: drawn population (finsam generate, seed {seed})")[
        ["association_id", "municipality_code", "year", "population_share_pct", "source"]])
    iv = country.interventions
    db.insert_frame(con, "intervention", pd.DataFrame({
        "association_id": assocs.association_id.to_numpy()[iv.association], "intervention_id": iv.intervention_id,
        "name_sv": iv.intervention_id, "kind": iv.kind, "first_year": iv.first_year, "last_year": iv.last_year,
        "description_sv": "Syntetisk insats (finsam generate)"}))


PARTICIPATION_SQL = """INSERT INTO participation (participation_id, association_id, intervention_id, person_id,
    municipality_code, gender, birth_year, referral_source, assignment, start_date, end_date, exit_reason,
    has_positive_step, followup_6m, followup_18m, education, public_support_time, income_before, income_after,
    is_demo)
SELECT participation_id, association_id::VARCHAR, intervention_id::VARCHAR,
    person_prefix::VARCHAR || person_number::VARCHAR, municipality_code::VARCHAR, gender::VARCHAR, birth_year,
    referral_source::VARCHAR, assignment::VARCHAR, start_date, end_date, exit_reason::VARCHAR, has_positive_step,
    followup_6m::VARCHAR, followup_18m::VARCHAR, education::VARCHAR, public_support_time::VARCHAR,
    income_before::VARCHAR, income_after::VARCHAR, false
FROM _chunk"""


def generate(out: Path, participations: int, seed: int, data_dir: Path,
             associations: int = ASSOCIATIONS) -> dict[str, int]:
    """Write a synthetic national database at out (atomically: a temporary file renamed into place). Fewer
    associations (at least one per county, the metropolitan cities apart) make quicker test databases."""
    rng = np.random.default_rng(seed)
    municipalities = pd.read_csv(data_dir / "municipalities.csv", dtype=str, keep_default_na=False)
    country = draw_country(municipalities, rng, associations)
    cells = allocate(country, participations, rng)
    pools = _person_pools(cells, len(country.associations))
    tmp = out.with_name(out.name + ".building")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    con = db.connect(tmp)
    try:
        db.create_schema(con)
        _load_reference(con, data_dir)
        _insert_country(con, country, seed)
        next_id = 1
        for part in chunks(cells):
            table = make_chunk(country, part, pools, next_id, rng)
            con.register("_chunk", table)
            try:
                con.execute(PARTICIPATION_SQL)
            finally:
                con.unregister("_chunk")
            next_id += table.num_rows
        anonymous = anonymous_counts(country, cells, rng)
        if len(anonymous):
            db.insert_frame(con, "anonymous_participants", anonymous)
        questions = pd.read_csv(data_dir / "survey_questions.csv", dtype=str, keep_default_na=False)
        money = money_and_voices(country, cells, questions, np.random.default_rng([seed, 1]))
        for table, rows in money.items():
            if len(rows):
                db.insert_frame(con, table, rows)
        db.load_published(con, data_dir)
        aggregates.refresh_aggregates(con)
        con.execute("INSERT INTO build_info VALUES ('kind', 'synthetic'), ('seed', ?), ('participations', ?), "
                    "('built_at', ?)", [str(seed), str(participations), dt.datetime.now().isoformat(timespec="seconds")])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, out)
    Path(str(out) + ".wal").unlink(missing_ok=True)
    return {"participations": next_id - 1, "associations": len(country.associations),
            "interventions": len(country.interventions), "anonymous_rows": len(anonymous),
            "budget_rows": len(money["budget"]), "survey_rows": len(money["survey_result"])}
