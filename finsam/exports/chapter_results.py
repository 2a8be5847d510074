"""The chapter's sections the 2025 Sydnärke report has beside the participant statistics: results and drop-outs
per assignment (6.1), the violence survey (3.4), counted advisory conversations (3.2) and the year compared
with the one before, in words. Same rules as finsam.exports.chapter_sections: numbers as numbers (NaN =
suppressed), a sentence never built around a hidden value."""
from __future__ import annotations

import pandas as pd

from finsam.exports.chapter_layout import ChapterContext
from finsam.exports.chapter_words import change, compared, few, hidden, not_shown
from finsam.exports.sections import Section, Table, key_figures
from finsam.exports.sections import row as _row, value as _v
from finsam.labels import fmt, pct
from finsam.query import lookups

SOURCE = "Källa: finsam, deltagarregistrering"


def assignments(s: ChapterContext) -> Section | None:
    """Per assignment (Kartläggning/Myndighetsstöd, Arbetsträning, ...): ended, positive steps and drop-outs."""
    steps = s.run("positive_steps", by_assignment=True)
    drops = s.run("dropouts")
    steps, drops = steps[(steps.year == s.y) & (steps.assignment != "")], drops[drops.year == s.y]
    if steps.empty:
        return None
    codes = lookups.code_list(s.con, "assignment")
    labels = dict(zip(codes.code, codes.label_sv))
    rows, sentences = [], []
    for r in steps.itertuples():
        d = _row(drops, assignment=r.assignment)
        name = labels.get(r.assignment, r.assignment)
        rows.append({"Uppdrag": name, "Avslutade": r.ended, "Positivt steg": r.positive,
                     "Positivt steg (%)": r.share_pct, "Avbrott": _v(d, "dropped"), "Avbrott (%)": _v(d, "share_pct")})
        if hidden(r.ended):
            sentences.append(not_shown(f"Antalet avslutade med uppdraget {name}", s.protection.threshold))
            continue
        drop = _v(d, "share_pct")
        dropped = "" if drop is None or hidden(drop) else f", och {pct(drop, s.share_decimals)} avbröt insatsen"
        if hidden(r.share_pct):
            sentences.append(f"Med uppdraget {name} avslutades {fmt(r.ended)} deltagare {s.y}. Andelen av dem med en "
                             f"positiv stegförflyttning redovisas inte {few(s.protection.threshold)}.")
        else:
            sentences.append(f"Av de {fmt(r.ended)} deltagare med uppdraget {name} som avslutades {s.y} gjorde "
                             f"{pct(r.share_pct, s.share_decimals)} en positiv stegförflyttning{dropped}.")
    share = {"Positivt steg (%)": s.share_decimals, "Avbrott (%)": s.share_decimals}
    return Section("Resultat per uppdrag", s.level, sentences,
                   [Table(pd.DataFrame(rows), s.caption(f"Avslutade {s.y} per uppdrag: positiva steg och avbrott"),
                          SOURCE, steps.ended.sum(min_count=1), share)],
                   notes=["Positivt steg: andel av de avslutade med registrerat steg. Avbrott: avslutsanledningen "
                          "avbrott, andel av alla avslutade med uppdraget."])


