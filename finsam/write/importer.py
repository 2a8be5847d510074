"""Importing coordinators' files (Excel or CSV): read as people have them, validate every row before
anything is written, then write all or nothing.

The write itself (a private copy changed and swapped in under the write lock, kept as a version and
logged) is finsam.write.writes.rewrite, the door every change goes through.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from finsam.data import aggregates, db
from finsam.write import writes
from finsam.access import ADMIN, Access, AccessDenied

PERSONNUMMER = re.compile(r"^\s*(19|20)?\d{6}\s*[-+]?\s*\d{4}\s*$")
MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class Column:
    name: str  # the Swedish header of the template
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""


PARTICIPATION_COLUMNS = [
    Column("deltagare_id", ("deltagarid", "deltagare", "person_id", "participant_id", "id"), True, "SN-0001"),
    Column("förbund", ("forbund", "samordningsförbund", "association"), False, "Sydnärke"),
    Column("insats", ("intervention",), True, "Samordningsteamet"),
    Column("kommun", ("kommunkod", "municipality", "municipality_code"), True, "Kumla"),
    Column("kön", ("kon", "gender", "sex"), True, "kvinna"),
    Column("födelseår", ("fodelsear", "birth_year", "född"), False, "1990"),
    Column("remittent", ("remitterande part", "aktualiserande part", "referral_source", "referral"), True, "FK"),
    Column("uppdrag", ("assignment",), False, "Arbetsträning"),
    Column("startdatum", ("start", "start_date", "inskrivning", "startdate"), True, "2024-03-01"),
    Column("slutdatum", ("slut", "end_date", "avslut", "utskrivning", "enddate"), False, ""),
    Column("avslutsanledning", ("exit_reason", "avslutsorsak"), False, ""),
    Column("stegförflyttning", ("stegforflyttning", "positive_step", "has_positive_step"), False, ""),
    Column("uppföljning_6m", ("uppfoljning 6m", "uppföljning 6 mån", "followup_6m"), False, ""),
    Column("uppföljning_18m", ("uppfoljning 18m", "uppföljning 18 mån", "followup_18m"), False, ""),
    Column("utbildningsnivå", ("utbildningsniva", "utbildning", "education"), False, "gymnasium"),
    Column("tid_i_offentlig_försörjning", ("tid i offentlig forsorjning", "public_support_time"), False, ""),
    Column("försörjning_före", ("forsorjning fore", "income_before"), False, "försörjningsstöd"),
    Column("försörjning_efter", ("forsorjning efter", "income_after"), False, ""),
]
ANONYMOUS_COLUMNS = [
    Column("förbund", ("forbund", "association"), False, "Sydnärke"),
    Column("insats", ("intervention",), True, "Samordningsteamet"),
    Column("år", ("ar", "year"), True, "2024"),
    Column("kön", ("kon", "gender"), True, "kvinna"),
    Column("antal", ("count", "participant_count"), True, "2"),
]
BUDGET_COLUMNS = [
    Column("förbund", ("forbund", "association"), False, "Sydnärke"),
    Column("insats", ("intervention",), True, "Samordningsteamet"),
    Column("år", ("ar", "year"), True, "2024"),
    Column("beviljat_sek", ("beviljat", "budget", "tilldelade medel", "granted_sek"), True, "700000"),
    Column("använt_sek", ("anvant sek", "använt", "utfall", "kostnad", "used_sek"), True, "645276"),
    Column("slag", ("kind",), False, "individinriktad"),
]
SURVEY_COLUMNS = [
    Column("förbund", ("forbund", "association"), False, "Sydnärke"),
    Column("insats", ("intervention",), True, "Samordningsteamet"),
    Column("år", ("ar", "year"), True, "2025"),
    Column("enkät", ("enkat", "survey"), True, "nns"),
    Column("fråga", ("fraga", "question"), True, "1"),
    Column("antal_svar", ("antal svarande", "respondents"), False, "32"),
    Column("andel_positiva", ("andel positiva svar", "positive_share_pct"), True, "97"),
    Column("mättillfälle", ("mattillfalle", "timepoint"), False, "avslut"),
    Column("grupp", ("svarande", "answer_group"), False, "alla"),
]
KINDS = {"deltagare": PARTICIPATION_COLUMNS, "anonyma": ANONYMOUS_COLUMNS, "budget": BUDGET_COLUMNS,
         "enkät": SURVEY_COLUMNS}
SURVEYS = {"nns": "nns", "nns indikatorer": "nns", "indikatorer": "nns", "vald": "violence", "valdsenkat": "violence",
           "violence": "violence"}
TIMEPOINTS = {"": None, "avslut": "exit", "vid avslut": "exit", "exit": "exit", "3m": "3m", "3 man": "3m",
              "efter 3 manader": "3m", "start": "start", "vid start": "start"}
GROUPS = {"": "all", "alla": "all", "all": "all"}
KIND_WORDS = {"": "individual", "individinriktad": "individual", "individual": "individual",
              "strukturovergripande": "structural", "structural": "structural"}
YES = {"ja", "j", "yes", "y", "1", "true", "sant"}
NO = {"nej", "n", "no", "0", "false", "falskt"}


class ImportRejected(Exception):
    """The file as a whole cannot be read (no row-level report is possible)."""


@dataclass
class Problem:
    row: int  # as the user sees it in Excel (header on row 1)
    column: str
    value: str
    rule: str


@dataclass
class Report:
    file_name: str
    kind: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_rows: int = 0
    written: bool = False
    rejected_file: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.__dict__ for p in self.problems], columns=["row", "column", "value", "rule"]) \
            .rename(columns={"row": "rad", "column": "kolumn", "value": "värde", "rule": "regel"})

    def text(self) -> str:
        lines = [f"Fil: {self.file_name} ({self.rows} rader)"]
        lines += [f"Obs: {n}" for n in self.notices]
        if self.problems:
            lines.append(f"{len(self.problems)} fel på {len({p.row for p in self.problems})} rader:")
            lines += [f"  Rad {p.row}, kolumn {p.column}: {p.rule}" + (f" (värde: {p.value})" if p.value else "")
                      for p in self.problems]
        if self.written:
            lines.append(f"Importerat: {self.added} nya, {self.updated} uppdaterade, {self.unchanged} oförändrade"
                         + (f", {self.rejected_rows} avvisade" if self.rejected_rows else "") + ".")
            if self.rejected_file:
                lines.append(f"De avvisade raderna finns i {self.rejected_file} – rätta dem och importera filen igen.")
        elif self.problems:
            lines.append("Inget har importerats. Rätta felen och försök igen (eller importera bara de giltiga raderna).")
        return "\n".join(lines)


# --- reading what people have ----------------------------------------------------------------------

def _fold(text: str) -> str:
    """Header spelling variants: case, spaces, underscores, å/ä/ö written as a/a/o."""
    t = unicodedata.normalize("NFKD", str(text).strip().lower())
    t = "".join(c for c in t if not unicodedata.combining(c))
    return re.sub(r"[\s_\-.]+", " ", t).strip()


def _words(text: str) -> str:
    """Case and spacing folded, letters kept (Håbo stays Håbo)."""
    return re.sub(r"[\s_\-.]+", " ", unicodedata.normalize("NFC", str(text).strip().lower())).strip()


def _map_unique(values: pd.Series, fn) -> pd.Series:
    """fn applied to each distinct value once (a file of 100 000 rows has a handful of municipalities)."""
    return values.map({v: fn(v) for v in values.unique()})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    """The CSV's rows as lists of stripped cells: pandas' C parser when every row is as wide as the first
    or narrower (padded with ""), else Python's csv module (ragged rows, which the checks then report)."""
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    frame = frame.fillna("")
    for col in frame.columns:
        frame[col] = frame[col].str.strip()
    return frame.values.tolist()


