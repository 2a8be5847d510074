"""The chapter's referral table as the association's layout has it: sources as rows (one per source, a column
per municipality) or as columns (a row per municipality, as the 2025 Sydnärke report prints it), merged
sources ("Psyk/Vc/Hab" as one), a Summa row and column and the shares in whole percent."""
from __future__ import annotations

import numpy as np
import pandas as pd

from finsam.exports.chapter_layout import ChapterContext
from finsam.exports.chapter_words import referred
from finsam.exports.sections import LANG, Chart, Section, Table, referrals as read_referrals
from finsam.labels import pct
from finsam.present import referral_charts

SOURCE = "Källa: finsam, deltagarregistrering"


def _merge(frame: pd.DataFrame, merge: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Rows (sources) summed into their merged label; a merged cell is hidden ('..') when a part is, since
    the parts' sum would otherwise be read as exact."""
    for label, codes in merge.items():
        parts = frame.loc[[c for c in codes if c in frame.index]]
        if parts.empty:
            continue
        merged = parts.sum(min_count=1).where(~parts.isna().any())
        frame = pd.concat([frame.drop(parts.index), merged.rename(label).to_frame().T])
    return frame


def _ordered(frame: pd.DataFrame, order: tuple[str, ...]) -> list:
    first = [c for c in order if c in frame.index]
    rest = sorted((c for c in frame.index if c not in first), key=lambda c: -np.nan_to_num(frame.total[c]))
    return [c for c in first + rest if not frame.total[c] == 0]


def referral_section(s: ChapterContext) -> Section:
    lay = s.layout
    labels = s.labels["referral_source"]
    ref = read_referrals(s)
    cells = {(r.referral_source, r.municipality_name): r.participations for r in ref.cross.itertuples()}
    frame = pd.DataFrame([[float(cells.get((c, m), 0.0)) for m in ref.munis] for c in ref.now.index],
                         index=ref.now.index, columns=ref.munis)  # no row: nobody (0); NaN: hidden
    frame["total"] = ref.now.participations.astype(float)
    frame["share"] = ref.now.share_pct.astype(float)
    frame = _merge(frame, lay.merge if lay else {})
    order = _ordered(frame, lay.order if lay else ())
    frame = frame.loc[order]
    munis = ref.munis
    split = s.run("municipality_split")
    muni_total = {m: _v_muni(split, m, s.y) for m in munis}
    grand = sum(muni_total.values())  # NaN when a municipality's total is hidden
    d = s.share_decimals
    if lay is not None and lay.orientation == "columns":
        rows = []
        for m in munis:
            row = {"Kommun": m, **{c: frame.at[c, m] for c in order}}
            if lay.summa:
                row["Summa"] = muni_total[m]
            rows.append(row)
        if lay.summa:
            rows.append({"Kommun": "Summa", **{c: frame.at[c, "total"] for c in order}, "Summa": grand})
        rows.append({"Kommun": "Andel (%)", **{c: frame.at[c, "share"] for c in order},
                     **({"Summa": 100.0} if lay.summa else {})})  # all of them; None would print '..' 
        data = pd.DataFrame(rows)
        decimals = {}
        named = {c: labels.get(c, c) for c in order}  # proper names and acronyms keep their capitals
        notes = ["Förkortningar: " + "; ".join(f"{c} = {n if c in ('FK', 'AF') or n.isupper() else n.lower()}"
                                               for c, n in named.items()) + ". Andel: av alla remitterade deltagare."]
    else:
        rows = []
        for c in order:
            row = {"Remittent": labels.get(c, c), **{m: frame.at[c, m] for m in munis},
                   f"Totalt {s.y}": frame.at[c, "total"], "Andel (%)": frame.at[c, "share"]}
            rows.append(row)
        if lay is None or lay.summa:
            rows.append({"Remittent": "Summa", **muni_total, f"Totalt {s.y}": grand, "Andel (%)": 100.0})
        data = pd.DataFrame(rows)
        decimals = {"Andel (%)": d}
        notes = []
    notes.append("Anonymt registrerade deltagare har ingen remittent och räknas inte här.")
    if ref.top is None:
        sentence = f"{s.name.capitalize()} hade inga remitterade deltagare {s.y}."
    else:
        sentence = (f"Flest deltagare {s.y} {referred(ref.top, ref.label)}: {ref.count}, eller "
                    f"{pct(ref.known.share_pct[ref.top], d)}.")
    b = Section("Remittenter", s.level, [sentence],
                [Table(data, s.caption(f"Deltagare {s.y} per kommun och remittent"), SOURCE, grand, decimals)],
                notes=notes)
    if s.with_charts and not ref.known.empty:
        b.charts.append(Chart(referral_charts.referrals(ref.split, labels, LANG, s.subtitle),
                              s.caption("Deltagare per remittent"),
                              f"Stapeldiagram: deltagare per remittent; flest från {ref.label}."))
    return b


def _v_muni(split: pd.DataFrame, municipality: str, year: int):
    r = split[(split.municipality_name == municipality) & (split.year == year)]
    return np.nan if r.empty else r.participations.iloc[0]

