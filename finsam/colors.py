"""One colour per category, the same on every page and in every export."""
from __future__ import annotations

import zlib

GENDER = {"kvinna": "#8E3B8A", "man": "#2F7F6F"}
ANONYMOUS_ALPHA = 0.45
REFERRAL = {
    "FK": "#1F5AA6", "AF": "#E07B00", "Soc": "#B2182B", "AMI": "#7A4E2D", "Psyk": "#5E3C99", "Vc": "#2C9C5A",
    "Hab": "#C51B7D", "KAA": "#D4A017", "LSS": "#4D9DE0", "Pers omb": "#8C8C8C", "Egen": "#1B9E9E",
    "Kommun": "#A6761D", "Region": "#6A3D9A", "Övr": "#B0B0B0", "Psyk/Vc/Hab": "#5E3C99",
}
EXIT = {
    "arbete": "#1B7837", "studier": "#5AAE61", "aktivt_arbetssokande": "#A6DBA0", "fortsatt_rehabilitering": "#2166AC",
    "medicinsk_rehabilitering": "#E08214", "avbrott": "#B2182B", "ovrigt": "#9E9E9E", "utan_matning": "#CFCFCF",
}
FLOW = {"new": "#2166AC", "ended": "#E08214", "ongoing": "#92C5DE", "participants_total": "#1A1A1A"}
FOLLOWUP = {"6m": "#1B7837", "18m": "#2166AC"}
SERIES = ["#1F5AA6", "#E07B00", "#2C9C5A", "#B2182B", "#5E3C99", "#7A4E2D", "#C51B7D", "#6B6B6B", "#D4A017",
          "#1B9E9E", "#A6761D", "#4D9DE0"]
ASSOCIATION = {"Sydnärke": "#1F5AA6", "Norra Västmanland": "#E07B00", "Västerås": "#2C9C5A"}


def stable(name: str, palette: list[str] = SERIES) -> str:
    """A colour that depends only on the name (a municipality keeps its colour on every page)."""
    return palette[zlib.crc32(name.encode("utf-8")) % len(palette)]


def for_category(kind: str, code: str) -> str:
    table = {"gender": GENDER, "referral_source": REFERRAL, "exit_reason": EXIT, "association": ASSOCIATION}.get(kind, {})
    return table.get(code) or stable(code)
GOAL = "#B2182B"  # goal lines on charts
STATUS = {"uppnått": "#1B7837", "delvis uppnått": "#D4A017", "ej uppnått": "#B2182B", "ej mätbart": "#8C8C8C"}