def read_file(name: str, content: bytes, sheet: str | None = None) -> pd.DataFrame:
    """All cells as stripped strings, columns as in the file, index = the row number in Excel."""
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as e:
            raise ImportRejected(f"Filen kunde inte läsas som Excel (.xlsx): {e}") from None
        if sheet and sheet not in wb.sheetnames:
            raise ImportRejected(f"Bladet '{sheet}' finns inte; filen har {', '.join(wb.sheetnames)}.")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows = [[_cell(v) for v in r] for r in ws.iter_rows(values_only=True)]
        wb.close()
    elif lower.endswith((".csv", ".txt")):
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        first = text.splitlines()[0] if text else ""
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        rows = _csv_rows(text, delimiter)
    else:
        raise ImportRejected("Filen måste vara .xlsx eller .csv.")
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise ImportRejected("Filen är tom.")
    header = rows[0]
    width = max((i + 1 for i, h in enumerate(header) if h), default=0)
    body = [(n, (r + [""] * width)[:width]) for n, r in enumerate(rows[1:], start=2) if any(r[:width])]
    if len(body) > MAX_ROWS:
        raise ImportRejected(f"Filen har {len(body)} rader; högst {MAX_ROWS} går att importera på en gång.")
    df = pd.DataFrame([r for _n, r in body], columns=header[:width], index=[n for n, _r in body], dtype=str)
    df.index.name = "rad"
    return df.fillna("")


