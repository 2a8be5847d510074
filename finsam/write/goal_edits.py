"""Editing goals: validating the editor's or a template's rows, saving them through the one write door
(a version that can be undone, and "goal_changed" in the audit log), the template, and the demo's goals.
What a goal is and how it is measured: finsam.query.goals."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from finsam.access import ADMIN, Access, AccessDenied
from finsam.data.db import SCHEMA
from finsam.query.goals import (ALL, COMPARISONS, GOAL_COLUMNS, HEADERS, INDICATORS, SET_STATUSES, goals)


class GoalError(ValueError):
    """Goals that cannot be saved; .problems are Swedish sentences naming row, column and rule."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems



def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else str(v).strip()


def validate(frame: pd.DataFrame, interventions: pd.DataFrame, access: Access) -> tuple[pd.DataFrame, list[str]]:
    """Goals as the editor or a template has them (GOAL_COLUMNS, any may be empty text) -> typed goals and
    Swedish problems naming row (1 = the first goal), column and rule. interventions: association_id,
    intervention_id of the database."""
    problems: list[str] = []
    known = set(zip(interventions.association_id, interventions.intervention_id))
    associations = set(interventions.association_id)
    out, seen = [], set()
    for i, raw in enumerate(frame.to_dict("records"), start=1):
        r = {c: _text(raw.get(c)) for c in GOAL_COLUMNS}

        def bad(col: str, rule: str) -> None:
            problems.append(f"Rad {i}, kolumn {HEADERS[col]}: {rule}")

        if not any(r[c] for c in ("text_sv", "indicator", "target", "association_id", "intervention_id")):
            continue  # an empty row the editor adds
        assoc = r["association_id"]
        if not assoc:
            bad("association_id", "förbund saknas.")
        elif assoc not in associations:
            bad("association_id", f"okänt förbund '{assoc}'.")
        elif not access.allows(assoc):
            bad("association_id", f"du får bara ändra mål för {', '.join(access.associations or ())}.")
        interv = r["intervention_id"] or ALL
        if assoc in associations and interv != ALL and (assoc, interv) not in known:
            bad("intervention_id", f"insatsen '{interv}' finns inte i {assoc} (ange en insats eller {ALL}).")
        years = {}
        for col in ("first_year", "last_year"):
            v = r[col] or (r["first_year"] if col == "last_year" else "")
            try:
                years[col] = int(float(v))
                if not 2000 <= years[col] <= 2100:
                    raise ValueError
            except ValueError:
                bad(col, f"'{v}' är inget år mellan 2000 och 2100." if v else "år saknas.")
        if len(years) == 2 and years["last_year"] < years["first_year"]:
            bad("last_year", f"{years['last_year']} är före från år {years['first_year']}.")
        if not r["text_sv"]:
            bad("text_sv", "målet behöver en text, som styrelsen skrev det.")
        ind, comp = r["indicator"], r["comparison"]
        comp = {v: k for k, v in COMPARISONS.items()}.get(comp, comp)
        ind = {v.label_sv: k for k, v in INDICATORS.items()}.get(ind, ind)
        nums = {}
        for col in ("target", "target_high"):
            v = r[col].replace(" ", "").replace("\u00a0", "").replace(",", ".").rstrip("%")
            if v:
                try:
                    nums[col] = float(v)
                except ValueError:
                    bad(col, f"'{r[col]}' är inget tal.")
        if ind:
            if ind not in INDICATORS:
                bad("indicator", f"okänd indikator '{ind}' (tillåtna: {', '.join(INDICATORS)}).")
            if comp not in COMPARISONS:
                bad("comparison", f"'{comp}' är ingen jämförelse (minst, högst eller mellan)." if comp
                    else "ett mätbart mål behöver en jämförelse (minst, högst eller mellan).")
            if "target" not in nums and not r["target"]:
                bad("target", "ett mätbart mål behöver ett målvärde.")
            if comp == "between" and "target_high" not in nums and not r["target_high"]:
                bad("target_high", "jämförelsen mellan behöver ett målvärde till.")
            if comp == "between" and "target" in nums and "target_high" in nums and nums["target_high"] < nums["target"]:
                bad("target_high", f"{nums['target_high']:g} är mindre än målvärdet {nums['target']:g}.")
            if comp != "between" and "target_high" in nums:
                bad("target_high", "bara jämförelsen mellan har ett målvärde till.")
            unit = INDICATORS[ind].unit if ind in INDICATORS else ""
            t = nums.get("target")
            if t is not None and (t < 0 or (unit == "percent" and t > 100)):
                bad("target", f"{t:g} ligger utanför {'0–100 %' if unit == 'percent' else 'tal från 0'}.")
            if r["set_status"]:
                bad("set_status", "ett mätbart mål får sin status av utfallet; lämna status tom.")
        else:
            for col in ("comparison", "target", "target_high"):
                if r[col]:
                    bad(col, "ett mål utan indikator har inget målvärde eller jämförelse (ange en indikator).")
            if r["set_status"] and r["set_status"] not in SET_STATUSES:
                bad("set_status", f"'{r['set_status']}' är ingen status (uppnått, delvis uppnått eller ej uppnått).")
        gid = r["goal_id"] or f"{assoc}-{years.get('first_year', '')}-{len(out) + 1}"
        if gid in seen:
            bad("goal_id", f"mål-id '{gid}' finns redan på en annan rad.")
        seen.add(gid)
        out.append({"goal_id": gid, "association_id": assoc, "intervention_id": interv,
                    "first_year": years.get("first_year"), "last_year": years.get("last_year"),
                    "text_sv": r["text_sv"], "indicator": ind or None, "comparison": (comp or None) if ind else None,
                    "target": nums.get("target") if ind else None,
                    "target_high": nums.get("target_high") if ind else None,
                    "set_status": (r["set_status"] or None) if not ind else None, "comment": r["comment"],
                    "source_file": r["source_file"], "section": r["section"]})
    return pd.DataFrame(out, columns=GOAL_COLUMNS), problems


