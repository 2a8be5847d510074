"""The board pack (styrelseunderlag): the statistics part of an annual report for one association, one year,
an optional comparison year and optional municipalities, printed as an A4 PDF (finsam.exports.pdf) or a
PowerPoint file (finsam.exports.slides).

This module holds the Pack, its look shared by both files (colours, dates, column widths), the sections on key
figures, goals, economy and surveys, the note on the data, and build(); the sections on the participants are in
finsam.exports.pack_sections. Every figure comes through the selection's Context (finsam.exports.sections), so
the pack shows the dashboard's figures for the same selection with the same small-count protection; every number
is printed through fmt() or pct(), which print a suppressed value (NaN) as "..". Each section has a chart
(the chart modules of finsam.present, rendered by finsam.present.images), the table behind it and one sentence with its main
figure. The pack is in Swedish, the language of the boards it is made for.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from finsam import colors
from finsam.access import ADMIN, Access
from finsam.exports import comparison_section
from finsam.exports.pack_sections import PARTICIPANTS, section, text_table
from finsam.exports.sections import (COUNTED_NOTE, DEMO_NOTE, LANG, SUPPRESSED_NOTE, Context, Section, context,
                                     full_name, key_figures, over_years, render)
from finsam.exports.selection import Selection
from finsam.labels import MISSING, col, fmt, pct, t
from finsam.present import economy_charts, goal_charts, participant_charts, survey_charts
from finsam.query import queries as q
from finsam.query import lookups

MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")
ACCENT = colors.SERIES[0]
LIGHT_ACCENT = "#9DB9DF"
ZEBRA = "#EEF3FA"
GREY = "#5F6B7A"
DEMO_FILL, DEMO_TEXT = "#FFF4E0", "#7A4E00"

Progress = Callable[[float, str], None]


def long_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass
class Pack:
    selection: Selection
    name: str  # the association's full name
    period: str  # "2024 jämfört med 2023"
    scope: str  # interventions and municipalities in words
    made: dt.date
    demo: bool
    threshold: int  # counts below it are printed as ".."
    sections: list[Section]
    municipality_names: tuple[str, ...] = ()  # of a selection of municipalities

    @property
    def file_stem(self) -> str:
        """styrelseunderlag_Sydnärke_2025, or styrelseunderlag_Sydnärke_Kumla_2025 for Kumla alone."""
        parts = ["styrelseunderlag", self.selection.association, *self.municipality_names, str(self.selection.year)]
        return "_".join(parts).replace(" ", "_")


def widths(table: pd.DataFrame) -> list[int]:
    """Relative column widths: room for the header's longest word and the longest cell (a long label may
    wrap), so that no word is split."""
    return [max([len(word) for word in str(name).split()] + [min(len(str(v)), 22) for v in table[name]] + [3]) + 2
            for name in table.columns]


TREND_MEASURES = (("participants_total", "short_participants", 0), ("women_share_pct", "short_women", 0),
                  ("mean_months", "short_time", 1), ("positive_share_pct", "short_positive", 0),
                  ("retained_6m_pct", "short_retained", 0))


def _trend(ctx: Context) -> Section:
    first, kf = key_figures(ctx)
    columns = [col("year", LANG), col("participants_total", LANG), col("new", LANG), col("ended", LANG)] + [
        t(short, LANG) for _m, short, _d in TREND_MEASURES[1:]]
    rows = [[str(int(r["year"])), fmt(r["participants_total"]), fmt(r["new"]), fmt(r["ended"])]
            + [fmt(r[m], d) for m, _s, d in TREND_MEASURES[1:]] for r in kf.to_dict("records")]
    sentence = over_years(kf, first, ctx.y, lambda a, b: (
        f"Antalet deltagare har gått från {fmt(a.participants_total)} år {int(a.year)} till "
        f"{fmt(b.participants_total)} år {int(b.year)}; andelen med positivt steg från "
        f"{pct(a.positive_share_pct)} till {pct(b.positive_share_pct)}."))
    period = f"{first}–{ctx.y}"
    figure = participant_charts.compare(kf, "year", [(m, t(s, LANG)) for m, s, _d in TREND_MEASURES], LANG,
                            "Nyckeltal de senaste fem åren", ctx.subtitle.rsplit(" · ", 1)[0] + f" · {period}")
    for trace in figure.data:  # one colour for the years, the pack's year picked out
        trace.marker.color = [ACCENT if str(x) == str(ctx.y) else LIGHT_ACCENT for x in trace.x]
    return section("trend", f"Utvecklingen de senaste fem åren ({period})", sentence, figure,
                   text_table(rows, columns), ["År utan registrerade deltagare i förbundets insatser visas inte; "
                                           f"{MISSING} = ingen uppgift (ingen avslutad eller ingen uppföljning)."])


def _economy(ctx: Context) -> Section | None:
    """Budget against used funds per intervention, cost per participant (and per positive step)."""
    df = ctx.query("economy", replace(ctx.filters(), municipalities=()))
    df = ctx.sel.of_years(df)
    if df.empty:
        return None
    columns = ["Insats", "År", col("granted_sek", LANG), col("used_sek", LANG), col("deviation_sek", LANG),
               col("cost_per_participant_sek", LANG), col("cost_per_positive_sek", LANG)]
    rows = [[r.intervention_id, str(int(r.year)), fmt(r.granted_sek), fmt(r.used_sek), fmt(r.deviation_sek),
             fmt(r.cost_per_participant_sek), fmt(r.cost_per_positive_sek)] for r in df.itertuples()]
    now = df[df.year == ctx.y]
    used, participants = now.used_sek.sum(), now.participants.sum(skipna=False)
    sentence = (f"{fmt(used)} kr användes {ctx.y} av beviljade {fmt(now.granted_sek.sum())} kr"
                + (f", {fmt(used / participants)} kr per deltagare." if participants == participants and participants
                   else "."))
    return section("economy", "Ekonomi", sentence, economy_charts.economy(df, LANG, ctx.subtitle), text_table(rows, columns),
                   ["Kostnad per deltagare = använda medel / alla som deltog i insatsen under året."], text_columns=2)


def _surveys(ctx: Context) -> Section | None:
    """The NNS indicator questions (share of positive answers) and the violence survey, with n."""
    nns = ctx.run("surveys", survey="nns")
    violence = ctx.run("surveys", survey="violence")
    if nns.empty and violence.empty:
        return None
    both = pd.concat([nns.assign(kind="NNS"), violence.assign(kind="Våld")], ignore_index=True)
    columns = ["Enkät", "Fråga", "År", col("respondents", LANG), col("positive_share_pct", LANG)]
    rows = [[r.kind, r.question_text if r.answer_group == "all" else f"{r.question_text} ({r.answer_group})",
             str(int(r.year)), fmt(r.respondents), pct(r.positive_share_pct)] for r in both.itertuples()]
    latest = violence[(violence.year == ctx.y) & (violence.answer_group == "all")]
    sentence = (f"{pct(latest.positive_share_pct.iloc[0])} av de nya deltagarna {ctx.y} hade varit utsatta för våld."
                if not latest.empty else f"Enkätsvaren för {', '.join(str(y) for y in ctx.sel.years)}.")
    figure = survey_charts.survey(nns, LANG, t("t_nns", LANG), ctx.subtitle) if not nns.empty else \
        survey_charts.violence(violence, ctx.labels.get("gender", {}), LANG, ctx.subtitle)
    return section("surveys", "Enkäter", sentence, figure, text_table(rows, columns),
                   ["Andelar över färre än 5 svarande visas inte."], text_columns=2)


def _build_info(con) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM build_info").fetchall())


def _data_note(ctx: Context, demo: bool, scope: str) -> Section:
    info = _build_info(ctx.con)
    built = info.get("built_at", "")[:10]
    lines = [f"Urval: {scope}; {ctx.subtitle.rsplit(' · ', 1)[-1]}."]
    if demo:
        lines.append(f"{DEMO_NOTE} Demodatabasen byggdes {built}.")
    else:
        log = lookups.import_log(ctx.con)
        log = log[log.associations.str.split(", ").apply(lambda ids: ctx.sel.association in ids)]
        last = f" Senaste import: {str(log.imported_at.iloc[0])[:10]} ({log.file_name.iloc[0]})." if len(log) else ""
        lines.append(f"Deltagarposterna är importerade av förbundet.{last} Databasen skapades {built}.")
    lines += [
        SUPPRESSED_NOTE.format(ctx.protection.threshold),
        COUNTED_NOTE,
        t("anonymous_note", LANG) + (" Med ett urval av kommuner räknas de inte alls." if ctx.sel.municipalities
                                     else ""),
        "Siffrorna är desamma som i finsam-dashboarden för samma urval: båda räknar med samma frågor mot samma "
        "databas.",
    ]
    return section("data", "Om underlaget", "Var siffrorna kommer ifrån och vad som inte visas.", notes=lines)


def _goals(ctx: Context) -> Section | None:
    """Mål och måluppfyllelse: the association's goals of the year, measured as on the Mål page (finsam.query.goals),
    protected as the whole pack. None when the year has no goals."""
    from finsam.query import goals

    att = goals.attainment(ctx.con, q.Filters(associations=(ctx.sel.association,)), ctx.y, ctx.protection,
                           access=ctx.access)
    if att.empty:
        return None

    rows, notes = [], []
    for r in att.itertuples():
        rows.append(["Alla insatser" if r.intervention == goals.ALL else r.intervention, r.goal_id,
                     goals.status_text(r), goals.target_text(r), goals.value_text(r.outcome, r.unit),
                     fmt(r.n) if r.indicator else ""])
        notes.append(f"{r.goal_id}: {r.text}" + (f" {r.comment}" if r.comment else ""))
    counts = att.status.value_counts()
    sentence = (f"{len(att)} mål för {ctx.y}: " + ", ".join(f"{counts[s]} {s}" for s in goals.STATUSES if s in counts)
                + ".")
    notes.append("Uppnått: utfallet når målvärdet; delvis uppnått: minst tre fjärdedelar av vägen; (bedömt): ett mål "
                 "utan indikator har samordnarens status.")
    notes.append("Målen gäller hela förbundet (eller sin insats) och bedöms på alla dess deltagare"
                 + (", inte bara de valda kommunerna." if ctx.sel.municipalities else "."))
    return section("goals", "Mål och måluppfyllelse", sentence, goal_charts.goal_status(att, LANG, ctx.subtitle),
                   text_table(rows, ["Insats", "Mål-id", "Status", "Målvärde", "Utfall", "n"]), notes, text_columns=3)


SECTIONS = PARTICIPANTS + (_goals, _trend, _economy, _surveys, comparison_section.pack)


def build(con, sel: Selection, access: Access = ADMIN, progress: Progress | None = None,
          today: dt.date | None = None) -> Pack:
    """The pack's sections with their charts rendered to PNG; progress(fraction, text) as it goes. The
    pack leaves the dashboard (meeting papers are often public), so the small-count protection is always
    on, whatever the role may see on screen."""
    progress = progress or (lambda _f, _t: None)
    munis = lookups.municipalities(con, (sel.association,))
    names = dict(zip(munis.municipality_code, munis.municipality_name))
    years = " och ".join(str(y) for y in sel.years)
    subtitle = " · ".join([sel.association] + ([", ".join(names[m] for m in sel.municipalities)]
                                                if sel.municipalities else []) + [years])
    ctx = context(con, sel, access, subtitle)
    interventions = lookups.interventions(con, (sel.association,))
    covered = interventions[(interventions.first_year <= sel.year) & (interventions.last_year >= sel.year)]
    scope = (f"{sel.association}, alla insatser ({', '.join(covered.name_sv)}), "
             + (f"kommunerna {', '.join(names[m] for m in sel.municipalities)}" if sel.municipalities
                else "alla kommuner"))
    demo = lookups.is_demo(con, (sel.association,))
    sections = []
    for i, make in enumerate(SECTIONS):
        progress(0.3 * i / len(SECTIONS), "Räknar fram siffrorna …")
        section = make(ctx)
        if section is not None:  # economy and surveys only where the association has such figures
            sections.append(section)
    sections.append(_data_note(ctx, demo, scope))
    render([c for s in sections for c in s.charts], lambda i, n: progress(0.3 + 0.6 * i / n, "Ritar diagrammen …"))
    period = f"{sel.year} jämfört med {sel.compare_year}" if sel.compare_year else str(sel.year)
    progress(0.9, "Sätter ihop underlaget …")
    return Pack(sel, full_name(con, sel.association), period, scope, today or dt.date.today(), demo,
                ctx.protection.threshold, sections, tuple(names[m] for m in sel.municipalities))
