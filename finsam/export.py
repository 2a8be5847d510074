"""Tables as files users open in Swedish Excel."""
from __future__ import annotations

import pandas as pd


def excel_csv(df: pd.DataFrame) -> bytes:
    """CSV that Swedish Excel opens as columns: semicolon separated, decimal comma, UTF-8 with BOM."""
    return df.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n").encode("utf-8-sig")
