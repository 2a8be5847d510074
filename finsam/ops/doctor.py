"""`python -m finsam doctor`: what an administrator gets wrong when installing finsam, each problem as one
Swedish sentence with its fix; exit code 1 when there is a problem (0 when all is well).

Checks: the database (exists, opens read-only, has the aggregate tables of this version), the file modes
of the database, its versions and audit log, the users file (600 when it holds real accounts), Chromium
and the fonts for exports, sign-in (FINSAM_AUTH, the users and roles files valid, OpenID Connect secrets),
roles naming existing associations, the listening address (not open without sign-in), the newest backup
(its age; none, or older than BACKUP_MAX_HOURS, is a problem once records have been imported) and
leftovers of killed changes and backups (copies beside the database, versions no history line names).
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from finsam import config

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BACKUP_MAX_HOURS = 36  # a nightly backup missed once is still within it
STALE_HOURS = 1  # a build or a backup writes its file all the time; untouched this long, it was killed


@dataclass
class Problem:
    text: str
    fix: str

    def __str__(self) -> str:
        return f"PROBLEM: {self.text}\n  Åtgärd: {self.fix}"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def check_database(db_path: Path, problems: list[Problem]) -> set[str]:
    """Returns the associations in the database (empty if it cannot be read)."""
    from finsam.data import db
    from finsam.data import aggregates

    if not db_path.exists():
        problems.append(Problem(f"Databasen {db_path} finns inte.",
                                f"Skapa en tom med: python -m finsam init --db {db_path} (eller ange rätt fil i FINSAM_DB)."))
        return set()
    if not os.access(db_path, os.R_OK):
        problems.append(Problem(f"Databasen {db_path} går inte att läsa för användaren {_user()}.",
                                f"Ge tjänstens användare äganderätten: chown {_user()} {db_path}"))
        return set()
    try:
        con = db.connect(db_path, read_only=True)
    except Exception as e:  # a broken or foreign file
        problems.append(Problem(f"Databasen {db_path} går inte att öppna ({str(e).splitlines()[0][:160]}).",
                                "Återställ den senaste säkerhetskopian: cp /var/backups/finsam/finsam-<datum>.duckdb "
                                f"{db_path} (eller python -m finsam restore --last --db {db_path})."))
        return set()
    try:
        present = set(con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()")
                      .df().table_name)
        missing = aggregates.aggregate_tables() - present
        if "association" not in present:
            problems.append(Problem(f"{db_path} är ingen finsam-databas (tabellen association saknas).",
                                    "Ange rätt fil i FINSAM_DB eller skapa en med python -m finsam init."))
            return set()
        if missing:
            problems.append(Problem(f"Databasen är från en äldre version av finsam: {len(missing)} "
                                    "sammanställningstabeller saknas.",
                                    "Starta appen en gång (den bygger dem) eller kör en import; båda uppgraderar filen."))
        return set(con.execute("SELECT association_id FROM association").df().association_id)
    finally:
        con.close()


def check_permissions(db_path: Path, problems: list[Problem]) -> None:
    real = bool(_auth_modes())
    if not real or not db_path.exists():
        return
    for path in (db_path, db_path.with_name(db_path.name + ".audit.sqlite"), db_path.with_name(db_path.name + ".versions")):
        if path.exists() and _mode(path) & 0o077:
            want = "700" if path.is_dir() else "600"
            problems.append(Problem(f"{path} kan läsas av andra än tjänstens användare (läge {_mode(path):o}); "
                                    "filen innehåller känsliga uppgifter om deltagare.",
                                    f"chmod {want} {path} och sätt UMask=0077 i systemd-tjänsten (deploy/finsam@.service)."))


def check_exports(problems: list[Problem]) -> None:
    from finsam.present import images# kaleido and plotly: loaded only for this check

    try:
        images.check_browser()
    except images.ChromiumMissing as e:
        problems.append(Problem(e.problem, e.FIX))
    fc = shutil.which("fc-list")
    fonts = subprocess.run([fc], capture_output=True, text=True).stdout if fc else ""
    if "dejavu" not in fonts.lower():
        problems.append(Problem("Typsnittet DejaVu saknas; åäö i exporterade rapporter kan bli fel.",
                                "sudo apt-get install fonts-dejavu-core"))


def _auth_modes() -> set[str]:
    from finsam.web import auth

    return auth.mode()


def check_sign_in(associations: set[str], problems: list[Problem]) -> None:
    from finsam.web import auth

    raw = config.setting("FINSAM_AUTH")
    unknown = {m.strip() for m in raw.split(",")} - {"none", "local", "oidc", ""}
    if unknown:
        problems.append(Problem(f"FINSAM_AUTH={raw} har okända värden: {', '.join(sorted(unknown))}.",
                                "Använd none, local, oidc eller local,oidc."))
    modes = _auth_modes()
    if "local" in modes:
        path = auth.users_path()
        if not path.exists():
            problems.append(Problem(f"Lokala konton är påslagna men kontofilen {path} finns inte.",
                                    "Lägg till en administratör: python -m finsam user add NAMN --role admin"))
        else:
            try:
                users = auth.read_users(path)
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
                problems.append(Problem(f"Kontofilen {path} går inte att läsa: {e}.",
                                        "Rätta filen eller skapa om kontona med python -m finsam user add."))
                users = {}
            if _mode(path) & 0o077:
                problems.append(Problem(f"Kontofilen {path} kan läsas av andra (läge {_mode(path):o}).",
                                        f"chmod 600 {path}"))
            if path.exists() and not users:
                problems.append(Problem(f"Kontofilen {path} har inga konton; ingen kan logga in.",
                                        "python -m finsam user add NAMN --role admin"))
            for name, entry in users.items():
                if auth.name_problem(name):  # made by an earlier finsam, before user add checked names
                    problems.append(Problem(f"Kontot {name!r} i {path} kan inte logga in: {auth.name_problem(name)}",
                                            "Lägg till kontot med ett giltigt namn (python -m finsam user add) och ta "
                                            "bort det gamla (python -m finsam user remove)."))
                _check_entry(f"Kontot {name} i {path}", entry, associations, problems, password=True)
    if "oidc" in modes:
        secrets = config.ROOT / ".streamlit" / "secrets.toml"
        section = {}
        if secrets.exists():
            try:
                section = tomllib.loads(secrets.read_text("utf-8")).get("auth", {})
            except tomllib.TOMLDecodeError as e:
                problems.append(Problem(f"{secrets} går inte att läsa: {e}.", "Rätta TOML-filen."))
        need = [k for k in ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
                if not section.get(k)]
        if need:
            problems.append(Problem(f"OpenID Connect är påslaget men [auth] i {secrets} saknar {', '.join(need)}.",
                                    "Fyll i uppgifterna från er identitetsleverantör (README: Sign-in and sessions)."))
        roles = config.path_setting("FINSAM_ROLES")
        if not roles.exists():
            problems.append(Problem(f"Rollfilen {roles} finns inte; ingen som loggar in med OpenID Connect får en roll.",
                                    "Skapa filen med [[roles]]-rader (README: Sign-in and sessions)."))
        else:
            try:
                rules = tomllib.loads(roles.read_text("utf-8")).get("roles", [])
            except tomllib.TOMLDecodeError as e:
                problems.append(Problem(f"Rollfilen {roles} går inte att läsa: {e}.", "Rätta TOML-filen."))
                rules = []
            for i, rule in enumerate(rules, 1):
                who = rule.get("email") or rule.get("domain") or f"{rule.get('claim')}={rule.get('value')}"
                if not any(k in rule for k in ("email", "domain", "claim")):
                    problems.append(Problem(f"Regel {i} i {roles} anger varken email, domain eller claim.",
                                            "Lägg till email = \"...\", domain = \"...\" eller claim/value."))
                _check_entry(f"Regel {i} ({who}) i {roles}", rule, associations, problems)


def _check_entry(what: str, entry: dict, associations: set[str], problems: list[Problem], password=False) -> None:
    from finsam.web import auth

    try:
        auth.access_of(what, entry)
    except ValueError as e:
        problems.append(Problem(f"{what}: {str(e).split(': ', 1)[-1]}.",
                                "Roll: admin, coordinator, board eller reader; samordnare och styrelse behöver ett förbund."))
        return
    assoc = entry.get("association")
    if assoc and associations and assoc not in associations:
        problems.append(Problem(f"{what} anger förbundet {assoc}, som inte finns i databasen.",
                                f"Stava som i databasen (ett av: {', '.join(sorted(associations)[:8])} ...)."))
    if password and not str(entry.get("password_hash", "")).startswith("$argon2"):
        problems.append(Problem(f"{what} har inget giltigt lösenord (argon2-hash).",
                                "Sätt lösenordet igen: python -m finsam user add NAMN --role ROLL"))


def _imported(db_path: Path) -> bool:
    """Whether the database holds records imported by people (a demo or empty database is rebuilt, not
    restored)."""
    import duckdb

    from finsam.data import db

    try:
        con = db.connect(db_path, read_only=True)
    except (duckdb.Error, OSError):  # reported by check_database
        return False
    try:
        return con.execute("SELECT count(*) FROM import_log").fetchone()[0] > 0
    except duckdb.CatalogException:  # not a finsam database: reported by check_database
        return False
    finally:
        con.close()


def newest_backup(folder: Path) -> tuple[Path, float] | None:
    """The newest backup in folder and its age in hours."""
    from finsam.ops import backup

    found = backup.backups(folder) if folder.is_dir() else []
    if not found:
        return None
    newest = max(found, key=lambda p: p.stat().st_mtime)
    return newest, (time.time() - newest.stat().st_mtime) / 3600


def backup_status() -> str:
    """The newest backup in one Swedish sentence (doctor prints it whatever else it finds)."""
    folder = config.path_setting("FINSAM_BACKUP_DIR")
    newest = newest_backup(folder)
    if newest is None:
        return f"Ingen säkerhetskopia i {folder} (FINSAM_BACKUP_DIR)."
    return f"Senaste säkerhetskopian: {newest[0]}, {newest[1]:.0f} timmar gammal."


def check_backups(db_path: Path, problems: list[Problem]) -> None:
    from finsam.ops import backup

    folder = config.path_setting("FINSAM_BACKUP_DIR")
    run = ("Kör en säkerhetskopia nu (python -m finsam backup) och kontrollera den schemalagda: "
           "systemctl status finsam-backup.timer, eller loggen /var/lib/finsam/backup.log med deploy/finsam.cron; "
           "misslyckade säkerhetskopior står i loggen (python -m finsam audit).")
    if folder.is_dir():
        for partial in filter(_stale, backup.partials(folder)):
            problems.append(_leftover(partial, "en säkerhetskopia som avbröts"))
    if not db_path.exists() or not _imported(db_path):
        return
    newest = newest_backup(folder)
    if newest is None:
        problems.append(Problem(f"Det finns ingen säkerhetskopia av databasen i {folder} (FINSAM_BACKUP_DIR), "
                                "fast den har importerade uppgifter.", run))
    elif newest[1] > BACKUP_MAX_HOURS:
        problems.append(Problem(f"Den senaste säkerhetskopian, {newest[0]}, är {newest[1]:.0f} timmar gammal "
                                f"(mer än {BACKUP_MAX_HOURS}): den nattliga säkerhetskopian körs inte.", run))


def _stale(path: Path) -> bool:
    return time.time() - path.stat().st_mtime > STALE_HOURS * 3600


def _leftover(path: Path, what: str) -> Problem:
    size = path.stat().st_size / 1e6
    return Problem(f"{path} ({f'{size:.1f}'.replace('.', ',')} MB) är kvar efter {what}.",
                   f"Ta bort filen (databasen påverkades inte): rm {path}")


def check_leftovers(db_path: Path, problems: list[Problem]) -> None:
    """Files a killed change or build left beside the database: reported only while no change is being
    written (a change in progress has its copy)."""
    from finsam.data import versions
    from finsam.write import writes

    if writes.busy(db_path):
        return
    for path in writes.work_copies(db_path):
        problems.append(_leftover(path, "en import eller ändring som avbröts"))
    named = {e["file_kept"] for e in versions.history(db_path)}
    folder = versions.versions_dir(db_path)
    for path in sorted(folder.glob("*.duckdb")) if folder.is_dir() else []:
        if path.name not in named:
            problems.append(_leftover(path, "en ändring som avbröts före sitt byte (ingen version i historiken)"))
    for path in filter(_stale, sorted(db_path.parent.glob(f"{db_path.name}.building*"))):
        problems.append(_leftover(path, "ett bygge av databasen som avbröts"))


def check_address(problems: list[Problem], address: str | None = None) -> None:
    if address is None:
        address = os.environ.get("STREAMLIT_SERVER_ADDRESS")
        if address is None:
            cfg = config.ROOT / ".streamlit" / "config.toml"
            address = tomllib.loads(cfg.read_text("utf-8")).get("server", {}).get("address", "") if cfg.exists() else ""
    if address not in LOOPBACK and not _auth_modes():
        problems.append(Problem(f"Appen lyssnar på {address or 'alla adresser'} utan inloggning (FINSAM_AUTH=none): "
                                "vem som helst i nätet kan se den.",
                                "Slå på inloggning (FINSAM_AUTH=local eller oidc) eller lyssna bara på 127.0.0.1 "
                                "bakom en omvänd proxy."))


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def diagnose(db_path: Path, address: str | None = None) -> list[Problem]:
    problems: list[Problem] = []
    associations = check_database(db_path, problems)
    check_permissions(db_path, problems)
    check_exports(problems)
    check_sign_in(associations, problems)
    check_address(problems, address)
    check_backups(db_path, problems)
    check_leftovers(db_path, problems)
    return problems