def find_personal_numbers(df: pd.DataFrame) -> list[str]:
    """Columns holding a value shaped like a personnummer or samordningsnummer."""
    return [c for c in df.columns if any(PERSONNUMMER.match(str(v)) for v in df[c].unique())]


def map_headers(df: pd.DataFrame, columns: list[Column]) -> tuple[dict[str, str], list[str]]:
    """{file header: template name} for known headers, and the headers that match nothing."""
    lookup = {}
    for c in columns:
        for alias in (c.name, *c.aliases):
            lookup[_fold(alias)] = c.name
    mapping, unknown = {}, []
    for h in df.columns:
        name = lookup.get(_fold(h))
        if name and name not in mapping.values():
            mapping[h] = name
        elif str(h).strip():
            unknown.append(str(h))
    return mapping, unknown


# --- code lists and values --------------------------------------------------------------------------

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
                    m.setdefault(_fold(word), code)
            self.lists[name] = m
        self.associations = {_fold(a): a for (a,) in con.execute("SELECT association_id FROM association").fetchall()}
        for a, name in con.execute("SELECT association_id, full_name_sv FROM association").fetchall():
            self.associations.setdefault(_fold(name), a)
        # a name as written (any case) first; written without å/ä/ö only where that is not another
        # municipality's name too (Håbo and Habo both read "habo": such a spelling is left unknown)
        exact, folded = {}, {}
        for code, name in con.execute("SELECT municipality_code, municipality_name FROM municipality").fetchall():
            for n in (name, name + " kommun"):
                exact[_words(n)] = code
                folded.setdefault(_fold(n), set()).add(code)
        self.municipalities = {k: next(iter(v)) for k, v in folded.items() if len(v) == 1}
        self.municipalities.update(exact)
        self.municipalities.update({code: code for code in exact.values()})
        self.members = set(con.execute("SELECT association_id, municipality_code FROM association_municipality").fetchall())
        self.interventions = {(a, _fold(i)): i for a, i in con.execute(
            "SELECT association_id, intervention_id FROM intervention WHERE kind = 'individual'").fetchall()}

    def municipality(self, value: str) -> str | None:
        """A municipality's code from its code, its name or its name without å/ä/ö (when unambiguous)."""
        if value.isdigit():
            return self.municipalities.get(value.zfill(4))
        return self.municipalities.get(_words(value)) or self.municipalities.get(_fold(value))

    def code(self, name: str, value: str) -> str | None:
        return self.lists[name].get(_fold(value)) if value else None


