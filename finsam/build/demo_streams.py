"""The demo streams: one per intervention a report describes, built from data/published_figures.csv
(data written as code: its length is the reports' tables, not logic).

Every count a stream follows is looked up in the published figures; where the reports contradict each
other the choice is made here, in code that says why, and listed in data/conflicts.csv (which reconcile
reads). Values not published at all are priors, marked as synthetic in the README.
"""
from __future__ import annotations

import datetime as dt

from finsam.build.demo import Background, CellTarget, EndedGroup, EndedYear, JointMean, Stream, apportion
from finsam.data.published import Published

SYDNARKE = ["Askersund", "Hallsberg", "Kumla", "Laxå"]
REFERRALS = ["FK", "AF", "Soc", "AMI", "Psyk", "Vc", "Hab", "KAA", "LSS", "Pers omb", "Egen", "Övr"]
PVH = {"Psyk", "Vc", "Hab"}
# The 2025 reports merge psychiatry, primary care and habilitation; the records keep the finer code.
PVH_SPLIT = {"Psyk": 0.6, "Vc": 0.3, "Hab": 0.1}
S24, S25, S16, NV, VA = "000", "002", "001", "003", "004"


def merged(ref: str) -> str:
    return "Psyk/Vc/Hab" if ref in PVH else ref


def cross_table(p: Published, assoc: str, interv: str, year: int, source: str) -> dict[str, int]:
    return p.table(assoc, interv, year, "referral_count_by_municipality", "municipality|referral_source", source)


def prior_from(tables: list[dict[str, int]]) -> dict[tuple[str, str], float]:
    """A prior over fine (municipality, referral) cells from cross-tables, merged codes split by PVH_SPLIT."""
    prior: dict[tuple[str, str], float] = {}
    for t in tables:
        for key, n in t.items():
            muni, ref = key.split("|")
            parts = PVH_SPLIT if ref == "Psyk/Vc/Hab" else {ref: 1.0}
            for r, w in parts.items():
                prior[(muni, r)] = prior.get((muni, r), 0.0) + n * w
    return prior


