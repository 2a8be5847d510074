"""The annual report's statistics chapter: headings, sentences, tables and charts for one association and year
(optionally a comparison year and municipalities), the association as a whole and then every intervention.

Every figure comes through finsam.query.queries.run with the small-count protection on (the chapter is published);
tables keep numbers as numbers (NaN = suppressed, printed ".."), and every sentence is written from the same
frame as its table. finsam.exports.chapter_files writes the chapter as Word and as an Excel workbook.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd
import plotly.graph_objects as go

from finsam.present import outcome_charts, participant_charts, referral_charts, images
from finsam import config
from finsam.query import queries as q
from finsam.access import ADMIN, Access
from finsam.labels import col, t
from finsam.privacy import Protection
from finsam.exports.report import DEMO_NOTE, SUPPRESSED_NOTE, ReportError, Selection
from finsam.labels import fmt, pct

LANG = "sv"
TREND_YEARS = 5
SOURCE = "Källa: finsam, deltagarregistrering"


@dataclass
class Table:
    data: pd.DataFrame  # numbers as numbers; NaN = suppressed
    caption: str
    source: str
    n: int | float | None  # the count the table is over (NaN when suppressed)
    decimals: dict[str, int] = field(default_factory=dict)  # columns with decimals; others integers
    text_columns: int = 1


@dataclass
class Chart:
    figure: go.Figure
    caption: str
    alt: str
    image: bytes | None = None


@dataclass
class Block:
    heading: str
    level: int
    sentences: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Chapter:
    selection: Selection
    name: str
    title: str
    blocks: list[Block]

    @property
    def file_stem(self) -> str:
        return f"arsrapport_statistik_{self.selection.association}_{self.selection.year}".replace(" ", "_")

    @property
    def tables(self) -> list[Table]:
        return [tb for b in self.blocks for tb in b.tables]

    @property
    def charts(self) -> list[Chart]:
        return [c for b in self.blocks for c in b.charts]


@dataclass
class Scope:
    """The association as a whole (intervention None) or one intervention."""
    con: object
    sel: Selection
    access: Access
    protection: Protection
    labels: dict[str, dict[str, str]]
    intervention: str | None
    name: str  # how sentences name it: "Samordningsteamet", "förbundet"
    level: int  # heading level of its sections
    with_charts: bool

    def filters(self, years: tuple[int, int] | None = None) -> q.Filters:
        f = self.sel.filters()
        f = replace(f, interventions=(self.intervention,) if self.intervention else ())
        return replace(f, years=years) if years else f

    def run(self, name: str, **kwargs) -> pd.DataFrame:
        return self.sel.of_years(q.run(self.con, name, self.filters(), protection=self.protection,
                                       access=self.access, **kwargs))

    @property
    def y(self) -> int:
        return self.sel.year

    @property
    def c(self) -> int | None:
        return self.sel.compare_year

    @property
    def subtitle(self) -> str:
        return " · ".join([self.sel.association] + ([self.intervention] if self.intervention else [])
                          + [" och ".join(map(str, self.sel.years))])

    def caption(self, text: str) -> str:
        return f"{text}, {self.intervention or self.sel.association}"


def _row(df: pd.DataFrame, **where) -> pd.Series | None:
    for k, v in where.items():
        df = df[df[k] == v]
    return None if df.empty else df.iloc[0]


def _v(row, column):
    return None if row is None else row[column]


def _flow(s: Scope) -> Block:
    flow = s.run("participant_flow")
    women = s.run("gender_split")
    women = women[women.gender == "kvinna"]
    years = [y for y in s.sel.years]
    measures = ["participants_total", "new", "ended", "ongoing"]
    data = pd.DataFrame({"Mått": [col(m, LANG) for m in measures]})
    for y in years:
        r = _row(flow, year=y)
        data[str(y)] = [_v(r, m) for m in measures]
    now, before = _row(flow, year=s.y), _row(flow, year=s.c)
    sentence = (f"Under {s.y} har {s.name} haft {fmt(_v(now, 'participants_total'))} deltagare, varav "
                f"{fmt(_v(now, 'new'))} nya och {fmt(_v(now, 'ended'))} som avslutade under året; "
                f"{fmt(_v(now, 'ongoing'))} deltog fortfarande vid årets slut.")
    if before is not None:
        sentence += f" År {s.c} var deltagarna {fmt(before.participants_total)}."
    w = _row(women, year=s.y)
    if w is not None:
        sentence += f" Andelen kvinnor var {pct(w.share_pct)}."
    b = Block("Deltagare och flöde", s.level, [sentence],
              [Table(data, s.caption(f"Deltagare och flöde {' och '.join(map(str, years))}"), SOURCE,
                     _v(now, "participants_total"))])
    if s.with_charts:
        b.charts.append(Chart(participant_charts.flow(flow, LANG, s.subtitle), s.caption("Deltagare, nya och avslutade"),
                              f"Stapeldiagram: deltagare {s.y} {fmt(_v(now, 'participants_total'))}, nya "
                              f"{fmt(_v(now, 'new'))}, avslutade {fmt(_v(now, 'ended'))}."))
    return b


def _municipalities(s: Scope) -> Block:
    df = s.run("municipality_split")
    names = sorted(df.municipality_name.unique())
    rows = []
    for name in names:
        now, before = _row(df, municipality_name=name, year=s.y), _row(df, municipality_name=name, year=s.c)
        row = {"Kommun": name, f"Deltagare {s.y}": _v(now, "participations"), f"Andel {s.y} (%)": _v(now, "share_pct"),
               f"Nya {s.y}": _v(now, "new")}
        if s.c:
            row[f"Nya {s.c}"] = _v(before, "new")
        row["Andel av befolkningen (%)"] = _v(now, "population_share_pct")
        rows.append(row)
    data = pd.DataFrame(rows)
    known = df[df.year == s.y].dropna(subset=["participations"])
    total = known.participations.sum()
    if known.empty or total == 0:
        sentence = f"{s.name.capitalize()} hade inga deltagare med registrerad kommun {s.y}."
    else:
        top = known.loc[known.participations.idxmax()]
        parts = []
        for r in df[df.year == s.y].sort_values("municipality_name").itertuples():
            p = f"{r.municipality_name} {fmt(r.new)}"
            if s.c:
                p += f" ({fmt(_v(_row(df, municipality_name=r.municipality_name, year=s.c), 'new'))})"
            parts.append(p)
        sentence = (f"Flest deltagare {s.y} kom från {top.municipality_name}: {fmt(top.participations)}, "
                    f"{pct(top.share_pct)} av deltagarna mot {pct(top.population_share_pct)} av befolkningen. "
                    f"Nya deltagare per hemkommun {s.y}" + (f" (inom parentes {s.c})" if s.c else "")
                    + ": " + ", ".join(parts) + ".")
    b = Block("Kommuner och andel av befolkningen", s.level, [sentence],
              [Table(data, s.caption(f"Deltagare per hemkommun {s.y}" + (f", nya deltagare {s.y} och {s.c}" if s.c else "")),
                     SOURCE + "; befolkningsandelar: SCB", total,
                     {f"Andel {s.y} (%)": 1, "Andel av befolkningen (%)": 1})],
              notes=["Anonymt registrerade deltagare har ingen kommun och räknas inte här."])
    if s.with_charts and not known.empty:
        b.charts.append(Chart(participant_charts.municipalities(df, LANG, s.subtitle), s.caption("Andel deltagare och andel av befolkningen per kommun"),
                              f"Diagram: varje kommuns andel av deltagarna {s.y} bredvid dess andel av befolkningen; "
                              f"flest från {top.municipality_name}."))
    return b


def _gender(s: Scope) -> Block:
    labels = s.labels["gender"]
    df = s.run("gender_split")
    rows = []
    for code in sorted(set(df.gender), key=lambda g: list(labels).index(g) if g in labels else 99):
        row = {"Kön": labels.get(code, code)}
        for y in s.sel.years:
            r = _row(df, gender=code, year=y)
            row[f"Deltagare {y}"], row[f"Andel {y} (%)"] = _v(r, "participants"), _v(r, "share_pct")
        rows.append(row)
    data = pd.DataFrame(rows)
    w, m = _row(df, gender="kvinna", year=s.y), _row(df, gender="man", year=s.y)
    sentence = (f"Av deltagarna {s.y} var {fmt(_v(w, 'participants'))} kvinnor ({pct(_v(w, 'share_pct'))}) och "
                f"{fmt(_v(m, 'participants'))} män ({pct(_v(m, 'share_pct'))}).")
    before = _row(df, gender="kvinna", year=s.c)
    if before is not None:
        sentence += f" År {s.c} var andelen kvinnor {pct(before.share_pct)}."
    b = Block("Könsfördelning", s.level, [sentence],
              [Table(data, s.caption("Deltagare efter kön"), SOURCE, df[df.year == s.y].participants.sum(min_count=1),
                     {f"Andel {y} (%)": 1 for y in s.sel.years})], notes=[t("anonymous_note", LANG)])
    if s.with_charts:
        # where the registered/anonymous split is hidden (few anonymous), the bars show the participants shown
        hidden = df.registered.isna() & df.participants.notna()
        drawn = df.assign(registered=df.registered.where(~hidden, df.participants),
                          anonymous=df.anonymous.where(~hidden, 0)).dropna(subset=["registered"])
        b.charts.append(Chart(participant_charts.gender(drawn, labels, LANG, s.subtitle),
                              s.caption("Könsfördelning"),
                              f"Stapeldiagram: kvinnor {pct(_v(w, 'share_pct'))} och män {pct(_v(m, 'share_pct'))} "
                              f"av deltagarna {s.y}."))
    return b


def _referrals(s: Scope) -> Block:
    labels = s.labels["referral_source"]
    split = s.run("referral_split")
    cross = s.run("referral_by_municipality")
    cross = cross[cross.year == s.y]
    munis = sorted(cross.municipality_name.unique())
    now = split[split.year == s.y].set_index("referral_source")
    order = sorted(now.index, key=lambda c: (-(now.participations.fillna(0)[c]), labels.get(c, c)))
    rows = []
    for code in order:
        row = {"Remittent": labels.get(code, code)}
        for m in munis:
            r = _row(cross, referral_source=code, municipality_name=m)
            row[m] = 0 if r is None else r.participations
        row[f"Totalt {s.y}"], row["Andel (%)"] = now.participations[code], now.share_pct[code]
        rows.append(row)
    data = pd.DataFrame(rows)
    known = now.dropna(subset=["participations"])
    if known.empty:
        sentence = f"{s.name.capitalize()} hade inga remitterade deltagare {s.y}."
    else:
        top = known.participations.idxmax()
        sentence = (f"Flest deltagare {s.y} remitterades från {labels.get(top, top)}: {fmt(known.participations[top])} "
                    f"({pct(known.share_pct[top])}).")
    b = Block("Remittenter", s.level, [sentence],
              [Table(data, s.caption(f"Deltagare {s.y} per remittent och kommun"), SOURCE,
                     known.participations.sum(), {"Andel (%)": 1})],
              notes=["Anonymt registrerade deltagare har ingen remittent och räknas inte här."])
    if s.with_charts and not known.empty:
        b.charts.append(Chart(referral_charts.referrals(split.dropna(subset=["participations"]), labels, LANG, s.subtitle),
                              s.caption("Deltagare per remittent"),
                              f"Stapeldiagram: deltagare per remittent; flest från {labels.get(top, top)}."))
    return b


def _time(s: Scope) -> Block:
    first = s.y - TREND_YEARS + 1
    df = q.run(s.con, "time_in_intervention", s.filters((min(first, s.sel.years[0]), s.y)), protection=s.protection,
               access=s.access)
    df = df[df.ended.isna() | (df.ended > 0)]
    data = pd.DataFrame({"År": df.year.astype(int), "Avslutade": df.ended, "Dagar, medel": df.mean_days,
                         "Månader, medel": df.mean_months})
    now = _row(df, year=s.y)
    if now is None:
        sentence = f"Ingen avslutade sin insats i {s.name} {s.y}."
    else:
        sentence = (f"Medeltal för deltagande i {s.name} under {s.y} är {fmt(now.mean_days)} dagar, omräknat "
                    f"{fmt(now.mean_months, 1)} månader, för de {fmt(now.ended)} som avslutade under året.")
        before = _row(df, year=s.c or s.y - 1)
        if before is not None:
            sentence += f" År {int(before.year)} var det {fmt(before.mean_months, 1)} månader."
    notes = ["En månad räknas som 30 dagar, som i årsrapporterna."]
    if s.intervention is None:
        notes.append("Snittet beräknas på samtliga förbundets deltagare som avslutade under året, alla insatser.")
    b = Block("Tid i insats", s.level, [sentence],
              [Table(data, s.caption("Tid i insats för avslutade deltagare, medel"), SOURCE, _v(now, "ended"),
                     {"Dagar, medel": 0, "Månader, medel": 1})], notes=notes)
    if s.with_charts and not df.empty:
        b.charts.append(Chart(outcome_charts.time_mean(df, LANG, s.subtitle), s.caption("Tid i insats, medel och median i dagar"),
                              f"Linjediagram: medel- och mediantid i insats per år i dagar; medeltid {s.y} "
                              f"{fmt(_v(now, 'mean_days'))} dagar."))
    return b


def _exits(s: Scope) -> Block:
    labels = s.labels["exit_reason"]
    df = s.run("exit_reasons")
    steps = s.run("positive_steps")
    rows = []
    for code in [c for c in labels if c in set(df.exit_reason)]:
        row = {"Avslutsanledning": labels[code]}
        for y in s.sel.years:
            r = _row(df, year=y, exit_reason=code)
            row[f"Avslutade {y}"] = 0 if r is None else r.ended
            row[f"Andel {y} (%)"] = 0 if r is None else r.share_pct
        rows.append(row)
    total, positive = {"Avslutsanledning": "Avslutade totalt"}, {"Avslutsanledning": "Positiv stegförflyttning"}
    for y in s.sel.years:
        r = _row(steps, year=y)
        ended = _v(r, "ended")
        total[f"Avslutade {y}"] = ended
        # the total's share is all of them, not '..' as if it were hidden (a hidden total stays hidden)
        total[f"Andel {y} (%)"] = 100.0 if pd.notna(ended) and ended > 0 else None
        positive[f"Avslutade {y}"], positive[f"Andel {y} (%)"] = _v(r, "positive"), _v(r, "share_pct")
    rows += [total, positive]
    data = pd.DataFrame(rows)
    now = _row(steps, year=s.y)
    if now is None or not now.ended:
        sentence = f"Ingen avslutade sin insats i {s.name} {s.y}."
    else:
        sentence = (f"Av de {fmt(now.ended)} deltagare som avslutade {s.y} hade {fmt(now.positive)} "
                    f"({pct(now.share_pct)}) tagit ett positivt steg mot arbete eller studier.")
    b = Block("Avslut och positiva steg", s.level, [sentence],
              [Table(data, s.caption("Avslutade efter avslutsanledning"), SOURCE, _v(now, "ended"),
                     {f"Andel {y} (%)": 1 for y in s.sel.years})])
    if s.with_charts and not df.empty:
        b.charts.append(Chart(outcome_charts.exits(df.dropna(subset=["share_pct"]), labels, LANG, s.subtitle),
                              s.caption("Avslutsanledningar"),
                              f"Stapeldiagram: andel av de avslutade {s.y} per avslutsanledning."))
    return b


def _followup(s: Scope) -> Block | None:
    df = s.run("followup")
    df = df[df.due.isna() | (df.due > 0)]
    if df.empty:
        return None
    horizon = {"6m": "Efter 6 månader", "18m": "Efter 18 månader"}
    data = pd.DataFrame([{"Uppföljning": horizon[r.horizon], "Avslutade år": int(r.year), "Behållit": r.kept,
                          "Inte behållit": r.not_kept, "Inget svar": r.no_answer, "I urvalet": r.due,
                          "Behållit (%)": r.retained_share_pct, "Svarsfrekvens (%)": r.response_rate_pct}
                         for r in df.itertuples()])
    parts = []
    for h in ("6m", "18m"):
        r = _row(df, year=s.y, horizon=h)
        if r is not None:
            parts.append(f"{horizon[h].lower()} hade {pct(r.retained_share_pct)} kvar sin sysselsättning "
                         f"(svarsfrekvens {pct(r.response_rate_pct)} av {fmt(r.due)})")
    sentence = (f"Av dem som avslutade {s.y} med en positiv stegförflyttning " + " och ".join(parts) + "."
                if parts else f"Inga uppföljningar är registrerade för dem som avslutade {s.y}.")
    return Block("Uppföljning efter 6 och 18 månader", s.level, [sentence],
                 [Table(data, s.caption("Uppföljning efter 6 och 18 månader"), SOURCE, df.due.sum(min_count=1),
                        {"Behållit (%)": 1, "Svarsfrekvens (%)": 1}, text_columns=2)],
                 notes=["Behållit: andel av de svarande; svarsfrekvens: svarande av alla i urvalet."])


def _trend(s: Scope) -> Block:
    first = s.y - TREND_YEARS + 1
    kf = q.run(s.con, "key_figures", s.filters((first, s.y)), protection=s.protection, access=s.access)
    kf = kf[kf.participants_total.isna() | (kf.participants_total > 0)]
    series = q.key_figure_series(kf)
    data = pd.DataFrame({"År": kf.year.astype(int), "Deltagare": kf.participants_total, "Nya": kf.new,
                         "Avslutade": kf.ended})
    for measure, name in (("women_share_pct", "Kvinnor (%)"), ("mean_months", "Tid i insats (mån)"),
                          ("positive_step_pct", "Positivt steg (%)"), ("retained_6m_pct", "Kvar efter 6 mån (%)")):
        data[name] = kf.year.map(series[measure])
    data = data.reset_index(drop=True)
    if len(data) < 2:
        sentence = f"Uppgifter finns bara för {s.y} av åren {first}–{s.y}."
    else:
        a, b = data.iloc[0], data.iloc[-1]
        sentence = (f"Antalet deltagare har gått från {fmt(a['Deltagare'])} år {int(a['År'])} till {fmt(b['Deltagare'])} "
                    f"år {int(b['År'])}, och tiden i insats från {fmt(a['Tid i insats (mån)'], 1)} till "
                    f"{fmt(b['Tid i insats (mån)'], 1)} månader.")
    return Block(f"Utvecklingen de senaste fem åren ({first}–{s.y})", s.level, [sentence],
                 [Table(data, s.caption(f"Nyckeltal {first}–{s.y}"), SOURCE, None,
                        {"Kvinnor (%)": 1, "Tid i insats (mån)": 1, "Positivt steg (%)": 1,
                         "Kvar efter 6 mån (%)": 1})])


def _goals(s: Scope) -> Block | None:
    """Måluppfyllelse: the year's goals measured as on the Mål page and in the board pack (finsam.query.goals)."""
    from finsam.query import goals

    df = goals.attainment(s.con, s.filters((s.y, s.y)), s.y, s.protection, access=s.access)
    if s.intervention:
        df = df[df.intervention == s.intervention]
    if df.empty:
        return None
    rows = list(df.itertuples())
    data = pd.DataFrame({"Mål": df.text, "Status": [goals.status_text(r) for r in rows],
                         "Målvärde": [goals.target_text(r) for r in rows], "Utfall": df.outcome,
                         "n": df.n.where([bool(r.indicator) for r in rows])}).reset_index(drop=True)
    counts = df.status.value_counts()
    sentence = (f"{s.name.capitalize()} hade {len(df)} mål för {s.y}: "
                + ", ".join(f"{counts[w]} {w}" for w in goals.STATUSES if w in counts) + ".")
    return Block("Måluppfyllelse", s.level, [sentence],
                 [Table(data, s.caption(f"Måluppfyllelse {s.y}"), "Källa: förbundets mål (styrelsebeslut), finsam",
                        None, {"Utfall": 1}, text_columns=3)])


