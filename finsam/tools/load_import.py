"""The import during a load (python -m finsam load --import): the import run in a process of its own, the
participant file that changes every selection Översikt can show, and Översikt's first key figure from the
query layer, to tell whether a session sees the new figures."""
from __future__ import annotations

from pathlib import Path

from finsam import config, labels
from finsam.access import ADMIN
from finsam.data import db
from finsam.privacy import Protection
from finsam.query import queries as q
from finsam.query import lookups


def warm_importer() -> None:
    """The importer loaded in the pool's process, before the clock reaches --at."""
    import finsam.write.importer  # noqa: F401


def run_import(db_path: str, file: str) -> dict:
    """In a process of its own, so the import does not slow the clients' measurements."""
    from finsam.write.importer import import_file

    path = Path(file)
    report = import_file(Path(db_path), path.name, path.read_bytes(), user="finsam load")
    return {"written": report.written, "added": report.added, "updated": report.updated,
            "problems": len(report.problems), "text": report.text()}


def read_only(path: Path):
    return db.connect(path, read_only=True)


def overview_participants(con, selection: dict, lang: str = "sv") -> str:
    """Översikt's first key figure (participants in the selection's last year) from the query layer, as
    the page formats it; the selection as the sidebar drew it (association, years, municipality names)."""
    scope = tuple(selection.get("forbund") or selection.get("forbund_options") or ())
    first, last = lookups.year_range(con, scope)
    years = tuple(int(y) for y in selection["ar"]) if selection.get("ar") else (first, last)
    munis = lookups.municipalities(con, scope)
    codes = dict(zip(munis.municipality_name, munis.municipality_code))
    f = q.Filters(years=years, associations=tuple(selection.get("forbund") or ()),
                  municipalities=tuple(codes[m] for m in selection.get("kommun") or ()))
    last = f.years[1]
    protection = Protection(threshold=int(config.setting("FINSAM_SMALL_COUNT")))
    kf = q.key_figure_series(q.run(con, "key_figures", f.with_years(last - 1, last), protection, ADMIN))
    value = kf["participants_total"].get(last)
    return "–" if value is None else labels.number(value, 0, lang)


def write_import_file(db_path: Path, out: Path, per_cell: int = 5) -> int:
    """A participant file as coordinators have them (semicolon CSV in Windows-1252, Swedish headers) that
    changes every selection Översikt can show: per_cell participations that started and ended in each year
    of each association, in each of its municipalities, in its first individual intervention. Returns the
    number of rows."""
    con = read_only(db_path)
    header = ["deltagare_id", "förbund", "insats", "kommun", "kön", "remittent", "startdatum", "slutdatum",
              "avslutsanledning", "stegförflyttning"]
    rows = []
    for assoc in lookups.associations(con).association_id:
        span = lookups.year_range(con, (assoc,))
        if span is None:
            continue
        intervention = lookups.interventions(con, (assoc,)).intervention_id.iloc[0]
        for muni in lookups.municipalities(con, (assoc,)).municipality_name:
            for year in range(span[0], span[1] + 1):
                for i in range(per_cell):
                    rows.append([f"LAST-{len(rows) + 1:06d}", assoc, intervention, muni, "kvinna" if i % 2 else "man",
                                 "AF", f"{year}-03-01", f"{year}-09-30", "arbete", "ja"])
    con.close()
    out.write_bytes("\r\n".join(";".join(r) for r in [header] + rows).encode("cp1252") + b"\r\n")
    return len(rows)