def samordningsteamet(p: Published) -> Stream:
    a, i = "Sydnärke", "Samordningsteamet"
    total = {y: p.count(a, i, y, "participants_total", source=S25) for y in range(2021, 2026)}
    new = {y: p.count(a, i, y, "participants_new", source=S25) for y in range(2021, 2026)}
    ended = {y: p.count(a, i, y, "participants_ended", source=S25) for y in range(2021, 2026)}
    # The series is not stock-flow consistent (total(Y+1) = total(Y) - ended(Y) + new(Y+1) fails for
    # 2023-2025). The build keeps every total (the detailed tables hang on them), the new starts of
    # 2021-2024, and the ended of 2021, 2024 (the assignment split 40 + 60 = 100 confirms it) and 2025;
    # ended 2022 and 2023 and new 2025 follow from the identity (data/conflicts.csv).
    ended[2022] = total[2022] + new[2023] - total[2023]
    ended[2023] = total[2023] + new[2024] - total[2024]
    new[2025] = total[2025] - total[2024] + ended[2024]
    flows = {y: (total[y], new[y], ended[y]) for y in total}

    t24 = cross_table(p, a, i, 2024, S24)
    # The printed 2024 cells of Hallsberg and Kumla do not add up to their row totals (36 and 62 against
    # 35 and 63) nor to the AMI and Psyk column totals; the one reading that meets every printed total
    # is Hallsberg Psyk 1 (printed 2) and Kumla AMI 2 (printed 1). The build follows it.
    t24["Hallsberg|Psyk"] -= 1
    t24["Kumla|AMI"] += 1
    t25 = cross_table(p, a, i, 2025, S25)
    women24 = round(p.value(a, i, 2024, "gender_share", "gender", "kvinna", S24) / 100 * total[2024])

    k24 = 40  # 2024 Kartläggning/Myndighetsstöd ended: 7,5 % aborted = 3/40, 92 % positive = 37/40 (92.5)
    at24 = p.count(a, i, 2024, "participants_ended", "assignment", "Arbetsträning", S24)
    pos24 = round(p.value(a, i, 2024, "positive_step_share", source=S24) / 100 * ended[2024])
    k25 = p.count(a, i, 2025, "participants_ended", "assignment", "Kartläggning/Myndighetsstöd", S25)
    at25 = p.count(a, i, 2025, "participants_ended", "assignment", "Arbetsträning", S25)
    kpos25 = round(p.value(a, i, 2025, "positive_step_share", "assignment", "Kartläggning/Myndighetsstöd", S25) / 100 * k25)
    atpos25 = round(p.value(a, i, 2025, "positive_step_share", "assignment", "Arbetsträning", S25) / 100 * at25)
    pos25 = round(p.value(a, i, 2025, "positive_step_share", source=S25) / 100 * ended[2025])
    rest25 = ended[2025] - k25 - at25  # ended 2025 without a stated assignment (see conflicts)

    def followup(positive: int, response_pct: float, kept_pct: float) -> tuple[int, int]:
        respondents = round(response_pct / 100 * positive)
        return respondents, round(kept_pct / 100 * respondents)

    return Stream(
        a, i, 2021, 2025, SYDNARKE, REFERRALS, flows,
        prior_cells=prior_from([t24, t25]),
        cell_targets=[
            CellTarget(2024, "total", lambda c: f"{c[0]}|{c[1]}", t24, "2024 municipality x referral"),
            CellTarget(2025, "total", lambda c: f"{c[0]}|{merged(c[1])}", t25, "2025 municipality x referral"),
        ],
        gender_targets=[(2024, "total", {"kvinna": women24, "man": total[2024] - women24})],
        ended={
            # "2023 då endast 33 deltagare avslutades" read, like 2024's 60, as Arbetsträning only
            2023: EndedYear([EndedGroup(p.count(a, i, 2023, "participants_ended", "assignment", "Arbetsträning", S24),
                                        None, "arbetstraning"),
                             EndedGroup(ended[2023] - p.count(a, i, 2023, "participants_ended", "assignment",
                                                              "Arbetsträning", S24))],
                            mean_days=p.value(a, "ALL", 2023, "mean_months_in_intervention", source=S25) * 30),
            2024: EndedYear([EndedGroup(k24, 37, "kartlaggning"), EndedGroup(at24, pos24 - 37, "arbetstraning")],
                            # over Sydnärke's ended, Ciceron's too: joint_means sets Samordningsteamet's own
                            mean_days=p.value(a, "ALL", 2024, "mean_days_in_intervention", source=S24),
                            followup_6m=followup(pos24, p.value(a, i, 2024, "followup_response_rate", "followup", "6m", S24),
                                                 p.value(a, i, 2024, "followup_6m_retained_share", source=S24))),
            2025: EndedYear([EndedGroup(k25, kpos25, "kartlaggning"), EndedGroup(at25, atpos25, "arbetstraning"),
                             EndedGroup(rest25, pos25 - kpos25 - atpos25, None)],
                            mean_days=p.value(a, "ALL", 2025, "mean_days_in_intervention", source=S25),
                            # 2025 publishes no response rate: the 2024 rate is assumed (synthetic)
                            followup_6m=followup(pos25, p.value(a, i, 2024, "followup_response_rate", "followup", "6m", S24),
                                                 p.value(a, i, 2025, "followup_6m_retained_share", source=S25))),
        },
    )


def ciceron(p: Published) -> Stream:
    a, i = "Sydnärke", "Ciceron"
    total24 = p.count(a, i, 2024, "participants_total", source=S24)
    total25 = p.count(a, i, 2025, "participants_total", source=S25)
    ended25 = 9  # "färre än 10 avslutade"; 66/55/11/22 % are 6/9, 5/9, 1/9, 2/9 (truncated)
    studies = round(p.value(a, i, 2025, "exit_reason_share", "exit_reason", "studier", S25) / 100 * ended25)
    work = round(p.value(a, i, 2025, "exit_reason_share", "exit_reason", "arbete", S25) / 100 * ended25)
    aborted = round(p.value(a, i, 2025, "aborted_share", source=S25) / 100 * ended25)
    t24 = cross_table(p, a, i, 2024, S24)
    t25 = cross_table(p, a, i, 2025, S25)
    refs = ["Egen", "KAA", "Psyk", "Vc", "Hab", "Soc", "FK", "Pers omb", "Övr"]
    return Stream(
        a, i, 2024, 2025, SYDNARKE, refs,
        # new starts 2024 = all 9 (started autumn 2024); ended 2024 is not published and left to the
        # allocation: the 2024 cells that do not reappear in the 2025 table must have ended in 2024.
        {2024: (total24, total24, None), 2025: (total25, None, ended25)},
        prior_cells=prior_from([t24, t25]),
        cell_targets=[
            CellTarget(2024, "total", lambda c: f"{c[0]}|{c[1]}", t24, "Ciceron 2024 municipality x referral"),
            CellTarget(2025, "total", lambda c: f"{c[0]}|{merged(c[1])}", t25, "Ciceron 2025 municipality x referral"),
        ],
        carry_in=False, age_range=(16, 29), women_share=0.5,
        opens=dt.date(2024, 10, 1),  # "Project started in the last quarter of 2024"
        # the 2025 report's 196 days are over all the association's participants, Ciceron included (6.2);
        # the demo gives Ciceron's ended the same mean as Samordningsteamet's (synthetic), see joint_means
        ended={2025: EndedYear([EndedGroup(ended25, studies + work, "studiecoachning",
                                           {"studier": studies, "arbete": work, "avbrott": aborted,
                                            "ovrigt": ended25 - studies - work - aborted})],
                               mean_days=p.value("Sydnärke", "ALL", 2025, "mean_days_in_intervention",
                                                 source=S25))},
    )


