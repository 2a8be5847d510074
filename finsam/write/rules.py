"""The validation rules, one set for every way a record arrives: codes and values read as people
write them, each kind's rows prepared and checked (pandera), every problem named by row, column and
rule."""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pandera.pandas as pa

from finsam.write.columns import (ANONYMOUS_COLUMNS, BUDGET_COLUMNS, CONTROL, CONVERSATION_COLUMNS, GROUPS, KIND_WORDS, MAX_NAME, NO,
                                  PARTICIPATION_COLUMNS, SURVEY_COLUMNS, SURVEYS, TIMEPOINTS, YES, Column, Problem,
                                  fold, map_unique, words)


class Codes:
    """Code lists and reference data, for matching what users write to codes."""

    def __init__(self, con):
        self.lists: dict[str, dict[str, str]] = {}
        for name in ("gender", "referral_source", "exit_reason", "assignment", "followup_status", "education",
                     "public_support_time", "income_source"):
            m: dict[str, str] = {}
            for code, label_sv, label_en, aliases in con.execute(
                    f"SELECT code, label_sv, label_en, coalesce(aliases, '') FROM {name}").fetchall():
                for word in (code, label_sv, label_en, *[a for a in aliases.split("|") if a]):
                    m.setdefault(fold(word), code)
            self.lists[name] = m
        self.associations = {fold(a): a for (a,) in con.execute("SELECT association_id FROM association").fetchall()}
        for a, name in con.execute("SELECT association_id, full_name_sv FROM association").fetchall():
            self.associations.setdefault(fold(name), a)
        # a name as written (any case) first; written without å/ä/ö only where that is not another
        # municipality's name too (Håbo and Habo both read "habo": such a spelling is left unknown)
        exact, folded = {}, {}
        for code, name in con.execute("SELECT municipality_code, municipality_name FROM municipality").fetchall():
            for n in (name, name + " kommun"):
                exact[words(n)] = code
                folded.setdefault(fold(n), set()).add(code)
        self.municipalities = {k: next(iter(v)) for k, v in folded.items() if len(v) == 1}
        self.municipalities.update(exact)
        self.municipalities.update({code: code for code in exact.values()})
        self.members = set(con.execute("SELECT association_id, municipality_code FROM association_municipality").fetchall())
        self.interventions = {(a, fold(i)): i for a, i in con.execute(
            "SELECT association_id, intervention_id FROM intervention WHERE kind = 'individual'").fetchall()}

    def municipality(self, value: str) -> str | None:
        """A municipality's code from its code, its name or its name without å/ä/ö (when unambiguous)."""
        if value.isdigit():
            return self.municipalities.get(value.zfill(4))
        return self.municipalities.get(words(value)) or self.municipalities.get(fold(value))

    def code(self, name: str, value: str) -> str | None:
        return self.lists[name].get(fold(value)) if value else None


