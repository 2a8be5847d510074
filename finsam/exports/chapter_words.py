"""The chapter's words: small numbers written out as a Swedish editor writes them ("fyra mål, varav två
uppnåddes"), the phrase said instead of a hidden figure, and how a referral source is named in running text
("remitterades av Försäkringskassan", "anmälde sig själva")."""
from __future__ import annotations

import pandas as pd

from finsam.labels import fmt

_WORDS = ("noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv")
# the source as the subject of "remitterades av ...": definite form, lower case unless a proper name
BY_SOURCE = {"FK": "Försäkringskassan", "AF": "Arbetsförmedlingen", "Soc": "socialtjänsten",
             "AMI": "kommunens arbetsmarknadsenhet", "Psyk": "psykiatrin", "Vc": "vårdcentralen",
             "Hab": "habiliteringen", "KAA": "det kommunala aktivitetsansvaret", "LSS": "LSS-handläggare",
             "Pers omb": "personligt ombud", "Kommun": "kommunen", "Region": "regionen", "Övr": "övriga aktörer",
             "Psyk/Vc/Hab": "psykiatrin, vårdcentralen eller habiliteringen"}


def hidden(value) -> bool:
    return value is not None and pd.isna(value)


def words(n, gender: str = "t") -> str:
    """A count in words up to twelve ("ett mål", "en deltagare" with gender 'n'), else in figures."""
    if n is None or pd.isna(n):
        return fmt(n)
    n = int(n)
    if n == 1 and gender == "n":
        return "en"
    return _WORDS[n] if 0 <= n < len(_WORDS) else fmt(n)


def few(threshold: int, it: str = "den") -> str:
    return f"eftersom {it} gäller så få personer (färre än {threshold}) att enskilda skulle kunna pekas ut"


def not_shown(what: str, threshold: int) -> str:
    """The sentence said instead of one built around a hidden value."""
    return f"{what} redovisas inte {few(threshold)}."


def referred(code: str, label: str) -> str:
    """'remitterades av Försäkringskassan'; a self-referral 'anmälde sig själva'."""
    if code == "Egen":
        return "anmälde sig själva"
    return f"remitterades av {BY_SOURCE.get(code, label[:1].lower() + label[1:])}"


def change(now, before, unit: str = "") -> tuple[str, str]:
    """The verb and the rest: ('ökade', 'från 145 till 173'), ('minskade', 'från 9,2 till 6,5 månader'),
    ('var', 'oförändrat 86'), so a clause can put the verb second ('Jämfört med 2024 ökade antalet ...')."""
    tail = f" {unit}" if unit else ""
    decimals = 0 if float(now).is_integer() and float(before).is_integer() else 1
    if round(now, decimals) == round(before, decimals):
        return "var", f"oförändrat {fmt(now, decimals)}{tail}"
    return ("ökade" if now > before else "minskade"), f"från {fmt(before, decimals)} till {fmt(now, decimals)}{tail}"


def compared(year: int, clauses: list[tuple[str, str, str]]) -> str:
    """'Jämfört med 2024 ökade antalet deltagare från 145 till 173, antalet nya minskade från ... och ...'
    from (subject, verb, rest) clauses; the first with its verb second, as Swedish word order wants."""
    (subject, verb, rest), *others = clauses
    said = [f"Jämfört med {year} {verb} {subject} {rest}"] + [f"{s} {v} {r}" for s, v, r in others]
    return (said[0] if len(said) == 1 else ", ".join(said[:-1]) + " och " + said[-1]) + "."