# 2016 result columns -> exit reason (None: still taking part at the end of 2016); data/conflicts.csv.
OUTCOMES_2016 = {
    "Arbete": "arbete", "Redo för arbete": "aktivt_arbetssokande", "Daglig verksamhet": "fortsatt_rehabilitering",
    "Egen försörjning": "arbete", "Egenförsörjning": "arbete", "Studier": "studier", "Avbrott": "avbrott",
    "Avbrott/flytt": "avbrott", "Går över till Coachingteamet": "fortsatt_rehabilitering",
    "Fortsatt i aktivitet": None, "I väntan på insats": None,
}
OUTCOME_COLUMNS = set(OUTCOMES_2016)
REFERRAL_PRIORS_2016 = {
    "Mottagningsteamet": {"FK": 4, "Soc": 4, "AF": 2, "Psyk": 2, "Vc": 1, "Egen": 2},
    "På väg": {"Soc": 4, "FK": 3, "AF": 2, "Psyk": 1, "Vc": 1},
    "Framsteget": {"AF": 5, "Soc": 4, "FK": 1},
    "IPS": {"Psyk": 1},
    "Hunddagis": {"LSS": 3, "AMI": 2, "Soc": 1},
    "Fördjupad utredning/kartläggning": {"Övr": 1},  # referred from Mottagningsteamet
    "Drop-outs (#jagmed)": {"KAA": 1},
    "KompetensKnuten": {"FK": 3, "Soc": 1},
    "Försteget": {"LSS": 1},
}
# Försteget's referring units as printed -> referral codes
FORSTEGET_UNITS = {"Enheten för funktionsstöd": "LSS", "Individ och familjeomsorgen": "Soc",
                   "Mottagningsteamet": "Övr", "Alléskolan i Hallsberg": "Övr", "Allmänpsykiatri i Hallsberg": "Psyk"}