def _surveys(s: Scope) -> Block | None:
    nns = s.run("surveys", survey="nns")
    if nns.empty:
        return None
    nns = nns[nns.answer_group == "all"]
    rows = []
    for (timepoint, question), d in nns.groupby(["timepoint", "question"], sort=False):
        row = {"Fråga": d.question_text.iloc[0], "Tidpunkt": "vid avslut" if timepoint == "exit" else
               "vid start" if timepoint == "start" else timepoint}
        for y in s.sel.years:
            r = _row(d, year=y)
            row[f"Positiva svar {y} (%)"] = _v(r, "positive_share_pct")
        r = _row(d, year=s.y)
        respondents = _v(r, "respondents")
        row[f"Svarande {s.y}"] = None if respondents is None or pd.isna(respondents) else respondents
        rows.append(row)
    data = pd.DataFrame(rows)
    now = nns[nns.year == s.y]
    sentence = (f"I indikatorenkäten {s.y} besvarades {len(now)} frågor; andelen positiva svar låg mellan "
                f"{pct(now.positive_share_pct.min())} och {pct(now.positive_share_pct.max())}."
                if not now.empty and now.positive_share_pct.notna().any() else f"Enkätsvaren för {s.y}.")
    return Block("Enkäter", s.level, [sentence],
                 [Table(data, s.caption("Indikatorenkäten (NNS), andel positiva svar"), "Källa: NNS indikatorenkät",
                        None, {f"Positiva svar {y} (%)": 0 for y in s.sel.years}, text_columns=2)])


