"""Operations on real files: every change kept as a version, undo and restore to exactly the figures before,
backups taken while an import runs, the audit log (import, restore, failed sign-in through the real server),
and the doctor on a good and a broken installation."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from finsam.data import aggregates, audit, db
from finsam.ops import backup
from finsam.query import figures
from finsam.write import versions
from finsam.access import Access, AccessDenied
from finsam.write.importer import import_file, remove_demo_records
from finsam.privacy import OFF
from test_import import ROWS, TODAY, big_file, csv_bytes

COORD_SN = Access("coordinator", ("Sydnärke",), "sam")
ROWS_B = [r[:] for r in ROWS] + [["B-9", "Sydnärke", "Samordningsteamet", "Kumla", "man", "1970", "FK", "",
                                   "2025-04-01", "", "", "", ""]]
ROWS_B[0][9] = "2025-10-31"  # an update of A-1 (a later end date)


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "finsam", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300)


def all_figures(path: Path) -> pd.DataFrame:
    con = db.connect(path, read_only=True)
    try:
        return figures.compute(con, protection=OFF)
    finally:
        con.close()


def count(path: Path) -> int:
    con = db.connect(path, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM participation").fetchone()[0]
    finally:
        con.close()


def test_import_a_import_b_restore_gives_exactly_the_figures_after_a(live):
    import_file(live, "a.csv", csv_bytes(ROWS), today=TODAY, user="sam", access=COORD_SN)
    after_a = all_figures(live)
    report = import_file(live, "b.csv", csv_bytes(ROWS_B), today=TODAY, user="sam", access=COORD_SN)
    assert (report.added, report.updated) == (1, 1)
    after_b = all_figures(live)
    assert not after_a.equals(after_b)  # B changed figures, so the test can fail
    hist = versions.history(live)
    assert [e["action"] for e in hist] == ["import", "import"]
    assert hist[-1]["file"] == "b.csv" and hist[-1]["user"] == "sam" and hist[-1]["role"] == "coordinator"
    assert (hist[-1]["added"], hist[-1]["updated"]) == (1, 1) and hist[-1]["associations"] == ["Sydnärke"]
    assert hist[-1]["checksum_before"] == hist[0]["checksum_after"]
    assert len({hist[0]["checksum_before"], hist[0]["checksum_after"], hist[1]["checksum_after"]}) == 3
    r = cli("restore", "--last", "--db", live)
    assert r.returncode == 0, r.stderr
    assert "Ångrar importen av b.csv för Sydnärke" in r.stdout
    pd.testing.assert_frame_equal(all_figures(live), after_a)
    assert count(live) == 3
    # the restore is itself a version: undoing it brings B back
    hist = versions.history(live)
    assert hist[-1]["action"] == "restore" and hist[-1]["detail"]["restored_version"] == 2
    assert hist[-1]["checksum_after"] == hist[0]["checksum_after"]
    assert versions.restore(live, None)["matches"]
    pd.testing.assert_frame_equal(all_figures(live), after_b)
    # the history command, newest first
    lines = cli("history", "--db", live).stdout.splitlines()
    assert len(lines) == 4 and lines[0].split()[0] == "4" and "restore version 3" in lines[0]
    assert "b.csv" in lines[2] and "+1 nya, 1 ändrade" in lines[2] and "a.csv" in lines[3]
    # the versions are hard links of the files they replaced (no copy of the data)
    kept = versions.versions_dir(live) / hist[0]["file_kept"]
    assert kept.stat().st_nlink >= 1 and count(kept) == 0


def test_restore_a_numbered_version_and_errors_in_swedish(live):
    import_file(live, "a.csv", csv_bytes(ROWS), today=TODAY)
    import_file(live, "b.csv", csv_bytes(ROWS_B), today=TODAY)
    assert cli("restore", "1", "--db", live).returncode == 0
    assert count(live) == 0  # version 1: the file before the first import
    r = cli("restore", "99", "--db", live)
    assert r.returncode == 1 and "Version 99 finns inte" in r.stderr
    assert cli("restore", "--db", live).returncode == 2


def test_only_the_configured_number_of_versions_is_kept(live):
    for i in range(4):
        import_file(live, f"f{i}.csv", big_file(i + 1), today=TODAY)
    os.environ["FINSAM_KEEP_VERSIONS"] = "2"
    try:
        import_file(live, "f4.csv", big_file(5), today=TODAY)
    finally:
        del os.environ["FINSAM_KEEP_VERSIONS"]
    files = sorted(versions.versions_dir(live).glob("*.duckdb"))
    assert len(files) == 2
    hist = versions.history(live)
    assert len(hist) == 5 and [e["kept"] for e in hist] == [False, False, False, True, True]
    with pytest.raises(versions.RestoreError, match="rensats bort"):
        versions.restore(live, 1)


def test_a_coordinator_may_undo_only_their_own_associations_last_change(live):
    other = ROWS[0][:]
    other[0], other[1], other[2], other[3] = "V-1", "Västerås", "Samordningsteamet", "Västerås"
    import_file(live, "a.csv", csv_bytes(ROWS), today=TODAY, user="sam", access=COORD_SN)
    last = versions.may_undo(live, COORD_SN)
    assert last["file"] == "a.csv"
    assert "Ångrar importen av a.csv för Sydnärke" in versions.describe(last)
    with pytest.raises(AccessDenied):
        versions.may_undo(live, Access("board", ("Sydnärke",), "bo"))
    with pytest.raises(AccessDenied, match="inte bara ditt förbund"):
        versions.may_undo(live, Access("coordinator", ("Västerås",), "vera"))
    with pytest.raises(AccessDenied):
        versions.restore(live, None, user="vera", role="coordinator", access=Access("coordinator", ("Västerås",), "vera"))
    versions.restore(live, None, user="sam", role="coordinator", access=COORD_SN)
    assert count(live) == 0


def test_a_demo_removal_is_a_version_too(tmp_path, demo_db):
    path = tmp_path / "demo.duckdb"
    path.write_bytes(demo_db.read_bytes())
    import_file(path, "a.csv", csv_bytes(ROWS), today=TODAY)
    before = all_figures(path)
    n = remove_demo_records(path, "Sydnärke")
    assert n > 0
    entry = versions.history(path)[-1]
    assert entry["action"] == "demo_removed" and entry["associations"] == ["Sydnärke"]
    versions.restore(path, None)
    pd.testing.assert_frame_equal(all_figures(path), before)


def test_a_backup_taken_during_an_import_opens_read_only_with_the_same_figures(live, tmp_path):
    import_file(live, "a.csv", csv_bytes(ROWS), today=TODAY)
    before = all_figures(live)
    src = tmp_path / "big.csv"
    src.write_bytes(big_file(500))
    proc = subprocess.Popen([sys.executable, "-m", "finsam", "import", str(src), "--db", str(live)], cwd=ROOT,
                            env={**os.environ, "FINSAM_IMPORT_PAUSE_BEFORE_SWAP": "4"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(live.parent.glob("*.ready")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert list(live.parent.glob("*.ready")), proc.communicate()
    out = tmp_path / "backups"
    started = time.monotonic()
    r = cli("backup", "--to", out, "--db", live)
    assert r.returncode == 0, r.stderr
    assert proc.poll() is None, "the backup must not wait for the import"  # taken while the import ran
    assert time.monotonic() - started < 4
    proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert count(live) == 503
    (copy,) = backup.backups(out)
    assert copy.name.startswith("finsam-20") and oct(copy.stat().st_mode & 0o777) == "0o600"
    con = db.connect(copy, read_only=True)
    try:
        pd.testing.assert_frame_equal(figures.compute(con, protection=OFF), before)
    finally:
        con.close()
    # a second backup after the import has its figures; --keep 1 leaves only it
    r = cli("backup", "--to", out, "--db", live, "--keep", "1")
    assert r.returncode == 0, r.stderr
    (copy,) = backup.backups(out)
    assert count(copy) == 503
    assert copy.with_suffix(".audit.sqlite").exists()


def test_the_audit_log_of_an_import_and_a_restore_survives_the_restore(live):
    content = csv_bytes(ROWS)
    import_file(live, "lista.csv", content, today=TODAY, user="sam", access=COORD_SN)
    assert cli("restore", "--last", "--db", live).returncode == 0
    log = audit.entries(live)
    assert list(log["händelse"]) == ["restore", "import"]  # newest first; the restore kept the import's row
    imp = log.iloc[1]
    assert (imp["användare"], imp["roll"], imp["förbund"]) == ("sam", "coordinator", "Sydnärke")
    detail = json.loads(imp["detaljer"])
    import hashlib
    assert detail["file"] == "lista.csv" and detail["sha256"] == hashlib.sha256(content).hexdigest()
    assert (detail["added"], detail["updated"], detail["rows"]) == (3, 0, 3)
    rest = log.iloc[0]
    assert rest["användare"] == "kommandoraden" and json.loads(rest["detaljer"])["restored_version"] == 1
    # no participant ids anywhere in the log file
    raw = audit.audit_path(live).read_bytes()
    assert b"A-1" not in raw and b"A-2" not in raw
    assert oct(audit.audit_path(live).stat().st_mode & 0o777) == "0o600"
    # the command, filtered
    r = cli("audit", "--db", live, "--user", "sam")
    assert r.returncode == 0 and "import" in r.stdout and "restore" not in r.stdout
    assert "Inga händelser" in cli("audit", "--db", live, "--since", "2999-01-01").stdout
    # only administrators read the log
    with pytest.raises(AccessDenied):
        audit.entries(live, access=COORD_SN)
    assert len(audit.entries(live, access=Access("admin", None, "ada"))) == 2


# --- through the real server in Chromium ---------------------------------------------------------------

ADMIN_PASSWORD = "ett långt lösenord"


def test_failed_sign_in_undo_and_the_log_in_the_browser(tmp_path, demo_db, browser):
    from argon2 import PasswordHasher

    from urllib.parse import quote

    from browser import streamlit_server, wait_for_app
    from finsam.web import auth
    from test_signin import sign_in_local

    path = tmp_path / "finsam.duckdb"
    path.write_bytes(demo_db.read_bytes())
    import_file(path, "a.csv", csv_bytes(ROWS), today=TODAY, user="sam", access=COORD_SN)
    after_a = all_figures(path)
    import_file(path, "b.csv", csv_bytes(ROWS_B), today=TODAY, user="sam", access=COORD_SN)
    users = tmp_path / "users.toml"
    h = PasswordHasher()
    auth.write_users({"ada": {"password_hash": h.hash(ADMIN_PASSWORD), "role": "admin"}}, users)
    with streamlit_server(path, env={"FINSAM_AUTH": "local", "FINSAM_USERS": str(users)}) as url:
        pg = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        pg.goto(f"{url}/importera")
        sign_in_local(pg, "ada", "fel lösenord")  # the HTML form's POST to the real server
        pg.wait_for_selector('[data-testid="stAlertContentError"]')
        failed = audit.entries(path, user="ada")
        assert list(failed["händelse"]) == ["sign_in_failed"] and json.loads(failed.iloc[0]["detaljer"]) == {"reason": "wrong"}
        sign_in_local(pg, "ada", ADMIN_PASSWORD)
        pg.wait_for_selector("text=Ångrar importen av b.csv", timeout=90_000)
        body = pg.inner_text("body")
        assert "Ångrar importen av b.csv för Sydnärke" in body and "av sam" in body
        pg.get_by_role("button", name="Ångra senaste importen").click()
        pg.get_by_role("button", name="Ja, ångra").click()  # the confirmation says what will be undone
        pg.wait_for_selector("text=Ångrat. Databasen är som före ändringen", timeout=90_000)
        pd.testing.assert_frame_equal(all_figures(path), after_a)
        assert "Logg" in pg.inner_text("body")
        log = audit.entries(path)
        assert list(log["händelse"][:2]) == ["restore", "sign_in"] and log.iloc[0]["användare"] == "ada"
        assert log.iloc[0]["roll"] == "admin"
        # unprotected figures: the switch and each download are logged (who, role, file), protected ones not
        pg.goto(f"{url}/kon?forbund={quote('Sydnärke')}&ar=2024&ar=2024")
        wait_for_app(pg)
        with pg.expect_download(timeout=60_000):
            pg.locator(".st-key-download_png_gender button").click()
        assert "export_unprotected" not in set(audit.entries(path)["händelse"])
        pg.get_by_text("Visa oskyddade siffror").click()
        wait_for_app(pg)
        with pg.expect_download(timeout=60_000) as png:
            pg.locator(".st-key-download_png_gender button").click()
        assert png.value.suggested_filename == "finsam_gender.png"
        log = audit.entries(path)
        assert list(log["händelse"][:2]) == ["export_unprotected", "view_unprotected"]
        assert json.loads(log.iloc[0]["detaljer"]) == {"file": "finsam_gender.png"} and log.iloc[0]["användare"] == "ada"


# --- doctor -----------------------------------------------------------------------------------------------

def test_doctor_passes_a_good_installation_and_names_each_problem_of_a_broken_one(tmp_path, live):
    from argon2 import PasswordHasher

    from finsam.web import auth

    users = tmp_path / "users.toml"
    auth.write_users({"ada": {"password_hash": PasswordHasher().hash(ADMIN_PASSWORD), "role": "admin"},
                      "sam": {"password_hash": PasswordHasher().hash(ADMIN_PASSWORD), "role": "coordinator",
                              "association": "Sydnärke"}}, users)
    os.chmod(users, 0o600)
    os.chmod(live, 0o600)
    good = {"FINSAM_AUTH": "local", "FINSAM_USERS": str(users), "STREAMLIT_SERVER_ADDRESS": "127.0.0.1"}
    r = cli("doctor", "--db", live, env=good)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Allt ser bra ut" in r.stdout
    r = cli("doctor", "--db", live, env={**good, "BROWSER_PATH": str(tmp_path / "ingen-chromium")})
    assert r.returncode == 1 and "Chromium saknas" in r.stdout and "diagram i PDF, PowerPoint och Word" in r.stdout
    assert "apt-get install chromium" in r.stdout and r.stdout.count("PROBLEM:") == 1
    # broken: readable by others, a coordinator of an association that does not exist, a role unknown,
    # open to the network with sign-in off, an outdated database
    os.chmod(live, 0o644)
    auth.write_users({"ada": {"password_hash": "x", "role": "admin"},
                      "per": {"password_hash": PasswordHasher().hash(ADMIN_PASSWORD), "role": "coordinator",
                              "association": "Sydnärka"},
                      "eva": {"password_hash": PasswordHasher().hash(ADMIN_PASSWORD), "role": "chef"}}, users)
    r = cli("doctor", "--db", live, env={**good, "FINSAM_AUTH": "local"})
    assert r.returncode == 1
    out = r.stdout
    assert f"{live} kan läsas av andra" in out and f"chmod 600 {live}" in out
    assert "Kontot per" in out and "förbundet Sydnärka, som inte finns i databasen" in out
    assert "Kontot eva" in out and "unknown role 'chef'" in out
    assert "Kontot ada" in out and "inget giltigt lösenord" in out
    assert out.count("PROBLEM:") == out.count("Åtgärd:") == 4
    r = cli("doctor", "--db", live, env={**good, "FINSAM_AUTH": "none", "STREAMLIT_SERVER_ADDRESS": "0.0.0.0"})
    assert r.returncode == 1 and "lyssnar på 0.0.0.0 utan inloggning" in r.stdout
    assert "kan läsas av andra" not in r.stdout  # a demo installation holds no real records
    r = cli("doctor", "--db", tmp_path / "saknas.duckdb", env=good)
    assert r.returncode == 1 and "finns inte" in r.stdout and "python -m finsam init" in r.stdout
    con = db.connect(live)
    con.execute(f"DROP TABLE {sorted(aggregates.aggregate_tables())[0]}")
    con.close()
    os.chmod(live, 0o600)
    r = cli("doctor", "--db", live, env=good)
    assert r.returncode == 1 and "äldre version av finsam" in r.stdout


def test_a_change_killed_before_its_swap_leaves_no_version_behind(live, tmp_path):
    import signal

    import_file(live, "a.csv", csv_bytes(ROWS), today=TODAY)
    src = tmp_path / "big.csv"
    src.write_bytes(big_file(50))
    proc = subprocess.Popen([sys.executable, "-m", "finsam", "import", str(src), "--db", str(live)], cwd=ROOT,
                            env={**os.environ, "FINSAM_IMPORT_PAUSE_BEFORE_SWAP": "60"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(live.parent.glob("*.ready")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(versions.history(live)) == 1
    import_file(live, "b.csv", csv_bytes(ROWS_B), today=TODAY)  # the same second as the killed one's link
    hist = versions.history(live)
    assert [e["version"] for e in hist] == [1, 2] and all(e["kept"] for e in hist)
    assert sorted(p.name for p in versions.versions_dir(live).glob("*.duckdb")) == sorted(e["file_kept"] for e in hist)
    versions.restore(live, None)
    assert count(live) == 3