def streams_2016(p: Published) -> list[Stream]:
    a, y = "Sydnärke", 2016
    out = []
    for interv, ref_prior in REFERRAL_PRIORS_2016.items():
        # Bilaga 3's tables (Tabell 1, 5, 6, 8) agree; Drop-outs' text says 7, the tables 6 (conflicts.csv)
        total = p.count(a, interv, y, "participants_total", source=S16, section="Tabell 1")
        genders = p.table(a, interv, y, "gender_count", "gender", S16)
        munis = _municipality_row_2016(p, interv)
        ended_groups: list[EndedGroup] = []
        reasons: dict[str, int] = {}
        if interv == "På väg":
            # no result table: group work 18 onwards / 9 back to care, individual coaching 14 / 14, the
            # walking group's 7 still taking part; read as exits (data/conflicts.csv)
            reasons = {"fortsatt_rehabilitering": 18 + 14, "medicinsk_rehabilitering": 9 + 14}
        elif interv == "Försteget":
            # the project closed in 2016: everyone ended; 64 % to work-like occupation or studies
            reasons = {"arbete": 3, "studier": 4, "fortsatt_rehabilitering": 2 + 8 + 3, "avbrott": 5}
        else:
            r = p.rows(a, interv, y, "outcome_count", "outcome", S16)
            for _, row in r[r.category.isin(OUTCOME_COLUMNS)].iterrows():
                code = OUTCOMES_2016[row.category]
                if code:
                    reasons[code] = reasons.get(code, 0) + int(row.value)
        if interv == "Mottagningsteamet":
            # "Avbrott/flytt 2" is, by the text, one who broke off and one who moved
            moved = p.count(a, interv, y, "exit_reason_count", "exit_reason", "ovrigt", S16)
            reasons["avbrott"] -= moved
            reasons["ovrigt"] = moved
        n_ended = sum(reasons.values())
        if n_ended:
            positive = {"Försteget": 16}.get(interv)
            ended_groups = [EndedGroup(n_ended, positive, None, reasons)]
        prior = {(m, r): float(w) for m in munis for r, w in ref_prior.items()}
        targets = [CellTarget(y, "total", lambda c: c[0], munis, f"{interv} municipality")]
        if interv == "Försteget":
            units = p.table(a, interv, y, "referral_unit_count", "referral_unit", S16)
            refs: dict[str, int] = {}
            for unit, n in units.items():
                refs[FORSTEGET_UNITS[unit]] = refs.get(FORSTEGET_UNITS[unit], 0) + n
            targets.append(CellTarget(y, "total", lambda c: c[1], refs, "Försteget referral units"))
            prior = {(m, r): float(w) for m in munis for r, w in refs.items()}
        out.append(Stream(
            a, interv, y, y, list(munis), sorted({r for _m, r in prior}),
            {y: (total, None, n_ended)}, prior_cells=prior, cell_targets=targets,
            gender_targets=[(y, "total", genders)],
            ended={y: EndedYear(ended_groups)} if ended_groups else {},
            carry_in=interv in ("Mottagningsteamet", "På väg", "IPS"), closes=True,
            age_range=(18, 30) if interv in ("Försteget", "KompetensKnuten") else
            (16, 24) if interv == "Drop-outs (#jagmed)" else (16, 64),
        ))
    return out


def _municipality_row_2016(p: Published, interv: str) -> dict[str, int]:
    r = p.rows("Sydnärke", interv, 2016, "municipality_count", "municipality", S16)
    out = {row.category: int(row.value) for _, row in r.iterrows()}
    return {m: n for m, n in out.items() if n > 0}


NV_TEAMS = {
    "Samordningsteam Hallstahammar": ["Hallstahammar"],
    "Samordningsteam Surahammar": ["Surahammar"],
    "Samordningsteam Sala": ["Sala"],
    "Samordningsteam FNS": ["Fagersta", "Norberg", "Skinnskatteberg"],
}


