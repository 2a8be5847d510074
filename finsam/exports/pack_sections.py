"""The board pack's sections on the participants: flow, municipalities, gender, referrals, time in intervention,
exits and follow-up, each one sentence with its main figure, a chart and the table behind it (cells printed
through fmt() or pct(), a suppressed value as ".."), from the selection's Context (finsam.exports.sections)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go

from finsam.exports.sections import LANG, Chart, Context, Section, Table, followup, per_horizon, referrals
from finsam.exports.sections import row as _row, value as _get
from finsam.labels import col, fmt, pct, t
from finsam.present import outcome_charts, participant_charts, referral_charts
from finsam.query import queries as q


def section(key: str, title: str, sentence: str, figure: go.Figure | None = None,
            table: pd.DataFrame | None = None, notes: list[str] | None = None, text_columns: int = 1) -> Section:
    """A section of the pack: one sentence, its chart and its table of printed cells."""
    return Section(title, sentences=[sentence],
                   tables=[] if table is None else [Table(table, text_columns=text_columns)],
                   charts=[] if figure is None else [Chart(figure)], notes=list(notes or []), key=key)


def text_table(rows: list[list[str]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _flow(ctx: Context) -> Section:
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
    return section("flow", "Deltagare och flöde", sentence, participant_charts.flow(flow, LANG, ctx.subtitle),
                   text_table(rows, columns),
                   ["Deltagare totalt: alla som deltog någon gång under året, även anonymt registrerade. "
                    "Pågående: deltar fortfarande vid årets slut."], text_columns=2)


def _municipalities(ctx: Context) -> Section:
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
        if len(ctx.sel.municipalities) == 1:  # a share of the selection would be 100 %: say the association's
            everyone = ctx.query("municipality_split", replace(ctx.filters(), municipalities=()))
            of_all = _row(everyone[everyone.municipality_name == top.municipality_name], year=ctx.y)
            sentence = (f"{top.municipality_name} hade {fmt(top.participations)} deltagare {ctx.y}, "
                        f"{pct(_get(of_all, 'share_pct'))} av förbundets deltagare, mot "
                        f"{pct(top.population_share_pct)} av förbundets befolkning.")
        else:
            of = "de valda kommunernas deltagare" if ctx.sel.municipalities else "deltagarna"
            sentence = (f"{top.municipality_name} hade flest deltagare {ctx.y}: {fmt(top.participations)} "
                        f"({pct(top.share_pct)} av {of}) mot {pct(top.population_share_pct)} av befolkningen.")
    notes = ["Andel av befolkningen: kommunens andel av förbundets befolkning, som i årsrapporterna. "
             "Anonymt registrerade deltagare har ingen kommun och räknas inte här."]
    if ctx.sel.municipalities:
        notes.append("Andelarna av deltagarna gäller de valda kommunerna.")
    return section("municipalities", "Kommuner och andel av befolkningen", sentence,
                   participant_charts.municipalities(df, LANG, ctx.subtitle), text_table(rows, columns), notes)


def _gender(ctx: Context) -> Section:
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
    figure = participant_charts.gender(df, labels, LANG, ctx.subtitle)
    return section("gender", "Könsfördelning", sentence, figure,
                   text_table(rows, columns), [t("anonymous_note", LANG)], text_columns=2)


def _referrals(ctx: Context) -> Section:
    labels = ctx.labels["referral_source"]
    ref = referrals(ctx)
    split, cross, munis, now = ref.split, ref.cross, ref.munis, ref.now
    cells = {(r.referral_source, r.municipality_name): r.participations for r in cross.itertuples()}
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
    if ref.top is None:
        sentence = f"Inga remitterade deltagare {ctx.y}."
    else:
        sentence = f"{ref.label} remitterade flest deltagare {ctx.y}: {ref.count} ({ref.share})"
        sentence += (f", mot {fmt(before.participations[ref.top])} år {ctx.c}." if ref.top in before.index else ".")
    figure = referral_charts.referrals(split, labels, LANG, ctx.subtitle)
    return section("referrals", "Remittenter", sentence, figure,
                   text_table(rows, columns),
                   [f"Tabellen: deltagare {ctx.y} per remittent och kommun. Anonymt registrerade deltagare har "
                    "ingen remittent och räknas inte här."])


def _time(ctx: Context) -> Section:
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
    return section("time", "Tid i insats", sentence,
                   outcome_charts.time_distribution(dist, LANG, ctx.subtitle) if not dist.empty else None,
                   text_table(rows, columns), ["Gäller dem som avslutade under året; en månad räknas som 30 dagar, "
                                           "som i årsrapporterna."])


def _exits(ctx: Context) -> Section:
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
    figure = outcome_charts.exits(df, labels, LANG, ctx.subtitle) if not df.empty else None
    return section("exits", "Avslut och positiva steg", sentence, figure, text_table(rows, columns),
                   ["Positiv stegförflyttning: andel av de avslutade med uppgiften registrerad."])


def _followup(ctx: Context) -> Section:
    df = followup(ctx)
    horizon = {"6m": t("six_months", LANG), "18m": t("eighteen_months", LANG)}
    columns = [col("horizon", LANG), "Avslutade år"] + [col(c, LANG) for c in ("kept", "not_kept", "no_answer", "due")]
    columns += ["Behållit (%)", col("response_rate_pct", LANG)]
    ordered = df.assign(h=df.horizon.map({"6m": 0, "18m": 1})).sort_values(["h", "year"])
    rows = [[horizon[r.horizon], str(r.year), fmt(r.kept), fmt(r.not_kept), fmt(r.no_answer), fmt(r.due),
             fmt(r.retained_share_pct), fmt(r.response_rate_pct)] for r in ordered.itertuples()]
    parts = per_horizon(df, ctx.y, lambda h, r: f"{pct(r.retained_share_pct)} kvar den efter {horizon[h].lower()} "
                                                f"(svarsfrekvens {pct(r.response_rate_pct)} av {fmt(r.due)})")
    if parts:
        sentence = (f"Av de svarande som avslutade {ctx.y} med en positiv stegförflyttning hade "
                    + " och ".join(parts) + ".")
    else:
        sentence = f"Inga uppföljningar är registrerade för dem som avslutade {ctx.y}."
    return section("followup", "Uppföljning efter 6 och 18 månader", sentence,
                   outcome_charts.followup(df, LANG, ctx.subtitle) if rows else None, text_table(rows, columns),
                   ["Uppföljningen gäller dem som avslutade under året med en positiv stegförflyttning. Behållit: "
                    "andel av de svarande; svarsfrekvens: svarande av alla i urvalet."], text_columns=2)


PARTICIPANTS = (_flow, _municipalities, _gender, _referrals, _time, _exits, _followup)
