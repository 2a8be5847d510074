"""The board pack (styrelseunderlag): the statistics part of an annual report for one association, one year,
an optional comparison year and optional municipalities, as an A4 PDF or a PowerPoint file.

Every figure comes through finsam.query.queries.run, the door the dashboard uses, so the pack shows the
dashboard's figures for the same selection with the same small-count protection; every number is
printed through fmt() or pct(), which print a suppressed value (NaN) as "..". Each section has a chart
(finsam.present.charts, rendered by finsam.present.images), the table behind it and one sentence with its main figure.
The pack is in Swedish, the language of the boards it is made for.
"""
from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from finsam.present import economy_charts, goal_charts, outcome_charts, participant_charts, referral_charts, survey_charts, images
from finsam import colors, config
from finsam.query import queries as q
from finsam.access import ADMIN, Access
from finsam.labels import MISSING, SUPPRESSED, col, fmt, pct, t
from finsam.privacy import Protection

LANG = "sv"
DEMO_NOTE = ("Demodata: deltagarposterna är rekonstruerade ur förbundens publicerade årsrapporter och delvis "
             "syntetiska. De beskriver inga verkliga personer.")
SUPPRESSED_NOTE = ("”..” betyder färre än {0} deltagare: för få för att redovisas, så att ingen enskild "
                   "deltagare kan pekas ut. Där ett dolt tal annars kunde räknas fram ur en summa döljs också "
                   "nästa minsta tal (ibland en nolla). Andelar och medelvärden över färre än {0} visas inte heller.")
TREND_YEARS = 5
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
ACCENT = colors.SERIES[0]
LIGHT_ACCENT = "#9DB9DF"
ZEBRA = "#EEF3FA"
GREY = "#5F6B7A"
DEMO_FILL, DEMO_TEXT = "#FFF4E0", "#7A4E00"
SLIDE_WIDTH = 13.333  # inches: 16:9
CONTENT_WIDTH, CONTENT_HEIGHT, MIN_PICTURE, GAP = 12.3, 4.3, 6.2, 0.25  # inches, below a slide's sentence
CHAR_EM, ROW_EM = 0.6, 2.1  # a table character's mean width and a row's height, in font sizes
SLIDE_FONT = "Arial"  # on every office machine (Liberation Sans has its metrics), so the tables fit everywhere

Progress = Callable[[float, str], None]


class ReportError(Exception):
    """A selection the pack cannot be made for, said in a sentence for the user."""


# what the user is told in a sentence instead of a traceback: the selection, or no Chromium to draw with
USER_ERRORS = (ReportError, images.ChromiumMissing)


def long_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Selection:
    association: str
    year: int
    compare_year: int | None = None
    municipalities: tuple[str, ...] = ()  # municipality codes

    @property
    def years(self) -> list[int]:
        return sorted({self.year, self.compare_year} - {None})

    def filters(self) -> q.Filters:
        """All interventions of the association over the span of the years (a query's rows of the years
        between are left out where the pack reads them)."""
        return q.Filters(years=(self.years[0], self.years[-1]), associations=(self.association,),
                         municipalities=self.municipalities)

    def of_years(self, df: pd.DataFrame) -> pd.DataFrame:
        """A query's rows of the selection's years only (a comparison year need not be next to the year)."""
        return df[df.year.isin(self.years)].reset_index(drop=True)


@dataclass
class Section:
    key: str
    title: str
    sentence: str
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None  # cells already printed as text, headers in Swedish
    notes: list[str] = field(default_factory=list)
    text_columns: int = 1  # the table's leading columns of labels (left aligned); numbers after them
    image: bytes | None = None


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

    @property
    def file_stem(self) -> str:
        return f"styrelseunderlag_{self.selection.association}_{self.selection.year}".replace(" ", "_")


# --- the selection ---------------------------------------------------------------------------------------

def selection(con, association: str, year: int, compare_year: int | None = None,
              municipalities=()) -> Selection:
    """A Selection from what a user types: an association by id or name, municipalities by name or code."""
    assoc = q.associations(con)
    wanted = association.strip().lower()
    match = assoc[(assoc.association_id.str.lower() == wanted) | (assoc.name_sv.str.lower() == wanted)
                  | (assoc.name_en.str.lower() == wanted)]
    if match.empty:
        raise ReportError(f"Okänt förbund: {association}. Välj bland: {', '.join(assoc.association_id)}.")
    assoc_id = match.association_id.iloc[0]
    span = q.year_range(con, (assoc_id,))
    for y in (year, compare_year):
        if y is not None and (span is None or not span[0] <= y <= span[1]):
            raise ReportError(f"{assoc_id} har inga uppgifter för {y}"
                              + (f" (uppgifterna gäller {span[0]}–{span[1]})." if span else "."))
    if compare_year == year:
        compare_year = None
    munis = q.municipalities(con, (assoc_id,))
    codes = []
    for m in municipalities:
        hit = munis[(munis.municipality_code == str(m).strip())
                    | (munis.municipality_name.str.lower() == str(m).strip().lower())]
        if hit.empty:
            raise ReportError(f"{m} är ingen av {assoc_id}s kommuner ({', '.join(munis.municipality_name)}).")
        codes.append(hit.municipality_code.iloc[0])
    return Selection(assoc_id, int(year), None if compare_year is None else int(compare_year),
                     tuple(dict.fromkeys(codes)))