def streams_nv(p: Published) -> list[Stream]:
    a, y = "Norra Västmanland", 2022
    sus_total = p.count(a, "ALL", y, "participants_total", source=NV)
    sus_ended = p.count(a, "ALL", y, "participants_ended", source=NV)
    new_by_muni = p.table(a, "ALL", y, "municipality_new_count", "municipality", NV)
    # the 2021 values the 2022 report prints in parentheses; 2021's totals and exits are not published: the
    # demo gives each team as many exits in 2021 as in 2022 (synthetic), so its 2021 total is 2022's
    # carried-over participants plus those exits
    new_2021 = p.table(a, "ALL", y - 1, "municipality_new_count", "municipality", NV)
    # SUS (134 / 64 / 52) lacks participants with protected identity or without consent; the teams'
    # own counts include them. The records follow SUS; FNS's 5 with protected identity are anonymous
    # counts; FNS's other figures are scaled to its SUS share (data/conflicts.csv).
    fns_protected = p.table(a, "Samordningsteam FNS", y, "protected_identity_count", "gender", NV)
    team_total = {"Samordningsteam Hallstahammar": p.count(a, "Samordningsteam Hallstahammar", y, "participants_total", source=NV),
                  "Samordningsteam FNS": p.count(a, "Samordningsteam FNS", y, "participants_total", source=NV)
                  - sum(fns_protected.values())}
    rest = sus_total - sum(team_total.values())
    # Sala and Surahammar publish no totals: the remainder is split by their budgets (synthetic)
    sala_budget = p.value(a, "Samordningsteam Sala", y, "budget_sek", source=NV)
    sura_budget = p.value(a, "Samordningsteam Surahammar", y, "budget_sek", source=NV)
    split = apportion(rest, {"Samordningsteam Sala": sala_budget, "Samordningsteam Surahammar": sura_budget})
    team_total.update(split)
    team_ended = {t: p.count(a, t, y, "participants_ended", source=NV) for t in NV_TEAMS}
    team_ended["Samordningsteam FNS"] = sus_ended - sum(v for t, v in team_ended.items() if t != "Samordningsteam FNS")
    # SUS exits by gender (25 women, 27 men) split over the teams (synthetic split, exact sum)
    women_ended = p.count(a, "ALL", y, "participants_ended", "gender", "kvinna", NV)
    women_split = apportion(women_ended, {"Samordningsteam Hallstahammar": 0.65 * team_ended["Samordningsteam Hallstahammar"],
                                          "Samordningsteam Surahammar": 0.35 * team_ended["Samordningsteam Surahammar"],
                                          "Samordningsteam Sala": 0.5 * team_ended["Samordningsteam Sala"],
                                          "Samordningsteam FNS": 0.47 * team_ended["Samordningsteam FNS"]})
    out = []
    for team, munis in NV_TEAMS.items():
        new = sum(new_by_muni[m] for m in munis)
        reasons = {k: v for k, v in p.table(a, team, y, "exit_reason_count", "exit_reason", NV).items() if v}
        if sum(reasons.values()) > team_ended[team]:
            if team == "Samordningsteam Sala":
                # 13 reasons for 12 ended (one person has two); the record keeps the first: medical
                reasons["medicinsk_rehabilitering"] -= sum(reasons.values()) - team_ended[team]
            else:
                # FNS: the team's 32 exits include 9 people not in SUS. Read as the drop-outs, medical
                # exits and one of the moves, the 23 in SUS give the association's "ca 70 %" positive
                # steps (36 of 52); a proportional share would give 58 % (data/conflicts.csv).
                for reason in ("avbrott", "medicinsk_rehabilitering", "ovrigt"):
                    cut = min(reasons.get(reason, 0), sum(reasons.values()) - team_ended[team])
                    reasons[reason] -= cut
                reasons = {k: v for k, v in reasons.items() if v}
        refs = ["FK", "AF", "Kommun", "KAA", "Region", "Soc"]
        prior: dict[tuple[str, str], float] = {}
        targets = [CellTarget(y, "new", lambda c: c[0], {m: new_by_muni[m] for m in munis}, f"{team} new by municipality"),
                   CellTarget(y - 1, "new", lambda c: c[0], {m: new_2021[m] for m in munis},
                              f"{team} new by municipality {y - 1}")]
        if team == "Samordningsteam FNS":
            t = p.table(a, team, y, "referral_count_by_municipality", "municipality|referral_source", NV)
            for key, n in t.items():
                m, r = key.split("|")
                prior[(m, r)] = float(n)
            for r in ("FK", "AF", "KAA"):
                n = p.count(a, team, y, "referral_count", "referral_source", r, NV)
                for m in munis:
                    prior[(m, r)] = n * {"Fagersta": 0.66, "Norberg": 0.22, "Skinnskatteberg": 0.12}[m]
        else:
            new_refs = p.table(a, team, y, "referral_new_count", "referral_source", NV) if team != "Samordningsteam Hallstahammar" \
                else {"FK": 7, "Kommun": 3, "AF": 2}  # Hallstahammar: "a large majority from FK" (chart lost)
            if team != "Samordningsteam Hallstahammar":
                targets.append(CellTarget(y, "new", lambda c: c[1], new_refs, f"{team} new by referral"))
            for r, n in new_refs.items():
                prior[(munis[0], r)] = float(n)
        ended_2021 = team_ended[team]  # synthetic
        total_2021 = team_total[team] - new + ended_2021
        out.append(Stream(
            a, team, y - 1, y, munis, refs,
            {y - 1: (total_2021, sum(new_2021[m] for m in munis), ended_2021), y: (team_total[team], new, team_ended[team])},
            prior_cells=prior, cell_targets=targets,
            gender_targets=[(y, "ended", {"kvinna": women_split[team], "man": team_ended[team] - women_split[team]})],
            women_share=0.45 if team == "Samordningsteam Surahammar" else 0.6,
            ended={y - 1: EndedYear([EndedGroup(ended_2021)], synthetic_followup=True),
                   y: EndedYear([EndedGroup(team_ended[team], None, None, reasons)], synthetic_followup=True)},
            anonymous=[(y, g, n) for g, n in fns_protected.items()] if team == "Samordningsteam FNS" else [],
        ))
    return out