def may_edit(access: Access) -> bool:
    """Goals are written by an administrator, or a coordinator for their own association (never the board,
    a reader or the demo)."""
    return access.role in ("admin", "coordinator")


def save(db_path: Path, access: Access, associations: tuple[str, ...], frame: pd.DataFrame) -> int:
    """Replace the goals of `associations` with `frame` (the editor's table): checked here, whatever the
    page offers (role and association), validated, then written through the one door for writes. Returns
    how many goals the associations have now. Raises AccessDenied or GoalError."""
    from finsam.data import db
    from finsam.write import writes

    if not may_edit(access):
        raise AccessDenied("Att ändra mål kräver inloggning som administratör eller samordnare.")
    refused = [a for a in associations if not access.allows(a)]
    if refused or not associations:
        raise AccessDenied(f"Ingen behörighet att ändra målen för {', '.join(refused) or 'alla förbund'}.")
    with writes.Lock(db_path):  # decided on the goals as they are when written, not before another save
        con = db.connect(db_path, read_only=True)
        try:
            interventions = _interventions(con)
            others = goals(con)
        finally:
            con.close()
        typed, problems = validate(frame, interventions, access)
        outside = sorted(set(typed.association_id) - set(associations))
        if outside:
            problems.append(f"Målen gäller {', '.join(associations)}; rader för {', '.join(outside)} "
                            "sparas inte här.")
        clash = set(typed.goal_id) & set(others[~others.association_id.isin(associations)].goal_id)
        if clash:
            problems.append(f"Mål-id {', '.join(sorted(clash))} används redan av ett annat förbund.")
        if problems:
            raise GoalError(problems)
        # a version that can be undone, and the audit log's "goal_changed" with who and for which association
        detail = {"associations": list(associations), "goals": int(len(typed))}
        with writes.rewrite(db_path, user=access.user or "", role=access.role, action="goal_changed",
                            detail=detail) as wcon:
            wcon.execute(_GOAL_DDL_IF_MISSING)
            wcon.execute("BEGIN TRANSACTION")
            wcon.execute(f"DELETE FROM goal WHERE association_id IN ({', '.join('?' for _ in associations)})",
                         list(associations))
            _insert(wcon, typed)
            wcon.execute("COMMIT")
    return len(typed)


