"""Every table cell the chapter prints beside the figure its association's report prints for it
(data/published_figures.csv): cells() names each cell as a published figure (intervention, year, measure,
dimension, category) and compare() gives each a status:

- `match`: the printed cell equals the report's figure within the printed precision (finsam.query.reconcile);
- `differ`: it does not (each difference and its reason is listed in docs/coordinator.md);
- `not_in_report`: the report has no such figure (the chapter prints more than the report);
- `hidden`: the cell is '..' (small counts protected) where the report prints a figure.

report_only() lists the report's figures the chapter does not print, split into those the records cannot
give (`not_reconstructable`: money, surveys other than the chapter's, free-text counts) and those it could
but the layout leaves out (`not_laid_out`)."""
from __future__ import annotations

import re

import pandas as pd

from finsam.exports.chapter import Chapter
from finsam.query.figures import COMPUTED_MEASURES
from finsam.query.reconcile import tolerance

KEY = ["intervention", "year", "measure", "dimension", "category"]
FLOW = {"Deltagare totalt": "participants_total", "Nya": "participants_new", "Avslutade": "participants_ended",
        "Pågående vid årets slut": "participants_ongoing"}
TREND = {"Deltagare": ("participants_total", "", ""), "Nya": ("participants_new", "", ""),
         "Avslutade": ("participants_ended", "", ""), "Tid i insats (mån)": ("mean_months_in_intervention", "", ""),
         "Positivt steg (%)": ("positive_step_share", "", ""), "Kvinnor (%)": ("gender_share", "gender", "kvinna")}
ECONOMY = {"Budget (kr)": "budget_sek", "Använt (kr)": "cost_sek", "Avvikelse (kr)": "deviation_sek",
           "Kostnad per deltagare (kr)": "cost_per_participant_sek"}
CHAPTER_MEASURES = {"advisory_contacts", "violence_exposed_share", "aborted_share", "budget_sek", "cost_sek",
                    "deviation_sek", "nns_positive_share"}


def _year(name: str) -> int | None:
    m = re.search(r"(20\d\d)", name)
    return int(m.group(1)) if m else None


def cells(chapter: Chapter, codes: dict[str, dict[str, str]]) -> pd.DataFrame:
    """One row per numeric cell the chapter prints that names a published figure: KEY, value, decimals.
    codes: code list name -> Swedish label -> code (referral_source, exit_reason, gender)."""
    out = []
    association, year = chapter.selection.association, chapter.selection.year

    def add(iv, y, measure, value, decimals, dimension="", category=""):
        if value is None:  # printed '–': no figure, nothing to compare
            return
        out.append((iv, int(y), measure, dimension, category, value, decimals))

    for tb in chapter.tables:
        head, _, owner = tb.caption.rpartition(", ")
        iv = "ALL" if owner == association else owner
        df, dec = tb.data, tb.decimals
        if head.startswith("Deltagare och flöde"):
            for r in df.to_dict("records"):
                for c in df.columns[1:]:
                    add(iv, int(c), FLOW[r["Mått"]], r[c], 0)
        elif head.startswith("Deltagare per hemkommun"):
            for r in df.to_dict("records"):
                cat = r["Kommun"]
                for c in df.columns[1:]:
                    y = _year(c) or year
                    measure = ("municipality_population_share" if "befolkningen" in c else "municipality_share"
                               if c.startswith("Andel") else "municipality_new_count" if c.startswith("Nya")
                               else "municipality_count")
                    add(iv, y, measure, r[c], dec.get(c, 0), "municipality", cat)
        elif head.startswith("Deltagare efter kön"):
            for r in df.to_dict("records"):
                g = codes["gender"].get(r["Kön"], r["Kön"])
                for c in df.columns[1:]:
                    y = _year(c)
                    if c.startswith("Andel"):
                        add(iv, y, "gender_share", r[c], dec.get(c, 0), "gender", g)
                    else:
                        add(iv, y, "gender_count", r[c], 0, "gender", g)
                        add(iv, y, "participants_total", r[c], 0, "gender", g)
        elif "per kommun och remittent" in head:
            y = _year(head)
            if df.columns[0] == "Kommun":  # sources as columns
                sources = [c for c in df.columns[1:] if c != "Summa"]
                for r in df.to_dict("records"):
                    for c in sources:
                        if r["Kommun"] == "Summa":
                            add(iv, y, "referral_count", r[c], 0, "referral_source", c)
                        elif r["Kommun"].startswith("Andel"):
                            add(iv, y, "referral_share", r[c], dec.get(c, 0), "referral_source", c)
                        else:
                            add(iv, y, "referral_count_by_municipality", r[c], 0, "municipality|referral_source",
                                f"{r['Kommun']}|{c}")
                    if "Summa" in df.columns and r["Kommun"] not in ("Summa",) and not r["Kommun"].startswith("Andel"):
                        add(iv, y, "municipality_count", r["Summa"], 0, "municipality", r["Kommun"])
            else:
                munis = [c for c in df.columns[1:] if not c.startswith(("Totalt", "Andel"))]
                for r in df.to_dict("records"):
                    if r["Remittent"] == "Summa":
                        continue
                    code = codes["referral_source"].get(r["Remittent"], r["Remittent"])
                    add(iv, y, "referral_count", r[f"Totalt {y}"], 0, "referral_source", code)
                    add(iv, y, "referral_share", r["Andel (%)"], dec.get("Andel (%)", 0), "referral_source", code)
                    for m in munis:
                        add(iv, y, "referral_count_by_municipality", r[m], 0, "municipality|referral_source",
                            f"{m}|{code}")
        elif head.startswith("Tid i insats"):
            for r in df.to_dict("records"):
                add(iv, r["År"], "mean_days_in_intervention", r["Dagar, medel"], 0)
                add(iv, r["År"], "mean_months_in_intervention", r["Månader, medel"], 1)
        elif head.startswith("Avslutade efter avslutsanledning"):
            for r in df.to_dict("records"):
                label = r["Avslutsanledning"]
                for c in df.columns[1:]:
                    y = _year(c)
                    if label == "Avslutade totalt":
                        if c.startswith("Avslutade"):
                            add(iv, y, "participants_ended", r[c], 0)
                    elif label == "Positiv stegförflyttning":
                        if c.startswith("Andel"):
                            add(iv, y, "positive_step_share", r[c], dec.get(c, 0))
                    else:
                        code = codes["exit_reason"].get(label, label)
                        add(iv, y, "exit_reason_share" if c.startswith("Andel") else "exit_reason_count", r[c],
                            dec.get(c, 0), "exit_reason", code)
        elif head.startswith("Uppföljning"):
            for r in df.to_dict("records"):
                h = "6m" if "6" in r["Uppföljning"] else "18m"
                add(iv, r["Avslutade år"], f"followup_{h}_retained_share", r["Behållit (%)"], dec.get("Behållit (%)", 0))
        elif head.startswith("Nyckeltal"):
            for r in df.to_dict("records"):
                for c, (measure, dim, cat) in TREND.items():
                    if c in df.columns:
                        add(iv, r["År"], measure, r[c], dec.get(c, 0), dim, cat)
        elif head.startswith("Rådgivande samtal"):
            for r in df.to_dict("records"):
                add(iv, r["År"], "advisory_contacts", r["Rådgivande samtal"], 0)
        elif head.startswith("Deltagare som varit utsatta"):
            for r in df.to_dict("records"):
                add(iv, r["År"], "violence_exposed_share", r["Utsatt för våld (%)"], 0)
                for c in df.columns[2:]:
                    add(iv, _year(c), "violence_exposed_share", r[c], 0, "gender",
                        "kvinna" if c.startswith("Kvinnor") else "man")
        elif "per uppdrag" in head:
            for r in df.to_dict("records"):
                a = r["Uppdrag"]
                add(iv, year, "participants_ended", r["Avslutade"], 0, "assignment", a)
                add(iv, year, "positive_step_share", r["Positivt steg (%)"], dec.get("Positivt steg (%)", 0), "assignment", a)
                add(iv, year, "aborted_share", r["Avbrott (%)"], dec.get("Avbrott (%)", 0), "assignment", a)
        elif head.startswith("Budget"):
            for r in df.to_dict("records"):
                for c, measure in ECONOMY.items():
                    add(r["Insats"], r["År"], measure, r[c], 0)
    return pd.DataFrame(out, columns=KEY + ["value", "decimals"])