def vasteras(p: Published) -> Stream:
    a, i, y = "Västerås", "Samordningsteam Västerås", 2020
    total = p.count(a, i, y, "participants_total", source=VA)
    new = p.count(a, i, y, "participants_new", source=VA, section="Antal deltagande")  # not the sentence's 26
    ended = p.count(a, i, y, "participants_ended", source=VA)
    by_gender = {pop: p.table(a, i, y, m, "gender", VA)
                 for pop, m in (("total", "participants_total"), ("new", "participants_new"), ("ended", "participants_ended"))}
    sus = p.table(a, i, y, "exit_reason_count", "exit_reason|gender", VA)
    # "Utskrivning" (17: 7 women, 10 men) is work 4, studies 4 and active job seeking 9 (table 4.1.1);
    # its split by gender is not published (synthetic: 2 + 2 + 3 women, 2 + 2 + 6 men).
    exits = {("arbete", "kvinna"): 2, ("arbete", "man"): 2, ("studier", "kvinna"): 2, ("studier", "man"): 2,
             ("aktivt_arbetssokande", "kvinna"): sus["utskrivning|kvinna"] - 4,
             ("aktivt_arbetssokande", "man"): sus["utskrivning|man"] - 4}
    for key, n in sus.items():
        reason, gender = key.split("|")
        if reason not in ("utskrivning", "uppgift_saknas") and n:
            exits[(reason, gender)] = n
    f6 = p.count(a, i, y, "followup_respondents", "followup", "6m", VA)
    f18 = p.count(a, i, y, "followup_respondents", "followup", "18m", VA)
    status = p.table(a, i, y, "followup_status_count", "followup|status", VA)
    # kept = still in work, studies, job seeking or work-directed rehabilitation (categories 1 and 2)
    kept6 = status["6m|arbete_studier_arbetssokande"] + status["6m|fortsatt_rehabilitering"]
    kept18 = status["18m|arbete_studier_arbetssokande"] + status["18m|fortsatt_rehabilitering"]
    background = [Background(y, "new", "age_band", p.table(a, i, y, "age_band_count", "age_band", VA)),
                  Background(y, "new", "education", p.table(a, i, y, "education_count", "education", VA)),
                  Background(y, "new", "public_support_time",
                             p.table(a, i, y, "public_support_time_count", "public_support_time", VA))]
    for fld, measure in (("income_before", "income_source_before_count"), ("income_after", "income_source_after_count")):
        # the report counts income sources (53), a person may have several; records keep one per person
        sources = {k: v for k, v in p.table(a, i, y, measure, "income_source", VA).items() if v}
        background.append(Background(y, "ended", fld, apportion(ended, sources)))
    refs = ["AF", "FK", "Soc", "Psyk", "Vc", "AMI", "Övr"]
    return Stream(
        a, i, y, y, ["Västerås"], refs, {y: (total, new, ended)},
        prior_cells={("Västerås", r): w for r, w in zip(refs, (30, 25, 25, 10, 4, 4, 2))},
        gender_targets=[(y, pop, counts) for pop, counts in by_gender.items()],
        ended={y: EndedYear([EndedGroup(ended, None, None, exit_reasons_by_gender=exits)],
                            followup_6m=(f6, kept6), followup_18m=(f18, kept18))},
        background=background,
    )


def joint_means(p: Published) -> list[JointMean]:
    """Means printed over several interventions together. "Medeltal för deltagande i vår verksamhet" is, as
    the 2025 report says of its own figure ("I denna statistik beräknas snitt på samtliga våra deltagare",
    6.2), over all of Sydnärke's participants ending in the year, Ciceron included; the 2024 report uses the
    same words, and the 2025 report's series prints that year's 276 days as 9,2 months. Ciceron's four who
    ended in 2024 started that autumn, so Samordningsteamet's own 2024 mean is longer than 276 days."""
    a = "Sydnärke"
    return [JointMean(a, 2024, p.value(a, "ALL", 2024, "mean_days_in_intervention", source=S24), "Samordningsteamet"),
            JointMean(a, 2025, p.value(a, "ALL", 2025, "mean_days_in_intervention", source=S25), "Samordningsteamet")]


def all_streams(p: Published) -> list[Stream]:
    return [samordningsteamet(p), ciceron(p), *streams_2016(p), *streams_nv(p), vasteras(p)]