def _insert(con, typed: pd.DataFrame) -> None:
    if typed.empty:
        return
    df = typed.astype({"first_year": "int64", "last_year": "int64", "target": "float64", "target_high": "float64"})
    con.register("_goals", df)
    try:
        con.execute(f"INSERT INTO goal ({', '.join(GOAL_COLUMNS)}) SELECT {', '.join(GOAL_COLUMNS)} FROM _goals")
    finally:
        con.unregister("_goals")


def _ddl() -> str:
    text = SCHEMA.read_text(encoding="utf-8")
    start = text.index("CREATE TABLE goal (")
    return "CREATE TABLE IF NOT EXISTS goal (" + text[start + len("CREATE TABLE goal ("):text.index(");", start) + 2]


_GOAL_DDL_IF_MISSING = _ddl()  # a file made before goals existed gets the table on its first save


def _interventions(con) -> pd.DataFrame:
    return con.execute("SELECT association_id, intervention_id FROM intervention").df()


def load_demo(con, data_dir: Path) -> int:
    """The goals the five reports state (data/goals.csv) into a demo build."""
    raw = pd.read_csv(data_dir / "goals.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    interventions = _interventions(con)
    typed, problems = validate(raw, interventions, ADMIN)
    if problems:
        raise GoalError(["data/goals.csv: " + p for p in problems])
    _insert(con, typed)
    return len(typed)


def to_editor(g: pd.DataFrame) -> pd.DataFrame:
    """Goals as the editor and the template show them: Swedish comparison words, numbers as they are."""
    out = g[GOAL_COLUMNS].copy()
    out["comparison"] = out.comparison.map(lambda c: COMPARISONS.get(c, "") if isinstance(c, str) else "")
    for col in ("indicator", "set_status"):
        out[col] = out[col].fillna("")
    return out


def template(fmt: str) -> bytes:
    """The goals import template (.xlsx or .csv; Swedish headers) with two example rows."""
    example = pd.DataFrame([
        {"goal_id": "", "association_id": "Sydnärke", "intervention_id": "Samordningsteamet", "first_year": 2026,
         "last_year": 2026, "text_sv": "Minst 150 individer tar del av insatsen.", "indicator": "participants",
         "comparison": "minst", "target": 150, "target_high": "", "set_status": "", "comment": "",
         "source_file": "Verksamhetsplan 2026", "section": "Mål 1"},
        {"goal_id": "", "association_id": "Sydnärke", "intervention_id": ALL, "first_year": 2026,
         "last_year": 2026, "text_sv": "Att bidra till en mer jämställd arbetslivsinriktad rehabilitering.",
         "indicator": "", "comparison": "", "target": "", "target_high": "", "set_status": "delvis uppnått",
         "comment": "Bedöms av samordnaren.", "source_file": "Verksamhetsplan 2026", "section": "Mål 2"},
    ], columns=GOAL_COLUMNS).rename(columns=HEADERS)
    from finsam.present import tables

    return tables.csv_bytes(example) if fmt == "csv" else tables.xlsx(example, "mål")


def read_template(name: str, content: bytes) -> pd.DataFrame:
    """A filled-in goals template (CSV or Excel) as GOAL_COLUMNS of text, for validate/save."""
    from finsam.write.filereader import ImportRejected, read_file

    try:
        raw = read_file(name, content)
    except ImportRejected as e:  # the page lists a GoalError's problems
        raise GoalError([str(e)]) from None
    back = {v: k for k, v in HEADERS.items()}
    unknown = [c for c in raw.columns if c not in back and c not in GOAL_COLUMNS]
    if unknown:
        raise GoalError([f"Kolumn {c}: okänd rubrik (mallens rubriker: {', '.join(HEADERS.values())})."
                         for c in unknown])
    raw = raw.rename(columns=back)
    for c in GOAL_COLUMNS:
        if c not in raw:
            raw[c] = ""
    return raw[GOAL_COLUMNS]