# --- the sections ----------------------------------------------------------------------------------------

@dataclass
class _Context:
    con: object
    sel: Selection
    access: Access
    protection: Protection
    subtitle: str
    labels: dict[str, dict[str, str]]

    def query(self, name: str, f: q.Filters, **kwargs) -> pd.DataFrame:
        return q.run(self.con, name, f, protection=self.protection, access=self.access, **kwargs)

    def run(self, name: str, **kwargs) -> pd.DataFrame:
        """The query for the selection, its years only."""
        return self.sel.of_years(self.query(name, self.sel.filters(), **kwargs))

    @property
    def y(self) -> int:
        return self.sel.year

    @property
    def c(self) -> int | None:
        return self.sel.compare_year


def _row(df: pd.DataFrame, **where) -> pd.Series | None:
    for key, value in where.items():
        df = df[df[key] == value]
    return None if df.empty else df.iloc[0]


def _get(row: pd.Series | None, column: str):
    return None if row is None else row[column]


def _drawn(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows a stacked bar chart can draw: a suppressed (NaN) segment is left out, not drawn (plotly
    would start the next segment of that bar from zero)."""
    return df.dropna(subset=[column])


def _table(rows: list[list[str]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _widths(table: pd.DataFrame) -> list[int]:
    """Relative column widths: room for the header's longest word and the longest cell (a long label may
    wrap), so that no word is split."""
    return [max([len(word) for word in str(name).split()] + [min(len(str(v)), 22) for v in table[name]] + [3]) + 2
            for name in table.columns]


def _flow(ctx: _Context) -> Section:
    flow = ctx.run("participant_flow")
    by = ctx.run("participant_flow", by=("intervention_id",))
    women = ctx.run("gender_split")
    women = women[women.gender == "kvinna"]
    with_anonymous = bool((flow.anonymous.fillna(1) > 0).any())
    columns = [col("intervention_id", LANG), col("year", LANG), col("participants_total", LANG), col("new", LANG),
               col("ended", LANG), col("ongoing", LANG)] + ([col("anonymous", LANG)] if with_anonymous else [])
    measures = ["participants_total", "new", "ended", "ongoing"] + (["anonymous"] if with_anonymous else [])
    rows = [["Alla insatser", str(r["year"])] + [fmt(r[m]) for m in measures] for r in flow.to_dict("records")]
    if by.intervention_id.nunique() > 1:
        rows += [[r["intervention_id"], str(r["year"])] + [fmt(r[m]) for m in measures]
                 for r in by.sort_values(["intervention_id", "year"]).to_dict("records")]
    now, before = _row(flow, year=ctx.y), _row(flow, year=ctx.c)
    sentence = f"{fmt(_get(now, 'participants_total'))} deltagare {ctx.y}"
    if before is not None:
        sentence += f" ({fmt(before.participants_total)} år {ctx.c})"
    sentence += (f", {pct(_get(_row(women, year=ctx.y), 'share_pct'))} kvinnor; {fmt(_get(now, 'new'))} började "
                 f"och {fmt(_get(now, 'ended'))} avslutade under året.")
    return Section("flow", "Deltagare och flöde", sentence, participant_charts.flow(flow, LANG, ctx.subtitle),
                   _table(rows, columns),
                   ["Deltagare totalt: alla som deltog någon gång under året, även anonymt registrerade. "
                    "Pågående: deltar fortfarande vid årets slut."], text_columns=2)


def _municipalities(ctx: _Context) -> Section:
    df = ctx.run("municipality_split").sort_values(["municipality_name", "year"])
    years = ctx.sel.years
    columns = [col("municipality_name", LANG)]
    for y in years:
        columns += [f"Deltagare {y}", f"Andel {y} (%)"]
    columns.append(f"Andel av befolkningen {ctx.y} (%)")
    rows = []
    for name, d in df.groupby("municipality_name", sort=True):
        row = [name]
        for y in years:
            r = _row(d, year=y)
            row += [fmt(_get(r, "participations")), fmt(_get(r, "share_pct"))]
        row.append(fmt(_get(_row(d, year=ctx.y), "population_share_pct")))
        rows.append(row)
    now = df[df.year == ctx.y].dropna(subset=["participations"])
    if now.empty or not (now.participations > 0).any():
        sentence = f"Inga deltagare med registrerad kommun {ctx.y}."
    else:
        top = now.loc[now.participations.idxmax()]
        sentence = (f"{top.municipality_name} hade flest deltagare {ctx.y}: {fmt(top.participations)} "
                    f"({pct(top.share_pct)} av deltagarna) mot {pct(top.population_share_pct)} av befolkningen.")
    notes = ["Andel av befolkningen: kommunens andel av förbundets befolkning, som i årsrapporterna. "
             "Anonymt registrerade deltagare har ingen kommun och räknas inte här."]
    if ctx.sel.municipalities:
        notes.append("Andelarna av deltagarna gäller de valda kommunerna.")
    return Section("municipalities", "Kommuner och andel av befolkningen", sentence,
                   participant_charts.municipalities(df, LANG, ctx.subtitle), _table(rows, columns), notes)


def _gender(ctx: _Context) -> Section:
    labels = ctx.labels["gender"]
    df = ctx.run("gender_split")
    with_anonymous = bool((df.anonymous.fillna(1) > 0).any())
    columns = [col("year", LANG), col("gender", LANG), col("participants", LANG), col("share_pct", LANG)]
    columns += [col("anonymous", LANG)] if with_anonymous else []
    rows = [[str(r.year), labels.get(r.gender, r.gender), fmt(r.participants), fmt(r.share_pct)]
            + ([fmt(r.anonymous)] if with_anonymous else []) for r in df.itertuples()]
    women = df[df.gender == "kvinna"]
    now = _row(women, year=ctx.y)
    total = _get(_row(ctx.run("participant_flow"), year=ctx.y), "participants_total")
    sentence = (f"{pct(_get(now, 'share_pct'))} av deltagarna {ctx.y} var kvinnor "
                f"({fmt(_get(now, 'participants'))} av {fmt(total)})")
    before = _row(women, year=ctx.c)
    sentence += f", mot {pct(before.share_pct)} år {ctx.c}." if before is not None else "."
    figure = participant_charts.gender(_drawn(df, "registered"), labels, LANG, ctx.subtitle)
    return Section("gender", "Könsfördelning", sentence, figure,
                   _table(rows, columns), [t("anonymous_note", LANG)], text_columns=2)


def _referrals(ctx: _Context) -> Section:
    labels = ctx.labels["referral_source"]
    split = ctx.run("referral_split")
    cross = ctx.run("referral_by_municipality")
    cross = cross[cross.year == ctx.y]
    munis = sorted(cross.municipality_name.unique())
    cells = {(r.referral_source, r.municipality_name): r.participations for r in cross.itertuples()}
    now = split[split.year == ctx.y].set_index("referral_source")
    before = split[split.year == ctx.c].set_index("referral_source")

    def count(source: str) -> float:
        value = now.participations.get(source)
        return 0 if value is None or pd.isna(value) else value

    order = sorted(set(split.referral_source), key=lambda s: (-count(s), labels.get(s, s)))
    columns = [col("referral_source", LANG)] + munis + [f"Totalt {ctx.y}", f"Andel {ctx.y} (%)"]
    columns += [f"Totalt {ctx.c}"] if ctx.c else []
    rows = []
    for s in order:
        row = [labels.get(s, s)] + [fmt(cells.get((s, m), 0)) for m in munis]
        row += [fmt(now.participations.get(s, 0)), fmt(now.share_pct.get(s, 0))]
        row += [fmt(before.participations.get(s, 0))] if ctx.c else []
        rows.append(row)
    known = now.dropna(subset=["participations"])
    if known.empty:
        sentence = f"Inga remitterade deltagare {ctx.y}."
    else:
        top = known.participations.idxmax()
        sentence = (f"{labels.get(top, top)} remitterade flest deltagare {ctx.y}: {fmt(known.participations[top])} "
                    f"({pct(known.share_pct[top])})")
        sentence += (f", mot {fmt(before.participations[top])} år {ctx.c}." if top in before.index else ".")
    figure = referral_charts.referrals(_drawn(split, "participations"), labels, LANG, ctx.subtitle)
    return Section("referrals", "Remittenter", sentence, figure,
                   _table(rows, columns),
                   [f"Tabellen: deltagare {ctx.y} per remittent och kommun. Anonymt registrerade deltagare har "
                    "ingen remittent och räknas inte här."])


def _time(ctx: _Context) -> Section:
    summary = ctx.run("time_in_intervention")
    dist = ctx.run("time_distribution")
    years = [y for y in ctx.sel.years if y in set(summary.year)]
    columns = ["Mått"] + [str(y) for y in years]
    rows = []
    for measure, decimals in (("ended", 0), ("mean_days", 0), ("median_days", 0), ("mean_months", 1)):
        rows.append([col(measure, LANG)] + [fmt(_get(_row(summary, year=y), measure), decimals) for y in years])
    for _lo, _hi, band in q.DAY_BANDS:
        cells = [_row(dist, year=y, band=band) for y in years]
        rows.append([f"{col('band', LANG)}: {band}"] + [fmt(0 if r is None else r.ended) for r in cells])
    now, before = _row(summary, year=ctx.y), _row(summary, year=ctx.c)
    if now is None:
        sentence = f"Ingen avslutade sin insats {ctx.y}."
    else:
        sentence = (f"De {fmt(now.ended)} som avslutade {ctx.y} hade i genomsnitt varit {fmt(now.mean_months, 1)} "
                    f"månader i insatsen (median {fmt(now.median_days)} dagar)")
        sentence += f", mot {fmt(before.mean_months, 1)} månader {ctx.c}." if before is not None else "."
    return Section("time", "Tid i insats", sentence,
                   outcome_charts.time_distribution(dist, LANG, ctx.subtitle) if not dist.empty else None,
                   _table(rows, columns), ["Gäller dem som avslutade under året; en månad räknas som 30 dagar, "
                                           "som i årsrapporterna."])


def _exits(ctx: _Context) -> Section:
    labels = ctx.labels["exit_reason"]
    df = ctx.run("exit_reasons")
    steps = ctx.run("positive_steps")
    years = [y for y in ctx.sel.years if y in set(df.year)]
    columns = [col("exit_reason", LANG)]
    for y in years:
        columns += [f"Avslutade {y}", f"Andel {y} (%)"]
    rows = []
    for code in [c for c in labels if c in set(df.exit_reason)]:
        row = [labels[code]]
        for y in years:
            r = _row(df, year=y, exit_reason=code)
            row += [fmt(_get(r, "ended") if r is not None else 0), fmt(_get(r, "share_pct") if r is not None else 0)]
        rows.append(row)
    for label, count, share in (("Avslutade totalt", "ended", None),
                                (col("positive", LANG), "positive", "share_pct")):
        row = [label]
        for y in years:
            r = _row(steps, year=y)
            row += [fmt(_get(r, count)), fmt(_get(r, share)) if share else ""]
        rows.append(row)
    now = _row(steps, year=ctx.y)
    reasons = df[df.year == ctx.y].dropna(subset=["ended"])
    if now is None or reasons.empty:
        sentence = f"Ingen avslutade sin insats {ctx.y}."
    else:
        top = reasons.loc[reasons.ended.idxmax()]
        sentence = (f"{pct(now.share_pct)} av de {fmt(now.ended)} som avslutade {ctx.y} hade tagit ett positivt steg; "
                    f"vanligaste avslutsanledning var {labels.get(top.exit_reason, top.exit_reason).lower()} "
                    f"({pct(top.share_pct)}).")
    figure = outcome_charts.exits(_drawn(df, "share_pct"), labels, LANG, ctx.subtitle) if not df.empty else None
    return Section("exits", "Avslut och positiva steg", sentence, figure, _table(rows, columns),
                   ["Positiv stegförflyttning: andel av de avslutade med uppgiften registrerad."])


def _followup(ctx: _Context) -> Section:
    df = ctx.run("followup")
    df = df[df.due.isna() | (df.due > 0)]
    horizon = {"6m": t("six_months", LANG), "18m": t("eighteen_months", LANG)}
    columns = [col("horizon", LANG), "Avslutade år"] + [col(c, LANG) for c in ("kept", "not_kept", "no_answer", "due")]
    columns += ["Behållit (%)", col("response_rate_pct", LANG)]
    ordered = df.assign(h=df.horizon.map({"6m": 0, "18m": 1})).sort_values(["h", "year"])
    rows = [[horizon[r.horizon], str(r.year), fmt(r.kept), fmt(r.not_kept), fmt(r.no_answer), fmt(r.due),
             fmt(r.retained_share_pct), fmt(r.response_rate_pct)] for r in ordered.itertuples()]
    parts = []
    for h in ("6m", "18m"):
        r = _row(df, year=ctx.y, horizon=h)
        if r is not None:
            parts.append(f"{pct(r.retained_share_pct)} kvar den efter {horizon[h].lower()} "
                         f"(svarsfrekvens {pct(r.response_rate_pct)} av {fmt(r.due)})")
    if parts:
        sentence = (f"Av de svarande som avslutade {ctx.y} med en positiv stegförflyttning hade "
                    + " och ".join(parts) + ".")
    else:
        sentence = f"Inga uppföljningar är registrerade för dem som avslutade {ctx.y}."
    return Section("followup", "Uppföljning efter 6 och 18 månader", sentence,
                   outcome_charts.followup(df, LANG, ctx.subtitle) if rows else None, _table(rows, columns),
                   ["Uppföljningen gäller dem som avslutade under året med en positiv stegförflyttning. Behållit: "
                    "andel av de svarande; svarsfrekvens: svarande av alla i urvalet."], text_columns=2)


TREND_MEASURES = (("participants_total", "short_participants", 0), ("women_share_pct", "short_women", 0),
                  ("mean_months", "short_time", 1), ("positive_share_pct", "short_positive", 0),
                  ("retained_6m_pct", "short_retained", 0))


def _key_figures(ctx: _Context, f: q.Filters) -> pd.DataFrame:
    """Per year: participants_total, new, ended, women_share_pct, mean_months, positive_share_pct and
    retained_6m_pct (queries.key_figures); None where a year has no such figure (nobody ended, nobody
    due for follow-up), NaN where it is suppressed."""
    kf = ctx.query("key_figures", f)
    series = q.key_figure_series(kf)
    out = kf[["year", "participants_total", "new", "ended"]].copy()
    for measure in ("women_share_pct", "mean_months", "positive_step_pct", "retained_6m_pct"):
        shown = series[measure]
        out[measure] = out.year.map(shown).astype(object).where(out.year.isin(shown.index), None)
    return out.rename(columns={"positive_step_pct": "positive_share_pct"})


def _trend(ctx: _Context) -> Section:
    first = ctx.y - TREND_YEARS + 1
    kf = _key_figures(ctx, replace(ctx.sel.filters(), years=(first, ctx.y)))
    kf = kf[kf.participants_total.isna() | (kf.participants_total > 0)].reset_index(drop=True)
    columns = [col("year", LANG), col("participants_total", LANG), col("new", LANG), col("ended", LANG)] + [
        t(short, LANG) for _m, short, _d in TREND_MEASURES[1:]]
    rows = [[str(int(r["year"])), fmt(r["participants_total"]), fmt(r["new"]), fmt(r["ended"])]
            + [fmt(r[m], d) for m, _s, d in TREND_MEASURES[1:]] for r in kf.to_dict("records")]
    if len(kf) < 2:
        sentence = f"Uppgifter finns bara för {ctx.y} av åren {first}–{ctx.y}."
    else:
        a, b = kf.iloc[0], kf.iloc[-1]
        sentence = (f"Antalet deltagare har gått från {fmt(a.participants_total)} år {int(a.year)} till "
                    f"{fmt(b.participants_total)} år {int(b.year)}; andelen med positivt steg från "
                    f"{pct(a.positive_share_pct)} till {pct(b.positive_share_pct)}.")
    period = f"{first}–{ctx.y}"
    figure = participant_charts.compare(kf, "year", [(m, t(s, LANG)) for m, s, _d in TREND_MEASURES], LANG,
                            "Nyckeltal de senaste fem åren", ctx.subtitle.rsplit(" · ", 1)[0] + f" · {period}")
    for trace in figure.data:  # one colour for the years, the pack's year picked out
        trace.marker.color = [ACCENT if str(x) == str(ctx.y) else LIGHT_ACCENT for x in trace.x]
    return Section("trend", f"Utvecklingen de senaste fem åren ({period})", sentence, figure,
                   _table(rows, columns), ["År utan registrerade deltagare i förbundets insatser visas inte; "
                                           f"{MISSING} = ingen uppgift (ingen avslutad eller ingen uppföljning)."])


def _economy(ctx: _Context) -> Section | None:
    """Budget against used funds per intervention, cost per participant (and per positive step)."""
    df = ctx.query("economy", replace(ctx.sel.filters(), municipalities=()))
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
    return Section("economy", "Ekonomi", sentence, economy_charts.economy(df, LANG, ctx.subtitle), _table(rows, columns),
                   ["Kostnad per deltagare = använda medel / alla som deltog i insatsen under året."], text_columns=2)


def _surveys(ctx: _Context) -> Section | None:
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
    return Section("surveys", "Enkäter", sentence, figure, _table(rows, columns),
                   ["Andelar över färre än 5 svarande visas inte."], text_columns=2)


def _build_info(con) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM build_info").fetchall())


def _data_note(ctx: _Context, demo: bool, scope: str) -> Section:
    info = _build_info(ctx.con)
    built = info.get("built_at", "")[:10]
    lines = [f"Urval: {scope}; {ctx.subtitle.rsplit(' · ', 1)[-1]}."]
    if demo:
        lines.append(f"{DEMO_NOTE} Demodatabasen byggdes {built}.")
    else:
        log = q.import_log(ctx.con)
        log = log[log.associations.str.split(", ").apply(lambda ids: ctx.sel.association in ids)]
        last = f" Senaste import: {str(log.imported_at.iloc[0])[:10]} ({log.file_name.iloc[0]})." if len(log) else ""
        lines.append(f"Deltagarposterna är importerade av förbundet.{last} Databasen skapades {built}.")
    lines += [
        SUPPRESSED_NOTE.format(ctx.protection.threshold),
        "En deltagare räknas ett år om deltagandet pågick någon gång under året. Tid i insats, avslut, positiva "
        "steg och uppföljning gäller dem som avslutade under året.",
        t("anonymous_note", LANG) + (" Med ett urval av kommuner räknas de inte alls." if ctx.sel.municipalities
                                     else ""),
        "Siffrorna är desamma som i finsam-dashboarden för samma urval: båda räknar med samma frågor mot samma "
        "databas.",
    ]
    return Section("data", "Om underlaget", "Var siffrorna kommer ifrån och vad som inte visas.", notes=lines)


def _goals(ctx: _Context) -> Section | None:
    """Mål och måluppfyllelse: the association's goals of the year, measured as on the Mål page (finsam.query.goals),
    protected as the whole pack. None when the year has no goals."""
    from finsam.query import goals

    att = goals.attainment(ctx.con, q.Filters(associations=(ctx.sel.association,),
                                              municipalities=ctx.sel.municipalities), ctx.y, ctx.protection,
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
                 "utan indikator har samordnarens status. Utfallet räknas över urvalet som alla siffror.")
    return Section("goals", "Mål och måluppfyllelse", sentence, goal_charts.goal_status(att, LANG, ctx.subtitle),
                   _table(rows, ["Insats", "Mål-id", "Status", "Målvärde", "Utfall", "n"]), notes, text_columns=3)


SECTIONS = (_flow, _municipalities, _gender, _referrals, _time, _exits, _followup, _goals, _trend, _economy, _surveys)


def build(con, sel: Selection, access: Access = ADMIN, progress: Progress | None = None,
          today: dt.date | None = None) -> Pack:
    """The pack's sections with their charts rendered to PNG; progress(fraction, text) as it goes. The
    pack leaves the dashboard (meeting papers are often public), so the small-count protection is always
    on, whatever the role may see on screen."""
    progress = progress or (lambda _f, _t: None)
    if not access.sees_records or not access.allows(sel.association):
        raise ReportError(f"Ingen behörighet till deltagaruppgifterna för {sel.association}.")
    protection = Protection(threshold=int(config.setting("FINSAM_SMALL_COUNT")))
    flow = q.run(con, "participant_flow", sel.filters(), protection=protection, access=access)
    if flow[flow.year == sel.year].participants_total.fillna(1).sum() == 0:
        raise ReportError(f"Urvalet har inga deltagare {sel.year}.")
    full_name = con.execute("SELECT full_name_sv FROM association WHERE association_id = ?",
                            [sel.association]).fetchone()[0]
    munis = q.municipalities(con, (sel.association,))
    names = dict(zip(munis.municipality_code, munis.municipality_name))
    years = " och ".join(str(y) for y in sel.years)
    subtitle = " · ".join([sel.association] + ([", ".join(names[m] for m in sel.municipalities)]
                                                if sel.municipalities else []) + [years])
    interventions = q.interventions(con, (sel.association,))
    covered = interventions[(interventions.first_year <= sel.year) & (interventions.last_year >= sel.year)]
    scope = (f"{sel.association}, alla insatser ({', '.join(covered.name_sv)}), "
             + (f"kommunerna {', '.join(names[m] for m in sel.municipalities)}" if sel.municipalities
                else "alla kommuner"))
    labels = {name: dict(zip(df.code, df.label_sv)) for name in ("gender", "referral_source", "exit_reason")
              for df in [q.code_list(con, name)]}
    ctx = _Context(con, sel, access, protection, subtitle, labels)
    demo = q.is_demo(con, (sel.association,))
    sections = []
    for i, make in enumerate(SECTIONS):
        progress(0.3 * i / len(SECTIONS), "Räknar fram siffrorna …")
        section = make(ctx)
        if section is not None:  # economy and surveys only where the association has such figures
            sections.append(section)
    sections.append(_data_note(ctx, demo, scope))
    with_figure = [s for s in sections if s.figure is not None]
    for i in range(0, len(with_figure), 2):
        progress(0.3 + 0.6 * i / len(with_figure), "Ritar diagrammen …")
        batch = with_figure[i:i + 2]
        for s, png in zip(batch, images.pngs([s.figure for s in batch])):
            s.image = png
    period = f"{sel.year} jämfört med {sel.compare_year}" if sel.compare_year else str(sel.year)
    progress(0.9, "Sätter ihop underlaget …")
    return Pack(sel, full_name, period, scope, today or dt.date.today(), demo, protection.threshold, sections)


# --- PDF -------------------------------------------------------------------------------------------------

def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


class _Pdf(FPDF):
    """A4 pages with the association, the period and the date above, the page number below."""

    def __init__(self, pack: Pack) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.pack = pack
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 12, 15)
        self.set_auto_page_break(True, margin=16)
        self.content_width = self.w - self.l_margin - self.r_margin

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("DejaVu", size=8)
        self.set_text_color(*_rgb(GREY))
        self.cell(0, 5, f"{self.pack.name} · Styrelseunderlag {self.pack.period}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, long_date(self.pack.made), align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*_rgb(ACCENT))
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(5)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        self.set_text_color(*_rgb(GREY))
        self.cell(0, 5, f"{'Demodata · ' if self.pack.demo else ''}{SUPPRESSED} = färre än {self.pack.threshold}",
                  align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Sida {self.page_no()} av {{nb}}", align="R")

    def text(self, size: float, body: str, colour: str = "#1A1A1A", bold: bool = False, height: float | None = None,
             after: float = 0) -> None:
        self.set_font("DejaVu", "B" if bold else "", size)
        self.set_text_color(*_rgb(colour))
        self.multi_cell(self.content_width, height or size * 0.5, body, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(after)

    def table_of(self, s: Section) -> None:
        table = s.table
        self.set_font("DejaVu", "", 8.5 if len(table.columns) <= 6 else 7.5)
        self.set_text_color(26, 26, 26)
        self.set_fill_color(255, 255, 255)
        self.set_draw_color(*_rgb("#C9D3E0"))
        self.set_line_width(0.2)
        align = ["LEFT"] * s.text_columns + ["RIGHT"] * (len(table.columns) - s.text_columns)
        with self.table(width=self.content_width, col_widths=_widths(table), text_align=align, line_height=4.6,
                        padding=(1, 1.5), borders_layout="HORIZONTAL_LINES",
                        headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=_rgb(ACCENT)),
                        cell_fill_color=_rgb(ZEBRA), cell_fill_mode=TableCellFillMode.ROWS) as grid:
            grid.row([str(c) for c in table.columns])
            for values in table.itertuples(index=False):
                grid.row([str(v) for v in values])


def to_pdf(pack: Pack) -> bytes:
    """The pack as an A4 PDF: a title page with the summary, then one page per section."""
    pdf = _Pdf(pack)
    pdf.set_title(f"Styrelseunderlag {pack.name} {pack.period}")
    pdf.set_author("finsam")
    pdf.set_lang("sv")
    pdf.set_creation_date(dt.datetime.combine(pack.made, dt.time()).astimezone())
    pdf.add_page()
    pdf.ln(18)
    pdf.text(28, "Styrelseunderlag", ACCENT, bold=True, after=3)
    pdf.text(18, pack.name, bold=True, after=2)
    pdf.text(13, f"Statistik för {pack.period}", after=1)
    pdf.text(10, f"{pack.scope} · skapat {long_date(pack.made)}", GREY, after=6)
    if pack.demo:
        pdf.set_fill_color(*_rgb(DEMO_FILL))
        pdf.set_font("DejaVu", "", 9.5)
        pdf.set_text_color(*_rgb(DEMO_TEXT))
        pdf.multi_cell(pdf.content_width, 5, DEMO_NOTE, align="L", fill=True, padding=3, new_x="LMARGIN",
                       new_y="NEXT")
        pdf.ln(6)
    pdf.text(15, "Sammanfattning", ACCENT, bold=True, after=2)
    for s in pack.sections[:-1]:
        pdf.text(10.5, s.title, bold=True, height=5.5)
        pdf.text(10.5, s.sentence, height=5.2, after=2.5)
    for s in pack.sections:
        pdf.add_page()
        pdf.start_section(s.title)
        pdf.text(17, s.title, ACCENT, bold=True, after=2)
        pdf.text(11.5, s.sentence, height=6, after=3)
        if s.image is not None:
            pdf.image(io.BytesIO(s.image), x=pdf.l_margin, w=pdf.content_width,
                      h=pdf.content_width * images.HEIGHT / images.WIDTH, alt_text=s.title)
            pdf.ln(3)
        if s.table is not None and len(s.table):
            pdf.table_of(s)
            pdf.ln(3)
        for note in s.notes:
            if s.key == "data":
                pdf.text(10.5, note, height=5.5, after=3)
            else:
                pdf.text(8, note, GREY, height=4, after=1)
    return bytes(pdf.output())


# --- PowerPoint ------------------------------------------------------------------------------------------

def _colour(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour[1:])


def _textbox(slide, left: float, top: float, width: float, height: float,
             lines: list[tuple[str, float, str, bool]], align: PP_ALIGN = PP_ALIGN.LEFT) -> None:
    """A text box (inches) with one paragraph per (text, size in pt, colour, bold)."""
    frame = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height)).text_frame
    frame.word_wrap = True
    for i, (body, size, colour, bold) in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        para.space_after = Pt(size * 0.4)
        run = para.add_run()
        run.text = body
        run.font.name, run.font.size, run.font.bold, run.font.color.rgb = SLIDE_FONT, Pt(size), bold, _colour(colour)


def _slide_layout(table: pd.DataFrame) -> tuple[float, float]:
    """The table's font size (pt) and width (inches) beside a chart: the largest size at which the table
    fits the content area (12.3 x 4.3 in) and leaves the chart at least 6.2 in."""
    chars, lines = sum(_widths(table)), len(table) + 2  # a header of two lines
    for size in (11, 10, 9, 8):
        width = chars * size * CHAR_EM / 72
        if width <= CONTENT_WIDTH - MIN_PICTURE - GAP and lines * size * ROW_EM / 72 <= CONTENT_HEIGHT:
            return size, max(width, 3.5)
    return 8, CONTENT_WIDTH - MIN_PICTURE - GAP


def _pptx_table(slide, s: Section, left: float, top: float, width: float, size: float) -> None:
    """The section's table as a PowerPoint table: the header in the accent colour, zebra rows."""
    table = s.table
    n_rows, n_cols = len(table) + 1, len(table.columns)
    row_height = Pt(size * ROW_EM)
    grid = slide.shapes.add_table(n_rows, n_cols, Inches(left), Inches(top), Inches(width),
                                  row_height * n_rows).table
    grid.first_row = True  # the header row marked as one (tblPr firstRow), read as headers by screen readers
    weights = _widths(table)
    for j, weight in enumerate(weights):
        grid.columns[j].width = Emu(int(Inches(width) * weight / sum(weights)))
    for i in range(n_rows):
        grid.rows[i].height = row_height
        for j in range(n_cols):
            cell = grid.cell(i, j)
            cell.text = str(table.columns[j] if i == 0 else table.iat[i - 1, j])
            cell.margin_left = cell.margin_right = Pt(4)
            cell.margin_top = cell.margin_bottom = Pt(2)
            para = cell.text_frame.paragraphs[0]
            para.alignment = PP_ALIGN.LEFT if j < s.text_columns else PP_ALIGN.RIGHT
            for run in para.runs:
                run.font.name, run.font.size, run.font.bold = SLIDE_FONT, Pt(size), i == 0
                run.font.color.rgb = RGBColor(255, 255, 255) if i == 0 else _colour("#1A1A1A")
            cell.fill.solid()
            cell.fill.fore_color.rgb = _colour(ACCENT if i == 0 else ZEBRA if i % 2 else "#FFFFFF")