def money_and_voices(p: Published) -> tuple[list[dict], list[dict]]:
    """Budget and survey rows of the demo database, as the reports publish them."""
    budget = []
    for interv in [*REFERRAL_PRIORS_2016, *STRUCTURAL_2016]:
        section = "Tabell 4" if interv in STRUCTURAL_2016 else "Tabell 3"
        granted = p.value("Sydnärke", interv, 2016, "budget_sek", source=S16, section=section)
        # På väg's cost: Tabell 3 prints 1 218 037, its own deviation, Tabell 8 and the text 1 218 308
        used = p.value("Sydnärke", interv, 2016, "cost_sek", source=S16,
                       section="Tabell 8" if interv == "På väg" else section)
        budget.append(dict(association_id="Sydnärke", intervention_id=interv, year=2016, granted_sek=int(granted),
                           used_sek=int(used)))
    for team in [*NV_TEAMS, "Kurator Region Västmanland"]:
        budget.append(dict(association_id="Norra Västmanland", intervention_id=team, year=2022,
                           granted_sek=int(p.value("Norra Västmanland", team, 2022, "budget_sek", source=NV,
                                                   section="7.")),
                           used_sek=int(p.value("Norra Västmanland", team, 2022, "cost_sek", source=NV))))
    surveys = []

    def survey(assoc, interv, year, kind, timepoint, question, share, respondents=None, group="all"):
        surveys.append(dict(association_id=assoc, intervention_id=interv, year=year, survey=kind, timepoint=timepoint,
                            question=question, answer_group=group, respondents=respondents,
                            positive_share_pct=float(share)))

    a, i = "Sydnärke", "Samordningsteamet"
    for year in (2024, 2025):
        n = p.count(a, i, 2025, "nns_respondents", source=S25) if year == 2025 else None
        for key, share in p.table(a, i, year, "nns_positive_share", "timepoint|question", S25).items():
            timepoint, question = key.split("|")
            survey(a, i, year, "nns", timepoint, question, share, n)
    for year in (2022, 2023, 2024, 2025):
        n = p.count(a, i, 2025, "violence_respondents", source=S25) if year == 2025 else None
        survey(a, i, year, "violence", "start", "exposed", p.value(a, i, year, "violence_exposed_share", source=S25), n)
    # 2025 by gender: 67 % of 48 respondents were women (32), 33 % men (16)
    n25 = p.count(a, i, 2025, "violence_respondents", source=S25)
    women = round(p.value(a, i, 2025, "violence_respondent_share", "gender", "kvinna", S25) / 100 * n25)
    for g, n in (("kvinna", women), ("man", n25 - women)):
        survey(a, i, 2025, "violence", "start", "exposed",
               p.value(a, i, 2025, "violence_exposed_share", "gender", g, S25), n, g)
    nv = "Norra Västmanland"
    survey(nv, "Samordningsteam Sala", 2022, "violence", "start", "exposed",
           p.value(nv, "Samordningsteam Sala", 2022, "violence_exposed_share", source=NV))
    sura = "Samordningsteam Surahammar"
    n = p.count(nv, sura, 2022, "violence_respondents", source=NV)
    survey(nv, sura, 2022, "violence", "start", "exposed",
           100.0 * p.count(nv, sura, 2022, "violence_exposed_count", source=NV) / n, n)
    va, vi = "Västerås", "Samordningsteam Västerås"
    for key, share in p.table(va, vi, 2020, "nns_positive_share", "timepoint|question", VA).items():
        timepoint, question = key.split("|")
        survey(va, vi, 2020, "nns", timepoint, question, share)
    return budget, surveys


def conversation_rows(p: Published) -> list[dict]:
    """Counted advisory conversations (rådgivande samtal) as the reports print them: Samordningsteamet 2024 and
    2025 (reports 000 2.2 and 002 3.2), Mottagningsteamet 2016 (report 001, Bilaga 1)."""
    rows = p.df[p.df.measure == "advisory_contacts"].drop_duplicates(["association", "intervention", "year"])
    return [dict(association_id=r.association, intervention_id=r.intervention, year=int(r.year),
                 conversation_count=int(r.value)) for r in rows.itertuples()]


STRUCTURAL_2016 = ["Förstudien Hallsbergsmodellen", "Ledarskapsutbildning för handledare",
                   "Ledarskapsutbildning för handledare, Laxå", "Indikatorprojektet",
                   "Kompetensutveckling till handläggare", "Rehabiliteringsmässan", "IPS-metodutbildning",
                   "Grundutbildning i MI"]
