"""The annual report's chapter's sections (finsam.exports.chapter): flow, municipalities, gender, referrals, time in
intervention, exits, follow-up, the five-year trend, goals, surveys and economy, for the association as a whole or
one intervention (the Context's intervention). Sentences as the chapter says them, written from the same frame as
their table; tables keep numbers as numbers (NaN = suppressed, printed ".."), with caption, source and n."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go

from finsam.exports import comparison_section
from finsam.exports.sections import (LANG, TREND_YEARS, Chart, Context, Section, Table, followup, key_figures,
                                     over_years, per_horizon, referrals)
from finsam.exports.sections import drawn as _drawn, row as _row, value as _v
from finsam.labels import col, fmt, pct, t
from finsam.present import outcome_charts, participant_charts, referral_charts

SOURCE = "Källa: finsam, deltagarregistrering"


def _charted(s: Context, b: Section, drawable: bool, chart: Callable[[], tuple[go.Figure, str, str]]) -> Section:
    """The section with its chart (figure, caption, alternative text) where the context draws charts (the
    association as a whole) and there is something to draw."""
    if s.with_charts and drawable:
        figure, caption, alt = chart()
        b.charts.append(Chart(figure, s.caption(caption), alt))
    return b


def _flow(s: Context) -> Section:
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
    b = Section("Deltagare och flöde", s.level, [sentence],
              [Table(data, s.caption(f"Deltagare och flöde {' och '.join(map(str, years))}"), SOURCE,
                     _v(now, "participants_total"))])
    return _charted(s, b, True, lambda: (
        participant_charts.flow(flow, LANG, s.subtitle), "Deltagare, nya och avslutade",
        f"Stapeldiagram: deltagare {s.y} {fmt(_v(now, 'participants_total'))}, nya {fmt(_v(now, 'new'))}, "
        f"avslutade {fmt(_v(now, 'ended'))}."))


def _municipalities(s: Context) -> Section:
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
    caption = f"Deltagare per hemkommun {s.y}" + (f", nya deltagare {s.y} och {s.c}" if s.c else "")
    table = Table(data, s.caption(caption), SOURCE + "; befolkningsandelar: SCB", total,
                  {f"Andel {s.y} (%)": 1, "Andel av befolkningen (%)": 1})
    b = Section("Kommuner och andel av befolkningen", s.level, [sentence], [table],
                notes=["Anonymt registrerade deltagare har ingen kommun och räknas inte här."])
    return _charted(s, b, not known.empty and total, lambda: (  # "top" is only known then
        participant_charts.municipalities(df, LANG, s.subtitle), "Andel deltagare och andel av befolkningen per kommun",
        f"Diagram: varje kommuns andel av deltagarna {s.y} bredvid dess andel av befolkningen; "
        f"flest från {top.municipality_name}."))


def _gender(s: Context) -> Section:
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
    b = Section("Könsfördelning", s.level, [sentence],
              [Table(data, s.caption("Deltagare efter kön"), SOURCE, df[df.year == s.y].participants.sum(min_count=1),
                     {f"Andel {y} (%)": 1 for y in s.sel.years})], notes=[t("anonymous_note", LANG)])
    # where the registered/anonymous split is hidden (few anonymous), the bars show the participants shown
    hidden = df.registered.isna() & df.participants.notna()
    drawn = df.assign(registered=df.registered.where(~hidden, df.participants),
                      anonymous=df.anonymous.where(~hidden, 0)).dropna(subset=["registered"])
    return _charted(s, b, True, lambda: (
        participant_charts.gender(drawn, labels, LANG, s.subtitle), "Könsfördelning",
        f"Stapeldiagram: kvinnor {pct(_v(w, 'share_pct'))} och män {pct(_v(m, 'share_pct'))} av deltagarna {s.y}."))


def _referrals(s: Context) -> Section:
    labels = s.labels["referral_source"]
    ref = referrals(s)
    split, cross, munis, now, known = ref.split, ref.cross, ref.munis, ref.now, ref.known
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
    sentence = (f"{s.name.capitalize()} hade inga remitterade deltagare {s.y}." if ref.top is None else
                f"Flest deltagare {s.y} remitterades från {ref.label}: {ref.count} ({ref.share}).")
    b = Section("Remittenter", s.level, [sentence],
              [Table(data, s.caption(f"Deltagare {s.y} per remittent och kommun"), SOURCE,
                     known.participations.sum(), {"Andel (%)": 1})],
              notes=["Anonymt registrerade deltagare har ingen remittent och räknas inte här."])
    return _charted(s, b, not known.empty, lambda: (
        referral_charts.referrals(_drawn(split, "participations"), labels, LANG, s.subtitle), "Deltagare per remittent",
        f"Stapeldiagram: deltagare per remittent; flest från {ref.label}."))


def _time(s: Context) -> Section:
    first = s.y - TREND_YEARS + 1
    df = s.query("time_in_intervention", s.filters((min(first, s.sel.years[0]), s.y)))
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
    b = Section("Tid i insats", s.level, [sentence],
              [Table(data, s.caption("Tid i insats för avslutade deltagare, medel"), SOURCE, _v(now, "ended"),
                     {"Dagar, medel": 0, "Månader, medel": 1})], notes=notes)
    return _charted(s, b, not df.empty, lambda: (
        outcome_charts.time_mean(df, LANG, s.subtitle), "Tid i insats, medel och median i dagar",
        f"Linjediagram: medel- och mediantid i insats per år i dagar; medeltid {s.y} {fmt(_v(now, 'mean_days'))} "
        "dagar."))


def _exits(s: Context) -> Section:
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
    b = Section("Avslut och positiva steg", s.level, [sentence],
              [Table(data, s.caption("Avslutade efter avslutsanledning"), SOURCE, _v(now, "ended"),
                     {f"Andel {y} (%)": 1 for y in s.sel.years})])
    return _charted(s, b, not df.empty, lambda: (
        outcome_charts.exits(_drawn(df, "share_pct"), labels, LANG, s.subtitle), "Avslutsanledningar",
        f"Stapeldiagram: andel av de avslutade {s.y} per avslutsanledning."))


def _followup(s: Context) -> Section | None:
    df = followup(s)
    if df.empty:
        return None
    horizon = {"6m": "Efter 6 månader", "18m": "Efter 18 månader"}
    data = pd.DataFrame([{"Uppföljning": horizon[r.horizon], "Avslutade år": int(r.year), "Behållit": r.kept,
                          "Inte behållit": r.not_kept, "Inget svar": r.no_answer, "I urvalet": r.due,
                          "Behållit (%)": r.retained_share_pct, "Svarsfrekvens (%)": r.response_rate_pct}
                         for r in df.itertuples()])
    parts = per_horizon(df, s.y, lambda h, r: (f"{horizon[h].lower()} hade {pct(r.retained_share_pct)} kvar sin "
                                               f"sysselsättning (svarsfrekvens {pct(r.response_rate_pct)} av "
                                               f"{fmt(r.due)})"))
    sentence = (f"Av dem som avslutade {s.y} med en positiv stegförflyttning " + " och ".join(parts) + "."
                if parts else f"Inga uppföljningar är registrerade för dem som avslutade {s.y}.")
    return Section("Uppföljning efter 6 och 18 månader", s.level, [sentence],
                 [Table(data, s.caption("Uppföljning efter 6 och 18 månader"), SOURCE, df.due.sum(min_count=1),
                        {"Behållit (%)": 1, "Svarsfrekvens (%)": 1}, text_columns=2)],
                 notes=["Behållit: andel av de svarande; svarsfrekvens: svarande av alla i urvalet."])


def _trend(s: Context) -> Section:
    first, kf = key_figures(s)
    data = pd.DataFrame({"År": kf.year.astype(int), "Deltagare": kf.participants_total, "Nya": kf.new,
                         "Avslutade": kf.ended})
    for measure, name in (("women_share_pct", "Kvinnor (%)"), ("mean_months", "Tid i insats (mån)"),
                          ("positive_share_pct", "Positivt steg (%)"), ("retained_6m_pct", "Kvar efter 6 mån (%)")):
        data[name] = kf[measure].astype(float)  # no figure (None) shown as a hidden one, as the chapter always has
    sentence = over_years(data, first, s.y, lambda a, b: (
        f"Antalet deltagare har gått från {fmt(a['Deltagare'])} år {int(a['År'])} till {fmt(b['Deltagare'])} "
        f"år {int(b['År'])}, och tiden i insats från {fmt(a['Tid i insats (mån)'], 1)} till "
        f"{fmt(b['Tid i insats (mån)'], 1)} månader."))
    return Section(f"Utvecklingen de senaste fem åren ({first}–{s.y})", s.level, [sentence],
                 [Table(data, s.caption(f"Nyckeltal {first}–{s.y}"), SOURCE, None,
                        {"Kvinnor (%)": 1, "Tid i insats (mån)": 1, "Positivt steg (%)": 1,
                         "Kvar efter 6 mån (%)": 1})])


def _goals(s: Context) -> Section | None:
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
    return Section("Måluppfyllelse", s.level, [sentence],
                 [Table(data, s.caption(f"Måluppfyllelse {s.y}"), "Källa: förbundets mål (styrelsebeslut), finsam",
                        None, {"Utfall": 1}, text_columns=3)])


def _surveys(s: Context) -> Section | None:
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
    return Section("Enkäter", s.level, [sentence],
                 [Table(data, s.caption("Indikatorenkäten (NNS), andel positiva svar"), "Källa: NNS indikatorenkät",
                        None, {f"Positiva svar {y} (%)": 0 for y in s.sel.years}, text_columns=2)])


def _economy(s: Context) -> Section | None:
    df = s.query("economy", replace(s.filters(), municipalities=()))
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
    return Section("Ekonomi", s.level, [sentence],
                 [Table(data, s.caption("Budget, använda medel och kostnad per deltagare"), "Källa: förbundets bokslut",
                        participants, text_columns=2)],
                 notes=["Kostnad per deltagare = använda medel / alla som deltog i insatsen under året."])


# the association as a whole, then each intervention
WHOLE = [_flow, _municipalities, _gender, _referrals, _time, _exits, _followup, _trend, _goals, _surveys, _economy,
         comparison_section.chapter]
INTERVENTION = [_flow, _municipalities, _gender, _referrals, _time, _exits, _followup, _goals, _economy]