def to_pptx(pack: Pack) -> bytes:
    """The pack as 16:9 slides: a title slide, then one slide per section with its chart as a picture and
    its table as a real (editable) PowerPoint table."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_WIDTH), Inches(7.5)
    count = len(pack.sections) + 1

    def footer(slide, number_: int) -> None:
        _textbox(slide, 0.5, 7.0, 10.8, 0.35, [(f"{pack.name} · Styrelseunderlag {pack.period} · "
                                                 f"{long_date(pack.made)}{' · Demodata' if pack.demo else ''} · "
                                                 f"{SUPPRESSED} = färre än {pack.threshold}", 10, GREY, False)])
        _textbox(slide, 11.3, 7.0, 1.55, 0.35, [(f"{number_} / {count}", 10, GREY, False)], PP_ALIGN.RIGHT)

    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _textbox(slide, 0.8, 1.4, 11.7, 4.8, [("Styrelseunderlag", 44, ACCENT, True), (pack.name, 30, "#1A1A1A", True),
                                         (f"Statistik för {pack.period}", 24, "#1A1A1A", False),
                                         (f"{pack.scope} · skapat {long_date(pack.made)}", 16, GREY, False)]
             + ([(DEMO_NOTE, 14, DEMO_TEXT, False)] if pack.demo else []))
    footer(slide, 1)
    for number_, s in enumerate(pack.sections, start=2):
        slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only: the title stays a real slide title
        title = slide.shapes.title
        title.left, title.top, title.width, title.height = Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.8)
        title.text = s.title
        para = title.text_frame.paragraphs[0]
        para.alignment = PP_ALIGN.LEFT
        font = para.runs[0].font
        font.name, font.size, font.bold, font.color.rgb = SLIDE_FONT, Pt(30), True, _colour(ACCENT)
        _textbox(slide, 0.5, 1.05, 12.3, 0.8, [(s.sentence, 18, "#1A1A1A", False)])
        if s.key == "data":
            _textbox(slide, 0.5, 1.9, 12.3, 5.0, [(note, 15, "#1A1A1A", False) for note in s.notes])
        else:
            has_table = s.table is not None and len(s.table) > 0
            size, table_width = _slide_layout(s.table) if has_table else (0, -GAP)
            if s.image is not None:
                picture_width = min(CONTENT_WIDTH - table_width - GAP, CONTENT_HEIGHT * images.WIDTH / images.HEIGHT)
                picture = slide.shapes.add_picture(io.BytesIO(s.image), Inches(0.5), Inches(2.0),
                                                   width=Inches(picture_width))
                # alternative text (WCAG 1.1.1): what a screen reader says for the chart
                picture._element.nvPicPr.cNvPr.set("descr", f"{s.title}. {s.sentence}")
                picture.name = s.title
            if has_table:
                _pptx_table(slide, s, 0.5 + CONTENT_WIDTH - table_width, 2.0, table_width, size)
            _textbox(slide, 0.5, 6.4, 12.3, 0.55, [(" ".join(s.notes), 10, GREY, False)])
        footer(slide, number_)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


# --- command line ----------------------------------------------------------------------------------------

def cmd_report(args) -> int:
    """python -m finsam report --association A --year Y [--compare-year Y2] [--municipality M ...]
    --format pdf|pptx --out FILE [--db PATH]"""
    from finsam.data import db

    path = args.db or config.load().db_path
    if not path.exists():
        print(f"Databasen {path} finns inte. Skapa den med: python -m finsam build --db {path}", file=sys.stderr)
        return 1
    con = db.connect(path, read_only=True)
    try:
        sel = selection(con, args.association, args.year, args.compare_year, args.municipality or ())
        pack = build(con, sel)
    except USER_ERRORS as e:
        print(e, file=sys.stderr)
        return 1
    finally:
        con.close()
    data = to_pdf(pack) if args.format == "pdf" else to_pptx(pack)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out}: styrelseunderlag {pack.name} {pack.period}, {len(pack.sections)} sections, "
          f"{len(data) // 1024} KiB")
    return 0
