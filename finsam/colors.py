"""One colour per category, the same on every page and in every export."""
from __future__ import annotations

import zlib

# Okabe & Ito's palette: eight colours that stay apart under deuteranopia, protanopia and tritanopia
# (tests/test_accessibility.py checks a CAM02-UCS distance of at least MIN_DISTANCE in every simulation).
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442"]
MIN_DISTANCE = 10.0
# a chart with more series than colours: the next eight get a fill pattern (bars) or a dash (lines)
PATTERNS = ["", "/", "x", "."]
DASHES = ["solid", "dash", "dot", "dashdot"]
GENDER = {"kvinna": "#8E3B8A", "man": "#2F7F6F"}
ANONYMOUS_ALPHA = 0.45
_REF_CODES = ["FK", "AF", "Soc", "AMI", "Psyk", "Vc", "Hab", "KAA", "LSS", "Pers omb", "Egen", "Kommun", "Region",
              "Övr"]
REFERRAL = {code: OKABE_ITO[i % 7] for i, code in enumerate(_REF_CODES)}  # black kept for totals
REFERRAL_PATTERN = {code: PATTERNS[i // 7] for i, code in enumerate(_REF_CODES)}
REFERRAL["Psyk/Vc/Hab"], REFERRAL_PATTERN["Psyk/Vc/Hab"] = REFERRAL["Psyk"], REFERRAL_PATTERN["Psyk"]
EXIT = {
    "arbete": "#009E73", "studier": "#56B4E9", "aktivt_arbetssokande": "#F0E442", "fortsatt_rehabilitering": "#0072B2",
    "medicinsk_rehabilitering": "#E69F00", "avbrott": "#D55E00", "ovrigt": "#CC79A7", "utan_matning": "#BBBBBB",
}
FLOW = {"new": "#2166AC", "ended": "#E08214", "ongoing": "#92C5DE", "participants_total": "#1A1A1A"}
FOLLOWUP = {"6m": "#E69F00", "18m": "#0072B2"}
SERIES = OKABE_ITO
ASSOCIATION = {"Sydnärke": OKABE_ITO[0], "Norra Västmanland": OKABE_ITO[1], "Västerås": OKABE_ITO[2]}
# assignments share the Tid and Avslut pages with the exit reasons' full colours: dots on white set them apart
ASSIGNMENT = {"kartlaggning": OKABE_ITO[0], "arbetstraning": OKABE_ITO[1], "studiecoachning": OKABE_ITO[2],
              "ovrigt": OKABE_ITO[5], "": OKABE_ITO[6]}  # "": no assignment recorded ("Uppdrag saknas")
ASSIGNMENT_PATTERN = "."
# years are ordered and have no hue: greys, the newest darkest, so a year never looks like an association,
# a gender, a referral source or an exit reason on the same page; past four years a pattern as well
YEARS = ["#262626", "#5C5C5C", "#8A8A8A", "#B4B4B4"]
HIDDEN = "#6E6E6E"  # the "dolt" part of a stacked bar: grey cross-hatch on white
KINDS = {"association": ASSOCIATION, "gender": GENDER, "referral_source": REFERRAL, "exit_reason": EXIT,
         "assignment": ASSIGNMENT}


def category(kind: str, code) -> str:
    """The one colour of a category of a kind (association, gender, referral_source, exit_reason, assignment)
    on every chart of every page and in the pack; a category the maps do not know gets a stable colour."""
    code = "" if code is None or code != code else str(code)
    return KINDS[kind].get(code) or stable(code or "none")


def ordered(kind: str, codes) -> list[str]:
    """The codes of a kind in the order of its colour map (the legend's order on every chart), unknown ones
    after them by name; a missing code (None) as ""."""
    known = list(KINDS[kind])
    codes = {"" if c is None or c != c else str(c) for c in codes}
    return sorted(codes, key=lambda c: (c not in known, known.index(c) if c in known else 0, c))


def category_pattern(kind: str, code) -> str:
    """The fill pattern that goes with a category's colour (referral sources past the seventh, assignments)."""
    if kind == "referral_source":
        return REFERRAL_PATTERN.get(str(code), "")
    return ASSIGNMENT_PATTERN if kind == "assignment" else ""


def year_colors(years) -> dict[int, tuple[str, str]]:
    """(colour, pattern) per year of a chart: the newest the darkest grey, each year before a lighter one, past
    four years the greys again with a pattern. The same years get the same look on every chart of a page."""
    ordered = sorted({int(y) for y in years}, reverse=True)
    return {y: (YEARS[i % len(YEARS)], PATTERNS[(i // len(YEARS)) % len(PATTERNS)]) for i, y in enumerate(ordered)}


def marker(color: str, pattern: str = "", outline: bool = False) -> dict:
    """A bar's marker: a plain colour, or with a pattern the colour's stripes on white, so a patterned series
    differs from the plain one of the same colour in lightness too (on a projector a hatch alone reads as
    the plain colour)."""
    out: dict = dict(color=color)
    if pattern:
        out["pattern"] = dict(shape=pattern, fgcolor=color, bgcolor="#FFFFFF", fillmode="replace", solidity=0.45,
                              size=8)
    if pattern or outline:
        out["line"] = dict(color=color if pattern else "#3D3D3D", width=1.5 if pattern else 1)
    return out


def pattern(i: int) -> str:
    """The fill pattern of the i-th series of a chart (none for the first eight)."""
    return PATTERNS[(i // len(SERIES)) % len(PATTERNS)]


def dash(i: int) -> str:
    return DASHES[(i // len(SERIES)) % len(DASHES)]

def stable(name: str, palette: list[str] = SERIES) -> str:
    """A colour that depends only on the name (a municipality keeps its colour on every page)."""
    return palette[zlib.crc32(name.encode("utf-8")) % len(palette)]


# goals: the line on charts, and the status bars (the status is also written under each bar, so colour
# never carries it alone)
GOAL = "#B2182B"  # goal lines on charts
STATUS = {"uppnått": "#1B7837", "delvis uppnått": "#D4A017", "ej uppnått": "#B2182B", "ej mätbart": "#8C8C8C"}


# --- accessibility: contrast and colour-vision checks (README "Tillgänglighet") -------------------------

def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4


def luminance(hex_color: str) -> float:
    """WCAG relative luminance of #RRGGBB."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever is readable on the background (the one with the higher contrast; on every
    colour one of them reaches 4.5:1)."""
    return "#000000" if contrast(background, "#000000") >= contrast(background, "#FFFFFF") else "#FFFFFF"


CVD = ("deuteranomaly", "protanomaly", "tritanomaly")


def cvd_distance(palette: list[str], severity: int = 100) -> dict[str, float]:
    """The smallest CAM02-UCS distance between any two colours of the palette, with normal vision and as
    seen with deuteranopia, protanopia and tritanopia (colorspacious' simulation, severity 100)."""
    import itertools

    import numpy as np
    from colorspacious import cspace_convert

    rgb = np.array([[int(c.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)] for c in palette])
    views = {"normal": rgb}
    for kind in CVD:
        seen = cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": kind, "severity": severity}, "sRGB1")
        views[kind] = np.clip(seen, 0, 1)
    out = {}
    for name, view in views.items():
        ucs = cspace_convert(view, "sRGB1", "CAM02-UCS")
        out[name] = min(float(np.linalg.norm(ucs[i] - ucs[j])) for i, j in itertools.combinations(range(len(ucs)), 2))
    return out
