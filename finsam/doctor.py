"""`python -m finsam doctor`: what an administrator gets wrong when installing finsam, each problem as one
Swedish sentence with its fix; exit code 1 when there is a problem (0 when all is well).

Checks: the database (exists, opens read-only, has the aggregate tables of this version), the file modes
of the database, its versions and audit log, the users file (600 when it holds real accounts), Chromium
and the fonts for exports, sign-in (FINSAM_AUTH, the users and roles files valid, OpenID Connect secrets),
roles naming existing associations, and the listening address (not open without sign-in).
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from finsam import config

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


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
    from finsam import db, queries

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
        missing = queries.aggregate_tables() - present
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
    from finsam import images  # kaleido and plotly: loaded only for this check

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
    from finsam import auth

    return auth.mode()


def check_sign_in(associations: set[str], problems: list[Problem]) -> None:
    from finsam import auth

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
    from finsam import auth

    try:
        auth._access(what, entry)
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
    return problems


def cmd_doctor(args) -> int:
    path = args.db or config.load().db_path
    problems = diagnose(path)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem hittades.", file=sys.stderr)
        return 1
    print(f"Allt ser bra ut: {path}, inloggning {config.setting('FINSAM_AUTH')}.")
    return 0
