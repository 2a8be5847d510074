"""Översikt's headline split: the interventions side by side with the total, as a table the board can
read, and in words how that total relates to what the annual report prints."""
from __future__ import annotations

import pandas as pd

from finsam.labels import MISSING, SUPPRESSED, fmt
from finsam.query.headlines import COUNTS

TEXT = {
    "heading": ("Per insats {}", "Per intervention {}"),
    "intervention": ("Insats", "Intervention"),
    "participants_total": ("Deltagare", "Participants"),
    "new": ("Nya", "New"),
    "ended": ("Avslutade", "Ended"),
    "report": ("{} i årsrapporten", "{} in the annual report"),
    "total": ("Totalt", "Total"),
    "sum": ("Urvalet har {k} insatser {year}. Totalen, {total} deltagare, är summan av insatserna: den som "
            "deltagit i mer än en insats räknas en gång i varje.",
            "The selection has {k} interventions in {year}. The total, {total} participants, adds the "
            "interventions up: someone who took part in more than one is counted once in each."),
    "report_words": ("Årsrapporten redovisar insatserna var för sig: {}.", "The annual report prints each "
                     "intervention on its own: {}."),
    "report_none": ("Ingen årsrapport för {} finns bland källorna.", "No annual report for {} is among the sources."),
    "differs": (" Där posterna och rapporten skiljer sig står båda i tabellen; Källor visar varför.",
                " Where the records and the report differ, the table shows both; Sources explains why."),
    "hidden": (" .. = visas inte: för få personer (eller en totalsumma som skulle avslöja dem).",
               " .. = not shown: too few people (or a total that would give them away)."),
    "participants": ("{} deltagare", "{} participants"),
    "new_n": ("{} nya", "{} new"),
    "ended_n": ("{} avslutade", "{} ended"),
}


def say(key: str, lang: str) -> str:
    sv, en = TEXT[key]
    return en if lang == "en" else sv


def _report(row, count: str, lang: str) -> str:
    """The report's figure where it prints one ('–' where not); '..' where the records' figure is hidden,
    since beside the total it would give the hidden one away."""
    value = getattr(row, "report_" + count)
    if pd.isna(getattr(row, count)):
        return fmt(float("nan"), 0, lang)
    return fmt(None if value is None or pd.isna(value) else value, 0, lang)


def _name(row, several: bool) -> str:
    return f"{row.association_id} · {row.intervention_id}" if several else row.intervention_id


def table(split: pd.DataFrame, total: dict, lang: str) -> pd.DataFrame:
    """The split as printed text: one row per intervention, the total last; the report's figure beside
    each count where a report prints one."""
    several = split.association_id.nunique() > 1
    with_report = [c for c in COUNTS if split["report_" + c].notna().any()]
    rows = []
    for r in split.itertuples():
        row = {say("intervention", lang): _name(r, several)}
        for c in COUNTS:
            row[say(c, lang)] = fmt(getattr(r, c), 0, lang)
            if c in with_report:
                row[say("report", lang).format(say(c, lang))] = _report(r, c, lang)
        rows.append(row)
    last = {say("intervention", lang): say("total", lang)}
    for c in COUNTS:
        last[say(c, lang)] = fmt(total.get(c), 0, lang)
        if c in with_report:
            last[say("report", lang).format(say(c, lang))] = ""
    return pd.DataFrame(rows + [last])


def words(split: pd.DataFrame, total: dict, year: int, lang: str) -> str:
    """How the total relates to the report, in sentences a board member can read aloud."""
    several = split.association_id.nunique() > 1
    text = say("sum", lang).format(k=len(split), year=year, total=fmt(total.get("participants_total"), 0, lang))
    printed = []
    for r in split.itertuples():
        parts = [say(key, lang).format(_report(r, c, lang))
                 for c, key in (("participants_total", "participants"), ("new", "new_n"), ("ended", "ended_n"))
                 if _report(r, c, lang) not in (MISSING, SUPPRESSED)]
        if parts:
            printed.append(f"{_name(r, several)} {', '.join(parts)}")
    text += " " + (say("report_words", lang).format("; ".join(printed)) if printed
                   else say("report_none", lang).format(year))
    differs = any(r["report_" + c] is not None and not pd.isna(r["report_" + c]) and not pd.isna(r[c])
                  and r["report_" + c] != r[c] for _, r in split.iterrows() for c in COUNTS)
    if differs:
        text += say("differs", lang)
    if split[list(COUNTS)].isna().any().any():
        text += say("hidden", lang)
    return text
