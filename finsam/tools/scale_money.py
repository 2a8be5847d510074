"""The national generator's money and voices: budgets per intervention and year, and the NNS and violence
surveys with their questions, drawn from a generator of their own (so the records are the same with or
without them)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from finsam.tools.scale_country import Country

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
