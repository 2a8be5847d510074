"""What a coordinator's file may hold: the columns of each kind with their Swedish headers and
aliases, the words accepted for codes, the header mapping, the templates, and the import's Problem and
Report."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from finsam.present import tables as export


PERSONNUMMER = re.compile(r"^\s*(19|20)?\d{6}\s*[-+]?\s*\d{4}\s*$")


MAX_NAME = 100  # characters of a name kept as written: a new intervention, a survey question


CONTROL = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"  # line breaks, tabs, direction marks


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


def _where(year: str) -> list[Column]:
    """The association, intervention and year every small template starts with (example year given)."""
    return [Column("förbund", ("forbund", "association"), False, "Sydnärke"),
            Column("insats", ("intervention",), True, "Samordningsteamet"),
            Column("år", ("ar", "year"), True, year)]


ANONYMOUS_COLUMNS = [
    *_where("2024"),
    Column("kön", ("kon", "gender"), True, "kvinna"),
    Column("antal", ("count", "participant_count"), True, "2"),
]


BUDGET_COLUMNS = [
    *_where("2024"),
    Column("beviljat_sek", ("beviljat", "budget", "tilldelade medel", "granted_sek"), True, "700000"),
    Column("använt_sek", ("anvant sek", "använt", "utfall", "kostnad", "used_sek"), True, "645276"),
    Column("slag", ("kind",), False, "individinriktad"),
]


SURVEY_COLUMNS = [
    *_where("2025"),
    Column("enkät", ("enkat", "survey"), True, "nns"),
    Column("fråga", ("fraga", "question"), True, "1"),
    Column("antal_svar", ("antal svarande", "respondents"), False, "32"),
    Column("andel_positiva", ("andel positiva svar", "positive_share_pct"), True, "97"),
    Column("mättillfälle", ("mattillfalle", "timepoint"), False, "avslut"),
    Column("grupp", ("svarande", "answer_group"), False, "alla"),
]


# counted conversations (rådgivande samtal) per intervention and year, imported like budgets (issue 25)
CONVERSATION_COLUMNS = [
    *_where("2025"),
    Column("antal_samtal", ("antal samtal", "radgivande samtal", "samtal", "conversation_count"), True, "103"),
]


KINDS = {"deltagare": PARTICIPATION_COLUMNS, "anonyma": ANONYMOUS_COLUMNS, "budget": BUDGET_COLUMNS,
         "enkät": SURVEY_COLUMNS, "samtal": CONVERSATION_COLUMNS}


SURVEYS = {"nns": "nns", "nns indikatorer": "nns", "indikatorer": "nns", "vald": "violence", "valdsenkat": "violence",
           "violence": "violence"}


TIMEPOINTS = {"": None, "avslut": "exit", "vid avslut": "exit", "exit": "exit", "3m": "3m", "3 man": "3m",
              "efter 3 manader": "3m", "start": "start", "vid start": "start"}


GROUPS = {"": "all", "alla": "all", "all": "all"}


KIND_WORDS = {"": "individual", "individinriktad": "individual", "individual": "individual",
              "strukturovergripande": "structural", "structural": "structural"}


YES = {"ja", "j", "yes", "y", "1", "true", "sant"}


NO = {"nej", "n", "no", "0", "false", "falskt"}


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
    rejected: bytes | None = None  # the rejected rows as a CSV to fix (valid_only), held in memory
    rejected_file: Path | None = None  # where the command line wrote them

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


def fold(text: str) -> str:
    """Header spelling variants: case, spaces, underscores, å/ä/ö written as a/a/o."""
    t = unicodedata.normalize("NFKD", str(text).strip().lower())
    t = "".join(c for c in t if not unicodedata.combining(c))
    return re.sub(r"[\s_\-.]+", " ", t).strip()


def words(text: str) -> str:
    """Case and spacing folded, letters kept (Håbo stays Håbo)."""
    return re.sub(r"[\s_\-.]+", " ", unicodedata.normalize("NFC", str(text).strip().lower())).strip()


def map_unique(values: pd.Series, fn) -> pd.Series:
    """fn applied to each distinct value once (a file of 100 000 rows has a handful of municipalities)."""
    return values.map({v: fn(v) for v in values.unique()})


def find_personal_numbers(df: pd.DataFrame) -> list[str]:
    """Columns holding a value shaped like a personnummer or samordningsnummer."""
    return [c for c in df.columns if any(PERSONNUMMER.match(str(v)) for v in df[c].unique())]


def map_headers(df: pd.DataFrame, columns: list[Column]) -> tuple[dict[str, str], list[str]]:
    """{file header: template name} for known headers, and the headers that match nothing."""
    lookup = {}
    for c in columns:
        for alias in (c.name, *c.aliases):
            lookup[fold(alias)] = c.name
    mapping, unknown = {}, []
    for h in df.columns:
        name = lookup.get(fold(h))
        if name and name not in mapping.values():
            mapping[h] = name
        elif str(h).strip():
            unknown.append(str(h))
    return mapping, unknown


def template(kind: str, fmt: str) -> bytes:
    """The import template (.xlsx or .csv) with the headers and one example row."""
    columns = KINDS[kind]
    df = pd.DataFrame([[c.example for c in columns]], columns=[c.name for c in columns])
    return export.csv_bytes(df) if fmt == "csv" else export.xlsx(df, kind)
