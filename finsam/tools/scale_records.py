"""The national generator's records: the participations of consecutive cells made as Arrow tables in
chunks of numpy arrays (persons, municipalities, referrals, exits, follow-ups, background), the chunks cut
between whole start years of whole associations, and the anonymous counts beside them."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from finsam.build.demo import (AGE_BAND_PRIOR, EDUCATION_PRIOR, INCOME_AFTER_PRIOR, INCOME_BEFORE_PRIOR,
                               SUPPORT_TIME_PRIOR)
from finsam.tools.scale_country import EXIT_SHARES, FIRST_YEAR, LAST_YEAR, REFERRAL_SHARES, Country

AS_OF = dt.date(LAST_YEAR, 12, 31)  # a participation whose drawn end falls after this is ongoing
CHUNK_ROWS = 500_000
EPOCH = dt.date(1970, 1, 1)

# Shapes read from the reports (data/published_figures.csv), as the country's.
POSITIVE_EXITS = ("arbete", "studier", "aktivt_arbetssokande", "fortsatt_rehabilitering")
POSITIVE_STEP_RATE = {True: 0.92, False: 0.12}  # by positive exit: overall about 65 % (Sydnärke 66-71 %)
ASSIGNMENT_SHARES = {"kartlaggning": 0.40, "arbetstraning": 0.45, "studiecoachning": 0.08, "ovrigt": 0.07}
MEDIAN_DAYS, DAYS_SIGMA = 200, 0.75  # mean about 265 days (Sydnärke 196-276)
TRIAL_DAYS = (7, 60)  # ended inside the trial period (utan_matning)
FOLLOWUP = {"6m": (183, 0.71, 0.88), "18m": (548, 0.60, 0.80)}  # days after exit, response rate, kept share
AGE_RANGE = (16, 66)


def person_pools(cells: pd.DataFrame, n_assoc: int) -> tuple[np.ndarray, np.ndarray]:
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