def parse_dates(values: pd.Series, dayfirst: bool) -> pd.Series:
    """ISO dates, ISO date-times (Excel cells arrive so), and d/m/yyyy (or m/d with dayfirst=False)."""
    out = pd.to_datetime(values.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    slash = out.isna() & values.str.match(r"^\d{1,2}[/.]\d{1,2}[/.]\d{4}$")
    if slash.any():
        fmt = "%d/%m/%Y" if dayfirst else "%m/%d/%Y"
        out[slash] = pd.to_datetime(values[slash].str.replace(".", "/", regex=False), format=fmt, errors="coerce")
    return out


def _check(column: str, rule: str, fn) -> pa.Check:
    """A row-wise rule (True = valid) whose failures name the column and the rule in Swedish."""
    return pa.Check(fn, name=f"{column}\u241f{rule}", error=f"{column}\u241f{rule}")


def _text_checks(d: pd.DataFrame, columns: tuple[str, ...]) -> list[pa.Check]:
    """Text kept as written (an id, a new intervention's name, a survey question): no control characters,
    and names no longer than MAX_NAME (an id has its own limit)."""
    rules = []
    for col in columns:
        rules.append(_check(col, "otillåtet tecken (radbrytning, tabb eller annat styrtecken)",
                            lambda f, col=col: ~d[col].str.contains(CONTROL, regex=True)))
        if col != "deltagare_id":
            rules.append(_check(col, f"för långt namn (högst {MAX_NAME} tecken)",
                                lambda f, col=col: d[col].str.len() <= MAX_NAME))
    return rules


def prepare_participations(raw: pd.DataFrame, codes: Codes, association: str | None, dayfirst: bool,
                           today: dt.date) -> tuple[pd.DataFrame, list[pa.Check]]:
    """Parsed values next to the raw strings, and the rules the file must meet."""
    d = raw.copy()
    if association:
        if "förbund" in d and (d["förbund"] != "").any():
            d["förbund"] = d["förbund"].where(d["förbund"] != "", association)
        else:
            d["förbund"] = association
    for c in PARTICIPATION_COLUMNS:
        if c.name not in d:
            d[c.name] = ""
    p = pd.DataFrame(index=d.index)
    p["association_id"] = map_unique(d["förbund"], lambda v: codes.associations.get(fold(v)) if v else None)
    # an intervention the association already has is matched whatever its case; a new name is created
    pairs = pd.Series(list(zip(p["association_id"], d["insats"])), index=d.index)
    p["intervention_id"] = map_unique(pairs, lambda ai: codes.interventions.get((ai[0], fold(ai[1])), ai[1]))
    p["municipality_code"] = map_unique(
        d["kommun"], lambda v: codes.municipality(v))
    for col, name in (("kön", "gender"), ("remittent", "referral_source"), ("uppdrag", "assignment"),
                      ("avslutsanledning", "exit_reason"), ("uppföljning_6m", "followup_status"),
                      ("uppföljning_18m", "followup_status"), ("utbildningsnivå", "education"),
                      ("tid_i_offentlig_försörjning", "public_support_time"), ("försörjning_före", "income_source"),
                      ("försörjning_efter", "income_source")):
        p[col] = map_unique(d[col], lambda v, name=name: codes.code(name, v))
    p["birth_year"] = pd.to_numeric(d["födelseår"], errors="coerce")
    p["start_date"] = parse_dates(d["startdatum"], dayfirst)
    p["end_date"] = parse_dates(d["slutdatum"], dayfirst)
    step = d["stegförflyttning"].str.lower()
    p["has_positive_step"] = map_unique(step, lambda v: True if v in YES else False if v in NO else None)
    given = {c: d[c] != "" for c in d.columns}
    ended = given["slutdatum"]
    key = [map_unique(d["förbund"], fold), map_unique(d["insats"], fold), d["deltagare_id"],
           p["start_date"].astype(str).where(p["start_date"].notna(), d["startdatum"])]
    duplicated = pd.concat(key, axis=1).duplicated(keep=False) & given["deltagare_id"] & given["startdatum"]
    rules = []
    for c in PARTICIPATION_COLUMNS:
        if c.required:
            rules.append(_check(c.name, "värde saknas (kolumnen är obligatorisk)", lambda f, c=c: given[c.name]))
    rules += [
        _check("förbund", "värde saknas: ange förbund i filen eller vid importen",
               lambda f: given["förbund"] | (d["förbund"] != "")),
        _check("förbund", "okänt förbund", lambda f: ~given["förbund"] | p["association_id"].notna()),
        _check("deltagare_id", "för långt id (högst 64 tecken)", lambda f: d["deltagare_id"].str.len() <= 64),
        _check("kommun", "okänd kommun (ange namn eller fyrsiffrig kommunkod)",
               lambda f: ~given["kommun"] | p["municipality_code"].notna()),
        _check("kommun", "kommunen hör inte till förbundet",
               lambda f: p["municipality_code"].isna() | p["association_id"].isna()
               | pd.Series([(a, m) in codes.members for a, m in zip(p["association_id"], p["municipality_code"])],
                           index=p.index)),
        _check("födelseår", f"ogiltigt födelseår (1900–{today.year})",
               lambda f: ~given["födelseår"] | p["birth_year"].between(1900, today.year)),
        _check("startdatum", "ogiltigt datum (skriv ÅÅÅÅ-MM-DD)", lambda f: ~given["startdatum"] | p["start_date"].notna()),
        _check("slutdatum", "ogiltigt datum (skriv ÅÅÅÅ-MM-DD)", lambda f: ~given["slutdatum"] | p["end_date"].notna()),
        _check("startdatum", "datumet ligger i framtiden",
               lambda f: p["start_date"].isna() | (p["start_date"] <= pd.Timestamp(today))),
        _check("slutdatum", "datumet ligger i framtiden",
               lambda f: p["end_date"].isna() | (p["end_date"] <= pd.Timestamp(today))),
        _check("slutdatum", "slutdatum är före startdatum",
               lambda f: p["end_date"].isna() | p["start_date"].isna() | (p["end_date"] >= p["start_date"])),
        _check("avslutsanledning", "avslutsanledning saknas för avslutat deltagande",
               lambda f: ~ended | given["avslutsanledning"]),
        _check("avslutsanledning", "avslutsanledning anges bara när slutdatum finns",
               lambda f: ended | ~given["avslutsanledning"]),
        _check("stegförflyttning", "skriv ja eller nej", lambda f: ~given["stegförflyttning"] | p["has_positive_step"].notna()),
        _check("stegförflyttning", "stegförflyttning anges bara när slutdatum finns",
               lambda f: ended | ~given["stegförflyttning"]),
        _check("deltagare_id", "dubblett: samma deltagare, insats och startdatum förekommer flera gånger i filen",
               lambda f: ~duplicated),
        _check("födelseår", "deltagaren är yngre än 10 år vid start",
               lambda f: p["birth_year"].isna() | p["start_date"].isna()
               | (p["birth_year"] <= p["start_date"].dt.year - 10)),
    ]
    rules += _text_checks(d, ("deltagare_id", "insats"))
    labels = {"kön": "kön (kvinna/man)", "remittent": "remittent", "uppdrag": "uppdrag",
              "avslutsanledning": "avslutsanledning", "uppföljning_6m": "uppföljning",
              "uppföljning_18m": "uppföljning", "utbildningsnivå": "utbildningsnivå",
              "tid_i_offentlig_försörjning": "tid i offentlig försörjning", "försörjning_före": "försörjningskälla",
              "försörjning_efter": "försörjningskälla"}
    for col, what in labels.items():
        rules.append(_check(col, f"okänt värde för {what} (se kodlistan i mallen)",
                            lambda f, col=col: ~given[col] | p[col].notna()))
    for col in ("uppföljning_6m", "uppföljning_18m"):
        rules.append(_check(col, "uppföljning anges bara när slutdatum finns",
                            lambda f, col=col: ended | ~given[col] | (p[col] == "ej_aktuell")))
    return p.join(d[["deltagare_id"]]), rules


def prepare_anonymous(raw: pd.DataFrame, codes: Codes, association: str | None, today: dt.date):
    d, p, given, rules = _common(raw, codes, association, ANONYMOUS_COLUMNS, today)
    p["gender"] = map_unique(d["kön"], lambda v: codes.code("gender", v))
    p["participant_count"] = pd.to_numeric(d["antal"], errors="coerce")
    duplicated = pd.concat([p["association_id"], map_unique(d["insats"], fold), p["year"], p["gender"]], axis=1) \
        .duplicated(keep=False)
    rules += [
        _check("kön", "okänt värde för kön (kvinna/man)", lambda f: ~given["kön"] | p["gender"].notna()),
        _check("antal", "antal måste vara ett heltal större än 0",
               lambda f: ~given["antal"] | ((p["participant_count"] > 0) & (p["participant_count"] % 1 == 0))),
        _check("år", "dubblett: samma förbund, insats, år och kön förekommer flera gånger", lambda f: ~duplicated),
    ]
    return p, rules


def _amount(value: str) -> float:
    """'1 234 567 kr', '1234567', '56,5 %' -> a number (NaN when it is none)."""
    text = re.sub(r"(kr|sek|%)$", "", value.strip().lower()).strip().replace("\u00a0", "").replace(" ", "")
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return float("nan")


def _common(d: pd.DataFrame, codes: Codes, association: str | None, columns: list[Column], today: dt.date):
    """What the small templates share: association, intervention, year, required values."""
    d = d.copy()
    if association:
        d["förbund"] = d["förbund"].where(d["förbund"] != "", association) if "förbund" in d else association
    for c in columns:
        if c.name not in d:
            d[c.name] = ""
    given = {c: d[c] != "" for c in d.columns}
    p = pd.DataFrame(index=d.index)
    p["association_id"] = map_unique(d["förbund"], lambda v: codes.associations.get(fold(v)) if v else None)
    p["intervention_id"] = [codes.interventions.get((a, fold(i)), i) for a, i in zip(p["association_id"], d["insats"])]
    p["year"] = pd.to_numeric(d["år"], errors="coerce")
    rules = [_check(c.name, "värde saknas (kolumnen är obligatorisk)", lambda f, c=c: given[c.name])
             for c in columns if c.required]
    rules += [
        _check("förbund", "värde saknas: ange förbund i filen eller vid importen", lambda f: d["förbund"] != ""),
        _check("förbund", "okänt förbund", lambda f: ~given["förbund"] | p["association_id"].notna()),
        _check("år", f"ogiltigt år (2000–{today.year})", lambda f: ~given["år"] | p["year"].between(2000, today.year)),
    ]
    return d, p, given, rules + _text_checks(d, ("insats",))


def prepare_budget(raw: pd.DataFrame, codes: Codes, association: str | None, today: dt.date):
    d, p, given, rules = _common(raw, codes, association, BUDGET_COLUMNS, today)
    p["granted_sek"] = d["beviljat_sek"].map(_amount)
    p["used_sek"] = d["använt_sek"].map(_amount)
    p["kind"] = d["slag"].map(lambda v: KIND_WORDS.get(fold(v)))
    duplicated = pd.concat([p["association_id"], map_unique(d["insats"], fold), p["year"]], axis=1).duplicated(keep=False)
    for col in ("beviljat_sek", "använt_sek"):
        key = "granted_sek" if col == "beviljat_sek" else "used_sek"
        rules.append(_check(col, "belopp måste vara ett heltal i kronor, 0 eller mer",
                            lambda f, key=key, col=col: ~given[col] | ((p[key] >= 0) & (p[key] % 1 == 0))))
    rules += [_check("slag", "skriv individinriktad eller strukturövergripande", lambda f: p["kind"].notna()),
              _check("år", "dubblett: samma förbund, insats och år förekommer flera gånger", lambda f: ~duplicated)]
    return p, rules


def prepare_conversations(raw: pd.DataFrame, codes: Codes, association: str | None, today: dt.date):
    """Counted conversations: one count per association, intervention and year (like a budget row)."""
    d, p, given, rules = _common(raw, codes, association, CONVERSATION_COLUMNS, today)
    p["conversation_count"] = d["antal_samtal"].map(_amount)
    duplicated = pd.concat([p["association_id"], map_unique(d["insats"], fold), p["year"]], axis=1).duplicated(keep=False)
    rules += [_check("antal_samtal", "antalet samtal måste vara ett heltal, 0 eller mer",
                     lambda f: ~given["antal_samtal"] | ((p["conversation_count"] >= 0) & (p["conversation_count"] % 1 == 0))),
              _check("år", "dubblett: samma förbund, insats och år förekommer flera gånger", lambda f: ~duplicated)]
    return p, rules


def prepare_survey(raw: pd.DataFrame, codes: Codes, association: str | None, today: dt.date):
    d, p, given, rules = _common(raw, codes, association, SURVEY_COLUMNS, today)
    p["survey"] = d["enkät"].map(lambda v: SURVEYS.get(fold(v)))
    p["timepoint"] = d["mättillfälle"].map(lambda v: TIMEPOINTS.get(fold(v), "?"))
    p["timepoint"] = p["timepoint"].where(p["timepoint"].notna(), p["survey"].map({"nns": "exit", "violence": "start"}))
    p["answer_group"] = d["grupp"].map(lambda v: GROUPS.get(fold(v)) or codes.code("gender", v))
    p["question"] = d["fråga"]
    p["respondents"] = d["antal_svar"].map(_amount)
    p["positive_share_pct"] = d["andel_positiva"].map(_amount)
    key = [p["association_id"], map_unique(d["insats"], fold), p["year"], p["survey"], p["timepoint"], d["fråga"].map(fold),
           p["answer_group"]]
    duplicated = pd.concat(key, axis=1).duplicated(keep=False)
    rules += [
        _check("enkät", "okänd enkät (nns eller våld)", lambda f: ~given["enkät"] | p["survey"].notna()),
        _check("mättillfälle", "skriv avslut, 3m eller start", lambda f: p["timepoint"] != "?"),
        _check("grupp", "skriv alla, kvinna eller man", lambda f: p["answer_group"].notna()),
        _check("antal_svar", "antal svar måste vara ett heltal större än 0",
               lambda f: ~given["antal_svar"] | ((p["respondents"] > 0) & (p["respondents"] % 1 == 0))),
        _check("andel_positiva", "andelen måste vara 0–100 (procent)",
               lambda f: ~given["andel_positiva"] | p["positive_share_pct"].between(0, 100)),
        _check("fråga", "dubblett: samma fråga, år och grupp förekommer flera gånger", lambda f: ~duplicated),
    ]
    return p, rules + _text_checks(d, ("fråga",))


def validate(prepared: pd.DataFrame, rules: list[pa.Check], raw: pd.DataFrame,
             headers: dict[str, str]) -> list[Problem]:
    """Every problem of every row at once: row number as in Excel, column as in the file, value, rule."""
    schema = pa.DataFrameSchema(checks=rules)
    try:
        schema.validate(prepared, lazy=True)
        return []
    except pa.errors.SchemaErrors as e:
        cases = e.failure_cases
    back = {v: k for k, v in headers.items()}
    problems = []
    for check, row in zip(cases["check"], cases["index"]):
        if row is None or pd.isna(row):
            continue
        column, rule = str(check).split("\u241f", 1)
        shown = back.get(column, column)
        value = "" if column == "deltagare_id" or shown not in raw else str(raw.at[row, shown])
        problems.append(Problem(int(row), shown, value, rule))
    unique = {(p.row, p.column, p.rule): p for p in problems}
    return sorted(unique.values(), key=lambda p: (p.row, p.column))