def _economy(s: Scope) -> Block | None:
    df = q.run(s.con, "economy", replace(s.filters(), municipalities=()), protection=s.protection, access=s.access)
    df = s.sel.of_years(df)
    if df.empty:
        return None
    data = pd.DataFrame({"Insats": df.intervention_id, "År": df.year.astype(int), "Budget (kr)": df.granted_sek,
                         "Använt (kr)": df.used_sek, "Avvikelse (kr)": df.deviation_sek, "Deltagare": df.participants,
                         "Kostnad per deltagare (kr)": df.cost_per_participant_sek})
    now = df[df.year == s.y]
    used, participants = now.used_sek.sum(), now.participants.sum()
    sentence = f"Under {s.y} användes {fmt(used)} kr av en budget på {fmt(now.granted_sek.sum())} kr"
    sentence += f", {fmt(used / participants)} kr per deltagare." if participants else "."
    return Block("Ekonomi", s.level, [sentence],
                 [Table(data, s.caption("Budget, använda medel och kostnad per deltagare"), "Källa: förbundets bokslut",
                        participants, text_columns=2)],
                 notes=["Kostnad per deltagare = använda medel / alla som deltog i insatsen under året."])


SECTIONS = [_flow, _municipalities, _gender, _referrals, _time, _exits, _followup, _trend, _goals, _surveys, _economy]
INTERVENTION_SECTIONS = [_flow, _municipalities, _gender, _referrals, _time, _exits, _followup, _goals, _economy]