def _status(value, decimals: int, published: pd.DataFrame) -> tuple[str, float | None]:
    if published.empty:
        return "not_in_report", None
    if value is None:
        return "not_in_report", None
    if pd.isna(value):
        return "hidden", None
    printed = round(float(value), decimals)
    for p in published.itertuples():  # at the coarser of the two printed precisions
        if abs(printed - p.value) <= max(tolerance(p.unit, p.value_text), 0.5 * 10 ** -decimals + 1e-9):
            return "match", p.value
    return "differ", published.value.iloc[0]


def compare(chapter: Chapter, published: pd.DataFrame, source: str, codes) -> pd.DataFrame:
    """cells() with the report's figure (published: data/published_figures.csv with value_text) and a status."""
    mine = published[(published.association == chapter.selection.association) & published.source_file.str.startswith(source)]
    index = {k: g for k, g in mine.groupby(KEY)}
    teams = set(mine.intervention) - {"ALL"}
    solo = teams.pop() if len(teams) == 1 else None  # a one-team report prints its team as the association
    rows = []
    for c in cells(chapter, codes).itertuples(index=False):
        key = (c.intervention, c.year, c.measure, c.dimension, c.category)
        if key not in index and c.intervention == "ALL" and solo:
            key = (solo, *key[1:])
        status, value = _status(c.value, c.decimals, index.get(key, mine.iloc[0:0]))
        rows.append((*key, c.value, value, status))
    return pd.DataFrame(rows, columns=KEY + ["printed", "published", "status"])


def report_only(chapter: Chapter, published: pd.DataFrame, source: str, compared: pd.DataFrame) -> pd.DataFrame:
    """The report's figures for the chapter's year(s) that no cell of the chapter prints, with why."""
    mine = published[(published.association == chapter.selection.association)
                      & published.source_file.str.startswith(source) & published.year.isin(chapter.selection.years)]
    shown = set(map(tuple, compared.loc[compared.status != "not_in_report", KEY].itertuples(index=False)))
    left = mine[[tuple(k) not in shown for k in mine[KEY].itertuples(index=False)]].copy()
    left["status"] = ["not_laid_out" if m in COMPUTED_MEASURES | CHAPTER_MEASURES else "not_reconstructable"
                      for m in left.measure]
    return left
