"""The national generator's drawn world: the 290 municipalities with drawn populations, grouped by county
into associations (the metropolitan cities alone), each with a coordination team and a few projects, and
the participations allocated to (start year, association, intervention)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from finsam.build.demo import apportion

FIRST_YEAR, LAST_YEAR = 2006, 2025
ASSOCIATIONS = 75
METROPOLITAN = ("0180", "1480", "1280")  # Stockholm, Göteborg, Malmö: an association each

# Shapes read from the reports (data/published_figures.csv); each association draws its own around them.
WOMEN_SHARE = 0.58  # Sydnärke 2024 60 %, 2016 59 %; Västerås 2020 56 %
REFERRAL_SHARES = {"FK": 0.35, "Soc": 0.25, "AF": 0.08, "Egen": 0.09, "Psyk": 0.05, "Vc": 0.04, "Hab": 0.01,
                   "AMI": 0.03, "KAA": 0.03, "LSS": 0.015, "Pers omb": 0.01, "Kommun": 0.01, "Region": 0.005,
                   "Övr": 0.03}  # Sydnärke 2024-2025 (FK 36-50 %, Soc 24-32 %), Norra Västmanland FNS 2022 (AF)
EXIT_SHARES = {"arbete": 0.14, "studier": 0.08, "aktivt_arbetssokande": 0.14, "fortsatt_rehabilitering": 0.24,
               "medicinsk_rehabilitering": 0.17, "avbrott": 0.10, "ovrigt": 0.05,
               "utan_matning": 0.08}  # Västerås 2020, Norra Västmanland 2022
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
