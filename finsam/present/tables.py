"""Tables as files users open in Swedish Excel, safe to open: every CSV and .xlsx finsam writes goes
through here, so text that a spreadsheet would run as a formula (imported names like
=HYPERLINK("http://…")) is written as text."""
from __future__ import annotations

import io
import re

import pandas as pd

from finsam.labels import SUPPRESSED

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?\d[\d\u00a0 ]*([.,]\d+)?\s?%?")


def safe_cell(value):
    """Text that a spreadsheet would read as a formula, prefixed with a single quote (OWASP's rule for CSV
    injection); numbers, and text that is a plain number like '-14', as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with safe_cell applied to its text cells and column names."""
    out = df.rename(columns=lambda c: safe_cell(c) if isinstance(c, str) else c)
    text = [dtype == object or isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)) for dtype in out.dtypes]
    for column in out.columns[text]:
        out[column] = out[column].map(safe_cell)
    return out


def text_not_formulas(workbook) -> None:
    """Every cell of an openpyxl workbook that it would store as a formula stored as the text it is (a
    text cell is never run, so the text reads exactly as imported)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def csv_bytes(df: pd.DataFrame, **options) -> bytes:
    """A CSV (semicolon, UTF-8 with BOM) of a frame with safe text: the form of finsam's other CSV files."""
    return safe_frame(df).to_csv(sep=";", index=False, **options).encode("utf-8-sig")


def excel_csv(df: pd.DataFrame) -> bytes:
    """CSV that Swedish Excel opens as columns: semicolon separated, decimal comma, UTF-8 with BOM."""
    return csv_bytes(df, decimal=",", lineterminator="\r\n", na_rep=SUPPRESSED)


def xlsx(df: pd.DataFrame, sheet_name: str = "finsam") -> bytes:
    """An .xlsx workbook of one sheet: numbers stay numbers (a suppressed or missing value is an empty
    cell), text stays text, the header row frozen and the columns wide enough for their header."""
    name = "".join("_" if c in '[]:*?/\\' else c for c in sheet_name)[:31] or "finsam"
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        df.to_excel(writer, sheet_name=name, index=False)
        sheet = writer.sheets[name]
        sheet.freeze_panes = "A2"
        for column, header in zip(sheet.columns, df.columns):
            sheet.column_dimensions[column[0].column_letter].width = max(10, len(str(header)) + 2)
        text_not_formulas(writer.book)
    return buffer.getvalue()
