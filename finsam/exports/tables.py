"""Tables as files users open in Swedish Excel."""
from __future__ import annotations

import io

import pandas as pd

from finsam.labels import SUPPRESSED


def excel_csv(df: pd.DataFrame) -> bytes:
    """CSV that Swedish Excel opens as columns: semicolon separated, decimal comma, UTF-8 with BOM."""
    return df.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n", na_rep=SUPPRESSED).encode("utf-8-sig")


def xlsx(df: pd.DataFrame, sheet_name: str = "finsam") -> bytes:
    """An .xlsx workbook of one sheet: numbers stay numbers (a suppressed or missing value is an empty
    cell), the header row frozen and the columns wide enough for their header."""
    name = "".join("_" if c in '[]:*?/\\' else c for c in sheet_name)[:31] or "finsam"
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        df.to_excel(writer, sheet_name=name, index=False)
        sheet = writer.sheets[name]
        sheet.freeze_panes = "A2"
        for column, header in zip(sheet.columns, df.columns):
            sheet.column_dimensions[column[0].column_letter].width = max(10, len(str(header)) + 2)
    return buffer.getvalue()