def _data_note(sel: Selection, demo: bool, threshold: int) -> Block:
    notes = [SUPPRESSED_NOTE.format(threshold),
             "En deltagare räknas ett år om deltagandet pågick någon gång under året. Tid i insats, avslut, positiva "
             "steg och uppföljning gäller dem som avslutade under året.", t("anonymous_note", LANG),
             "Siffrorna är desamma som i finsam-dashboarden för samma urval."]
    if demo:
        notes.insert(0, DEMO_NOTE)
    return Block("Om underlaget och skyddet av små tal", 2, notes=notes)


def build(con, sel: Selection, access: Access = ADMIN, render: bool = True) -> Chapter:
    """The chapter's blocks, charts rendered to PNG when render."""
    if not access.sees_records or not access.allows(sel.association):
        raise ReportError(f"Ingen behörighet till deltagaruppgifterna för {sel.association}.")
    protection = Protection(threshold=int(config.setting("FINSAM_SMALL_COUNT")))
    labels = {name: dict(zip(df.code, df.label_sv)) for name in ("gender", "referral_source", "exit_reason")
              for df in [q.code_list(con, name)]}
    full_name = con.execute("SELECT full_name_sv FROM association WHERE association_id = ?",
                            [sel.association]).fetchone()[0]
    whole = Scope(con, sel, access, protection, labels, None, "förbundet", 3, True)
    flow = whole.run("participant_flow")
    if flow[flow.year == sel.year].participants_total.fillna(1).sum() == 0:
        raise ReportError(f"Urvalet har inga deltagare {sel.year}.")
    period = f"{sel.year}" + (f" jämfört med {sel.compare_year}" if sel.compare_year else "")
    blocks = [Block(f"Statistik {period}", 1, [f"Statistiken gäller {full_name} {period}: först förbundet som "
                                                f"helhet, sedan varje insats för sig."]),
              Block("Förbundet som helhet", 2)]
    blocks += [b for make in SECTIONS for b in [make(whole)] if b is not None]
    ivs = q.interventions(con, (sel.association,))
    ivs = ivs[(ivs.first_year <= sel.year) & (ivs.last_year >= sel.year)]
    for iv in ivs.itertuples():
        scope = Scope(con, sel, access, protection, labels, iv.intervention_id, iv.name_sv, 3, False)
        if scope.run("participant_flow").query("year == @sel.year").participants_total.fillna(1).sum() == 0:
            continue
        blocks.append(Block(iv.name_sv, 2))
        blocks += [b for make in INTERVENTION_SECTIONS for b in [make(scope)] if b is not None]
    blocks.append(_data_note(sel, q.is_demo(con, (sel.association,)), protection.threshold))
    chapter = Chapter(sel, full_name, f"Statistik {period}", blocks)
    if render:
        figs = chapter.charts
        for i in range(0, len(figs), 2):
            for c, png in zip(figs[i:i + 2], images.pngs([c.figure for c in figs[i:i + 2]])):
                c.image = png
    return chapter
