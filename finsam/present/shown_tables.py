"""Tables as the pages show them: every number formatted with finsam.labels (Swedish or English, a hidden
value `..`, no figure `–`), measures and dimensions by name, codes by their label. The downloads keep
numbers as numbers (finsam.present.tables); what is read on the screen is this."""
from __future__ import annotations

import pandas as pd

from finsam.labels import MISSING, SUPPRESSED, col, fmt, pct, t, term

DECIMALS = {"mean_days": 0, "median_days": 0, "mean_months": 1, "change_pct": 1}
PLAIN = ("year", "first_year", "last_year", "band_order", "question")  # numbers that are names: as they are


def decimals(column: str, values: pd.Series) -> int:
    """How many decimals a column's numbers get: counts and kronor none, shares and means one."""
    if column in DECIMALS:
        return DECIMALS[column]
    if column.endswith("_sek"):
        return 0
    if column.endswith("_pct") or column.endswith("_share"):
        return 1
    known = pd.to_numeric(values, errors="coerce").dropna()
    return 0 if (known == known.round()).all() else 1


def formatted(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The frame with every number column as text (labels.fmt): '1 234', '35,8', '..' for a hidden value."""
    out = df.copy()
    for column in out.columns:
        values = out[column]
        if column in PLAIN:
            out[column] = [MISSING if v is None or v != v else str(int(v)) if isinstance(v, float) else str(v)
                           for v in values]
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            d = decimals(str(column), values)
            out[column] = [fmt(None if v is None else v, d, lang) for v in values]
    return out


def named(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """formatted(), with the columns named in the language (labels.col): a table as a page shows it."""
    return formatted(df, lang).rename(columns={c: col(c, lang) for c in df.columns})


def _value(value, unit: str, decimals_: int, lang: str, hidden: bool = False) -> str:
    if hidden:
        return SUPPRESSED
    if value is None or value != value or value == "":
        return MISSING
    value = float(value)
    if unit == "percent":
        return pct(value, decimals_, lang)
    text = fmt(value, decimals_, lang)
    return f"{text} kr" if unit == "sek" else text


def _printed_decimals(value) -> int:
    text = repr(float(value)) if value == value and value is not None else ""
    return len(text.split(".")[1].rstrip("0")) if "." in text and "e" not in text else 0


def _category(dimension: str, category: str, codes: dict[str, dict[str, str]]) -> str:
    parts = zip(dimension.split("|"), category.split("|")) if dimension else ()
    named = [codes.get(d, {}).get(c, c) for d, c in parts]
    return " × ".join(named) if named else category


def sources(df: pd.DataFrame, lang: str, codes: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """The Källor table: each published figure beside the computed one, measure and dimension named in the
    language, categories by their code list's label (codes: {dimension: {code: label}}), the published
    value with its printed decimals and unit, the computed value to the same decimals (a share or a mean to
    at least one), a figure the protection hides `..`, one not computed `–`."""
    codes = codes or {}
    rows = []
    for r in df.itertuples(index=False):
        d = _printed_decimals(r.value)
        computed_d = 0 if r.unit in ("count", "sek") else max(d, 1)
        rows.append({
            "association": r.association,
            "intervention": {"ALL": t("all_interventions", lang),
                             "ALL_STRUCTURAL": t("all_structural", lang)}.get(r.intervention, r.intervention),
            "year": str(r.year), "measure": term("measure", r.measure, lang),
            "dimension": term("dimension", r.dimension, lang),
            "category": _category(r.dimension, r.category, codes),
            "value": _value(r.value, r.unit, d, lang),
            "computed_value": _value(r.computed_value, r.unit, computed_d, lang, hidden=r.status == "protected"),
            "status": t(f"status_{r.status}", lang), "source_file": r.source_file, "section": r.section,
            "reason": r.reason or "", "notes": r.notes or "",
        })
    out = pd.DataFrame(rows, columns=["association", "intervention", "year", "measure", "dimension", "category",
                                      "value", "computed_value", "status", "source_file", "section", "reason",
                                      "notes"])
    return out.rename(columns={c: col("published" if c == "value" else c, lang) for c in out.columns})