def parse_dates(values: pd.Series, dayfirst: bool) -> pd.Series:
    """ISO dates, ISO date-times (Excel cells arrive so), and d/m/yyyy (or m/d with dayfirst=False)."""
    out = pd.to_datetime(values.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    slash = out.isna() & values.str.match(r"^\d{1,2}[/.]\d{1,2}[/.]\d{4}$")
    if slash.any():
        fmt = "%d/%m/%Y" if dayfirst else "%m/%d/%Y"
        out[slash] = pd.to_datetime(values[slash].str.replace(".", "/", regex=False), format=fmt, errors="coerce")
    return out


# --- validation with pandera --------------------------------------------------------------------------

def _check(column: str, rule: str, fn) -> pa.Check:
    """A row-wise rule (True = valid) whose failures name the column and the rule in Swedish."""
    return pa.Check(fn, name=f"{column}\u241f{rule}", error=f"{column}\u241f{rule}")


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
    p["association_id"] = _map_unique(d["förbund"], lambda v: codes.associations.get(_fold(v)) if v else None)
    # an intervention the association already has is matched whatever its case; a new name is created
    pairs = pd.Series(list(zip(p["association_id"], d["insats"])), index=d.index)
    p["intervention_id"] = _map_unique(pairs, lambda ai: codes.interventions.get((ai[0], _fold(ai[1])), ai[1]))
    p["municipality_code"] = _map_unique(
        d["kommun"], lambda v: codes.municipality(v))
    for col, name in (("kön", "gender"), ("remittent", "referral_source"), ("uppdrag", "assignment"),
                      ("avslutsanledning", "exit_reason"), ("uppföljning_6m", "followup_status"),
                      ("uppföljning_18m", "followup_status"), ("utbildningsnivå", "education"),
                      ("tid_i_offentlig_försörjning", "public_support_time"), ("försörjning_före", "income_source"),
                      ("försörjning_efter", "income_source")):
        p[col] = _map_unique(d[col], lambda v, name=name: codes.code(name, v))
    p["birth_year"] = pd.to_numeric(d["födelseår"], errors="coerce")
    p["start_date"] = parse_dates(d["startdatum"], dayfirst)
    p["end_date"] = parse_dates(d["slutdatum"], dayfirst)
    step = d["stegförflyttning"].str.lower()
    p["has_positive_step"] = _map_unique(step, lambda v: True if v in YES else False if v in NO else None)
    given = {c: d[c] != "" for c in d.columns}
    ended = given["slutdatum"]
    key = [_map_unique(d["förbund"], _fold), _map_unique(d["insats"], _fold), d["deltagare_id"],
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
    d = raw.copy()
    if association:
        d["förbund"] = d["förbund"].where(d.get("förbund", "") != "", association) if "förbund" in d else association
    for c in ANONYMOUS_COLUMNS:
        if c.name not in d:
            d[c.name] = ""
    given = {c: d[c] != "" for c in d.columns}
    p = pd.DataFrame(index=d.index)
    p["association_id"] = _map_unique(d["förbund"], lambda v: codes.associations.get(_fold(v)) if v else None)
    p["intervention_id"] = [codes.interventions.get((a, _fold(i)), i) for a, i in zip(p["association_id"], d["insats"])]
    p["year"] = pd.to_numeric(d["år"], errors="coerce")
    p["gender"] = _map_unique(d["kön"], lambda v: codes.code("gender", v))
    p["participant_count"] = pd.to_numeric(d["antal"], errors="coerce")
    duplicated = pd.concat([p["association_id"], _map_unique(d["insats"], _fold), p["year"], p["gender"]], axis=1) \
        .duplicated(keep=False)
    rules = [_check(c.name, "värde saknas (kolumnen är obligatorisk)", lambda f, c=c: given[c.name])
             for c in ANONYMOUS_COLUMNS if c.required]
    rules += [
        _check("förbund", "värde saknas: ange förbund i filen eller vid importen", lambda f: d["förbund"] != ""),
        _check("förbund", "okänt förbund", lambda f: ~given["förbund"] | p["association_id"].notna()),
        _check("år", f"ogiltigt år (2000–{today.year})", lambda f: ~given["år"] | p["year"].between(2000, today.year)),
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
    p["association_id"] = _map_unique(d["förbund"], lambda v: codes.associations.get(_fold(v)) if v else None)
    p["intervention_id"] = [codes.interventions.get((a, _fold(i)), i) for a, i in zip(p["association_id"], d["insats"])]
    p["year"] = pd.to_numeric(d["år"], errors="coerce")
    rules = [_check(c.name, "värde saknas (kolumnen är obligatorisk)", lambda f, c=c: given[c.name])
             for c in columns if c.required]
    rules += [
        _check("förbund", "värde saknas: ange förbund i filen eller vid importen", lambda f: d["förbund"] != ""),
        _check("förbund", "okänt förbund", lambda f: ~given["förbund"] | p["association_id"].notna()),
        _check("år", f"ogiltigt år (2000–{today.year})", lambda f: ~given["år"] | p["year"].between(2000, today.year)),
    ]
    return d, p, given, rules


def prepare_budget(raw: pd.DataFrame, codes: Codes, association: str | None, today: dt.date):
    d, p, given, rules = _common(raw, codes, association, BUDGET_COLUMNS, today)
    p["granted_sek"] = d["beviljat_sek"].map(_amount)
    p["used_sek"] = d["använt_sek"].map(_amount)
    p["kind"] = d["slag"].map(lambda v: KIND_WORDS.get(_fold(v)))
    duplicated = pd.concat([p["association_id"], _map_unique(d["insats"], _fold), p["year"]], axis=1).duplicated(keep=False)
    for col in ("beviljat_sek", "använt_sek"):
        key = "granted_sek" if col == "beviljat_sek" else "used_sek"
        rules.append(_check(col, "belopp måste vara ett heltal i kronor, 0 eller mer",
                            lambda f, key=key, col=col: ~given[col] | ((p[key] >= 0) & (p[key] % 1 == 0))))
    rules += [_check("slag", "skriv individinriktad eller strukturövergripande", lambda f: p["kind"].notna()),
              _check("år", "dubblett: samma förbund, insats och år förekommer flera gånger", lambda f: ~duplicated)]
    return p, rules


def prepare_survey(raw: pd.DataFrame, codes: Codes, association: str | None, today: dt.date):
    d, p, given, rules = _common(raw, codes, association, SURVEY_COLUMNS, today)
    p["survey"] = d["enkät"].map(lambda v: SURVEYS.get(_fold(v)))
    p["timepoint"] = d["mättillfälle"].map(lambda v: TIMEPOINTS.get(_fold(v), "?"))
    p["timepoint"] = p["timepoint"].where(p["timepoint"].notna(), p["survey"].map({"nns": "exit", "violence": "start"}))
    p["answer_group"] = d["grupp"].map(lambda v: GROUPS.get(_fold(v)) or codes.code("gender", v))
    p["question"] = d["fråga"]
    p["respondents"] = d["antal_svar"].map(_amount)
    p["positive_share_pct"] = d["andel_positiva"].map(_amount)
    key = [p["association_id"], _map_unique(d["insats"], _fold), p["year"], p["survey"], p["timepoint"], d["fråga"].map(_fold),
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
    return p, rules


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


# --- writing all or nothing: through finsam.write.writes, the one door for writes --------------------------

_rewrite = writes.rewrite


def _upsert_participations(con, rows: pd.DataFrame, import_id: int) -> tuple[int, int, int]:
    """Insert new participations and update changed ones (key: association, intervention, person, start)."""
    cols = ["association_id", "intervention_id", "person_id", "municipality_code", "gender", "birth_year",
            "referral_source", "assignment", "start_date", "end_date", "exit_reason", "has_positive_step",
            "followup_6m", "followup_18m", "education", "public_support_time", "income_before", "income_after"]
    new = rows[cols].copy()
    con.register("incoming", new)
    try:
        con.execute("CREATE TEMP TABLE inc AS SELECT * FROM incoming")
    finally:
        con.unregister("incoming")
    key = "p.association_id = i.association_id AND p.intervention_id = i.intervention_id " \
          "AND p.person_id = i.person_id AND p.start_date = i.start_date"
    value_cols = [c for c in cols if c not in ("association_id", "intervention_id", "person_id", "start_date")]
    differs = " OR ".join(f"p.{c} IS DISTINCT FROM i.{c}" for c in value_cols)
    updated = con.execute(f"SELECT count(*) FROM inc i JOIN participation p ON {key} WHERE {differs}").fetchone()[0]
    unchanged = con.execute(f"SELECT count(*) FROM inc i JOIN participation p ON {key} WHERE NOT ({differs})").fetchone()[0]
    # DuckDB checks foreign keys and unique keys per statement: delete then reinsert the changed rows
    con.execute(f"""CREATE TEMP TABLE changed AS SELECT p.participation_id, i.* FROM inc i
                    JOIN participation p ON {key} WHERE {differs}""")
    con.execute("DELETE FROM participation WHERE participation_id IN (SELECT participation_id FROM changed)")
    collist = ", ".join(cols)
    con.execute(f"INSERT INTO participation (participation_id, {collist}, is_demo, import_id) "
                f"SELECT participation_id, {collist}, false, ? FROM changed", [import_id])
    start = con.execute("SELECT coalesce(max(participation_id), 0) FROM participation").fetchone()[0]
    added = con.execute(f"""INSERT INTO participation (participation_id, {collist}, is_demo, import_id)
        SELECT ? + row_number() OVER (), {", ".join("i." + c for c in cols)}, false, ? FROM inc i
        WHERE NOT EXISTS (SELECT 1 FROM participation p WHERE {key})""", [start, import_id]).fetchone()[0]
    con.execute("DROP TABLE inc")
    con.execute("DROP TABLE changed")
    return added, updated, unchanged


def _ensure_interventions(con, rows: pd.DataFrame, today: dt.date) -> list[str]:
    """Create interventions the file names for the first time, and widen the years the records cover."""
    created = []
    for (assoc, interv), grp in rows.groupby(["association_id", "intervention_id"]):
        if "start_date" in grp:
            first = int(grp["start_date"].dt.year.min())
            last = int(max(grp["start_date"].dt.year.max(), grp["end_date"].dt.year.max(skipna=True) or 0))
            if grp["end_date"].isna().any():
                last = max(last, today.year)
        else:
            first, last = int(grp["year"].min()), int(grp["year"].max())
        exists = con.execute("SELECT first_year, last_year FROM intervention WHERE association_id = ? "
                             "AND intervention_id = ?", [assoc, interv]).fetchone()
        if exists is None:
            kind = grp["kind"].iloc[0] if "kind" in grp else "individual"
            con.execute("INSERT INTO intervention VALUES (?, ?, ?, ?, ?, ?, NULL)",
                        [assoc, interv, interv, kind, first, last])
            created.append(f"{assoc}: {interv}")
        else:
            con.execute("UPDATE intervention SET first_year = least(coalesce(first_year, ?), ?), "
                        "last_year = greatest(coalesce(last_year, ?), ?) WHERE association_id = ? "
                        "AND intervention_id = ?", [first, first, last, last, assoc, interv])
    return created


def import_file(db_path: Path, name: str, content: bytes, *, association: str | None = None,
                sheet: str | None = None, valid_only: bool = False, dayfirst: bool = True,
                user: str = "kommandoraden", kind: str | None = None, dry_run: bool = False,
                today: dt.date | None = None, reader=None, access: Access = ADMIN) -> Report:
    """Validate a file and, when it is valid (or valid_only), write it to the database all or nothing.
    reader: an open read-only connection to db_path to read the code lists with (the app passes its own).
    access: who imports (the command line runs as administrator): only an administrator, or a coordinator
    for their own association, may write; anyone may check a file (dry_run)."""
    today = today or dt.date.today()
    report = Report(name, kind or "?")
    raw = read_file(name, content, sheet)
    report.rows = len(raw)
    pn = find_personal_numbers(raw)
    if pn:
        raise ImportRejected("Filen innehåller personnummer eller samordningsnummer i kolumnen "
                             f"{', '.join(pn)}. Sådana uppgifter får inte lagras i finsam: ersätt dem med "
                             "förbundets egna pseudonyma deltagar-id. Inget har lästs in eller loggats.")
    if kind is None:
        folded = {_fold(h) for h in raw.columns}
        kind = "budget" if {"beviljat sek", "anvant sek"} <= folded else \
            "enkät" if {"enkat", "andel positiva"} <= folded else \
            "anonyma" if {"antal", "ar"} <= folded or {"count", "year"} <= folded else "deltagare"
    report.kind = kind
    headers, unknown = map_headers(raw, KINDS[kind])
    if unknown:
        report.notices.append(f"Okända kolumner läses inte in: {', '.join(unknown)}")
    raw_named = raw.rename(columns=headers)[[c for c in headers.values()]]
    if reader is not None:
        codes = Codes(reader)
    else:
        con = db.connect(db_path, read_only=True)
        try:
            codes = Codes(con)
        finally:
            con.close()
    if kind == "deltagare":
        prepared, rules = prepare_participations(raw_named, codes, association, dayfirst, today)
    elif kind == "anonyma":
        prepared, rules = prepare_anonymous(raw_named, codes, association, today)
    elif kind == "budget":
        prepared, rules = prepare_budget(raw_named, codes, association, today)
    else:
        prepared, rules = prepare_survey(raw_named, codes, association, today)
    report.problems = validate(prepared, rules, raw, headers)
    bad_rows = {p.row for p in report.problems}
    if (report.problems and not valid_only) or dry_run:
        return report
    good = prepared.drop(index=list(bad_rows))
    report.rejected_rows = len(bad_rows)
    if valid_only and bad_rows:
        report.rejected_file = _write_rejected(name, raw, report)
    if good.empty:
        return report
    good = _finish(good, kind)
    _may_write(access, good["association_id"].unique())
    detail = {"file": Path(name).name, "sha256": hashlib.sha256(content).hexdigest(), "kind": kind,
              "associations": sorted(good["association_id"].unique())}
    with _rewrite(db_path, user=user, role=access.role, action="import", detail=detail) as con:
        con.execute("BEGIN TRANSACTION")
        import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_log").fetchone()[0]
        created = _ensure_interventions(con, good, today)
        report.notices += [f"Ny insats skapad: {c}" for c in created]
        if kind == "deltagare":
            report.added, report.updated, report.unchanged = _upsert_participations(con, good, import_id)
        elif kind == "anonyma":
            report.added, report.updated, report.unchanged = _upsert_anonymous(con, good)
        else:
            report.added, report.updated, report.unchanged = _upsert_keyed(con, good, kind)
        aggregates.refresh_aggregates(con)
        con.execute("INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            import_id, dt.datetime.now().replace(microsecond=0), user, Path(name).name,
            hashlib.sha256(content).hexdigest(), kind, ", ".join(sorted(good["association_id"].unique())),
            report.rows, report.added, report.updated, report.unchanged, report.rejected_rows])
        con.execute("COMMIT")
        detail.update(rows=report.rows, added=report.added, updated=report.updated, unchanged=report.unchanged,
                      rejected=report.rejected_rows)
    report.written = True
    return report


def _finish(good: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Typed rows ready for the database (only valid rows reach here)."""
    if kind in ("anonyma", "budget", "enkät"):
        out = good.copy()
        out["year"] = out["year"].astype(int)
        for col in ("participant_count", "granted_sek", "used_sek"):
            if col in out:
                out[col] = out[col].astype(int)
        if "respondents" in out:
            out["respondents"] = out["respondents"].astype("Int64")
        return out
    out = pd.DataFrame({
        "association_id": good["association_id"], "intervention_id": good["intervention_id"],
        "person_id": good["deltagare_id"], "municipality_code": good["municipality_code"],
        "gender": good["kön"], "birth_year": good["birth_year"].astype("Int64"),
        "referral_source": good["remittent"], "assignment": good["uppdrag"],
        "start_date": good["start_date"], "end_date": good["end_date"], "exit_reason": good["avslutsanledning"],
        "has_positive_step": good["has_positive_step"].astype("boolean"),
        "followup_6m": good["uppföljning_6m"].fillna("ej_aktuell"),
        "followup_18m": good["uppföljning_18m"].fillna("ej_aktuell"),
        "education": good["utbildningsnivå"], "public_support_time": good["tid_i_offentlig_försörjning"],
        "income_before": good["försörjning_före"], "income_after": good["försörjning_efter"],
    })
    # interventions are matched case-insensitively to the names the association already has
    out["start_date"] = pd.to_datetime(out["start_date"])
    out["end_date"] = pd.to_datetime(out["end_date"])
    return out


def _upsert_anonymous(con, rows: pd.DataFrame) -> tuple[int, int, int]:
    added = updated = unchanged = 0
    for r in rows.itertuples(index=False):
        old = con.execute("SELECT participant_count FROM anonymous_participants WHERE association_id = ? AND "
                          "intervention_id = ? AND year = ? AND gender = ?",
                          [r.association_id, r.intervention_id, r.year, r.gender]).fetchone()
        if old is None:
            con.execute("INSERT INTO anonymous_participants VALUES (?, ?, ?, ?, ?, false)",
                        [r.association_id, r.intervention_id, r.year, r.gender, r.participant_count])
            added += 1
        elif old[0] != r.participant_count:
            con.execute("UPDATE anonymous_participants SET participant_count = ?, is_demo = false WHERE "
                        "association_id = ? AND intervention_id = ? AND year = ? AND gender = ?",
                        [r.participant_count, r.association_id, r.intervention_id, r.year, r.gender])
            updated += 1
        else:
            unchanged += 1
    return added, updated, unchanged


KEYED = {
    "budget": ("budget", ["association_id", "intervention_id", "year"], ["granted_sek", "used_sek"]),
    "enkät": ("survey_result", ["association_id", "intervention_id", "year", "survey", "timepoint", "question",
                                "answer_group"], ["respondents", "positive_share_pct"]),
}


def _upsert_keyed(con, rows: pd.DataFrame, kind: str) -> tuple[int, int, int]:
    """Budget and survey rows: insert new keys, replace the values of existing ones."""
    table, key, values = KEYED[kind]
    added = updated = unchanged = 0
    for r in rows[key + values].to_dict("records"):
        where = " AND ".join(f"{k} = ?" for k in key)
        old = con.execute(f"SELECT {', '.join(values)} FROM {table} WHERE {where}", [r[k] for k in key]).fetchone()
        new = tuple(None if pd.isna(r[v]) else r[v] for v in values)
        if old is None:
            cols = key + values + ["is_demo"]
            con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                        [r[k] for k in key] + list(new) + [False])
            added += 1
        elif tuple(old) != new:
            con.execute(f"UPDATE {table} SET {', '.join(f'{v} = ?' for v in values)}, is_demo = false WHERE {where}",
                        list(new) + [r[k] for k in key])
            updated += 1
        else:
            unchanged += 1
    return added, updated, unchanged


def _write_rejected(name: str, raw: pd.DataFrame, report: Report) -> Path:
    """The rejected rows as a CSV to fix and re-import, with a column that says what is wrong."""
    errors: dict[int, list[str]] = {}
    for p in report.problems:
        errors.setdefault(p.row, []).append(f"{p.column}: {p.rule}")
    rows = raw.loc[sorted(errors)].copy()
    rows["fel"] = ["; ".join(errors[i]) for i in rows.index]
    out = Path(tempfile_dir()) / f"{Path(name).stem}.avvisade.csv"
    out.write_bytes(rows.to_csv(sep=";", index=False).encode("utf-8-sig"))
    return out


def tempfile_dir() -> str:
    import tempfile

    return os.environ.get("FINSAM_REJECTED_DIR", tempfile.gettempdir())


def _may_write(access: Access, associations) -> None:
    """Writes are for a signed-in administrator, or a coordinator for their own association: checked here,
    whatever the page offers."""
    if not access.may_import:
        raise AccessDenied("Att importera eller ta bort uppgifter kräver inloggning som administratör eller samordnare.")
    refused = [a for a in associations if not access.allows(a)]
    if refused:
        raise AccessDenied(f"Ingen behörighet att ändra uppgifterna för {', '.join(refused)}.")


def remove_demo_records(db_path: Path, association: str, access: Access = ADMIN) -> int:
    """Delete an association's demo records (one action), all or nothing like an import."""
    _may_write(access, [association])
    detail = {"associations": [association]}
    with _rewrite(db_path, user=access.user, role=access.role, action="demo_removed", detail=detail) as con:
        con.execute("BEGIN TRANSACTION")
        n = con.execute("DELETE FROM participation WHERE association_id = ? AND is_demo", [association]).fetchone()[0]
        con.execute("DELETE FROM anonymous_participants WHERE association_id = ? AND is_demo", [association])
        aggregates.refresh_aggregates(con)
        con.execute("COMMIT")
        detail["removed"] = n
    return n


def upgrade(db_path: Path) -> bool:
    """Rebuild the aggregate tables of a file written by an earlier finsam that lacks some (like an import:
    a copy written, then swapped in). Returns whether it had to. Checked again under the write lock, so
    two processes starting at once upgrade once."""
    if not _lacks_aggregates(db_path):
        return False
    with writes.Lock(db_path):
        if not _lacks_aggregates(db_path):
            return False
        with _rewrite(db_path, user="finsam", role="admin", action="upgrade") as con:
            aggregates.refresh_aggregates(con)
    return True


def _lacks_aggregates(db_path: Path) -> bool:
    con = db.connect(db_path, read_only=True)
    try:
        present = set(con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()")
                      .df().table_name)
    finally:
        con.close()
    return not aggregates.aggregate_tables() <= present


def template(kind: str, fmt: str) -> bytes:
    """The import template (.xlsx or .csv) with the headers and one example row."""
    columns = KINDS[kind]
    df = pd.DataFrame([[c.example for c in columns]], columns=[c.name for c in columns])
    if fmt == "csv":
        return df.to_csv(sep=";", index=False).encode("utf-8-sig")
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        df.to_excel(xl, index=False, sheet_name=kind)
    return buf.getvalue()


# --- command line -------------------------------------------------------------------------------------

def cmd_import(args) -> int:
    from finsam import config

    path = args.db or config.load().db_path
    if not path.exists():
        print(f"Databasen {path} finns inte. Skapa en tom med: python -m finsam init --db {path}", file=sys.stderr)
        return 2
    try:
        report = import_file(path, args.file.name, args.file.read_bytes(), association=args.association,
                             sheet=args.sheet, valid_only=args.valid_only, dayfirst=True)
    except ImportRejected as e:
        print(f"Filen avvisades: {e}", file=sys.stderr)
        return 1
    print(report.text())
    return 0 if report.ok else 1


def cmd_init(args) -> int:
    from finsam import config

    cfg = config.load()
    path = args.db or cfg.db_path
    if path.exists():
        print(f"{path} finns redan; välj en annan sökväg.", file=sys.stderr)
        return 1
    con = db.init_database(path, cfg.data_dir)
    aggregates.refresh_aggregates(con)
    con.execute("INSERT INTO build_info VALUES ('kind', 'empty'), ('built_at', ?)",
                [dt.datetime.now().isoformat(timespec="seconds")])
    con.close()
    print(f"created {path}: reference data only, no records")
    return 0