def violence(s: ChapterContext) -> Section | None:
    """The survey of exposure to violence among new participants: the share exposed per year, by gender."""
    df = s.query("surveys", s.filters((s.y - 4, s.y)), survey="violence")
    if s.intervention is None:
        df = df[df.intervention_id.isin(df.intervention_id[df.year == s.y].unique())]
    df = df[df.question == "exposed"]
    if df[df.year == s.y].empty:
        return None
    years = sorted(df.year.unique(), reverse=True)
    every = df[df.answer_group == "all"]
    data = pd.DataFrame({"År": years, "Utsatt för våld (%)": [_v(_row(every, year=y), "positive_share_pct")
                                                               for y in years]})
    now = _row(every, year=s.y)
    women, men = _row(df, year=s.y, answer_group="kvinna"), _row(df, year=s.y, answer_group="man")
    n = _v(now, "respondents")
    share = f"{pct(_v(now, 'positive_share_pct'))} varit utsatta för någon form av våld"
    before = _row(every, year=s.y - 1)
    if before is not None and not hidden(before.positive_share_pct):
        share += f", mot {pct(before.positive_share_pct)} året innan"
    if n is not None and not pd.isna(n):
        sentences = [f"Enkäten om våld besvarades {s.y} av {fmt(n)} nya deltagare. Av dem hade {share}."]
    else:
        sentences = [f"I enkäten om våld {s.y} hade {share.replace('varit', 'av de svarande varit', 1)}."]
    if women is not None and men is not None and not hidden(women.positive_share_pct) \
            and not hidden(men.positive_share_pct):
        sentences.append(f"Bland kvinnorna svarade {pct(women.positive_share_pct)} ja och bland männen "
                         f"{pct(men.positive_share_pct)}.")
        # the report gives the shares by gender for its own year only: earlier years print '–', not '..'
        data[f"Kvinnor {s.y} (%)"] = pd.Series([women.positive_share_pct if y == s.y else None for y in years],
                                               dtype=object)
        data[f"Män {s.y} (%)"] = pd.Series([men.positive_share_pct if y == s.y else None for y in years], dtype=object)
    return Section("Våldsutsatthet", s.level, sentences,
                   [Table(data, s.caption("Deltagare som varit utsatta för någon form av våld"),
                          "Källa: förbundets enkät om våld till nya deltagare", n)],
                   notes=["Andel av de svarande som svarat ja på frågan om de varit utsatta för någon form av våld."])


def conversations(s: ChapterContext) -> Section | None:
    """Counted advisory conversations (imported per intervention and year, like budgets)."""
    df = s.query("conversations", s.filters((s.y - 4, s.y)))
    df = df.groupby("year", as_index=False).conversation_count.sum()
    now = _row(df, year=s.y)
    if now is None:
        return None
    before = _row(df, year=s.y - 1)
    text = f"Under {s.y} genomfördes {fmt(now.conversation_count)} rådgivande samtal"
    text += f", mot {fmt(before.conversation_count)} året innan." if before is not None else "."
    data = pd.DataFrame({"År": df.year.astype(int), "Rådgivande samtal": df.conversation_count})
    return Section("Rådgivande samtal", s.level, [text],
                   [Table(data, s.caption("Rådgivande samtal per år"), "Källa: förbundets egen räkning av samtal",
                          None)],
                   notes=["Samtal med handläggare, vårdpersonal, enskilda eller anhöriga som inte lett till inskrivning; "
                          "antal samtal, inte antal personer."])


def comparison(s: ChapterContext) -> Section | None:
    """The year against the one before, in words: participants, new, ended, positive steps, time in intervention."""
    _first, kf = key_figures(s)
    now, before = _row(kf, year=s.y), _row(kf, year=s.y - 1)
    if now is None or before is None:
        return None
    parts = []
    for column, measure, what, unit in (
            ("participants_total", "participants_total", "antalet deltagare", ""),
            ("new", "participants_new", "antalet nya", ""), ("ended", "participants_ended", "antalet avslutade", ""),
            ("positive_share_pct", "positive_step_share", "andelen med en positiv stegförflyttning", "procent"),
            ("mean_months", "mean_months_in_intervention", "tiden i insats", "månader")):
        a, b = now[column], before[column]
        if a is None or b is None or hidden(a) or hidden(b) or any(s.unpublished(y, measure) for y in (s.y, s.y - 1)):
            continue
        if unit == "procent":
            a, b = round(float(a)), round(float(b))
        parts.append((what, *change(float(a), float(b), unit)))
    if not parts:
        return None
    text = compared(s.y - 1, parts)
    return Section(f"{s.y} jämfört med {s.y - 1}", s.level, [text])
